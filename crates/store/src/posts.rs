//! Posts, their images, hashtags, likes and saves. Every read applies the same visibility rule: not hidden
//! by moderation, author not suspended, and no block between author and viewer in either direction.

use crate::placeholders;
use crate::{Conn, StoreResult, on_conn};
use souk_domain::{AccountKind, Timestamp};

#[derive(Debug, Clone)]
pub struct PostRecord {
    pub id: i64,
    pub author_id: i64,
    pub author_username: String,
    pub author_display_name: String,
    pub author_kind: AccountKind,
    pub author_avatar: Option<String>,
    pub caption: String,
    pub location: String,
    pub repost_of: Option<i64>,
    pub like_count: i64,
    pub comment_count: i64,
    pub share_count: i64,
    pub save_count: i64,
    pub created_at: Timestamp,
}

type Row = (
    i64,
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    Option<i64>,
    i64,
    i64,
    i64,
    i64,
    i64,
);

fn from_row(r: Row) -> PostRecord {
    PostRecord {
        id: r.0,
        author_id: r.1,
        author_username: r.2,
        author_display_name: r.3,
        author_kind: AccountKind::parse(&r.4).unwrap_or_default(),
        author_avatar: r.5,
        caption: r.6,
        location: r.7,
        repost_of: r.8,
        like_count: r.9,
        comment_count: r.10,
        share_count: r.11,
        save_count: r.12,
        created_at: Timestamp::from_micros(r.13),
    }
}

const SELECT: &str = "SELECT p.id, p.author_id, u.username, u.display_name, u.kind, u.avatar_key, p.caption, p.location, \
     p.repost_of, p.like_count, p.comment_count, p.share_count, p.save_count, p.created_at \
     FROM posts p JOIN users u ON u.id = p.author_id";

/// `$1` is always the viewer (0 when anonymous).
const VISIBLE: &str = "p.hidden_at IS NULL AND u.suspended_at IS NULL AND NOT EXISTS (SELECT 1 FROM blocks b \
     WHERE (b.blocker_id = p.author_id AND b.blocked_id = $1) OR (b.blocker_id = $1 AND b.blocked_id = p.author_id))";

async fn fetch(
    c: Conn<'_>,
    sql: String,
    binds: &[i64],
    text: Option<&str>,
) -> StoreResult<Vec<PostRecord>> {
    let rows: Vec<Row> = on_conn!(c, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for b in binds {
            q = q.bind(*b);
        }
        if let Some(t) = text {
            q = q.bind(t.to_owned());
        }
        q.fetch_all(&mut *c).await
    })?;
    Ok(rows.into_iter().map(from_row).collect())
}

pub async fn by_id(c: Conn<'_>, viewer: i64, id: i64) -> StoreResult<Option<PostRecord>> {
    let sql = format!("{SELECT} WHERE p.id = $2 AND {VISIBLE}");
    Ok(fetch(c, sql, &[viewer, id], None).await?.into_iter().next())
}

/// Several posts by id (for reposts' originals), visibility applied, in no particular order.
pub async fn by_ids(c: Conn<'_>, viewer: i64, ids: &[i64]) -> StoreResult<Vec<PostRecord>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{SELECT} WHERE p.id IN ({}) AND {VISIBLE}",
        placeholders(2, ids.len())
    );
    let mut binds = vec![viewer];
    binds.extend_from_slice(ids);
    fetch(c, sql, &binds, None).await
}

/// The home feed: the viewer's own posts and those of accounts they follow, newest first, ids below the
/// cursor. Ids only grow, so paging never repeats or skips a post when new ones arrive meanwhile.
/// The follow test is a correlated EXISTS so SQLite walks posts newest-first and stops at the page size
/// instead of collecting and sorting every followed post (an IN list plans as a temp-B-tree sort).
pub async fn home(
    c: Conn<'_>,
    viewer: i64,
    before: i64,
    limit: i64,
) -> StoreResult<Vec<PostRecord>> {
    let sql = format!(
        "{SELECT} WHERE (p.author_id = $1 OR EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = $1 AND f.followee_id = p.author_id)) \
         AND p.id < $2 AND {VISIBLE} ORDER BY p.id DESC LIMIT $3"
    );
    fetch(c, sql, &[viewer, before, limit], None).await
}

