//! Orders, order lines and the order event log.

use crate::{Conn, StoreResult, on_conn, placeholders};

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
        // The body sends two statements; on_conn! counted one.
        crate::stats::statement();
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

/// A shipping address as stored on an order.
#[derive(Debug, Clone, Default)]
pub struct Address {
    pub name: String,
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub country: String,
    pub phone: String,
}

/// An order about to be written.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub shop_id: i64,
    pub buyer_id: i64,
    pub status: String,
    pub currency: String,
    pub subtotal_minor: i64,
    pub shipping_minor: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
    pub payment_provider: String,
    pub email: String,
    pub address: Address,
    pub shipping_method: String,
    pub note: String,
    pub reserved_until: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewLine {
    pub product_id: i64,
    pub variant_id: i64,
    pub title: String,
    pub variant_title: String,
    pub sku: String,
    pub unit_price_minor: i64,
    pub quantity: i64,
    pub stock_taken: bool,
}

#[derive(Debug, Clone)]
pub struct OrderRecord {
    pub id: i64,
    pub shop_id: i64,
    pub shop_handle: String,
    pub shop_name: String,
    pub buyer_id: i64,
    pub buyer_username: String,
    pub status: String,
    pub currency: String,
    pub subtotal_minor: i64,
    pub shipping_minor: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
    pub paid_minor: i64,
    pub refunded_minor: i64,
    pub payment_provider: String,
    pub email: String,
    pub address: Address,
    pub shipping_method: String,
    pub tracking_number: String,
    pub carrier: String,
    pub note: String,
    pub reserved_until: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone)]
pub struct LineRecord {
    pub id: i64,
    pub product_id: Option<i64>,
    pub variant_id: Option<i64>,
    pub title: String,
    pub variant_title: String,
    pub sku: String,
    pub unit_price_minor: i64,
    pub quantity: i64,
    pub refunded_quantity: i64,
    pub stock_taken: bool,
}

#[derive(Debug, Clone)]
pub struct EventRecord {
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_username: Option<String>,
    pub note: String,
    pub created_at: i64,
}

/// Writes the order and its first event (`from` NULL: the order came into being in `status`).
pub async fn insert(
    c: Conn<'_>,
    o: &NewOrder,
    actor_id: Option<i64>,
    now_us: i64,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO orders (shop_id, buyer_id, status, currency, subtotal_minor, shipping_minor, \
        tax_minor, total_minor, payment_provider, email, ship_name, ship_line1, ship_line2, ship_city, ship_region, \
        ship_postal_code, ship_country, ship_phone, shipping_method, note, reserved_until, created_at, updated_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $22) \
        RETURNING id";
    const EVENT: &str = "INSERT INTO order_events (order_id, from_status, to_status, actor_id, note, created_at) \
        VALUES ($1, NULL, $2, $3, '', $4)";
    let a = &o.address;
    let id: i64 = on_conn!(c, c => {
        // The body sends two statements; on_conn! counted one.
        crate::stats::statement();
        let id: i64 = sqlx::query_scalar(SQL).bind(o.shop_id).bind(o.buyer_id).bind(&o.status).bind(&o.currency)
            .bind(o.subtotal_minor).bind(o.shipping_minor).bind(o.tax_minor).bind(o.total_minor)
            .bind(&o.payment_provider).bind(&o.email).bind(&a.name).bind(&a.line1).bind(&a.line2).bind(&a.city)
            .bind(&a.region).bind(&a.postal_code).bind(&a.country).bind(&a.phone).bind(&o.shipping_method)
            .bind(&o.note).bind(o.reserved_until).bind(now_us)
            .fetch_one(&mut *c).await?;
        sqlx::query(EVENT).bind(id).bind(&o.status).bind(actor_id).bind(now_us).execute(&mut *c).await?;
        Ok::<i64, sqlx::Error>(id)
    })?;
    Ok(id)
}

