//! Orders after checkout: the state machine, fulfilment, the shopper's and the merchant's order lists, and
//! releasing stock held by unpaid orders.
//!
//! Every status change goes through [`move_order`]: the domain's `can_become` says whether the change is
//! allowed at all, and the store's guarded UPDATE (`WHERE status = from`) decides races, so a late payment
//! and the reservation timeout can never both win.

use crate::cart::currency_of;
use crate::ledger::rb;
use crate::mail::{MailKind, enqueue_order_mail, order_number};
use crate::shops::{ShopRef, require_staff};
use crate::social::Page;
use crate::{CommerceConfig, Refusal, ServiceError, ServiceResult, Viewer};
use souk_domain::commerce::{MAX_LINE_QUANTITY, OrderStatus};
use souk_domain::{Money, Timestamp};
use souk_store::inventory::{self, Take};
use souk_store::orders::{self, Address, OrderOwner, OrderRecord};
use souk_store::{Conn, Db};

/// How long a confirmed order request holds its stock for the shopper to pay.
const CONFIRMED_REQUEST_HOLD_SECS: i64 = 2 * 24 * 60 * 60;
const PAGE_DEFAULT: i64 = 20;
const PAGE_MAX: i64 = 100;

#[derive(Clone)]
pub struct OrderService {
    db: Db,
    config: CommerceConfig,
}

#[derive(Debug, Clone)]
pub struct OrderView {
    pub id: i64,
    pub number: String,
    pub status: OrderStatus,
    pub shop_id: i64,
    pub shop_handle: String,
    pub shop_name: String,
    pub buyer_id: i64,
    pub buyer: String,
    pub lines: Vec<OrderLineView>,
    pub subtotal: Money,
    pub shipping: Money,
    pub tax: Money,
    pub total: Money,
    pub paid: Money,
    pub refunded: Money,
    pub payment: Option<PaymentSummary>,
    pub payment_provider: String,
    pub email: String,
    pub address: Address,
    pub shipping_method: String,
    pub tracking_number: String,
    pub carrier: String,
    pub note: String,
    pub reserved_until: Option<Timestamp>,
    pub events: Vec<OrderEventView>,
    pub created_at: Timestamp,
    /// Whether the viewer may act for the shop (fulfil, cancel, refund).
    pub viewer_is_staff: bool,
    pub viewer_is_buyer: bool,
}

impl OrderView {
    /// none, partial or full.
    pub fn refund_state(&self) -> &'static str {
        if self.refunded.amount_minor <= 0 {
            "none"
        } else if self.refunded.amount_minor >= self.paid.amount_minor {
            "full"
        } else {
            "partial"
        }
    }
}

#[derive(Debug, Clone)]
pub struct PaymentSummary {
    pub id: i64,
    pub provider: String,
    pub status: String,
    pub failure_code: String,
}

#[derive(Debug, Clone)]
pub struct OrderLineView {
    pub id: i64,
    pub product_id: Option<i64>,
    pub variant_id: Option<i64>,
    pub title: String,
    pub variant_title: String,
    pub sku: String,
    pub quantity: i64,
    pub refunded_quantity: i64,
    pub unit_price: Money,
    pub total: Money,
}

#[derive(Debug, Clone)]
pub struct OrderEventView {
    pub from: Option<String>,
    pub to: String,
    pub actor: Option<String>,
    pub note: String,
    pub at: Timestamp,
}

/// Which orders a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderRole {
    Buyer,
    Merchant,
}

fn parse_status(s: &str) -> ServiceResult<OrderStatus> {
    OrderStatus::parse(s, "status").map_err(|e| ServiceError::Internal(e.to_string()))
}

fn invalid_transition(from: OrderStatus, to: OrderStatus) -> ServiceError {
    ServiceError::refused(
        Refusal::Conflict,
        "invalid_transition",
        format!("An order that is {from} cannot become {to}."),
    )
    .with_details(serde_json::json!({"from": from.as_str(), "to": to.as_str()}))
}

