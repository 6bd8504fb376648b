//! Operator pages for money: the ledger check and the mail outbox (admins only; everyone else gets 404),
//! and the merchant's refund form (`refund_form.html`, included by the merchant order page).

use super::{Ui, render};
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
use souk_domain::{Money, Role, Timestamp};
use souk_service::ServiceError;
use souk_service::ledger::LedgerReport;
use souk_service::mail::order_number;
use souk_service::refunds::RefundCommand;
use std::collections::HashMap;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/ledger", get(ledger))
        .route("/admin/mail", get(mail_list))
        .route("/admin/mail/send", post(mail_send))
        .route("/admin/mail/{id}", get(mail_message))
        .route(
            "/s/{handle}/orders/{id}/refund",
            get(refund_page).post(refund_submit),
        )
        .route("/s/{handle}/orders/{id}/mark-paid", post(mark_paid))
        .route("/orders/{id}/pay", post(pay_again))
        .route("/orders/{id}/confirm-payment", post(confirm_payment))
}

/// Where an order page action goes back to: `?done=1`, or `?error=<code>` for refusals the page explains
/// (the order pages' convention).
fn back_with<T>(result: Result<T, ServiceError>, to: &str) -> Result<Response, AppError> {
    match result {
        Ok(_) => Ok(Redirect::to(&format!("{to}?done=1")).into_response()),
        Err(e) => {
            let err = AppError::from(e);
            if matches!(
                err.status,
                StatusCode::CONFLICT
                    | StatusCode::UNPROCESSABLE_ENTITY
                    | StatusCode::PAYMENT_REQUIRED
            ) {
                Ok(Redirect::to(&format!("{to}?error={}", err.code)).into_response())
            } else {
                Err(err)
            }
        }
    }
}

/// The merchant confirms a bank transfer or cash payment (staff only; others 404).
async fn mark_paid(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((handle, id)): Path<(String, i64)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let Some(viewer) = &ctx.viewer else {
        return Ok(super::login_redirect(&ctx));
    };
    back_with(
        state.services.payments.mark_paid(viewer, id).await,
        &format!("/s/{handle}/orders/{id}"),
    )
}

#[derive(Deserialize)]
struct PayForm {
    #[serde(default)]
    provider: String,
    #[serde(default)]
    card_number: String,
}

/// The buyer pays a pending order again from its page.
async fn pay_again(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<PayForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = &ctx.viewer else {
        return Ok(super::login_redirect(&ctx));
    };
    let provider = if form.provider.is_empty() {
        "test"
    } else {
        form.provider.as_str()
    };
    let result = match souk_service::payments::PaymentMethod::parse(
        provider,
        Some(form.card_number.as_str()),
    ) {
        Ok(method) => state.services.payments.retry(viewer, id, method).await,
        Err(e) => Err(e),
    };
    back_with(result, &format!("/orders/{id}"))
}

#[derive(Deserialize)]
struct ConfirmForm {
    #[serde(default)]
    outcome: String,
}

/// Test mode: the buyer confirms (or fails) a test card's pending payment, as 3-D Secure would.
async fn confirm_payment(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = &ctx.viewer else {
        return Ok(super::login_redirect(&ctx));
    };
    back_with(
        state
            .services
            .payments
            .confirm_test_payment(viewer, id, form.outcome != "failed")
            .await,
        &format!("/orders/{id}"),
    )
}

/// Operators only; visitors and members get the same 404 as for a page that does not exist.
fn require_admin(ctx: &RequestCtx) -> Result<&souk_service::Viewer, AppError> {
    match &ctx.viewer {
        Some(v) if v.role == Role::Admin => Ok(v),
        _ => Err(AppError::not_found()),
    }
}

pub struct AccountRow {
    pub account: String,
    pub balance: String,
    pub debits: String,
    pub credits: String,
    /// Width of the account's bar, relative to the largest side in its currency (0–100).
    pub bar: i64,
}

pub struct CurrencyBlock {
    pub code: String,
    pub net: String,
    pub accounts: Vec<AccountRow>,
}

pub struct MismatchRow {
    pub number: String,
    pub paid: String,
    pub refunded: String,
}

#[derive(Template)]
#[template(path = "admin_ledger.html")]
struct LedgerPage {
    ui: Ui,
    ok: bool,
    transactions: i64,
    currencies: Vec<CurrencyBlock>,
    unbalanced: Vec<(i64, String)>,
    mismatched: Vec<MismatchRow>,
}

fn fmt(ui: &Ui, currency: &str, minor: i64) -> String {
    LedgerReport::money(currency, minor)
        .map(|m| m.format(ui.locale))
        .unwrap_or_else(|| format!("{minor} {currency}"))
}

