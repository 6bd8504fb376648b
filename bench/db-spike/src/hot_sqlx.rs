//! The hot workloads through sqlx 0.9.0, configured the way `crates/store/src/db.rs` does today.
//!
//! SQLite: a read-only pool of 16 connections plus a one-connection writer pool, write transactions
//! `BEGIN IMMEDIATE`, `$n` placeholders, IN lists of `$n`. PostgreSQL: one `PgPool` of 16.
//! Each request acquires one connection and runs its queries on it in turn, like `Db::read()`.
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::hot::*;

mod futures_core_box {
    pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
}

#[derive(Clone)]
pub struct SqlxSqlite {
    read: SqlitePool,
    write: SqlitePool,
    images_sql: std::sync::Arc<str>,
    tags_sql: std::sync::Arc<str>,
}

/// Turns on `SQLITE_DBCONFIG_ENABLE_QPSG` for one sqlx connection through its raw handle, so a
/// bound `LIMIT $n` no longer expires the prepared statement on every rebind.
async fn enable_qpsg(c: &mut sqlx::SqliteConnection) -> sqlx::Result<()> {
    let mut h = c.lock_handle().await?;
    let raw = h.as_raw_handle();
    // SAFETY: the handle is locked for the duration of the call; the op takes (int, int*).
    let rc = unsafe {
        libsqlite3_sys::sqlite3_db_config(
            raw.as_ptr(),
            libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
            1 as std::ffi::c_int,
            std::ptr::null_mut::<std::ffi::c_int>(),
        )
    };
    assert_eq!(rc, 0, "sqlite3_db_config(ENABLE_QPSG)");
    Ok(())
}

fn qpsg_hook<'c>(
    c: &'c mut sqlx::SqliteConnection,
    _: sqlx::pool::PoolConnectionMetadata,
) -> futures_core_box::BoxFuture<'c, sqlx::Result<()>> {
    Box::pin(enable_qpsg(c))
}

impl SqlxSqlite {
    /// `qpsg`: enable QPSG on every connection. `ping`: sqlx's default `test_before_acquire(true)`,
    /// which sends every idle connection a ping (a hop to its worker thread) before handing it out.
    pub async fn open(path: &Path, qpsg: bool, ping: bool) -> Res<Self> {
        let base = SqliteConnectOptions::new()
            .filename(path)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .synchronous(SqliteSynchronous::Normal);
        let pool = |n: u32| {
            let o = SqlitePoolOptions::new()
                .max_connections(n)
                .test_before_acquire(ping);
            if qpsg {
                o.after_connect(qpsg_hook)
            } else {
                o
            }
        };
        let write = pool(1)
            .connect_with(base.clone().journal_mode(SqliteJournalMode::Wal))
            .await?;
        let read = pool(POOL as u32).connect_with(base.read_only(true)).await?;
        Ok(SqlxSqlite {
            read,
            write,
            images_sql: images_sql_in(PAGE as usize).into(),
            tags_sql: tags_sql_in(PAGE as usize).into(),
        })
    }
}

impl Backend for SqlxSqlite {
    async fn session(&self, id: i64) -> Res<SessionRow> {
        let mut c = self.read.acquire().await?;
        Ok(sqlx::query_as(SESSION_SQL)
            .bind(id)
            .fetch_one(&mut *c)
            .await?)
    }

    async fn feed(&self, viewer: i64, before: i64) -> Res<FeedPage> {
        let mut c = self.read.acquire().await?;
        let posts: Vec<PostRow> = sqlx::query_as(FEED_SQL)
            .bind(viewer)
            .bind(before)
            .bind(PAGE)
            .fetch_all(&mut *c)
            .await?;
        let ids: Vec<i64> = posts.iter().map(|p| p.0).collect();
        // Souk builds the IN list for the actual length; the page is almost always full.
        let (isql, tsql) = if ids.len() == PAGE as usize {
            (self.images_sql.to_string(), self.tags_sql.to_string())
        } else {
            (images_sql_in(ids.len()), tags_sql_in(ids.len()))
        };
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(isql));
        for id in &ids {
            q = q.bind(*id);
        }
        let images: Vec<ImageRow> = q.fetch_all(&mut *c).await?;
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(tsql));
        for id in &ids {
            q = q.bind(*id);
        }
        let tags: Vec<TagRow> = q.fetch_all(&mut *c).await?;
        Ok(FeedPage {
            posts,
            images,
            tags,
        })
    }

    async fn order(&self, o: OrderIn) -> Res<i64> {
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await?;
        let n = sqlx::query(STOCK_SQL)
            .bind(o.stock)
            .bind(1i64)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n != 1 {
            return Err("out of stock".into());
        }
        let id: i64 = sqlx::query_scalar(ORDER_SQL)
            .bind(o.buyer)
            .bind(o.stock)
            .bind(1i64)
            .bind(o.amount)
            .bind("EUR")
            .bind(o.now)
            .fetch_one(&mut *tx)
            .await?;
        for (acct, amt) in [("buyer", -o.amount), ("merchant", o.amount)] {
            sqlx::query(LEDGER_SQL)
                .bind(id)
                .bind(acct)
                .bind(amt)
                .bind(o.now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }
}

#[derive(Clone)]
pub struct SqlxPg {
    pool: PgPool,
}

impl SqlxPg {
    /// `ping`: sqlx's default `test_before_acquire(true)`, a Sync round trip on every acquire.
    pub async fn open(url: &str, schema: &str, ping: bool) -> Res<Self> {
        let opts = PgConnectOptions::from_str(url)?.options([("search_path", schema)]);
        let pool = PgPoolOptions::new()
            .max_connections(POOL as u32)
            .test_before_acquire(ping)
            .connect_with(opts)
            .await?;
        Ok(SqlxPg { pool })
    }
}

impl Backend for SqlxPg {
    async fn session(&self, id: i64) -> Res<SessionRow> {
        let mut c = self.pool.acquire().await?;
        Ok(sqlx::query_as(SESSION_SQL)
            .bind(id)
            .fetch_one(&mut *c)
            .await?)
    }

    async fn feed(&self, viewer: i64, before: i64) -> Res<FeedPage> {
        let mut c = self.pool.acquire().await?;
        let posts: Vec<PostRow> = sqlx::query_as(FEED_SQL)
            .bind(viewer)
            .bind(before)
            .bind(PAGE)
            .fetch_all(&mut *c)
            .await?;
        let ids: Vec<i64> = posts.iter().map(|p| p.0).collect();
        let images: Vec<ImageRow> = sqlx::query_as(IMAGES_SQL_ANY)
            .bind(&ids)
            .fetch_all(&mut *c)
            .await?;
        let tags: Vec<TagRow> = sqlx::query_as(TAGS_SQL_ANY)
            .bind(&ids)
            .fetch_all(&mut *c)
            .await?;
        Ok(FeedPage {
            posts,
            images,
            tags,
        })
    }

    async fn order(&self, o: OrderIn) -> Res<i64> {
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query(STOCK_SQL)
            .bind(o.stock)
            .bind(1i64)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n != 1 {
            return Err("out of stock".into());
        }
        let id: i64 = sqlx::query_scalar(ORDER_SQL)
            .bind(o.buyer)
            .bind(o.stock)
            .bind(1i64)
            .bind(o.amount)
            .bind("EUR")
            .bind(o.now)
            .fetch_one(&mut *tx)
            .await?;
        for (acct, amt) in [("buyer", -o.amount), ("merchant", o.amount)] {
            sqlx::query(LEDGER_SQL)
                .bind(id)
                .bind(acct)
                .bind(amt)
                .bind(o.now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }
}
