//! The background job queue table: enqueueing (inside the caller's transaction), claiming due jobs under a
//! lease, and recording each outcome.
//!
//! Claiming is the one engine-specific part: PostgreSQL takes rows with `FOR UPDATE SKIP LOCKED` so many
//! workers can claim at once without blocking each other, while SQLite relies on its single writer (the
//! caller claims inside a `BEGIN IMMEDIATE` transaction, so two claims never interleave). Every other
//! statement is portable. Outcome updates name the worker that holds the lease, so a worker whose lease ran
//! out (and whose job someone else took over) cannot overwrite the newer attempt's result.

use crate::{Conn, StoreResult, on_conn};
use souk_domain::Timestamp;

/// Attempts a job gets unless its enqueuer says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: i64 = 5;

/// The states a job moves through; `queued` → `running` → `done` | `failed` (or back to `queued` to retry).
pub const STATUSES: &[&str] = &["queued", "running", "done", "failed"];

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub kind: &'a str,
    /// One queued-or-running job per (kind, key): enqueueing the same key again while one waits or runs is
    /// a no-op. `None` never dedupes.
    pub key: Option<&'a str>,
    /// JSON text.
    pub payload: &'a str,
    pub run_at: Timestamp,
    pub max_attempts: i64,
}

/// Adds a job unless one with the same kind and key is already queued or running; returns the new id, or
/// `None` when it was deduplicated. Runs on the caller's connection, so enqueueing inside a transaction
/// commits or rolls back with the change that asked for the job.
pub async fn enqueue(
    c: Conn<'_>,
    kind: &str,
    key: Option<&str>,
    payload: &str,
    run_at: Timestamp,
) -> StoreResult<Option<i64>> {
    enqueue_job(
        c,
        &NewJob {
            kind,
            key,
            payload,
            run_at,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        },
    )
    .await
}

/// [`enqueue`] with every option.
pub async fn enqueue_job(c: Conn<'_>, job: &NewJob<'_>) -> StoreResult<Option<i64>> {
    // No conflict target: both engines then skip a row that violates any unique index, which here is only
    // the partial (kind, dedupe_key) index. On PostgreSQL a concurrent insert of the same key waits for the
    // other transaction and then does nothing if it committed.
    const SQL: &str = "INSERT INTO jobs (kind, dedupe_key, payload, max_attempts, run_at, created_at, updated_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT DO NOTHING RETURNING id";
    let now = Timestamp::now().as_micros();
    let id: Option<i64> = on_conn!(c, c => sqlx::query_scalar(SQL).bind(job.kind).bind(job.key)
        .bind(job.payload).bind(job.max_attempts.max(1)).bind(job.run_at.as_micros()).bind(now)
        .fetch_optional(&mut *c).await)?;
    Ok(id)
}

/// Enqueues many jobs of one kind in one statement (bulk imports queue one per new photo); rows whose kind
/// and key are already queued or running are skipped as in [`enqueue`]. The keys and payloads travel as
/// arrays (one JSON text on SQLite), so the statement is the same whatever the number of jobs.
pub async fn enqueue_many(
    c: Conn<'_>,
    kind: &str,
    jobs: &[(String, String)],
    run_at: Timestamp,
) -> StoreResult<()> {
    if jobs.is_empty() {
        return Ok(());
    }
    const PG: &str = "INSERT INTO jobs (kind, dedupe_key, payload, max_attempts, run_at, created_at, updated_at) \
        SELECT $1, u.k, u.p, $2, $3, $4, $4 FROM UNNEST($5::text[], $6::text[]) AS u(k, p) \
        ON CONFLICT DO NOTHING";
    // `WHERE true` tells SQLite's parser the ON CONFLICT clause belongs to the INSERT, not to a join.
    const SQLITE: &str = "INSERT INTO jobs (kind, dedupe_key, payload, max_attempts, run_at, created_at, \
        updated_at) SELECT $1, value->>0, value->>1, $2, $3, $4, $4 FROM json_each($5) WHERE true \
        ON CONFLICT DO NOTHING";
    let now = Timestamp::now().as_micros();
    match c {
        Conn::Sqlite(c) => {
            let mut json = crate::batch_json::JsonRows::with_capacity(jobs.len() * 96);
            for (key, payload) in jobs {
                json.row(|r| {
                    r.text(key).text(payload);
                });
            }
            sqlx::query(SQLITE)
                .bind(kind)
                .bind(DEFAULT_MAX_ATTEMPTS)
                .bind(run_at.as_micros())
                .bind(now)
                .bind(json.finish())
                .execute(&mut *c)
                .await?;
        }
        Conn::Postgres(c) => {
            sqlx::query(PG)
                .bind(kind)
                .bind(DEFAULT_MAX_ATTEMPTS)
                .bind(run_at.as_micros())
                .bind(now)
                .bind(jobs.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>())
                .bind(jobs.iter().map(|(_, p)| p.as_str()).collect::<Vec<_>>())
                .execute(&mut *c)
                .await?;
        }
    }
    Ok(())
}

