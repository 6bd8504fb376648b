//! Attribution: clicks on product tags (`tag_clicks`), the post each order is credited to
//! (`order_attributions` and the lines it counts), and the per-shop figures the merchant dashboard reads.
//!
//! Revenue is never stored as a running total: [`attributed_orders`] joins the orders so a cancellation or
//! refund made after the sale shows up the next time the dashboard is read.

use crate::{Conn, StoreResult, on_conn};

/// A tag with what a click on it needs to know: its post, the post's author and visibility, the product.
#[derive(Debug, Clone)]
pub struct TagTarget {
    pub tag_id: i64,
    pub post_id: i64,
    pub author_id: i64,
    pub post_hidden: bool,
    pub product_id: i64,
    pub variant_id: Option<i64>,
    pub shop_id: i64,
    pub product_status: String,
}

pub async fn tag_target(c: Conn<'_>, tag_id: i64) -> StoreResult<Option<TagTarget>> {
    const SQL: &str = "SELECT t.id, t.post_id, p.author_id, p.hidden_at, t.product_id, t.variant_id, t.shop_id, \
        pr.status FROM post_tags t JOIN posts p ON p.id = t.post_id JOIN products pr ON pr.id = t.product_id \
        WHERE t.id = $1";
    type Row = (i64, i64, i64, Option<i64>, i64, Option<i64>, i64, String);
    let row: Option<Row> =
        on_conn!(c, c => sqlx::query_as(SQL).bind(tag_id).fetch_optional(&mut *c).await)?;
    Ok(row.map(|r| TagTarget {
        tag_id: r.0,
        post_id: r.1,
        author_id: r.2,
        post_hidden: r.3.is_some(),
        product_id: r.4,
        variant_id: r.5,
        shop_id: r.6,
        product_status: r.7,
    }))
}

/// Whether this viewer (`clicker_key`) clicked the tag at or after `since`.
pub async fn clicked_since(
    c: Conn<'_>,
    tag_id: i64,
    clicker_key: &str,
    since: i64,
) -> StoreResult<bool> {
    const SQL: &str = "SELECT id FROM tag_clicks WHERE tag_id = $1 AND clicker_key = $2 AND clicked_at >= $3 \
        LIMIT 1";
    let row: Option<i64> = on_conn!(c, c => sqlx::query_scalar(SQL).bind(tag_id).bind(clicker_key)
        .bind(since).fetch_optional(&mut *c).await)?;
    Ok(row.is_some())
}

pub struct NewClick<'a> {
    pub target: &'a TagTarget,
    pub user_id: Option<i64>,
    pub guest_token: Option<&'a str>,
    pub clicker_key: &'a str,
    pub minute_bucket: i64,
    pub clicked_at: i64,
}

/// Records a click; `None` when the same viewer already has one for this tag in the same minute (a
/// concurrent duplicate lost the race on the unique key).
pub async fn insert_click(c: Conn<'_>, n: &NewClick<'_>) -> StoreResult<Option<i64>> {
    const SQL: &str = "INSERT INTO tag_clicks (tag_id, post_id, creator_id, product_id, variant_id, shop_id, \
        user_id, guest_token, clicker_key, minute_bucket, clicked_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
        ON CONFLICT (tag_id, clicker_key, minute_bucket) DO NOTHING RETURNING id";
    let t = n.target;
    let id: Option<i64> = on_conn!(c, c => sqlx::query_scalar(SQL).bind(t.tag_id).bind(t.post_id)
        .bind(t.author_id).bind(t.product_id).bind(t.variant_id).bind(t.shop_id).bind(n.user_id)
        .bind(n.guest_token).bind(n.clicker_key).bind(n.minute_bucket).bind(n.clicked_at)
        .fetch_optional(&mut *c).await)?;
    Ok(id)
}

/// Gives a guest's unclaimed clicks since `since` to the account that just logged in on that browser,
/// except clicks on the account's own posts. Returns how many were claimed.
pub async fn claim_guest(
    c: Conn<'_>,
    guest_token: &str,
    user_id: i64,
    since: i64,
) -> StoreResult<u64> {
    const SQL: &str = "UPDATE tag_clicks SET user_id = $1 WHERE guest_token = $2 AND user_id IS NULL \
        AND creator_id <> $1 AND clicked_at >= $3";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(user_id).bind(guest_token).bind(since)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n)
}

/// One of a buyer's clicks, as attribution at order time weighs it.
#[derive(Debug, Clone)]
pub struct BuyerClick {
    pub id: i64,
    pub tag_id: i64,
    pub post_id: i64,
    pub creator_id: i64,
    pub product_id: i64,
    pub clicked_at: i64,
}

