//! Reputation alerts: each shop's alert thresholds, the alerts fired, and the raw signals the check reads
//! (a shop's reviews, comments on its staff's posts, and mentions of its owner).
//!
//! Shares and ratios are basis points (10000 = 100 % or 1.0×) so both engines compare them exactly. The
//! rule itself lives in `souk_service::reputation`; this module only reads and writes rows.

use crate::{Conn, StoreResult, on_conn};
use souk_domain::Timestamp;

/// A shop's thresholds as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsRow {
    pub enabled: bool,
    pub window_hours: i64,
    pub baseline_days: i64,
    pub ratio_bp: i64,
    pub min_negative_bp: i64,
    pub min_signals: i64,
    pub cooldown_hours: i64,
    pub last_alert_at: Option<i64>,
}

type SettingsTuple = (bool, i32, i32, i32, i32, i32, i32, Option<i64>);

pub async fn settings(c: Conn<'_>, shop_id: i64) -> StoreResult<Option<SettingsRow>> {
    const SQL: &str = "SELECT enabled, window_hours, baseline_days, ratio_bp, min_negative_bp, min_signals, \
        cooldown_hours, last_alert_at FROM reputation_settings WHERE shop_id = $1";
    let row: Option<SettingsTuple> =
        on_conn!(c, c => sqlx::query_as(SQL).bind(shop_id).fetch_optional(&mut *c).await)?;
    Ok(row.map(|r| SettingsRow {
        enabled: r.0,
        window_hours: i64::from(r.1),
        baseline_days: i64::from(r.2),
        ratio_bp: i64::from(r.3),
        min_negative_bp: i64::from(r.4),
        min_signals: i64::from(r.5),
        cooldown_hours: i64::from(r.6),
        last_alert_at: r.7,
    }))
}