pub async fn by_author(
    c: Conn<'_>,
    viewer: i64,
    author: i64,
    before: i64,
    limit: i64,
) -> StoreResult<Vec<PostRecord>> {
    let sql = format!(
        "{SELECT} WHERE p.author_id = $2 AND p.id < $3 AND {VISIBLE} ORDER BY p.id DESC LIMIT $4"
    );
    fetch(c, sql, &[viewer, author, before, limit], None).await
}

/// Newest posts carrying a hashtag.
pub async fn by_hashtag(
    c: Conn<'_>,
    viewer: i64,
    key: &str,
    before: i64,
    limit: i64,
) -> StoreResult<Vec<PostRecord>> {
    let sql = format!(
        "{SELECT} JOIN post_hashtags ph ON ph.post_id = p.id JOIN hashtags h ON h.id = ph.hashtag_id \
         WHERE h.tag_key = $4 AND p.id < $2 AND {VISIBLE} ORDER BY p.id DESC LIMIT $3"
    );
    fetch(c, sql, &[viewer, before, limit], Some(key)).await
}

/// Most engaging posts carrying a hashtag, paged by offset (the order changes as people engage).
pub async fn top_by_hashtag(
    c: Conn<'_>,
    viewer: i64,
    key: &str,
    offset: i64,
    limit: i64,
) -> StoreResult<Vec<PostRecord>> {
    let sql = format!(
        "{SELECT} JOIN post_hashtags ph ON ph.post_id = p.id JOIN hashtags h ON h.id = ph.hashtag_id \
         WHERE h.tag_key = $4 AND {VISIBLE} \
         ORDER BY (p.like_count + 2 * p.comment_count + 3 * p.share_count + 2 * p.save_count) DESC, p.id DESC \
         LIMIT $3 OFFSET $2"
    );
    fetch(c, sql, &[viewer, offset, limit], Some(key)).await
}

/// Recent original posts by accounts the viewer does not follow, for Discover ranking.
pub async fn discover_candidates(
    c: Conn<'_>,
    viewer: i64,
    since: Timestamp,
    limit: i64,
) -> StoreResult<Vec<PostRecord>> {
    let sql = format!(
        "{SELECT} WHERE p.author_id <> $1 AND p.author_id NOT IN (SELECT followee_id FROM follows WHERE follower_id = $1) \
         AND p.created_at >= $2 AND p.repost_of IS NULL AND {VISIBLE} ORDER BY p.id DESC LIMIT $3"
    );
    fetch(c, sql, &[viewer, since.as_micros(), limit], None).await
}

/// Posts the viewer saved, most recently saved first, paged by offset.
pub async fn saved_by(
    c: Conn<'_>,
    viewer: i64,
    offset: i64,
    limit: i64,
) -> StoreResult<Vec<PostRecord>> {
    let sql = format!(
        "{SELECT} JOIN saves s ON s.post_id = p.id AND s.user_id = $1 WHERE {VISIBLE} \
         ORDER BY s.created_at DESC, p.id DESC LIMIT $3 OFFSET $2"
    );
    fetch(c, sql, &[viewer, offset, limit], None).await
}

#[derive(Debug, Clone)]
pub struct ImageRecord {
    pub post_id: i64,
    pub position: i32,
    pub media_key: String,
    pub width: i32,
    pub height: i32,
    pub alt_text: String,
}