async fn ledger(State(state): State<AppState>, ctx: RequestCtx) -> Result<Response, AppError> {
    let viewer = require_admin(&ctx)?;
    let report = state.services.ledger.check_for(viewer).await?;
    let ui = Ui::load(&state, &ctx).await;
    let mut currencies: Vec<CurrencyBlock> = Vec::new();
    for (code, net) in &report.currency_totals {
        let rows: Vec<_> = report
            .balances
            .iter()
            .filter(|b| &b.currency == code)
            .collect();
        let max = rows
            .iter()
            .map(|b| b.debit_minor.max(b.credit_minor))
            .max()
            .unwrap_or(0)
            .max(1);
        currencies.push(CurrencyBlock {
            code: code.clone(),
            net: fmt(&ui, code, *net),
            accounts: rows
                .iter()
                .map(|b| AccountRow {
                    account: b.account.clone(),
                    balance: fmt(&ui, code, b.balance_minor),
                    debits: fmt(&ui, code, b.debit_minor),
                    credits: fmt(&ui, code, b.credit_minor),
                    bar: (i128::from(b.balance_minor.abs()) * 100 / i128::from(max)).clamp(0, 100)
                        as i64,
                })
                .collect(),
        });
    }
    let unbalanced = report
        .unbalanced
        .iter()
        .map(|u| {
            (
                u.transaction_id,
                format!(
                    "{} / {}",
                    fmt(&ui, &u.currency, u.debit_minor),
                    fmt(&ui, &u.currency, u.credit_minor)
                ),
            )
        })
        .collect();
    let mismatched = report
        .mismatched_orders
        .iter()
        .map(|m| MismatchRow {
            number: order_number(m.order_id),
            paid: ui.t_with2(
                "ledger.order_paid",
                ("order", &fmt(&ui, &m.currency, m.paid_minor)),
                ("ledger", &fmt(&ui, &m.currency, m.ledger_paid_minor)),
            ),
            refunded: ui.t_with2(
                "ledger.order_refunded",
                ("order", &fmt(&ui, &m.currency, m.refunded_minor)),
                ("ledger", &fmt(&ui, &m.currency, m.ledger_refunded_minor)),
            ),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &LedgerPage {
            ok: report.ok(),
            transactions: report.transactions,
            currencies,
            unbalanced,
            mismatched,
            ui,
        },
    ))
}

impl Ui {
    /// Like `t_with`, with two placeholders.
    fn t_with2(&self, key: &str, a: (&str, &str), b: (&str, &str)) -> String {
        crate::i18n::t_args(self.locale, key, &[a, b])
    }
}

pub struct MailRow {
    pub id: i64,
    pub subject: String,
    pub to: String,
    pub kind: String,
    pub status: String,
    pub ago: String,
}

#[derive(Template)]
#[template(path = "admin_mail.html")]
struct MailPage {
    ui: Ui,
    rows: Vec<MailRow>,
    dir: String,
    report: Option<String>,
}

#[derive(Deserialize, Default)]
struct MailQuery {
    sent: Option<usize>,
    failed: Option<usize>,
}

async fn mail_list(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Query(q): Query<MailQuery>,
) -> Result<Response, AppError> {
    let viewer = require_admin(&ctx)?;
    let rows = state.services.mail.outbox(viewer, 200).await?;
    let ui = Ui::load(&state, &ctx).await;
    let report = match (q.sent, q.failed) {
        (Some(s), f) => Some(crate::i18n::t_args(
            ui.locale,
            "mail.admin.sent_report",
            &[
                ("sent", &s.to_string()),
                ("failed", &f.unwrap_or(0).to_string()),
            ],
        )),
        _ => None,
    };
    let rows = rows
        .into_iter()
        .map(|m| MailRow {
            id: m.id,
            ago: ui.ago(Timestamp::from_micros(m.created_at)),
            subject: m.subject,
            to: m.to_address,
            kind: m.kind,
            status: m.status,
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &MailPage {
            rows,
            dir: state.services.mail.mail_dir().display().to_string(),
            report,
            ui,
        },
    ))
}

#[derive(Deserialize)]
struct Empty {}

async fn mail_send(
    State(state): State<AppState>,
    ctx: RequestCtx,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let viewer = require_admin(&ctx)?;
    let r = state.services.mail.send_now(viewer).await?;
    Ok(Redirect::to(&format!("/admin/mail?sent={}&failed={}", r.sent, r.failed)).into_response())
}

#[derive(Template)]
#[template(path = "admin_mail_message.html")]
struct MailMessagePage {
    ui: Ui,
    subject: String,
    to: String,
    kind: String,
    status: String,
    status_label: String,
    attempts: i64,
    last_error: String,
    body: String,
}

async fn mail_message(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let viewer = require_admin(&ctx)?;
    let m = state.services.mail.message(viewer, id).await?;
    let ui = Ui::load(&state, &ctx).await;
    Ok(render(
        StatusCode::OK,
        &MailMessagePage {
            subject: m.subject,
            to: m.to_address,
            kind: m.kind,
            status_label: ui
                .t(&format!("mail.admin.status.{}", m.status))
                .into_owned(),
            status: m.status,
            attempts: m.attempts,
            last_error: m.last_error,
            body: m.body_text,
            ui,
        },
    ))
}

