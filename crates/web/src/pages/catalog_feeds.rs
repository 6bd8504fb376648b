//! Merchant catalog-feed pages: the hub (upload form, recent imports, data sources, export links), an
//! import run's live progress (SSE) and report with filters and a CSV download, and the per-platform export
//! report. Staff of the shop only; everyone else gets the same 404 as for a shop that does not exist.

use super::{Origin, Ui, login_redirect, path_segment, query_value, render};
use crate::context::RequestCtx;
use crate::error::AppError;
use crate::extract::{CsrfForm, SameSite};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use souk_domain::feed::{FeedFormat, Platform};
use souk_domain::{Locale, Timestamp};
use souk_service::ServiceError;
use souk_service::Viewer;
use souk_service::catalog_feeds::{CatalogFeedService, Origin as RunOrigin, RunView};
use souk_store::catalog_feeds::ErrorRecord;
use std::convert::Infallible;
use std::time::Duration;

/// Report lines per page of the run page's table.
const REPORT_PAGE: i64 = 50;
/// Report lines per database read while writing the CSV download.
const CSV_PAGE: i64 = 2_000;
/// Recent imports listed on the hub.
const RECENT_RUNS: i64 = 15;
/// Export problems listed on the report page; the count above the table says how many there are in all.
const REPORT_ROWS: usize = 500;
/// How often the progress stream looks at the run.
const POLL: Duration = Duration::from_millis(300);
/// A progress stream ends after this long even if the run has not finished; the browser reconnects.
const STREAM_LIFETIME: Duration = Duration::from_secs(30 * 60);

