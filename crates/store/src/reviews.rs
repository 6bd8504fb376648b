//! Product reviews: the reviews themselves, their photos, the merchant's reply, helpful votes, reports
//! with their decisions, the moderation audit log, and the per-product rating aggregates.
//!
//! Aggregates (`product_ratings`) count visible reviews only and are changed with relative increments
//! (`x = x + $n`) inside the caller's transaction, so concurrent reviews never lose each other's counts.
//! Changes to an existing review first take its row lock with [`lock`], so the rating and status the
//! caller adjusts the aggregates by are the ones it then overwrites.

use crate::placeholders;
use crate::{Conn, StoreResult, on_conn};
use std::collections::HashMap;

/// Exact rating aggregate of a product's visible reviews.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RatingSummary {
    pub count: i64,
    pub sum: i64,
    /// Reviews per star, index 0 = one star.
    pub stars: [i64; 5],
}

impl RatingSummary {
    /// Mean rating, 0 when there are no reviews.
    pub fn average(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum as f64 / self.count as f64
        }
    }
}

#[derive(Debug, Clone)]
pub struct ReviewRecord {
    pub id: i64,
    pub order_line_id: i64,
    pub product_id: i64,
    pub product_title: String,
    pub variant_id: Option<i64>,
    pub shop_id: i64,
    pub shop_handle: String,
    pub shop_name: String,
    pub author_id: i64,
    pub author_username: String,
    pub author_display_name: String,
    pub rating: i32,
    pub title: String,
    pub body: String,
    pub fit_note: String,
    pub variant_title: String,
    pub status: String,
    pub hidden_reason: Option<String>,
    pub photo_count: i32,
    pub helpful_count: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub reply_body: Option<String>,
    pub reply_at: Option<i64>,
}

const REVIEW_SELECT: &str = "SELECT r.id, r.order_line_id, r.product_id, p.title, r.variant_id, r.shop_id, s.handle, \
    s.name, r.author_id, u.username, u.display_name, r.rating, r.title, r.body, r.fit_note, r.variant_title, r.status, \
    r.hidden_reason, r.photo_count, r.helpful_count, r.created_at, r.updated_at, rp.body, rp.created_at \
    FROM reviews r JOIN products p ON p.id = r.product_id JOIN shops s ON s.id = r.shop_id \
    JOIN users u ON u.id = r.author_id LEFT JOIN review_replies rp ON rp.review_id = r.id";

macro_rules! review_from_row {
    ($r:expr) => {
        ReviewRecord {
            id: $r.try_get(0)?,
            order_line_id: $r.try_get(1)?,
            product_id: $r.try_get(2)?,
            product_title: $r.try_get(3)?,
            variant_id: $r.try_get(4)?,
            shop_id: $r.try_get(5)?,
            shop_handle: $r.try_get(6)?,
            shop_name: $r.try_get(7)?,
            author_id: $r.try_get(8)?,
            author_username: $r.try_get(9)?,
            author_display_name: $r.try_get(10)?,
            rating: $r.try_get(11)?,
            title: $r.try_get(12)?,
            body: $r.try_get(13)?,
            fit_note: $r.try_get(14)?,
            variant_title: $r.try_get(15)?,
            status: $r.try_get(16)?,
            hidden_reason: $r.try_get(17)?,
            photo_count: $r.try_get(18)?,
            helpful_count: $r.try_get(19)?,
            created_at: $r.try_get(20)?,
            updated_at: $r.try_get(21)?,
            reply_body: $r.try_get(22)?,
            reply_at: $r.try_get(23)?,
        }
    };
}

/// Runs a review SELECT with integer binds and maps every row.
async fn fetch_reviews(c: Conn<'_>, sql: String, binds: &[i64]) -> StoreResult<Vec<ReviewRecord>> {
    use sqlx::Row;
    let rows = on_conn!(c, c => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in binds {
            q = q.bind(*b);
        }
        let rows = q.fetch_all(&mut *c).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(review_from_row!(r));
        }
        Ok::<_, sqlx::Error>(out)
    })?;
    Ok(rows)
}

pub async fn get(c: Conn<'_>, id: i64) -> StoreResult<Option<ReviewRecord>> {
    let sql = format!("{REVIEW_SELECT} WHERE r.id = $1");
    Ok(fetch_reviews(c, sql, &[id]).await?.into_iter().next())
}

