//! Reports of posts, comments and accounts, and their resolution by an operator.

use crate::{Conn, StoreResult, on_conn};
use souk_domain::Timestamp;

#[derive(Debug, Clone)]
pub struct ReportRecord {
    pub id: i64,
    pub reporter_username: String,
    pub target_kind: String,
    pub target_id: i64,
    pub reason: String,
    pub note: String,
    pub created_at: Timestamp,
    pub resolution: Option<String>,
}

pub async fn insert(
    c: Conn<'_>,
    reporter: i64,
    target_kind: &str,
    target_id: i64,
    reason: &str,
    note: &str,
    now: Timestamp,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO reports (reporter_id, target_kind, target_id, reason, note, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
    let id: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(reporter).bind(target_kind).bind(target_id).bind(reason)
        .bind(note).bind(now.as_micros()).fetch_one(&mut *c).await)?;
    Ok(id)
}

type Row = (
    i64,
    String,
    String,
    i64,
    String,
    String,
    i64,
    Option<String>,
);

/// Open reports first (oldest first, the queue order), then the most recently resolved.
pub async fn list(c: Conn<'_>, open_only: bool, limit: i64) -> StoreResult<Vec<ReportRecord>> {
    let sql = if open_only {
        "SELECT r.id, u.username, r.target_kind, r.target_id, r.reason, r.note, r.created_at, r.resolution \
         FROM reports r JOIN users u ON u.id = r.reporter_id WHERE r.resolved_at IS NULL ORDER BY r.id LIMIT $1"
    } else {
        "SELECT r.id, u.username, r.target_kind, r.target_id, r.reason, r.note, r.created_at, r.resolution \
         FROM reports r JOIN users u ON u.id = r.reporter_id ORDER BY r.resolved_at IS NOT NULL, r.id DESC LIMIT $1"
    };
    let rows: Vec<Row> =
        on_conn!(c, c => sqlx::query_as(sql).bind(limit).fetch_all(&mut *c).await)?;
    Ok(rows
        .into_iter()
        .map(|r| ReportRecord {
            id: r.0,
            reporter_username: r.1,
            target_kind: r.2,
            target_id: r.3,
            reason: r.4,
            note: r.5,
            created_at: Timestamp::from_micros(r.6),
            resolution: r.7,
        })
        .collect())
}

pub async fn target(c: Conn<'_>, id: i64) -> StoreResult<Option<(String, i64)>> {
    let row: Option<(String, i64)> = on_conn!(c, c => sqlx::query_as("SELECT target_kind, target_id FROM reports WHERE id = $1")
        .bind(id).fetch_optional(&mut *c).await)?;
    Ok(row)
}

/// Resolves every open report on the same target at once, so one decision clears the queue for it.
pub async fn resolve(
    c: Conn<'_>,
    target_kind: &str,
    target_id: i64,
    resolution: &str,
    now: Timestamp,
) -> StoreResult<u64> {
    let n = on_conn!(c, c => sqlx::query(
        "UPDATE reports SET resolved_at = $3, resolution = $4 WHERE target_kind = $1 AND target_id = $2 AND resolved_at IS NULL")
        .bind(target_kind).bind(target_id).bind(now.as_micros()).bind(resolution)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n)
}

pub async fn hide_post(c: Conn<'_>, post_id: i64, now: Timestamp) -> StoreResult<bool> {
    let n = on_conn!(c, c => sqlx::query("UPDATE posts SET hidden_at = $2 WHERE id = $1 AND hidden_at IS NULL")
        .bind(post_id).bind(now.as_micros()).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}
