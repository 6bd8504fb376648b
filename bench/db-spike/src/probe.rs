//! Friction probes: what actually works, printed as `probe <engine> <what>: ok|ERR`.
use std::path::Path;

use sqlx::{Any, Row};

use crate::common::*;
use crate::variant_any;
use crate::variant_enum::Db;

fn report<T: std::fmt::Debug, E: std::fmt::Display>(engine: Engine, what: &str, r: Result<T, E>) {
    match r {
        Ok(v) => println!("probe {:<8} {what}: ok {v:?}", engine.name()),
        Err(e) => println!("probe {:<8} {what}: ERR {e}", engine.name()),
    }
}

pub async fn run(engine: Engine, dir: &Path) -> sqlx::Result<()> {
    // ---------- (A) Any ----------
    let any = variant_any::connect(engine, dir, "probe").await?;
    let (bool_col, blob_col, dbl_col) = match engine {
        Engine::Sqlite => ("INTEGER", "BLOB", "REAL"),
        Engine::Postgres => ("BOOLEAN", "BYTEA", "DOUBLE PRECISION"),
    };
    sqlx::raw_sql("DROP TABLE IF EXISTS probe_types")
        .execute(&any)
        .await?;
    let ddl = format!(
        "CREATE TABLE probe_types (b {bool_col}, i BIGINT, t TEXT, bl {blob_col}, f {dbl_col}, n BIGINT)"
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(ddl))
        .execute(&any)
        .await?;
    sqlx::query("INSERT INTO probe_types (b, i, t, bl, f, n) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(true)
        .bind(i64::MAX)
        .bind("héllo ✓".to_string())
        .bind(vec![0u8, 1, 255])
        .bind(1.5f64)
        .bind(None::<i64>)
        .execute(&any)
        .await?;
    let row = sqlx::query("SELECT b, i, t, bl, f, n FROM probe_types")
        .fetch_one(&any)
        .await?;
    report(engine, "any decode bool", row.try_get::<bool, _>(0));
    report(engine, "any decode i64", row.try_get::<i64, _>(1));
    report(engine, "any decode String", row.try_get::<String, _>(2));
    report(engine, "any decode Vec<u8>", row.try_get::<Vec<u8>, _>(3));
    report(engine, "any decode f64", row.try_get::<f64, _>(4));
    report(
        engine,
        "any decode Option<i64> NULL",
        row.try_get::<Option<i64>, _>(5),
    );
    report(
        engine,
        "any decode i32 from BIGINT holding i64::MAX (range check)",
        row.try_get::<i32, _>(1),
    );

    // The derived FromRow (the one B and C use) through Any:
    sqlx::query(DROP_SQL).execute(&any).await?;
    sqlx::query(engine.ddl()).execute(&any).await?;
    let it = new_item(0);
    sqlx::query(INSERT_SQL)
        .bind(it.name)
        .bind(it.price_minor)
        .bind(it.created_at_us)
        .bind(it.active)
        .execute(&any)
        .await?;
    report(
        engine,
        "any derived FromRow Item (bool col)",
        sqlx::query_as::<Any, Item>(SELECT_SQL)
            .bind(1i64)
            .fetch_one(&any)
            .await
            .map(|i| i.id),
    );
    // Engine-specific SQL passes straight through Any as text:
    report(
        engine,
        "any FOR UPDATE SKIP LOCKED",
        sqlx::query_scalar::<Any, i64>(
            "SELECT id FROM items ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
        )
        .fetch_optional(&any)
        .await,
    );
    sqlx::raw_sql("DROP TABLE IF EXISTS probe_types")
        .execute(&any)
        .await?;
    any.close().await;

    // ---------- native pools (what B and C see) ----------
    let db = Db::connect(engine, dir, "probe-native").await?;
    db.reset().await?;
    for i in 0..3 {
        db.insert_item(&new_item(i)).await?;
    }
    // `$n` placeholders: out of order and reused, same text on both engines.
    let q = "SELECT $2 || '-' || $1, $1 || $1";
    report(
        engine,
        "native $2/$1 out of order + reuse",
        match &db {
            Db::Sqlite(p) => {
                sqlx::query_as::<_, (String, String)>(q)
                    .bind("a")
                    .bind("b")
                    .fetch_one(p)
                    .await
            }
            Db::Postgres(p) => {
                sqlx::query_as::<_, (String, String)>(q)
                    .bind("a")
                    .bind("b")
                    .fetch_one(p)
                    .await
            }
        },
    );
    let upd = "UPDATE items SET price_minor = price_minor + 1 WHERE id = $1 RETURNING price_minor";
    let del = "DELETE FROM items WHERE id = $1 RETURNING id, name";
    report(
        engine,
        "native UPDATE/DELETE ... RETURNING",
        match &db {
            Db::Sqlite(p) => {
                async {
                    let a: i64 = sqlx::query_scalar(upd).bind(2i64).fetch_one(p).await?;
                    let b: (i64, String) = sqlx::query_as(del).bind(3i64).fetch_one(p).await?;
                    Ok::<_, sqlx::Error>((a, b))
                }
                .await
            }
            Db::Postgres(p) => {
                async {
                    let a: i64 = sqlx::query_scalar(upd).bind(2i64).fetch_one(p).await?;
                    let b: (i64, String) = sqlx::query_as(del).bind(3i64).fetch_one(p).await?;
                    Ok::<_, sqlx::Error>((a, b))
                }
                .await
            }
        },
    );
    // Engine-specific features are reachable because the arm names the native pool.
    match &db {
        Db::Postgres(p) => {
            let r = async {
                let mut l = sqlx::postgres::PgListener::connect_with(p).await?;
                l.listen("db_spike_chan").await?;
                sqlx::query("SELECT pg_notify('db_spike_chan', $1)")
                    .bind("hello")
                    .execute(p)
                    .await?;
                let n = l.recv().await?;
                Ok::<_, sqlx::Error>(n.payload().to_string())
            }
            .await;
            report(engine, "native PgListener LISTEN/NOTIFY", r);
        }
        Db::Sqlite(p) => {
            let r = async {
                let mut tx = p.begin_with("BEGIN IMMEDIATE").await?;
                let n: i64 = sqlx::query_scalar("SELECT count(*) FROM items")
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok::<_, sqlx::Error>(n)
            }
            .await;
            report(engine, "native begin_with(BEGIN IMMEDIATE)", r);
        }
    }
    db.close().await;
    Ok(())
}
