//! What the search indexer reads: searchable rows shaped as index documents, and the ids an outbox event
//! reaches beyond the rows it names (an author's posts, a post's hashtags, a shop's products).
//!
//! "Searchable" is decided here, once: active products; posts not hidden by moderation whose author is
//! not suspended (reposts only when they add a caption); accounts not suspended; hashtags in use.
//! Per-viewer rules (blocks, staff views) are applied when results are loaded, not in the index.

use crate::placeholders;
use crate::{Conn, StoreResult, on_conn};
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct ProductRow {
    pub id: i64,
    pub shop_id: i64,
    pub shop_handle: String,
    pub shop_name: String,
    pub title: String,
    pub description: String,
    pub brand: String,
    /// Comma-separated.
    pub tags: String,
    pub product_type: String,
    pub currency: String,
    /// The lowest variant price (what a card shows as "from").
    pub price_minor: i64,
    pub rating_count: i64,
    pub rating_sum: i64,
    /// At least one variant can be bought now.
    pub in_stock: bool,
}

#[derive(Debug, Clone)]
pub struct PostRow {
    pub id: i64,
    pub author_username: String,
    pub author_display_name: String,
    pub caption: String,
    pub engagement: i64,
    pub hashtags: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub followers: i64,
}

#[derive(Debug, Clone)]
pub struct HashtagRow {
    pub id: i64,
    pub tag: String,
    pub post_count: i64,
}

/// Which rows to read: a batch after an id (for rebuilds), or given ids.
#[derive(Debug, Clone, Copy)]
pub enum Select<'a> {
    After { id: i64, limit: i64 },
    Ids(&'a [i64]),
}

impl Select<'_> {
    /// The SQL condition on `{col}` with placeholders from `$1`, and its binds.
    fn condition(&self, col: &str) -> (String, Vec<i64>) {
        match self {
            Select::After { id, limit } => (
                format!("{col} > $1 ORDER BY {col} LIMIT $2"),
                vec![*id, *limit],
            ),
            Select::Ids(ids) => (
                format!("{col} IN ({}) ORDER BY {col}", placeholders(1, ids.len())),
                ids.to_vec(),
            ),
        }
    }

    fn is_empty(&self) -> bool {
        matches!(self, Select::Ids(ids) if ids.is_empty())
    }
}

const SEARCHABLE_PRODUCT: &str = "p.status = 'active'";
const SEARCHABLE_POST: &str = "p.hidden_at IS NULL AND u.suspended_at IS NULL \
    AND (p.repost_of IS NULL OR p.caption <> '')";
const SEARCHABLE_ACCOUNT: &str = "u.suspended_at IS NULL";
const SEARCHABLE_HASHTAG: &str = "h.post_count > 0";

pub async fn products(c: Conn<'_>, select: Select<'_>) -> StoreResult<Vec<ProductRow>> {
    if select.is_empty() {
        return Ok(Vec::new());
    }
    type Row = (
        i64,
        i64,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        i64,
        i64,
        i64,
        bool,
    );
    let (cond, binds) = select.condition("p.id");
    let sql = format!(
        "SELECT p.id, p.shop_id, s.handle, s.name, p.title, p.description, p.brand, p.tags, p.product_type, \
         p.currency, \
         COALESCE((SELECT MIN(COALESCE(v.price_minor, p.price_minor)) FROM variants v WHERE v.product_id = p.id), \
             p.price_minor), \
         COALESCE(r.rating_count, 0), COALESCE(r.rating_sum, 0), \
         EXISTS (SELECT 1 FROM variants v WHERE v.product_id = p.id \
             AND v.availability IN ('in_stock', 'preorder', 'backorder') \
             AND (NOT v.track_inventory OR v.stock > 0)) \
         FROM products p JOIN shops s ON s.id = p.shop_id \
         LEFT JOIN product_ratings r ON r.product_id = p.id \
         WHERE {SEARCHABLE_PRODUCT} AND {cond}"
    );
    let rows: Vec<Row> = on_conn!(c, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for b in &binds {
            q = q.bind(*b);
        }
        q.fetch_all(&mut *c).await
    })?;
    Ok(rows
        .into_iter()
        .map(|r| ProductRow {
            id: r.0,
            shop_id: r.1,
            shop_handle: r.2,
            shop_name: r.3,
            title: r.4,
            description: r.5,
            brand: r.6,
            tags: r.7,
            product_type: r.8,
            currency: r.9,
            price_minor: r.10,
            rating_count: r.11,
            rating_sum: r.12,
            in_stock: r.13,
        })
        .collect())
}