pub(super) fn routes(state: &AppState) -> Router<AppState> {
    // Room for the multipart envelope around the largest file the service accepts, so an oversized file
    // reaches the service's own check and gets its `file_too_large` message rather than a bare 413.
    let upload_limit = usize::try_from(state.services.catalog_feeds.config().max_file_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(1024 * 1024);
    Router::new()
        .route("/s/{handle}/catalog", get(hub))
        .route(
            "/s/{handle}/catalog/import",
            post(import).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/s/{handle}/catalog/runs/{id}", get(run_page))
        .route("/s/{handle}/catalog/runs/{id}/events", get(run_events))
        .route("/s/{handle}/catalog/runs/{id}/errors.csv", get(errors_csv))
        .route("/s/{handle}/catalog/export-report", get(export_report))
        .route("/s/{handle}/catalog/sources", post(add_source))
        .route("/s/{handle}/catalog/sources/{id}/run", post(run_source))
        .route(
            "/s/{handle}/catalog/sources/{id}/toggle",
            post(toggle_source),
        )
        .route(
            "/s/{handle}/catalog/sources/{id}/delete",
            post(delete_source),
        )
        .route("/s/{handle}/catalog/protection", post(set_protection))
}

// ---- shared helpers ----------------------------------------------------------------------------------

/// Platform names are brands and read the same in every language.
fn platform_name(p: Platform) -> &'static str {
    match p {
        Platform::Google => "Google",
        Platform::Meta => "Meta",
        Platform::Pinterest => "Pinterest",
        Platform::Tiktok => "TikTok",
    }
}

/// A count with the thousands grouping all four languages use.
pub fn group_digits(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Date and time of day (UTC) in the reader's language.
fn date_time(locale: Locale, at: Timestamp) -> String {
    // "2025-11-25T12:00:00Z": the parts are read back from the API's own format.
    let iso = at.to_rfc3339();
    let num = |r: std::ops::Range<usize>| iso.get(r).and_then(|s| s.parse::<u32>().ok());
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return iso;
    };
    let time = format!("{} UTC", iso.get(11..16).unwrap_or("00:00"));
    match locale {
        Locale::En => {
            const MONTHS: [&str; 12] = [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ];
            let name = usize::try_from(m)
                .ok()
                .and_then(|m| m.checked_sub(1))
                .and_then(|i| MONTHS.get(i))
                .copied()
                .unwrap_or("");
            format!("{name} {d}, {y} {time}")
        }
        Locale::Ko => format!("{y}년 {m}월 {d}일 {time}"),
        _ => format!("{y}年{m}月{d}日 {time}"),
    }
}

/// A stable code in the reader's language: the catalog's own wording first, then the site-wide one, else
/// the service's English message.
fn code_text(ui: &Ui, code: &str, fallback: &str) -> String {
    for key in [format!("catalog.error.{code}"), format!("errors.{code}")] {
        let s = ui.t(&key);
        if s != key {
            return s.into_owned();
        }
    }
    fallback.to_owned()
}

/// Errors of one form on the hub, translated.
#[derive(Default)]
pub struct Errs {
    fields: Vec<(String, String)>,
    pub general: Option<String>,
}

impl Errs {
    fn from_app_error(ui: &Ui, err: &AppError) -> Self {
        let fields: Vec<(String, String)> = err
            .fields
            .iter()
            .map(|f| (f.field.to_owned(), code_text(ui, f.code, &f.message)))
            .collect();
        let general = fields
            .is_empty()
            .then(|| code_text(ui, err.code, &err.message));
        Self { fields, general }
    }

    fn general(ui: &Ui, code: &str, fallback: &str) -> Self {
        Self {
            fields: Vec::new(),
            general: Some(code_text(ui, code, fallback)),
        }
    }

    pub fn has(&self, field: &str) -> bool {
        self.fields.iter().any(|(f, _)| f == field)
    }

    pub fn get(&self, field: &str) -> String {
        self.fields
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn any(&self) -> bool {
        !self.fields.is_empty() || self.general.is_some()
    }

    pub fn general_message(&self) -> &str {
        self.general.as_deref().unwrap_or("")
    }
}

/// Only errors a merchant can act on re-render the page; a 404 or a server failure stays what it is.
fn recoverable(err: &AppError) -> bool {
    matches!(
        err.status,
        StatusCode::BAD_REQUEST
            | StatusCode::CONFLICT
            | StatusCode::UNPROCESSABLE_ENTITY
            | StatusCode::PAYLOAD_TOO_LARGE
            | StatusCode::TOO_MANY_REQUESTS
    )
}

fn hub_url(handle: &str) -> String {
    format!("/s/{}/catalog", path_segment(handle))
}

fn run_url(handle: &str, id: i64) -> String {
    format!("/s/{}/catalog/runs/{id}", path_segment(handle))
}

// ---- the hub -----------------------------------------------------------------------------------------

pub struct RunRow {
    pub href: String,
    pub date: String,
    pub date_full: String,
    pub datetime: String,
    pub file_name: String,
    pub origin: String,
    pub status: String,
    pub status_label: String,
    pub percent: i64,
    pub imported: String,
    pub updated: String,
    pub rejected: String,
    pub rejected_n: i64,
}

fn run_row(ui: &Ui, handle: &str, r: &RunView) -> RunRow {
    let rec = &r.record;
    RunRow {
        href: run_url(handle, rec.id),
        date: ui.ago(rec.created_at),
        date_full: date_time(ui.locale, rec.created_at),
        datetime: rec.created_at.to_rfc3339(),
        file_name: rec.file_name.clone(),
        origin: ui.t(&format!("catalog.origin.{}", rec.origin)).into_owned(),
        status: rec.status.clone(),
        status_label: ui.t(&format!("catalog.status.{}", rec.status)).into_owned(),
        percent: r.percent(),
        imported: group_digits(rec.imported),
        updated: group_digits(rec.updated),
        rejected: group_digits(rec.rejected),
        rejected_n: rec.rejected,
    }
}

pub struct SourceRow {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub host: String,
    pub schedule: String,
    pub enabled: bool,
    pub next_run: String,
    /// (href, status, label) of the source's last run.
    pub last_run: Option<(String, String, String)>,
}

pub struct ExportLink {
    pub format: &'static str,
    pub url: String,
}

pub struct ExportGroup {
    pub platform: &'static str,
    pub name: &'static str,
    pub links: Vec<ExportLink>,
}

/// What the add-source form showed, so a refused submission keeps the merchant's input.
#[derive(Deserialize, Default)]
pub struct SourceForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub format: String,
    #[serde(default)]
    pub schedule: String,
}

#[derive(Template)]
#[template(path = "catalog_hub.html")]
struct HubPage {
    ui: Ui,
    handle: String,
    shop_name: String,
    runs: Vec<RunRow>,
    sources: Vec<SourceRow>,
    exports: Vec<ExportGroup>,
    protected: bool,
    notice: Option<String>,
    upload_errors: Errs,
    upload_format: String,
    source_errors: Errs,
    source_form: SourceForm,
    source_action_errors: Errs,
    max_mb: u64,
}

impl HubPage {
    fn formats(&self) -> [&'static str; 4] {
        ["auto", "csv", "tsv", "xml"]
    }
    fn schedules(&self) -> [&'static str; 3] {
        ["hourly", "daily", "weekly"]
    }
    fn handle_seg(&self) -> String {
        path_segment(&self.handle)
    }
}

/// The host of a feed URL, for a list that fits a phone.
fn url_host(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    // Credentials in a URL are not shown.
    host.rsplit('@').next().unwrap_or(host).to_owned()
}

/// Absolute export URLs for every platform and each format it takes, with the token when protected.
fn export_groups(origin: &str, handle: &str, token: Option<&str>) -> Vec<ExportGroup> {
    Platform::ALL
        .iter()
        .map(|p| ExportGroup {
            platform: p.as_str(),
            name: platform_name(*p),
            links: FeedFormat::ALL
                .iter()
                .filter(|f| p.supports(**f))
                .map(|f| ExportLink {
                    format: f.as_str(),
                    url: crate::api::catalog_feeds::export_url(origin, handle, *p, *f, token),
                })
                .collect(),
        })
        .collect()
}

#[derive(Deserialize, Default)]
struct HubQuery {
    done: Option<String>,
}

/// Messages a redirect back to the hub may ask for (a fixed list: the query cannot choose any key).
fn notice_key(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "source_added" => Some("catalog.notice.source_added"),
        "source_deleted" => Some("catalog.notice.source_deleted"),
        "source_paused" => Some("catalog.notice.source_paused"),
        "source_resumed" => Some("catalog.notice.source_resumed"),
        "source_started" => Some("catalog.notice.source_started"),
        "protected" => Some("catalog.notice.protected"),
        "public" => Some("catalog.notice.public"),
        _ => None,
    }
}

