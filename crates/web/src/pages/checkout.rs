//! Checkout pages: the per-shop checkout form (address, shipping method, totals, payment), order
//! requests for shops that take orders by message, the merchant's shipping-region settings, and the
//! website-mode click-out. Everything works without JavaScript.

use super::{FormErrors, Ui, login_redirect, render, render_form_error};
use crate::context::RequestCtx;
use crate::error::AppError;
use crate::extract::CsrfForm;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use souk_domain::{Currency, Money};
use souk_service::checkout::{
    AddressIn, CheckoutCommand, MoneyIn, PaymentChoice, Quote, RateInput, RegionInput,
};
use souk_service::idempotency::Claim;

/// Website mode: record the click and send the shopper to the merchant's page with UTM parameters.
async fn click_out(State(s): State<AppState>, ctx: RequestCtx, Path(id): Path<i64>) -> Response {
    match s.services.checkout.click_out(ctx.viewer.as_ref(), id).await {
        Ok(url) => match HeaderValue::from_str(&url) {
            Ok(v) => {
                let mut res = StatusCode::SEE_OTHER.into_response();
                res.headers_mut().insert(header::LOCATION, v);
                res
            }
            Err(_) => AppError::not_found().into_response(),
        },
        Err(e) => AppError::from(e).into_response(),
    }
}

pub struct QuoteLine {
    pub title: String,
    pub variant_title: String,
    pub quantity: i64,
    pub total: String,
}

pub struct RateOption {
    pub id: i64,
    pub name: String,
    pub price: String,
    pub chosen: bool,
}

#[derive(Template)]
#[template(path = "checkout.html", blocks = ["sheet_body"])]
struct CheckoutPage {
    ui: Ui,
    errors: FormErrors,
    handle: String,
    shop_name: String,
    lines: Vec<QuoteLine>,
    subtotal: String,
    shipping: String,
    tax: String,
    tax_percent: String,
    total: String,
    total_minor: i64,
    currency: String,
    priced_rate: String,
    rates: Vec<RateOption>,
    ships_there: bool,
    form: CheckoutForm,
    idem_key: String,
}

impl CheckoutPage {
    fn field_error(&self, name: &str) -> String {
        self.errors.get(&format!("address.{name}"))
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct CheckoutForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    line1: String,
    #[serde(default)]
    line2: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    postal_code: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    rate: Option<String>,
    #[serde(default)]
    provider: String,
    #[serde(default)]
    card_number: String,
    /// The total and currency the page showed, so a change since is refused rather than charged.
    #[serde(default)]
    expected_total: Option<i64>,
    #[serde(default)]
    currency: String,
    /// The shipping method `expected_total` was computed with; another choice has its own total.
    #[serde(default)]
    priced_rate: Option<String>,
    #[serde(default)]
    idem_key: String,
    /// "Buy now": this variant alone, `qty` of it, leaving the cart as it is.
    #[serde(default)]
    buy: Option<i64>,
    #[serde(default)]
    qty: Option<i64>,
    /// `1` when the page is loaded into the feed's product sheet: only the inner form is sent back.
    #[serde(default)]
    sheet: Option<String>,
}

impl CheckoutForm {
    fn in_sheet(&self) -> bool {
        self.sheet.as_deref() == Some("1")
    }

