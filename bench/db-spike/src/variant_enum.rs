//! (C) `Db` enum over native pools; the SAME SQL text, one body expanded per arm.
use std::path::Path;
use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::common::*;

#[derive(Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Expand one query body for each engine. `$p` is bound to the native pool, so the
/// body is type-checked twice, once per concrete driver: no generic bounds needed.
macro_rules! dispatch {
    ($db:expr, $p:ident => $body:expr) => {
        match $db {
            Db::Sqlite($p) => $body,
            Db::Postgres($p) => $body,
        }
    };
}

impl Db {
    pub async fn connect(engine: Engine, dir: &Path, tag: &str) -> sqlx::Result<Db> {
        Ok(match engine {
            Engine::Sqlite => {
                let opts = SqliteConnectOptions::new()
                    .filename(sqlite_file(dir, tag))
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(std::time::Duration::from_secs(5))
                    .foreign_keys(true);
                Db::Sqlite(
                    SqlitePoolOptions::new()
                        .max_connections(POOL_SIZE)
                        .connect_with(opts)
                        .await?,
                )
            }
            Engine::Postgres => {
                let opts =
                    PgConnectOptions::from_str(&pg_url())?.options([("search_path", "db_spike")]);
                Db::Postgres(
                    PgPoolOptions::new()
                        .max_connections(POOL_SIZE)
                        .connect_with(opts)
                        .await?,
                )
            }
        })
    }

    pub async fn reset(&self) -> sqlx::Result<()> {
        // DDL is the one engine-specific bit: picked per arm, not via dispatch!.
        match self {
            Db::Sqlite(p) => {
                sqlx::query(DROP_SQL).execute(p).await?;
                sqlx::query(DDL_SQLITE).execute(p).await?;
            }
            Db::Postgres(p) => {
                sqlx::query(DROP_SQL).execute(p).await?;
                sqlx::query(DDL_POSTGRES).execute(p).await?;
            }
        }
        Ok(())
    }

    pub async fn insert_item(&self, it: &NewItem) -> sqlx::Result<i64> {
        dispatch!(self, p => sqlx::query_scalar(INSERT_SQL)
            .bind(&it.name)
            .bind(it.price_minor)
            .bind(it.created_at_us)
            .bind(it.active)
            .fetch_one(p)
            .await)
    }

    pub async fn insert_items_tx(&self, items: &[NewItem]) -> sqlx::Result<i64> {
        dispatch!(self, p => {
            let mut tx = p.begin().await?;
            let mut max_id = 0i64;
            for it in items {
                let id: i64 = sqlx::query_scalar(INSERT_SQL)
                    .bind(&it.name)
                    .bind(it.price_minor)
                    .bind(it.created_at_us)
                    .bind(it.active)
                    .fetch_one(&mut *tx)
                    .await?;
                max_id = max_id.max(id);
            }
            tx.commit().await?;
            Ok(max_id)
        })
    }

    pub async fn get_item(&self, id: i64) -> sqlx::Result<Item> {
        dispatch!(self, p => sqlx::query_as::<_, Item>(SELECT_SQL).bind(id).fetch_one(p).await)
    }

    pub async fn close(&self) {
        dispatch!(self, p => p.close().await)
    }
}

pub async fn run(engine: Engine, dir: &Path) -> sqlx::Result<Vec<Measurement>> {
    let db = Db::connect(engine, dir, "enum").await?;
    let mut t = Timer::new(engine, "C-enum");
    db.reset().await?;

    let t0 = t.start();
    let mut max_id = 0;
    for i in 0..N_SINGLE {
        max_id = max_id.max(db.insert_item(&new_item(i)).await?);
    }
    t.record(W1, N_SINGLE, t0);

    let t0 = t.start();
    for b in 0..N_BATCHED / BATCH {
        let items: Vec<NewItem> = (0..BATCH)
            .map(|j| new_item(N_SINGLE + b * BATCH + j))
            .collect();
        max_id = max_id.max(db.insert_items_tx(&items).await?);
    }
    t.record(W2, N_BATCHED, t0);

    let ids = select_ids(N_SELECT, max_id);
    let t0 = t.start();
    for &id in &ids {
        check(&db.get_item(id).await?, id);
    }
    t.record(W3, N_SELECT, t0);

    let t0 = t.start();
    let mut handles = Vec::new();
    for chunk in ids.chunks(N_SELECT / TASKS) {
        let db = db.clone();
        let chunk = chunk.to_vec();
        handles.push(tokio::spawn(async move {
            for id in chunk {
                check(&db.get_item(id).await?, id);
            }
            Ok::<_, sqlx::Error>(())
        }));
    }
    for h in handles {
        h.await.expect("task panicked")?;
    }
    t.record(W4, N_SELECT, t0);

    db.close().await;
    Ok(t.out)
}
