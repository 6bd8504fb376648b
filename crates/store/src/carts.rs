//! Carts and their items, for accounts and for logged-out cookie carts, plus the variant facts a cart and
//! checkout need (current price, stock, availability, the shop it belongs to) read in one join.

use crate::{Conn, StoreResult, on_conn};
use sqlx::Row;

/// A variant with its product and shop, as a cart line or checkout sees it.
#[derive(Debug, Clone)]
pub struct VariantRecord {
    pub variant_id: i64,
    pub product_id: i64,
    pub shop_id: i64,
    pub shop_handle: String,
    pub shop_name: String,
    pub shop_currency: String,
    pub shop_checkout_mode: String,
    /// The product's own mode; `None` follows the shop.
    pub product_checkout_mode: Option<String>,
    pub title: String,
    pub options: [String; 3],
    pub sku: String,
    /// The effective price now: the variant's override, else the product's.
    pub price_minor: i64,
    pub currency: String,
    pub track_inventory: bool,
    pub stock: i64,
    pub availability: String,
    pub product_status: String,
    pub weight_grams: i64,
    pub external_url: String,
    pub website_url: String,
}

impl VariantRecord {
    /// "Red / M", or empty for a product without option axes.
    pub fn variant_title(&self) -> String {
        self.options
            .iter()
            .filter(|o| !o.is_empty())
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" / ")
    }

    pub fn checkout_mode(&self) -> &str {
        self.product_checkout_mode
            .as_deref()
            .unwrap_or(&self.shop_checkout_mode)
    }
}

/// One cart line: the variant as it is now beside what the shopper saw when adding it.
#[derive(Debug, Clone)]
pub struct CartLineRecord {
    pub variant: VariantRecord,
    pub quantity: i64,
    pub added_price_minor: i64,
    pub added_currency: String,
    pub added_at: i64,
}

const VARIANT_COLUMNS: &str = "v.id, v.product_id, p.shop_id, s.handle, s.name, s.currency, s.checkout_mode, \
    p.checkout_mode, p.title, v.option1, v.option2, v.option3, v.sku, COALESCE(v.price_minor, p.price_minor), \
    p.currency, v.track_inventory, v.stock, v.availability, p.status, COALESCE(v.weight_grams, p.weight_grams), \
    p.external_url, s.website_url";
const VARIANT_JOIN: &str =
    "FROM variants v JOIN products p ON p.id = v.product_id JOIN shops s ON s.id = p.shop_id";

macro_rules! variant_from_row {
    ($r:expr) => {
        VariantRecord {
            variant_id: $r.try_get(0)?,
            product_id: $r.try_get(1)?,
            shop_id: $r.try_get(2)?,
            shop_handle: $r.try_get(3)?,
            shop_name: $r.try_get(4)?,
            shop_currency: $r.try_get(5)?,
            shop_checkout_mode: $r.try_get(6)?,
            product_checkout_mode: $r.try_get(7)?,
            title: $r.try_get(8)?,
            options: [$r.try_get(9)?, $r.try_get(10)?, $r.try_get(11)?],
            sku: $r.try_get(12)?,
            price_minor: $r.try_get(13)?,
            currency: $r.try_get(14)?,
            track_inventory: $r.try_get(15)?,
            stock: $r.try_get(16)?,
            availability: $r.try_get(17)?,
            product_status: $r.try_get(18)?,
            weight_grams: $r.try_get(19)?,
            external_url: $r.try_get(20)?,
            website_url: $r.try_get(21)?,
        }
    };
}

pub async fn variant(c: Conn<'_>, variant_id: i64) -> StoreResult<Option<VariantRecord>> {
    let sql = format!("SELECT {VARIANT_COLUMNS} {VARIANT_JOIN} WHERE v.id = $1");
    let rec = on_conn!(c, c => {
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(variant_id).fetch_optional(&mut *c).await?;
        match row {
            Some(r) => Ok::<_, sqlx::Error>(Some(variant_from_row!(r))),
            None => Ok(None),
        }
    })?;
    Ok(rec)
}

/// The first variant of a product (for the website click-out, which is per product).
pub async fn product_variant(c: Conn<'_>, product_id: i64) -> StoreResult<Option<VariantRecord>> {
    let sql = format!(
        "SELECT {VARIANT_COLUMNS} {VARIANT_JOIN} WHERE v.product_id = $1 ORDER BY v.position, v.id LIMIT 1"
    );
    let rec = on_conn!(c, c => {
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(product_id).fetch_optional(&mut *c).await?;
        match row {
            Some(r) => Ok::<_, sqlx::Error>(Some(variant_from_row!(r))),
            None => Ok(None),
        }
    })?;
    Ok(rec)
}