/// Moves an order to `to` if the state machine allows it and nobody changed it first.
pub(crate) async fn move_order(
    c: Conn<'_>,
    order: &OrderRecord,
    to: OrderStatus,
    actor: Option<i64>,
    note: &str,
    now: i64,
) -> ServiceResult<()> {
    let from = parse_status(&order.status)?;
    if !from.can_become(to) {
        return Err(invalid_transition(from, to));
    }
    if !orders::transition(c, order.id, from.as_str(), to.as_str(), actor, note, now).await? {
        return Err(invalid_transition(from, to));
    }
    Ok(())
}

/// Cancels a pending order inside the caller's transaction and gives its stock back; with `restore_cart`
/// its lines go back into the buyer's cart (a declined card should not make the shopper start over).
/// Returns false, changing nothing, when the order was no longer pending (already paid or cancelled), so
/// a payment racing the reservation timeout has exactly one winner.
pub async fn cancel_pending_in_tx(
    mut c: Conn<'_>,
    order_id: i64,
    actor: Option<i64>,
    note: &str,
    restore_cart: bool,
) -> ServiceResult<bool> {
    let now = Timestamp::now().as_micros();
    let Some(order) = orders::get(rb(&mut c), order_id).await? else {
        return Err(ServiceError::NotFound);
    };
    let changed = orders::transition(
        rb(&mut c),
        order_id,
        OrderStatus::Pending.as_str(),
        OrderStatus::Cancelled.as_str(),
        actor,
        note,
        now,
    )
    .await?;
    if !changed {
        return Ok(false);
    }
    inventory::release_order(rb(&mut c), order_id, now).await?;
    orders::set_reserved_until(rb(&mut c), order_id, None).await?;
    if restore_cart {
        let cart = souk_store::carts::ensure_user_cart(rb(&mut c), order.buyer_id, now).await?;
        souk_store::carts::restore_from_order(rb(&mut c), cart, order_id, MAX_LINE_QUANTITY, now)
            .await?;
    }
    enqueue_order_mail(rb(&mut c), order_id, MailKind::OrderCancelled).await?;
    Ok(true)
}

/// Loads the full view of an order (no permission check; callers do that).
pub(crate) async fn load_view(
    c: Conn<'_>,
    order: OrderRecord,
    viewer: Option<&Viewer>,
    viewer_is_staff: bool,
) -> ServiceResult<OrderView> {
    load_views(c, vec![order], viewer, viewer_is_staff)
        .await?
        .pop()
        .ok_or(ServiceError::NotFound)
}

/// Full views of several orders with three statements in all (lines, events, latest payments), whatever
/// their number, in the order given.
pub(crate) async fn load_views(
    mut c: Conn<'_>,
    records: Vec<OrderRecord>,
    viewer: Option<&Viewer>,
    viewer_is_staff: bool,
) -> ServiceResult<Vec<OrderView>> {
    let ids: Vec<i64> = records.iter().map(|o| o.id).collect();
    let mut lines = by_order(orders::lines_of(rb(&mut c), &ids).await?);
    let mut events = by_order(orders::events_of(rb(&mut c), &ids).await?);
    let payments = orders::latest_payments(rb(&mut c), &ids).await?;
    let mut views = Vec::with_capacity(records.len());
    for order in records {
        let currency = currency_of(&order.currency)?;
        let m = |minor: i64| Money::new(minor, currency);
        let order_lines = lines
            .remove(&order.id)
            .unwrap_or_default()
            .into_iter()
            .map(|l| OrderLineView {
                id: l.id,
                product_id: l.product_id,
                variant_id: l.variant_id,
                title: l.title,
                variant_title: l.variant_title,
                sku: l.sku,
                quantity: l.quantity,
                refunded_quantity: l.refunded_quantity,
                unit_price: m(l.unit_price_minor),
                total: m(l.unit_price_minor.saturating_mul(l.quantity)),
            })
            .collect();
        let order_events = events
            .remove(&order.id)
            .unwrap_or_default()
            .into_iter()
            .map(|e| OrderEventView {
                from: e.from_status,
                to: e.to_status,
                actor: e.actor_username,
                note: e.note,
                at: Timestamp::from_micros(e.created_at),
            })
            .collect();
        let payment = payments.iter().find(|p| p.0 == order.id).map(
            |(_, id, provider, status, failure_code)| PaymentSummary {
                id: *id,
                provider: provider.clone(),
                status: status.clone(),
                failure_code: failure_code.clone(),
            },
        );
        views.push(OrderView {
            id: order.id,
            number: order_number(order.id),
            status: parse_status(&order.status)?,
            shop_id: order.shop_id,
            shop_handle: order.shop_handle,
            shop_name: order.shop_name,
            buyer_id: order.buyer_id,
            buyer: order.buyer_username,
            lines: order_lines,
            subtotal: m(order.subtotal_minor),
            shipping: m(order.shipping_minor),
            tax: m(order.tax_minor),
            total: m(order.total_minor),
            paid: m(order.paid_minor),
            refunded: m(order.refunded_minor),
            payment,
            payment_provider: order.payment_provider,
            email: order.email,
            address: order.address,
            shipping_method: order.shipping_method,
            tracking_number: order.tracking_number,
            carrier: order.carrier,
            note: order.note,
            reserved_until: order.reserved_until.map(Timestamp::from_micros),
            events: order_events,
            created_at: Timestamp::from_micros(order.created_at),
            viewer_is_staff,
            viewer_is_buyer: viewer.is_some_and(|v| v.user_id == order.buyer_id),
        });
    }
    Ok(views)
}