/// A job a worker has just claimed. `attempts` already counts this attempt.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
    pub max_attempts: i64,
}

/// Jobs a worker may take at `now`: queued ones that are due, and running ones whose lease ran out (their
/// worker died or hung).
const DUE: &str =
    "(status = 'queued' AND run_at <= $1) OR (status = 'running' AND locked_until < $1)";

/// Whether any job is due at `now` (a cheap read before taking the write lock to claim).
pub async fn any_due(c: Conn<'_>, now: Timestamp) -> StoreResult<bool> {
    let sql = format!("SELECT id FROM jobs WHERE {DUE} LIMIT 1");
    let id: Option<i64> = on_conn!(c, c => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(now.as_micros()).fetch_optional(&mut *c).await)?;
    Ok(id.is_some())
}

/// Claims up to `limit` due jobs for `worker`, oldest due first: marks them running, counts the attempt and
/// leases them until `lease_until`. On SQLite call it inside a write transaction ([`crate::Db::begin`]).
pub async fn claim(
    c: Conn<'_>,
    now: Timestamp,
    lease_until: Timestamp,
    worker: &str,
    limit: i64,
) -> StoreResult<Vec<ClaimedJob>> {
    type Row = (i64, String, String, i64, i64);
    crate::stats::statement();
    let rows: Vec<Row> = match c {
        Conn::Postgres(c) => {
            // A locking CTE runs exactly once, so the rows it locked are the rows updated (a subquery
            // under `IN` may be re-evaluated by some plans).
            let sql = format!(
                "WITH due AS (SELECT id FROM jobs WHERE {DUE} ORDER BY run_at, id LIMIT $4 \
                     FOR UPDATE SKIP LOCKED) \
                 UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_until = $2, \
                     locked_by = $3, updated_at = $1 \
                 FROM due WHERE jobs.id = due.id \
                 RETURNING jobs.id, jobs.kind, jobs.payload, jobs.attempts, jobs.max_attempts"
            );
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(now.as_micros())
                .bind(lease_until.as_micros())
                .bind(worker)
                .bind(limit)
                .fetch_all(&mut *c)
                .await?
        }
        Conn::Sqlite(c) => {
            let sql = format!(
                "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_until = $2, \
                     locked_by = $3, updated_at = $1 \
                 WHERE id IN (SELECT id FROM jobs WHERE {DUE} ORDER BY run_at, id LIMIT $4) \
                 RETURNING id, kind, payload, attempts, max_attempts"
            );
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(now.as_micros())
                .bind(lease_until.as_micros())
                .bind(worker)
                .bind(limit)
                .fetch_all(&mut *c)
                .await?
        }
    };
    let mut jobs: Vec<ClaimedJob> = rows
        .into_iter()
        .map(|r| ClaimedJob {
            id: r.0,
            kind: r.1,
            payload: r.2,
            attempts: r.3,
            max_attempts: r.4,
        })
        .collect();
    jobs.sort_by_key(|j| j.id);
    Ok(jobs)
}