/// One order line in the refund form.
pub struct RefundLineView {
    pub id: i64,
    pub title: String,
    pub variant: String,
    pub price: String,
    /// Units that can still be refunded.
    pub max: i64,
}

/// What `refund_form.html` shows. The merchant order page builds it with [`refund_form_view`].
pub struct RefundFormView {
    pub action: String,
    pub can_refund: bool,
    pub refundable: String,
    pub currency: String,
    pub lines: Vec<RefundLineView>,
    pub amount: String,
    pub reason: String,
    pub error: Option<String>,
    pub done: bool,
}

/// The refund form for a merchant's order page, or None when the viewer is not staff of its shop.
pub async fn refund_form_view(
    state: &AppState,
    viewer: &souk_service::Viewer,
    ui: &Ui,
    order_id: i64,
) -> Option<RefundFormView> {
    let form = state.services.refunds.form(viewer, order_id).await.ok()?;
    let currency = form.refundable.currency;
    Some(RefundFormView {
        action: format!("/s/{}/orders/{}/refund", form.shop_handle, order_id),
        can_refund: form.can_refund,
        refundable: form.refundable.format(ui.locale),
        currency: currency.code().to_owned(),
        lines: form
            .lines
            .iter()
            .map(|l| RefundLineView {
                id: l.id,
                title: l.title.clone(),
                variant: l.variant_title.clone(),
                price: Money::new(l.unit_price_minor, currency).format(ui.locale),
                max: l.quantity - l.refunded_quantity,
            })
            .collect(),
        amount: String::new(),
        reason: String::new(),
        error: None,
        done: false,
    })
}

#[derive(Template)]
#[template(path = "refund_page.html")]
struct RefundPage {
    ui: Ui,
    number: String,
    back: String,
    refund: RefundFormView,
}

#[derive(Deserialize, Default)]
struct RefundQuery {
    done: Option<String>,
}

async fn refund_page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((handle, id)): Path<(String, i64)>,
    Query(q): Query<RefundQuery>,
) -> Result<Response, AppError> {
    let Some(viewer) = &ctx.viewer else {
        return Ok(super::login_redirect(&ctx));
    };
    let ui = Ui::load(&state, &ctx).await;
    let mut refund = refund_form_view(&state, viewer, &ui, id)
        .await
        .ok_or_else(AppError::not_found)?;
    refund.done = q.done.is_some();
    Ok(render(
        StatusCode::OK,
        &RefundPage {
            number: order_number(id),
            back: format!("/s/{handle}/orders/{id}"),
            refund,
            ui,
        },
    ))
}

/// The refund form's post: `amount` (decimal, optional), `qty_<line id>` per line, `restock`, `reason`.
async fn refund_submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((handle, id)): Path<(String, i64)>,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let Some(viewer) = &ctx.viewer else {
        return Ok(super::login_redirect(&ctx));
    };
    let ui = Ui::load(&state, &ctx).await;
    let mut view = refund_form_view(&state, viewer, &ui, id)
        .await
        .ok_or_else(AppError::not_found)?;
    let field = |k: &str| form.get(k).map(|s| s.trim()).unwrap_or("");
    let lines: Vec<(i64, i64)> = form
        .iter()
        .filter_map(|(k, v)| {
            let line = k.strip_prefix("qty_")?.parse::<i64>().ok()?;
            let qty = v.trim().parse::<i64>().ok().filter(|q| *q > 0)?;
            Some((line, qty))
        })
        .collect();
    let currency = souk_domain::Currency::parse(&view.currency)
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    let result = match field("amount") {
        "" => Ok(None),
        text => Money::parse(text, currency, "amount")
            .map(Some)
            .map_err(ServiceError::from),
    };
    let result = match result {
        Ok(amount) => {
            state
                .services
                .refunds
                .refund(
                    viewer,
                    id,
                    RefundCommand {
                        amount,
                        lines,
                        restock: field("restock") == "on",
                        reason: field("reason").to_owned(),
                    },
                )
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/s/{handle}/orders/{id}?done=1")).into_response()),
        Err(e @ (ServiceError::Refused { .. } | ServiceError::Validation(_))) => {
            let err = AppError::from(e);
            let key = format!("refund.error.{}", err.code);
            let msg = ui.t(&key);
            view.error = Some(if msg == key {
                err.message.clone()
            } else {
                msg.into_owned()
            });
            view.amount = field("amount").to_owned();
            view.reason = field("reason").to_owned();
            let page = RefundPage {
                number: order_number(id),
                back: format!("/s/{handle}/orders/{id}"),
                refund: view,
                ui,
            };
            Ok(super::render_form_error(&err, &page))
        }
        Err(e) => Err(e.into()),
    }
}