/// Order of a product's review list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Newest,
    Helpful,
}

/// Which reviews of a product to list. Hidden reviews are included only for their author (`viewer_id`).
#[derive(Debug, Clone)]
pub struct ListFilter {
    pub product_id: i64,
    pub viewer_id: i64,
    /// 1–5, or 0 for every rating.
    pub stars: i64,
    pub with_photos: bool,
    pub sort: Sort,
    /// Keyset position: reviews strictly after (helpful_count, id) in the sort order. For `Newest` only the
    /// id is used.
    pub after: Option<(i64, i64)>,
    pub limit: i64,
}

pub async fn list(c: Conn<'_>, f: &ListFilter) -> StoreResult<Vec<ReviewRecord>> {
    let mut sql = format!(
        "{REVIEW_SELECT} WHERE r.product_id = $1 AND (r.status = 'visible' OR r.author_id = $2) \
         AND ($3 = 0 OR r.rating = $3) AND ($4 = 0 OR r.photo_count > 0)"
    );
    let (h, id) = f.after.unwrap_or((i64::MAX, i64::MAX));
    match f.sort {
        Sort::Newest => sql.push_str(" AND r.id < $6 ORDER BY r.id DESC LIMIT $7"),
        Sort::Helpful => sql.push_str(
            " AND (r.helpful_count < $5 OR (r.helpful_count = $5 AND r.id < $6)) \
             ORDER BY r.helpful_count DESC, r.id DESC LIMIT $7",
        ),
    }
    let binds = [
        f.product_id,
        f.viewer_id,
        f.stars,
        i64::from(f.with_photos),
        h,
        id,
        f.limit,
    ];
    // `$5` is unused by the newest-first query; PostgreSQL refuses a parameter whose type it cannot
    // infer, so it is mentioned in a condition that is always true.
    if f.sort == Sort::Newest {
        sql = sql.replacen(
            "WHERE r.product_id = $1",
            "WHERE $5 = $5 AND r.product_id = $1",
            1,
        );
    }
    fetch_reviews(c, sql, &binds).await
}

/// A shop's reviews in every status, newest first, ids below `before_id`.
pub async fn list_for_shop(
    c: Conn<'_>,
    shop_id: i64,
    before_id: i64,
    limit: i64,
) -> StoreResult<Vec<ReviewRecord>> {
    let sql =
        format!("{REVIEW_SELECT} WHERE r.shop_id = $1 AND r.id < $2 ORDER BY r.id DESC LIMIT $3");
    fetch_reviews(c, sql, &[shop_id, before_id, limit]).await
}

/// The reviews written by one account, newest first.
pub async fn list_for_author(
    c: Conn<'_>,
    author_id: i64,
    limit: i64,
) -> StoreResult<Vec<ReviewRecord>> {
    let sql = format!("{REVIEW_SELECT} WHERE r.author_id = $1 ORDER BY r.id DESC LIMIT $2");
    fetch_reviews(c, sql, &[author_id, limit]).await
}

/// An order line a buyer received, and their review of it if any.
#[derive(Debug, Clone)]
pub struct DeliveredLine {
    pub line_id: i64,
    pub order_id: i64,
    pub shop_id: i64,
    pub product_id: i64,
    pub variant_id: Option<i64>,
    pub title: String,
    pub variant_title: String,
    pub review_id: Option<i64>,
}

/// The buyer's lines on delivered orders (of one product when `product_id` is non-zero, of one order when
/// `order_id` is non-zero), oldest first.
pub async fn delivered_lines(
    c: Conn<'_>,
    buyer_id: i64,
    product_id: i64,
    order_id: i64,
) -> StoreResult<Vec<DeliveredLine>> {
    const SQL: &str = "SELECT l.id, o.id, o.shop_id, l.product_id, l.variant_id, l.title, l.variant_title, rv.id \
        FROM order_lines l JOIN orders o ON o.id = l.order_id LEFT JOIN reviews rv ON rv.order_line_id = l.id \
        WHERE o.buyer_id = $1 AND o.status = 'delivered' AND l.product_id IS NOT NULL \
        AND ($2 = 0 OR l.product_id = $2) AND ($3 = 0 OR o.id = $3) ORDER BY l.id";
    type Row = (i64, i64, i64, i64, Option<i64>, String, String, Option<i64>);
    let rows: Vec<Row> = on_conn!(c, c => sqlx::query_as(SQL).bind(buyer_id).bind(product_id).bind(order_id)
        .fetch_all(&mut *c).await)?;
    Ok(rows
        .into_iter()
        .map(|r| DeliveredLine {
            line_id: r.0,
            order_id: r.1,
            shop_id: r.2,
            product_id: r.3,
            variant_id: r.4,
            title: r.5,
            variant_title: r.6,
            review_id: r.7,
        })
        .collect())
}

