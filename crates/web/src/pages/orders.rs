//! Order pages for shoppers (`/orders`, `/orders/{id}`) and merchants (`/s/{handle}/orders`, the order
//! with fulfil/deliver/cancel buttons and the refund form, and the order-request inbox).

use super::commerce_admin::{RefundFormView, refund_form_view};
use super::{Ui, login_redirect, render};
use crate::context::RequestCtx;
use crate::error::AppError;
use crate::extract::CsrfForm;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use souk_domain::commerce::OrderStatus;
use souk_service::Viewer;
use souk_service::orders::{OrderRole, OrderView};

pub struct OrderRow {
    pub id: i64,
    pub number: String,
    pub status: String,
    pub status_label: String,
    pub shop: String,
    pub shop_handle: String,
    pub buyer: String,
    pub total: String,
    pub date: String,
    pub items: i64,
}

fn row(ui: &Ui, o: &OrderView) -> OrderRow {
    OrderRow {
        id: o.id,
        number: o.number.clone(),
        status: o.status.as_str().to_owned(),
        status_label: status_label(ui, o.status.as_str()),
        shop: o.shop_name.clone(),
        shop_handle: o.shop_handle.clone(),
        buyer: o.buyer.clone(),
        total: o.total.format(ui.locale),
        date: o.created_at.date_string(),
        items: o.lines.iter().map(|l| l.quantity).sum(),
    }
}

fn status_label(ui: &Ui, status: &str) -> String {
    ui.t(&format!("order.status.{status}")).into_owned()
}

pub struct LineRow {
    pub title: String,
    pub variant_title: String,
    pub sku: String,
    pub quantity: i64,
    pub refunded_quantity: i64,
    pub unit_price: String,
    pub total: String,
}

pub struct EventRow {
    pub label: String,
    pub actor: String,
    pub note: String,
    pub at: String,
}

/// What both order detail pages show.
pub struct OrderDetail {
    pub id: i64,
    pub number: String,
    pub status: String,
    pub status_label: String,
    pub shop: String,
    pub shop_handle: String,
    pub buyer: String,
    pub lines: Vec<LineRow>,
    pub subtotal: String,
    pub shipping: String,
    pub tax: String,
    pub total: String,
    pub paid: String,
    pub refunded: String,
    pub has_refund: bool,
    pub payment: String,
    pub address: Vec<String>,
    pub email: String,
    pub shipping_method: String,
    pub tracking_number: String,
    pub carrier: String,
    pub note: String,
    pub events: Vec<EventRow>,
    pub reserved_until: String,
    pub pending: bool,
    pub requested: bool,
    pub paid_state: bool,
    pub fulfilled: bool,
}

fn detail(ui: &Ui, o: &OrderView) -> OrderDetail {
    let a = &o.address;
    let address = [
        a.name.clone(),
        a.line1.clone(),
        a.line2.clone(),
        [a.postal_code.as_str(), a.city.as_str(), a.region.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" "),
        a.country.clone(),
        a.phone.clone(),
    ]
    .into_iter()
    .filter(|s| !s.trim().is_empty())
    .collect();
    let payment = match &o.payment {
        Some(p) => format!(
            "{} · {}",
            ui.t(&format!("order.provider.{}", p.provider)),
            ui.t(&format!("order.payment_status.{}", p.status))
        ),
        None if !o.payment_provider.is_empty() => ui
            .t(&format!("order.provider.{}", o.payment_provider))
            .into_owned(),
        None => String::new(),
    };
    OrderDetail {
        id: o.id,
        number: o.number.clone(),
        status: o.status.as_str().to_owned(),
        status_label: status_label(ui, o.status.as_str()),
        shop: o.shop_name.clone(),
        shop_handle: o.shop_handle.clone(),
        buyer: o.buyer.clone(),
        lines: o
            .lines
            .iter()
            .map(|l| LineRow {
                title: l.title.clone(),
                variant_title: l.variant_title.clone(),
                sku: l.sku.clone(),
                quantity: l.quantity,
                refunded_quantity: l.refunded_quantity,
                unit_price: l.unit_price.format(ui.locale),
                total: l.total.format(ui.locale),
            })
            .collect(),
        subtotal: o.subtotal.format(ui.locale),
        shipping: o.shipping.format(ui.locale),
        tax: o.tax.format(ui.locale),
        total: o.total.format(ui.locale),
        paid: o.paid.format(ui.locale),
        refunded: o.refunded.format(ui.locale),
        has_refund: o.refunded.amount_minor > 0,
        payment,
        address,
        email: o.email.clone(),
        shipping_method: o.shipping_method.clone(),
        tracking_number: o.tracking_number.clone(),
        carrier: o.carrier.clone(),
        note: o.note.clone(),
        events: o
            .events
            .iter()
            .map(|e| EventRow {
                label: status_label(ui, &e.to),
                actor: e.actor.clone().unwrap_or_else(|| "Souk".into()),
                note: e.note.clone(),
                at: e.at.to_rfc3339().replace('T', " ").replace('Z', " UTC"),
            })
            .collect(),
        reserved_until: o
            .reserved_until
            .map(|t| t.to_rfc3339().replace('T', " ").replace('Z', " UTC"))
            .unwrap_or_default(),
        pending: o.status == OrderStatus::Pending,
        requested: o.status == OrderStatus::Requested,
        paid_state: o.status == OrderStatus::Paid,
        fulfilled: o.status == OrderStatus::Fulfilled,
    }
}

