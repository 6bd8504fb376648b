//! Database-access spike for ADR 0001 (docs/adr/0001-database-access.md).
//!
//! Runs one workload three ways — (A) sqlx `Any`, (B) code generic over
//! `DB: sqlx::Database`, (C) an enum over native pools + a `dispatch!` macro —
//! on SQLite (temp file, WAL) and PostgreSQL (schema `db_spike`, dropped at end).
//!
//!     cd bench/db-spike && cargo run --release
//!
//! Env: `DB_SPIKE_PG_URL` (default postgres://postgres@127.0.0.1:5432/test),
//!      `DB_SPIKE_ENGINES` (default "sqlite,postgres").

mod common;
mod probe;
mod variant_any;
mod variant_enum;
mod variant_generic;

use common::{Engine, Measurement};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    sqlx::any::install_default_drivers();

    let engines: Vec<Engine> = std::env::var("DB_SPIKE_ENGINES")
        .unwrap_or_else(|_| "sqlite,postgres".into())
        .split(',')
        .map(|s| match s.trim() {
            "sqlite" => Engine::Sqlite,
            "postgres" => Engine::Postgres,
            other => panic!("unknown engine {other}"),
        })
        .collect();

    let tmp = std::env::temp_dir().join(format!("db-spike-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    println!(
        "db-spike: cores={} sqlite_dir={} pg={}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        tmp.display(),
        common::pg_url()
    );

    let mut all: Vec<Measurement> = Vec::new();
    for &engine in &engines {
        if engine == Engine::Postgres {
            common::pg_reset_schema().await?;
        }
        println!("\n== probes ({}) ==", engine.name());
        probe::run(engine, &tmp).await?;

        all.extend(variant_any::run(engine, &tmp).await?);
        all.extend(variant_generic::run(engine, &tmp).await?);
        all.extend(variant_enum::run(engine, &tmp).await?);

        if engine == Engine::Postgres {
            common::pg_drop_schema().await?;
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);

    println!(
        "\n{:<9} {:<9} {:<26} {:>10} {:>9}",
        "engine", "variant", "workload", "ops/s", "secs"
    );
    for m in &all {
        println!(
            "{:<9} {:<9} {:<26} {:>10.0} {:>9.3}",
            m.engine.name(),
            m.variant,
            m.workload,
            m.ops as f64 / m.secs,
            m.secs
        );
    }
    Ok(())
}
