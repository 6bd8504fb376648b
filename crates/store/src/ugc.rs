//! Customer photos (UGC): the product page's gallery of review photos and shoppers' tagged posts, and the
//! shop's featured shopper posts with their consent record (`ugc_features` for the current state,
//! `ugc_feature_events` for every step of its history).
//!
//! State changes are conditional updates (`WHERE id = $1 AND status = $2`), so two racing decisions on one
//! feature cannot both apply; the caller learns from the returned flag whether its change won.

use crate::placeholders;
use crate::{Conn, StoreResult, on_conn};

/// A feature request or featured post, with what the lists show of the post.
#[derive(Debug, Clone)]
pub struct FeatureRecord {
    pub id: i64,
    pub shop_id: i64,
    pub shop_handle: String,
    pub shop_name: String,
    pub post_id: i64,
    pub author_id: i64,
    pub author_username: String,
    pub author_display_name: String,
    pub requested_by: i64,
    pub requester_username: String,
    /// `requested`, `approved`, `declined` or `withdrawn`.
    pub status: String,
    pub message: String,
    pub requested_at: i64,
    pub decided_at: Option<i64>,
    pub withdrawn_at: Option<i64>,
    pub caption: String,
    /// The post's first photo: (media key, width, height, alt text).
    pub image: Option<(String, i32, i32, String)>,
    /// Product tags on the post that point at active products (the shopping-bag mark).
    pub tag_count: i64,
    /// Not hidden by moderation and its author not suspended.
    pub post_visible: bool,
}

const FEATURE_SELECT: &str = "SELECT f.id, f.shop_id, s.handle, s.name, f.post_id, f.author_id, u.username, \
    u.display_name, f.requested_by, COALESCE(rq.username, ''), f.status, f.message, f.requested_at, f.decided_at, \
    f.withdrawn_at, p.caption, pi.media_key, pi.width, pi.height, pi.alt_text, \
    (SELECT COUNT(*) FROM post_tags t JOIN products pr ON pr.id = t.product_id \
        WHERE t.post_id = f.post_id AND pr.status = 'active'), \
    CASE WHEN p.hidden_at IS NULL AND u.suspended_at IS NULL THEN 1 ELSE 0 END \
    FROM ugc_features f JOIN shops s ON s.id = f.shop_id JOIN posts p ON p.id = f.post_id \
    JOIN users u ON u.id = f.author_id LEFT JOIN users rq ON rq.id = f.requested_by \
    LEFT JOIN post_images pi ON pi.post_id = f.post_id AND pi.position = 0";

macro_rules! feature_from_row {
    ($r:expr) => {
        FeatureRecord {
            id: $r.try_get(0)?,
            shop_id: $r.try_get(1)?,
            shop_handle: $r.try_get(2)?,
            shop_name: $r.try_get(3)?,
            post_id: $r.try_get(4)?,
            author_id: $r.try_get(5)?,
            author_username: $r.try_get(6)?,
            author_display_name: $r.try_get(7)?,
            requested_by: $r.try_get(8)?,
            requester_username: $r.try_get(9)?,
            status: $r.try_get(10)?,
            message: $r.try_get(11)?,
            requested_at: $r.try_get(12)?,
            decided_at: $r.try_get(13)?,
            withdrawn_at: $r.try_get(14)?,
            caption: $r.try_get(15)?,
            image: {
                let key: Option<String> = $r.try_get(16)?;
                let w: Option<i32> = $r.try_get(17)?;
                let h: Option<i32> = $r.try_get(18)?;
                let alt: Option<String> = $r.try_get(19)?;
                key.map(|k| (k, w.unwrap_or(0), h.unwrap_or(0), alt.unwrap_or_default()))
            },
            tag_count: $r.try_get(20)?,
            post_visible: {
                let v: i32 = $r.try_get(21)?;
                v == 1
            },
        }
    };
}

async fn fetch_features(
    c: Conn<'_>,
    sql: String,
    binds: &[i64],
    text: Option<&str>,
) -> StoreResult<Vec<FeatureRecord>> {
    use sqlx::Row;
    let rows = on_conn!(c, c => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in binds {
            q = q.bind(*b);
        }
        if let Some(t) = text {
            q = q.bind(t.to_owned());
        }
        let rows = q.fetch_all(&mut *c).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(feature_from_row!(r));
        }
        Ok::<_, sqlx::Error>(out)
    })?;
    Ok(rows)
}

