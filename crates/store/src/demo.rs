//! Writes only demo loading needs: moving a demo order and everything it caused back in time, so a fresh
//! install's charts and order lists show a history instead of one busy minute.

use crate::{Conn, StoreResult, on_conn};

/// Shifts an order's creation and update times, its events, payments, refunds and ledger transactions by
/// `shift_us` (negative = into the past).
pub async fn backdate_order(c: Conn<'_>, order_id: i64, shift_us: i64) -> StoreResult<()> {
    const SQL: &[&str] = &[
        "UPDATE orders SET created_at = created_at + $2, updated_at = updated_at + $2 WHERE id = $1",
        "UPDATE order_events SET created_at = created_at + $2 WHERE order_id = $1",
        "UPDATE payments SET created_at = created_at + $2, updated_at = updated_at + $2 WHERE order_id = $1",
        "UPDATE refunds SET created_at = created_at + $2 WHERE order_id = $1",
        "UPDATE ledger_transactions SET created_at = created_at + $2 WHERE order_id = $1",
        "UPDATE mail_outbox SET created_at = created_at + $2 WHERE order_id = $1",
    ];
    on_conn!(c, c => {
        for sql in SQL {
            sqlx::query(sqlx::AssertSqlSafe(*sql)).bind(order_id).bind(shift_us).execute(&mut *c).await?;
        }
        Ok::<(), sqlx::Error>(())
    })?;
    Ok(())
}