pub struct NewReview<'a> {
    pub order_line_id: i64,
    pub product_id: i64,
    pub variant_id: Option<i64>,
    pub shop_id: i64,
    pub author_id: i64,
    pub rating: i64,
    pub title: &'a str,
    pub body: &'a str,
    pub fit_note: &'a str,
    pub variant_title: &'a str,
    pub photo_count: i64,
    pub now: i64,
}

/// Writes a visible review. A second review of the same order line fails with a unique violation on
/// `order_line`.
pub async fn insert(c: Conn<'_>, r: &NewReview<'_>) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO reviews (order_line_id, product_id, variant_id, shop_id, author_id, rating, title, \
        body, fit_note, variant_title, photo_count, created_at, updated_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id";
    let id: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(r.order_line_id).bind(r.product_id)
        .bind(r.variant_id).bind(r.shop_id).bind(r.author_id).bind(r.rating as i32).bind(r.title).bind(r.body)
        .bind(r.fit_note).bind(r.variant_title).bind(r.photo_count as i32).bind(r.now)
        .fetch_one(&mut *c).await)?;
    Ok(id)
}

#[derive(Debug, Clone)]
pub struct PhotoRecord {
    pub review_id: i64,
    pub position: i32,
    pub media_key: String,
    pub width: i32,
    pub height: i32,
    pub alt_text: String,
}

pub async fn insert_photo(c: Conn<'_>, p: &PhotoRecord) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO review_photos (review_id, position, media_key, width, height, alt_text) \
        VALUES ($1, $2, $3, $4, $5, $6)";
    on_conn!(c, c => sqlx::query(SQL).bind(p.review_id).bind(p.position).bind(&p.media_key).bind(p.width)
        .bind(p.height).bind(&p.alt_text).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn photos_of(c: Conn<'_>, review_ids: &[i64]) -> StoreResult<Vec<PhotoRecord>> {
    if review_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT review_id, position, media_key, width, height, alt_text FROM review_photos \
         WHERE review_id IN ({}) ORDER BY review_id, position",
        placeholders(1, review_ids.len())
    );
    type Row = (i64, i32, String, i32, i32, String);
    let rows: Vec<Row> = on_conn!(c, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for id in review_ids {
            q = q.bind(*id);
        }
        q.fetch_all(&mut *c).await
    })?;
    Ok(rows
        .into_iter()
        .map(|r| PhotoRecord {
            review_id: r.0,
            position: r.1,
            media_key: r.2,
            width: r.3,
            height: r.4,
            alt_text: r.5,
        })
        .collect())
}

/// Which of `review_ids` the user voted helpful.
pub async fn helpful_of(c: Conn<'_>, user_id: i64, review_ids: &[i64]) -> StoreResult<Vec<i64>> {
    if review_ids.is_empty() || user_id == 0 {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT review_id FROM review_helpful WHERE user_id = $1 AND review_id IN ({})",
        placeholders(2, review_ids.len())
    );
    let ids: Vec<i64> = on_conn!(c, c => {
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(user_id);
        for id in review_ids {
            q = q.bind(*id);
        }
        q.fetch_all(&mut *c).await
    })?;
    Ok(ids)
}

/// What a change to a review needs to know, read under the review's row lock.
#[derive(Debug, Clone)]
pub struct Locked {
    pub id: i64,
    pub product_id: i64,
    pub shop_id: i64,
    pub author_id: i64,
    pub rating: i64,
    pub status: String,
}

/// Takes the review's row lock for the rest of the transaction (a no-op write; SQLite already holds the
/// database write lock) and returns its current rating and status.
pub async fn lock(c: Conn<'_>, id: i64) -> StoreResult<Option<Locked>> {
    const SQL: &str = "UPDATE reviews SET updated_at = updated_at WHERE id = $1 \
        RETURNING product_id, shop_id, author_id, rating, status";
    let row: Option<(i64, i64, i64, i32, String)> =
        on_conn!(c, c => sqlx::query_as(SQL).bind(id).fetch_optional(&mut *c).await)?;
    Ok(row.map(|r| Locked {
        id,
        product_id: r.0,
        shop_id: r.1,
        author_id: r.2,
        rating: i64::from(r.3),
        status: r.4,
    }))
}

