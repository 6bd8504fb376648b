//! Database-access spikes for ADR 0001 (docs/adr/0001-database-access.md) and ADR 0005 (`hot`).
//!
//! Runs one workload three ways — (A) sqlx `Any`, (B) code generic over
//! `DB: sqlx::Database`, (C) an enum over native pools + a `dispatch!` macro —
//! on SQLite (temp file, WAL) and PostgreSQL (schema `db_spike`, dropped at end).
//!
//!     cd bench/db-spike && cargo run --release
//!
//! Env: `DB_SPIKE_PG_URL` (default postgres://postgres@127.0.0.1:5432/test),
//!      `DB_SPIKE_ENGINES` (default "sqlite,postgres").
//!
//! `cargo run --release -- hot` instead runs the hot-read workloads of ADR 0005 (see `hot.rs`):
//! session lookup, feed page and order transaction, sequential and from 16 tasks, per access path.
//! Env: `DB_SPIKE_VARIANTS` (comma list, run in that order; default
//! "sqlx-sqlite,sqlx-sqlite-qpsg,sqlx-sqlite-tuned,rusqlite,rusqlite-qpsg,rusqlite-inline,sqlx-pg,
//! sqlx-pg-tuned,tokio-pg"; `-qpsg` enables SQLITE_DBCONFIG_ENABLE_QPSG, `-tuned` is sqlx with QPSG
//! and `test_before_acquire(false)`),
//! `DB_SPIKE_SQLITE_READERS` (reader threads of the rusqlite variants, default: the core count),
//! `DB_SPIKE_SCALE` (operation-count factor, default 1), `DB_SPIKE_SQLITE_ANALYZE=1` (run ANALYZE
//! after loading the SQLite file, which Souk does not do), `DB_SPIKE_DEBUG_REPREPARE=1` (print each
//! statement the rusqlite variants saw re-prepared). PostgreSQL uses schema `db_spike_hot`.

mod common;
mod hot;
mod hot_rusqlite;
mod hot_sqlx;
mod hot_tokio_pg;
mod probe;
mod variant_any;
mod variant_enum;
mod variant_generic;

use common::{Engine, Measurement};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    if std::env::args().nth(1).as_deref() == Some("hot") {
        return hot_main().await;
    }
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

async fn hot_main() -> hot::Res<()> {
    use hot::*;
    let variants: Vec<String> = std::env::var("DB_SPIKE_VARIANTS")
        .unwrap_or_else(|_| {
            "sqlx-sqlite,sqlx-sqlite-qpsg,sqlx-sqlite-tuned,rusqlite,rusqlite-qpsg,rusqlite-inline,sqlx-pg,sqlx-pg-tuned,tokio-pg".into()
        })
        .split(',')
        .map(|s| s.trim().to_string())
        .collect();
    let readers: usize = std::env::var("DB_SPIKE_SQLITE_READERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        });
    let stat4: Vec<String> = hot_rusqlite::compile_options()?
        .into_iter()
        .filter(|o| o.contains("STAT"))
        .collect();
    println!(
        "db-spike hot: cores={} sqlite={} (one libsqlite3-sys for sqlx and rusqlite) compile options {:?} \
         readers={readers} pg={} loadavg={}",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        hot_rusqlite::version(),
        stat4,
        common::pg_url(),
        std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim()
    );
    let tmp = std::env::temp_dir().join(format!("db-spike-hot-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let schema = "db_spike_hot";
    let mut out = Vec::new();
    Line::print_header();
    for v in &variants {
        let is_pg = v.contains("-pg");
        if is_pg {
            let setup = hot_tokio_pg::TokioPg::open(&common::pg_url(), "public").await?;
            setup
                .batch(&format!(
                    "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}; SET search_path = {schema}"
                ))
                .await?;
            let mut sql = format!("SET search_path = {schema};\n");
            for d in ddl_postgres() {
                sql += &d;
                sql += ";\n";
            }
            for (f, n) in FILL {
                sql += &f.replace("{S}", &series_postgres(*n));
                sql += ";\n";
            }
            sql += "ANALYZE;";
            setup.batch(&sql).await?;
        } else {
            hot_rusqlite::create(&tmp.join(format!("{v}.db")))?;
        }
        let path = tmp.join(format!("{v}.db"));
        let label = |s: &str| s.to_string();
        match v.as_str() {
            "sqlx-sqlite" => {
                let b = hot_sqlx::SqlxSqlite::open(&path, false, true).await?;
                run_all("sqlite", "sqlx 16r+1w", &b, false, &mut out).await?;
            }
            "sqlx-sqlite-qpsg" => {
                let b = hot_sqlx::SqlxSqlite::open(&path, true, true).await?;
                run_all("sqlite", "sqlx 16r+1w qpsg", &b, false, &mut out).await?;
            }
            "sqlx-sqlite-tuned" => {
                let b = hot_sqlx::SqlxSqlite::open(&path, true, false).await?;
                run_all("sqlite", "sqlx 16r+1w qpsg noping", &b, false, &mut out).await?;
            }
            "rusqlite" => {
                let b = hot_rusqlite::Threads::open(&path, readers, false)?;
                run_all(
                    "sqlite",
                    &format!("rusqlite {readers}thr+1w"),
                    &b,
                    false,
                    &mut out,
                )
                .await?;
            }
            "rusqlite-qpsg" => {
                let b = hot_rusqlite::Threads::open(&path, readers, true)?;
                run_all(
                    "sqlite",
                    &format!("rusqlite {readers}thr+1w qpsg"),
                    &b,
                    false,
                    &mut out,
                )
                .await?;
            }
            "rusqlite-inline" => {
                let b = hot_rusqlite::Inline::open(&path, false)?;
                run_all(
                    "sqlite",
                    &label("rusqlite inline (no hop)"),
                    &b,
                    false,
                    &mut out,
                )
                .await?;
            }
            "sqlx-pg" => {
                let b = hot_sqlx::SqlxPg::open(&common::pg_url(), schema, true).await?;
                run_all("pg", "sqlx PgPool 16", &b, true, &mut out).await?;
            }
            "sqlx-pg-tuned" => {
                let b = hot_sqlx::SqlxPg::open(&common::pg_url(), schema, false).await?;
                run_all("pg", "sqlx PgPool 16 noping", &b, true, &mut out).await?;
            }
            "tokio-pg" => {
                let b = hot_tokio_pg::TokioPg::open(&common::pg_url(), schema).await?;
                run_all("pg", "tokio-pg deadpool 16", &b, true, &mut out).await?;
            }
            other => return Err(format!("unknown variant {other}").into()),
        }
    }
    if variants.iter().any(|v| v.contains("-pg")) {
        let setup = hot_tokio_pg::TokioPg::open(&common::pg_url(), "public").await?;
        setup
            .batch(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .await?;
    }
    let _ = std::fs::remove_dir_all(&tmp);
    println!("\n== summary ==");
    Line::print_header();
    let mut sorted: Vec<&Line> = out.iter().collect();
    sorted.sort_by_key(|l| (l.workload.name(), l.mode, l.engine));
    for l in sorted {
        l.print();
    }
    Ok(())
}