    fn buy_now(&self) -> Option<(i64, i64)> {
        self.buy.map(|v| (v, self.qty.unwrap_or(1)))
    }
}

fn build_page(ui: Ui, errors: FormErrors, quote: &Quote, form: CheckoutForm) -> CheckoutPage {
    let f = |m: Money| m.format(ui.locale);
    CheckoutPage {
        handle: quote.shop_handle.clone(),
        shop_name: quote.shop_name.clone(),
        lines: quote
            .lines
            .iter()
            .map(|l| QuoteLine {
                title: l.variant.title.clone(),
                variant_title: l.variant.variant_title(),
                quantity: l.quantity,
                total: f(Money::new(
                    l.variant.price_minor.saturating_mul(l.quantity),
                    quote.currency,
                )),
            })
            .collect(),
        subtotal: f(quote.subtotal),
        shipping: f(quote.shipping),
        tax: f(quote.tax),
        tax_percent: format!("{}.{:02}", quote.tax_bps / 100, quote.tax_bps % 100)
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned(),
        total: f(quote.total),
        total_minor: quote.total.amount_minor,
        priced_rate: quote
            .chosen_rate_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
        currency: quote.currency.code().to_owned(),
        rates: quote
            .options
            .iter()
            .map(|(r, p)| RateOption {
                id: r.id,
                name: r.name.clone(),
                price: f(*p),
                chosen: quote.chosen_rate_id == Some(r.id),
            })
            .collect(),
        ships_there: quote.ships_there,
        idem_key: if form.idem_key.is_empty() {
            souk_service::random_token("chk_")
        } else {
            form.idem_key.clone()
        },
        form,
        errors,
        ui,
    }
}

fn rate_id(form: &CheckoutForm) -> Option<i64> {
    form.rate.as_deref().and_then(|r| r.parse().ok())
}

/// The cart's quote, or the single item's for "Buy now".
async fn quote_for(
    state: &AppState,
    viewer: &souk_service::accounts::Viewer,
    handle: &str,
    form: &CheckoutForm,
) -> Result<Quote, souk_service::ServiceError> {
    let checkout = &state.services.checkout;
    match form.buy_now() {
        Some((variant, qty)) => {
            checkout
                .quote_buy_now(handle, variant, qty, Some(&form.country), rate_id(form))
                .await
        }
        None => {
            checkout
                .quote(viewer, handle, Some(&form.country), rate_id(form))
                .await
        }
    }
}

/// Renders the checkout form as a page, or as the product sheet's inner HTML.
fn render_checkout(status: StatusCode, page: &CheckoutPage) -> Response {
    if page.form.in_sheet() {
        render(status, &page.as_sheet_body())
    } else {
        render(status, page)
    }
}

#[derive(Template)]
#[template(path = "checkout_done_sheet.html")]
struct DoneSheet {
    ui: Ui,
    order_id: i64,
    declined: bool,
}

async fn checkout_page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    Query(mut form): Query<CheckoutForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    if form.name.is_empty()
        && form.line1.is_empty()
        && let Ok(Some(last)) = state.services.checkout.last_address(&viewer).await
    {
        if form.country.trim().is_empty() {
            form.country = last.country;
        }
        form.name = last.name;
        form.line1 = last.line1;
        form.line2 = last.line2;
        form.city = last.city;
        form.region = last.region;
        form.postal_code = last.postal_code;
        form.phone = last.phone;
    }
    if form.country.trim().is_empty() {
        form.country = "US".into();
    }
    form.country = form.country.trim().to_ascii_uppercase();
    let quote = match quote_for(&state, &viewer, &handle, &form).await {
        Ok(q) => q,
        Err(e) if e.refusal_code() == Some("cart_empty") => {
            return Ok(Redirect::to("/cart").into_response());
        }
        Err(e) => return Err(e.into()),
    };
    if quote.checkout_mode != "souk" {
        return Ok(Redirect::to("/cart").into_response());
    }
    if form.provider.is_empty() {
        form.provider = "test".into();
    }
    let ui = Ui::load(&state, &ctx).await;
    Ok(render_checkout(
        StatusCode::OK,
        &build_page(ui, FormErrors::default(), &quote, form),
    ))
}

