//! Product tags on post images and the per-shop allow-list of creators who may tag a shop's products.
//! Reads join the product and shop and keep only active products, so archiving a product makes its tags
//! disappear from posts without touching the posts (deleting it removes the rows by cascade).

use crate::placeholders;
use crate::{Conn, StoreResult, on_conn};
use souk_domain::{Currency, Money, Timestamp};

/// A tag as shown on a post: where it sits and what it points at.
#[derive(Debug, Clone)]
pub struct TagRecord {
    pub id: i64,
    pub post_id: i64,
    pub image_position: i32,
    pub x_bp: i32,
    pub y_bp: i32,
    pub product_id: i64,
    pub variant_id: Option<i64>,
    pub shop_id: i64,
    pub shop_handle: String,
    pub shop_name: String,
    pub title: String,
    /// The variant's price when the tag names one with its own price, else the product's.
    pub price_minor: i64,
    pub currency: String,
    /// The product's first image, for thumbnails.
    pub image_key: Option<String>,
    /// Who placed the tag (the author, or staff of a shop featuring the post).
    pub placed_by: Option<i64>,
}

/// An amount as stored (minor units and an ISO 4217 code); `None` only if the code is not one Souk
/// prices in, which validation keeps out of the products table.
fn money(minor: i64, currency: &str) -> Option<Money> {
    Currency::parse(currency).ok().map(|c| Money::new(minor, c))
}

impl TagRecord {
    /// The tagged variant's price, or the product's.
    pub fn price(&self) -> Option<Money> {
        money(self.price_minor, &self.currency)
    }
}

type Row = (
    i64,
    i64,
    i32,
    i32,
    i32,
    i64,
    Option<i64>,
    i64,
    String,
    String,
    String,
    i64,
    String,
    Option<String>,
    Option<i64>,
);

const SELECT: &str = "SELECT t.id, t.post_id, t.image_position, t.x_bp, t.y_bp, t.product_id, t.variant_id, \
     t.shop_id, s.handle, s.name, p.title, COALESCE(v.price_minor, p.price_minor), p.currency, \
     (SELECT i.media_key FROM product_images i WHERE i.product_id = p.id ORDER BY i.position LIMIT 1), \
     t.placed_by FROM post_tags t JOIN products p ON p.id = t.product_id JOIN shops s ON s.id = t.shop_id \
     LEFT JOIN variants v ON v.id = t.variant_id";

fn from_row(r: Row) -> TagRecord {
    TagRecord {
        id: r.0,
        post_id: r.1,
        image_position: r.2,
        x_bp: r.3,
        y_bp: r.4,
        product_id: r.5,
        variant_id: r.6,
        shop_id: r.7,
        shop_handle: r.8,
        shop_name: r.9,
        title: r.10,
        price_minor: r.11,
        currency: r.12,
        image_key: r.13,
        placed_by: r.14,
    }
}

/// Visible tags (active products) of the given posts, in post, image and id order.
pub async fn for_posts(c: Conn<'_>, post_ids: &[i64]) -> StoreResult<Vec<TagRecord>> {
    if post_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{SELECT} WHERE t.post_id IN ({}) AND p.status = 'active' ORDER BY t.post_id, t.image_position, t.id",
        placeholders(1, post_ids.len())
    );
    let rows: Vec<Row> = on_conn!(c, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for id in post_ids {
            q = q.bind(*id);
        }
        q.fetch_all(&mut *c).await
    })?;
    Ok(rows.into_iter().map(from_row).collect())
}

/// One visible tag.
pub async fn by_id(c: Conn<'_>, id: i64) -> StoreResult<Option<TagRecord>> {
    let sql = format!("{SELECT} WHERE t.id = $1 AND p.status = 'active'");
    let row: Option<Row> = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *c).await)?;
    Ok(row.map(from_row))
}

/// How many tags a post has on each image, including tags of archived products (they come back when the
/// product is reactivated, so they still count against the limits).
pub async fn counts(c: Conn<'_>, post_id: i64) -> StoreResult<Vec<(i32, i64)>> {
    const SQL: &str =
        "SELECT image_position, COUNT(*) FROM post_tags WHERE post_id = $1 GROUP BY image_position";
    Ok(on_conn!(c, c => sqlx::query_as(SQL).bind(post_id).fetch_all(&mut *c).await)?)
}

pub struct NewTag {
    pub post_id: i64,
    pub image_position: i32,
    pub x_bp: i32,
    pub y_bp: i32,
    pub product_id: i64,
    pub variant_id: Option<i64>,
    pub shop_id: i64,
    pub placed_by: i64,
    pub now: Timestamp,
}

pub async fn insert(c: Conn<'_>, t: &NewTag) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO post_tags (post_id, image_position, x_bp, y_bp, product_id, variant_id, shop_id, placed_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";
    Ok(
        on_conn!(c, c => sqlx::query_scalar(SQL).bind(t.post_id).bind(t.image_position).bind(t.x_bp).bind(t.y_bp)
        .bind(t.product_id).bind(t.variant_id).bind(t.shop_id).bind(t.placed_by).bind(t.now.as_micros())
        .fetch_one(&mut *c).await)?,
    )
}