/// Writes the thresholds (creating the row), keeping `last_alert_at`.
pub async fn save_settings(
    c: Conn<'_>,
    shop_id: i64,
    s: &SettingsRow,
    now: Timestamp,
) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO reputation_settings (shop_id, enabled, window_hours, baseline_days, ratio_bp, \
        min_negative_bp, min_signals, cooldown_hours, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
        ON CONFLICT (shop_id) DO UPDATE SET enabled = $2, window_hours = $3, baseline_days = $4, ratio_bp = $5, \
        min_negative_bp = $6, min_signals = $7, cooldown_hours = $8, updated_at = $9";
    let to_i32 = |v: i64| i32::try_from(v).unwrap_or(i32::MAX);
    on_conn!(c, c => sqlx::query(SQL).bind(shop_id).bind(s.enabled).bind(to_i32(s.window_hours))
        .bind(to_i32(s.baseline_days)).bind(to_i32(s.ratio_bp)).bind(to_i32(s.min_negative_bp))
        .bind(to_i32(s.min_signals)).bind(to_i32(s.cooldown_hours)).bind(now.as_micros())
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Claims the right to fire an alert at `now`: true only when no alert fired after `cooldown_since`. A
/// shop without a settings row gets one with the table's defaults first. Run it inside the transaction
/// that inserts the alert; the conditional update is what makes concurrent checks fire once.
pub async fn claim_fire(
    c: Conn<'_>,
    shop_id: i64,
    now: Timestamp,
    cooldown_since: Timestamp,
) -> StoreResult<bool> {
    let mut c = c;
    on_conn!(&mut c, c => sqlx::query("INSERT INTO reputation_settings (shop_id, updated_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(shop_id).bind(now.as_micros()).execute(&mut **c).await.map(|r| r.rows_affected()))?;
    const SQL: &str = "UPDATE reputation_settings SET last_alert_at = $2 WHERE shop_id = $1 \
        AND (last_alert_at IS NULL OR last_alert_at <= $3)";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(shop_id).bind(now.as_micros()).bind(cooldown_since.as_micros())
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// One fired alert with the numbers that fired it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRecord {
    pub id: i64,
    pub shop_id: i64,
    pub fired_at: i64,
    pub window_hours: i64,
    pub window_signals: i64,
    pub window_negative: i64,
    pub window_share_bp: i64,
    pub baseline_signals: i64,
    pub baseline_negative: i64,
    pub baseline_share_bp: i64,
    pub acknowledged_at: Option<i64>,
}

pub async fn insert_alert(c: Conn<'_>, a: &AlertRecord) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO reputation_alerts (shop_id, fired_at, window_hours, window_signals, \
        window_negative, window_share_bp, baseline_signals, baseline_negative, baseline_share_bp) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";
    let to_i32 = |v: i64| i32::try_from(v).unwrap_or(i32::MAX);
    let id: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(a.shop_id).bind(a.fired_at)
        .bind(to_i32(a.window_hours)).bind(a.window_signals).bind(a.window_negative)
        .bind(to_i32(a.window_share_bp)).bind(a.baseline_signals).bind(a.baseline_negative)
        .bind(to_i32(a.baseline_share_bp)).fetch_one(&mut *c).await)?;
    Ok(id)
}

type AlertTuple = (
    i64,
    i64,
    i64,
    i32,
    i64,
    i64,
    i32,
    i64,
    i64,
    i32,
    Option<i64>,
);

/// A shop's alerts, newest first.
pub async fn alerts(c: Conn<'_>, shop_id: i64, limit: i64) -> StoreResult<Vec<AlertRecord>> {
    const SQL: &str = "SELECT id, shop_id, fired_at, window_hours, window_signals, window_negative, \
        window_share_bp, baseline_signals, baseline_negative, baseline_share_bp, acknowledged_at \
        FROM reputation_alerts WHERE shop_id = $1 ORDER BY fired_at DESC, id DESC LIMIT $2";
    let rows: Vec<AlertTuple> =
        on_conn!(c, c => sqlx::query_as(SQL).bind(shop_id).bind(limit).fetch_all(&mut *c).await)?;
    Ok(rows
        .into_iter()
        .map(|r| AlertRecord {
            id: r.0,
            shop_id: r.1,
            fired_at: r.2,
            window_hours: i64::from(r.3),
            window_signals: r.4,
            window_negative: r.5,
            window_share_bp: i64::from(r.6),
            baseline_signals: r.7,
            baseline_negative: r.8,
            baseline_share_bp: i64::from(r.9),
            acknowledged_at: r.10,
        })
        .collect())
}

/// Marks a shop's alert seen; false when it does not exist in that shop or was already acknowledged.
pub async fn acknowledge(
    c: Conn<'_>,
    shop_id: i64,
    alert_id: i64,
    user_id: i64,
    now: Timestamp,
) -> StoreResult<bool> {
    const SQL: &str = "UPDATE reputation_alerts SET acknowledged_at = $4, acknowledged_by = $3 \
        WHERE id = $2 AND shop_id = $1 AND acknowledged_at IS NULL";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(shop_id).bind(alert_id).bind(user_id).bind(now.as_micros())
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Shops the scheduler checks: every shop whose alerts are not switched off (no row means the defaults,
/// which are on).
pub async fn enabled_shop_ids(c: Conn<'_>) -> StoreResult<Vec<i64>> {
    const SQL: &str = "SELECT s.id FROM shops s LEFT JOIN reputation_settings r ON r.shop_id = s.id \
        WHERE r.shop_id IS NULL OR r.enabled ORDER BY s.id";
    let ids: Vec<i64> = on_conn!(c, c => sqlx::query_scalar(SQL).fetch_all(&mut *c).await)?;
    Ok(ids)
}

/// The shop's owner (user id, username) and every staff member's user id, owner included.
pub async fn people(c: Conn<'_>, shop_id: i64) -> StoreResult<Option<(i64, String, Vec<i64>)>> {
    let mut c = c;
    let owner: Option<(i64, String)> = on_conn!(&mut c, c => sqlx::query_as(
        "SELECT u.id, u.username FROM shops s JOIN users u ON u.id = s.owner_id WHERE s.id = $1")
        .bind(shop_id).fetch_optional(&mut **c).await)?;
    let Some((owner_id, owner_name)) = owner else {
        return Ok(None);
    };
    let mut staff: Vec<i64> = on_conn!(c, c => sqlx::query_scalar(
        "SELECT user_id FROM shop_staff WHERE shop_id = $1 ORDER BY user_id")
        .bind(shop_id).fetch_all(&mut *c).await)?;
    if !staff.contains(&owner_id) {
        staff.push(owner_id);
    }
    Ok(Some((owner_id, owner_name, staff)))
}

/// A review as a signal: its stars decide its polarity.
#[derive(Debug, Clone)]
pub struct ReviewSignal {
    pub id: i64,
    pub product_id: i64,
    pub product_title: String,
    pub author_username: String,
    pub rating: i64,
    pub title: String,
    pub body: String,
    pub created_at: i64,
    pub replied: bool,
}

type ReviewTuple = (
    i64,
    i64,
    String,
    String,
    i32,
    String,
    String,
    i64,
    Option<i64>,
);

/// The shop's visible reviews written in `[since, until)`, newest first, at most `limit`. Hidden
/// reviews (upheld reports: spam, abuse) are not feedback about the shop.
pub async fn review_signals(
    c: Conn<'_>,
    shop_id: i64,
    since: Timestamp,
    until: Timestamp,
    limit: i64,
) -> StoreResult<Vec<ReviewSignal>> {
    const SQL: &str = "SELECT r.id, r.product_id, p.title, u.username, r.rating, r.title, r.body, r.created_at, rp.id \
        FROM reviews r JOIN products p ON p.id = r.product_id JOIN users u ON u.id = r.author_id \
        LEFT JOIN review_replies rp ON rp.review_id = r.id \
        WHERE r.shop_id = $1 AND r.status = 'visible' AND r.created_at >= $2 AND r.created_at < $3 \
        ORDER BY r.created_at DESC, r.id DESC LIMIT $4";
    let rows: Vec<ReviewTuple> = on_conn!(c, c => sqlx::query_as(SQL).bind(shop_id).bind(since.as_micros())
        .bind(until.as_micros()).bind(limit).fetch_all(&mut *c).await)?;
    Ok(rows
        .into_iter()
        .map(|r| ReviewSignal {
            id: r.0,
            product_id: r.1,
            product_title: r.2,
            author_username: r.3,
            rating: i64::from(r.4),
            title: r.5,
            body: r.6,
            created_at: r.7,
            replied: r.8.is_some(),
        })
        .collect())
}

/// A comment or post whose text is scored.
#[derive(Debug, Clone)]
pub struct TextSignal {
    pub post_id: i64,
    /// None for a post (a caption mentioning the owner).
    pub comment_id: Option<i64>,
    pub author_username: String,
    pub text: String,
    pub created_at: i64,
}

type TextTuple = (i64, Option<i64>, String, String, i64);

fn text_rows(rows: Vec<TextTuple>) -> Vec<TextSignal> {
    rows.into_iter()
        .map(|r| TextSignal {
            post_id: r.0,
            comment_id: r.1,
            author_username: r.2,
            text: r.3,
            created_at: r.4,
        })
        .collect()
}

/// Comments in `[since, until)` on visible posts written by the shop's staff, by people who are not staff
/// (a merchant's own replies are not feedback), newest first, at most `limit`.
pub async fn comment_signals(
    c: Conn<'_>,
    shop_id: i64,
    since: Timestamp,
    until: Timestamp,
    limit: i64,
) -> StoreResult<Vec<TextSignal>> {
    const SQL: &str = "SELECT c.post_id, c.id, u.username, c.body, c.created_at FROM comments c \
        JOIN posts p ON p.id = c.post_id JOIN users u ON u.id = c.author_id \
        WHERE p.author_id IN (SELECT user_id FROM shop_staff WHERE shop_id = $1) \
        AND c.author_id NOT IN (SELECT user_id FROM shop_staff WHERE shop_id = $1) \
        AND c.hidden_at IS NULL AND p.hidden_at IS NULL AND u.suspended_at IS NULL \
        AND c.created_at >= $2 AND c.created_at < $3 ORDER BY c.created_at DESC, c.id DESC LIMIT $4";
    let rows: Vec<TextTuple> = on_conn!(c, c => sqlx::query_as(SQL).bind(shop_id).bind(since.as_micros())
        .bind(until.as_micros()).bind(limit).fetch_all(&mut *c).await)?;
    Ok(text_rows(rows))
}

/// Posts and comments in `[since, until)` that mention the owner (`owner_id`), by people who are not staff
/// of the shop, newest first, at most `limit`. Mentions are found through the `mention` notifications the
/// social layer writes when a post or comment names an account, so no text is searched here; the time and
/// text come from the post or comment itself.
pub async fn mention_signals(
    c: Conn<'_>,
    shop_id: i64,
    owner_id: i64,
    since: Timestamp,
    until: Timestamp,
    limit: i64,
) -> StoreResult<Vec<TextSignal>> {
    const SQL: &str = "SELECT DISTINCT p.id, c.id, u.username, COALESCE(c.body, p.caption), \
        COALESCE(c.created_at, p.created_at) AS signal_at FROM notifications n \
        JOIN posts p ON p.id = n.post_id LEFT JOIN comments c ON c.id = n.comment_id \
        JOIN users u ON u.id = n.actor_id \
        WHERE n.user_id = $2 AND n.kind = 'mention' \
        AND n.actor_id NOT IN (SELECT user_id FROM shop_staff WHERE shop_id = $1) \
        AND p.hidden_at IS NULL AND u.suspended_at IS NULL \
        AND (n.comment_id IS NULL OR (c.id IS NOT NULL AND c.hidden_at IS NULL)) \
        AND COALESCE(c.created_at, p.created_at) >= $3 AND COALESCE(c.created_at, p.created_at) < $4 \
        ORDER BY signal_at DESC LIMIT $5";
    let rows: Vec<TextTuple> = on_conn!(c, c => sqlx::query_as(SQL).bind(shop_id).bind(owner_id)
        .bind(since.as_micros()).bind(until.as_micros()).bind(limit).fetch_all(&mut *c).await)?;
    Ok(text_rows(rows))
}
