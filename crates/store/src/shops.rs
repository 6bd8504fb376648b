//! Shops, their staff, and branding.

use crate::{Conn, StoreResult, on_conn};
use souk_domain::Timestamp;
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct ShopRecord {
    pub id: i64,
    pub owner_id: i64,
    pub owner_username: String,
    pub handle: String,
    pub name: String,
    pub description: String,
    pub currency: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub return_policy: String,
    pub checkout_mode: String,
    pub website_url: String,
    pub logo_key: Option<String>,
    pub cover_key: Option<String>,
    pub accent_color: String,
    pub background_color: String,
    pub font: String,
    /// Unpublished branding edits as JSON, shown only in the staff preview.
    pub branding_draft: Option<String>,
    pub product_count: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

const SELECT: &str = "SELECT s.id, s.owner_id, u.username AS owner_username, s.handle, s.name, s.description, \
    s.currency, s.contact_email, s.contact_phone, s.return_policy, s.checkout_mode, s.website_url, s.logo_key, \
    s.cover_key, s.accent_color, s.background_color, s.font, s.branding_draft, s.product_count, s.created_at, \
    s.updated_at FROM shops s JOIN users u ON u.id = s.owner_id";

/// Maps a row of [`SELECT`]; a macro because the row type differs per engine.
macro_rules! shop_row {
    ($r:expr) => {
        ShopRecord {
            id: $r.try_get("id")?,
            owner_id: $r.try_get("owner_id")?,
            owner_username: $r.try_get("owner_username")?,
            handle: $r.try_get("handle")?,
            name: $r.try_get("name")?,
            description: $r.try_get("description")?,
            currency: $r.try_get("currency")?,
            contact_email: $r.try_get("contact_email")?,
            contact_phone: $r.try_get("contact_phone")?,
            return_policy: $r.try_get("return_policy")?,
            checkout_mode: $r.try_get("checkout_mode")?,
            website_url: $r.try_get("website_url")?,
            logo_key: $r.try_get("logo_key")?,
            cover_key: $r.try_get("cover_key")?,
            accent_color: $r.try_get("accent_color")?,
            background_color: $r.try_get("background_color")?,
            font: $r.try_get("font")?,
            branding_draft: $r.try_get("branding_draft")?,
            product_count: $r.try_get("product_count")?,
            created_at: Timestamp::from_micros($r.try_get("created_at")?),
            updated_at: Timestamp::from_micros($r.try_get("updated_at")?),
        }
    };
}

async fn fetch(c: Conn<'_>, sql: String, binds: &[Bind<'_>]) -> StoreResult<Vec<ShopRecord>> {
    let rows = on_conn!(c, c => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in binds {
            q = match b {
                Bind::Int(i) => q.bind(*i),
                Bind::Text(t) => q.bind(t.to_string()),
            };
        }
        let rows = q.fetch_all(&mut *c).await?;
        rows.iter()
            .map(|r| Ok::<ShopRecord, sqlx::Error>(shop_row!(r)))
            .collect::<Result<Vec<_>, sqlx::Error>>()
    })?;
    Ok(rows)
}

enum Bind<'a> {
    Int(i64),
    Text(&'a str),
}

pub async fn by_id(c: Conn<'_>, id: i64) -> StoreResult<Option<ShopRecord>> {
    let sql = format!("{SELECT} WHERE s.id = $1");
    Ok(fetch(c, sql, &[Bind::Int(id)]).await?.into_iter().next())
}

/// Several shops in one statement, in no particular order; missing ids are left out.
pub async fn by_ids(c: Conn<'_>, ids: &[i64]) -> StoreResult<Vec<ShopRecord>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{SELECT} WHERE s.id IN ({})",
        crate::placeholders(1, ids.len())
    );
    let binds: Vec<Bind<'_>> = ids.iter().map(|i| Bind::Int(*i)).collect();
    fetch(c, sql, &binds).await
}

pub async fn by_handle_key(c: Conn<'_>, key: &str) -> StoreResult<Option<ShopRecord>> {
    let sql = format!("{SELECT} WHERE s.handle_key = $1");
    Ok(fetch(c, sql, &[Bind::Text(key)]).await?.into_iter().next())
}