/// What a hub re-render carries besides the page's own data.
#[derive(Default)]
struct HubState {
    notice: Option<String>,
    upload_errors: Errs,
    upload_format: String,
    source_errors: Errs,
    source_form: SourceForm,
    source_action_errors: Errs,
}

async fn render_hub(
    state: &AppState,
    ctx: &RequestCtx,
    viewer: &Viewer,
    handle: &str,
    origin: &str,
    status: StatusCode,
    extra: HubState,
) -> Result<Response, AppError> {
    let feeds = &state.services.catalog_feeds;
    let shop = feeds.staff_shop(viewer, handle).await?;
    let runs = feeds.runs(viewer, handle, None, RECENT_RUNS).await?;
    let sources = feeds.sources(viewer, handle).await?;
    let token = feeds.feed_token(shop.id).await?;
    let ui = Ui::load(state, ctx).await;
    let runs = runs.iter().map(|r| run_row(&ui, &shop.handle, r)).collect();
    let sources = sources
        .iter()
        .map(|s| SourceRow {
            id: s.record.id,
            name: s.record.name.clone(),
            url: s.record.url.clone(),
            host: url_host(&s.record.url),
            schedule: ui
                .t(&format!("catalog.schedule.{}", s.record.schedule))
                .into_owned(),
            enabled: s.record.enabled,
            next_run: date_time(ui.locale, s.record.next_run_at),
            last_run: s.last_run.as_ref().map(|r| {
                (
                    run_url(&shop.handle, r.id),
                    r.status.clone(),
                    ui.t(&format!("catalog.status.{}", r.status)).into_owned(),
                )
            }),
        })
        .collect();
    let max_mb = feeds.config().max_file_bytes / (1024 * 1024);
    let page = HubPage {
        handle: shop.handle.clone(),
        shop_name: shop.name.clone(),
        runs,
        sources,
        exports: export_groups(origin, &shop.handle, token.as_deref()),
        protected: token.is_some(),
        notice: extra.notice,
        upload_errors: extra.upload_errors,
        upload_format: if extra.upload_format.is_empty() {
            "auto".into()
        } else {
            extra.upload_format
        },
        source_errors: extra.source_errors,
        source_form: SourceForm {
            schedule: if extra.source_form.schedule.is_empty() {
                "daily".into()
            } else {
                extra.source_form.schedule
            },
            format: if extra.source_form.format.is_empty() {
                "auto".into()
            } else {
                extra.source_form.format
            },
            ..extra.source_form
        },
        source_action_errors: extra.source_action_errors,
        max_mb,
        ui,
    };
    let mut res = render(status, &page);
    if status != StatusCode::OK {
        // A re-rendered form is never cached.
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}

async fn hub(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Origin(origin): Origin,
    Path(handle): Path<String>,
    Query(q): Query<HubQuery>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let ui = Ui::new(&ctx);
    let notice = notice_key(q.done.as_deref()).map(|k| ui.t(k).into_owned());
    render_hub(
        &state,
        &ctx,
        &viewer,
        &handle,
        &origin,
        StatusCode::OK,
        HubState {
            notice,
            ..HubState::default()
        },
    )
    .await
}

// ---- upload ------------------------------------------------------------------------------------------

/// Reads the upload form in order: `csrf_token` and `format` come before the file in the page's form, so the
/// token is checked before a byte of the file is read, and the file itself is streamed to disk by the
/// service without ever being held in memory.
async fn import(
    State(state): State<AppState>,
    ctx: RequestCtx,
    _: SameSite,
    Origin(origin): Origin,
    Path(handle): Path<String>,
    mut mp: Multipart,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let bad_form = |e: axum::extract::multipart::MultipartError| {
        AppError::new(e.status(), "invalid_form", e.body_text())
    };
    let mut csrf_ok = false;
    let mut format_text = String::from("auto");
    let mut outcome: Option<Result<RunView, AppError>> = None;
    while let Some(field) = mp.next_field().await.map_err(bad_form)? {
        match field.name().unwrap_or("") {
            "csrf_token" => {
                let token = field.text().await.map_err(bad_form)?;
                csrf_ok = crate::context::csrf_matches(&ctx.csrf_token, &token);
            }
            "format" => {
                format_text = field.text().await.map_err(bad_form)?.trim().to_owned();
            }
            "file" => {
                if !csrf_ok {
                    return Err(AppError::csrf());
                }
                if outcome.is_some() {
                    continue;
                }
                let file_name = field.file_name().unwrap_or("").trim().to_owned();
                if file_name.is_empty() {
                    // A form sent without choosing a file still carries an empty, nameless part.
                    continue;
                }
                let format = match format_text.as_str() {
                    "" | "auto" => None,
                    f => match FeedFormat::parse(f) {
                        Some(f) => Some(f),
                        None => {
                            outcome = Some(Err(AppError::bad_request(
                                "invalid_format",
                                "Format must be auto, csv, tsv or xml.",
                            )));
                            continue;
                        }
                    },
                };
                let result = state
                    .services
                    .catalog_feeds
                    .upload(
                        &viewer,
                        &handle,
                        &souk_service::catalog_feeds::UploadFile {
                            origin: RunOrigin::Upload,
                            file_name: &file_name,
                            format,
                            wait: false,
                        },
                        Box::pin(field),
                    )
                    .await;
                outcome = Some(result.map_err(AppError::from));
                // Nothing the form sends after the file matters; a refused file is not read to its end.
                break;
            }
            _ => {}
        }
    }
    if !csrf_ok {
        return Err(AppError::csrf());
    }
    let ui = Ui::new(&ctx);
    let errs = match outcome {
        Some(Ok(run)) => {
            return Ok(Redirect::to(&run_url(&run.shop_handle, run.record.id)).into_response());
        }
        Some(Err(e)) if recoverable(&e) => (e.status, Errs::from_app_error(&ui, &e)),
        Some(Err(e)) => return Err(e),
        None => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Errs::general(&ui, "no_file", "Choose a file to upload."),
        ),
    };
    render_hub(
        &state,
        &ctx,
        &viewer,
        &handle,
        &origin,
        errs.0,
        HubState {
            upload_errors: errs.1,
            upload_format: format_text,
            ..HubState::default()
        },
    )
    .await
}

