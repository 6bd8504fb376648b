//! Payments API: paying an order, manual confirmation and provider webhooks.

use super::views::MoneyJson;
use crate::error::{ApiResult, AppError, ErrorBody};
use crate::extract::{ApiJson, ApiViewer};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use souk_service::payments::{
    NextAction, PaymentMethod, PaymentOutcome, WebhookError, WebhookOutcome,
};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Deserialize, ToSchema)]
pub struct PayRequest {
    /// `test` or `manual`.
    #[serde(default)]
    pub provider: String,
    /// Test provider only: 4242424242424242 succeeds, 4000000000000002 is declined, 4000000000009995 has
    /// insufficient funds, 4000000000003220 waits for a webhook.
    pub card_number: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct NextActionJson {
    /// `await_webhook` (confirm with the simulator or a real webhook) or `manual_payment`.
    pub kind: String,
    pub url: Option<String>,
}

impl From<&NextAction> for NextActionJson {
    fn from(n: &NextAction) -> Self {
        NextActionJson {
            kind: n.kind.to_owned(),
            url: n.url.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PaymentAttemptJson {
    pub id: i64,
    pub order_id: i64,
    pub provider: String,
    /// `pending`, `succeeded` or `failed`.
    pub status: String,
    pub amount: MoneyJson,
    pub next_action: Option<NextActionJson>,
}

impl From<&PaymentOutcome> for PaymentAttemptJson {
    fn from(p: &PaymentOutcome) -> Self {
        PaymentAttemptJson {
            id: p.payment_id,
            order_id: p.order_id,
            provider: p.provider.clone(),
            status: p.status.as_str().to_owned(),
            amount: p.amount.into(),
            next_action: p.next_action.as_ref().map(NextActionJson::from),
        }
    }
}

/// Pay a still-pending order again (after a pending or declined attempt). Buyer only; send an
/// `Idempotency-Key`. A declined card answers 402 `payment_declined` and cancels the order.
#[utoipa::path(post, path = "/api/v1/orders/{id}/payments", tag = "payments",
    security(("bearer" = []), ("session_cookie" = [])), params(("id" = i64, Path)), request_body = PayRequest,
    responses((status = 201, body = PaymentAttemptJson), (status = 402, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn pay(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<axum::response::Response> {
    idempotent(
        &s,
        &v,
        &format!("POST /api/v1/orders/{id}/payments"),
        &headers,
        &body,
        || async {
            let ApiJson(req) = parse_json::<PayRequest>(&body)?;
            let method = PaymentMethod::parse(&req.provider, req.card_number.as_deref())?;
            let out = s.services.payments.retry(&v, id, method).await?;
            Ok((StatusCode::CREATED, Json(PaymentAttemptJson::from(&out))))
        },
    )
    .await
}

/// Runs a money-moving POST under the `Idempotency-Key` wrapper (required; a replay returns the stored
/// response). `scope` names the endpoint.
pub(super) async fn idempotent<F, Fut, R>(
    s: &AppState,
    v: &souk_service::Viewer,
    scope: &str,
    headers: &HeaderMap,
    body: &[u8],
    f: F,
) -> ApiResult<axum::response::Response>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ApiResult<R>>,
    R: axum::response::IntoResponse,
{
    use axum::response::IntoResponse;
    Ok(
        crate::idempotency::idempotent(s, v, headers, scope, body, || async {
            match f().await {
                Ok(r) => r.into_response(),
                Err(e) => e.into_response(),
            }
        })
        .await,
    )
}

/// A JSON body read from bytes the idempotency wrapper has already hashed.
pub(super) fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> ApiResult<ApiJson<T>> {
    serde_json::from_slice(body).map(ApiJson).map_err(|e| {
        AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_json",
            e.to_string(),
        )
    })
}

/// The merchant confirms a bank transfer or cash payment. Staff of the order's shop only (others 404);
/// an order that is not pending answers 409 `invalid_transition`.
#[utoipa::path(post, path = "/api/v1/orders/{id}/mark-paid", tag = "payments",
    security(("bearer" = []), ("session_cookie" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = PaymentAttemptJson), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn mark_paid(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<PaymentAttemptJson>> {
    let out = s.services.payments.mark_paid(&v, id).await?;
    Ok(Json(PaymentAttemptJson::from(&out)))
}

#[derive(Serialize, ToSchema)]
pub struct WebhookReceived {
    pub received: bool,
    /// False when the event was already handled or is not one Souk acts on.
    pub applied: bool,
}

pub(crate) fn webhook_error(e: WebhookError) -> AppError {
    match e {
        WebhookError::InvalidSignature(why) => AppError::bad_request(
            "invalid_signature",
            format!("The webhook signature is not valid: {why}."),
        ),
        WebhookError::InvalidPayload(why) => AppError::bad_request(
            "invalid_payload",
            format!("The webhook body is not valid: {why}."),
        ),
        WebhookError::UnknownProvider => AppError::not_found(),
        WebhookError::Service(e) => e.into(),
    }
}

/// The test provider's webhook: `Souk-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
/// No authentication besides the signature; a bad or older-than-5-minutes signature answers 400
/// `invalid_signature`. Delivering the same event twice changes nothing the second time.
#[utoipa::path(post, path = "/api/v1/payments/webhooks/test", tag = "payments",
    request_body(content = String, content_type = "application/json"),
    responses((status = 200, body = WebhookReceived), (status = 400, body = ErrorBody)))]
async fn test_webhook(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<WebhookReceived>> {
    let pairs: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(k, v)| {
            v.to_str()
                .ok()
                .map(|v| (k.as_str().to_owned(), v.to_owned()))
        })
        .collect();
    let outcome = s
        .services
        .payments
        .handle_webhook(souk_service::payments::test_card::ID, &pairs, &body)
        .await
        .map_err(webhook_error)?;
    Ok(Json(WebhookReceived {
        received: true,
        applied: outcome == WebhookOutcome::Applied,
    }))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct SimulateRequest {
    /// `succeeded` (default) or `failed`.
    #[serde(default)]
    pub outcome: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SimulateResponse {
    /// Whether the webhook changed anything (`applied`) or was a no-op (`ignored`).
    pub outcome: String,
    /// The `Souk-Signature` header and body that were delivered, so they can be replayed.
    pub signature: String,
    pub body: String,
}

/// Test mode: has the test provider send its signed webhook for a pending test-card payment, as if the
/// shopper had confirmed it (or failed to). The order's buyer or shop staff only.
#[utoipa::path(post, path = "/api/v1/payments/{id}/simulate", tag = "payments",
    security(("bearer" = []), ("session_cookie" = [])), params(("id" = i64, Path)), request_body = SimulateRequest,
    responses((status = 200, body = SimulateResponse), (status = 404, body = ErrorBody)))]
async fn simulate(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
    body: Bytes,
) -> ApiResult<Json<SimulateResponse>> {
    let req: SimulateRequest = if body.is_empty() {
        SimulateRequest::default()
    } else {
        parse_json::<SimulateRequest>(&body)?.0
    };
    let succeed = match req.outcome.as_deref() {
        None | Some("succeeded") => true,
        Some("failed") => false,
        Some(_) => {
            return Err(souk_service::ServiceError::field(
                "outcome",
                "invalid_outcome",
                "Use \"succeeded\" or \"failed\".",
            )
            .into());
        }
    };
    let sim = s.services.payments.simulate(&v, id, succeed).await?;
    Ok(Json(SimulateResponse {
        outcome: match sim.outcome {
            WebhookOutcome::Applied => "applied".into(),
            WebhookOutcome::Ignored => "ignored".into(),
        },
        signature: sim.signature,
        body: sim.body,
    }))
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(pay))
        .routes(routes!(mark_paid))
        .routes(routes!(test_webhook))
        .routes(routes!(simulate))
}