/// The buyer's clicks on a shop's tags in `[since, until]`, newest first, never on their own posts.
pub async fn buyer_clicks(
    c: Conn<'_>,
    user_id: i64,
    shop_id: i64,
    since: i64,
    until: i64,
) -> StoreResult<Vec<BuyerClick>> {
    const SQL: &str = "SELECT id, tag_id, post_id, creator_id, product_id, clicked_at FROM tag_clicks \
        WHERE user_id = $1 AND shop_id = $2 AND clicked_at >= $3 AND clicked_at <= $4 AND creator_id <> $1 \
        ORDER BY clicked_at DESC, id DESC";
    type Row = (i64, i64, i64, i64, i64, i64);
    let rows: Vec<Row> = on_conn!(c, c => sqlx::query_as(SQL).bind(user_id).bind(shop_id).bind(since)
        .bind(until).fetch_all(&mut *c).await)?;
    Ok(rows
        .into_iter()
        .map(|r| BuyerClick {
            id: r.0,
            tag_id: r.1,
            post_id: r.2,
            creator_id: r.3,
            product_id: r.4,
            clicked_at: r.5,
        })
        .collect())
}

/// The parts of a freshly placed order attribution looks at.
#[derive(Debug, Clone)]
pub struct OrderForAttribution {
    pub shop_id: i64,
    pub buyer_id: i64,
    pub currency: String,
    /// (order line id, product id, line amount = unit price × quantity)
    pub lines: Vec<(i64, Option<i64>, i64)>,
}

pub async fn order_for_attribution(
    c: Conn<'_>,
    order_id: i64,
) -> StoreResult<Option<OrderForAttribution>> {
    const ORDER: &str = "SELECT shop_id, buyer_id, currency FROM orders WHERE id = $1";
    const LINES: &str = "SELECT id, product_id, unit_price_minor * quantity FROM order_lines \
        WHERE order_id = $1 ORDER BY id";
    let mut c = c;
    let order: Option<(i64, i64, String)> = on_conn!(&mut c, c => sqlx::query_as(ORDER).bind(order_id)
        .fetch_optional(&mut **c).await)?;
    let Some((shop_id, buyer_id, currency)) = order else {
        return Ok(None);
    };
    let lines: Vec<(i64, Option<i64>, i64)> = on_conn!(&mut c, c => sqlx::query_as(LINES).bind(order_id)
        .fetch_all(&mut **c).await)?;
    Ok(Some(OrderForAttribution {
        shop_id,
        buyer_id,
        currency,
        lines,
    }))
}

pub struct NewAttribution<'a> {
    pub order_id: i64,
    pub click: &'a BuyerClick,
    pub shop_id: i64,
    pub attributed_minor: i64,
    pub currency: &'a str,
    pub line_ids: &'a [i64],
    pub now: i64,
}

