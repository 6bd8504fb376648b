//! Refunds and the order lines they return.
//!
//! The amount guard lives in one statement, [`reserve_amount`]: `refunded_minor + n <= paid_minor` is
//! checked and applied atomically, so concurrent refunds of one order can never add up to more than was
//! paid on either engine.

use crate::{Conn, StoreResult, on_conn};

/// Adds `amount` to the order's refunded total if it stays within what was paid and the order is in a
/// refundable state. False (nothing changed) otherwise.
pub async fn reserve_amount(
    c: Conn<'_>,
    order_id: i64,
    amount: i64,
    now_us: i64,
) -> StoreResult<bool> {
    const SQL: &str = "UPDATE orders SET refunded_minor = refunded_minor + $2, updated_at = $3 \
        WHERE id = $1 AND refunded_minor + $2 <= paid_minor \
        AND status IN ('paid', 'fulfilled', 'delivered')";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(order_id).bind(amount).bind(now_us)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Records money returned for an order outside the refund flow (a payment that arrived after the order
/// was cancelled); no state or amount guard beyond the table's own CHECK.
pub async fn add_refunded(c: Conn<'_>, order_id: i64, amount: i64, now_us: i64) -> StoreResult<()> {
    const SQL: &str =
        "UPDATE orders SET refunded_minor = refunded_minor + $2, updated_at = $3 WHERE id = $1";
    on_conn!(c, c => sqlx::query(SQL).bind(order_id).bind(amount).bind(now_us).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub struct NewRefund<'a> {
    pub order_id: i64,
    pub payment_id: Option<i64>,
    pub amount_minor: i64,
    pub currency: &'a str,
    pub reason: &'a str,
    pub restock: bool,
    pub provider_ref: &'a str,
    pub actor_id: Option<i64>,
    pub now_us: i64,
}

pub async fn insert(c: Conn<'_>, r: &NewRefund<'_>) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO refunds (order_id, payment_id, amount_minor, currency, reason, restock, \
        provider_ref, actor_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";
    let id: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(r.order_id).bind(r.payment_id)
        .bind(r.amount_minor).bind(r.currency).bind(r.reason).bind(r.restock).bind(r.provider_ref)
        .bind(r.actor_id).bind(r.now_us).fetch_one(&mut *c).await)?;
    Ok(id)
}

pub async fn set_provider_ref(c: Conn<'_>, refund_id: i64, provider_ref: &str) -> StoreResult<()> {
    const SQL: &str = "UPDATE refunds SET provider_ref = $2 WHERE id = $1";
    on_conn!(c, c => sqlx::query(SQL).bind(refund_id).bind(provider_ref).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Returns `qty` units of one order line, if that many are still unrefunded. False otherwise.
pub async fn add_line(
    c: Conn<'_>,
    refund_id: i64,
    order_line_id: i64,
    qty: i64,
) -> StoreResult<bool> {
    const GUARD: &str = "UPDATE order_lines SET refunded_quantity = refunded_quantity + $2 \
        WHERE id = $1 AND refunded_quantity + $2 <= quantity";
    const LINE: &str =
        "INSERT INTO refund_lines (refund_id, order_line_id, quantity) VALUES ($1, $2, $3)";
    let ok = on_conn!(c, c => {
        // The body sends two statements; on_conn! counted one.
        crate::stats::statement();
        let n = sqlx::query(GUARD).bind(order_line_id).bind(qty).execute(&mut *c).await?.rows_affected();
        if n == 1 {
            sqlx::query(LINE).bind(refund_id).bind(order_line_id).bind(qty).execute(&mut *c).await?;
        }
        Ok::<bool, sqlx::Error>(n == 1)
    })?;
    Ok(ok)
}

/// An order line as a refund sees it.
#[derive(Debug, Clone)]
pub struct RefundableLine {
    pub id: i64,
    pub variant_id: Option<i64>,
    pub title: String,
    pub variant_title: String,
    pub unit_price_minor: i64,
    pub quantity: i64,
    pub refunded_quantity: i64,
}

pub async fn order_lines(c: Conn<'_>, order_id: i64) -> StoreResult<Vec<RefundableLine>> {
    const SQL: &str = "SELECT id, variant_id, title, variant_title, unit_price_minor, quantity, refunded_quantity \
        FROM order_lines WHERE order_id = $1 ORDER BY id";
    type Row = (i64, Option<i64>, String, String, i64, i64, i64);
    let rows: Vec<Row> =
        on_conn!(c, c => sqlx::query_as(SQL).bind(order_id).fetch_all(&mut *c).await)?;
    Ok(rows
        .into_iter()
        .map(|r| RefundableLine {
            id: r.0,
            variant_id: r.1,
            title: r.2,
            variant_title: r.3,
            unit_price_minor: r.4,
            quantity: r.5,
            refunded_quantity: r.6,
        })
        .collect())
}

#[derive(Debug, Clone)]
pub struct RefundRecord {
    pub id: i64,
    pub order_id: i64,
    pub amount_minor: i64,
    pub currency: String,
    pub reason: String,
    pub restock: bool,
    pub provider_ref: String,
    pub created_at: i64,
    /// (order line id, quantity)
    pub lines: Vec<(i64, i64)>,
}

pub async fn for_order(c: Conn<'_>, order_id: i64) -> StoreResult<Vec<RefundRecord>> {
    const SQL: &str = "SELECT id, order_id, amount_minor, currency, reason, restock, provider_ref, created_at \
        FROM refunds WHERE order_id = $1 ORDER BY id";
    const LINES: &str = "SELECT rl.refund_id, rl.order_line_id, rl.quantity FROM refund_lines rl \
        JOIN refunds r ON r.id = rl.refund_id WHERE r.order_id = $1 ORDER BY rl.order_line_id";
    type Row = (i64, i64, i64, String, String, bool, String, i64);
    let (rows, lines): (Vec<Row>, Vec<(i64, i64, i64)>) = on_conn!(c, c => {
        // The body sends two statements; on_conn! counted one.
        crate::stats::statement();
        let rows: Vec<Row> = sqlx::query_as(SQL).bind(order_id).fetch_all(&mut *c).await?;
        let lines: Vec<(i64, i64, i64)> = sqlx::query_as(LINES).bind(order_id).fetch_all(&mut *c).await?;
        Ok::<_, sqlx::Error>((rows, lines))
    })?;
    Ok(rows
        .into_iter()
        .map(|r| RefundRecord {
            lines: lines
                .iter()
                .filter(|l| l.0 == r.0)
                .map(|l| (l.1, l.2))
                .collect(),
            id: r.0,
            order_id: r.1,
            amount_minor: r.2,
            currency: r.3,
            reason: r.4,
            restock: r.5,
            provider_ref: r.6,
            created_at: r.7,
        })
        .collect())
}
