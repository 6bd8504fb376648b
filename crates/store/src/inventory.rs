//! Stock: taking units at checkout with one conditional UPDATE and giving them back.
//!
//! `variants.stock` is what can still be sold. Taking is a single `UPDATE … WHERE stock >= n`, so two buyers
//! of the last unit can never both succeed on either engine: PostgreSQL re-checks the condition on the
//! locked row, and SQLite runs writers one at a time.

use crate::{Conn, StoreResult, on_conn};

/// What taking units from a variant did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// Units were taken from a tracked variant.
    Taken,
    /// The variant does not track inventory; nothing was taken.
    Untracked,
    /// Not enough stock (or no such variant); nothing changed.
    Short,
}

/// Takes `qty` units from a variant if that many are left.
pub async fn take(c: Conn<'_>, variant_id: i64, qty: i64, now_us: i64) -> StoreResult<Take> {
    const SQL: &str = "UPDATE variants SET stock = stock - $1, updated_at = $3 \
        WHERE id = $2 AND track_inventory AND stock >= $1";
    const UNTRACKED: &str = "SELECT COUNT(*) FROM variants WHERE id = $1 AND NOT track_inventory";
    // Written per engine rather than through on_conn!, so the statements are counted here.
    crate::stats::statement();
    match c {
        Conn::Sqlite(c) => {
            let n = sqlx::query(SQL)
                .bind(qty)
                .bind(variant_id)
                .bind(now_us)
                .execute(&mut *c)
                .await?
                .rows_affected();
            if n == 1 {
                return Ok(Take::Taken);
            }
            crate::stats::statement();
            let u: i64 = sqlx::query_scalar(UNTRACKED)
                .bind(variant_id)
                .fetch_one(&mut *c)
                .await?;
            Ok(if u > 0 { Take::Untracked } else { Take::Short })
        }
        Conn::Postgres(c) => {
            let n = sqlx::query(SQL)
                .bind(qty)
                .bind(variant_id)
                .bind(now_us)
                .execute(&mut *c)
                .await?
                .rows_affected();
            if n == 1 {
                return Ok(Take::Taken);
            }
            crate::stats::statement();
            let u: i64 = sqlx::query_scalar(UNTRACKED)
                .bind(variant_id)
                .fetch_one(&mut *c)
                .await?;
            Ok(if u > 0 { Take::Untracked } else { Take::Short })
        }
    }
}

/// Returns `qty` units to a tracked variant (cancelled order, refund with restock).
pub async fn give_back(c: Conn<'_>, variant_id: i64, qty: i64, now_us: i64) -> StoreResult<()> {
    const SQL: &str =
        "UPDATE variants SET stock = stock + $1, updated_at = $3 WHERE id = $2 AND track_inventory";
    on_conn!(c, c => sqlx::query(SQL).bind(qty).bind(variant_id).bind(now_us).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Gives back every unit an order's lines still hold and marks them released, so running it twice (a
/// retried job, a webhook racing the timeout) restocks once.
pub async fn release_order(c: Conn<'_>, order_id: i64, now_us: i64) -> StoreResult<u64> {
    const RESTOCK: &str = "UPDATE variants SET stock = stock + (SELECT COALESCE(SUM(l.quantity), 0) \
            FROM order_lines l WHERE l.order_id = $1 AND l.variant_id = variants.id AND l.stock_taken), \
            updated_at = $2 \
        WHERE track_inventory AND id IN (SELECT variant_id FROM order_lines WHERE order_id = $1 AND stock_taken)";
    const MARK: &str =
        "UPDATE order_lines SET stock_taken = FALSE WHERE order_id = $1 AND stock_taken";
    let n = on_conn!(c, c => {
        // The body sends two statements; on_conn! counted one.
        crate::stats::statement();
        let n = sqlx::query(RESTOCK).bind(order_id).bind(now_us).execute(&mut *c).await?.rows_affected();
        sqlx::query(MARK).bind(order_id).execute(&mut *c).await?;
        Ok::<u64, sqlx::Error>(n)
    })?;
    Ok(n)
}
