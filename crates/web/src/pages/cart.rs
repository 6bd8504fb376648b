//! The cart page: lines grouped by shop with quantity steppers, removal and a checkout button per shop,
//! all plain forms. Product pages post `variant_id` and `quantity` to `/cart/items`.

use super::{Ui, render};
use crate::api::cart::{CartOwner, cart_owner};
use crate::context::RequestCtx;
use crate::error::AppError;
use crate::extract::CsrfForm;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use souk_service::cart::CartView;

pub struct LineRow {
    pub variant_id: i64,
    pub product_id: i64,
    pub title: String,
    pub variant_title: String,
    pub quantity: i64,
    pub unit_price: String,
    pub added_price: String,
    pub total: String,
    pub price_changed: bool,
    pub available: bool,
    pub stock_left: Option<i64>,
    pub can_increase: bool,
}

pub struct ShopSection {
    pub handle: String,
    pub name: String,
    pub mode: String,
    pub subtotal: String,
    pub lines: Vec<LineRow>,
    pub ready: bool,
}

#[derive(Template)]
#[template(path = "cart.html")]
struct CartPage {
    ui: Ui,
    shops: Vec<ShopSection>,
    item_count: i64,
    notice: String,
    error: String,
}

fn sections(ui: &Ui, view: &CartView) -> Vec<ShopSection> {
    view.shops
        .iter()
        .map(|s| ShopSection {
            handle: s.handle.clone(),
            name: s.name.clone(),
            mode: s.checkout_mode.clone(),
            subtotal: s.subtotal.format(ui.locale),
            ready: s.ready,
            lines: s
                .lines
                .iter()
                .map(|l| LineRow {
                    variant_id: l.variant_id,
                    product_id: l.product_id,
                    title: l.title.clone(),
                    variant_title: l.variant_title.clone(),
                    quantity: l.quantity,
                    unit_price: l.unit_price.format(ui.locale),
                    added_price: l.added_price.format(ui.locale),
                    total: l.total.format(ui.locale),
                    price_changed: l.price_changed,
                    available: l.available,
                    stock_left: l.stock_left,
                    can_increase: l.quantity < souk_domain::commerce::MAX_LINE_QUANTITY
                        && l.stock_left.is_none_or(|s| s > l.quantity),
                })
                .collect(),
        })
        .collect()
}

#[derive(Deserialize, Default)]
pub struct CartQuery {
    #[serde(default)]
    added: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    headers: HeaderMap,
    Query(q): Query<CartQuery>,
) -> Result<Response, AppError> {
    let owner = cart_owner(&state, &ctx, &headers, false).await?;
    let view = match owner.shopper() {
        Some(who) => state.services.cart.view(who).await?,
        None => CartView {
            shops: Vec::new(),
            item_count: 0,
        },
    };
    let ui = Ui::load(&state, &ctx).await;
    let notice = if q.added.is_some() {
        ui.t("cart.added").into_owned()
    } else {
        String::new()
    };
    let error = match q.error.as_deref() {
        Some(code) if code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') => {
            let key = format!("cart.error.{code}");
            let t = ui.t(&key);
            if t == key {
                ui.t("cart.error.generic").into_owned()
            } else {
                t.into_owned()
            }
        }
        _ => String::new(),
    };
    let page = CartPage {
        shops: sections(&ui, &view),
        item_count: view.item_count,
        notice,
        error,
        ui,
    };
    Ok(owner.apply(render(StatusCode::OK, &page)))
}

#[derive(Deserialize)]
pub struct AddForm {
    variant_id: i64,
    #[serde(default)]
    quantity: Option<i64>,
}

/// Sends the shopper back to the cart with the refusal's code, so the page can explain it.
fn back_with(owner: CartOwner, result: Result<(), AppError>, ok: &str) -> Response {
    let to = match result {
        Ok(()) => ok.to_owned(),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            format!("/cart?error={}", e.code)
        }
        Err(e) => return e.into_response(),
    };
    owner.apply(Redirect::to(&to).into_response())
}

async fn add(
    State(state): State<AppState>,
    ctx: RequestCtx,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<AddForm>,
) -> Result<Response, AppError> {
    let owner = cart_owner(&state, &ctx, &headers, true).await?;
    let result = match owner.shopper() {
        Some(who) => state
            .services
            .cart
            .add(who, form.variant_id, form.quantity.unwrap_or(1))
            .await
            .map(|_| ())
            .map_err(AppError::from),
        None => Err(AppError::unauthenticated()),
    };
    Ok(back_with(owner, result, "/cart?added=1"))
}

#[derive(Deserialize)]
pub struct QuantityForm {
    quantity: i64,
}

async fn set_quantity(
    State(state): State<AppState>,
    ctx: RequestCtx,
    headers: HeaderMap,
    Path(variant_id): Path<i64>,
    CsrfForm(form): CsrfForm<QuantityForm>,
) -> Result<Response, AppError> {
    let owner = cart_owner(&state, &ctx, &headers, false).await?;
    let result = match owner.shopper() {
        Some(who) if form.quantity <= 0 => state
            .services
            .cart
            .remove(who, variant_id)
            .await
            .map(|_| ())
            .map_err(AppError::from),
        Some(who) => state
            .services
            .cart
            .set_quantity(who, variant_id, form.quantity)
            .await
            .map(|_| ())
            .map_err(AppError::from),
        None => Err(AppError::not_found()),
    };
    Ok(back_with(owner, result, "/cart"))
}

#[derive(Deserialize)]
pub struct Empty {}

async fn remove(
    State(state): State<AppState>,
    ctx: RequestCtx,
    headers: HeaderMap,
    Path(variant_id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let owner = cart_owner(&state, &ctx, &headers, false).await?;
    let result = match owner.shopper() {
        Some(who) => state
            .services
            .cart
            .remove(who, variant_id)
            .await
            .map(|_| ())
            .map_err(AppError::from),
        None => Err(AppError::not_found()),
    };
    Ok(back_with(owner, result, "/cart"))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/cart", get(page))
        .route("/cart/items", post(add))
        .route("/cart/items/{variant_id}", post(set_quantity))
        .route("/cart/items/{variant_id}/remove", post(remove))
}