// ---- a run: progress and report ------------------------------------------------------------------------

pub struct Chip {
    pub label: String,
    pub count: String,
    pub href: String,
    pub on: bool,
}

pub struct ReportRow {
    pub line: String,
    pub item_id: String,
    pub field: String,
    pub code: String,
    pub message: String,
    /// A note on a row that was imported anyway, not a rejection.
    pub warning: bool,
}

#[derive(Template)]
#[template(path = "catalog_run.html")]
struct RunPage {
    ui: Ui,
    handle: String,
    file_name: String,
    origin: String,
    format: String,
    created: String,
    status: String,
    status_label: String,
    finished: bool,
    percent: i64,
    processed: String,
    total: String,
    imported: String,
    updated: String,
    unchanged: String,
    rejected: String,
    rejected_n: i64,
    /// (code, translated explanation, the service's message) when the file as a whole was refused.
    file_error: Option<(String, String, String)>,
    warnings: Vec<String>,
    code_chips: Vec<Chip>,
    field_chips: Vec<Chip>,
    filtered: bool,
    all_href: String,
    rows: Vec<ReportRow>,
    next_href: Option<String>,
    first_href: Option<String>,
    csv_href: String,
    events_href: String,
}

#[derive(Deserialize, Default)]
struct ReportQuery {
    code: Option<String>,
    field: Option<String>,
    after: Option<i64>,
}