async fn checkout_submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    CsrfForm(form): CsrfForm<CheckoutForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let cmd = CheckoutCommand {
        shop: handle.clone(),
        address: AddressIn {
            name: form.name.clone(),
            line1: form.line1.clone(),
            line2: form.line2.clone(),
            city: form.city.clone(),
            region: form.region.clone(),
            postal_code: form.postal_code.clone(),
            country: form.country.clone(),
            phone: form.phone.clone(),
        },
        email: Some(form.email.clone()).filter(|e| !e.trim().is_empty()),
        shipping_rate_id: rate_id(&form),
        payment: if form.provider == "manual" {
            PaymentChoice::Manual
        } else {
            PaymentChoice::Test {
                card_number: form.card_number.replace([' ', '-'], ""),
            }
        },
        expected_total: None,
        buy_now: form.buy_now(),
    };
    // The hidden per-render key makes a double-clicked "Place order" create one order.
    let key = form.idem_key.trim().to_owned();
    let fingerprint = format!(
        "{handle}|{:?}|{:?}|{:?}",
        cmd.address, cmd.shipping_rate_id, cmd.buy_now
    );
    let claim = if key.is_empty() || key.len() > 255 {
        None
    } else {
        match state
            .services
            .idempotency
            .claim(
                viewer.user_id,
                &key,
                "PAGE /checkout",
                fingerprint.as_bytes(),
            )
            .await
        {
            Ok(Claim::Replay { body, .. }) => {
                if form.in_sheet()
                    && let Ok(order_id) = body.trim().parse::<i64>()
                {
                    let ui = Ui::load(&state, &ctx).await;
                    return Ok(render(
                        StatusCode::OK,
                        &DoneSheet {
                            ui,
                            order_id,
                            declined: false,
                        },
                    ));
                }
                return Ok(Redirect::to(&format!("/orders/{}", body.trim())).into_response());
            }
            Ok(Claim::Claimed(id)) => Some(id),
            Err(e) => return Err(e.into()),
        }
    };
    let mut cmd = cmd;
    let same_rate = form.priced_rate.as_deref().unwrap_or("") == form.rate.as_deref().unwrap_or("");
    cmd.expected_total = form.expected_total.filter(|_| same_rate).map(|t| MoneyIn {
        amount_minor: t,
        currency: form.currency.clone(),
    });
    match state.services.checkout_and_pay(&viewer, &cmd).await {
        Ok(order) => {
            if let Some(id) = claim {
                let _ = state
                    .services
                    .idempotency
                    .complete(id, 303, &order.id.to_string())
                    .await;
            }
            if form.in_sheet() {
                let ui = Ui::load(&state, &ctx).await;
                return Ok(render(
                    StatusCode::OK,
                    &DoneSheet {
                        ui,
                        order_id: order.id,
                        declined: false,
                    },
                ));
            }
            Ok(Redirect::to(&format!("/orders/{}?placed=1", order.id)).into_response())
        }
        Err(e) => {
            if let Some(id) = claim {
                let _ = state.services.idempotency.release(id).await;
            }
            let code = e.refusal_code();
            // A declined card cancels the order and puts the lines back: show its order page.
            if code == Some("payment_declined")
                && let souk_service::ServiceError::Refused {
                    details: Some(d), ..
                } = &e
                && let Some(order_id) = d["order_id"].as_i64()
            {
                if form.in_sheet() {
                    let ui = Ui::load(&state, &ctx).await;
                    return Ok(render(
                        StatusCode::OK,
                        &DoneSheet {
                            ui,
                            order_id,
                            declined: true,
                        },
                    ));
                }
                return Ok(Redirect::to(&format!("/orders/{order_id}?declined=1")).into_response());
            }
            let err = AppError::from(e);
            if matches!(code, Some("cart_empty")) {
                return Ok(Redirect::to("/cart").into_response());
            }
            let quote = match quote_for(&state, &viewer, &handle, &form).await {
                Ok(q) => q,
                Err(_) => return Ok(Redirect::to("/cart?error=cart_changed").into_response()),
            };
            let ui = Ui::load(&state, &ctx).await;
            let mut errors = FormErrors::from_app_error(&ui, &err);
            let key = format!("cart.error.{}", err.code);
            let translated = ui.t(&key);
            if translated != key {
                errors.general = Some(translated.into_owned());
            }
            let mut form = form;
            form.idem_key = String::new();
            let page = build_page(ui, errors, &quote, form);
            if page.form.in_sheet() {
                return Ok(render_checkout(err.status, &page));
            }
            Ok(render_form_error(&err, &page))
        }
    }
}