/// Rows keyed by their order id, each order's in the order the statement returned them.
fn by_order<T>(rows: Vec<(i64, T)>) -> std::collections::HashMap<i64, Vec<T>> {
    let mut out: std::collections::HashMap<i64, Vec<T>> = std::collections::HashMap::new();
    for (order_id, row) in rows {
        out.entry(order_id).or_default().push(row);
    }
    out
}

/// The order if the viewer is its buyer or staff of its shop; `NotFound` otherwise, so other people's
/// order ids reveal nothing. Returns the record and whether the viewer is staff.
async fn visible_order(
    mut c: Conn<'_>,
    viewer: &Viewer,
    order_id: i64,
) -> ServiceResult<(OrderRecord, bool)> {
    let order = orders::get(rb(&mut c), order_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let staff = match require_staff(rb(&mut c), viewer, ShopRef::Id(order.shop_id), false).await {
        Ok(_) => true,
        Err(ServiceError::NotFound) => false,
        Err(e) => return Err(e),
    };
    if !staff && order.buyer_id != viewer.user_id {
        return Err(ServiceError::NotFound);
    }
    Ok((order, staff))
}

/// The order if the viewer is staff of its shop (merchant actions); `NotFound` for everyone else.
async fn staff_order(
    mut c: Conn<'_>,
    viewer: &Viewer,
    order_id: i64,
) -> ServiceResult<OrderRecord> {
    let order = orders::get(rb(&mut c), order_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    require_staff(rb(&mut c), viewer, ShopRef::Id(order.shop_id), false).await?;
    Ok(order)
}

impl OrderService {
    pub fn new(db: Db, config: CommerceConfig) -> Self {
        Self { db, config }
    }

    /// One order as the buyer or shop staff sees it.
    pub async fn get_for_viewer(&self, viewer: &Viewer, order_id: i64) -> ServiceResult<OrderView> {
        let mut h = self.db.read().await?;
        let (order, staff) = visible_order(h.conn(), viewer, order_id).await?;
        load_view(h.conn(), order, Some(viewer), staff).await
    }

    /// The viewer's orders as a buyer, or a shop's orders for its staff (`shop` defaults to the viewer's
    /// own shop), newest first, optionally in one status.
    pub async fn list(
        &self,
        viewer: &Viewer,
        role: OrderRole,
        shop: Option<&str>,
        status: Option<&str>,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> ServiceResult<Page<OrderView>> {
        let status = match status.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(OrderStatus::parse(s, "status")?),
            None => None,
        };
        let before = match cursor.map(str::trim).filter(|c| !c.is_empty()) {
            None => i64::MAX,
            Some(c) => c.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                ServiceError::field("cursor", "cursor_invalid", "The cursor is not valid.")
            })?,
        };
        let n = limit.unwrap_or(PAGE_DEFAULT).clamp(1, PAGE_MAX);
        let mut h = self.db.read().await?;
        let (owner, staff) = match role {
            OrderRole::Buyer => (OrderOwner::Buyer(viewer.user_id), false),
            OrderRole::Merchant => {
                let handle = match shop.map(str::trim).filter(|s| !s.is_empty()) {
                    Some(s) => s.to_owned(),
                    None => orders::staff_shop_handle(h.conn(), viewer.user_id)
                        .await?
                        .ok_or(ServiceError::NotFound)?,
                };
                let access =
                    require_staff(h.conn(), viewer, ShopRef::Handle(&handle), false).await?;
                (OrderOwner::Shop(access.shop_id), true)
            }
        };
        let mut rows = orders::list(
            h.conn(),
            owner,
            status.map(OrderStatus::as_str),
            before,
            n + 1,
        )
        .await?;
        let more = rows.len() > usize::try_from(n).unwrap_or(0);
        rows.truncate(usize::try_from(n).unwrap_or(0));
        let next_cursor = if more {
            rows.last().map(|o| o.id.to_string())
        } else {
            None
        };
        let items = load_views(h.conn(), rows, Some(viewer), staff).await?;
        Ok(Page { items, next_cursor })
    }

    /// Merchant: the order is on its way (paid → fulfilled), with a tracking number.
    pub async fn fulfil(
        &self,
        viewer: &Viewer,
        order_id: i64,
        tracking_number: &str,
        carrier: &str,
    ) -> ServiceResult<OrderView> {
        let tracking = tracking_number.trim();
        if tracking.is_empty() || tracking.chars().count() > 100 {
            return Err(ServiceError::field(
                "tracking_number",
                "tracking_number_required",
                "Enter the tracking number (at most 100 characters).",
            ));
        }
        let carrier = carrier.trim();
        if carrier.chars().count() > 100 {
            return Err(ServiceError::field(
                "carrier",
                "too_long",
                "The carrier name is at most 100 characters.",
            ));
        }
        let now = Timestamp::now().as_micros();
        let mut tx = self.db.begin().await?;
        let order = staff_order(tx.conn(), viewer, order_id).await?;
        move_order(
            tx.conn(),
            &order,
            OrderStatus::Fulfilled,
            Some(viewer.user_id),
            tracking,
            now,
        )
        .await?;
        orders::set_tracking(tx.conn(), order_id, tracking, carrier).await?;
        enqueue_order_mail(tx.conn(), order_id, MailKind::OrderFulfilled).await?;
        tx.commit().await?;
        self.get_for_viewer(viewer, order_id).await
    }

    /// Merchant: the parcel arrived (fulfilled → delivered).
    pub async fn deliver(&self, viewer: &Viewer, order_id: i64) -> ServiceResult<OrderView> {
        let now = Timestamp::now().as_micros();
        let mut tx = self.db.begin().await?;
        let order = staff_order(tx.conn(), viewer, order_id).await?;
        move_order(
            tx.conn(),
            &order,
            OrderStatus::Delivered,
            Some(viewer.user_id),
            "",
            now,
        )
        .await?;
        enqueue_order_mail(tx.conn(), order_id, MailKind::OrderDelivered).await?;
        tx.commit().await?;
        self.get_for_viewer(viewer, order_id).await
    }

    /// Buyer or merchant: cancel an unpaid order or an order request; held stock goes back.
    pub async fn cancel(&self, viewer: &Viewer, order_id: i64) -> ServiceResult<OrderView> {
        let now = Timestamp::now().as_micros();
        let mut tx = self.db.begin().await?;
        let (order, _) = visible_order(tx.conn(), viewer, order_id).await?;
        let from = parse_status(&order.status)?;
        match from {
            OrderStatus::Pending => {
                if !cancel_pending_in_tx(
                    tx.conn(),
                    order_id,
                    Some(viewer.user_id),
                    "cancelled",
                    false,
                )
                .await?
                {
                    return Err(invalid_transition(from, OrderStatus::Cancelled));
                }
            }
            OrderStatus::Requested => {
                move_order(
                    tx.conn(),
                    &order,
                    OrderStatus::Cancelled,
                    Some(viewer.user_id),
                    "cancelled",
                    now,
                )
                .await?;
                enqueue_order_mail(tx.conn(), order_id, MailKind::OrderCancelled).await?;
            }
            other => return Err(invalid_transition(other, OrderStatus::Cancelled)),
        }
        tx.commit().await?;
        self.get_for_viewer(viewer, order_id).await
    }

    /// Merchant: accept an order request. Its stock is taken now (409 `out_of_stock` if gone) and the
    /// order becomes pending, so the shopper can pay from the order page.
    pub async fn confirm(&self, viewer: &Viewer, order_id: i64) -> ServiceResult<OrderView> {
        let now = Timestamp::now().as_micros();
        let mut tx = self.db.begin().await?;
        let order = staff_order(tx.conn(), viewer, order_id).await?;
        move_order(
            tx.conn(),
            &order,
            OrderStatus::Pending,
            Some(viewer.user_id),
            "confirmed",
            now,
        )
        .await?;
        let mut lines = orders::lines(tx.conn(), order_id).await?;
        // Same lock order as checkout (variant id), so two confirmations cannot deadlock on Postgres.
        lines.sort_by_key(|l| l.variant_id);
        let mut short = Vec::new();
        for l in &lines {
            let Some(variant_id) = l.variant_id else {
                short.push(serde_json::json!({"line_id": l.id}));
                continue;
            };
            match inventory::take(tx.conn(), variant_id, l.quantity, now).await? {
                Take::Taken => orders::mark_line_stock_taken(tx.conn(), l.id).await?,
                Take::Untracked => {}
                Take::Short => {
                    short.push(serde_json::json!({"line_id": l.id, "variant_id": variant_id}))
                }
            }
        }
        if !short.is_empty() {
            // Dropping the transaction rolls back the units already taken and the status change.
            return Err(ServiceError::refused(
                Refusal::Conflict,
                "out_of_stock",
                "Not enough stock is left to confirm this order.",
            )
            .with_details(serde_json::json!({"lines": short})));
        }
        orders::set_reserved_until(
            tx.conn(),
            order_id,
            Some(
                Timestamp::from_micros(now)
                    .plus_seconds(CONFIRMED_REQUEST_HOLD_SECS.max(self.config.reservation_secs))
                    .as_micros(),
            ),
        )
        .await?;
        enqueue_order_mail(tx.conn(), order_id, MailKind::OrderPlaced).await?;
        tx.commit().await?;
        self.get_for_viewer(viewer, order_id).await
    }

    /// Merchant: turn an order request down.
    pub async fn decline(&self, viewer: &Viewer, order_id: i64) -> ServiceResult<OrderView> {
        let now = Timestamp::now().as_micros();
        let mut tx = self.db.begin().await?;
        let order = staff_order(tx.conn(), viewer, order_id).await?;
        if order.status != OrderStatus::Requested.as_str() {
            return Err(invalid_transition(
                parse_status(&order.status)?,
                OrderStatus::Cancelled,
            ));
        }
        move_order(
            tx.conn(),
            &order,
            OrderStatus::Cancelled,
            Some(viewer.user_id),
            "declined",
            now,
        )
        .await?;
        enqueue_order_mail(tx.conn(), order_id, MailKind::OrderCancelled).await?;
        tx.commit().await?;
        self.get_for_viewer(viewer, order_id).await
    }

    /// Cancels pending orders whose reservation ran out by `now` and gives their stock back. Idempotent
    /// and safe beside a late payment: each order is cancelled by a guarded transition in its own
    /// transaction, so whichever of payment and timeout commits first wins and the other changes nothing.
    pub async fn release_expired(&self, now: Timestamp) -> ServiceResult<usize> {
        let mut released = 0;
        loop {
            let ids = {
                let mut h = self.db.read().await?;
                orders::expired_pending(h.conn(), now.as_micros(), 100).await?
            };
            if ids.is_empty() {
                break;
            }
            let batch = ids.len();
            for id in ids {
                let mut tx = self.db.begin().await?;
                if cancel_pending_in_tx(tx.conn(), id, None, "reservation expired", false).await? {
                    released += 1;
                }
                tx.commit().await?;
            }
            if batch < 100 {
                break;
            }
        }
        Ok(released)
    }
}