/// Pushes a running job's lease forward while its handler is still working. False when the lease is no
/// longer this worker's.
pub async fn extend_lease(
    c: Conn<'_>,
    id: i64,
    worker: &str,
    until: Timestamp,
) -> StoreResult<bool> {
    const SQL: &str = "UPDATE jobs SET locked_until = $3 \
        WHERE id = $1 AND locked_by = $2 AND status = 'running'";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(id).bind(worker).bind(until.as_micros())
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Records success. False when the lease had passed to another worker (its result stands instead).
pub async fn complete(c: Conn<'_>, id: i64, worker: &str, now: Timestamp) -> StoreResult<bool> {
    const SQL: &str = "UPDATE jobs SET status = 'done', locked_until = NULL, locked_by = NULL, \
            last_error = '', updated_at = $3 \
        WHERE id = $1 AND locked_by = $2 AND status = 'running'";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(id).bind(worker).bind(now.as_micros())
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Puts a failed attempt back in the queue to run again at `run_at`.
pub async fn reschedule(
    c: Conn<'_>,
    id: i64,
    worker: &str,
    run_at: Timestamp,
    error: &str,
    now: Timestamp,
) -> StoreResult<bool> {
    const SQL: &str = "UPDATE jobs SET status = 'queued', run_at = $3, last_error = $4, \
            locked_until = NULL, locked_by = NULL, updated_at = $5 \
        WHERE id = $1 AND locked_by = $2 AND status = 'running'";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(id).bind(worker).bind(run_at.as_micros())
        .bind(error).bind(now.as_micros()).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Gives up on a job: it stays `failed` with its last error until an operator retries it.
pub async fn fail(
    c: Conn<'_>,
    id: i64,
    worker: &str,
    error: &str,
    now: Timestamp,
) -> StoreResult<bool> {
    const SQL: &str = "UPDATE jobs SET status = 'failed', last_error = $3, locked_until = NULL, \
            locked_by = NULL, updated_at = $4 \
        WHERE id = $1 AND locked_by = $2 AND status = 'running'";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(id).bind(worker).bind(error)
        .bind(now.as_micros()).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// An operator's retry: a failed job is queued again now with a fresh set of attempts. False when the job
/// is not failed. A unique violation means a job with the same key is already queued or running.
pub async fn retry_failed(c: Conn<'_>, id: i64, now: Timestamp) -> StoreResult<bool> {
    const SQL: &str = "UPDATE jobs SET status = 'queued', attempts = 0, run_at = $2, updated_at = $2 \
        WHERE id = $1 AND status = 'failed'";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(id).bind(now.as_micros())
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Deletes finished (`done`) jobs last updated before `before`; failed ones stay for the operator.
pub async fn purge_done(c: Conn<'_>, before: Timestamp) -> StoreResult<u64> {
    const SQL: &str = "DELETE FROM jobs WHERE status = 'done' AND updated_at < $1";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(before.as_micros())
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n)
}

/// A job as the admin page and API show it.
#[derive(Debug, Clone)]
pub struct JobRecord {
    pub id: i64,
    pub kind: String,
    pub key: Option<String>,
    pub payload: String,
    pub status: String,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_at: Timestamp,
    pub locked_until: Option<Timestamp>,
    pub last_error: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

type JobRow = (
    i64,
    String,
    Option<String>,
    String,
    String,
    i64,
    i64,
    i64,
    Option<i64>,
    String,
    i64,
    i64,
);

const COLUMNS: &str = "id, kind, dedupe_key, payload, status, attempts, max_attempts, run_at, locked_until, \
    last_error, created_at, updated_at";

fn record(r: JobRow) -> JobRecord {
    JobRecord {
        id: r.0,
        kind: r.1,
        key: r.2,
        payload: r.3,
        status: r.4,
        attempts: r.5,
        max_attempts: r.6,
        run_at: Timestamp::from_micros(r.7),
        locked_until: r.8.map(Timestamp::from_micros),
        last_error: r.9,
        created_at: Timestamp::from_micros(r.10),
        updated_at: Timestamp::from_micros(r.11),
    }
}

/// The most recently changed jobs first, optionally only those in one status.
pub async fn list(c: Conn<'_>, status: Option<&str>, limit: i64) -> StoreResult<Vec<JobRecord>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM jobs WHERE ($1 IS NULL OR status = $1) \
         ORDER BY updated_at DESC, id DESC LIMIT $2"
    );
    let rows: Vec<JobRow> = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(status).bind(limit).fetch_all(&mut *c).await)?;
    Ok(rows.into_iter().map(record).collect())
}

pub async fn get(c: Conn<'_>, id: i64) -> StoreResult<Option<JobRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM jobs WHERE id = $1");
    let row: Option<JobRow> = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id)
        .fetch_optional(&mut *c).await)?;
    Ok(row.map(record))
}

/// How many jobs are in each status, for the admin page's summary.
pub async fn counts(c: Conn<'_>) -> StoreResult<Vec<(String, i64)>> {
    const SQL: &str = "SELECT status, COUNT(*) FROM jobs GROUP BY status";
    let rows: Vec<(String, i64)> = on_conn!(c, c => sqlx::query_as(SQL).fetch_all(&mut *c).await)?;
    Ok(rows)
}