impl ReportQuery {
    fn code(&self) -> Option<&str> {
        self.code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
    }
    fn field(&self) -> Option<&str> {
        self.field
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
    }
}

/// A run page link with the given filters (and page).
fn report_href(base: &str, code: Option<&str>, field: Option<&str>, after: Option<i64>) -> String {
    let mut parts = Vec::new();
    if let Some(c) = code {
        parts.push(format!("code={}", query_value(c)));
    }
    if let Some(f) = field {
        parts.push(format!("field={}", query_value(f)));
    }
    if let Some(a) = after {
        parts.push(format!("after={a}"));
    }
    if parts.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", parts.join("&"))
    }
}

async fn run_page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((handle, id)): Path<(String, i64)>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let feeds = &state.services.catalog_feeds;
    let run = feeds.run(&viewer, &handle, id).await?;
    let finished = run.finished();
    let base = run_url(&run.shop_handle, id);
    let (code, field) = (q.code(), q.field());
    let (rows, next_after, codes, fields) = if finished {
        let mut rows = feeds
            .run_errors(
                &viewer,
                &handle,
                id,
                &souk_service::catalog_feeds::ErrorFilter {
                    code,
                    field,
                    after: q.after.unwrap_or(0).max(0),
                    limit: REPORT_PAGE + 1,
                },
            )
            .await?;
        let more = rows.len() > usize::try_from(REPORT_PAGE).unwrap_or(50);
        rows.truncate(usize::try_from(REPORT_PAGE).unwrap_or(50));
        let next = if more {
            rows.last().map(|r| r.seq)
        } else {
            None
        };
        let (codes, fields) = feeds.error_facets(&viewer, &handle, id).await?;
        (rows, next, codes, fields)
    } else {
        (Vec::new(), None, Vec::new(), Vec::new())
    };
    let ui = Ui::load(&state, &ctx).await;
    let chip = |label: &str, count: i64, href: String, on: bool| Chip {
        label: label.to_owned(),
        count: group_digits(count),
        href,
        on,
    };
    // A chip toggles its own filter and keeps the other one.
    let code_chips = codes
        .iter()
        .map(|(c, n)| {
            let on = code == Some(c.as_str());
            let next_code = if on { None } else { Some(c.as_str()) };
            chip(c, *n, report_href(&base, next_code, field, None), on)
        })
        .collect();
    let field_chips = fields
        .iter()
        .map(|(f, n)| {
            let on = field == Some(f.as_str());
            let next_field = if on { None } else { Some(f.as_str()) };
            let label = if f.is_empty() { "—" } else { f.as_str() };
            chip(label, *n, report_href(&base, code, next_field, None), on)
        })
        .collect();
    let rec = &run.record;
    let file_error = rec.error_code.as_ref().map(|c| {
        let message = rec.error_message.clone().unwrap_or_default();
        (c.clone(), code_text(&ui, c, ""), message)
    });
    let csv_href = report_href(&format!("{base}/errors.csv"), code, field, None);
    let page = RunPage {
        handle: run.shop_handle.clone(),
        file_name: rec.file_name.clone(),
        origin: ui.t(&format!("catalog.origin.{}", rec.origin)).into_owned(),
        format: rec.format.to_ascii_uppercase(),
        created: date_time(ui.locale, rec.created_at),
        status: rec.status.clone(),
        status_label: ui.t(&format!("catalog.status.{}", rec.status)).into_owned(),
        finished,
        percent: run.percent(),
        processed: group_digits(rec.processed_rows),
        total: group_digits(rec.total_rows),
        imported: group_digits(rec.imported),
        updated: group_digits(rec.updated),
        unchanged: group_digits(rec.unchanged),
        rejected: group_digits(rec.rejected),
        rejected_n: rec.rejected,
        file_error,
        warnings: run.warnings.clone(),
        code_chips,
        field_chips,
        filtered: code.is_some() || field.is_some(),
        all_href: base.clone(),
        rows: rows
            .iter()
            .map(|e: &ErrorRecord| ReportRow {
                line: group_digits(e.line),
                item_id: e.item_id.clone().unwrap_or_default(),
                field: e.field.clone(),
                code: e.code.clone(),
                message: e.message.clone(),
                warning: e.severity == "warning",
            })
            .collect(),
        next_href: next_after.map(|a| report_href(&base, code, field, Some(a))),
        first_href: q
            .after
            .filter(|a| *a > 0)
            .map(|_| report_href(&base, code, field, None)),
        csv_href,
        events_href: format!("{base}/events"),
        ui,
    };
    let mut res = render(StatusCode::OK, &page);
    // A page that is still moving must not be served from a cache on reload.
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// The progress event's data.
fn progress_json(run: &RunView) -> String {
    let r = &run.record;
    serde_json::json!({
        "status": r.status,
        "percent": run.percent(),
        "processed": r.processed_rows,
        "total": r.total_rows,
        "imported": r.imported,
        "updated": r.updated,
        "unchanged": r.unchanged,
        "rejected": r.rejected,
    })
    .to_string()
}

