//! Connection pools for both engines and the handles store functions run on.

use crate::{StoreError, StoreResult};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Postgres, Sqlite, Transaction};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub const fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Pool sizing and the optional Postgres schema (tests isolate themselves with one schema each).
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    pub pg_schema: Option<String>,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(10),
            pg_schema: None,
        }
    }
}

/// The database: SQLite keeps a single writer connection beside a pool of readers, because SQLite
/// serialises writers anyway and queueing them in the pool is cheaper than `SQLITE_BUSY` retries.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite { read: SqlitePool, write: SqlitePool },
    Postgres(PgPool),
}

impl Db {
    /// Opens `sqlite://path` or `postgres://…`. A SQLite file and its folder are created if missing.
    pub async fn connect(url: &str, opts: &ConnectOptions) -> StoreResult<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let mut pg = PgConnectOptions::from_str(url)
                .map_err(|e| StoreError::Config(format!("DATABASE_URL: {e}")))?;
            if let Some(schema) = &opts.pg_schema {
                if schema.is_empty()
                    || !schema
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                {
                    return Err(StoreError::Config(format!(
                        "invalid schema name {schema:?}"
                    )));
                }
                // Created through a plain connection first: pool connections start inside it.
                let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect_with(&pg).await?;
                let create = format!("CREATE SCHEMA IF NOT EXISTS {schema}");
                sqlx::Executor::execute(&mut conn, sqlx::AssertSqlSafe(create)).await?;
                sqlx::Connection::close(conn).await?;
                pg = pg.options([("search_path", schema.as_str())]);
            }
            // No ping before each hand-out: it costs a round trip per request, and a broken connection
            // fails its query with an error the caller sees anyway (ADR 0005).
            let pool = PgPoolOptions::new()
                .test_before_acquire(false)
                .max_connections(opts.max_connections)
                .acquire_timeout(opts.acquire_timeout)
                .connect_with(pg)
                .await?;
            Ok(Db::Postgres(pool))
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            Self::open_sqlite(Path::new(path), opts).await
        } else {
            Err(StoreError::Config(
                "DATABASE_URL must start with sqlite:// or postgres://".into(),
            ))
        }
    }

    async fn open_sqlite(path: &Path, opts: &ConnectOptions) -> StoreResult<Db> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Config(format!("cannot create {}: {e}", dir.display())))?;
        }
        let base = SqliteConnectOptions::new()
            .filename(path)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .synchronous(SqliteSynchronous::Normal);
        // The writer opens (and creates) the file first and switches it to WAL, which persists in the file.
        // SQLite connections are local files: the pool's ping before each hand-out is a worker-thread
        // hop per request that can never find a dead peer (ADR 0005).
        let write = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(1)
            .acquire_timeout(opts.acquire_timeout)
            .connect_with(
                base.clone()
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal),
            )
            .await?;
        let read = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(opts.max_connections.max(2))
            .acquire_timeout(opts.acquire_timeout)
            .connect_with(base.read_only(true))
            .await?;
        Ok(Db::Sqlite { read, write })
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// A connection for reads outside a transaction.
    pub async fn read(&self) -> StoreResult<Handle> {
        Ok(match self {
            Db::Sqlite { read, .. } => Handle::Sqlite(read.acquire().await?),
            Db::Postgres(pool) => Handle::Postgres(pool.acquire().await?),
        })
    }

    /// A write transaction. On SQLite it is `BEGIN IMMEDIATE` so the write lock is taken up front and a
    /// read-then-write transaction can never fail half-way on lock upgrade.
    pub async fn begin(&self) -> StoreResult<Tx> {
        crate::stats::statement();
        Ok(match self {
            Db::Sqlite { write, .. } => Tx::Sqlite(write.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Cheap round trip for readiness checks.
    pub async fn ping(&self) -> StoreResult<()> {
        let mut h = self.read().await?;
        crate::on_conn!(h.conn(), c => sqlx::query("SELECT 1").execute(&mut *c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

/// A borrowed connection of either engine; store functions take this and run the same SQL on both.
pub enum Conn<'c> {
    Sqlite(&'c mut sqlx::SqliteConnection),
    Postgres(&'c mut sqlx::PgConnection),
}

/// A pooled connection for reads.
pub enum Handle {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl Handle {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Handle::Sqlite(c) => Conn::Sqlite(c),
            Handle::Postgres(c) => Conn::Postgres(c),
        }
    }
}

/// A write transaction; dropped without [`Tx::commit`] it rolls back, so an early `?` never half-writes.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Tx::Sqlite(t) => Conn::Sqlite(t),
            Tx::Postgres(t) => Conn::Postgres(t),
        }
    }

    pub async fn commit(self) -> StoreResult<()> {
        crate::stats::statement();
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}
