//! Payments recorded per order and provider, and the money columns of an order they move.
//!
//! Every status change is a guarded UPDATE (`WHERE status = 'pending'`), so a webhook delivered twice, or
//! racing the merchant's "mark paid", settles a payment exactly once.

use crate::{Conn, StoreResult, on_conn};

#[derive(Debug, Clone)]
pub struct PaymentRecord {
    pub id: i64,
    pub order_id: i64,
    pub provider: String,
    pub provider_ref: String,
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
    pub failure_code: String,
    pub created_at: i64,
    pub updated_at: i64,
}

type PaymentRow = (
    i64,
    i64,
    String,
    String,
    String,
    i64,
    String,
    String,
    i64,
    i64,
);

fn payment(r: PaymentRow) -> PaymentRecord {
    PaymentRecord {
        id: r.0,
        order_id: r.1,
        provider: r.2,
        provider_ref: r.3,
        status: r.4,
        amount_minor: r.5,
        currency: r.6,
        failure_code: r.7,
        created_at: r.8,
        updated_at: r.9,
    }
}

const COLUMNS: &str = "id, order_id, provider, provider_ref, status, amount_minor, currency, failure_code, \
    created_at, updated_at";

/// The parts of an order that payments, refunds and the ledger need.
#[derive(Debug, Clone)]
pub struct OrderMoney {
    pub id: i64,
    pub shop_id: i64,
    pub buyer_id: i64,
    pub status: String,
    pub currency: String,
    pub total_minor: i64,
    pub paid_minor: i64,
    pub refunded_minor: i64,
    pub payment_provider: String,
}

pub async fn order_money(c: Conn<'_>, order_id: i64) -> StoreResult<Option<OrderMoney>> {
    const SQL: &str = "SELECT id, shop_id, buyer_id, status, currency, total_minor, paid_minor, refunded_minor, \
        payment_provider FROM orders WHERE id = $1";
    type Row = (i64, i64, i64, String, String, i64, i64, i64, String);
    let row: Option<Row> =
        on_conn!(c, c => sqlx::query_as(SQL).bind(order_id).fetch_optional(&mut *c).await)?;
    Ok(row.map(|r| OrderMoney {
        id: r.0,
        shop_id: r.1,
        buyer_id: r.2,
        status: r.3,
        currency: r.4,
        total_minor: r.5,
        paid_minor: r.6,
        refunded_minor: r.7,
        payment_provider: r.8,
    }))
}

pub struct NewPayment<'a> {
    pub order_id: i64,
    pub provider: &'a str,
    pub provider_ref: &'a str,
    pub status: &'a str,
    pub amount_minor: i64,
    pub currency: &'a str,
    pub failure_code: &'a str,
    pub now_us: i64,
}

pub async fn insert(c: Conn<'_>, p: &NewPayment<'_>) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO payments (order_id, provider, provider_ref, status, amount_minor, currency, \
        failure_code, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id";
    let id: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(p.order_id).bind(p.provider).bind(p.provider_ref)
        .bind(p.status).bind(p.amount_minor).bind(p.currency).bind(p.failure_code).bind(p.now_us)
        .fetch_one(&mut *c).await)?;
    Ok(id)
}

pub async fn get(c: Conn<'_>, id: i64) -> StoreResult<Option<PaymentRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM payments WHERE id = $1");
    let row: Option<PaymentRow> = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id)
        .fetch_optional(&mut *c).await)?;
    Ok(row.map(payment))
}

pub async fn by_provider_ref(
    c: Conn<'_>,
    provider: &str,
    provider_ref: &str,
) -> StoreResult<Option<PaymentRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM payments WHERE provider = $1 AND provider_ref = $2");
    let row: Option<PaymentRow> = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(provider)
        .bind(provider_ref).fetch_optional(&mut *c).await)?;
    Ok(row.map(payment))
}

/// The order's most recent payment attempt (what an order page shows as "payment").
pub async fn latest_for_order(c: Conn<'_>, order_id: i64) -> StoreResult<Option<PaymentRecord>> {
    let sql =
        format!("SELECT {COLUMNS} FROM payments WHERE order_id = $1 ORDER BY id DESC LIMIT 1");
    let row: Option<PaymentRow> = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(order_id)
        .fetch_optional(&mut *c).await)?;
    Ok(row.map(payment))
}

/// The order's succeeded payment with the most money left to refund against (refunds name one payment).
pub async fn succeeded_for_order(c: Conn<'_>, order_id: i64) -> StoreResult<Vec<PaymentRecord>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM payments WHERE order_id = $1 AND status = 'succeeded' ORDER BY id"
    );
    let rows: Vec<PaymentRow> = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(order_id)
        .fetch_all(&mut *c).await)?;
    Ok(rows.into_iter().map(payment).collect())
}

pub async fn count_for_order(c: Conn<'_>, order_id: i64) -> StoreResult<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM payments WHERE order_id = $1";
    let n: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(order_id).fetch_one(&mut *c).await)?;
    Ok(n)
}

/// Settles a pending payment as `succeeded` or `failed`; false when it was not pending any more (a
/// replayed webhook, or a concurrent settlement won).
pub async fn settle(
    c: Conn<'_>,
    id: i64,
    status: &str,
    failure_code: &str,
    now_us: i64,
) -> StoreResult<bool> {
    const SQL: &str = "UPDATE payments SET status = $2, failure_code = $3, updated_at = $4 \
        WHERE id = $1 AND status = 'pending'";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(id).bind(status).bind(failure_code).bind(now_us)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Remembers which provider the order is being paid with (shown on order pages).
pub async fn set_order_provider(c: Conn<'_>, order_id: i64, provider: &str) -> StoreResult<()> {
    const SQL: &str = "UPDATE orders SET payment_provider = $2 WHERE id = $1";
    on_conn!(c, c => sqlx::query(SQL).bind(order_id).bind(provider).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Adds a received payment to the order's paid total.
pub async fn add_paid(c: Conn<'_>, order_id: i64, amount: i64, now_us: i64) -> StoreResult<()> {
    const SQL: &str =
        "UPDATE orders SET paid_minor = paid_minor + $2, updated_at = $3 WHERE id = $1";
    on_conn!(c, c => sqlx::query(SQL).bind(order_id).bind(amount).bind(now_us).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Pending payments of an order, for cancelling them when the order goes away.
pub async fn pending_for_order(c: Conn<'_>, order_id: i64) -> StoreResult<Vec<PaymentRecord>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM payments WHERE order_id = $1 AND status = 'pending' ORDER BY id"
    );
    let rows: Vec<PaymentRow> = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(order_id)
        .fetch_all(&mut *c).await)?;
    Ok(rows.into_iter().map(payment).collect())
}