pub async fn get(c: Conn<'_>, id: i64) -> StoreResult<Option<FeatureRecord>> {
    let sql = format!("{FEATURE_SELECT} WHERE f.id = $1");
    Ok(fetch_features(c, sql, &[id], None)
        .await?
        .into_iter()
        .next())
}

pub async fn by_shop_post(
    c: Conn<'_>,
    shop_id: i64,
    post_id: i64,
) -> StoreResult<Option<FeatureRecord>> {
    let sql = format!("{FEATURE_SELECT} WHERE f.shop_id = $1 AND f.post_id = $2");
    Ok(fetch_features(c, sql, &[shop_id, post_id], None)
        .await?
        .into_iter()
        .next())
}

/// Requests addressed to one author, newest request first, ids below `before_id`; one status when
/// `status` is non-empty.
pub async fn list_for_author(
    c: Conn<'_>,
    author_id: i64,
    status: &str,
    before_id: i64,
    limit: i64,
) -> StoreResult<Vec<FeatureRecord>> {
    let sql = format!(
        "{FEATURE_SELECT} WHERE f.author_id = $1 AND f.id < $2 AND ($4 = '' OR f.status = $4) \
         ORDER BY f.id DESC LIMIT $3"
    );
    fetch_features(c, sql, &[author_id, before_id, limit], Some(status)).await
}

/// A shop's requests in every status (or one, when `status` is non-empty), newest first.
pub async fn list_for_shop(
    c: Conn<'_>,
    shop_id: i64,
    status: &str,
    before_id: i64,
    limit: i64,
) -> StoreResult<Vec<FeatureRecord>> {
    let sql = format!(
        "{FEATURE_SELECT} WHERE f.shop_id = $1 AND f.id < $2 AND ($4 = '' OR f.status = $4) \
         ORDER BY f.id DESC LIMIT $3"
    );
    fetch_features(c, sql, &[shop_id, before_id, limit], Some(status)).await
}

/// What the public sees a shop feature: approved, the post visible, no block between its author and the
/// viewer (`viewer` 0 when anonymous). Ordered by feature id, newest first.
pub async fn featured_for_shop(
    c: Conn<'_>,
    shop_id: i64,
    viewer: i64,
    before_id: i64,
    limit: i64,
) -> StoreResult<Vec<FeatureRecord>> {
    let sql = format!(
        "{FEATURE_SELECT} WHERE f.shop_id = $1 AND f.status = 'approved' AND f.id < $3 \
         AND p.hidden_at IS NULL AND u.suspended_at IS NULL AND NOT EXISTS (SELECT 1 FROM blocks b \
         WHERE (b.blocker_id = p.author_id AND b.blocked_id = $2) OR (b.blocker_id = $2 AND b.blocked_id = p.author_id)) \
         ORDER BY f.id DESC LIMIT $4"
    );
    fetch_features(c, sql, &[shop_id, viewer, before_id, limit], None).await
}

pub struct NewFeature<'a> {
    pub shop_id: i64,
    pub post_id: i64,
    pub author_id: i64,
    pub requested_by: i64,
    pub message: &'a str,
    pub now: i64,
}

/// A first request; a second one for the same shop and post fails with a unique violation on
/// `shop_post`.
pub async fn insert(c: Conn<'_>, f: &NewFeature<'_>) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO ugc_features (shop_id, post_id, author_id, requested_by, status, message, \
        requested_at) VALUES ($1, $2, $3, $4, 'requested', $5, $6) RETURNING id";
    let id: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(f.shop_id).bind(f.post_id).bind(f.author_id)
        .bind(f.requested_by).bind(f.message).bind(f.now).fetch_one(&mut *c).await)?;
    Ok(id)
}

