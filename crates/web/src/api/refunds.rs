//! Refunds API: full or partial refunds by line or amount, and an order's refund history.

use super::payments::{idempotent, parse_json};
use super::views::MoneyJson;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiViewer;
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use souk_domain::{Money, Timestamp};
use souk_service::refunds::{RefundCommand, RefundView};
use souk_store::refunds::RefundRecord;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Deserialize, Serialize, ToSchema, Clone, Copy)]
pub struct RefundLineJson {
    pub line_id: i64,
    pub quantity: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct RefundRequest {
    /// A custom amount in the order's currency. Without it, the chosen lines' value is refunded, or
    /// everything left when no lines are given either.
    pub amount: Option<MoneyJson>,
    #[serde(default)]
    pub lines: Vec<RefundLineJson>,
    /// Put the refunded units back in stock.
    #[serde(default)]
    pub restock: bool,
    #[serde(default)]
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct RefundOrderJson {
    pub id: i64,
    pub status: String,
    pub paid: MoneyJson,
    pub refunded: MoneyJson,
    /// `none`, `partial` or `full`.
    pub refund_state: String,
}

#[derive(Serialize, ToSchema)]
pub struct RefundJson {
    pub id: i64,
    pub order_id: i64,
    pub amount: MoneyJson,
    pub reason: String,
    pub restock: bool,
    pub lines: Vec<RefundLineJson>,
    pub created_at: String,
    /// The order after this refund (only on the response that created it).
    pub order: Option<RefundOrderJson>,
}

fn refund_json(r: &RefundRecord, currency: souk_domain::Currency) -> RefundJson {
    RefundJson {
        id: r.id,
        order_id: r.order_id,
        amount: Money::new(r.amount_minor, currency).into(),
        reason: r.reason.clone(),
        restock: r.restock,
        lines: r
            .lines
            .iter()
            .map(|&(line_id, quantity)| RefundLineJson { line_id, quantity })
            .collect(),
        created_at: Timestamp::from_micros(r.created_at).to_rfc3339(),
        order: None,
    }
}

impl From<&RefundView> for RefundJson {
    fn from(v: &RefundView) -> Self {
        let mut j = refund_json(&v.refund, v.paid.currency);
        j.order = Some(RefundOrderJson {
            id: v.order_id,
            status: v.order_status.clone(),
            paid: v.paid.into(),
            refunded: v.refunded.into(),
            refund_state: v.refund_state().to_owned(),
        });
        j
    }
}

/// Refund an order in full or in part (staff of its shop only; others 404). Send an `Idempotency-Key`.
/// More than paid − refunded → 422 `refund_exceeds_paid`; an order that is not paid, fulfilled or
/// delivered → 409 `invalid_transition`. Refunding everything moves the order to `refunded`.
#[utoipa::path(post, path = "/api/v1/orders/{id}/refunds", tag = "refunds",
    security(("bearer" = []), ("session_cookie" = [])), params(("id" = i64, Path)), request_body = RefundRequest,
    responses((status = 201, body = RefundJson), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn create(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<axum::response::Response> {
    idempotent(
        &s,
        &v,
        &format!("POST /api/v1/orders/{id}/refunds"),
        &headers,
        &body,
        || async {
            let req = parse_json::<RefundRequest>(&body)?.0;
            let cmd = RefundCommand {
                amount: req.amount.map(Money::from),
                lines: req.lines.iter().map(|l| (l.line_id, l.quantity)).collect(),
                restock: req.restock,
                reason: req.reason,
            };
            let view = s.services.refunds.refund(&v, id, cmd).await?;
            Ok((StatusCode::CREATED, Json(RefundJson::from(&view))))
        },
    )
    .await
}

/// An order's refunds, oldest first (its buyer or its shop's staff; others 404).
#[utoipa::path(get, path = "/api/v1/orders/{id}/refunds", tag = "refunds",
    security(("bearer" = []), ("session_cookie" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Vec<RefundJson>), (status = 404, body = ErrorBody)))]
async fn list(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<RefundJson>>> {
    let refunds = s.services.refunds.list(&v, id).await?;
    let mut out = Vec::with_capacity(refunds.len());
    for r in &refunds {
        let currency = souk_domain::Currency::parse(&r.currency)
            .map_err(|e| souk_service::ServiceError::Internal(e.to_string()))?;
        out.push(refund_json(r, currency));
    }
    Ok(Json(out))
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create, list))
}