/// Writes all of an order's lines in one statement (a cart holds at most a few dozen lines, well under
/// either engine's parameter limit).
pub async fn insert_lines(c: Conn<'_>, order_id: i64, lines: &[NewLine]) -> StoreResult<()> {
    if lines.is_empty() {
        return Ok(());
    }
    let values: Vec<String> = (0..lines.len())
        .map(|i| {
            let b = i * 8 + 2;
            format!(
                "($1, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                b,
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO order_lines (order_id, product_id, variant_id, title, variant_title, sku, \
         unit_price_minor, quantity, stock_taken) VALUES {}",
        values.join(", ")
    );
    on_conn!(c, c => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(order_id);
        for l in lines {
            q = q.bind(l.product_id).bind(l.variant_id).bind(&l.title).bind(&l.variant_title)
                .bind(&l.sku).bind(l.unit_price_minor).bind(l.quantity).bind(l.stock_taken);
        }
        q.execute(&mut *c).await.map(|r| r.rows_affected())
    })?;
    Ok(())
}

const ORDER_SELECT: &str = "SELECT o.id, o.shop_id, s.handle, s.name, o.buyer_id, u.username, o.status, o.currency, \
    o.subtotal_minor, o.shipping_minor, o.tax_minor, o.total_minor, o.paid_minor, o.refunded_minor, o.payment_provider, \
    o.email, o.ship_name, o.ship_line1, o.ship_line2, o.ship_city, o.ship_region, o.ship_postal_code, o.ship_country, \
    o.ship_phone, o.shipping_method, o.tracking_number, o.carrier, o.note, o.reserved_until, o.created_at, o.updated_at \
    FROM orders o JOIN shops s ON s.id = o.shop_id JOIN users u ON u.id = o.buyer_id";

macro_rules! order_from_row {
    ($r:expr) => {
        OrderRecord {
            id: $r.try_get(0)?,
            shop_id: $r.try_get(1)?,
            shop_handle: $r.try_get(2)?,
            shop_name: $r.try_get(3)?,
            buyer_id: $r.try_get(4)?,
            buyer_username: $r.try_get(5)?,
            status: $r.try_get(6)?,
            currency: $r.try_get(7)?,
            subtotal_minor: $r.try_get(8)?,
            shipping_minor: $r.try_get(9)?,
            tax_minor: $r.try_get(10)?,
            total_minor: $r.try_get(11)?,
            paid_minor: $r.try_get(12)?,
            refunded_minor: $r.try_get(13)?,
            payment_provider: $r.try_get(14)?,
            email: $r.try_get(15)?,
            address: Address {
                name: $r.try_get(16)?,
                line1: $r.try_get(17)?,
                line2: $r.try_get(18)?,
                city: $r.try_get(19)?,
                region: $r.try_get(20)?,
                postal_code: $r.try_get(21)?,
                country: $r.try_get(22)?,
                phone: $r.try_get(23)?,
            },
            shipping_method: $r.try_get(24)?,
            tracking_number: $r.try_get(25)?,
            carrier: $r.try_get(26)?,
            note: $r.try_get(27)?,
            reserved_until: $r.try_get(28)?,
            created_at: $r.try_get(29)?,
            updated_at: $r.try_get(30)?,
        }
    };
}

pub async fn get(c: Conn<'_>, order_id: i64) -> StoreResult<Option<OrderRecord>> {
    use sqlx::Row;
    let sql = format!("{ORDER_SELECT} WHERE o.id = $1");
    let rec = on_conn!(c, c => {
        match sqlx::query(sqlx::AssertSqlSafe(sql)).bind(order_id).fetch_optional(&mut *c).await? {
            Some(r) => Ok::<_, sqlx::Error>(Some(order_from_row!(r))),
            None => Ok(None),
        }
    })?;
    Ok(rec)
}

/// Whose orders a list shows.
#[derive(Debug, Clone, Copy)]
pub enum OrderOwner {
    Buyer(i64),
    Shop(i64),
}

/// One page of orders, newest first, ids below `before_id`, optionally in one status.
pub async fn list(
    c: Conn<'_>,
    owner: OrderOwner,
    status: Option<&str>,
    before_id: i64,
    limit: i64,
) -> StoreResult<Vec<OrderRecord>> {
    use sqlx::Row;
    let (col, id) = match owner {
        OrderOwner::Buyer(id) => ("o.buyer_id", id),
        OrderOwner::Shop(id) => ("o.shop_id", id),
    };
    let sql = format!(
        "{ORDER_SELECT} WHERE {col} = $1 AND o.id < $2 AND ($3 = '' OR o.status = $3) ORDER BY o.id DESC LIMIT $4"
    );
    let status = status.unwrap_or("").to_owned();
    let rows = on_conn!(c, c => {
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).bind(before_id).bind(&status).bind(limit)
            .fetch_all(&mut *c).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(order_from_row!(r));
        }
        Ok::<_, sqlx::Error>(out)
    })?;
    Ok(rows)
}

