//! Shops, their staff, and branding.

use crate::{Conn, StoreResult, on_conn};

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
