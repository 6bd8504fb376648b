//! Read-only figures for the merchant dashboard: today's orders, revenue per day, low stock, recent orders.

use crate::{Conn, StoreResult, on_conn};

// PostgreSQL sums BIGINT into NUMERIC, hence the casts back to BIGINT.
// Revenue counts orders that were paid at some point: paid, fulfilled, delivered or refunded (net of refunds).

/// `(orders, revenue net of refunds)` for orders created in `[from_us, to_us)`.
pub async fn orders_between(
    c: Conn<'_>,
    shop_id: i64,
    from_us: i64,
    to_us: i64,
) -> StoreResult<(i64, i64)> {
    const SQL: &str = "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN status IN ('paid', 'fulfilled', 'delivered', 'refunded') \
         THEN paid_minor - refunded_minor ELSE 0 END), 0) AS BIGINT) \
         FROM orders WHERE shop_id = $1 AND created_at >= $2 AND created_at < $3 AND status <> 'requested'";
    let row: (i64, i64) = on_conn!(c, c => sqlx::query_as(SQL).bind(shop_id).bind(from_us).bind(to_us)
        .fetch_one(&mut *c).await)?;
    Ok(row)
}

/// Net revenue and order count per UTC day number (`created_at / 86 400 000 000`) from `from_us` on.
pub async fn revenue_by_day(
    c: Conn<'_>,
    shop_id: i64,
    from_us: i64,
) -> StoreResult<Vec<(i64, i64, i64)>> {
    const SQL: &str = "SELECT created_at / 86400000000 AS day, COUNT(*), CAST(COALESCE(SUM(paid_minor - refunded_minor), 0) AS BIGINT) \
         FROM orders WHERE shop_id = $1 AND created_at >= $2 \
           AND status IN ('paid', 'fulfilled', 'delivered', 'refunded') \
         GROUP BY created_at / 86400000000 ORDER BY day";
    let rows: Vec<(i64, i64, i64)> = on_conn!(c, c => sqlx::query_as(SQL).bind(shop_id).bind(from_us)
        .fetch_all(&mut *c).await)?;
    Ok(rows)
}

/// How many orders wait for the merchant: paid but not shipped, and order requests to answer.
pub async fn waiting_counts(c: Conn<'_>, shop_id: i64) -> StoreResult<(i64, i64)> {
    const SQL: &str = "SELECT COALESCE(SUM(CASE WHEN status = 'paid' THEN 1 ELSE 0 END), 0), \
        COALESCE(SUM(CASE WHEN status = 'requested' THEN 1 ELSE 0 END), 0) \
        FROM orders WHERE shop_id = $1 AND status IN ('paid', 'requested')";
    let row: (i64, i64) =
        on_conn!(c, c => sqlx::query_as(SQL).bind(shop_id).fetch_one(&mut *c).await)?;
    Ok(row)
}

/// A tracked variant of an active or draft product at or below the threshold.
#[derive(Debug, Clone)]
pub struct LowStock {
    pub product_id: i64,
    pub variant_id: i64,
    pub title: String,
    pub sku: String,
    pub option_values: [String; 3],
    pub stock: i64,
}

pub async fn low_stock(
    c: Conn<'_>,
    shop_id: i64,
    threshold: i64,
    limit: i64,
) -> StoreResult<Vec<LowStock>> {
    const SQL: &str = "SELECT p.id, v.id, p.title, v.sku, v.option1, v.option2, v.option3, v.stock \
        FROM variants v JOIN products p ON p.id = v.product_id \
        WHERE v.shop_id = $1 AND v.track_inventory AND v.stock <= $2 AND p.status <> 'archived' \
          AND v.availability <> 'discontinued' \
        ORDER BY v.stock, p.title, v.id LIMIT $3";
    type Row = (i64, i64, String, String, String, String, String, i64);
    let rows: Vec<Row> = on_conn!(c, c => sqlx::query_as(SQL).bind(shop_id).bind(threshold).bind(limit)
        .fetch_all(&mut *c).await)?;
    Ok(rows
        .into_iter()
        .map(
            |(product_id, variant_id, title, sku, o1, o2, o3, stock)| LowStock {
                product_id,
                variant_id,
                title,
                sku,
                option_values: [o1, o2, o3],
                stock,
            },
        )
        .collect())
}

/// The newest orders: `(id, status, total_minor, buyer username, created_at)`.
pub async fn recent_orders(
    c: Conn<'_>,
    shop_id: i64,
    limit: i64,
) -> StoreResult<Vec<(i64, String, i64, String, i64)>> {
    const SQL: &str = "SELECT o.id, o.status, o.total_minor, u.username, o.created_at FROM orders o \
        JOIN users u ON u.id = o.buyer_id WHERE o.shop_id = $1 ORDER BY o.id DESC LIMIT $2";
    let rows =
        on_conn!(c, c => sqlx::query_as(SQL).bind(shop_id).bind(limit).fetch_all(&mut *c).await)?;
    Ok(rows)
}

/// Buy-button clicks to the merchant's website since `from_us`.
pub async fn clicks_since(c: Conn<'_>, shop_id: i64, from_us: i64) -> StoreResult<i64> {
    const SQL: &str =
        "SELECT COUNT(*) FROM checkout_clicks WHERE shop_id = $1 AND created_at >= $2";
    let n: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(shop_id).bind(from_us).fetch_one(&mut *c).await)?;
    Ok(n)
}

/// The shop's name and currency, for headings and money formatting.
pub async fn shop_basics(c: Conn<'_>, shop_id: i64) -> StoreResult<(String, String)> {
    const SQL: &str = "SELECT name, currency FROM shops WHERE id = $1";
    let row: (String, String) =
        on_conn!(c, c => sqlx::query_as(SQL).bind(shop_id).fetch_one(&mut *c).await)?;
    Ok(row)
}
