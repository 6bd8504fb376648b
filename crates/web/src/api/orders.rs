//! Orders API for shoppers and merchants: lists, one order, and the merchant's status changes.

use super::views::{MoneyJson, PageJson};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiViewer};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use souk_service::orders::{OrderRole, OrderView};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Serialize, ToSchema)]
pub struct OrderShopJson {
    pub handle: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct OrderLineJson {
    pub id: i64,
    pub product_id: Option<i64>,
    pub variant_id: Option<i64>,
    pub title: String,
    pub variant_title: String,
    pub sku: String,
    pub quantity: i64,
    pub refunded_quantity: i64,
    pub unit_price: MoneyJson,
    pub total: MoneyJson,
}

#[derive(Serialize, ToSchema)]
pub struct PaymentJson {
    pub id: Option<i64>,
    pub provider: String,
    /// pending, succeeded, failed (`none` before any attempt).
    pub status: String,
    pub failure_code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AddressJson {
    pub name: String,
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub country: String,
    pub phone: String,
}

#[derive(Serialize, ToSchema)]
pub struct OrderEventJson {
    pub from: Option<String>,
    pub to: String,
    /// Username of who made the change; null for Souk itself (e.g. a reservation timeout).
    pub actor: Option<String>,
    pub note: String,
    pub at: String,
}

#[derive(Serialize, ToSchema)]
pub struct OrderJson {
    pub id: i64,
    /// "SOUK-000123".
    pub number: String,
    /// requested, pending, paid, fulfilled, delivered, cancelled, refunded.
    pub status: String,
    pub shop: OrderShopJson,
    pub buyer: String,
    pub lines: Vec<OrderLineJson>,
    pub subtotal: MoneyJson,
    pub shipping: MoneyJson,
    pub tax: MoneyJson,
    pub total: MoneyJson,
    pub paid: MoneyJson,
    pub refunded: MoneyJson,
    /// none, partial or full.
    pub refund_state: String,
    pub payment: PaymentJson,
    pub address: AddressJson,
    pub email: String,
    pub shipping_method: String,
    pub tracking_number: String,
    pub carrier: String,
    pub note: String,
    /// When an unpaid order stops holding its stock.
    pub reserved_until: Option<String>,
    pub events: Vec<OrderEventJson>,
    pub created_at: String,
}

impl From<&OrderView> for OrderJson {
    fn from(o: &OrderView) -> Self {
        let a = &o.address;
        OrderJson {
            id: o.id,
            number: o.number.clone(),
            status: o.status.as_str().to_owned(),
            shop: OrderShopJson {
                handle: o.shop_handle.clone(),
                name: o.shop_name.clone(),
            },
            buyer: o.buyer.clone(),
            lines: o
                .lines
                .iter()
                .map(|l| OrderLineJson {
                    id: l.id,
                    product_id: l.product_id,
                    variant_id: l.variant_id,
                    title: l.title.clone(),
                    variant_title: l.variant_title.clone(),
                    sku: l.sku.clone(),
                    quantity: l.quantity,
                    refunded_quantity: l.refunded_quantity,
                    unit_price: l.unit_price.into(),
                    total: l.total.into(),
                })
                .collect(),
            subtotal: o.subtotal.into(),
            shipping: o.shipping.into(),
            tax: o.tax.into(),
            total: o.total.into(),
            paid: o.paid.into(),
            refunded: o.refunded.into(),
            refund_state: o.refund_state().to_owned(),
            payment: match &o.payment {
                Some(p) => PaymentJson {
                    id: Some(p.id),
                    provider: p.provider.clone(),
                    status: p.status.clone(),
                    failure_code: (!p.failure_code.is_empty()).then(|| p.failure_code.clone()),
                },
                None => PaymentJson {
                    id: None,
                    provider: o.payment_provider.clone(),
                    status: "none".into(),
                    failure_code: None,
                },
            },
            address: AddressJson {
                name: a.name.clone(),
                line1: a.line1.clone(),
                line2: a.line2.clone(),
                city: a.city.clone(),
                region: a.region.clone(),
                postal_code: a.postal_code.clone(),
                country: a.country.clone(),
                phone: a.phone.clone(),
            },
            email: o.email.clone(),
            shipping_method: o.shipping_method.clone(),
            tracking_number: o.tracking_number.clone(),
            carrier: o.carrier.clone(),
            note: o.note.clone(),
            reserved_until: o.reserved_until.map(|t| t.to_rfc3339()),
            events: o
                .events
                .iter()
                .map(|e| OrderEventJson {
                    from: e.from.clone(),
                    to: e.to.clone(),
                    actor: e.actor.clone(),
                    note: e.note.clone(),
                    at: e.at.to_rfc3339(),
                })
                .collect(),
            created_at: o.created_at.to_rfc3339(),
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct OrderListQuery {
    /// buyer (default): the viewer's purchases; merchant: a shop's orders (`shop`, default the viewer's).
    pub role: Option<String>,
    pub shop: Option<String>,
    pub status: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Orders, newest first: the viewer's purchases, or with `role=merchant` a shop's orders (staff only).
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders",
    security(("bearer" = []), ("session_cookie" = [])), params(OrderListQuery),
    responses((status = 200, body = PageJson<OrderJson>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Query(q): Query<OrderListQuery>,
) -> ApiResult<Json<PageJson<OrderJson>>> {
    let role = match q.role.as_deref().map(str::trim) {
        None | Some("") | Some("buyer") => OrderRole::Buyer,
        Some("merchant") => OrderRole::Merchant,
        Some(_) => {
            return Err(souk_service::ServiceError::field(
                "role",
                "invalid_choice",
                "role is buyer or merchant",
            )
            .into());
        }
    };
    let page = s
        .services
        .orders
        .list(
            &v,
            role,
            q.shop.as_deref(),
            q.status.as_deref(),
            q.cursor.as_deref(),
            q.limit,
        )
        .await?;
    Ok(Json(PageJson {
        items: page.items.iter().map(OrderJson::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One order, for its buyer or the shop's staff (anyone else: 404).
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders",
    security(("bearer" = []), ("session_cookie" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = OrderJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_order(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<OrderJson>> {
    Ok(Json(OrderJson::from(
        &s.services.orders.get_for_viewer(&v, id).await?,
    )))
}

#[derive(Deserialize, ToSchema)]
pub struct FulfilBody {
    pub tracking_number: String,
    #[serde(default)]
    pub carrier: String,
}

/// Merchant: mark a paid order fulfilled with its tracking number.
#[utoipa::path(post, path = "/api/v1/orders/{id}/fulfil", tag = "orders",
    security(("bearer" = []), ("session_cookie" = [])), params(("id" = i64, Path)), request_body = FulfilBody,
    responses((status = 200, body = OrderJson), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn fulfil(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<FulfilBody>,
) -> ApiResult<Json<OrderJson>> {
    Ok(Json(OrderJson::from(
        &s.services
            .orders
            .fulfil(&v, id, &body.tracking_number, &body.carrier)
            .await?,
    )))
}

/// Merchant: mark a fulfilled order delivered.
#[utoipa::path(post, path = "/api/v1/orders/{id}/deliver", tag = "orders",
    security(("bearer" = []), ("session_cookie" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = OrderJson), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn deliver(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<OrderJson>> {
    Ok(Json(OrderJson::from(
        &s.services.orders.deliver(&v, id).await?,
    )))
}

/// Buyer or merchant: cancel a pending order or an order request; held stock is released.
#[utoipa::path(post, path = "/api/v1/orders/{id}/cancel", tag = "orders",
    security(("bearer" = []), ("session_cookie" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = OrderJson), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn cancel(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<OrderJson>> {
    Ok(Json(OrderJson::from(
        &s.services.orders.cancel(&v, id).await?,
    )))
}

/// Merchant: confirm an order request (takes the stock; the shopper can then pay).
#[utoipa::path(post, path = "/api/v1/orders/{id}/confirm", tag = "orders",
    security(("bearer" = []), ("session_cookie" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = OrderJson), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn confirm(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<OrderJson>> {
    Ok(Json(OrderJson::from(
        &s.services.orders.confirm(&v, id).await?,
    )))
}

/// Merchant: decline an order request.
#[utoipa::path(post, path = "/api/v1/orders/{id}/decline", tag = "orders",
    security(("bearer" = []), ("session_cookie" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = OrderJson), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn decline(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<OrderJson>> {
    Ok(Json(OrderJson::from(
        &s.services.orders.decline(&v, id).await?,
    )))
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get_order))
        .routes(routes!(fulfil))
        .routes(routes!(deliver))
        .routes(routes!(cancel))
        .routes(routes!(confirm))
        .routes(routes!(decline))
}
