//! The hot workloads through rusqlite: a few reader threads that each own a read-only connection,
//! one writer thread owning the only read-write connection, and ONE hand-off per request.
//!
//! A request is a closure sent to a thread's queue; it runs every query of the request on that
//! thread's connection with `prepare_cached` statements and sends the finished result back on a
//! oneshot channel. So a feed page costs two cross-thread hops in total, against sqlx-sqlite's two
//! per query plus one per row. The SQL keeps Souk's `$n` text; it is rewritten once, at start-up, to
//! SQLite's `?n` so binding is by index (no parameter-name lookups).
//!
//! `Inline` runs the same closures on the calling task with no hop at all (a mutex-guarded
//! connection): the floor for what the SQL itself costs in this process.
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, StatementStatus, TransactionBehavior};

use crate::hot::*;

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// Statement texts, rewritten from `$n` to `?n` once.
struct Sql {
    session: String,
    feed: String,
    images: String,
    tags: String,
    stock: String,
    order: String,
    ledger: String,
}

/// `$12` → `?12` outside string literals. Souk's SQL has no `$` inside literals or identifiers.
pub fn dollar_to_question(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut in_str = false;
    let mut prev_dollar = false;
    for ch in sql.chars() {
        if ch == '\'' {
            in_str = !in_str;
        }
        if prev_dollar {
            if ch.is_ascii_digit() {
                out.push('?');
            } else {
                out.push('$');
            }
            prev_dollar = false;
        }
        if ch == '$' && !in_str {
            prev_dollar = true;
            continue;
        }
        out.push(ch);
    }
    if prev_dollar {
        out.push('$');
    }
    out
}

fn open(path: &Path, write: bool, qpsg: bool) -> rusqlite::Result<Connection> {
    let flags = if write {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
    } else {
        OpenFlags::SQLITE_OPEN_READ_ONLY
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let c = Connection::open_with_flags(path, flags)?;
    c.busy_timeout(Duration::from_secs(10))?;
    if write {
        c.pragma_update(None, "journal_mode", "WAL")?;
    }
    c.pragma_update(None, "synchronous", "NORMAL")?;
    c.pragma_update(None, "foreign_keys", "ON")?;
    c.set_prepared_statement_cache_capacity(64);
    c.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, qpsg)?;
    Ok(c)
}

fn count_reprepare(s: &rusqlite::Statement<'_>) {
    let n = s.reset_status(StatementStatus::RePrepare);
    if n > 0 && std::env::var_os("DB_SPIKE_DEBUG_REPREPARE").is_some() {
        eprintln!(
            "reprepared x{n}: {}",
            s.expanded_sql()
                .unwrap_or_default()
                .chars()
                .take(90)
                .collect::<String>()
        );
    }
    if n > 0 {
        REPREPARES.fetch_add(n as u64, Ordering::Relaxed);
    }
}

fn session_q(c: &Connection, sql: &Sql, id: i64) -> rusqlite::Result<SessionRow> {
    let mut s = c.prepare_cached(&sql.session)?;
    let r = s.query_row([id], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
            r.get(7)?,
        ))
    })?;
    count_reprepare(&s);
    Ok(r)
}