pub async fn lines(c: Conn<'_>, order_id: i64) -> StoreResult<Vec<LineRecord>> {
    Ok(lines_of(c, &[order_id])
        .await?
        .into_iter()
        .map(|(_, l)| l)
        .collect())
}

/// The lines of several orders in one statement, as (order id, line), in order and line id order.
pub async fn lines_of(c: Conn<'_>, order_ids: &[i64]) -> StoreResult<Vec<(i64, LineRecord)>> {
    if order_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT order_id, id, product_id, variant_id, title, variant_title, sku, unit_price_minor, quantity, \
         refunded_quantity, stock_taken FROM order_lines WHERE order_id IN ({}) ORDER BY order_id, id",
        placeholders(1, order_ids.len())
    );
    type Row = (
        i64,
        i64,
        Option<i64>,
        Option<i64>,
        String,
        String,
        String,
        i64,
        i64,
        i64,
        bool,
    );
    let rows: Vec<Row> = crate::fetch_for_ids(c, sql, None, order_ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.0,
                LineRecord {
                    id: r.1,
                    product_id: r.2,
                    variant_id: r.3,
                    title: r.4,
                    variant_title: r.5,
                    sku: r.6,
                    unit_price_minor: r.7,
                    quantity: r.8,
                    refunded_quantity: r.9,
                    stock_taken: r.10,
                },
            )
        })
        .collect())
}

/// The status history of several orders in one statement, as (order id, event), oldest first.
pub async fn events_of(c: Conn<'_>, order_ids: &[i64]) -> StoreResult<Vec<(i64, EventRecord)>> {
    if order_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT e.order_id, e.from_status, e.to_status, u.username, e.note, e.created_at FROM order_events e \
         LEFT JOIN users u ON u.id = e.actor_id WHERE e.order_id IN ({}) ORDER BY e.order_id, e.id",
        placeholders(1, order_ids.len())
    );
    type Row = (i64, Option<String>, String, Option<String>, String, i64);
    let rows: Vec<Row> = crate::fetch_for_ids(c, sql, None, order_ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.0,
                EventRecord {
                    from_status: r.1,
                    to_status: r.2,
                    actor_username: r.3,
                    note: r.4,
                    created_at: r.5,
                },
            )
        })
        .collect())
}

/// Pending orders whose stock reservation ran out before `now`, oldest first.
pub async fn expired_pending(c: Conn<'_>, now_us: i64, limit: i64) -> StoreResult<Vec<i64>> {
    const SQL: &str = "SELECT id FROM orders WHERE status = 'pending' AND reserved_until IS NOT NULL \
        AND reserved_until <= $1 ORDER BY reserved_until, id LIMIT $2";
    let ids: Vec<i64> = on_conn!(c, c => sqlx::query_scalar(SQL).bind(now_us).bind(limit).fetch_all(&mut *c).await)?;
    Ok(ids)
}