/// Writes an order's attribution and the lines it counts. A second attribution of the same order fails
/// with a unique violation on `order_id`.
pub async fn insert_attribution(c: Conn<'_>, a: &NewAttribution<'_>) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO order_attributions (order_id, click_id, tag_id, post_id, creator_id, shop_id, \
        attributed_minor, currency, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    const LINE: &str =
        "INSERT INTO order_attribution_lines (order_id, order_line_id) VALUES ($1, $2)";
    let mut c = c;
    let k = a.click;
    on_conn!(&mut c, c => sqlx::query(SQL).bind(a.order_id).bind(k.id).bind(k.tag_id).bind(k.post_id)
        .bind(k.creator_id).bind(a.shop_id).bind(a.attributed_minor).bind(a.currency).bind(a.now)
        .execute(&mut **c).await.map(|r| r.rows_affected()))?;
    for line in a.line_ids {
        on_conn!(&mut c, c => sqlx::query(LINE).bind(a.order_id).bind(*line)
            .execute(&mut **c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// An order's attribution as stored (for the order's own API and for tests of the hook).
#[derive(Debug, Clone)]
pub struct AttributionRecord {
    pub order_id: i64,
    pub click_id: Option<i64>,
    pub tag_id: i64,
    pub post_id: i64,
    pub creator_id: i64,
    pub shop_id: i64,
    pub attributed_minor: i64,
    pub currency: String,
    pub created_at: i64,
}

pub async fn attribution_of(c: Conn<'_>, order_id: i64) -> StoreResult<Option<AttributionRecord>> {
    const SQL: &str = "SELECT order_id, click_id, tag_id, post_id, creator_id, shop_id, attributed_minor, \
        currency, created_at FROM order_attributions WHERE order_id = $1";
    type Row = (i64, Option<i64>, i64, i64, i64, i64, i64, String, i64);
    let row: Option<Row> =
        on_conn!(c, c => sqlx::query_as(SQL).bind(order_id).fetch_optional(&mut *c).await)?;
    Ok(row.map(|r| AttributionRecord {
        order_id: r.0,
        click_id: r.1,
        tag_id: r.2,
        post_id: r.3,
        creator_id: r.4,
        shop_id: r.5,
        attributed_minor: r.6,
        currency: r.7,
        created_at: r.8,
    }))
}

/// Clicks on a shop's tags in `[since, until)`, per post: (post id, creator id, clicks).
pub async fn clicks_by_post(
    c: Conn<'_>,
    shop_id: i64,
    since: i64,
    until: i64,
) -> StoreResult<Vec<(i64, i64, i64)>> {
    const SQL: &str = "SELECT post_id, creator_id, COUNT(*) FROM tag_clicks \
        WHERE shop_id = $1 AND clicked_at >= $2 AND clicked_at < $3 GROUP BY post_id, creator_id";
    let rows: Vec<(i64, i64, i64)> = on_conn!(c, c => sqlx::query_as(SQL).bind(shop_id).bind(since)
        .bind(until).fetch_all(&mut *c).await)?;
    Ok(rows)
}

/// An attributed order that counts as a sale (paid, fulfilled or delivered) with what the shop kept.
#[derive(Debug, Clone)]
pub struct AttributedOrder {
    pub order_id: i64,
    pub post_id: i64,
    pub creator_id: i64,
    pub currency: String,
    pub attributed_minor: i64,
    /// The attributed lines' amounts less their refunded units.
    pub lines_kept_minor: i64,
    pub paid_minor: i64,
    pub refunded_minor: i64,
}

/// A shop's attributed sales placed in `[since, until)`. Orders still pending or requested, cancelled or
/// fully refunded are left out here, at read time.
pub async fn attributed_orders(
    c: Conn<'_>,
    shop_id: i64,
    since: i64,
    until: i64,
) -> StoreResult<Vec<AttributedOrder>> {
    const SQL: &str = "SELECT a.order_id, a.post_id, a.creator_id, a.currency, a.attributed_minor, \
        CAST(COALESCE((SELECT SUM(l.unit_price_minor * (l.quantity - l.refunded_quantity)) \
            FROM order_attribution_lines al JOIN order_lines l ON l.id = al.order_line_id \
            WHERE al.order_id = a.order_id), 0) AS BIGINT), o.paid_minor, o.refunded_minor \
        FROM order_attributions a JOIN orders o ON o.id = a.order_id \
        WHERE a.shop_id = $1 AND a.created_at >= $2 AND a.created_at < $3 \
        AND o.status IN ('paid', 'fulfilled', 'delivered') ORDER BY a.order_id";
    type Row = (i64, i64, i64, String, i64, i64, i64, i64);
    let rows: Vec<Row> = on_conn!(c, c => sqlx::query_as(SQL).bind(shop_id).bind(since).bind(until)
        .fetch_all(&mut *c).await)?;
    Ok(rows
        .into_iter()
        .map(|r| AttributedOrder {
            order_id: r.0,
            post_id: r.1,
            creator_id: r.2,
            currency: r.3,
            attributed_minor: r.4,
            lines_kept_minor: r.5,
            paid_minor: r.6,
            refunded_minor: r.7,
        })
        .collect())
}

/// What the dashboard shows of a post: author and first photo. Deleted posts are simply absent.
#[derive(Debug, Clone)]
pub struct PostInfo {
    pub post_id: i64,
    pub author_id: i64,
    pub caption: String,
    pub hidden: bool,
    pub media_key: Option<String>,
    pub width: Option<i32>,
}

fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn posts_info(c: Conn<'_>, post_ids: &[i64]) -> StoreResult<Vec<PostInfo>> {
    if post_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT p.id, p.author_id, p.caption, p.hidden_at, i.media_key, i.width FROM posts p \
         LEFT JOIN post_images i ON i.post_id = p.id AND i.position = 0 WHERE p.id IN ({})",
        placeholders(post_ids.len())
    );
    type Row = (i64, i64, String, Option<i64>, Option<String>, Option<i32>);
    let rows: Vec<Row> = on_conn!(c, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for id in post_ids {
            q = q.bind(*id);
        }
        q.fetch_all(&mut *c).await
    })?;
    Ok(rows
        .into_iter()
        .map(|r| PostInfo {
            post_id: r.0,
            author_id: r.1,
            caption: r.2,
            hidden: r.3.is_some(),
            media_key: r.4,
            width: r.5,
        })
        .collect())
}

/// (user id, username, display name) of the given accounts; deleted accounts are absent.
pub async fn users_info(c: Conn<'_>, ids: &[i64]) -> StoreResult<Vec<(i64, String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id, username, display_name FROM users WHERE id IN ({})",
        placeholders(ids.len())
    );
    let rows: Vec<(i64, String, String)> = on_conn!(c, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(&mut *c).await
    })?;
    Ok(rows)
}