fn feed_q(c: &Connection, sql: &Sql, viewer: i64, before: i64) -> rusqlite::Result<FeedPage> {
    let mut s = c.prepare_cached(&sql.feed)?;
    let posts = s
        .query_map([viewer, before, PAGE], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
                r.get(10)?,
                r.get(11)?,
                r.get(12)?,
                r.get(13)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<PostRow>>>()?;
    count_reprepare(&s);
    let ids: Vec<i64> = posts.iter().map(|p| p.0).collect();
    let (isql, tsql) = if ids.len() == PAGE as usize {
        (sql.images.clone(), sql.tags.clone())
    } else {
        (
            dollar_to_question(&images_sql_in(ids.len())),
            dollar_to_question(&tags_sql_in(ids.len())),
        )
    };
    let mut s = c.prepare_cached(&isql)?;
    let images = s
        .query_map(rusqlite::params_from_iter(ids.iter()), |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<ImageRow>>>()?;
    count_reprepare(&s);
    let mut s = c.prepare_cached(&tsql)?;
    let tags = s
        .query_map(rusqlite::params_from_iter(ids.iter()), |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<rusqlite::Result<Vec<TagRow>>>()?;
    count_reprepare(&s);
    Ok(FeedPage {
        posts,
        images,
        tags,
    })
}

fn order_q(c: &mut Connection, sql: &Sql, o: &OrderIn) -> Res<i64> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let n = tx.prepare_cached(&sql.stock)?.execute([o.stock, 1])?;
    if n != 1 {
        return Err("out of stock".into());
    }
    let id: i64 = tx.prepare_cached(&sql.order)?.query_row(
        rusqlite::params![o.buyer, o.stock, 1i64, o.amount, "EUR", o.now],
        |r| r.get(0),
    )?;
    {
        let mut s = tx.prepare_cached(&sql.ledger)?;
        s.execute(rusqlite::params![id, "buyer", -o.amount, o.now])?;
        s.execute(rusqlite::params![id, "merchant", o.amount, o.now])?;
    }
    tx.commit()?;
    Ok(id)
}

fn sql() -> Arc<Sql> {
    Arc::new(Sql {
        session: dollar_to_question(SESSION_SQL),
        feed: dollar_to_question(FEED_SQL),
        images: dollar_to_question(&images_sql_in(PAGE as usize)),
        tags: dollar_to_question(&tags_sql_in(PAGE as usize)),
        stock: dollar_to_question(STOCK_SQL),
        order: dollar_to_question(ORDER_SQL),
        ledger: dollar_to_question(LEDGER_SQL),
    })
}

// ---------------------------------------------------------------- threads owning connections

#[derive(Clone)]
pub struct Threads {
    read: mpsc::Sender<Job>,
    write: mpsc::Sender<Job>,
    sql: Arc<Sql>,
}

fn spawn_owner(conn: Connection, rx: Arc<Mutex<mpsc::Receiver<Job>>>, name: String) {
    std::thread::Builder::new()
        .name(name)
        .spawn(move || {
            let mut conn = conn;
            loop {
                let job = match rx.lock().unwrap().recv() {
                    Ok(j) => j,
                    Err(_) => return,
                };
                job(&mut conn);
            }
        })
        .expect("spawn sqlite thread");
}

impl Threads {
    pub fn open(path: &Path, readers: usize, qpsg: bool) -> Res<Self> {
        let wc = open(path, true, qpsg)?;
        let (write, wrx) = mpsc::channel::<Job>();
        spawn_owner(wc, Arc::new(Mutex::new(wrx)), "sqlite-w".into());
        let (read, rrx) = mpsc::channel::<Job>();
        let rrx = Arc::new(Mutex::new(rrx));
        for i in 0..readers {
            spawn_owner(
                open(path, false, qpsg)?,
                rrx.clone(),
                format!("sqlite-r{i}"),
            );
        }
        Ok(Threads {
            read,
            write,
            sql: sql(),
        })
    }

    /// One hop: run `f` on a connection-owning thread, await its result.
    async fn call<T: Send + 'static>(
        q: &mpsc::Sender<Job>,
        f: impl FnOnce(&mut Connection) -> Res<T> + Send + 'static,
    ) -> Res<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        q.send(Box::new(move |c| {
            let _ = tx.send(f(c));
        }))
        .map_err(|_| "sqlite thread gone")?;
        rx.await.map_err(|_| "sqlite thread dropped the request")?
    }
}

impl Backend for Threads {
    async fn session(&self, id: i64) -> Res<SessionRow> {
        let sql = self.sql.clone();
        Self::call(&self.read, move |c| Ok(session_q(c, &sql, id)?)).await
    }
    async fn feed(&self, viewer: i64, before: i64) -> Res<FeedPage> {
        let sql = self.sql.clone();
        Self::call(&self.read, move |c| Ok(feed_q(c, &sql, viewer, before)?)).await
    }
    async fn order(&self, o: OrderIn) -> Res<i64> {
        let sql = self.sql.clone();
        Self::call(&self.write, move |c| order_q(c, &sql, &o)).await
    }
}

// ---------------------------------------------------------------- no hop at all

#[derive(Clone)]
pub struct Inline {
    read: Arc<Mutex<Connection>>,
    write: Arc<Mutex<Connection>>,
    sql: Arc<Sql>,
}

impl Inline {
    pub fn open(path: &Path, qpsg: bool) -> Res<Self> {
        let write = Arc::new(Mutex::new(open(path, true, qpsg)?));
        let read = Arc::new(Mutex::new(open(path, false, qpsg)?));
        Ok(Inline {
            read,
            write,
            sql: sql(),
        })
    }
}

impl Backend for Inline {
    async fn session(&self, id: i64) -> Res<SessionRow> {
        Ok(session_q(&self.read.lock().unwrap(), &self.sql, id)?)
    }
    async fn feed(&self, viewer: i64, before: i64) -> Res<FeedPage> {
        Ok(feed_q(
            &self.read.lock().unwrap(),
            &self.sql,
            viewer,
            before,
        )?)
    }
    async fn order(&self, o: OrderIn) -> Res<i64> {
        order_q(&mut self.write.lock().unwrap(), &self.sql, &o)
    }
}

// ---------------------------------------------------------------- schema + data

/// Creates and fills a fresh database file (used for every SQLite variant).
pub fn create(path: &Path) -> Res<()> {
    let mut c = open(path, true, false)?;
    let tx = c.transaction()?;
    for s in DDL_SQLITE {
        tx.execute_batch(s)?;
    }
    for (s, n) in FILL {
        tx.execute_batch(&s.replace("{S}", &series_sqlite(*n)))?;
    }
    tx.commit()?;
    if std::env::var("DB_SPIKE_SQLITE_ANALYZE").is_ok_and(|v| v == "1") {
        c.execute_batch("ANALYZE")?;
    }
    Ok(())
}

/// Compile options of the linked SQLite, to show whether STAT4 is on.
pub fn compile_options() -> Res<Vec<String>> {
    let c = Connection::open_in_memory()?;
    let mut s = c.prepare("PRAGMA compile_options")?;
    let v = s
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(v)
}

pub fn version() -> &'static str {
    rusqlite::version()
}
