//! Cart API. Logged-in shoppers use their account's cart; logged-out browsers get a cart keyed by the
//! HttpOnly `souk_cart` cookie, which is merged into the account's cart on the first cart request after
//! logging in.

use super::views::MoneyJson;
use crate::context::{RequestCtx, cookie_value, csrf_matches, set_cookie};
use crate::error::{ApiResult, AppError, ErrorBody};
use crate::extract::ApiJson;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use souk_service::cart::{CartService, CartView, Shopper};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub const CART_COOKIE: &str = "souk_cart";
const CART_COOKIE_MAX_AGE: i64 = 60 * 60 * 24 * 30;

/// Whose cart a request works on, and the cookies to send back (a new guest cart, or clearing a merged one).
pub struct CartOwner {
    pub user_id: Option<i64>,
    pub guest: Option<String>,
    pub cookies: Vec<HeaderValue>,
}

impl CartOwner {
    pub fn shopper(&self) -> Option<Shopper<'_>> {
        match (self.user_id, &self.guest) {
            (Some(id), _) => Some(Shopper::User(id)),
            (None, Some(t)) => Some(Shopper::Guest(t)),
            (None, None) => None,
        }
    }

    /// Adds the cookies this request must set to a response.
    pub fn apply(self, mut res: Response) -> Response {
        for c in self.cookies {
            res.headers_mut().append(header::SET_COOKIE, c);
        }
        res
    }
}

/// Resolves the cart owner. A logged-in viewer with a guest cookie gets the guest cart merged into theirs
/// and the cookie cleared; `create` makes a guest cart cookie for a logged-out browser that has none.
pub async fn cart_owner(
    state: &AppState,
    ctx: &RequestCtx,
    headers: &HeaderMap,
    create: bool,
) -> ApiResult<CartOwner> {
    let guest = cookie_value(headers, CART_COOKIE)
        .filter(|t| t.starts_with("souk_cart_") && t.len() < 100)
        .map(str::to_owned);
    let mut cookies = Vec::new();
    if let Some(v) = &ctx.viewer {
        if let Some(token) = &guest {
            state.services.cart.merge_guest(token, v.user_id).await?;
            cookies.extend(set_cookie(&state.config, CART_COOKIE, "", 0));
        }
        return Ok(CartOwner {
            user_id: Some(v.user_id),
            guest: None,
            cookies,
        });
    }
    let guest = match guest {
        Some(t) => Some(t),
        None if create => {
            let t = CartService::new_guest_token();
            cookies.extend(set_cookie(
                &state.config,
                CART_COOKIE,
                &t,
                CART_COOKIE_MAX_AGE,
            ));
            Some(t)
        }
        None => None,
    };
    Ok(CartOwner {
        user_id: None,
        guest,
        cookies,
    })
}

/// Cookie-authenticated writes must prove they come from Souk's own pages, as for every other API write.
fn check_csrf(ctx: &RequestCtx, method: &Method, headers: &HeaderMap) -> ApiResult<()> {
    let safe = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    if ctx.viewer.is_some() && ctx.via_cookie && !safe {
        let presented = headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !csrf_matches(&ctx.csrf_token, presented) {
            return Err(AppError::csrf());
        }
    }
    Ok(())
}

