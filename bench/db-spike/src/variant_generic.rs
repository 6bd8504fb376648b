//! (B) Code generic over `DB: sqlx::Database`; instantiated with Sqlite and Postgres.
use std::path::Path;
use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Pool, Type};

use crate::common::*;

/// The repository, written once. The where-clause is the price of genericity.
pub struct Repo<DB: Database> {
    pool: Pool<DB>,
}

impl<DB: Database> Clone for Repo<DB> {
    fn clone(&self) -> Self {
        Repo {
            pool: self.pool.clone(),
        }
    }
}

impl<DB> Repo<DB>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
    for<'r> Item: FromRow<'r, DB::Row>,
    (i64,): for<'r> FromRow<'r, DB::Row>,
{
    pub async fn reset(&self, ddl: &'static str) -> sqlx::Result<()> {
        sqlx::query(DROP_SQL).execute(&self.pool).await?;
        sqlx::query(ddl).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn insert_item(&self, it: &NewItem) -> sqlx::Result<i64> {
        sqlx::query_scalar(INSERT_SQL)
            .bind(it.name.clone())
            .bind(it.price_minor)
            .bind(it.created_at_us)
            .bind(it.active)
            .fetch_one(&self.pool)
            .await
    }

    pub async fn insert_items_tx(&self, items: &[NewItem]) -> sqlx::Result<i64> {
        let mut tx = self.pool.begin().await?;
        let mut max_id = 0i64;
        for it in items {
            let id: i64 = sqlx::query_scalar(INSERT_SQL)
                .bind(it.name.clone())
                .bind(it.price_minor)
                .bind(it.created_at_us)
                .bind(it.active)
                .fetch_one(&mut *tx)
                .await?;
            max_id = max_id.max(id);
        }
        tx.commit().await?;
        Ok(max_id)
    }

    pub async fn get_item(&self, id: i64) -> sqlx::Result<Item> {
        sqlx::query_as::<DB, Item>(SELECT_SQL)
            .bind(id)
            .fetch_one(&self.pool)
            .await
    }
}

async fn workload<DB>(engine: Engine, repo: Repo<DB>) -> sqlx::Result<Vec<Measurement>>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
    for<'r> Item: FromRow<'r, DB::Row>,
    (i64,): for<'r> FromRow<'r, DB::Row>,
{
    let mut t = Timer::new(engine, "B-generic");
    repo.reset(engine.ddl()).await?;

    let t0 = t.start();
    let mut max_id = 0;
    for i in 0..N_SINGLE {
        max_id = max_id.max(repo.insert_item(&new_item(i)).await?);
    }
    t.record(W1, N_SINGLE, t0);

    let t0 = t.start();
    for b in 0..N_BATCHED / BATCH {
        let items: Vec<NewItem> = (0..BATCH)
            .map(|j| new_item(N_SINGLE + b * BATCH + j))
            .collect();
        max_id = max_id.max(repo.insert_items_tx(&items).await?);
    }
    t.record(W2, N_BATCHED, t0);

    let ids = select_ids(N_SELECT, max_id);
    let t0 = t.start();
    for &id in &ids {
        check(&repo.get_item(id).await?, id);
    }
    t.record(W3, N_SELECT, t0);

    let t0 = t.start();
    let mut handles = Vec::new();
    for chunk in ids.chunks(N_SELECT / TASKS) {
        let repo = repo.clone();
        let chunk = chunk.to_vec();
        handles.push(tokio::spawn(async move {
            for id in chunk {
                check(&repo.get_item(id).await?, id);
            }
            Ok::<_, sqlx::Error>(())
        }));
    }
    for h in handles {
        h.await.expect("task panicked")?;
    }
    t.record(W4, N_SELECT, t0);

    repo.pool.close().await;
    Ok(t.out)
}

pub async fn run(engine: Engine, dir: &Path) -> sqlx::Result<Vec<Measurement>> {
    match engine {
        Engine::Sqlite => {
            let opts = SqliteConnectOptions::new()
                .filename(sqlite_file(dir, "generic"))
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(std::time::Duration::from_secs(5))
                .foreign_keys(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(POOL_SIZE)
                .connect_with(opts)
                .await?;
            workload(engine, Repo { pool }).await
        }
        Engine::Postgres => {
            let opts =
                PgConnectOptions::from_str(&pg_url())?.options([("search_path", "db_spike")]);
            let pool = PgPoolOptions::new()
                .max_connections(POOL_SIZE)
                .connect_with(opts)
                .await?;
            workload(engine, Repo { pool }).await
        }
    }
}
