//! (A) sqlx `Any`: one `AnyPool`, engine chosen by URL at run time.
use std::path::Path;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::AnyPool;
use sqlx::{FromRow, Row};

use crate::common::*;

/// `#[derive(FromRow)]` on `Item` compiles for `AnyRow` but fails at run time on
/// SQLite: Any maps values by their *storage class*, so a 0/1 INTEGER arrives as
/// `BigInt` and `bool: Decode<Any>` only accepts `Bool`. Hand-written instead.
pub struct AnyItem(pub Item);

impl<'r> FromRow<'r, AnyRow> for AnyItem {
    fn from_row(row: &'r AnyRow) -> sqlx::Result<Self> {
        let active = match row.try_get::<bool, _>(4) {
            Ok(b) => b,
            Err(_) => row.try_get::<i64, _>(4)? != 0,
        };
        Ok(AnyItem(Item {
            id: row.try_get(0)?,
            name: row.try_get(1)?,
            price_minor: row.try_get(2)?,
            created_at_us: row.try_get(3)?,
            active,
        }))
    }
}

pub async fn connect(engine: Engine, dir: &Path, tag: &str) -> sqlx::Result<AnyPool> {
    let url = match engine {
        // Only mode/cache/immutable/vfs are URL parameters; WAL and synchronous must
        // be set with PRAGMAs after connecting (busy_timeout 5s and foreign_keys=ON
        // are SqliteConnectOptions defaults, repeated here for clarity).
        Engine::Sqlite => format!("sqlite://{}?mode=rwc", sqlite_file(dir, tag).display()),
        Engine::Postgres => pg_url(),
    };
    AnyPoolOptions::new()
        .max_connections(POOL_SIZE)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                let sql = match conn.backend_name() {
                    "SQLite" => {
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; \
                         PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON"
                    }
                    _ => "SET search_path TO db_spike",
                };
                sqlx::raw_sql(sql).execute(conn).await?;
                Ok(())
            })
        })
        .connect(&url)
        .await
}

pub async fn run(engine: Engine, dir: &Path) -> sqlx::Result<Vec<Measurement>> {
    let pool = connect(engine, dir, "any").await?;
    let mut t = Timer::new(engine, "A-any");

    sqlx::query(DROP_SQL).execute(&pool).await?;
    sqlx::query(engine.ddl()).execute(&pool).await?;

    let t0 = t.start();
    let mut max_id = 0;
    for i in 0..N_SINGLE {
        let it = new_item(i);
        let id: i64 = sqlx::query_scalar(INSERT_SQL)
            .bind(it.name)
            .bind(it.price_minor)
            .bind(it.created_at_us)
            .bind(it.active)
            .fetch_one(&pool)
            .await?;
        max_id = max_id.max(id);
    }
    t.record(W1, N_SINGLE, t0);

    let t0 = t.start();
    for b in 0..N_BATCHED / BATCH {
        let mut tx = pool.begin().await?;
        for j in 0..BATCH {
            let it = new_item(N_SINGLE + b * BATCH + j);
            let id: i64 = sqlx::query_scalar(INSERT_SQL)
                .bind(it.name)
                .bind(it.price_minor)
                .bind(it.created_at_us)
                .bind(it.active)
                .fetch_one(&mut *tx)
                .await?;
            max_id = max_id.max(id);
        }
        tx.commit().await?;
    }
    t.record(W2, N_BATCHED, t0);

    let ids = select_ids(N_SELECT, max_id);
    let t0 = t.start();
    for &id in &ids {
        let AnyItem(item) = sqlx::query_as::<_, AnyItem>(SELECT_SQL)
            .bind(id)
            .fetch_one(&pool)
            .await?;
        check(&item, id);
    }
    t.record(W3, N_SELECT, t0);

    let t0 = t.start();
    let mut handles = Vec::new();
    for chunk in ids.chunks(N_SELECT / TASKS) {
        let pool = pool.clone();
        let chunk = chunk.to_vec();
        handles.push(tokio::spawn(async move {
            for id in chunk {
                let AnyItem(item) = sqlx::query_as::<_, AnyItem>(SELECT_SQL)
                    .bind(id)
                    .fetch_one(&pool)
                    .await?;
                check(&item, id);
            }
            Ok::<_, sqlx::Error>(())
        }));
    }
    for h in handles {
        h.await.expect("task panicked")?;
    }
    t.record(W4, N_SELECT, t0);

    pool.close().await;
    Ok(t.out)
}