#[derive(Serialize, ToSchema)]
pub struct CartJson {
    pub shops: Vec<CartShopJson>,
    /// Units across every line.
    pub item_count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CartShopRef {
    pub handle: String,
    pub name: String,
    #[schema(value_type = String)]
    pub currency: souk_domain::Currency,
    pub checkout_mode: String,
}

#[derive(Serialize, ToSchema)]
pub struct CartShopJson {
    pub shop: CartShopRef,
    pub lines: Vec<CartLineJson>,
    pub subtotal: MoneyJson,
}

#[derive(Serialize, ToSchema)]
pub struct CartLineJson {
    pub variant_id: i64,
    pub product_id: i64,
    pub title: String,
    pub variant_title: String,
    pub sku: String,
    pub quantity: i64,
    /// The price now.
    pub unit_price: MoneyJson,
    /// The price when the line was added.
    pub added_price: MoneyJson,
    pub price_changed: bool,
    /// Whether this quantity can be bought right now.
    pub available: bool,
    /// Units left (null: inventory not tracked).
    pub stock_left: Option<i64>,
}

impl From<&CartView> for CartJson {
    fn from(v: &CartView) -> Self {
        CartJson {
            item_count: v.item_count,
            shops: v
                .shops
                .iter()
                .map(|s| CartShopJson {
                    shop: CartShopRef {
                        handle: s.handle.clone(),
                        name: s.name.clone(),
                        currency: s.currency,
                        checkout_mode: s.checkout_mode.clone(),
                    },
                    subtotal: s.subtotal.into(),
                    lines: s
                        .lines
                        .iter()
                        .map(|l| CartLineJson {
                            variant_id: l.variant_id,
                            product_id: l.product_id,
                            title: l.title.clone(),
                            variant_title: l.variant_title.clone(),
                            sku: l.sku.clone(),
                            quantity: l.quantity,
                            unit_price: l.unit_price.into(),
                            added_price: l.added_price.into(),
                            price_changed: l.price_changed,
                            available: l.available,
                            stock_left: l.stock_left,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

fn empty() -> CartView {
    CartView {
        shops: Vec::new(),
        item_count: 0,
    }
}

#[derive(Deserialize, ToSchema)]
pub struct AddItem {
    pub variant_id: i64,
    #[serde(default = "one")]
    pub quantity: i64,
}

fn one() -> i64 {
    1
}

#[derive(Deserialize, ToSchema)]
pub struct SetQuantity {
    pub quantity: i64,
}

/// The cart, grouped by shop, with current prices and availability.
#[utoipa::path(get, path = "/api/v1/cart/items", tag = "cart",
    responses((status = 200, body = CartJson)))]
async fn get_cart(
    State(s): State<AppState>,
    ctx: RequestCtx,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let owner = cart_owner(&s, &ctx, &headers, false).await?;
    let view = match owner.shopper() {
        Some(who) => s.services.cart.view(who).await?,
        None => empty(),
    };
    Ok(owner.apply(Json(CartJson::from(&view)).into_response()))
}

/// Add units of a variant (on top of what the cart holds). Works logged out with the `souk_cart` cookie.
#[utoipa::path(post, path = "/api/v1/cart/items", tag = "cart", request_body = AddItem,
    responses((status = 201, body = CartJson), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_item(
    State(s): State<AppState>,
    ctx: RequestCtx,
    method: Method,
    headers: HeaderMap,
    ApiJson(body): ApiJson<AddItem>,
) -> ApiResult<Response> {
    check_csrf(&ctx, &method, &headers)?;
    let owner = cart_owner(&s, &ctx, &headers, true).await?;
    let who = owner.shopper().ok_or_else(AppError::unauthenticated)?;
    let view = s
        .services
        .cart
        .add(who, body.variant_id, body.quantity)
        .await?;
    Ok(owner.apply((StatusCode::CREATED, Json(CartJson::from(&view))).into_response()))
}

/// Set a line's quantity (1 to 99).
#[utoipa::path(patch, path = "/api/v1/cart/items/{variant_id}", tag = "cart", request_body = SetQuantity,
    params(("variant_id" = i64, Path)),
    responses((status = 200, body = CartJson), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_item(
    State(s): State<AppState>,
    ctx: RequestCtx,
    method: Method,
    headers: HeaderMap,
    Path(variant_id): Path<i64>,
    ApiJson(body): ApiJson<SetQuantity>,
) -> ApiResult<Response> {
    check_csrf(&ctx, &method, &headers)?;
    let owner = cart_owner(&s, &ctx, &headers, false).await?;
    let who = owner.shopper().ok_or_else(AppError::not_found)?;
    let view = s
        .services
        .cart
        .set_quantity(who, variant_id, body.quantity)
        .await?;
    Ok(owner.apply(Json(CartJson::from(&view)).into_response()))
}

/// Remove a line.
#[utoipa::path(delete, path = "/api/v1/cart/items/{variant_id}", tag = "cart",
    params(("variant_id" = i64, Path)),
    responses((status = 200, body = CartJson), (status = 404, body = ErrorBody)))]
async fn remove_item(
    State(s): State<AppState>,
    ctx: RequestCtx,
    method: Method,
    headers: HeaderMap,
    Path(variant_id): Path<i64>,
) -> ApiResult<Response> {
    check_csrf(&ctx, &method, &headers)?;
    let owner = cart_owner(&s, &ctx, &headers, false).await?;
    let who = owner.shopper().ok_or_else(AppError::not_found)?;
    let view = s.services.cart.remove(who, variant_id).await?;
    Ok(owner.apply(Json(CartJson::from(&view)).into_response()))
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_cart, add_item))
        .routes(routes!(set_item, remove_item))
}
