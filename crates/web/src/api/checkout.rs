//! Checkout API: the three checkout modes and shipping regions.

use super::orders::OrderJson;
use super::views::MoneyJson;
use crate::error::{ApiResult, AppError, ErrorBody};
use crate::extract::{ApiJson, ApiViewer};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use souk_service::checkout::{
    AddressIn, CheckoutCommand, MoneyIn, PaymentChoice, RateInput, RegionInput, RegionView,
};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Deserialize, ToSchema, Default)]
pub struct AddressBody {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub line1: String,
    #[serde(default)]
    pub line2: Option<String>,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub postal_code: String,
    /// ISO 3166 alpha-2, e.g. "US".
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub phone: Option<String>,
}

impl From<AddressBody> for AddressIn {
    fn from(a: AddressBody) -> Self {
        AddressIn {
            name: a.name,
            line1: a.line1,
            line2: a.line2.unwrap_or_default(),
            city: a.city,
            region: a.region.unwrap_or_default(),
            postal_code: a.postal_code,
            country: a.country,
            phone: a.phone.unwrap_or_default(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(tag = "provider", rename_all = "snake_case")]
pub enum PaymentBody {
    /// The offline test card provider (4242424242424242 succeeds).
    Test { card_number: String },
    /// Bank transfer or cash on delivery: the merchant marks it paid.
    Manual,
}

#[derive(Deserialize, ToSchema)]
pub struct CheckoutBody {
    /// The shop whose cart lines to buy.
    pub shop: String,
    pub address: AddressBody,
    pub email: Option<String>,
    pub shipping_rate_id: Option<i64>,
    pub payment: PaymentBody,
    /// The total the shopper saw; a different total now is 409 `total_changed`.
    pub expected_total: Option<MoneyJson>,
    /// "Buy now": buy this one variant (of `shop`) on its own; the cart is neither read nor changed.
    pub buy_now: Option<BuyNowBody>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BuyNowBody {
    pub variant_id: i64,
    pub quantity: i64,
}

impl From<CheckoutBody> for CheckoutCommand {
    fn from(b: CheckoutBody) -> Self {
        CheckoutCommand {
            shop: b.shop,
            address: b.address.into(),
            email: b.email,
            shipping_rate_id: b.shipping_rate_id,
            payment: match b.payment {
                PaymentBody::Test { card_number } => PaymentChoice::Test { card_number },
                PaymentBody::Manual => PaymentChoice::Manual,
            },
            expected_total: b.expected_total.map(|m| MoneyIn {
                amount_minor: m.amount_minor,
                currency: m.currency.code().to_owned(),
            }),
            buy_now: b.buy_now.map(|l| (l.variant_id, l.quantity)),
        }
    }
}

/// Check out one shop's part of the cart. Requires `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/checkout", tag = "checkout",
    security(("bearer" = []), ("session_cookie" = [])), request_body = CheckoutBody,
    params(("Idempotency-Key" = String, Header, description = "Unique per intended order")),
    responses((status = 201, body = OrderJson), (status = 400, body = ErrorBody), (status = 402, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn checkout(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(e) = crate::idempotency::key_from(&headers) {
        return e.into_response();
    }
    let parsed: CheckoutBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return AppError::bad_request("invalid_json", e.to_string()).into_response(),
    };
    let cmd = CheckoutCommand::from(parsed);
    crate::idempotency::idempotent(&s, &v, &headers, "POST /api/v1/checkout", &body, || async {
        match s.services.checkout_and_pay(&v, &cmd).await {
            Ok(order) => (StatusCode::CREATED, Json(OrderJson::from(&order))).into_response(),
            Err(e) => AppError::from(e).into_response(),
        }
    })
    .await
}

#[derive(Deserialize, ToSchema)]
pub struct OrderRequestBody {
    /// A message to the merchant (size, delivery wishes).
    #[serde(default)]
    pub note: String,
}

/// Order by message: send this shop's cart lines to the merchant as an order request.
#[utoipa::path(post, path = "/api/v1/shops/{handle}/order-requests", tag = "checkout",
    security(("bearer" = []), ("session_cookie" = [])), params(("handle" = String, Path)), request_body = OrderRequestBody,
    responses((status = 201, body = OrderJson), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn order_request(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(handle): Path<String>,
    ApiJson(body): ApiJson<OrderRequestBody>,
) -> ApiResult<(StatusCode, Json<OrderJson>)> {
    let order = s
        .services
        .checkout
        .request_order(&v, &handle, &body.note)
        .await?;
    Ok((StatusCode::CREATED, Json(OrderJson::from(&order))))
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct RateBody {
    pub name: String,
    /// flat or weight.
    pub kind: String,
    pub amount: MoneyJson,
    /// Weight band [min_grams, max_grams) for `weight` rates.
    pub min_grams: Option<i64>,
    pub max_grams: Option<i64>,
    /// Free shipping from this subtotal.
    pub free_over: Option<MoneyJson>,
}

#[derive(Deserialize, ToSchema)]
pub struct RegionBody {
    pub name: String,
    /// ISO 3166 alpha-2 codes.
    pub countries: Vec<String>,
    /// Tax in basis points (8.25 % = 825).
    #[serde(default)]
    pub tax_bps: i64,
    #[serde(default)]
    pub rates: Vec<RateBody>,
}

fn money_in(m: MoneyJson) -> MoneyIn {
    MoneyIn {
        amount_minor: m.amount_minor,
        currency: m.currency.code().to_owned(),
    }
}

impl From<RegionBody> for RegionInput {
    fn from(b: RegionBody) -> Self {
        RegionInput {
            name: b.name,
            countries: b.countries,
            tax_bps: b.tax_bps,
            rates: b
                .rates
                .into_iter()
                .map(|r| RateInput {
                    name: r.name,
                    kind: r.kind,
                    amount: money_in(r.amount),
                    min_grams: r.min_grams,
                    max_grams: r.max_grams,
                    free_over: r.free_over.map(money_in),
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RateJson {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub amount: MoneyJson,
    pub min_grams: Option<i64>,
    pub max_grams: Option<i64>,
    pub free_over: Option<MoneyJson>,
}

#[derive(Serialize, ToSchema)]
pub struct RegionJson {
    pub id: i64,
    pub name: String,
    pub countries: Vec<String>,
    pub tax_bps: i64,
    pub rates: Vec<RateJson>,
}

impl From<&RegionView> for RegionJson {
    fn from(r: &RegionView) -> Self {
        RegionJson {
            id: r.id,
            name: r.name.clone(),
            countries: r.countries.clone(),
            tax_bps: r.tax_bps,
            rates: r
                .rates
                .iter()
                .map(|x| RateJson {
                    id: x.id,
                    name: x.name.clone(),
                    kind: x.kind.clone(),
                    amount: x.amount.into(),
                    min_grams: x.min_grams,
                    max_grams: x.max_grams,
                    free_over: x.free_over.map(Into::into),
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RegionList {
    pub items: Vec<RegionJson>,
}

/// A shop's shipping regions (staff only). A shop without regions ships everywhere, free, untaxed.
#[utoipa::path(get, path = "/api/v1/shops/{handle}/regions", tag = "checkout",
    security(("bearer" = []), ("session_cookie" = [])), params(("handle" = String, Path)),
    responses((status = 200, body = RegionList), (status = 404, body = ErrorBody)))]
async fn list_regions(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(handle): Path<String>,
) -> ApiResult<Json<RegionList>> {
    let items = s.services.checkout.regions(&v, &handle).await?;
    Ok(Json(RegionList {
        items: items.iter().map(RegionJson::from).collect(),
    }))
}

/// Add a shipping region with its tax rate and shipping rates (staff only).
#[utoipa::path(post, path = "/api/v1/shops/{handle}/regions", tag = "checkout",
    security(("bearer" = []), ("session_cookie" = [])), params(("handle" = String, Path)), request_body = RegionBody,
    responses((status = 201, body = RegionJson), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_region(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(handle): Path<String>,
    ApiJson(body): ApiJson<RegionBody>,
) -> ApiResult<(StatusCode, Json<RegionJson>)> {
    let r = s
        .services
        .checkout
        .add_region(&v, &handle, &body.into())
        .await?;
    Ok((StatusCode::CREATED, Json(RegionJson::from(&r))))
}

/// Replace a region (its rates are replaced too).
#[utoipa::path(patch, path = "/api/v1/regions/{id}", tag = "checkout",
    security(("bearer" = []), ("session_cookie" = [])), params(("id" = i64, Path)), request_body = RegionBody,
    responses((status = 200, body = RegionJson), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_region(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<RegionBody>,
) -> ApiResult<Json<RegionJson>> {
    let r = s
        .services
        .checkout
        .update_region(&v, id, &body.into())
        .await?;
    Ok(Json(RegionJson::from(&r)))
}

/// Delete a region.
#[utoipa::path(delete, path = "/api/v1/regions/{id}", tag = "checkout",
    security(("bearer" = []), ("session_cookie" = [])), params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorBody)))]
async fn delete_region(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    s.services.checkout.delete_region(&v, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(checkout))
        .routes(routes!(order_request))
        .routes(routes!(list_regions, add_region))
        .routes(routes!(update_region, delete_region))
}
