//! The domain-event outbox: events written in the same transaction as the change they describe, and one
//! read cursor per subscriber.
//!
//! Reading in `id` order alone would lose events on PostgreSQL: ids come from a sequence when the row is
//! written, so a slow transaction can commit id 11 after a reader already saw id 12 and moved past it.
//! Each event therefore records its writing transaction (`tx_id`), readers only take events whose
//! transaction is older than every transaction still running (`pg_snapshot_xmin`), and the cursor is the
//! pair (tx_id, id). The set of events below that horizon can no longer change, so nothing is skipped.
//! SQLite has one writer at a time, ids are handed out in commit order, and `tx_id` stays 0.
//!
//! The price on PostgreSQL: an event becomes readable only once every transaction older than its own has
//! finished, so one long-running transaction anywhere on the server delays delivery (never loses it).

use crate::{Conn, StoreResult, on_conn};
use souk_domain::Timestamp;

/// Records an event on the caller's connection; inside a transaction it commits or rolls back with it.
pub async fn insert(c: Conn<'_>, kind: &str, payload: &str, now: Timestamp) -> StoreResult<i64> {
    const SQL: &str =
        "INSERT INTO events (kind, payload, created_at) VALUES ($1, $2, $3) RETURNING id";
    let id: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(kind).bind(payload)
        .bind(now.as_micros()).fetch_one(&mut *c).await)?;
    Ok(id)
}

#[derive(Debug, Clone)]
pub struct EventRecord {
    pub id: i64,
    pub kind: String,
    /// JSON text.
    pub payload: String,
    pub created_at: Timestamp,
}

/// Up to `limit` events after `subscriber`'s cursor, in delivery order. A subscriber never seen before
/// starts from the beginning.
pub async fn after_cursor(
    c: Conn<'_>,
    subscriber: &str,
    limit: i64,
) -> StoreResult<Vec<EventRecord>> {
    type Row = (i64, String, String, i64);
    const FROM: &str = "FROM events e \
        LEFT JOIN event_cursors k ON k.subscriber = $1 \
        WHERE (e.tx_id > COALESCE(k.last_tx, 0) \
            OR (e.tx_id = COALESCE(k.last_tx, 0) AND e.id > COALESCE(k.last_id, 0)))";
    crate::stats::statement();
    let rows: Vec<Row> = match c {
        Conn::Postgres(c) => {
            let sql = format!(
                "SELECT e.id, e.kind, e.payload, e.created_at {FROM} \
                   AND e.tx_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint \
                 ORDER BY e.tx_id, e.id LIMIT $2"
            );
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(subscriber)
                .bind(limit)
                .fetch_all(&mut *c)
                .await?
        }
        Conn::Sqlite(c) => {
            let sql = format!(
                "SELECT e.id, e.kind, e.payload, e.created_at {FROM} ORDER BY e.tx_id, e.id LIMIT $2"
            );
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(subscriber)
                .bind(limit)
                .fetch_all(&mut *c)
                .await?
        }
    };
    Ok(rows
        .into_iter()
        .map(|r| EventRecord {
            id: r.0,
            kind: r.1,
            payload: r.2,
            created_at: Timestamp::from_micros(r.3),
        })
        .collect())
}

/// Moves `subscriber`'s cursor to event `last_id` (which it has handled). Never moves it backwards, so a
/// late or repeated acknowledgement is harmless. False when no such event exists.
pub async fn ack(
    mut c: Conn<'_>,
    subscriber: &str,
    last_id: i64,
    now: Timestamp,
) -> StoreResult<bool> {
    const SQL: &str = "INSERT INTO event_cursors (subscriber, last_tx, last_id, updated_at) \
        SELECT $1, e.tx_id, e.id, $3 FROM events e WHERE e.id = $2 \
        ON CONFLICT (subscriber) DO UPDATE SET last_tx = excluded.last_tx, last_id = excluded.last_id, \
            updated_at = excluded.updated_at \
        WHERE event_cursors.last_tx < excluded.last_tx \
            OR (event_cursors.last_tx = excluded.last_tx AND event_cursors.last_id < excluded.last_id)";
    let exists: Option<i64> = on_conn!(&mut c, c => sqlx::query_scalar("SELECT id FROM events WHERE id = $1")
        .bind(last_id).fetch_optional(&mut **c).await)?;
    if exists.is_none() {
        return Ok(false);
    }
    on_conn!(c, c => sqlx::query(SQL).bind(subscriber).bind(last_id).bind(now.as_micros())
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(true)
}

/// The id of the last event `subscriber` acknowledged (0 before its first).
pub async fn cursor(c: Conn<'_>, subscriber: &str) -> StoreResult<i64> {
    const SQL: &str = "SELECT last_id FROM event_cursors WHERE subscriber = $1";
    let id: Option<i64> = on_conn!(c, c => sqlx::query_scalar(SQL).bind(subscriber)
        .fetch_optional(&mut *c).await)?;
    Ok(id.unwrap_or(0))
}

/// Deletes events created before `before` that every known subscriber has acknowledged.
pub async fn purge_delivered(c: Conn<'_>, before: Timestamp) -> StoreResult<u64> {
    const SQL: &str = "DELETE FROM events WHERE created_at < $1 AND NOT EXISTS ( \
        SELECT 1 FROM event_cursors k WHERE k.last_tx < events.tx_id \
            OR (k.last_tx = events.tx_id AND k.last_id < events.id))";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(before.as_micros())
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n)
}

/// The last event in delivery order that a reader can take now (see the module note), or `None` when
/// there is none. A subscriber that has caught up with everything committed so far (a search rebuild)
/// acknowledges this one; any event after it can still arrive and will be delivered.
pub async fn horizon(c: Conn<'_>) -> StoreResult<Option<i64>> {
    crate::stats::statement();
    let id: Option<i64> = match c {
        Conn::Postgres(c) => {
            sqlx::query_scalar(
                "SELECT id FROM events \
                 WHERE tx_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint \
                 ORDER BY tx_id DESC, id DESC LIMIT 1",
            )
            .fetch_optional(&mut *c)
            .await?
        }
        Conn::Sqlite(c) => {
            sqlx::query_scalar("SELECT id FROM events ORDER BY tx_id DESC, id DESC LIMIT 1")
                .fetch_optional(&mut *c)
                .await?
        }
    };
    Ok(id)
}

/// The highest event id committed so far (0 when there is none).
pub async fn latest_id(c: Conn<'_>) -> StoreResult<i64> {
    let id: Option<i64> = on_conn!(c, c => sqlx::query_scalar("SELECT MAX(id) FROM events")
        .fetch_one(&mut *c).await)?;
    Ok(id.unwrap_or(0))
}

/// Whether `subscriber` still has events with an id up to `up_to` to handle, whether or not they can be
/// read yet: lets a caller wait until what had committed when it started has been delivered.
pub async fn pending_through(c: Conn<'_>, subscriber: &str, up_to: i64) -> StoreResult<bool> {
    const SQL: &str = "SELECT EXISTS (SELECT 1 FROM events e \
        LEFT JOIN event_cursors k ON k.subscriber = $1 \
        WHERE e.id <= $2 AND (e.tx_id > COALESCE(k.last_tx, 0) \
            OR (e.tx_id = COALESCE(k.last_tx, 0) AND e.id > COALESCE(k.last_id, 0))))";
    let pending: bool = on_conn!(c, c => sqlx::query_scalar(SQL).bind(subscriber).bind(up_to)
        .fetch_one(&mut *c).await)?;
    Ok(pending)
}
