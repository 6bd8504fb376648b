//! The outgoing mail outbox: rows written in the same transaction as the change they announce, claimed
//! and sent later by the sender loop.

use crate::{Conn, StoreResult, on_conn};

/// Messages that failed this many times are left alone (visible as failed on the admin page).
pub const MAX_ATTEMPTS: i64 = 5;

/// What an order e-mail needs to know about the order, its shop and its buyer.
#[derive(Debug, Clone)]
pub struct MailOrder {
    pub id: i64,
    pub status: String,
    pub currency: String,
    pub subtotal_minor: i64,
    pub shipping_minor: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
    pub paid_minor: i64,
    pub refunded_minor: i64,
    /// The order's own e-mail, else the buyer account's.
    pub email: String,
    pub buyer_username: String,
    pub buyer_locale: Option<String>,
    pub shop_name: String,
    pub tracking_number: String,
    pub carrier: String,
}

pub async fn order_for_mail(c: Conn<'_>, order_id: i64) -> StoreResult<Option<MailOrder>> {
    const SQL: &str = "SELECT o.id, o.status, o.currency, o.subtotal_minor, o.shipping_minor, o.tax_minor, \
            o.total_minor, o.paid_minor, o.refunded_minor, \
            CASE WHEN o.email <> '' THEN o.email ELSE u.email END, u.username, u.locale, s.name, \
            o.tracking_number, o.carrier \
        FROM orders o JOIN users u ON u.id = o.buyer_id JOIN shops s ON s.id = o.shop_id WHERE o.id = $1";
    type Row = (
        i64,
        String,
        String,
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
        String,
        String,
        Option<String>,
        String,
        String,
        String,
    );
    let row: Option<Row> =
        on_conn!(c, c => sqlx::query_as(SQL).bind(order_id).fetch_optional(&mut *c).await)?;
    Ok(row.map(|r| MailOrder {
        id: r.0,
        status: r.1,
        currency: r.2,
        subtotal_minor: r.3,
        shipping_minor: r.4,
        tax_minor: r.5,
        total_minor: r.6,
        paid_minor: r.7,
        refunded_minor: r.8,
        email: r.9,
        buyer_username: r.10,
        buyer_locale: r.11,
        shop_name: r.12,
        tracking_number: r.13,
        carrier: r.14,
    }))
}

#[allow(clippy::too_many_arguments)]
pub async fn insert(
    c: Conn<'_>,
    to: &str,
    subject: &str,
    body: &str,
    kind: &str,
    order_id: Option<i64>,
    now_us: i64,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO mail_outbox (to_address, subject, body_text, kind, order_id, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
    let id: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(to).bind(subject).bind(body).bind(kind)
        .bind(order_id).bind(now_us).fetch_one(&mut *c).await)?;
    Ok(id)
}

#[derive(Debug, Clone)]
pub struct MailRecord {
    pub id: i64,
    pub to_address: String,
    pub subject: String,
    pub body_text: String,
    pub kind: String,
    pub order_id: Option<i64>,
    pub status: String,
    pub attempts: i64,
    pub last_error: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

type MailRow = (
    i64,
    String,
    String,
    String,
    String,
    Option<i64>,
    String,
    i64,
    String,
    i64,
    Option<i64>,
);

fn record(r: MailRow) -> MailRecord {
    MailRecord {
        id: r.0,
        to_address: r.1,
        subject: r.2,
        body_text: r.3,
        kind: r.4,
        order_id: r.5,
        status: r.6,
        attempts: r.7,
        last_error: r.8,
        created_at: r.9,
        sent_at: r.10,
    }
}

const COLUMNS: &str = "id, to_address, subject, body_text, kind, order_id, status, CAST(attempts AS BIGINT), \
    last_error, created_at, sent_at";

/// Messages waiting to be sent (pending, or failed with attempts left), oldest first.
pub async fn due(c: Conn<'_>, limit: i64) -> StoreResult<Vec<MailRecord>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM mail_outbox WHERE status = 'pending' OR (status = 'failed' AND attempts < $1) \
         ORDER BY id LIMIT $2"
    );
    let rows: Vec<MailRow> = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(MAX_ATTEMPTS)
        .bind(limit).fetch_all(&mut *c).await)?;
    Ok(rows.into_iter().map(record).collect())
}

/// Claims one message for sending by marking it sent first: two senders running at once (the serve loop
/// and an operator's "send now") never both deliver it. False when someone else claimed it.
pub async fn claim(c: Conn<'_>, id: i64, now_us: i64) -> StoreResult<bool> {
    const SQL: &str = "UPDATE mail_outbox SET status = 'sent', attempts = attempts + 1, sent_at = $2, last_error = '' \
        WHERE id = $1 AND (status = 'pending' OR (status = 'failed' AND attempts < $3))";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(id).bind(now_us).bind(MAX_ATTEMPTS)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Undoes a claim whose delivery failed.
pub async fn mark_failed(c: Conn<'_>, id: i64, error: &str) -> StoreResult<()> {
    const SQL: &str =
        "UPDATE mail_outbox SET status = 'failed', sent_at = NULL, last_error = $2 WHERE id = $1";
    on_conn!(c, c => sqlx::query(SQL).bind(id).bind(error).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The newest messages first, for the operator's outbox page.
pub async fn list(c: Conn<'_>, limit: i64) -> StoreResult<Vec<MailRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM mail_outbox ORDER BY id DESC LIMIT $1");
    let rows: Vec<MailRow> = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(limit)
        .fetch_all(&mut *c).await)?;
    Ok(rows.into_iter().map(record).collect())
}

pub async fn get(c: Conn<'_>, id: i64) -> StoreResult<Option<MailRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM mail_outbox WHERE id = $1");
    let row: Option<MailRow> = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id)
        .fetch_optional(&mut *c).await)?;
    Ok(row.map(record))
}
