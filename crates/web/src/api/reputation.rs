//! Reputation API: a shop's negative-feedback trend, the items driving the current window and past alerts;
//! changing the alert thresholds; running the check now; acknowledging an alert. Owner and staff only
//! (anyone else 404); the check is owner only.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiViewer};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use souk_domain::Timestamp;
use souk_service::reputation::{
    Counts, Evaluation, Overview, Settings, SettingsInput, Signal, SignalKind,
};
use souk_store::reputation::AlertRecord;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The thresholds. Shares and ratios are basis points: 10000 = 100 % or 1.0×.
#[derive(Serialize, ToSchema)]
pub struct SettingsJson {
    pub enabled: bool,
    /// The recent window, in hours (1–168).
    pub window_hours: i64,
    /// The baseline before the window, in days (7–90).
    pub baseline_days: i64,
    /// The window's negative share must be at least this multiple of the baseline (10000–100000).
    pub ratio_bp: i64,
    /// ... and at least this share (100–10000).
    pub min_negative_bp: i64,
    /// ... over at least this many signals (1–1000).
    pub min_signals: i64,
    /// No second alert within this many hours (1–720).
    pub cooldown_hours: i64,
}

impl From<&Settings> for SettingsJson {
    fn from(s: &Settings) -> Self {
        Self {
            enabled: s.enabled,
            window_hours: s.window_hours,
            baseline_days: s.baseline_days,
            ratio_bp: s.ratio_bp,
            min_negative_bp: s.min_negative_bp,
            min_signals: s.min_signals,
            cooldown_hours: s.cooldown_hours,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CountsJson {
    pub signals: i64,
    pub negative: i64,
    pub neutral: i64,
    pub positive: i64,
    /// Negative ÷ all, basis points rounded down.
    pub negative_share_bp: i64,
}

impl From<&Counts> for CountsJson {
    fn from(c: &Counts) -> Self {
        Self {
            signals: c.signals,
            negative: c.negative,
            neutral: c.neutral,
            positive: c.positive,
            negative_share_bp: c.share_bp(),
        }
    }
}

/// Where the shop stands now against its thresholds.
#[derive(Serialize, ToSchema)]
pub struct StatusJson {
    pub window: CountsJson,
    pub baseline: CountsJson,
    /// The share the window must reach: max(min share, ratio × max(baseline, 5 %)).
    pub threshold_bp: i64,
    pub enough_signals: bool,
    pub above_min_share: bool,
    pub above_ratio: bool,
    /// The rule holds now (enabled and cooldown aside).
    pub spike: bool,
    /// While the last alert's cooldown runs, when it ends.
    pub cooldown_until: Option<String>,
}

/// One day (the 24 hours ending at `day_end`) of the trend.
#[derive(Serialize, ToSchema)]
pub struct DayJson {
    pub day_end: String,
    pub signals: i64,
    pub negative: i64,
    pub negative_share_bp: i64,
}

/// A negative item in the current window, with where to answer it.
#[derive(Serialize, ToSchema)]
pub struct DriverJson {
    /// `review`, `comment` (on a staff post) or `mention` (of the owner).
    pub kind: String,
    pub review_id: Option<i64>,
    pub product_id: Option<i64>,
    pub product_title: Option<String>,
    /// 1–5 for reviews.
    pub rating: Option<i64>,
    pub post_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub author: String,
    pub text: String,
    /// The sentiment score (reviews: stars − 3).
    pub score: i32,
    pub created_at: String,
    /// Where the item is shown.
    pub url: String,
    /// Where to answer it: the review reply form, or the comment thread.
    pub reply_url: String,
    /// A review the shop already replied to.
    pub replied: bool,
}

/// The page address of a driver and where to answer it.
pub fn driver_urls(handle: &str, s: &Signal) -> (String, String) {
    match (s.kind, s.review_id, s.post_id) {
        (SignalKind::Review, Some(id), _) => (
            format!("/products/{}#review-{id}", s.product_id.unwrap_or(0)),
            format!("/s/{handle}/reviews#review-{id}"),
        ),
        (_, _, Some(post)) => {
            let url = match s.comment_id {
                Some(c) => format!("/p/{post}#c{c}"),
                None => format!("/p/{post}"),
            };
            (url, format!("/p/{post}#comments"))
        }
        _ => (String::new(), String::new()),
    }
}

impl DriverJson {
    fn new(handle: &str, s: &Signal) -> Self {
        let (url, reply_url) = driver_urls(handle, s);
        Self {
            kind: s.kind.as_str().into(),
            review_id: s.review_id,
            product_id: s.product_id,
            product_title: s.product_id.map(|_| s.product_title.clone()),
            rating: s.rating,
            post_id: s.post_id,
            comment_id: s.comment_id,
            author: s.author.clone(),
            text: s.text.clone(),
            score: s.score,
            created_at: s.at.to_rfc3339(),
            url,
            reply_url,
            replied: s.replied,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AlertJson {
    pub id: i64,
    pub fired_at: String,
    pub window_hours: i64,
    pub window_signals: i64,
    pub window_negative: i64,
    pub window_share_bp: i64,
    pub baseline_signals: i64,
    pub baseline_negative: i64,
    pub baseline_share_bp: i64,
    pub acknowledged_at: Option<String>,
}

impl From<&AlertRecord> for AlertJson {
    fn from(a: &AlertRecord) -> Self {
        Self {
            id: a.id,
            fired_at: Timestamp::from_micros(a.fired_at).to_rfc3339(),
            window_hours: a.window_hours,
            window_signals: a.window_signals,
            window_negative: a.window_negative,
            window_share_bp: a.window_share_bp,
            baseline_signals: a.baseline_signals,
            baseline_negative: a.baseline_negative,
            baseline_share_bp: a.baseline_share_bp,
            acknowledged_at: a
                .acknowledged_at
                .map(|t| Timestamp::from_micros(t).to_rfc3339()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReputationJson {
    pub shop: String,
    pub checked_at: String,
    pub settings: SettingsJson,
    pub status: StatusJson,
    /// 30 days, oldest first.
    pub trend: Vec<DayJson>,
    /// Negative items in the current window, newest first (at most 50).
    pub drivers: Vec<DriverJson>,
    /// Newest first (at most 20).
    pub alerts: Vec<AlertJson>,
}

fn status_json(e: &Evaluation) -> StatusJson {
    StatusJson {
        window: CountsJson::from(&e.window),
        baseline: CountsJson::from(&e.baseline),
        threshold_bp: e.verdict.threshold_bp,
        enough_signals: e.verdict.enough_signals,
        above_min_share: e.verdict.above_min_share,
        above_ratio: e.verdict.above_ratio,
        spike: e.verdict.spike,
        cooldown_until: e.cooldown_until.map(Timestamp::to_rfc3339),
    }
}

impl From<&Overview> for ReputationJson {
    fn from(o: &Overview) -> Self {
        let e = &o.evaluation;
        Self {
            shop: o.handle.clone(),
            checked_at: e.now.to_rfc3339(),
            settings: SettingsJson::from(&e.settings),
            status: status_json(e),
            trend: e
                .trend
                .iter()
                .map(|d| DayJson {
                    day_end: d.day_end.to_rfc3339(),
                    signals: d.signals,
                    negative: d.negative,
                    negative_share_bp: d.share_bp,
                })
                .collect(),
            drivers: e
                .drivers
                .iter()
                .map(|s| DriverJson::new(&o.handle, s))
                .collect(),
            alerts: o.alerts.iter().map(AlertJson::from).collect(),
        }
    }
}

/// The shop's reputation: status against the thresholds, a 30-day trend, the negative items driving the
/// current window, and past alerts (owner and staff; others 404).
#[utoipa::path(get, path = "/api/v1/shops/{handle}/reputation", tag = "reputation",
    params(("handle" = String, Path)), security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = ReputationJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_reputation(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(handle): Path<String>,
) -> ApiResult<Json<ReputationJson>> {
    let o = s.services.reputation.overview(&v, &handle).await?;
    Ok(Json(ReputationJson::from(&o)))
}

/// A settings change; absent fields keep their value.
#[derive(Deserialize, ToSchema, Default)]
pub struct SettingsRequest {
    pub enabled: Option<bool>,
    pub window_hours: Option<i64>,
    pub baseline_days: Option<i64>,
    pub ratio_bp: Option<i64>,
    pub min_negative_bp: Option<i64>,
    pub min_signals: Option<i64>,
    pub cooldown_hours: Option<i64>,
}

/// Change the alert thresholds (owner and staff; others 404). Each out-of-range field is reported.
#[utoipa::path(put, path = "/api/v1/shops/{handle}/reputation/settings", tag = "reputation",
    params(("handle" = String, Path)), security(("bearer" = []), ("session_cookie" = [])),
    request_body = SettingsRequest,
    responses((status = 200, body = SettingsJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "`validation_failed`: window_hours_out_of_range, baseline_days_out_of_range, ratio_out_of_range, min_negative_share_out_of_range, min_signals_out_of_range, cooldown_hours_out_of_range")))]
async fn put_settings(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(handle): Path<String>,
    ApiJson(r): ApiJson<SettingsRequest>,
) -> ApiResult<Json<SettingsJson>> {
    let input = SettingsInput {
        enabled: r.enabled,
        window_hours: r.window_hours,
        baseline_days: r.baseline_days,
        ratio_bp: r.ratio_bp,
        min_negative_bp: r.min_negative_bp,
        min_signals: r.min_signals,
        cooldown_hours: r.cooldown_hours,
    };
    let settings = s
        .services
        .reputation
        .update_settings(&v, &handle, &input)
        .await?;
    Ok(Json(SettingsJson::from(&settings)))
}

#[derive(Serialize, ToSchema)]
pub struct CheckJson {
    /// An alert fired (and owners and staff were notified).
    pub fired: bool,
    /// `fired`, `below_threshold`, `cooldown` or `disabled`.
    pub status: String,
    pub alert_id: Option<i64>,
    pub settings: SettingsJson,
    pub evaluation: StatusJson,
}

/// Run the check now (owner only: staff 403, others 404). Repeating it inside the cooldown fires nothing.
#[utoipa::path(post, path = "/api/v1/shops/{handle}/reputation/check", tag = "reputation",
    params(("handle" = String, Path)), security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = CheckJson), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn check(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(handle): Path<String>,
) -> ApiResult<Json<CheckJson>> {
    let out = s.services.reputation.check_now(&v, &handle).await?;
    Ok(Json(CheckJson {
        fired: out.fired(),
        status: out.status.as_str().into(),
        alert_id: out.alert_id,
        settings: SettingsJson::from(&out.evaluation.settings),
        evaluation: status_json(&out.evaluation),
    }))
}

/// Mark an alert seen (owner and staff; an alert of another shop 404). Repeating it is harmless.
#[utoipa::path(post, path = "/api/v1/shops/{handle}/reputation/alerts/{id}/acknowledge", tag = "reputation",
    params(("handle" = String, Path), ("id" = i64, Path)), security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn acknowledge(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path((handle, id)): Path<(String, i64)>,
) -> ApiResult<StatusCode> {
    s.services.reputation.acknowledge(&v, &handle, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_reputation))
        .routes(routes!(put_settings))
        .routes(routes!(check))
        .routes(routes!(acknowledge))
}