pub async fn posts(c: Conn<'_>, select: Select<'_>) -> StoreResult<Vec<PostRow>> {
    if select.is_empty() {
        return Ok(Vec::new());
    }
    let mut c = c;
    let (cond, binds) = select.condition("p.id");
    let sql = format!(
        "SELECT p.id, u.username, u.display_name, p.caption, p.like_count + p.comment_count \
         FROM posts p JOIN users u ON u.id = p.author_id WHERE {SEARCHABLE_POST} AND {cond}"
    );
    let rows: Vec<(i64, String, String, String, i64)> = on_conn!(&mut c, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for b in &binds {
            q = q.bind(*b);
        }
        q.fetch_all(&mut **c).await
    })?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
    if !ids.is_empty() {
        let sql = format!(
            "SELECT ph.post_id, h.tag FROM post_hashtags ph JOIN hashtags h ON h.id = ph.hashtag_id \
             WHERE ph.post_id IN ({}) ORDER BY ph.post_id, h.id",
            placeholders(1, ids.len())
        );
        let pairs: Vec<(i64, String)> = on_conn!(c, c => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
            for id in &ids {
                q = q.bind(*id);
            }
            q.fetch_all(&mut *c).await
        })?;
        for (post, tag) in pairs {
            tags.entry(post).or_default().push(tag);
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| PostRow {
            hashtags: tags.remove(&r.0).unwrap_or_default(),
            id: r.0,
            author_username: r.1,
            author_display_name: r.2,
            caption: r.3,
            engagement: r.4,
        })
        .collect())
}

pub async fn accounts(c: Conn<'_>, select: Select<'_>) -> StoreResult<Vec<AccountRow>> {
    if select.is_empty() {
        return Ok(Vec::new());
    }
    let (cond, binds) = select.condition("u.id");
    let sql = format!(
        "SELECT u.id, u.username, u.display_name, u.followers_count FROM users u \
         WHERE {SEARCHABLE_ACCOUNT} AND {cond}"
    );
    let rows: Vec<(i64, String, String, i64)> = on_conn!(c, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for b in &binds {
            q = q.bind(*b);
        }
        q.fetch_all(&mut *c).await
    })?;
    Ok(rows
        .into_iter()
        .map(|r| AccountRow {
            id: r.0,
            username: r.1,
            display_name: r.2,
            followers: r.3,
        })
        .collect())
}

pub async fn hashtags(c: Conn<'_>, select: Select<'_>) -> StoreResult<Vec<HashtagRow>> {
    if select.is_empty() {
        return Ok(Vec::new());
    }
    let (cond, binds) = select.condition("h.id");
    let sql = format!(
        "SELECT h.id, h.tag, h.post_count FROM hashtags h WHERE {SEARCHABLE_HASHTAG} AND {cond}"
    );
    let rows: Vec<(i64, String, i64)> = on_conn!(c, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for b in &binds {
            q = q.bind(*b);
        }
        q.fetch_all(&mut *c).await
    })?;
    Ok(rows
        .into_iter()
        .map(|r| HashtagRow {
            id: r.0,
            tag: r.1,
            post_count: r.2,
        })
        .collect())
}

/// Ids from `sql`, whose placeholders `$1..` take `ids` in turn.
async fn id_list(c: Conn<'_>, sql: String, ids: &[i64]) -> StoreResult<Vec<i64>> {
    let found: Vec<i64> = on_conn!(c, c => {
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql));
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(&mut *c).await
    })?;
    Ok(found)
}

/// Posts written by any of `user_ids`: a suspension or a new display name changes how they are indexed.
pub async fn post_ids_by_authors(c: Conn<'_>, user_ids: &[i64]) -> StoreResult<Vec<i64>> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id FROM posts WHERE author_id IN ({}) ORDER BY id",
        placeholders(1, user_ids.len())
    );
    id_list(c, sql, user_ids).await
}

/// Hashtags linked to any of `post_ids` now (a new or edited post moved their counts).
pub async fn hashtag_ids_of_posts(c: Conn<'_>, post_ids: &[i64]) -> StoreResult<Vec<i64>> {
    if post_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT DISTINCT hashtag_id FROM post_hashtags WHERE post_id IN ({}) ORDER BY hashtag_id",
        placeholders(1, post_ids.len())
    );
    id_list(c, sql, post_ids).await
}

/// Products of any of `shop_ids`: their documents carry the shop's handle and name.
pub async fn product_ids_of_shops(c: Conn<'_>, shop_ids: &[i64]) -> StoreResult<Vec<i64>> {
    if shop_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id FROM products WHERE shop_id IN ({}) ORDER BY id",
        placeholders(1, shop_ids.len())
    );
    id_list(c, sql, shop_ids).await
}

/// An account as a search result row.
#[derive(Debug, Clone)]
pub struct AccountCard {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub kind: String,
    pub bio: String,
    pub avatar_key: Option<String>,
    pub followers: i64,
}

/// Searchable accounts among `ids` that `viewer` (0 when anonymous) may see: no block either way.
pub async fn account_cards(c: Conn<'_>, viewer: i64, ids: &[i64]) -> StoreResult<Vec<AccountCard>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT u.id, u.username, u.display_name, u.kind, u.bio, u.avatar_key, u.followers_count FROM users u \
         WHERE {SEARCHABLE_ACCOUNT} AND u.id IN ({}) AND NOT EXISTS (SELECT 1 FROM blocks b \
         WHERE (b.blocker_id = u.id AND b.blocked_id = $1) OR (b.blocker_id = $1 AND b.blocked_id = u.id))",
        placeholders(2, ids.len())
    );
    type Row = (i64, String, String, String, String, Option<String>, i64);
    let rows: Vec<Row> = on_conn!(c, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(viewer);
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(&mut *c).await
    })?;
    Ok(rows
        .into_iter()
        .map(|r| AccountCard {
            id: r.0,
            username: r.1,
            display_name: r.2,
            kind: r.3,
            bio: r.4,
            avatar_key: r.5,
            followers: r.6,
        })
        .collect())
}