pub async fn user_cart(c: Conn<'_>, user_id: i64) -> StoreResult<Option<i64>> {
    const SQL: &str = "SELECT id FROM carts WHERE user_id = $1";
    let id: Option<i64> =
        on_conn!(c, c => sqlx::query_scalar(SQL).bind(user_id).fetch_optional(&mut *c).await)?;
    Ok(id)
}

pub async fn token_cart(c: Conn<'_>, token_hash: &[u8]) -> StoreResult<Option<i64>> {
    const SQL: &str = "SELECT id FROM carts WHERE token_hash = $1";
    let id: Option<i64> =
        on_conn!(c, c => sqlx::query_scalar(SQL).bind(token_hash).fetch_optional(&mut *c).await)?;
    Ok(id)
}

/// The account's cart, created on first use (race-free: insert-or-nothing, then read).
pub async fn ensure_user_cart(c: Conn<'_>, user_id: i64, now_us: i64) -> StoreResult<i64> {
    const INSERT: &str = "INSERT INTO carts (user_id, created_at, updated_at) VALUES ($1, $2, $2) \
        ON CONFLICT (user_id) DO NOTHING";
    const SELECT: &str = "SELECT id FROM carts WHERE user_id = $1";
    let id: i64 = on_conn!(c, c => {
        // The body sends two statements; on_conn! counted one.
        crate::stats::statement();
        sqlx::query(INSERT).bind(user_id).bind(now_us).execute(&mut *c).await?;
        sqlx::query_scalar(SELECT).bind(user_id).fetch_one(&mut *c).await
    })?;
    Ok(id)
}

pub async fn ensure_token_cart(c: Conn<'_>, token_hash: &[u8], now_us: i64) -> StoreResult<i64> {
    const INSERT: &str = "INSERT INTO carts (token_hash, created_at, updated_at) VALUES ($1, $2, $2) \
        ON CONFLICT (token_hash) DO NOTHING";
    const SELECT: &str = "SELECT id FROM carts WHERE token_hash = $1";
    let id: i64 = on_conn!(c, c => {
        // The body sends two statements; on_conn! counted one.
        crate::stats::statement();
        sqlx::query(INSERT).bind(token_hash).bind(now_us).execute(&mut *c).await?;
        sqlx::query_scalar(SELECT).bind(token_hash).fetch_one(&mut *c).await
    })?;
    Ok(id)
}

/// Every line of a cart, grouped by shop (shops in the order their first line was added).
pub async fn lines(c: Conn<'_>, cart_id: i64) -> StoreResult<Vec<CartLineRecord>> {
    let sql = format!(
        "SELECT {VARIANT_COLUMNS}, ci.quantity, ci.unit_price_minor, ci.currency, ci.added_at \
         {VARIANT_JOIN} JOIN cart_items ci ON ci.variant_id = v.id WHERE ci.cart_id = $1 \
         ORDER BY (SELECT MIN(c2.added_at) FROM cart_items c2 JOIN variants v2 ON v2.id = c2.variant_id \
            WHERE c2.cart_id = $1 AND v2.shop_id = p.shop_id), p.shop_id, ci.added_at, v.id"
    );
    let rows = on_conn!(c, c => {
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(cart_id).fetch_all(&mut *c).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(CartLineRecord {
                variant: variant_from_row!(r),
                quantity: r.try_get(22)?,
                added_price_minor: r.try_get(23)?,
                added_currency: r.try_get(24)?,
                added_at: r.try_get(25)?,
            });
        }
        Ok::<_, sqlx::Error>(out)
    })?;
    Ok(rows)
}

pub async fn line_quantity(c: Conn<'_>, cart_id: i64, variant_id: i64) -> StoreResult<Option<i64>> {
    const SQL: &str = "SELECT quantity FROM cart_items WHERE cart_id = $1 AND variant_id = $2";
    let q: Option<i64> = on_conn!(c, c => sqlx::query_scalar(SQL).bind(cart_id).bind(variant_id)
        .fetch_optional(&mut *c).await)?;
    Ok(q)
}

pub async fn count_lines(c: Conn<'_>, cart_id: i64) -> StoreResult<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM cart_items WHERE cart_id = $1";
    let n: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(cart_id).fetch_one(&mut *c).await)?;
    Ok(n)
}

/// Total units in an account's cart, for the header badge.
pub async fn user_item_count(c: Conn<'_>, user_id: i64) -> StoreResult<i64> {
    const SQL: &str = "SELECT COALESCE(SUM(ci.quantity), 0) FROM cart_items ci \
        JOIN carts c ON c.id = ci.cart_id WHERE c.user_id = $1";
    let n: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(user_id).fetch_one(&mut *c).await)?;
    Ok(n)
}