/// Asks again after a decline or withdrawal: the row returns to `requested` with the new message, and its
/// decision times are cleared (the event log keeps them). False when the row was no longer in `from`.
pub async fn rerequest(
    c: Conn<'_>,
    id: i64,
    from: &str,
    requested_by: i64,
    message: &str,
    now: i64,
) -> StoreResult<bool> {
    const SQL: &str = "UPDATE ugc_features SET status = 'requested', requested_by = $3, message = $4, \
        requested_at = $5, decided_at = NULL, withdrawn_at = NULL WHERE id = $1 AND status = $2";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(id).bind(from).bind(requested_by).bind(message).bind(now)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The author's decision: `requested` → `approved`/`declined` sets `decided_at`; `approved` → `withdrawn`
/// sets `withdrawn_at` and keeps `decided_at`. False when the feature is not the author's or was no longer
/// in `from`.
pub async fn transition(
    c: Conn<'_>,
    id: i64,
    author_id: i64,
    from: &str,
    to: &str,
    now: i64,
) -> StoreResult<bool> {
    const DECIDE: &str = "UPDATE ugc_features SET status = $4, decided_at = $5 \
        WHERE id = $1 AND author_id = $2 AND status = $3";
    const WITHDRAW: &str = "UPDATE ugc_features SET status = $4, withdrawn_at = $5 \
        WHERE id = $1 AND author_id = $2 AND status = $3";
    let sql = if to == "withdrawn" { WITHDRAW } else { DECIDE };
    let n = on_conn!(c, c => sqlx::query(sql).bind(id).bind(author_id).bind(from).bind(to).bind(now)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// One step of the consent history.
#[derive(Debug, Clone)]
pub struct EventRecord {
    pub feature_id: i64,
    pub action: String,
    pub actor_username: Option<String>,
    pub message: String,
    pub created_at: i64,
}

pub async fn insert_event(
    c: Conn<'_>,
    feature_id: i64,
    action: &str,
    actor_id: i64,
    message: &str,
    now: i64,
) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO ugc_feature_events (feature_id, action, actor_id, message, created_at) \
        VALUES ($1, $2, $3, $4, $5)";
    on_conn!(c, c => sqlx::query(SQL).bind(feature_id).bind(action).bind(actor_id).bind(message).bind(now)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The history of several features, oldest step first.
pub async fn events_of(c: Conn<'_>, feature_ids: &[i64]) -> StoreResult<Vec<EventRecord>> {
    if feature_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT e.feature_id, e.action, u.username, e.message, e.created_at FROM ugc_feature_events e \
         LEFT JOIN users u ON u.id = e.actor_id WHERE e.feature_id IN ({}) ORDER BY e.feature_id, e.id",
        placeholders(1, feature_ids.len())
    );
    type Row = (i64, String, Option<String>, String, i64);
    let rows: Vec<Row> = on_conn!(c, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for id in feature_ids {
            q = q.bind(*id);
        }
        q.fetch_all(&mut *c).await
    })?;
    Ok(rows
        .into_iter()
        .map(|r| EventRecord {
            feature_id: r.0,
            action: r.1,
            actor_username: r.2,
            message: r.3,
            created_at: r.4,
        })
        .collect())
}

/// A shop a user works for: (shop id, handle, name).
pub async fn shops_of_staff(c: Conn<'_>, user_id: i64) -> StoreResult<Vec<(i64, String, String)>> {
    const SQL: &str = "SELECT s.id, s.handle, s.name FROM shops s JOIN shop_staff st ON st.shop_id = s.id \
        WHERE st.user_id = $1 ORDER BY s.id";
    let rows = on_conn!(c, c => sqlx::query_as(SQL).bind(user_id).fetch_all(&mut *c).await)?;
    Ok(rows)
}

/// Whether `user_id` is owner or staff of the shop.
pub async fn is_staff(c: Conn<'_>, shop_id: i64, user_id: i64) -> StoreResult<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM shop_staff WHERE shop_id = $1 AND user_id = $2";
    let n: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(shop_id).bind(user_id).fetch_one(&mut *c).await)?;
    Ok(n > 0)
}

/// Whether the shop features the post right now (approved). The tag rules use this: staff may tag their
/// shop's products on a post their shop features.
pub async fn is_featured(c: Conn<'_>, shop_id: i64, post_id: i64) -> StoreResult<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM ugc_features WHERE shop_id = $1 AND post_id = $2 AND status = 'approved'";
    let n: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(shop_id).bind(post_id).fetch_one(&mut *c).await)?;
    Ok(n > 0)
}

// ---- the product gallery ---------------------------------------------------------------------------

/// Where a gallery photo comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Post,
    Review,
}

impl Source {
    /// The rank used in the gallery's order (a review sorts before a post of the same microsecond).
    pub const fn rank(self) -> i64 {
        match self {
            Source::Post => 0,
            Source::Review => 1,
        }
    }
}

/// One photo in a product's customer gallery.
#[derive(Debug, Clone)]
pub struct GalleryRecord {
    pub source: Source,
    /// The review's or the post's id.
    pub source_id: i64,
    pub position: i32,
    pub media_key: String,
    pub width: i32,
    pub height: i32,
    pub alt_text: String,
    pub author_username: String,
    pub author_display_name: String,
    pub created_at: i64,
    /// A post the product's shop features (approved): the gallery highlights it.
    pub featured: bool,
}

