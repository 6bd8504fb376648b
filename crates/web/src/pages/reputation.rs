//! The shop's reputation page (owner and staff; others 404): status against the alert rule, an inline SVG
//! line chart of the daily negative share and signal volume over 30 days, the negative items driving the
//! current window with links to answer them, past alerts, "check now" (owner), and the thresholds form.
//! Every form works without JavaScript.

use super::{FormErrors, Ui, login_redirect, render, render_form_error};
use crate::api::reputation::driver_urls;
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
use souk_domain::FieldError;
use souk_service::ServiceError;
use souk_service::Viewer;
use souk_service::reputation::{
    BASELINE_FLOOR_BP, Overview, Settings, SettingsInput, SignalKind, parse_decimal_bp,
};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/s/{handle}/reputation", get(page))
        .route("/s/{handle}/reputation/settings", post(save_settings))
        .route("/s/{handle}/reputation/check", post(check))
        .route(
            "/s/{handle}/reputation/alerts/{id}/acknowledge",
            post(acknowledge),
        )
}

/// `12.5 %` from basis points.
fn percent(bp: i64) -> String {
    if bp % 100 == 0 {
        format!("{} %", bp / 100)
    } else {
        format!("{:.1} %", bp as f64 / 100.0)
    }
}

/// `2×`, `2.5×` from basis points of one.
fn times(bp: i64) -> String {
    let s = format!("{:.2}", bp as f64 / 10_000.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}×")
}

/// A decimal for a form field: `2.5` from 25000 with `scale` 10000, `30` from 3000 with `scale` 100.
fn decimal(bp: i64, scale: i64) -> String {
    let s = format!("{:.2}", bp as f64 / scale as f64);
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The thresholds form as typed.
pub struct FormValues {
    pub enabled: bool,
    pub window_hours: String,
    pub baseline_days: String,
    pub ratio: String,
    pub min_share: String,
    pub min_signals: String,
    pub cooldown_hours: String,
}

impl FormValues {
    fn of(s: &Settings) -> Self {
        Self {
            enabled: s.enabled,
            window_hours: s.window_hours.to_string(),
            baseline_days: s.baseline_days.to_string(),
            ratio: decimal(s.ratio_bp, 10_000),
            min_share: decimal(s.min_negative_bp, 100),
            min_signals: s.min_signals.to_string(),
            cooldown_hours: s.cooldown_hours.to_string(),
        }
    }
}

/// One point of the line chart and its volume bar, in SVG units (300 × 120; the line uses 0–100).
pub struct ChartPoint {
    pub x: String,
    pub y: String,
    pub bar_x: String,
    pub bar_y: String,
    pub bar_h: String,
    pub title: String,
}

pub struct DriverRow {
    pub kind: &'static str,
    pub kind_key: String,
    pub stars: String,
    pub product_title: String,
    pub author: String,
    pub text: String,
    pub ago: String,
    pub date: String,
    pub url: String,
    pub reply_url: String,
    pub replied: bool,
}

pub struct AlertRow {
    pub id: i64,
    pub date: String,
    pub summary: String,
    pub acknowledged: bool,
}

#[derive(Template)]
#[template(path = "reputation.html")]
struct ReputationPage {
    ui: Ui,
    handle: String,
    is_owner: bool,
    enabled: bool,
    spike: bool,
    cooldown: String,
    window_share: String,
    baseline_share: String,
    threshold: String,
    window_line: String,
    baseline_line: String,
    rule: Vec<String>,
    points: Vec<ChartPoint>,
    line: String,
    threshold_y: String,
    chart_summary: String,
    chart_from: String,
    chart_to: String,
    max_volume: i64,
    drivers: Vec<DriverRow>,
    alerts: Vec<AlertRow>,
    form: FormValues,
    errors: FormErrors,
    notice: String,
}

fn chart(ui: &Ui, o: &Overview) -> (Vec<ChartPoint>, String, i64) {
    let trend = &o.evaluation.trend;
    let n = trend.len().max(2) as f64;
    let step = 300.0 / (n - 1.0);
    let bar_w = (300.0 / n) * 0.7;
    let max_volume = trend.iter().map(|d| d.signals).max().unwrap_or(0);
    let points: Vec<ChartPoint> = trend
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let x = i as f64 * step;
            let y = 100.0 - d.share_bp as f64 / 100.0;
            // Volume bars fill the band under the line's scale (100–120), relative to the busiest day.
            let h = if max_volume == 0 {
                0.0
            } else {
                18.0 * d.signals as f64 / max_volume as f64
            };
            ChartPoint {
                x: format!("{x:.1}"),
                y: format!("{y:.1}"),
                bar_x: format!("{:.1}", (x - bar_w / 2.0).clamp(0.0, 300.0 - bar_w)),
                bar_y: format!("{:.1}", 120.0 - h),
                bar_h: format!("{h:.1}"),
                title: format!(
                    "{}: {} · {}",
                    d.day_end.date_string(),
                    percent(d.share_bp),
                    ui.t_with("reputation.signals_n", "count", &d.signals.to_string())
                ),
            }
        })
        .collect();
    let line = points
        .iter()
        .map(|p| format!("{},{}", p.x, p.y))
        .collect::<Vec<_>>()
        .join(" ");
    (points, line, max_volume)
}