#[derive(Template)]
#[template(path = "orders.html")]
struct OrdersPage {
    ui: Ui,
    orders: Vec<OrderRow>,
    next: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    cursor: Option<String>,
}

async fn my_orders(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let page = state
        .services
        .orders
        .list(
            &viewer,
            OrderRole::Buyer,
            None,
            None,
            q.cursor.as_deref(),
            Some(20),
        )
        .await?;
    let ui = Ui::load(&state, &ctx).await;
    let orders = page.items.iter().map(|o| row(&ui, o)).collect();
    Ok(render(
        StatusCode::OK,
        &OrdersPage {
            ui,
            orders,
            next: page.next_cursor,
        },
    ))
}

#[derive(Template)]
#[template(path = "order.html")]
struct OrderPage {
    ui: Ui,
    o: OrderDetail,
    notice: String,
    alert: String,
}

#[derive(Deserialize, Default)]
pub struct FlashQuery {
    #[serde(default)]
    placed: Option<String>,
    #[serde(default)]
    requested: Option<String>,
    #[serde(default)]
    declined: Option<String>,
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

fn flash(ui: &Ui, q: &FlashQuery) -> (String, String) {
    let notice = if q.placed.is_some() {
        ui.t("order.placed").into_owned()
    } else if q.requested.is_some() {
        ui.t("order.requested_notice").into_owned()
    } else if q.done.is_some() {
        ui.t("order.updated").into_owned()
    } else {
        String::new()
    };
    let alert = if q.declined.is_some() {
        ui.t("order.declined_notice").into_owned()
    } else if let Some(code) = q
        .error
        .as_deref()
        .filter(|c| c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
    {
        let key = format!("cart.error.{code}");
        let t = ui.t(&key);
        if t == key {
            ui.t("cart.error.generic").into_owned()
        } else {
            t.into_owned()
        }
    } else {
        String::new()
    };
    (notice, alert)
}

async fn my_order(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let order = state.services.orders.get_for_viewer(&viewer, id).await?;
    if order.buyer_id != viewer.user_id {
        // Staff see the merchant view of their shop's orders.
        return Ok(Redirect::to(&format!("/s/{}/orders/{id}", order.shop_handle)).into_response());
    }
    let ui = Ui::load(&state, &ctx).await;
    let (notice, alert) = flash(&ui, &q);
    let o = detail(&ui, &order);
    Ok(render(
        StatusCode::OK,
        &OrderPage {
            ui,
            o,
            notice,
            alert,
        },
    ))
}

#[derive(Deserialize)]
pub struct Empty {}

/// Runs a status change and comes back to `to`, carrying the refusal code when it failed.
fn after(
    result: Result<OrderView, souk_service::ServiceError>,
    to: &str,
) -> Result<Response, AppError> {
    match result {
        Ok(_) => Ok(Redirect::to(&format!("{to}?done=1")).into_response()),
        Err(e) => {
            let err = AppError::from(e);
            if err.status == StatusCode::CONFLICT || err.status == StatusCode::UNPROCESSABLE_ENTITY
            {
                Ok(Redirect::to(&format!("{to}?error={}", err.code)).into_response())
            } else {
                Err(err)
            }
        }
    }
}

async fn buyer_cancel(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    after(
        state.services.orders.cancel(&viewer, id).await,
        &format!("/orders/{id}"),
    )
}

#[derive(Template)]
#[template(path = "orders_merchant.html")]
struct MerchantOrdersPage {
    ui: Ui,
    handle: String,
    orders: Vec<OrderRow>,
    status: String,
    statuses: Vec<(&'static str, String)>,
    next: Option<String>,
    inbox: bool,
}

async fn merchant_list(
    state: &AppState,
    ctx: &RequestCtx,
    viewer: &Viewer,
    handle: &str,
    status: Option<&str>,
    cursor: Option<&str>,
    inbox: bool,
) -> Result<Response, AppError> {
    let page = state
        .services
        .orders
        .list(
            viewer,
            OrderRole::Merchant,
            Some(handle),
            status,
            cursor,
            Some(30),
        )
        .await?;
    let ui = Ui::load(state, ctx).await;
    let orders = page.items.iter().map(|o| row(&ui, o)).collect();
    let statuses = OrderStatus::ALL
        .iter()
        .map(|s| (s.as_str(), status_label(&ui, s.as_str())))
        .collect();
    Ok(render(
        StatusCode::OK,
        &MerchantOrdersPage {
            ui,
            handle: handle.to_owned(),
            orders,
            status: status.unwrap_or("").to_owned(),
            statuses,
            next: page.next_cursor,
            inbox,
        },
    ))
}

async fn shop_orders(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let status = q.status.as_deref().filter(|s| !s.is_empty());
    merchant_list(
        &state,
        &ctx,
        &viewer,
        &handle,
        status,
        q.cursor.as_deref(),
        false,
    )
    .await
}

async fn inbox(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    merchant_list(
        &state,
        &ctx,
        &viewer,
        &handle,
        Some("requested"),
        q.cursor.as_deref(),
        true,
    )
    .await
}

#[derive(Template)]
#[template(path = "order_merchant.html")]
struct MerchantOrderPage {
    ui: Ui,
    o: OrderDetail,
    notice: String,
    alert: String,
    refund_form: Option<RefundFormView>,
}

async fn shop_order(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((handle, id)): Path<(String, i64)>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let order = state.services.orders.get_for_viewer(&viewer, id).await?;
    if !order.viewer_is_staff || !order.shop_handle.eq_ignore_ascii_case(&handle) {
        return Err(AppError::not_found());
    }
    let ui = Ui::load(&state, &ctx).await;
    let refund_form = refund_form_view(&state, &viewer, &ui, id).await;
    let (notice, alert) = flash(&ui, &q);
    let o = detail(&ui, &order);
    Ok(render(
        StatusCode::OK,
        &MerchantOrderPage {
            ui,
            o,
            notice,
            alert,
            refund_form,
        },
    ))
}

#[derive(Deserialize)]
pub struct FulfilForm {
    #[serde(default)]
    tracking_number: String,
    #[serde(default)]
    carrier: String,
}

async fn merchant_action(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((handle, id, action)): Path<(String, i64, String)>,
    CsrfForm(form): CsrfForm<FulfilForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let back = format!("/s/{handle}/orders/{id}");
    let o = &state.services.orders;
    let result = match action.as_str() {
        "fulfil" => {
            o.fulfil(&viewer, id, &form.tracking_number, &form.carrier)
                .await
        }
        "deliver" => o.deliver(&viewer, id).await,
        "cancel" => {
            // Only staff act through this page; a buyer's cancel goes through /orders/{id}/cancel.
            let order = o.get_for_viewer(&viewer, id).await?;
            if !order.viewer_is_staff {
                return Err(AppError::not_found());
            }
            o.cancel(&viewer, id).await
        }
        "confirm" => o.confirm(&viewer, id).await,
        "decline" => o.decline(&viewer, id).await,
        _ => return Err(AppError::not_found()),
    };
    after(result, &back)
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/orders", get(my_orders))
        .route("/orders/{id}", get(my_order))
        .route("/orders/{id}/cancel", post(buyer_cancel))
        .route("/s/{handle}/orders", get(shop_orders))
        .route("/s/{handle}/inbox", get(inbox))
        .route("/s/{handle}/orders/{id}", get(shop_order))
        .route("/s/{handle}/orders/{id}/{action}", post(merchant_action))
}