/// Removes one tag of a post; `shop_id` limits it to that shop's tags (a shop editing a featured post).
pub async fn delete(
    c: Conn<'_>,
    post_id: i64,
    tag_id: i64,
    shop_id: Option<i64>,
) -> StoreResult<bool> {
    // A shop removes only tags its staff placed, never the author's own tags of its products.
    const SQL: &str = "DELETE FROM post_tags WHERE id = $1 AND post_id = $2 AND ($3 IS NULL OR (shop_id = $3 \
         AND placed_by IS NOT NULL AND placed_by <> (SELECT author_id FROM posts WHERE id = $2)))";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(tag_id).bind(post_id).bind(shop_id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Removes the tags a shop's staff placed on someone's post (consent to feature it was withdrawn).
pub async fn delete_placed_by_others(
    c: Conn<'_>,
    post_id: i64,
    shop_id: i64,
    author_id: i64,
) -> StoreResult<u64> {
    const SQL: &str = "DELETE FROM post_tags WHERE post_id = $1 AND shop_id = $2 \
         AND placed_by IS NOT NULL AND placed_by <> $3";
    Ok(
        on_conn!(c, c => sqlx::query(SQL).bind(post_id).bind(shop_id).bind(author_id).execute(&mut *c).await.map(|r| r.rows_affected()))?,
    )
}

/// Removes every tag of a post (the author replacing the whole set).
pub async fn delete_all(c: Conn<'_>, post_id: i64) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM post_tags WHERE post_id = $1";
    on_conn!(c, c => sqlx::query(SQL).bind(post_id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Serialises tag writes on one post (both engines): concurrent adds then see each other's rows, so the
/// per-image and per-post limits hold.
pub async fn lock_post(c: Conn<'_>, post_id: i64) -> StoreResult<bool> {
    const SQL: &str = "UPDATE posts SET updated_at = updated_at WHERE id = $1";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(post_id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Posts showing a product ("As seen in"), newest first, ids below `before`; hidden posts and suspended
/// authors are left out, as are posts whose author and the viewer block each other.
pub async fn posts_for_product(
    c: Conn<'_>,
    viewer: i64,
    product_id: i64,
    before: i64,
    limit: i64,
) -> StoreResult<Vec<i64>> {
    const SQL: &str = "SELECT DISTINCT po.id FROM post_tags t JOIN posts po ON po.id = t.post_id \
         JOIN users u ON u.id = po.author_id \
         WHERE t.product_id = $2 AND po.id < $3 AND po.hidden_at IS NULL AND u.suspended_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = $1 AND b.blocked_id = po.author_id) \
             OR (b.blocker_id = po.author_id AND b.blocked_id = $1)) \
         ORDER BY po.id DESC LIMIT $4";
    Ok(
        on_conn!(c, c => sqlx::query_scalar(SQL).bind(viewer).bind(product_id).bind(before).bind(limit).fetch_all(&mut *c).await)?,
    )
}

/// Whether a creator is on a shop's allow-list.
pub async fn is_partner(c: Conn<'_>, shop_id: i64, user_id: i64) -> StoreResult<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM shop_tag_partners WHERE shop_id = $1 AND user_id = $2";
    let n: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(shop_id).bind(user_id).fetch_one(&mut *c).await)?;
    Ok(n > 0)
}

pub async fn add_partner(
    c: Conn<'_>,
    shop_id: i64,
    user_id: i64,
    now: Timestamp,
) -> StoreResult<bool> {
    const SQL: &str = "INSERT INTO shop_tag_partners (shop_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(shop_id).bind(user_id).bind(now.as_micros()).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

pub async fn remove_partner(c: Conn<'_>, shop_id: i64, user_id: i64) -> StoreResult<bool> {
    const SQL: &str = "DELETE FROM shop_tag_partners WHERE shop_id = $1 AND user_id = $2";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(shop_id).bind(user_id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// A shop's partners: (user id, username, display name, since).
pub async fn partners(c: Conn<'_>, shop_id: i64) -> StoreResult<Vec<(i64, String, String, i64)>> {
    const SQL: &str = "SELECT u.id, u.username, u.display_name, p.created_at FROM shop_tag_partners p \
         JOIN users u ON u.id = p.user_id WHERE p.shop_id = $1 ORDER BY p.created_at DESC";
    Ok(on_conn!(c, c => sqlx::query_as(SQL).bind(shop_id).fetch_all(&mut *c).await)?)
}

/// Whether the user has a delivered order line of the product.
pub async fn bought_and_delivered(c: Conn<'_>, user_id: i64, product_id: i64) -> StoreResult<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM order_lines l JOIN orders o ON o.id = l.order_id \
         WHERE o.buyer_id = $1 AND o.status = 'delivered' AND l.product_id = $2";
    let n: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(user_id).bind(product_id).fetch_one(&mut *c).await)?;
    Ok(n > 0)
}

/// Whether the shop features the post with the author's consent.
pub async fn featured_by(c: Conn<'_>, shop_id: i64, post_id: i64) -> StoreResult<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM ugc_features WHERE shop_id = $1 AND post_id = $2 AND status = 'approved'";
    let n: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(shop_id).bind(post_id).fetch_one(&mut *c).await)?;
    Ok(n > 0)
}

/// A product the user may pick when tagging: (product id, title, shop id, shop handle, shop name, price,
/// currency, why) where `why` is `shop` (staff), `partner` or `bought`.
#[derive(Debug, Clone)]
pub struct TaggableRecord {
    pub product_id: i64,
    pub title: String,
    pub shop_id: i64,
    pub shop_handle: String,
    pub shop_name: String,
    pub price_minor: i64,
    pub currency: String,
    pub reason: String,
}

impl TaggableRecord {
    pub fn price(&self) -> Option<Money> {
        money(self.price_minor, &self.currency)
    }
}

type TaggableRow = (i64, String, i64, String, String, i64, String, String);

/// Active products the user may tag, matched by `query` in the title (empty = all), newest first.
/// Partner shops count only for creator accounts; the caller passes `creator`.
pub async fn taggable(
    c: Conn<'_>,
    user_id: i64,
    creator: bool,
    query: &str,
    limit: i64,
) -> StoreResult<Vec<TaggableRecord>> {
    const SQL: &str = "SELECT p.id, p.title, s.id, s.handle, s.name, p.price_minor, p.currency, \
           CASE WHEN EXISTS (SELECT 1 FROM shop_staff st WHERE st.shop_id = s.id AND st.user_id = $1) THEN 'shop' \
                WHEN $2 AND EXISTS (SELECT 1 FROM shop_tag_partners tp WHERE tp.shop_id = s.id AND tp.user_id = $1) THEN 'partner' \
                ELSE 'bought' END \
         FROM products p JOIN shops s ON s.id = p.shop_id \
         WHERE p.status = 'active' AND LOWER(p.title) LIKE $3 AND ( \
           EXISTS (SELECT 1 FROM shop_staff st WHERE st.shop_id = s.id AND st.user_id = $1) \
           OR ($2 AND EXISTS (SELECT 1 FROM shop_tag_partners tp WHERE tp.shop_id = s.id AND tp.user_id = $1)) \
           OR EXISTS (SELECT 1 FROM order_lines l JOIN orders o ON o.id = l.order_id \
                      WHERE o.buyer_id = $1 AND o.status = 'delivered' AND l.product_id = p.id)) \
         ORDER BY p.id DESC LIMIT $4";
    let pattern = format!(
        "%{}%",
        query
            .trim()
            .to_lowercase()
            .replace('\\', "")
            .replace(['%', '_'], "")
    );
    let rows: Vec<TaggableRow> = on_conn!(c, c => sqlx::query_as(SQL)
        .bind(user_id).bind(creator).bind(pattern).bind(limit).fetch_all(&mut *c).await)?;
    Ok(rows
        .into_iter()
        .map(|r| TaggableRecord {
            product_id: r.0,
            title: r.1,
            shop_id: r.2,
            shop_handle: r.3,
            shop_name: r.4,
            price_minor: r.5,
            currency: r.6,
            reason: r.7,
        })
        .collect())
}

/// How many images a post has (tags point at one of them by position).
pub async fn image_count(c: Conn<'_>, post_id: i64) -> StoreResult<usize> {
    const SQL: &str = "SELECT COUNT(*) FROM post_images WHERE post_id = $1";
    let n: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(post_id).fetch_one(&mut *c).await)?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// The shops a user is owner or staff of.
pub async fn staff_shop_ids(c: Conn<'_>, user_id: i64) -> StoreResult<Vec<i64>> {
    const SQL: &str = "SELECT shop_id FROM shop_staff WHERE user_id = $1 ORDER BY shop_id";
    Ok(on_conn!(c, c => sqlx::query_scalar(SQL).bind(user_id).fetch_all(&mut *c).await)?)
}

/// Products an author's visible posts tag (still for sale), most recently tagged first.
pub async fn products_tagged_by(c: Conn<'_>, author_id: i64, limit: i64) -> StoreResult<Vec<i64>> {
    const SQL: &str = "SELECT t.product_id FROM post_tags t JOIN posts po ON po.id = t.post_id \
         JOIN products p ON p.id = t.product_id \
         WHERE po.author_id = $1 AND po.hidden_at IS NULL AND p.status = 'active' \
         GROUP BY t.product_id ORDER BY MAX(t.id) DESC LIMIT $2";
    Ok(
        on_conn!(c, c => sqlx::query_scalar(SQL).bind(author_id).bind(limit).fetch_all(&mut *c).await)?,
    )
}