fn rule_lines(ui: &Ui, s: &Settings) -> Vec<String> {
    let args = |key: &str, pairs: &[(&str, String)]| {
        let owned: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        crate::i18n::t_args(ui.locale, key, &owned)
    };
    vec![
        args(
            "reputation.rule.signals",
            &[("hours", s.window_hours.to_string())],
        ),
        args(
            "reputation.rule.min_signals",
            &[("count", s.min_signals.to_string())],
        ),
        args(
            "reputation.rule.min_share",
            &[("share", percent(s.min_negative_bp))],
        ),
        args(
            "reputation.rule.ratio",
            &[
                ("ratio", times(s.ratio_bp)),
                ("days", s.baseline_days.to_string()),
                ("floor", percent(BASELINE_FLOOR_BP)),
            ],
        ),
        args(
            "reputation.rule.cooldown",
            &[("hours", s.cooldown_hours.to_string())],
        ),
    ]
}

fn build(
    ui: Ui,
    o: &Overview,
    form: FormValues,
    errors: FormErrors,
    notice: String,
) -> ReputationPage {
    let e = &o.evaluation;
    let (points, line, max_volume) = chart(&ui, o);
    let drivers = e
        .drivers
        .iter()
        .map(|s| {
            let (url, reply_url) = driver_urls(&o.handle, s);
            let kind = s.kind.as_str();
            DriverRow {
                kind,
                kind_key: format!("reputation.kind.{kind}"),
                stars: s
                    .rating
                    .map(|r| {
                        let r = usize::try_from(r.clamp(0, 5)).unwrap_or(0);
                        format!("{}{}", "★".repeat(r), "☆".repeat(5 - r))
                    })
                    .unwrap_or_default(),
                product_title: s.product_title.clone(),
                author: s.author.clone(),
                text: s.text.chars().take(280).collect(),
                ago: ui.ago(s.at),
                date: s.at.to_rfc3339(),
                url,
                reply_url,
                replied: s.kind == SignalKind::Review && s.replied,
            }
        })
        .collect();
    let alerts = o
        .alerts
        .iter()
        .map(|a| AlertRow {
            id: a.id,
            date: souk_domain::Timestamp::from_micros(a.fired_at).date_string(),
            summary: crate::i18n::t_args(
                ui.locale,
                "reputation.alert_summary",
                &[
                    ("negative", &a.window_negative.to_string()),
                    ("signals", &a.window_signals.to_string()),
                    ("share", &percent(a.window_share_bp)),
                    ("baseline", &percent(a.baseline_share_bp)),
                ],
            ),
            acknowledged: a.acknowledged_at.is_some(),
        })
        .collect();
    let chart_summary = crate::i18n::t_args(
        ui.locale,
        "reputation.chart_summary",
        &[
            ("days", &e.trend.len().to_string()),
            ("share", &percent(e.window.share_bp())),
        ],
    );
    ReputationPage {
        handle: o.handle.clone(),
        is_owner: o.is_owner,
        enabled: e.settings.enabled,
        spike: e.verdict.spike,
        cooldown: e.cooldown_until.map(|t| t.to_rfc3339()).unwrap_or_default(),
        window_share: percent(e.verdict.window_share_bp),
        baseline_share: percent(e.verdict.baseline_share_bp),
        threshold: percent(e.verdict.threshold_bp),
        window_line: crate::i18n::t_args(
            ui.locale,
            "reputation.window_counts",
            &[
                ("negative", &e.window.negative.to_string()),
                ("signals", &e.window.signals.to_string()),
                ("hours", &e.settings.window_hours.to_string()),
            ],
        ),
        baseline_line: crate::i18n::t_args(
            ui.locale,
            "reputation.baseline_counts",
            &[
                ("negative", &e.baseline.negative.to_string()),
                ("signals", &e.baseline.signals.to_string()),
                ("days", &e.settings.baseline_days.to_string()),
            ],
        ),
        rule: rule_lines(&ui, &e.settings),
        threshold_y: format!("{:.1}", 100.0 - e.verdict.threshold_bp as f64 / 100.0),
        chart_from: e
            .trend
            .first()
            .map(|d| d.day_end.date_string())
            .unwrap_or_default(),
        chart_to: e
            .trend
            .last()
            .map(|d| d.day_end.date_string())
            .unwrap_or_default(),
        chart_summary,
        points,
        line,
        max_volume,
        drivers,
        alerts,
        form,
        errors,
        notice,
        ui,
    }
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    /// Set after a redirect: `saved`, `acknowledged`, or a check status (`fired`, `below_threshold`…).
    done: Option<String>,
}