/// Puts a line in the cart at `quantity` and the price the shopper sees now.
pub async fn set_item(
    c: Conn<'_>,
    cart_id: i64,
    variant_id: i64,
    quantity: i64,
    price_minor: i64,
    currency: &str,
    now_us: i64,
) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO cart_items (cart_id, variant_id, quantity, unit_price_minor, currency, added_at) \
        VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (cart_id, variant_id) DO UPDATE SET \
        quantity = excluded.quantity, unit_price_minor = excluded.unit_price_minor, currency = excluded.currency";
    on_conn!(c, c => sqlx::query(SQL).bind(cart_id).bind(variant_id).bind(quantity).bind(price_minor)
        .bind(currency).bind(now_us).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Changes a line's quantity, keeping the price seen when it was added; false when there is no such line.
pub async fn update_quantity(
    c: Conn<'_>,
    cart_id: i64,
    variant_id: i64,
    quantity: i64,
) -> StoreResult<bool> {
    const SQL: &str = "UPDATE cart_items SET quantity = $3 WHERE cart_id = $1 AND variant_id = $2";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(cart_id).bind(variant_id).bind(quantity)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Records that the shopper has now been shown the current price.
pub async fn reprice(
    c: Conn<'_>,
    cart_id: i64,
    variant_id: i64,
    price_minor: i64,
    currency: &str,
) -> StoreResult<()> {
    const SQL: &str = "UPDATE cart_items SET unit_price_minor = $3, currency = $4 \
        WHERE cart_id = $1 AND variant_id = $2";
    on_conn!(c, c => sqlx::query(SQL).bind(cart_id).bind(variant_id).bind(price_minor).bind(currency)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn remove_item(c: Conn<'_>, cart_id: i64, variant_id: i64) -> StoreResult<bool> {
    const SQL: &str = "DELETE FROM cart_items WHERE cart_id = $1 AND variant_id = $2";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(cart_id).bind(variant_id)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Removes several variants' lines from a cart in one statement.
pub async fn remove_items(c: Conn<'_>, cart_id: i64, variant_ids: &[i64]) -> StoreResult<()> {
    if variant_ids.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "DELETE FROM cart_items WHERE cart_id = $1 AND variant_id IN ({})",
        crate::placeholders(2, variant_ids.len())
    );
    on_conn!(c, c => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(cart_id);
        for id in variant_ids {
            q = q.bind(*id);
        }
        q.execute(&mut *c).await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Moves every line of a logged-out cart into the account's cart (quantities add up, capped at
/// `max_quantity`) and deletes the logged-out cart.
pub async fn merge(c: Conn<'_>, from: i64, into: i64, max_quantity: i64) -> StoreResult<()> {
    const MOVE: &str = "INSERT INTO cart_items (cart_id, variant_id, quantity, unit_price_minor, currency, added_at) \
        SELECT $2, variant_id, quantity, unit_price_minor, currency, added_at FROM cart_items WHERE cart_id = $1 \
        ON CONFLICT (cart_id, variant_id) DO UPDATE SET quantity = CASE \
            WHEN cart_items.quantity + excluded.quantity > $3 THEN $3 \
            ELSE cart_items.quantity + excluded.quantity END";
    const DROP: &str = "DELETE FROM carts WHERE id = $1";
    on_conn!(c, c => {
        // The body sends two statements; on_conn! counted one.
        crate::stats::statement();
        sqlx::query(MOVE).bind(from).bind(into).bind(max_quantity).execute(&mut *c).await?;
        sqlx::query(DROP).bind(from).execute(&mut *c).await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Puts an order's lines back into a cart (a declined payment should not make the shopper start over).
pub async fn restore_from_order(
    c: Conn<'_>,
    cart_id: i64,
    order_id: i64,
    max_quantity: i64,
    now_us: i64,
) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO cart_items (cart_id, variant_id, quantity, unit_price_minor, currency, added_at) \
        SELECT $1, l.variant_id, l.quantity, l.unit_price_minor, o.currency, $4 \
        FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE l.order_id = $2 AND l.variant_id IS NOT NULL \
        ON CONFLICT (cart_id, variant_id) DO UPDATE SET quantity = CASE \
            WHEN cart_items.quantity + excluded.quantity > $3 THEN $3 \
            ELSE cart_items.quantity + excluded.quantity END";
    on_conn!(c, c => sqlx::query(SQL).bind(cart_id).bind(order_id).bind(max_quantity).bind(now_us)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Touches the account's cart row inside a write transaction. On PostgreSQL this takes the row lock, so two
/// checkouts of the same cart run one after the other and the second sees the lines the first removed
/// (SQLite's single writer already serialises them).
pub async fn lock_user_cart(c: Conn<'_>, user_id: i64, now_us: i64) -> StoreResult<Option<i64>> {
    const SQL: &str = "UPDATE carts SET updated_at = $2 WHERE user_id = $1 RETURNING id";
    let id: Option<i64> = on_conn!(c, c => sqlx::query_scalar(SQL).bind(user_id).bind(now_us)
        .fetch_optional(&mut *c).await)?;
    Ok(id)
}
