//! Comments on posts (one level of replies) and comment likes.

use crate::{Conn, StoreResult, on_conn};
use souk_domain::{AccountKind, Timestamp};

#[derive(Debug, Clone)]
pub struct CommentRecord {
    pub id: i64,
    pub post_id: i64,
    pub author_id: i64,
    pub author_username: String,
    pub author_display_name: String,
    pub author_kind: AccountKind,
    pub parent_id: Option<i64>,
    pub body: String,
    pub like_count: i64,
    pub created_at: Timestamp,
}

type Row = (
    i64,
    i64,
    i64,
    String,
    String,
    String,
    Option<i64>,
    String,
    i64,
    i64,
);

fn from_row(r: Row) -> CommentRecord {
    CommentRecord {
        id: r.0,
        post_id: r.1,
        author_id: r.2,
        author_username: r.3,
        author_display_name: r.4,
        author_kind: AccountKind::parse(&r.5).unwrap_or_default(),
        parent_id: r.6,
        body: r.7,
        like_count: r.8,
        created_at: Timestamp::from_micros(r.9),
    }
}

const SELECT: &str = "SELECT c.id, c.post_id, c.author_id, u.username, u.display_name, u.kind, c.parent_id, c.body, \
     c.like_count, c.created_at FROM comments c JOIN users u ON u.id = c.author_id";

/// Comments of a post in conversation order (oldest first), after the cursor id, hiding moderated
/// comments, suspended authors and anyone blocked either way with the viewer (`$1`).
pub async fn for_post(
    c: Conn<'_>,
    viewer: i64,
    post_id: i64,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<CommentRecord>> {
    let sql = format!(
        "{SELECT} WHERE c.post_id = $2 AND c.id > $3 AND c.hidden_at IS NULL AND u.suspended_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = c.author_id AND b.blocked_id = $1) \
         OR (b.blocker_id = $1 AND b.blocked_id = c.author_id)) ORDER BY c.id LIMIT $4"
    );
    let rows: Vec<Row> = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(viewer).bind(post_id)
        .bind(after).bind(limit).fetch_all(&mut *c).await)?;
    Ok(rows.into_iter().map(from_row).collect())
}

pub async fn by_id(c: Conn<'_>, id: i64) -> StoreResult<Option<CommentRecord>> {
    let sql = format!("{SELECT} WHERE c.id = $1 AND c.hidden_at IS NULL");
    let row: Option<Row> = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *c).await)?;
    Ok(row.map(from_row))
}

/// Several visible comments in one statement, in no particular order.
pub async fn by_ids(c: Conn<'_>, ids: &[i64]) -> StoreResult<Vec<CommentRecord>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{SELECT} WHERE c.id IN ({}) AND c.hidden_at IS NULL",
        crate::placeholders(1, ids.len())
    );
    let rows: Vec<Row> = crate::fetch_for_ids(c, sql, None, ids).await?;
    Ok(rows.into_iter().map(from_row).collect())
}

pub async fn insert(
    c: Conn<'_>,
    post_id: i64,
    author_id: i64,
    parent_id: Option<i64>,
    body: &str,
    now: Timestamp,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO comments (post_id, author_id, parent_id, body, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id";
    let id: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(post_id).bind(author_id).bind(parent_id).bind(body)
        .bind(now.as_micros()).fetch_one(&mut *c).await)?;
    Ok(id)
}

/// Deletes a comment and its replies; returns how many comments went (for the post's counter).
///
/// Replies go first, in their own statement: SQLite does not count rows removed by a foreign-key cascade,
/// so deleting the parent while its replies still exist would under-report and the counter would drift.
pub async fn delete(c: Conn<'_>, id: i64) -> StoreResult<i64> {
    let n = on_conn!(c, c => {
        // The body sends two statements; on_conn! counted one.
        crate::stats::statement();
        let replies = sqlx::query("DELETE FROM comments WHERE parent_id = $1").bind(id)
            .execute(&mut *c).await.map(|r| r.rows_affected());
        match replies {
            Ok(r) => sqlx::query("DELETE FROM comments WHERE id = $1").bind(id)
                .execute(&mut *c).await.map(|own| r + own.rows_affected()),
            Err(e) => Err(e),
        }
    })?;
    Ok(i64::try_from(n).unwrap_or(i64::MAX))
}

pub async fn insert_like(
    c: Conn<'_>,
    comment_id: i64,
    user_id: i64,
    now: Timestamp,
) -> StoreResult<bool> {
    let n = on_conn!(c, c => sqlx::query("INSERT INTO comment_likes (comment_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(comment_id).bind(user_id).bind(now.as_micros()).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn delete_like(c: Conn<'_>, comment_id: i64, user_id: i64) -> StoreResult<bool> {
    let n = on_conn!(c, c => sqlx::query("DELETE FROM comment_likes WHERE comment_id = $1 AND user_id = $2")
        .bind(comment_id).bind(user_id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn adjust_likes(c: Conn<'_>, comment_id: i64, delta: i64) -> StoreResult<()> {
    on_conn!(c, c => sqlx::query("UPDATE comments SET like_count = like_count + $2 WHERE id = $1")
        .bind(comment_id).bind(delta).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Which of the comments the viewer liked.
pub async fn liked_by(c: Conn<'_>, viewer: i64, ids: &[i64]) -> StoreResult<Vec<i64>> {
    if ids.is_empty() || viewer == 0 {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT comment_id FROM comment_likes WHERE user_id = $1 AND comment_id IN ({})",
        crate::placeholders(2, ids.len())
    );
    let rows: Vec<i64> = on_conn!(c, c => {
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(viewer);
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(&mut *c).await
    })?;
    Ok(rows)
}

pub async fn hide(c: Conn<'_>, id: i64, now: Timestamp) -> StoreResult<bool> {
    let n = on_conn!(c, c => sqlx::query("UPDATE comments SET hidden_at = $2 WHERE id = $1 AND hidden_at IS NULL")
        .bind(id).bind(now.as_micros()).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}