struct Poll {
    feeds: CatalogFeedService,
    viewer: Viewer,
    handle: String,
    id: i64,
    last: Option<String>,
    done: bool,
    until: tokio::time::Instant,
}

/// Server-sent `progress` events while a run moves: one whenever its counts change, and a last one when it
/// finishes, after which the stream ends.
async fn run_events(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((handle, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Err(AppError::not_found());
    };
    let feeds = state.services.catalog_feeds.clone();
    // Authorize once up front, so a stranger gets a plain 404 rather than an empty stream.
    feeds.run(&viewer, &handle, id).await?;
    let start = Poll {
        feeds,
        viewer,
        handle,
        id,
        last: None,
        done: false,
        until: tokio::time::Instant::now() + STREAM_LIFETIME,
    };
    let stream = futures_util::stream::unfold(start, |mut p| async move {
        loop {
            if p.done || tokio::time::Instant::now() >= p.until {
                return None;
            }
            let run = match p.feeds.run(&p.viewer, &p.handle, p.id).await {
                Ok(run) => run,
                Err(ServiceError::NotFound) => return None,
                Err(e) => {
                    tracing::warn!(error = %e, run = p.id, "catalog progress poll failed");
                    tokio::time::sleep(POLL).await;
                    continue;
                }
            };
            let data = progress_json(&run);
            p.done = run.finished();
            if p.done || p.last.as_deref() != Some(data.as_str()) {
                p.last = Some(data.clone());
                let event = Event::default().event("progress").data(data);
                if !p.done {
                    tokio::time::sleep(POLL).await;
                }
                return Some((Ok::<Event, Infallible>(event), p));
            }
            tokio::time::sleep(POLL).await;
        }
    });
    let mut res = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Proxies such as nginx would otherwise hold the events back in a buffer.
    res.headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(res)
}

/// Spreadsheets run cells starting with these characters as formulas; a leading apostrophe keeps such text
/// as text (the values come from files merchants download from elsewhere).
fn csv_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

fn csv_chunk(rows: &[ErrorRecord], header: bool) -> Result<Bytes, std::io::Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(rows.len() * 96 + 64));
    let mut out = || -> Result<(), csv::Error> {
        if header {
            w.write_record(["line", "item_id", "field", "code", "message"])?;
        }
        for e in rows {
            w.write_record([
                e.line.to_string(),
                csv_cell(e.item_id.as_deref().unwrap_or("")),
                csv_cell(&e.field),
                e.code.clone(),
                csv_cell(&e.message),
            ])?;
        }
        Ok(())
    };
    out().map_err(std::io::Error::other)?;
    let mut bytes = w
        .into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    if header {
        // A byte-order mark, so spreadsheet programs read Chinese and Korean text as UTF-8.
        let mut with_bom = Vec::with_capacity(bytes.len() + 3);
        with_bom.extend_from_slice(b"\xEF\xBB\xBF");
        with_bom.append(&mut bytes);
        bytes = with_bom;
    }
    Ok(Bytes::from(bytes))
}

struct CsvState {
    feeds: CatalogFeedService,
    viewer: Viewer,
    handle: String,
    id: i64,
    code: Option<String>,
    field: Option<String>,
    after: i64,
    first: bool,
    done: bool,
}

