//! Shared pieces of the ADR 0001 workloads: SQL text, row types, checks, PostgreSQL schema setup and timing.
use std::path::{Path, PathBuf};
use std::time::Instant;

pub const N_SINGLE: usize = 20_000;
pub const N_BATCHED: usize = 20_000;
pub const BATCH: usize = 500;
pub const N_SELECT: usize = 50_000;
pub const TASKS: usize = 8;
pub const POOL_SIZE: u32 = 8;

/// The one SQL text shared by every variant and both engines.
pub const INSERT_SQL: &str = "INSERT INTO items (name, price_minor, created_at_us, active) \
                              VALUES ($1, $2, $3, $4) RETURNING id";
pub const SELECT_SQL: &str =
    "SELECT id, name, price_minor, created_at_us, active FROM items WHERE id = $1";

/// DDL is the one place the engines differ (identity column, boolean storage).
pub const DDL_SQLITE: &str = "CREATE TABLE items (\
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, price_minor BIGINT NOT NULL, \
    created_at_us BIGINT NOT NULL, active INTEGER NOT NULL)";
pub const DDL_POSTGRES: &str = "CREATE TABLE items (\
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name TEXT NOT NULL, \
    price_minor BIGINT NOT NULL, created_at_us BIGINT NOT NULL, active BOOLEAN NOT NULL)";
pub const DROP_SQL: &str = "DROP TABLE IF EXISTS items";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
    pub fn ddl(self) -> &'static str {
        match self {
            Engine::Sqlite => DDL_SQLITE,
            Engine::Postgres => DDL_POSTGRES,
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Item {
    pub id: i64,
    pub name: String,
    pub price_minor: i64,
    pub created_at_us: i64,
    pub active: bool,
}

pub struct NewItem {
    pub name: String,
    pub price_minor: i64,
    pub created_at_us: i64,
    pub active: bool,
}

pub fn new_item(i: usize) -> NewItem {
    NewItem {
        name: format!("item-{i}"),
        price_minor: (i as i64 * 37) % 100_000,
        created_at_us: 1_795_000_000_000_000 + i as i64,
        active: i % 3 != 0,
    }
}

/// Deterministic pseudo-random ids in 1..=max_id (xorshift64).
pub fn select_ids(n: usize, max_id: i64) -> Vec<i64> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % max_id as u64) as i64 + 1
        })
        .collect()
}

/// Row `id` was inserted from `new_item(id - 1)` (ids start at 1 on both engines).
pub fn check(item: &Item, want: i64) {
    let it = new_item((want - 1) as usize);
    assert!(
        item.id == want
            && item.name == it.name
            && item.price_minor == it.price_minor
            && item.created_at_us == it.created_at_us
            && item.active == it.active,
        "select returned a wrong row: {item:?} for id {want}"
    );
}

pub fn pg_url() -> String {
    std::env::var("DB_SPIKE_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub fn sqlite_file(dir: &Path, variant: &str) -> PathBuf {
    let p = dir.join(format!("{variant}.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
    }
    p
}

pub async fn pg_reset_schema() -> sqlx::Result<()> {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(&pg_url()).await?;
    sqlx::raw_sql("DROP SCHEMA IF EXISTS db_spike CASCADE; CREATE SCHEMA db_spike")
        .execute(&mut c)
        .await?;
    c.close().await
}

pub async fn pg_drop_schema() -> sqlx::Result<()> {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(&pg_url()).await?;
    sqlx::raw_sql("DROP SCHEMA IF EXISTS db_spike CASCADE")
        .execute(&mut c)
        .await?;
    c.close().await
}

pub struct Measurement {
    pub engine: Engine,
    pub variant: &'static str,
    pub workload: &'static str,
    pub ops: usize,
    pub secs: f64,
}

pub struct Timer {
    engine: Engine,
    variant: &'static str,
    pub out: Vec<Measurement>,
}

impl Timer {
    pub fn new(engine: Engine, variant: &'static str) -> Self {
        Timer {
            engine,
            variant,
            out: Vec::new(),
        }
    }
    pub fn start(&self) -> Instant {
        Instant::now()
    }
    pub fn record(&mut self, workload: &'static str, ops: usize, t0: Instant) {
        let secs = t0.elapsed().as_secs_f64();
        println!(
            "  {:<8} {:<8} {:<26} {:>10.0} ops/s",
            self.engine.name(),
            self.variant,
            workload,
            ops as f64 / secs
        );
        self.out.push(Measurement {
            engine: self.engine,
            variant: self.variant,
            workload,
            ops,
            secs,
        });
    }
}

pub const W1: &str = "1 insert+returning x20k";
pub const W2: &str = "2 insert batch500/tx x20k";
pub const W3: &str = "3 select by pk x50k";
pub const W4: &str = "4 select by pk 8 tasks";
