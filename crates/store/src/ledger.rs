//! The double-entry ledger: transactions and their entries, and the queries that prove they balance.
//!
//! Writing goes through the service (`souk_service::ledger`), which refuses unbalanced transactions; the
//! check queries here look at what is actually stored, so they also catch rows written any other way.

use crate::{Conn, StoreResult, on_conn};

pub async fn insert_transaction(
    c: Conn<'_>,
    kind: &str,
    order_id: Option<i64>,
    payment_id: Option<i64>,
    refund_id: Option<i64>,
    memo: &str,
    now_us: i64,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO ledger_transactions (kind, order_id, payment_id, refund_id, memo, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
    let id: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(kind).bind(order_id).bind(payment_id)
        .bind(refund_id).bind(memo).bind(now_us).fetch_one(&mut *c).await)?;
    Ok(id)
}

pub async fn insert_entry(
    c: Conn<'_>,
    transaction_id: i64,
    account: &str,
    shop_id: Option<i64>,
    currency: &str,
    debit_minor: i64,
    credit_minor: i64,
) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO ledger_entries (transaction_id, account, shop_id, currency, debit_minor, credit_minor) \
        VALUES ($1, $2, $3, $4, $5, $6)";
    on_conn!(c, c => sqlx::query(SQL).bind(transaction_id).bind(account).bind(shop_id).bind(currency)
        .bind(debit_minor).bind(credit_minor).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn transaction_count(c: Conn<'_>) -> StoreResult<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM ledger_transactions";
    let n: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).fetch_one(&mut *c).await)?;
    Ok(n)
}

/// (transaction id, currency, debits, credits) for every transaction whose entries do not balance in some
/// currency, and transactions with no entries at all.
pub async fn unbalanced(c: Conn<'_>) -> StoreResult<Vec<(i64, String, i64, i64)>> {
    // PostgreSQL sums BIGINT into NUMERIC; the casts bring both engines back to i64.
    const SQL: &str = "SELECT transaction_id, currency, CAST(SUM(debit_minor) AS BIGINT), CAST(SUM(credit_minor) AS BIGINT) \
        FROM ledger_entries GROUP BY transaction_id, currency \
        HAVING SUM(debit_minor) <> SUM(credit_minor) \
        UNION ALL \
        SELECT t.id, '', 0, 0 FROM ledger_transactions t \
        WHERE NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.transaction_id = t.id) \
        ORDER BY 1";
    let rows: Vec<(i64, String, i64, i64)> =
        on_conn!(c, c => sqlx::query_as(SQL).fetch_all(&mut *c).await)?;
    Ok(rows)
}

/// (account, currency, debits, credits), every account and currency with entries.
pub async fn balances(c: Conn<'_>) -> StoreResult<Vec<(String, String, i64, i64)>> {
    const SQL: &str = "SELECT account, currency, CAST(SUM(debit_minor) AS BIGINT), CAST(SUM(credit_minor) AS BIGINT) \
        FROM ledger_entries GROUP BY account, currency ORDER BY currency, account";
    let rows: Vec<(String, String, i64, i64)> =
        on_conn!(c, c => sqlx::query_as(SQL).fetch_all(&mut *c).await)?;
    Ok(rows)
}

/// An order whose paid or refunded totals differ from what the ledger booked for it.
#[derive(Debug, Clone)]
pub struct OrderMismatch {
    pub order_id: i64,
    pub currency: String,
    pub paid_minor: i64,
    pub refunded_minor: i64,
    pub ledger_paid_minor: i64,
    pub ledger_refunded_minor: i64,
}

/// Orders whose `paid_minor`/`refunded_minor` disagree with the ledger. Money received is the debit to
/// `shopper_payments` in payment transactions; money returned is the credit to it in refund transactions.
pub async fn order_mismatches(c: Conn<'_>) -> StoreResult<Vec<OrderMismatch>> {
    const SQL: &str = "SELECT o.id, o.currency, o.paid_minor, o.refunded_minor, \
            CAST(COALESCE(p.amount, 0) AS BIGINT), CAST(COALESCE(r.amount, 0) AS BIGINT) \
        FROM orders o \
        LEFT JOIN (SELECT t.order_id AS order_id, SUM(e.debit_minor) AS amount FROM ledger_transactions t \
            JOIN ledger_entries e ON e.transaction_id = t.id \
            WHERE t.kind = 'payment' AND e.account = 'shopper_payments' GROUP BY t.order_id) p ON p.order_id = o.id \
        LEFT JOIN (SELECT t.order_id AS order_id, SUM(e.credit_minor) AS amount FROM ledger_transactions t \
            JOIN ledger_entries e ON e.transaction_id = t.id \
            WHERE t.kind = 'refund' AND e.account = 'shopper_payments' GROUP BY t.order_id) r ON r.order_id = o.id \
        WHERE o.paid_minor <> COALESCE(p.amount, 0) OR o.refunded_minor <> COALESCE(r.amount, 0) \
        ORDER BY o.id LIMIT 500";
    type Row = (i64, String, i64, i64, i64, i64);
    let rows: Vec<Row> = on_conn!(c, c => sqlx::query_as(SQL).fetch_all(&mut *c).await)?;
    Ok(rows
        .into_iter()
        .map(|r| OrderMismatch {
            order_id: r.0,
            currency: r.1,
            paid_minor: r.2,
            refunded_minor: r.3,
            ledger_paid_minor: r.4,
            ledger_refunded_minor: r.5,
        })
        .collect())
}