/// From the cart (the shop's lines) or straight from a product page (`variant_id`, `quantity`: that item is
/// put in the cart first, then the shop's lines are sent).
#[derive(Deserialize, Default)]
pub struct RequestForm {
    #[serde(default)]
    note: String,
    #[serde(default)]
    variant_id: Option<i64>,
    #[serde(default)]
    quantity: Option<i64>,
}

async fn order_request(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    CsrfForm(form): CsrfForm<RequestForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    if let Some(variant_id) = form.variant_id {
        let added = state
            .services
            .cart
            .add(
                souk_service::cart::Shopper::User(viewer.user_id),
                variant_id,
                form.quantity.unwrap_or(1),
            )
            .await;
        if let Err(e) = added {
            let err = AppError::from(e);
            if err.status.is_client_error() {
                return Ok(Redirect::to(&format!("/cart?error={}", err.code)).into_response());
            }
            return Err(err);
        }
    }
    match state
        .services
        .checkout
        .request_order(&viewer, &handle, &form.note)
        .await
    {
        Ok(order) => Ok(Redirect::to(&format!("/orders/{}?requested=1", order.id)).into_response()),
        Err(e) => {
            let err = AppError::from(e);
            if err.status.is_client_error() && err.status != StatusCode::NOT_FOUND {
                Ok(Redirect::to(&format!("/cart?error={}", err.code)).into_response())
            } else {
                Err(err)
            }
        }
    }
}

pub struct RegionRow {
    pub id: i64,
    pub name: String,
    pub countries: String,
    pub tax: String,
    pub rates: Vec<String>,
}

#[derive(Template)]
#[template(path = "region_settings.html")]
struct ShippingPage {
    ui: Ui,
    handle: String,
    currency: String,
    regions: Vec<RegionRow>,
    errors: FormErrors,
    form: RegionForm,
    saved: bool,
}

#[derive(Deserialize, Default, Clone)]
pub struct RegionForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    countries: String,
    #[serde(default)]
    tax_percent: String,
    #[serde(default)]
    rate_name: String,
    #[serde(default)]
    rate_kind: String,
    #[serde(default)]
    rate_amount: String,
    #[serde(default)]
    min_grams: String,
    #[serde(default)]
    max_grams: String,
    #[serde(default)]
    free_over: String,
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

async fn shipping_view(
    state: &AppState,
    ctx: &RequestCtx,
    handle: &str,
    errors: FormErrors,
    form: RegionForm,
    saved: bool,
) -> Result<(ShippingPage, Option<Currency>), AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Err(AppError::unauthenticated());
    };
    let regions = state.services.checkout.regions(&viewer, handle).await?;
    let ui = Ui::load(state, ctx).await;
    let currency = state
        .services
        .checkout
        .shop_currency_of(&viewer, handle)
        .await?;
    let rows = regions
        .iter()
        .map(|r| RegionRow {
            id: r.id,
            name: r.name.clone(),
            countries: r.countries.join(", "),
            tax: format!("{}.{:02} %", r.tax_bps / 100, r.tax_bps % 100),
            rates: r
                .rates
                .iter()
                .map(|x| {
                    let mut s = format!("{} · {}", x.name, x.amount.format(ui.locale));
                    if x.kind == "weight" {
                        s.push_str(&format!(
                            " · {}–{} g",
                            x.min_grams.unwrap_or(0),
                            x.max_grams.map(|m| m.to_string()).unwrap_or("∞".into())
                        ));
                    }
                    if let Some(f) = x.free_over {
                        s.push_str(" · ");
                        s.push_str(&ui.t_with(
                            "checkout.free_over",
                            "amount",
                            &f.format(ui.locale),
                        ));
                    }
                    s
                })
                .collect(),
        })
        .collect();
    Ok((
        ShippingPage {
            handle: handle.to_owned(),
            currency: currency.code().to_owned(),
            regions: rows,
            errors,
            form,
            saved,
            ui,
        },
        Some(currency),
    ))
}