/// The run's report (or the filtered part of it) as CSV, written page by page so a report of any size
/// streams without being held in memory.
async fn errors_csv(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((handle, id)): Path<(String, i64)>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let feeds = state.services.catalog_feeds.clone();
    feeds.run(&viewer, &handle, id).await?;
    let start = CsvState {
        feeds,
        viewer,
        handle,
        id,
        code: q.code().map(str::to_owned),
        field: q.field().map(str::to_owned),
        after: 0,
        first: true,
        done: false,
    };
    let stream = futures_util::stream::unfold(start, |mut s| async move {
        if s.done {
            return None;
        }
        let page = s
            .feeds
            .run_errors(
                &s.viewer,
                &s.handle,
                s.id,
                &souk_service::catalog_feeds::ErrorFilter {
                    code: s.code.as_deref(),
                    field: s.field.as_deref(),
                    after: s.after,
                    limit: CSV_PAGE,
                },
            )
            .await;
        let rows = match page {
            Ok(rows) => rows,
            Err(e) => {
                s.done = true;
                return Some((Err(std::io::Error::other(e.to_string())), s));
            }
        };
        if usize::try_from(CSV_PAGE).is_ok_and(|n| rows.len() < n) {
            s.done = true;
        }
        if let Some(last) = rows.last() {
            s.after = last.seq;
        }
        let chunk = csv_chunk(&rows, s.first);
        s.first = false;
        Some((chunk, s))
    });
    let disposition = format!("attachment; filename=\"catalog-run-{id}-errors.csv\"");
    let mut res = Body::from_stream(stream).into_response();
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

// ---- export report -------------------------------------------------------------------------------------

pub struct ProblemRow {
    pub product_id: i64,
    pub title: String,
    pub field: String,
    pub code: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "catalog_export_report.html")]
struct ExportReportPage {
    ui: Ui,
    handle: String,
    platform: &'static str,
    platform_name: &'static str,
    exportable: String,
    problem_count: String,
    rows: Vec<ProblemRow>,
    truncated: bool,
}

impl ExportReportPage {
    fn platforms(&self) -> Vec<(&'static str, &'static str)> {
        Platform::ALL
            .iter()
            .map(|p| (p.as_str(), platform_name(*p)))
            .collect()
    }
    fn handle_seg(&self) -> String {
        path_segment(&self.handle)
    }
}

#[derive(Deserialize, Default)]
struct PlatformQuery {
    platform: Option<String>,
}

async fn export_report(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Origin(origin): Origin,
    Path(handle): Path<String>,
    Query(q): Query<PlatformQuery>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let feeds = &state.services.catalog_feeds;
    // The shop check comes first, so a stranger gets 404 whatever the platform says.
    let shop = feeds.staff_shop(&viewer, &handle).await?;
    let platform = match q
        .platform
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        None => Platform::Google,
        Some(p) => Platform::parse(p).ok_or_else(|| {
            AppError::bad_request(
                "invalid_platform",
                "Platform must be google, meta, pinterest or tiktok.",
            )
        })?,
    };
    let (exportable, problems) = feeds
        .export_report(&viewer, &handle, platform, None, &origin)
        .await?;
    let ui = Ui::load(&state, &ctx).await;
    let total = problems.len();
    let rows = problems
        .iter()
        .take(REPORT_ROWS)
        .map(|p| ProblemRow {
            product_id: p.product_id,
            title: p.title.clone(),
            field: p.issue.field.to_owned(),
            code: p.issue.code.to_owned(),
            message: p.issue.message.clone(),
        })
        .collect();
    let page = ExportReportPage {
        handle: shop.handle.clone(),
        platform: platform.as_str(),
        platform_name: platform_name(platform),
        exportable: group_digits(i64::try_from(exportable).unwrap_or(i64::MAX)),
        problem_count: group_digits(i64::try_from(total).unwrap_or(i64::MAX)),
        rows,
        truncated: total > REPORT_ROWS,
        ui,
    };
    Ok(render(StatusCode::OK, &page))
}

// ---- data sources and protection -------------------------------------------------------------------

#[derive(Deserialize)]
struct Empty {}

