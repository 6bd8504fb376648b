//! Idempotency-Key records for money-moving POSTs.
//!
//! Claiming is one `INSERT … ON CONFLICT DO NOTHING` followed by a read, so two concurrent requests with
//! the same key can never both believe they own it on either engine.

use crate::{Conn, StoreResult, on_conn};

/// A stored key: what the first request looked like and, once it finished, its response.
#[derive(Debug, Clone)]
pub struct KeyRow {
    pub id: i64,
    pub scope: String,
    pub request_hash: Vec<u8>,
    pub response_status: Option<i32>,
    pub response_body: Option<String>,
    pub expires_at: i64,
}

/// Deletes the caller's key if it has expired, so a new request may claim it again.
pub async fn delete_expired(c: Conn<'_>, user_id: i64, key: &str, now_us: i64) -> StoreResult<()> {
    const SQL: &str =
        "DELETE FROM idempotency_keys WHERE user_id = $1 AND idem_key = $2 AND expires_at <= $3";
    on_conn!(c, c => sqlx::query(SQL).bind(user_id).bind(key).bind(now_us)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Claims a key; `Some(id)` when this call inserted it, `None` when a row already existed.
pub async fn claim(
    c: Conn<'_>,
    user_id: i64,
    key: &str,
    scope: &str,
    request_hash: &[u8],
    now_us: i64,
    expires_us: i64,
) -> StoreResult<Option<i64>> {
    const SQL: &str = "INSERT INTO idempotency_keys \
        (user_id, idem_key, scope, request_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) \
        ON CONFLICT (user_id, idem_key) DO NOTHING RETURNING id";
    let id: Option<i64> = on_conn!(c, c => sqlx::query_scalar(SQL).bind(user_id).bind(key).bind(scope)
        .bind(request_hash).bind(now_us).bind(expires_us).fetch_optional(&mut *c).await)?;
    Ok(id)
}

pub async fn get(c: Conn<'_>, user_id: i64, key: &str) -> StoreResult<Option<KeyRow>> {
    const SQL: &str = "SELECT id, scope, request_hash, response_status, response_body, expires_at \
        FROM idempotency_keys WHERE user_id = $1 AND idem_key = $2";
    type Row = (i64, String, Vec<u8>, Option<i32>, Option<String>, i64);
    let row: Option<Row> = on_conn!(c, c => sqlx::query_as(SQL).bind(user_id).bind(key)
        .fetch_optional(&mut *c).await)?;
    Ok(row.map(
        |(id, scope, request_hash, response_status, response_body, expires_at)| KeyRow {
            id,
            scope,
            request_hash,
            response_status,
            response_body,
            expires_at,
        },
    ))
}

/// Stores the finished request's response for replays.
pub async fn complete(c: Conn<'_>, id: i64, status: i32, body: &str) -> StoreResult<()> {
    const SQL: &str =
        "UPDATE idempotency_keys SET response_status = $2, response_body = $3 WHERE id = $1";
    on_conn!(c, c => sqlx::query(SQL).bind(id).bind(status).bind(body)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Forgets a claim whose request failed on our side, so the client may retry with the same key.
pub async fn release(c: Conn<'_>, id: i64) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM idempotency_keys WHERE id = $1 AND response_status IS NULL";
    on_conn!(c, c => sqlx::query(SQL).bind(id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Deletes every expired key (housekeeping).
pub async fn purge_expired(c: Conn<'_>, now_us: i64) -> StoreResult<u64> {
    const SQL: &str = "DELETE FROM idempotency_keys WHERE expires_at <= $1";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(now_us).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n)
}