impl GalleryRecord {
    /// The keyset position of this photo in the gallery's order.
    pub fn key(&self) -> GalleryKey {
        GalleryKey {
            at: self.created_at,
            rank: self.source.rank(),
            source_id: self.source_id,
            position: i64::from(self.position),
        }
    }
}

/// Keyset position: photos strictly after this one in the order (newest first; at one instant reviews
/// before posts; higher ids first; a source's photos in their own order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GalleryKey {
    pub at: i64,
    pub rank: i64,
    pub source_id: i64,
    pub position: i64,
}

pub struct GalleryFilter {
    pub product_id: i64,
    pub shop_id: i64,
    /// The viewer (0 when anonymous): posts with a block between author and viewer are left out.
    pub viewer_id: i64,
    pub after: Option<GalleryKey>,
    pub limit: i64,
}

/// A product's customer photos: every photo of its visible reviews, and the tagged photo of each post by a
/// shopper (not the shop's owner or staff) that tags it, hidden posts, shares and suspended authors left
/// out. A post shows the first of its photos that carries a tag of this product.
pub async fn gallery(c: Conn<'_>, f: &GalleryFilter) -> StoreResult<Vec<GalleryRecord>> {
    const SQL: &str = "SELECT g.kind, g.source_id, g.position, g.media_key, g.width, g.height, g.alt_text, \
        g.username, g.display_name, g.at, g.featured FROM ( \
          SELECT 1 AS kind, r.id AS source_id, rp.position AS position, rp.media_key AS media_key, \
            rp.width AS width, rp.height AS height, rp.alt_text AS alt_text, u.username AS username, \
            u.display_name AS display_name, r.created_at AS at, 0 AS featured \
          FROM review_photos rp JOIN reviews r ON r.id = rp.review_id JOIN users u ON u.id = r.author_id \
          WHERE r.product_id = $1 AND r.status = 'visible' AND u.suspended_at IS NULL \
        UNION ALL \
          SELECT 0, p.id, pi.position, pi.media_key, pi.width, pi.height, pi.alt_text, u.username, \
            u.display_name, p.created_at, \
            CASE WHEN EXISTS (SELECT 1 FROM ugc_features uf WHERE uf.post_id = p.id AND uf.shop_id = $2 \
              AND uf.status = 'approved') THEN 1 ELSE 0 END \
          FROM posts p JOIN users u ON u.id = p.author_id \
          JOIN post_images pi ON pi.post_id = p.id AND pi.position = (SELECT MIN(t.image_position) \
            FROM post_tags t WHERE t.post_id = p.id AND t.product_id = $1) \
          WHERE p.hidden_at IS NULL AND u.suspended_at IS NULL AND p.repost_of IS NULL \
            AND NOT EXISTS (SELECT 1 FROM shop_staff st WHERE st.shop_id = $2 AND st.user_id = p.author_id) \
            AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = p.author_id AND b.blocked_id = $3) \
              OR (b.blocker_id = $3 AND b.blocked_id = p.author_id)) \
        ) g \
        WHERE g.at < $4 OR (g.at = $4 AND (g.kind < $5 OR (g.kind = $5 AND (g.source_id < $6 \
          OR (g.source_id = $6 AND g.position > $7))))) \
        ORDER BY g.at DESC, g.kind DESC, g.source_id DESC, g.position ASC LIMIT $8";
    type Row = (
        i32,
        i64,
        i32,
        String,
        i32,
        i32,
        String,
        String,
        String,
        i64,
        i32,
    );
    let k = f.after.unwrap_or(GalleryKey {
        at: i64::MAX,
        rank: 0,
        source_id: 0,
        position: 0,
    });
    let rows: Vec<Row> = on_conn!(c, c => sqlx::query_as(SQL).bind(f.product_id).bind(f.shop_id).bind(f.viewer_id)
        .bind(k.at).bind(k.rank).bind(k.source_id).bind(k.position).bind(f.limit)
        .fetch_all(&mut *c).await)?;
    Ok(rows
        .into_iter()
        .map(|r| GalleryRecord {
            source: if r.0 == 1 {
                Source::Review
            } else {
                Source::Post
            },
            source_id: r.1,
            position: r.2,
            media_key: r.3,
            width: r.4,
            height: r.5,
            alt_text: r.6,
            author_username: r.7,
            author_display_name: r.8,
            created_at: r.9,
            featured: r.10 == 1,
        })
        .collect())
}