pub async fn update_text(
    c: Conn<'_>,
    id: i64,
    rating: i64,
    title: &str,
    body: &str,
    fit_note: &str,
    now: i64,
) -> StoreResult<()> {
    const SQL: &str = "UPDATE reviews SET rating = $2, title = $3, body = $4, fit_note = $5, updated_at = $6 WHERE id = $1";
    on_conn!(c, c => sqlx::query(SQL).bind(id).bind(rating as i32).bind(title).bind(body).bind(fit_note).bind(now)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Deletes a review; returns its photos' media keys so the caller can remove the files after commit.
pub async fn delete(c: Conn<'_>, id: i64) -> StoreResult<Vec<String>> {
    let mut c = c;
    let keys: Vec<String> = on_conn!(reborrow(&mut c), c => sqlx::query_scalar(
        "SELECT media_key FROM review_photos WHERE review_id = $1").bind(id).fetch_all(&mut *c).await)?;
    on_conn!(c, c => sqlx::query("DELETE FROM reviews WHERE id = $1").bind(id)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(keys)
}

fn reborrow<'a>(c: &'a mut Conn<'_>) -> Conn<'a> {
    match c {
        Conn::Sqlite(c) => Conn::Sqlite(c),
        Conn::Postgres(c) => Conn::Postgres(c),
    }
}

pub async fn set_status(
    c: Conn<'_>,
    id: i64,
    status: &str,
    hidden_reason: Option<&str>,
    now: i64,
) -> StoreResult<()> {
    const SQL: &str =
        "UPDATE reviews SET status = $2, hidden_reason = $3, updated_at = $4 WHERE id = $1";
    on_conn!(c, c => sqlx::query(SQL).bind(id).bind(status).bind(hidden_reason).bind(now)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Adds (`delta` = 1) or removes (`delta` = -1) one review of `rating` stars from the product's aggregate,
/// with relative increments so concurrent transactions compose.
pub async fn adjust_rating(
    c: Conn<'_>,
    product_id: i64,
    rating: i64,
    delta: i64,
) -> StoreResult<()> {
    const ENSURE: &str =
        "INSERT INTO product_ratings (product_id) VALUES ($1) ON CONFLICT (product_id) DO NOTHING";
    const SQL: &str = "UPDATE product_ratings SET rating_count = rating_count + $2, rating_sum = rating_sum + $3, \
        star_1 = star_1 + $4, star_2 = star_2 + $5, star_3 = star_3 + $6, star_4 = star_4 + $7, star_5 = star_5 + $8 \
        WHERE product_id = $1";
    let star = |n: i64| if rating == n { delta } else { 0 };
    let mut c = c;
    if delta > 0 {
        on_conn!(reborrow(&mut c), c => sqlx::query(ENSURE).bind(product_id)
            .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    }
    on_conn!(c, c => sqlx::query(SQL).bind(product_id).bind(delta).bind(delta * rating).bind(star(1)).bind(star(2))
        .bind(star(3)).bind(star(4)).bind(star(5)).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

type RatingRow = (i64, i64, i64, i64, i64, i64, i64, i64);

fn summary(r: &RatingRow) -> RatingSummary {
    RatingSummary {
        count: r.1,
        sum: r.2,
        stars: [r.3, r.4, r.5, r.6, r.7],
    }
}

pub async fn rating(c: Conn<'_>, product_id: i64) -> StoreResult<RatingSummary> {
    Ok(ratings_of(c, &[product_id])
        .await?
        .remove(&product_id)
        .unwrap_or_default())
}

/// Aggregates of several products at once (products without reviews are absent).
pub async fn ratings_of(
    c: Conn<'_>,
    product_ids: &[i64],
) -> StoreResult<HashMap<i64, RatingSummary>> {
    if product_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT product_id, rating_count, rating_sum, star_1, star_2, star_3, star_4, star_5 \
         FROM product_ratings WHERE product_id IN ({})",
        placeholders(1, product_ids.len())
    );
    let rows: Vec<RatingRow> = on_conn!(c, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for id in product_ids {
            q = q.bind(*id);
        }
        q.fetch_all(&mut *c).await
    })?;
    Ok(rows.iter().map(|r| (r.0, summary(r))).collect())
}

/// The aggregate counted from scratch over the visible reviews, to check the stored one against.
pub async fn recount(c: Conn<'_>, product_id: i64) -> StoreResult<RatingSummary> {
    const SQL: &str = "SELECT CAST(rating AS BIGINT), COUNT(*) FROM reviews WHERE product_id = $1 AND status = 'visible' \
        GROUP BY rating";
    let rows: Vec<(i64, i64)> =
        on_conn!(c, c => sqlx::query_as(SQL).bind(product_id).fetch_all(&mut *c).await)?;
    let mut s = RatingSummary::default();
    for (rating, n) in rows {
        if let Some(slot) = usize::try_from(rating - 1)
            .ok()
            .and_then(|i| s.stars.get_mut(i))
        {
            *slot += n;
            s.count += n;
            s.sum += rating * n;
        }
    }
    Ok(s)
}

/// Records or withdraws a helpful vote; returns the review's count afterwards. Voting twice (or withdrawing
/// a vote never cast) changes nothing.
pub async fn set_helpful(
    c: Conn<'_>,
    review_id: i64,
    user_id: i64,
    on: bool,
    now: i64,
) -> StoreResult<i64> {
    const ADD: &str = "INSERT INTO review_helpful (review_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
    const REMOVE: &str = "DELETE FROM review_helpful WHERE review_id = $1 AND user_id = $2";
    const BUMP: &str = "UPDATE reviews SET helpful_count = helpful_count + $2 WHERE id = $1";
    const COUNT: &str = "SELECT helpful_count FROM reviews WHERE id = $1";
    let mut c = c;
    let changed = if on {
        on_conn!(reborrow(&mut c), c => sqlx::query(ADD).bind(review_id).bind(user_id).bind(now)
            .execute(&mut *c).await.map(|r| r.rows_affected()))?
    } else {
        on_conn!(reborrow(&mut c), c => sqlx::query(REMOVE).bind(review_id).bind(user_id)
            .execute(&mut *c).await.map(|r| r.rows_affected()))?
    };
    if changed == 1 {
        let delta: i64 = if on { 1 } else { -1 };
        on_conn!(reborrow(&mut c), c => sqlx::query(BUMP).bind(review_id).bind(delta)
            .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    }
    let n: i64 =
        on_conn!(c, c => sqlx::query_scalar(COUNT).bind(review_id).fetch_one(&mut *c).await)?;
    Ok(n)
}

/// The merchant's reply; a second reply to the same review fails with a unique violation on `review`.
pub async fn insert_reply(
    c: Conn<'_>,
    review_id: i64,
    author_id: i64,
    body: &str,
    now: i64,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO review_replies (review_id, author_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id";
    let id: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(review_id).bind(author_id).bind(body).bind(now)
        .fetch_one(&mut *c).await)?;
    Ok(id)
}

pub async fn insert_report(
    c: Conn<'_>,
    review_id: i64,
    reporter_id: i64,
    reason: &str,
    note: &str,
    now: i64,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO review_reports (review_id, reporter_id, reason, note, created_at) \
        VALUES ($1, $2, $3, $4, $5) RETURNING id";
    let id: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(review_id).bind(reporter_id).bind(reason).bind(note)
        .bind(now).fetch_one(&mut *c).await)?;
    Ok(id)
}

#[derive(Debug, Clone)]
pub struct ReportRecord {
    pub id: i64,
    pub review_id: i64,
    pub reporter_username: String,
    pub reason: String,
    pub note: String,
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_note: String,
    pub created_at: i64,
}

const REPORT_SELECT: &str = "SELECT rr.id, rr.review_id, u.username, rr.reason, rr.note, rr.status, d.username, \
    rr.decided_at, rr.decision_note, rr.created_at FROM review_reports rr JOIN users u ON u.id = rr.reporter_id \
    LEFT JOIN users d ON d.id = rr.decided_by";

type ReportRow = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<i64>,
    String,
    i64,
);

fn report_of(r: ReportRow) -> ReportRecord {
    ReportRecord {
        id: r.0,
        review_id: r.1,
        reporter_username: r.2,
        reason: r.3,
        note: r.4,
        status: r.5,
        decided_by: r.6,
        decided_at: r.7,
        decision_note: r.8,
        created_at: r.9,
    }
}

pub async fn report(c: Conn<'_>, report_id: i64) -> StoreResult<Option<ReportRecord>> {
    let sql = format!("{REPORT_SELECT} WHERE rr.id = $1");
    let row: Option<ReportRow> = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(report_id)
        .fetch_optional(&mut *c).await)?;
    Ok(row.map(report_of))
}

/// Open reports, oldest first: of one shop's reviews (`shop_id` non-zero) or of every shop.
pub async fn open_reports(c: Conn<'_>, shop_id: i64, limit: i64) -> StoreResult<Vec<ReportRecord>> {
    let sql = format!(
        "{REPORT_SELECT} JOIN reviews rv ON rv.id = rr.review_id WHERE rr.status = 'open' \
         AND ($1 = 0 OR rv.shop_id = $1) ORDER BY rr.id LIMIT $2"
    );
    let rows: Vec<ReportRow> = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(shop_id).bind(limit)
        .fetch_all(&mut *c).await)?;
    Ok(rows.into_iter().map(report_of).collect())
}

/// Moves a report from `from` to `to` with who decided and why; false when it was no longer in `from`.
pub async fn decide_report(
    c: Conn<'_>,
    report_id: i64,
    from: &str,
    to: &str,
    decided_by: i64,
    note: &str,
    now: i64,
) -> StoreResult<bool> {
    const SQL: &str = "UPDATE review_reports SET status = $3, decided_by = $4, decided_at = $5, decision_note = $6 \
        WHERE id = $1 AND status = $2";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(report_id).bind(from).bind(to).bind(decided_by).bind(now)
        .bind(note).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub struct NewAudit<'a> {
    pub review_id: i64,
    pub shop_id: i64,
    pub product_id: i64,
    pub actor_id: i64,
    pub action: &'a str,
    pub reason: &'a str,
    pub note: &'a str,
    pub report_id: Option<i64>,
    pub now: i64,
}

pub async fn insert_audit(c: Conn<'_>, a: &NewAudit<'_>) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO review_audit (review_id, shop_id, product_id, actor_id, action, reason, note, \
        report_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    on_conn!(c, c => sqlx::query(SQL).bind(a.review_id).bind(a.shop_id).bind(a.product_id).bind(a.actor_id)
        .bind(a.action).bind(a.reason).bind(a.note).bind(a.report_id).bind(a.now)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub id: i64,
    pub review_id: i64,
    pub shop_id: i64,
    pub shop_handle: Option<String>,
    pub product_id: i64,
    pub actor_username: Option<String>,
    pub action: String,
    pub reason: String,
    pub note: String,
    pub report_id: Option<i64>,
    pub created_at: i64,
}

/// The audit log, newest first, ids below `before_id`; one shop's entries when `shop_id` is non-zero.
pub async fn audit(
    c: Conn<'_>,
    shop_id: i64,
    before_id: i64,
    limit: i64,
) -> StoreResult<Vec<AuditRecord>> {
    const SQL: &str = "SELECT a.id, a.review_id, a.shop_id, s.handle, a.product_id, u.username, a.action, a.reason, \
        a.note, a.report_id, a.created_at FROM review_audit a LEFT JOIN shops s ON s.id = a.shop_id \
        LEFT JOIN users u ON u.id = a.actor_id WHERE ($1 = 0 OR a.shop_id = $1) AND a.id < $2 \
        ORDER BY a.id DESC LIMIT $3";
    type Row = (
        i64,
        i64,
        i64,
        Option<String>,
        i64,
        Option<String>,
        String,
        String,
        String,
        Option<i64>,
        i64,
    );
    let rows: Vec<Row> = on_conn!(c, c => sqlx::query_as(SQL).bind(shop_id).bind(before_id).bind(limit)
        .fetch_all(&mut *c).await)?;
    Ok(rows
        .into_iter()
        .map(|r| AuditRecord {
            id: r.0,
            review_id: r.1,
            shop_id: r.2,
            shop_handle: r.3,
            product_id: r.4,
            actor_username: r.5,
            action: r.6,
            reason: r.7,
            note: r.8,
            report_id: r.9,
            created_at: r.10,
        })
        .collect())
}
