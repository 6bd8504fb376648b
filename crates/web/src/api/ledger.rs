//! Ledger API for operators: the double-entry check, and the outgoing mail outbox.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiViewer;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use souk_domain::Timestamp;
use souk_service::ledger::LedgerReport;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Serialize, ToSchema)]
pub struct BalanceJson {
    pub account: String,
    pub currency: String,
    pub debit_minor: i64,
    pub credit_minor: i64,
    /// Debits − credits.
    pub balance_minor: i64,
}

#[derive(Serialize, ToSchema)]
pub struct UnbalancedJson {
    pub transaction_id: i64,
    pub currency: String,
    pub debit_minor: i64,
    pub credit_minor: i64,
}

#[derive(Serialize, ToSchema)]
pub struct MismatchJson {
    pub order_id: i64,
    pub currency: String,
    pub paid_minor: i64,
    pub refunded_minor: i64,
    pub ledger_paid_minor: i64,
    pub ledger_refunded_minor: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CurrencyTotalJson {
    pub currency: String,
    /// All debits − all credits in this currency: zero when the books balance.
    pub net_minor: i64,
}

#[derive(Serialize, ToSchema)]
pub struct LedgerJson {
    /// True when every transaction balances and every order matches the ledger.
    pub ok: bool,
    pub transactions: i64,
    pub unbalanced: Vec<UnbalancedJson>,
    pub mismatched_orders: Vec<MismatchJson>,
    pub balances: Vec<BalanceJson>,
    pub currencies: Vec<CurrencyTotalJson>,
}

impl From<&LedgerReport> for LedgerJson {
    fn from(r: &LedgerReport) -> Self {
        LedgerJson {
            ok: r.ok(),
            transactions: r.transactions,
            unbalanced: r
                .unbalanced
                .iter()
                .map(|u| UnbalancedJson {
                    transaction_id: u.transaction_id,
                    currency: u.currency.clone(),
                    debit_minor: u.debit_minor,
                    credit_minor: u.credit_minor,
                })
                .collect(),
            mismatched_orders: r
                .mismatched_orders
                .iter()
                .map(|m| MismatchJson {
                    order_id: m.order_id,
                    currency: m.currency.clone(),
                    paid_minor: m.paid_minor,
                    refunded_minor: m.refunded_minor,
                    ledger_paid_minor: m.ledger_paid_minor,
                    ledger_refunded_minor: m.ledger_refunded_minor,
                })
                .collect(),
            balances: r
                .balances
                .iter()
                .map(|b| BalanceJson {
                    account: b.account.clone(),
                    currency: b.currency.clone(),
                    debit_minor: b.debit_minor,
                    credit_minor: b.credit_minor,
                    balance_minor: b.balance_minor,
                })
                .collect(),
            currencies: r
                .currency_totals
                .iter()
                .map(|(c, n)| CurrencyTotalJson {
                    currency: c.clone(),
                    net_minor: *n,
                })
                .collect(),
        }
    }
}

/// The ledger check: balances per account and currency, unbalanced transactions, and orders whose paid or
/// refunded totals disagree with the ledger. Operators only; others get 404.
#[utoipa::path(get, path = "/api/v1/admin/ledger", tag = "ledger",
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = LedgerJson), (status = 404, body = ErrorBody)))]
async fn ledger(State(s): State<AppState>, ApiViewer(v): ApiViewer) -> ApiResult<Json<LedgerJson>> {
    let report = s.services.ledger.check_for(&v).await?;
    Ok(Json(LedgerJson::from(&report)))
}

#[derive(Serialize, ToSchema)]
pub struct MailJson {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub body: String,
    /// `order_placed`, `order_paid`, `order_fulfilled`, `order_delivered`, `order_cancelled`,
    /// `order_refunded` or `order_request_received`.
    pub kind: String,
    pub order_id: Option<i64>,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub last_error: String,
    pub created_at: String,
    pub sent_at: Option<String>,
}

impl From<&souk_store::mail::MailRecord> for MailJson {
    fn from(m: &souk_store::mail::MailRecord) -> Self {
        MailJson {
            id: m.id,
            to: m.to_address.clone(),
            subject: m.subject.clone(),
            body: m.body_text.clone(),
            kind: m.kind.clone(),
            order_id: m.order_id,
            status: m.status.clone(),
            attempts: m.attempts,
            last_error: m.last_error.clone(),
            created_at: Timestamp::from_micros(m.created_at).to_rfc3339(),
            sent_at: m.sent_at.map(|t| Timestamp::from_micros(t).to_rfc3339()),
        }
    }
}

/// The mail outbox, newest first (operators only; others 404).
#[utoipa::path(get, path = "/api/v1/admin/mail", tag = "ledger",
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = Vec<MailJson>), (status = 404, body = ErrorBody)))]
async fn outbox(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
) -> ApiResult<Json<Vec<MailJson>>> {
    let rows = s.services.mail.outbox(&v, 200).await?;
    Ok(Json(rows.iter().map(MailJson::from).collect()))
}

/// One message in the outbox (operators only).
#[utoipa::path(get, path = "/api/v1/admin/mail/{id}", tag = "ledger",
    security(("bearer" = []), ("session_cookie" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = MailJson), (status = 404, body = ErrorBody)))]
async fn message(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<MailJson>> {
    let m = s.services.mail.message(&v, id).await?;
    Ok(Json(MailJson::from(&m)))
}

#[derive(Serialize, ToSchema)]
pub struct SendReportJson {
    pub sent: usize,
    pub failed: usize,
}

/// Deliver due mail now instead of waiting for the sender loop (operators only).
#[utoipa::path(post, path = "/api/v1/admin/mail/send", tag = "ledger",
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = SendReportJson), (status = 404, body = ErrorBody)))]
async fn send_now(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
) -> ApiResult<Json<SendReportJson>> {
    let r = s.services.mail.send_now(&v).await?;
    Ok(Json(SendReportJson {
        sent: r.sent,
        failed: r.failed,
    }))
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ledger))
        .routes(routes!(outbox))
        .routes(routes!(message))
        .routes(routes!(send_now))
}
