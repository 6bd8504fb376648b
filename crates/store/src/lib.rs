//! Database access for Souk on SQLite and PostgreSQL: pools, migrations, and one module per aggregate.
//!
//! ADR 0001 explains the shape: native sqlx pools for each engine behind the [`Db`] enum, SQL text written
//! once in the portable subset, and [`on_conn!`] expanding each query body for both engines.

mod batch_json;
mod db;
mod error;
mod migrations;

pub mod accounts;
pub mod attribution;
pub mod carts;
pub mod catalog_feeds;
pub mod collections;
pub mod comments;
pub mod dashboard;
pub mod demo;
pub mod events;
pub mod follows;
pub mod idempotency;
pub mod inventory;
pub mod jobs;
pub mod ledger;
pub mod mail;
pub mod notifications;
pub mod orders;
pub mod payments;
pub mod posts;
pub mod products;
pub mod refunds;
pub mod regions;
pub mod reports;
pub mod reputation;
pub mod reviews;
pub mod search;
pub mod shops;
pub mod stats;
pub mod tags;
pub mod tokens;
pub mod ugc;

pub use db::{Backend, Conn, ConnectOptions, Db, Handle, Tx};
pub use error::{StoreError, StoreResult};
pub use migrations::{MIGRATION_NAMES, migrate};

/// `$first, $first+1, …` for `n` bound values: the numbered parameters of an `IN (…)` list, which both
/// engines accept.
pub fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs `sql` with `lead` bound first (when given), then every id, and decodes each row as `T`: the shape
/// of every "these rows for these ids" batch query, whose `IN (…)` list is built with [`placeholders`].
pub(crate) async fn fetch_for_ids<T>(
    c: Conn<'_>,
    sql: String,
    lead: Option<i64>,
    ids: &[i64],
) -> StoreResult<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin,
{
    let rows = on_conn!(c, c => {
        let mut q = sqlx::query_as::<_, T>(sqlx::AssertSqlSafe(sql));
        if let Some(lead) = lead {
            q = q.bind(lead);
        }
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(&mut *c).await
    })?;
    Ok(rows)
}

/// Runs one body against whichever engine `$conn` holds. The body is compiled once per engine, so it must
/// use SQL both accept: `$n` placeholders, `RETURNING`, no engine-specific types or functions.
#[macro_export]
macro_rules! on_conn {
    ($conn:expr, $c:ident => $body:expr) => {{
        $crate::stats::statement();
        match $conn {
            $crate::Conn::Sqlite($c) => $body,
            $crate::Conn::Postgres($c) => $body,
        }
    }};
}
