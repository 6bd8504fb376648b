//! The social graph: follows and blocks. Each function is one statement; the service composes them with
//! counter updates inside one transaction.

use crate::{Conn, StoreResult, on_conn};
use souk_domain::Timestamp;

/// Adds a follow; false when it already existed.
pub async fn insert(
    c: Conn<'_>,
    follower: i64,
    followee: i64,
    now: Timestamp,
) -> StoreResult<bool> {
    const SQL: &str = "INSERT INTO follows (follower_id, followee_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(follower).bind(followee).bind(now.as_micros())
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Removes a follow; false when there was none.
pub async fn delete(c: Conn<'_>, follower: i64, followee: i64) -> StoreResult<bool> {
    const SQL: &str = "DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(follower).bind(followee)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn exists(c: Conn<'_>, follower: i64, followee: i64) -> StoreResult<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM follows WHERE follower_id = $1 AND followee_id = $2";
    let n: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(follower).bind(followee).fetch_one(&mut *c).await)?;
    Ok(n > 0)
}

/// Applies `delta` to the follower's following count and the followee's followers count.
pub async fn adjust_counts(
    c: Conn<'_>,
    follower: i64,
    followee: i64,
    delta: i64,
) -> StoreResult<()> {
    const SQL: &str = "UPDATE users SET \
         following_count = following_count + CASE WHEN id = $1 THEN $3 ELSE 0 END, \
         followers_count = followers_count + CASE WHEN id = $2 THEN $3 ELSE 0 END \
         WHERE id IN ($1, $2)";
    on_conn!(c, c => sqlx::query(SQL).bind(follower).bind(followee).bind(delta)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// One page of a follow list: (user id, followed at), newest first, before the cursor time.
pub async fn list(
    c: Conn<'_>,
    user_id: i64,
    followers: bool,
    before: Option<(i64, i64)>,
    limit: i64,
) -> StoreResult<Vec<(i64, i64)>> {
    // Cursor (created_at, other id) keeps paging stable when several follows share a timestamp.
    let sql = if followers {
        "SELECT follower_id, created_at FROM follows WHERE followee_id = $1 \
         AND (created_at < $2 OR (created_at = $2 AND follower_id < $3)) \
         ORDER BY created_at DESC, follower_id DESC LIMIT $4"
    } else {
        "SELECT followee_id, created_at FROM follows WHERE follower_id = $1 \
         AND (created_at < $2 OR (created_at = $2 AND followee_id < $3)) \
         ORDER BY created_at DESC, followee_id DESC LIMIT $4"
    };
    let (t, id) = before.unwrap_or((i64::MAX, i64::MAX));
    let rows: Vec<(i64, i64)> = on_conn!(c, c => sqlx::query_as(sql).bind(user_id).bind(t).bind(id).bind(limit)
        .fetch_all(&mut *c).await)?;
    Ok(rows)
}

pub async fn block(c: Conn<'_>, blocker: i64, blocked: i64, now: Timestamp) -> StoreResult<bool> {
    const SQL: &str = "INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(blocker).bind(blocked).bind(now.as_micros())
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn unblock(c: Conn<'_>, blocker: i64, blocked: i64) -> StoreResult<bool> {
    const SQL: &str = "DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(blocker).bind(blocked)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// True when either user blocked the other; blocking cuts both directions of interaction.
pub async fn blocked_either_way(c: Conn<'_>, a: i64, b: i64) -> StoreResult<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM blocks WHERE (blocker_id = $1 AND blocked_id = $2) OR (blocker_id = $2 AND blocked_id = $1)";
    let n: i64 =
        on_conn!(c, c => sqlx::query_scalar(SQL).bind(a).bind(b).fetch_one(&mut *c).await)?;
    Ok(n > 0)
}

pub async fn has_blocked(c: Conn<'_>, blocker: i64, blocked: i64) -> StoreResult<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM blocks WHERE blocker_id = $1 AND blocked_id = $2";
    let n: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(blocker).bind(blocked).fetch_one(&mut *c).await)?;
    Ok(n > 0)
}

/// How two accounts stand to each other, in one statement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Relationship {
    pub me_follows_them: bool,
    pub they_follow_me: bool,
    pub me_blocked_them: bool,
    pub they_blocked_me: bool,
}

pub async fn relationship(c: Conn<'_>, me: i64, them: i64) -> StoreResult<Relationship> {
    const SQL: &str = "SELECT \
        (SELECT COUNT(*) FROM follows WHERE follower_id = $1 AND followee_id = $2), \
        (SELECT COUNT(*) FROM follows WHERE follower_id = $2 AND followee_id = $1), \
        (SELECT COUNT(*) FROM blocks WHERE blocker_id = $1 AND blocked_id = $2), \
        (SELECT COUNT(*) FROM blocks WHERE blocker_id = $2 AND blocked_id = $1)";
    let r: (i64, i64, i64, i64) =
        on_conn!(c, c => sqlx::query_as(SQL).bind(me).bind(them).fetch_one(&mut *c).await)?;
    Ok(Relationship {
        me_follows_them: r.0 > 0,
        they_follow_me: r.1 > 0,
        me_blocked_them: r.2 > 0,
        they_blocked_me: r.3 > 0,
    })
}