pub async fn set_tracking(
    c: Conn<'_>,
    order_id: i64,
    tracking_number: &str,
    carrier: &str,
) -> StoreResult<()> {
    const SQL: &str = "UPDATE orders SET tracking_number = $2, carrier = $3 WHERE id = $1";
    on_conn!(c, c => sqlx::query(SQL).bind(order_id).bind(tracking_number).bind(carrier)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn set_reserved_until(c: Conn<'_>, order_id: i64, until: Option<i64>) -> StoreResult<()> {
    const SQL: &str = "UPDATE orders SET reserved_until = $2 WHERE id = $1";
    on_conn!(c, c => sqlx::query(SQL).bind(order_id).bind(until)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn set_payment_provider(c: Conn<'_>, order_id: i64, provider: &str) -> StoreResult<()> {
    const SQL: &str = "UPDATE orders SET payment_provider = $2 WHERE id = $1";
    on_conn!(c, c => sqlx::query(SQL).bind(order_id).bind(provider)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Marks every line of an order as holding stock (an order request the merchant confirmed).
pub async fn mark_line_stock_taken(c: Conn<'_>, line_id: i64) -> StoreResult<()> {
    const SQL: &str = "UPDATE order_lines SET stock_taken = TRUE WHERE id = $1";
    on_conn!(c, c => sqlx::query(SQL).bind(line_id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records a buy-button click that leaves for the merchant's website.
pub async fn record_click(
    c: Conn<'_>,
    shop_id: i64,
    product_id: i64,
    user_id: Option<i64>,
    now_us: i64,
) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO checkout_clicks (shop_id, product_id, user_id, created_at) VALUES ($1, $2, $3, $4)";
    on_conn!(c, c => sqlx::query(SQL).bind(shop_id).bind(product_id).bind(user_id).bind(now_us)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The account's e-mail, the default address for order mail.
pub async fn user_email(c: Conn<'_>, user_id: i64) -> StoreResult<String> {
    const SQL: &str = "SELECT email FROM users WHERE id = $1";
    let e: Option<String> =
        on_conn!(c, c => sqlx::query_scalar(SQL).bind(user_id).fetch_optional(&mut *c).await)?;
    Ok(e.unwrap_or_default())
}

/// The handle of a shop the user is staff of (their own first), for "my shop's orders" without a handle.
pub async fn staff_shop_handle(c: Conn<'_>, user_id: i64) -> StoreResult<Option<String>> {
    const SQL: &str = "SELECT s.handle FROM shop_staff st JOIN shops s ON s.id = st.shop_id \
        WHERE st.user_id = $1 ORDER BY CASE WHEN st.role = 'owner' THEN 0 ELSE 1 END, s.id LIMIT 1";
    let h: Option<String> =
        on_conn!(c, c => sqlx::query_scalar(SQL).bind(user_id).fetch_optional(&mut *c).await)?;
    Ok(h)
}

/// The newest payment attempt of an order: (id, provider, status, failure code).
/// The latest payment attempt of each of several orders: (order id, payment id, provider, status,
/// failure code).
pub async fn latest_payments(
    c: Conn<'_>,
    order_ids: &[i64],
) -> StoreResult<Vec<(i64, i64, String, String, String)>> {
    if order_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT p.order_id, p.id, p.provider, p.status, p.failure_code FROM payments p \
         WHERE p.id IN (SELECT MAX(id) FROM payments WHERE order_id IN ({}) GROUP BY order_id)",
        placeholders(1, order_ids.len())
    );
    crate::fetch_for_ids(c, sql, None, order_ids).await
}

pub async fn shop_currency(c: Conn<'_>, shop_id: i64) -> StoreResult<Option<String>> {
    const SQL: &str = "SELECT currency FROM shops WHERE id = $1";
    let cur: Option<String> =
        on_conn!(c, c => sqlx::query_scalar(SQL).bind(shop_id).fetch_optional(&mut *c).await)?;
    Ok(cur)
}

/// The shipping address of the buyer's most recent order, to fill in the next checkout:
/// (name, line1, line2, city, region, postal code, country, phone, email).
pub type LastAddress = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);

pub async fn last_address(c: Conn<'_>, buyer_id: i64) -> StoreResult<Option<LastAddress>> {
    const SQL: &str = "SELECT ship_name, ship_line1, ship_line2, ship_city, ship_region, ship_postal_code, ship_country, \
         ship_phone, email FROM orders WHERE buyer_id = $1 AND ship_line1 <> '' ORDER BY id DESC LIMIT 1";
    Ok(on_conn!(c, c => sqlx::query_as(SQL).bind(buyer_id).fetch_optional(&mut *c).await)?)
}
