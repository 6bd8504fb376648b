//! In-app notifications: who did what to which post or comment, and whether it has been read.

use crate::{Conn, StoreResult, on_conn};
use souk_domain::Timestamp;

#[derive(Debug, Clone)]
pub struct NotificationRecord {
    pub id: i64,
    pub kind: String,
    pub actor_id: i64,
    pub actor_username: String,
    pub actor_display_name: String,
    pub post_id: Option<i64>,
    pub comment_id: Option<i64>,
    /// The shop a commerce notification is about, by handle (for links).
    pub shop_handle: Option<String>,
    /// The row the notification points at: a feature request or a reputation alert.
    pub subject_id: Option<i64>,
    pub created_at: Timestamp,
    pub read: bool,
}

pub struct NewNotification<'a> {
    pub user_id: i64,
    pub kind: &'a str,
    pub actor_id: i64,
    pub post_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub shop_id: Option<i64>,
    pub subject_id: Option<i64>,
    pub now: Timestamp,
}

pub async fn insert(c: Conn<'_>, n: &NewNotification<'_>) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO notifications (user_id, kind, actor_id, post_id, comment_id, shop_id, subject_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    on_conn!(c, c => sqlx::query(SQL).bind(n.user_id).bind(n.kind).bind(n.actor_id).bind(n.post_id).bind(n.comment_id)
        .bind(n.shop_id).bind(n.subject_id).bind(n.now.as_micros()).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

type Row = (
    i64,
    String,
    i64,
    String,
    String,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    i64,
    Option<i64>,
);

/// Newest first, ids below the cursor; actors who are suspended or blocked by the user are left out.
pub async fn list(
    c: Conn<'_>,
    user_id: i64,
    before: i64,
    limit: i64,
) -> StoreResult<Vec<NotificationRecord>> {
    const SQL: &str = "SELECT n.id, n.kind, n.actor_id, u.username, u.display_name, n.post_id, n.comment_id, s.handle, n.subject_id, n.created_at, n.read_at \
         FROM notifications n JOIN users u ON u.id = n.actor_id LEFT JOIN shops s ON s.id = n.shop_id \
         WHERE n.user_id = $1 AND n.id < $2 AND u.suspended_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = $1 AND b.blocked_id = n.actor_id) \
         ORDER BY n.id DESC LIMIT $3";
    let rows: Vec<Row> = on_conn!(c, c => sqlx::query_as(SQL).bind(user_id).bind(before).bind(limit).fetch_all(&mut *c).await)?;
    Ok(rows
        .into_iter()
        .map(|r| NotificationRecord {
            id: r.0,
            kind: r.1,
            actor_id: r.2,
            actor_username: r.3,
            actor_display_name: r.4,
            post_id: r.5,
            comment_id: r.6,
            shop_handle: r.7,
            subject_id: r.8,
            created_at: Timestamp::from_micros(r.9),
            read: r.10.is_some(),
        })
        .collect())
}

/// Unread notifications [`list`] would show: the same actors are left out, so the badge and the list agree.
pub async fn unread_count(c: Conn<'_>, user_id: i64) -> StoreResult<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.actor_id \
         WHERE n.user_id = $1 AND n.read_at IS NULL AND u.suspended_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = $1 AND b.blocked_id = n.actor_id)";
    let n: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(user_id).fetch_one(&mut *c).await)?;
    Ok(n)
}

pub async fn mark_all_read(c: Conn<'_>, user_id: i64, now: Timestamp) -> StoreResult<u64> {
    let n = on_conn!(c, c => sqlx::query("UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL")
        .bind(user_id).bind(now.as_micros()).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n)
}