pub async fn by_owner(c: Conn<'_>, owner_id: i64) -> StoreResult<Option<ShopRecord>> {
    let sql = format!("{SELECT} WHERE s.owner_id = $1");
    Ok(fetch(c, sql, &[Bind::Int(owner_id)])
        .await?
        .into_iter()
        .next())
}

/// The first shop (oldest) a user is staff of, for navigation links.
pub async fn first_for_staff(c: Conn<'_>, user_id: i64) -> StoreResult<Option<ShopRecord>> {
    let sql = format!(
        "{SELECT} WHERE s.id IN (SELECT shop_id FROM shop_staff WHERE user_id = $1) ORDER BY s.id LIMIT 1"
    );
    Ok(fetch(c, sql, &[Bind::Int(user_id)])
        .await?
        .into_iter()
        .next())
}

/// Shops with ids below the cursor, newest first.
pub async fn list(c: Conn<'_>, before: i64, limit: i64) -> StoreResult<Vec<ShopRecord>> {
    let sql = format!("{SELECT} WHERE s.id < $1 ORDER BY s.id DESC LIMIT $2");
    fetch(c, sql, &[Bind::Int(before), Bind::Int(limit)]).await
}

/// Settings a shop is created with or changed to.
#[derive(Debug, Clone)]
pub struct ShopSettings {
    pub name: String,
    pub description: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub return_policy: String,
    pub checkout_mode: String,
    pub website_url: String,
}

pub async fn insert(
    c: Conn<'_>,
    owner_id: i64,
    handle: &str,
    currency: &str,
    s: &ShopSettings,
    now: Timestamp,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO shops (owner_id, handle, handle_key, name, description, currency, \
        contact_email, contact_phone, return_policy, checkout_mode, website_url, created_at, updated_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id";
    let id: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(owner_id).bind(handle)
        .bind(handle.to_ascii_lowercase()).bind(&s.name).bind(&s.description).bind(currency)
        .bind(&s.contact_email).bind(&s.contact_phone).bind(&s.return_policy).bind(&s.checkout_mode)
        .bind(&s.website_url).bind(now.as_micros()).fetch_one(&mut *c).await)?;
    Ok(id)
}