fn notice_of(ui: &Ui, done: Option<&str>) -> String {
    match done {
        Some(
            d @ ("saved" | "acknowledged" | "fired" | "below_threshold" | "cooldown" | "disabled"),
        ) => ui.t(&format!("reputation.done.{d}")).into_owned(),
        _ => String::new(),
    }
}

async fn page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let o = state.services.reputation.overview(&viewer, &handle).await?;
    let ui = Ui::load(&state, &ctx).await;
    let notice = notice_of(&ui, q.done.as_deref());
    let form = FormValues::of(&o.evaluation.settings);
    Ok(render(
        StatusCode::OK,
        &build(ui, &o, form, FormErrors::default(), notice),
    ))
}

#[derive(Deserialize, Default)]
pub struct SettingsForm {
    #[serde(default)]
    enabled: Option<String>,
    #[serde(default)]
    window_hours: String,
    #[serde(default)]
    baseline_days: String,
    #[serde(default)]
    ratio: String,
    #[serde(default)]
    min_share: String,
    #[serde(default)]
    min_signals: String,
    #[serde(default)]
    cooldown_hours: String,
}

/// Reads the typed numbers; a field that is not a number is reported under the service's field name so
/// the form shows every error in the same place.
fn parse_form(f: &SettingsForm) -> Result<SettingsInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut int = |raw: &str, field: &'static str| match raw.trim().parse::<i64>() {
        Ok(v) => Some(v),
        Err(_) => {
            errors.push(FieldError::new(
                field,
                "number_invalid",
                "Enter a whole number.",
            ));
            None
        }
    };
    let window_hours = int(&f.window_hours, "window_hours");
    let baseline_days = int(&f.baseline_days, "baseline_days");
    let min_signals = int(&f.min_signals, "min_signals");
    let cooldown_hours = int(&f.cooldown_hours, "cooldown_hours");
    let ratio_bp = parse_decimal_bp(&f.ratio, "ratio_bp")
        .map_err(|e| errors.push(e))
        .ok();
    // The share is typed in percent: 30 → 3000 basis points.
    let min_negative_bp = parse_decimal_bp(&f.min_share, "min_negative_bp")
        .map(|v| v / 100)
        .map_err(|e| errors.push(e))
        .ok();
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(SettingsInput {
        enabled: Some(f.enabled.is_some()),
        window_hours,
        baseline_days,
        ratio_bp,
        min_negative_bp,
        min_signals,
        cooldown_hours,
    })
}

async fn save_settings(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    CsrfForm(form): CsrfForm<SettingsForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let result = match parse_form(&form) {
        Ok(input) => state
            .services
            .reputation
            .update_settings(&viewer, &handle, &input)
            .await
            .map_err(AppError::from),
        Err(fields) => Err(AppError::from(ServiceError::Validation(fields))),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/s/{handle}/reputation?done=saved")).into_response()),
        Err(err) if err.status == StatusCode::UNPROCESSABLE_ENTITY => {
            rerender(&state, &ctx, &viewer, &handle, &form, &err).await
        }
        Err(err) => Err(err),
    }
}

async fn rerender(
    state: &AppState,
    ctx: &RequestCtx,
    viewer: &Viewer,
    handle: &str,
    form: &SettingsForm,
    err: &AppError,
) -> Result<Response, AppError> {
    let o = state.services.reputation.overview(viewer, handle).await?;
    let ui = Ui::load(state, ctx).await;
    let errors = FormErrors::from_app_error(&ui, err);
    let values = FormValues {
        enabled: form.enabled.is_some(),
        window_hours: form.window_hours.clone(),
        baseline_days: form.baseline_days.clone(),
        ratio: form.ratio.clone(),
        min_share: form.min_share.clone(),
        min_signals: form.min_signals.clone(),
        cooldown_hours: form.cooldown_hours.clone(),
    };
    Ok(render_form_error(
        err,
        &build(ui, &o, values, errors, String::new()),
    ))
}

#[derive(Deserialize, Default)]
pub struct EmptyForm {}

async fn check(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    CsrfForm(_form): CsrfForm<EmptyForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let out = state
        .services
        .reputation
        .check_now(&viewer, &handle)
        .await?;
    Ok(Redirect::to(&format!(
        "/s/{handle}/reputation?done={}",
        out.status.as_str()
    ))
    .into_response())
}

async fn acknowledge(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((handle, id)): Path<(String, i64)>,
    CsrfForm(_form): CsrfForm<EmptyForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    state
        .services
        .reputation
        .acknowledge(&viewer, &handle, id)
        .await?;
    Ok(Redirect::to(&format!("/s/{handle}/reputation?done=acknowledged#alerts")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_shares_and_ratios() {
        assert_eq!(percent(3000), "30 %");
        assert_eq!(percent(1250), "12.5 %");
        assert_eq!(times(20_000), "2×");
        assert_eq!(times(25_000), "2.5×");
        assert_eq!(decimal(3000, 100), "30");
        assert_eq!(decimal(17_500, 10_000), "1.75");
    }
}