/// Photos of `post_ids` and which of them the viewer liked or saved, in one round trip: feeds call this
/// for every page, and each query costs a hand-off to the database.
pub async fn images_and_marks(
    c: Conn<'_>,
    viewer: i64,
    post_ids: &[i64],
) -> StoreResult<(Vec<ImageRecord>, Vec<(i64, bool)>)> {
    if post_ids.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    // `kind`: 0 an image row, 1 a like, 2 a save. The viewer is $1 (0 when anonymous matches nothing).
    let list = placeholders(2, post_ids.len());
    let sql = format!(
        "SELECT post_id, position, media_key, width, height, alt_text, 0 AS kind FROM post_images \
         WHERE post_id IN ({list}) \
         UNION ALL SELECT post_id, 0, '', 0, 0, '', 1 FROM likes WHERE user_id = $1 AND post_id IN ({list}) \
         UNION ALL SELECT post_id, 0, '', 0, 0, '', 2 FROM saves WHERE user_id = $1 AND post_id IN ({list}) \
         ORDER BY 7, 1, 2"
    );
    let rows: Vec<(i64, i32, String, i32, i32, String, i32)> = on_conn!(c, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(viewer);
        for id in post_ids {
            q = q.bind(*id);
        }
        q.fetch_all(&mut *c).await
    })?;
    let mut images = Vec::new();
    let mut marks = Vec::new();
    for r in rows {
        match r.6 {
            0 => images.push(ImageRecord {
                post_id: r.0,
                position: r.1,
                media_key: r.2,
                width: r.3,
                height: r.4,
                alt_text: r.5,
            }),
            kind => marks.push((r.0, kind == 1)),
        }
    }
    Ok((images, marks))
}

pub struct NewPost<'a> {
    pub author_id: i64,
    pub caption: &'a str,
    pub location: &'a str,
    pub repost_of: Option<i64>,
    pub now: Timestamp,
}

pub async fn insert(c: Conn<'_>, p: &NewPost<'_>) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO posts (author_id, caption, location, repost_of, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id";
    let id: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(p.author_id).bind(p.caption).bind(p.location)
        .bind(p.repost_of).bind(p.now.as_micros()).fetch_one(&mut *c).await)?;
    Ok(id)
}