pub async fn update_settings(
    c: Conn<'_>,
    id: i64,
    s: &ShopSettings,
    now: Timestamp,
) -> StoreResult<()> {
    const SQL: &str = "UPDATE shops SET name = $2, description = $3, contact_email = $4, contact_phone = $5, \
        return_policy = $6, checkout_mode = $7, website_url = $8, updated_at = $9 WHERE id = $1";
    on_conn!(c, c => sqlx::query(SQL).bind(id).bind(&s.name).bind(&s.description).bind(&s.contact_email)
        .bind(&s.contact_phone).bind(&s.return_policy).bind(&s.checkout_mode).bind(&s.website_url)
        .bind(now.as_micros()).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn set_branding_draft(
    c: Conn<'_>,
    id: i64,
    draft: Option<&str>,
    now: Timestamp,
) -> StoreResult<()> {
    const SQL: &str = "UPDATE shops SET branding_draft = $2, updated_at = $3 WHERE id = $1";
    on_conn!(c, c => sqlx::query(SQL).bind(id).bind(draft).bind(now.as_micros()).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Live branding columns.
#[derive(Debug, Clone)]
pub struct Branding {
    pub logo_key: Option<String>,
    pub cover_key: Option<String>,
    pub accent_color: String,
    pub background_color: String,
    pub font: String,
}

/// Makes branding live and clears the draft.
pub async fn publish_branding(
    c: Conn<'_>,
    id: i64,
    b: &Branding,
    now: Timestamp,
) -> StoreResult<()> {
    const SQL: &str = "UPDATE shops SET logo_key = $2, cover_key = $3, accent_color = $4, background_color = $5, \
        font = $6, branding_draft = NULL, updated_at = $7 WHERE id = $1";
    on_conn!(c, c => sqlx::query(SQL).bind(id).bind(&b.logo_key).bind(&b.cover_key).bind(&b.accent_color)
        .bind(&b.background_color).bind(&b.font).bind(now.as_micros()).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Recounts the shop's active products; recounting (rather than +1/−1) keeps the number exact whatever
/// status changes happened in the transaction.
/// Adds products that were just created active (a catalog import, batch by batch): counting the whole shop
/// again after every batch made an import's time grow with the square of its size.
pub async fn add_to_product_count(c: Conn<'_>, id: i64, added: i64) -> StoreResult<()> {
    const SQL: &str = "UPDATE shops SET product_count = product_count + $2 WHERE id = $1";
    on_conn!(c, c => sqlx::query(SQL).bind(id).bind(added).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn recount_products(c: Conn<'_>, id: i64) -> StoreResult<()> {
    const SQL: &str = "UPDATE shops SET product_count = \
        (SELECT COUNT(*) FROM products p WHERE p.shop_id = $1 AND p.status = 'active') WHERE id = $1";
    on_conn!(c, c => sqlx::query(SQL).bind(id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn add_staff(
    c: Conn<'_>,
    shop_id: i64,
    user_id: i64,
    role: &str,
    now: Timestamp,
) -> StoreResult<bool> {
    const SQL: &str = "INSERT INTO shop_staff (shop_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) \
        ON CONFLICT DO NOTHING";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(shop_id).bind(user_id).bind(role).bind(now.as_micros())
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Removes a staff member (never the owner); false when they were not staff.
pub async fn remove_staff(c: Conn<'_>, shop_id: i64, user_id: i64) -> StoreResult<bool> {
    const SQL: &str =
        "DELETE FROM shop_staff WHERE shop_id = $1 AND user_id = $2 AND role <> 'owner'";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(shop_id).bind(user_id)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Staff of a shop: (user id, username, role), owner first.
pub async fn staff(c: Conn<'_>, shop_id: i64) -> StoreResult<Vec<(i64, String, String)>> {
    const SQL: &str = "SELECT u.id, u.username, st.role FROM shop_staff st JOIN users u ON u.id = st.user_id \
        WHERE st.shop_id = $1 ORDER BY CASE WHEN st.role = 'owner' THEN 0 ELSE 1 END, st.created_at, u.id";
    let rows = on_conn!(c, c => sqlx::query_as(SQL).bind(shop_id).fetch_all(&mut *c).await)?;
    Ok(rows)
}

/// The viewer's role in a shop, found by shop id: `(shop_id, handle, role)`, or None when they are not staff.
pub async fn staff_role_by_id(
    c: Conn<'_>,
    shop_id: i64,
    user_id: i64,
) -> StoreResult<Option<(i64, String, String)>> {
    const SQL: &str = "SELECT s.id, s.handle, st.role FROM shops s \
        JOIN shop_staff st ON st.shop_id = s.id AND st.user_id = $2 WHERE s.id = $1";
    let row = on_conn!(c, c => sqlx::query_as(SQL).bind(shop_id).bind(user_id).fetch_optional(&mut *c).await)?;
    Ok(row)
}

/// The user's staff role in each of the given shops where they have one: (shop id, role).
pub async fn staff_roles(
    c: Conn<'_>,
    shop_ids: &[i64],
    user_id: i64,
) -> StoreResult<Vec<(i64, String)>> {
    if shop_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT shop_id, role FROM shop_staff WHERE user_id = $1 AND shop_id IN ({})",
        crate::placeholders(2, shop_ids.len())
    );
    crate::fetch_for_ids(c, sql, Some(user_id), shop_ids).await
}

/// Like [`staff_role_by_id`], by the shop's handle key (lower-case handle).
pub async fn staff_role_by_handle(
    c: Conn<'_>,
    handle_key: &str,
    user_id: i64,
) -> StoreResult<Option<(i64, String, String)>> {
    const SQL: &str = "SELECT s.id, s.handle, st.role FROM shops s \
        JOIN shop_staff st ON st.shop_id = s.id AND st.user_id = $2 WHERE s.handle_key = $1";
    let row = on_conn!(c, c => sqlx::query_as(SQL).bind(handle_key).bind(user_id).fetch_optional(&mut *c).await)?;
    Ok(row)
}
