//! Orders, order lines and the order event log.

use crate::{Conn, StoreResult, on_conn};

/// Moves an order from `from` to `to` and records the event, only if it is still in `from`. Returns false
/// (and writes nothing) when another request changed the order first, so callers never apply a transition
/// twice. The caller checks `OrderStatus::can_become` before calling.
pub async fn transition(
    c: Conn<'_>,
    order_id: i64,
    from: &str,
    to: &str,
    actor_id: Option<i64>,
    note: &str,
    now_us: i64,
) -> StoreResult<bool> {
    const UPDATE: &str =
        "UPDATE orders SET status = $3, updated_at = $4 WHERE id = $1 AND status = $2";
    const EVENT: &str = "INSERT INTO order_events (order_id, from_status, to_status, actor_id, note, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6)";
    let changed = on_conn!(c, c => {
        let n = sqlx::query(UPDATE).bind(order_id).bind(from).bind(to).bind(now_us)
            .execute(&mut *c).await?.rows_affected();
        if n == 1 {
            sqlx::query(EVENT).bind(order_id).bind(from).bind(to).bind(actor_id).bind(note).bind(now_us)
                .execute(&mut *c).await?;
        }
        Ok::<bool, sqlx::Error>(n == 1)
    })?;
    Ok(changed)
}