async fn add_source(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Origin(origin): Origin,
    Path(handle): Path<String>,
    CsrfForm(form): CsrfForm<SourceForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let result = state
        .services
        .catalog_feeds
        .add_source(
            &viewer,
            &handle,
            &form.name,
            &form.url,
            Some(form.format.as_str()),
            &form.schedule,
        )
        .await;
    match result {
        Ok(_) => Ok(
            Redirect::to(&format!("{}?done=source_added#sources", hub_url(&handle)))
                .into_response(),
        ),
        Err(e) => {
            let err = AppError::from(e);
            if !recoverable(&err) {
                return Err(err);
            }
            let ui = Ui::new(&ctx);
            render_hub(
                &state,
                &ctx,
                &viewer,
                &handle,
                &origin,
                err.status,
                HubState {
                    source_errors: Errs::from_app_error(&ui, &err),
                    source_form: form,
                    ..HubState::default()
                },
            )
            .await
        }
    }
}

/// After a source action: back to the hub with a notice, or the hub again with the refusal explained.
async fn source_outcome<T>(
    state: &AppState,
    ctx: &RequestCtx,
    viewer: &Viewer,
    handle: &str,
    origin: &str,
    result: Result<T, ServiceError>,
    done: &str,
) -> Result<Response, AppError> {
    match result {
        Ok(_) => {
            Ok(Redirect::to(&format!("{}?done={done}#sources", hub_url(handle))).into_response())
        }
        Err(e) => {
            let err = AppError::from(e);
            if !recoverable(&err) {
                return Err(err);
            }
            let ui = Ui::new(ctx);
            render_hub(
                state,
                ctx,
                viewer,
                handle,
                origin,
                err.status,
                HubState {
                    source_action_errors: Errs::from_app_error(&ui, &err),
                    ..HubState::default()
                },
            )
            .await
        }
    }
}

async fn run_source(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Origin(origin): Origin,
    Path((handle, id)): Path<(String, i64)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let result = state
        .services
        .catalog_feeds
        .run_source_now(&viewer, &handle, id)
        .await;
    source_outcome(
        &state,
        &ctx,
        &viewer,
        &handle,
        &origin,
        result,
        "source_started",
    )
    .await
}

#[derive(Deserialize)]
struct ToggleForm {
    #[serde(default)]
    enabled: String,
}

async fn toggle_source(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Origin(origin): Origin,
    Path((handle, id)): Path<(String, i64)>,
    CsrfForm(form): CsrfForm<ToggleForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let enable = form.enabled == "1";
    let result = state
        .services
        .catalog_feeds
        .update_source(&viewer, &handle, id, None, Some(enable))
        .await;
    let done = if enable {
        "source_resumed"
    } else {
        "source_paused"
    };
    source_outcome(&state, &ctx, &viewer, &handle, &origin, result, done).await
}

async fn delete_source(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Origin(origin): Origin,
    Path((handle, id)): Path<(String, i64)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let result = state
        .services
        .catalog_feeds
        .delete_source(&viewer, &handle, id)
        .await;
    source_outcome(
        &state,
        &ctx,
        &viewer,
        &handle,
        &origin,
        result,
        "source_deleted",
    )
    .await
}

#[derive(Deserialize)]
struct ProtectionForm {
    #[serde(default)]
    protected: String,
}

async fn set_protection(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    CsrfForm(form): CsrfForm<ProtectionForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let protect = form.protected == "1";
    state
        .services
        .catalog_feeds
        .set_protection(&viewer, &handle, protect)
        .await?;
    let done = if protect { "protected" } else { "public" };
    Ok(Redirect::to(&format!("{}?done={done}#exports", hub_url(&handle))).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_digits() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1,000");
        assert_eq!(group_digits(-1234567), "-1,234,567");
    }

    #[test]
    fn dates_read_per_language() {
        let t = Timestamp::from_micros(1_764_072_000_000_000);
        assert_eq!(date_time(Locale::En, t), "Nov 25, 2025 12:00 UTC");
        assert_eq!(date_time(Locale::Ko, t), "2025년 11월 25일 12:00 UTC");
        assert_eq!(date_time(Locale::ZhCn, t), "2025年11月25日 12:00 UTC");
    }

    #[test]
    fn hosts_hide_credentials() {
        assert_eq!(
            url_host("https://u:p@feeds.example.com/x.csv?a=1"),
            "feeds.example.com"
        );
        assert_eq!(url_host("http://example.com"), "example.com");
    }

    #[test]
    fn csv_cells_defuse_formulas() {
        assert_eq!(csv_cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_cell("plain"), "plain");
    }

    #[test]
    fn report_links_keep_filters() {
        assert_eq!(report_href("/r", None, None, None), "/r");
        assert_eq!(
            report_href("/r", Some("bad code"), Some("price"), Some(7)),
            "/r?code=bad%20code&field=price&after=7"
        );
    }
}