pub async fn insert_image(c: Conn<'_>, img: &ImageRecord) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO post_images (post_id, position, media_key, width, height, alt_text) VALUES ($1, $2, $3, $4, $5, $6)";
    on_conn!(c, c => sqlx::query(SQL).bind(img.post_id).bind(img.position).bind(&img.media_key).bind(img.width)
        .bind(img.height).bind(&img.alt_text).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn set_caption(c: Conn<'_>, id: i64, caption: &str, now: Timestamp) -> StoreResult<()> {
    on_conn!(c, c => sqlx::query("UPDATE posts SET caption = $2, updated_at = $3 WHERE id = $1")
        .bind(id).bind(caption).bind(now.as_micros()).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn delete(c: Conn<'_>, id: i64) -> StoreResult<bool> {
    let n = on_conn!(c, c => sqlx::query("DELETE FROM posts WHERE id = $1").bind(id)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Media keys of a post's images (to delete the files after the rows).
pub async fn media_keys(c: Conn<'_>, post_id: i64) -> StoreResult<Vec<String>> {
    let keys: Vec<String> = on_conn!(c, c => sqlx::query_scalar("SELECT media_key FROM post_images WHERE post_id = $1")
        .bind(post_id).fetch_all(&mut *c).await)?;
    Ok(keys)
}

/// Shares of a post as (share id, sharer), regardless of visibility; they go when the post is deleted.
pub async fn shares_of(c: Conn<'_>, post_id: i64) -> StoreResult<Vec<(i64, i64)>> {
    let rows: Vec<(i64, i64)> = on_conn!(c, c => sqlx::query_as("SELECT id, author_id FROM posts WHERE repost_of = $1")
        .bind(post_id).fetch_all(&mut *c).await)?;
    Ok(rows)
}

/// The raw author and repost link of a post regardless of visibility (for authorisation decisions).
pub async fn owner(c: Conn<'_>, id: i64) -> StoreResult<Option<(i64, Option<i64>)>> {
    let row: Option<(i64, Option<i64>)> = on_conn!(c, c => sqlx::query_as("SELECT author_id, repost_of FROM posts WHERE id = $1")
        .bind(id).fetch_optional(&mut *c).await)?;
    Ok(row)
}

#[derive(Debug, Clone, Copy)]
pub enum Counter {
    Likes,
    Comments,
    Shares,
    Saves,
}

pub async fn adjust_counter(
    c: Conn<'_>,
    post_id: i64,
    counter: Counter,
    delta: i64,
) -> StoreResult<()> {
    let sql = match counter {
        Counter::Likes => "UPDATE posts SET like_count = like_count + $2 WHERE id = $1",
        Counter::Comments => "UPDATE posts SET comment_count = comment_count + $2 WHERE id = $1",
        Counter::Shares => "UPDATE posts SET share_count = share_count + $2 WHERE id = $1",
        Counter::Saves => "UPDATE posts SET save_count = save_count + $2 WHERE id = $1",
    };
    on_conn!(c, c => sqlx::query(sql).bind(post_id).bind(delta).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn adjust_posts_count(c: Conn<'_>, user_id: i64, delta: i64) -> StoreResult<()> {
    on_conn!(c, c => sqlx::query("UPDATE users SET posts_count = posts_count + $2 WHERE id = $1")
        .bind(user_id).bind(delta).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Inserts a like or save row; false when it already existed, so counters move only on real changes.
pub async fn insert_mark(
    c: Conn<'_>,
    like: bool,
    post_id: i64,
    user_id: i64,
    now: Timestamp,
) -> StoreResult<bool> {
    let sql = if like {
        "INSERT INTO likes (post_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
    } else {
        "INSERT INTO saves (post_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
    };
    let n = on_conn!(c, c => sqlx::query(sql).bind(post_id).bind(user_id).bind(now.as_micros())
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn delete_mark(c: Conn<'_>, like: bool, post_id: i64, user_id: i64) -> StoreResult<bool> {
    let sql = if like {
        "DELETE FROM likes WHERE post_id = $1 AND user_id = $2"
    } else {
        "DELETE FROM saves WHERE post_id = $1 AND user_id = $2"
    };
    let n = on_conn!(c, c => sqlx::query(sql).bind(post_id).bind(user_id)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Hashtag id for a key, creating the tag on first use.
pub async fn upsert_hashtag(c: Conn<'_>, display: &str, key: &str) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO hashtags (tag, tag_key) VALUES ($1, $2) \
         ON CONFLICT (tag_key) DO UPDATE SET tag_key = EXCLUDED.tag_key RETURNING id";
    let id: i64 =
        on_conn!(c, c => sqlx::query_scalar(SQL).bind(display).bind(key).fetch_one(&mut *c).await)?;
    Ok(id)
}

pub async fn link_hashtag(c: Conn<'_>, tag_id: i64, post_id: i64) -> StoreResult<()> {
    on_conn!(c, c => sqlx::query("INSERT INTO post_hashtags (hashtag_id, post_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(tag_id).bind(post_id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Removes a post's hashtag links and returns the tag ids that were linked.
pub async fn unlink_hashtags(c: Conn<'_>, post_id: i64) -> StoreResult<Vec<i64>> {
    let ids: Vec<i64> = on_conn!(c, c => sqlx::query_scalar("DELETE FROM post_hashtags WHERE post_id = $1 RETURNING hashtag_id")
        .bind(post_id).fetch_all(&mut *c).await)?;
    Ok(ids)
}

pub async fn adjust_hashtag_count(c: Conn<'_>, tag_id: i64, delta: i64) -> StoreResult<()> {
    on_conn!(c, c => sqlx::query("UPDATE hashtags SET post_count = post_count + $2 WHERE id = $1")
        .bind(tag_id).bind(delta).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// A hashtag's display form and post count.
pub async fn hashtag(c: Conn<'_>, key: &str) -> StoreResult<Option<(String, i64)>> {
    let row: Option<(String, i64)> = on_conn!(c, c => sqlx::query_as("SELECT tag, post_count FROM hashtags WHERE tag_key = $1")
        .bind(key).fetch_optional(&mut *c).await)?;
    Ok(row)
}

/// Most used hashtags, for Discover's trending strip.
pub async fn trending_hashtags(c: Conn<'_>, limit: i64) -> StoreResult<Vec<(String, String, i64)>> {
    let rows: Vec<(String, String, i64)> = on_conn!(c, c => sqlx::query_as(
        "SELECT tag, tag_key, post_count FROM hashtags WHERE post_count > 0 ORDER BY post_count DESC, id DESC LIMIT $1")
        .bind(limit).fetch_all(&mut *c).await)?;
    Ok(rows)
}