async fn shipping_page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    if ctx.viewer.is_none() {
        return Ok(login_redirect(&ctx));
    }
    let (page, _) = shipping_view(
        &state,
        &ctx,
        &handle,
        FormErrors::default(),
        RegionForm::default(),
        q.saved.is_some(),
    )
    .await?;
    Ok(render(StatusCode::OK, &page))
}

/// Parses "8.25" (percent) into basis points without floats.
fn percent_to_bps(s: &str) -> Option<i64> {
    let s = s.trim().trim_end_matches('%').trim();
    if s.is_empty() {
        return Some(0);
    }
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let w: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let f: i64 = format!("{frac:0<2}").parse().ok()?;
    w.checked_mul(100)?.checked_add(f)
}

async fn shipping_submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    CsrfForm(form): CsrfForm<RegionForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let currency = state
        .services
        .checkout
        .shop_currency_of(&viewer, &handle)
        .await?;
    let mut field_errors = Vec::new();
    let money = |s: &str,
                 field: &'static str,
                 errs: &mut Vec<souk_domain::FieldError>|
     -> Option<MoneyIn> {
        if s.trim().is_empty() {
            return None;
        }
        match Money::parse(s, currency, field) {
            Ok(m) => Some(MoneyIn {
                amount_minor: m.amount_minor,
                currency: currency.code().to_owned(),
            }),
            Err(e) => {
                errs.push(e);
                None
            }
        }
    };
    let tax_bps = percent_to_bps(&form.tax_percent).unwrap_or_else(|| {
        field_errors.push(souk_domain::FieldError::new(
            "tax_bps",
            "invalid_percent",
            "Enter a percentage such as 8.25.",
        ));
        0
    });
    let mut rates = Vec::new();
    if !form.rate_name.trim().is_empty() {
        let amount =
            money(&form.rate_amount, "rates.amount", &mut field_errors).unwrap_or(MoneyIn {
                amount_minor: 0,
                currency: currency.code().to_owned(),
            });
        let free_over = money(&form.free_over, "rates.free_over", &mut field_errors);
        rates.push(RateInput {
            name: form.rate_name.clone(),
            kind: if form.rate_kind == "weight" {
                "weight".into()
            } else {
                "flat".into()
            },
            amount,
            min_grams: form.min_grams.trim().parse().ok(),
            max_grams: form.max_grams.trim().parse().ok(),
            free_over,
        });
    }
    let input = RegionInput {
        name: form.name.clone(),
        countries: form
            .countries
            .split([',', ' '])
            .filter(|c| !c.trim().is_empty())
            .map(str::to_owned)
            .collect(),
        tax_bps,
        rates,
    };
    let result = if field_errors.is_empty() {
        state
            .services
            .checkout
            .add_region(&viewer, &handle, &input)
            .await
            .map_err(AppError::from)
    } else {
        Err(AppError::from(souk_service::ServiceError::Validation(
            field_errors,
        )))
    };
    match result {
        Ok(_) => {
            Ok(Redirect::to(&format!("/s/{handle}/settings/shipping?saved=1")).into_response())
        }
        Err(err) if err.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let ui = Ui::new(&ctx);
            let errors = FormErrors::from_app_error(&ui, &err);
            let (page, _) = shipping_view(&state, &ctx, &handle, errors, form, false).await?;
            Ok(render_form_error(&err, &page))
        }
        Err(err) => Err(err),
    }
}

#[derive(Deserialize)]
pub struct Empty {}

async fn shipping_delete(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((handle, id)): Path<(String, i64)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    state.services.checkout.delete_region(&viewer, id).await?;
    Ok(Redirect::to(&format!("/s/{handle}/settings/shipping")).into_response())
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/go/{id}", get(click_out))
        .route(
            "/checkout/{handle}",
            get(checkout_page).post(checkout_submit),
        )
        .route("/s/{handle}/order-request", post(order_request))
        .route(
            "/s/{handle}/settings/shipping",
            get(shipping_page).post(shipping_submit),
        )
        .route(
            "/s/{handle}/settings/shipping/{id}/delete",
            post(shipping_delete),
        )
}
