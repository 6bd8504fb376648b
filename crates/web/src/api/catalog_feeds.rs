//! Catalog feeds API: file imports and their reports, scheduled data sources, export settings and the public
//! per-platform export feeds.

use crate::error::{ApiResult, AppError, ErrorBody};
use crate::extract::ApiViewer;
use crate::pages::Origin;
use crate::state::AppState;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use souk_domain::feed::{FeedFormat, FeedWriter, Platform};
use souk_service::catalog_feeds::{
    CatalogFeedService, ErrorFilter, ExportProblem, Origin as RunOrigin, RunView, UploadFile,
};
use souk_store::catalog_feeds::{ErrorRecord, SourceRecord};
use souk_store::shops::ShopRecord;
use std::io::Write;
use std::sync::{Arc, Mutex};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Serialize, ToSchema)]
pub struct RunErrorJson {
    pub code: String,
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct RunJson {
    pub id: i64,
    pub shop: String,
    /// `upload`, `api`, `cli` or `source`.
    pub origin: String,
    pub source_id: Option<i64>,
    pub file_name: String,
    /// `csv`, `tsv`, `xml`, or `auto` before the file was read.
    pub format: String,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    pub total_rows: i64,
    pub processed_rows: i64,
    pub percent: i64,
    pub imported: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub rejected: i64,
    /// Why the whole file was refused (nothing was imported), when it was.
    pub error: Option<RunErrorJson>,
    pub warnings: Vec<String>,
    pub created_at: String,
    pub finished_at: Option<String>,
}

impl From<&RunView> for RunJson {
    fn from(v: &RunView) -> Self {
        let r = &v.record;
        RunJson {
            id: r.id,
            shop: v.shop_handle.clone(),
            origin: r.origin.clone(),
            source_id: r.source_id,
            file_name: r.file_name.clone(),
            format: r.format.clone(),
            status: r.status.clone(),
            total_rows: r.total_rows,
            processed_rows: r.processed_rows,
            percent: v.percent(),
            imported: r.imported,
            updated: r.updated,
            unchanged: r.unchanged,
            rejected: r.rejected,
            error: r.error_code.as_ref().map(|code| RunErrorJson {
                code: code.clone(),
                message: r.error_message.clone().unwrap_or_default(),
            }),
            warnings: v.warnings.clone(),
            created_at: r.created_at.to_rfc3339(),
            finished_at: r.finished_at.map(|t| t.to_rfc3339()),
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct ImportQuery {
    /// `auto` (default), `csv`, `tsv` or `xml`.
    pub format: Option<String>,
    /// Shown in the import history.
    pub file_name: Option<String>,
    /// Import before answering (for small files and scripts); otherwise the import runs as a job and the
    /// answer is 202 with the queued run to poll.
    #[serde(default)]
    pub wait: bool,
}

fn parse_format(format: Option<&str>) -> Result<Option<FeedFormat>, AppError> {
    match format
        .map(str::trim)
        .filter(|f| !f.is_empty() && *f != "auto")
    {
        None => Ok(None),
        Some(f) => FeedFormat::parse(f).map(Some).ok_or_else(|| {
            AppError::bad_request("invalid_format", "format must be auto, csv, tsv or xml.")
        }),
    }
}

/// Import a catalog file (CSV, TSV or RSS/Atom XML) into a shop. The request body is the file itself. Staff
/// of the shop only (others 404). A file that cannot be read at all fails the run with a stable code
/// (`empty_file`, `binary_file`, `invalid_utf8`, `no_rows`, `malformed_xml`, `missing_columns`,
/// `malformed_csv`, `file_too_large`) and imports nothing; rows with problems are listed in the run's
/// report while the good rows are imported.
#[utoipa::path(post, path = "/api/v1/shops/{handle}/catalog/imports", tag = "catalog",
    security(("bearer" = []), ("session_cookie" = [])), params(("handle" = String, Path), ImportQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = RunJson), (status = 202, body = RunJson), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn import(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(handle): Path<String>,
    Query(q): Query<ImportQuery>,
    body: Body,
) -> ApiResult<Response> {
    let format = parse_format(q.format.as_deref())?;
    let name = q.file_name.unwrap_or_else(|| "api upload".into());
    let run = s
        .services
        .catalog_feeds
        .upload(
            &v,
            &handle,
            &UploadFile {
                origin: RunOrigin::Api,
                file_name: &name,
                format,
                wait: q.wait,
            },
            body.into_data_stream(),
        )
        .await?;
    let status = if q.wait {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    Ok((status, Json(RunJson::from(&run))).into_response())
}

/// Cursors here are plain ids (of the last run or report line seen).
fn id_cursor(cursor: Option<&str>) -> Result<Option<i64>, AppError> {
    cursor
        .map(|c| {
            c.parse::<i64>()
                .map_err(|_| AppError::bad_request("invalid_cursor", "cursor is not valid."))
        })
        .transpose()
}

#[derive(Deserialize, IntoParams)]
pub struct RunsQuery {
    /// Runs with ids below this one (the previous page's `next_cursor`).
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct RunPage {
    pub items: Vec<RunJson>,
    pub next_cursor: Option<String>,
}

/// A shop's imports, newest first (staff only).
#[utoipa::path(get, path = "/api/v1/shops/{handle}/catalog/imports", tag = "catalog",
    security(("bearer" = []), ("session_cookie" = [])), params(("handle" = String, Path), RunsQuery),
    responses((status = 200, body = RunPage), (status = 404, body = ErrorBody)))]
async fn list_runs(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(handle): Path<String>,
    Query(q): Query<RunsQuery>,
) -> ApiResult<Json<RunPage>> {
    let limit = q.limit.unwrap_or(20).clamp(1, 100);
    let before = id_cursor(q.cursor.as_deref())?;
    let runs = s
        .services
        .catalog_feeds
        .runs(&v, &handle, before, limit + 1)
        .await?;
    let more = runs.len() as i64 > limit;
    let items: Vec<RunJson> = runs
        .iter()
        .take(limit as usize)
        .map(RunJson::from)
        .collect();
    let next_cursor = more
        .then(|| items.last().map(|r| r.id.to_string()))
        .flatten();
    Ok(Json(RunPage { items, next_cursor }))
}

/// One import with its progress and totals (staff only).
#[utoipa::path(get, path = "/api/v1/shops/{handle}/catalog/imports/{id}", tag = "catalog",
    security(("bearer" = []), ("session_cookie" = [])), params(("handle" = String, Path), ("id" = i64, Path)),
    responses((status = 200, body = RunJson), (status = 404, body = ErrorBody)))]
async fn get_run(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path((handle, id)): Path<(String, i64)>,
) -> ApiResult<Json<RunJson>> {
    let run = s.services.catalog_feeds.run(&v, &handle, id).await?;
    Ok(Json(RunJson::from(&run)))
}

#[derive(Serialize, ToSchema)]
pub struct RowProblemJson {
    /// `error`: the row was not imported; `warning`: it was, with this note.
    pub severity: String,
    /// Line of the file the row starts on (the header is line 1); for XML, the line of the item.
    pub line: i64,
    pub item_id: Option<String>,
    pub field: String,
    pub code: String,
    pub message: String,
}

impl From<&ErrorRecord> for RowProblemJson {
    fn from(e: &ErrorRecord) -> Self {
        RowProblemJson {
            severity: e.severity.clone(),
            line: e.line,
            item_id: e.item_id.clone(),
            field: e.field.clone(),
            code: e.code.clone(),
            message: e.message.clone(),
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct ErrorsQuery {
    /// Only problems with this code.
    pub code: Option<String>,
    /// Only problems with this field.
    pub field: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct RowProblemPage {
    pub items: Vec<RowProblemJson>,
    pub next_cursor: Option<String>,
}

/// An import's report: one entry per problem, in file order (staff only).
#[utoipa::path(get, path = "/api/v1/shops/{handle}/catalog/imports/{id}/errors", tag = "catalog",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("handle" = String, Path), ("id" = i64, Path), ErrorsQuery),
    responses((status = 200, body = RowProblemPage), (status = 404, body = ErrorBody)))]
async fn run_errors(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path((handle, id)): Path<(String, i64)>,
    Query(q): Query<ErrorsQuery>,
) -> ApiResult<Json<RowProblemPage>> {
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let after = id_cursor(q.cursor.as_deref())?.unwrap_or(0);
    let rows = s
        .services
        .catalog_feeds
        .run_errors(
            &v,
            &handle,
            id,
            &ErrorFilter {
                code: q.code.as_deref().filter(|c| !c.is_empty()),
                field: q.field.as_deref().filter(|c| !c.is_empty()),
                after,
                limit: limit + 1,
            },
        )
        .await?;
    let more = rows.len() as i64 > limit;
    let rows: Vec<&ErrorRecord> = rows.iter().take(limit as usize).collect();
    let next_cursor = more
        .then(|| rows.last().map(|r| r.seq.to_string()))
        .flatten();
    Ok(Json(RowProblemPage {
        items: rows.into_iter().map(RowProblemJson::from).collect(),
        next_cursor,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct SourceJson {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub format: String,
    /// `hourly`, `daily` or `weekly`.
    pub schedule: String,
    pub enabled: bool,
    pub next_run_at: String,
    pub last_run: Option<RunJson>,
}

fn source_json(s: &SourceRecord, last: Option<RunJson>) -> SourceJson {
    SourceJson {
        id: s.id,
        name: s.name.clone(),
        url: s.url.clone(),
        format: s.format.clone(),
        schedule: s.schedule.clone(),
        enabled: s.enabled,
        next_run_at: s.next_run_at.to_rfc3339(),
        last_run: last,
    }
}

/// A shop's data sources (feed URLs fetched on a schedule) with their last runs (staff only).
#[utoipa::path(get, path = "/api/v1/shops/{handle}/catalog/sources", tag = "catalog",
    security(("bearer" = []), ("session_cookie" = [])), params(("handle" = String, Path)),
    responses((status = 200, body = Vec<SourceJson>), (status = 404, body = ErrorBody)))]
async fn list_sources(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(handle): Path<String>,
) -> ApiResult<Json<Vec<SourceJson>>> {
    let sources = s.services.catalog_feeds.sources(&v, &handle).await?;
    Ok(Json(
        sources
            .iter()
            .map(|src| {
                let last = src.last_run.clone().map(|r| {
                    RunJson::from(&RunView {
                        warnings: serde_json::from_str(&r.warnings).unwrap_or_default(),
                        record: r,
                        shop_handle: handle.clone(),
                    })
                });
                source_json(&src.record, last)
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct NewSourceRequest {
    #[serde(default)]
    pub name: String,
    /// An http(s) URL. It is fetched through Souk's SSRF guard: private, loopback and link-local addresses
    /// are refused, also after redirects.
    pub url: String,
    /// `auto` (default), `csv`, `tsv` or `xml`.
    pub format: Option<String>,
    /// `hourly`, `daily` or `weekly`.
    pub schedule: String,
}

/// Register a feed URL; its first fetch is due at once (staff only). `source_exists` (409) for a URL the
/// shop already has.
#[utoipa::path(post, path = "/api/v1/shops/{handle}/catalog/sources", tag = "catalog",
    security(("bearer" = []), ("session_cookie" = [])), params(("handle" = String, Path)),
    request_body = NewSourceRequest,
    responses((status = 201, body = SourceJson), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn add_source(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(handle): Path<String>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<SourceJson>)> {
    let req: NewSourceRequest = super::payments::parse_json(&body)?.0;
    let rec = s
        .services
        .catalog_feeds
        .add_source(
            &v,
            &handle,
            &req.name,
            &req.url,
            req.format.as_deref(),
            &req.schedule,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(source_json(&rec, None))))
}

#[derive(Deserialize, ToSchema)]
pub struct SourcePatch {
    pub schedule: Option<String>,
    pub enabled: Option<bool>,
}

/// Change a data source's schedule, or pause and resume it (staff only).
#[utoipa::path(patch, path = "/api/v1/shops/{handle}/catalog/sources/{id}", tag = "catalog",
    security(("bearer" = []), ("session_cookie" = [])), params(("handle" = String, Path), ("id" = i64, Path)),
    request_body = SourcePatch,
    responses((status = 200, body = SourceJson), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn patch_source(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path((handle, id)): Path<(String, i64)>,
    body: Bytes,
) -> ApiResult<Json<SourceJson>> {
    let req: SourcePatch = super::payments::parse_json(&body)?.0;
    let rec = s
        .services
        .catalog_feeds
        .update_source(&v, &handle, id, req.schedule.as_deref(), req.enabled)
        .await?;
    Ok(Json(source_json(&rec, None)))
}

/// Delete a data source; its past runs stay in the import history (staff only).
#[utoipa::path(delete, path = "/api/v1/shops/{handle}/catalog/sources/{id}", tag = "catalog",
    security(("bearer" = []), ("session_cookie" = [])), params(("handle" = String, Path), ("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_source(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path((handle, id)): Path<(String, i64)>,
) -> ApiResult<StatusCode> {
    s.services
        .catalog_feeds
        .delete_source(&v, &handle, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct StartedRun {
    pub run_id: i64,
}

/// Fetch a data source now instead of waiting for its schedule (staff only); 409 `source_busy` when a
/// fetch was just started.
#[utoipa::path(post, path = "/api/v1/shops/{handle}/catalog/sources/{id}/run", tag = "catalog",
    security(("bearer" = []), ("session_cookie" = [])), params(("handle" = String, Path), ("id" = i64, Path)),
    responses((status = 202, body = StartedRun), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn run_source(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path((handle, id)): Path<(String, i64)>,
) -> ApiResult<(StatusCode, Json<StartedRun>)> {
    let run_id = s
        .services
        .catalog_feeds
        .run_source_now(&v, &handle, id)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(StartedRun { run_id })))
}

#[derive(Deserialize, ToSchema)]
pub struct ProtectionRequest {
    /// true: exports need `?token=`; false: exports are public.
    pub protected: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ExportLinkJson {
    pub platform: String,
    pub format: String,
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct ExportSettingsJson {
    pub protected: bool,
    pub links: Vec<ExportLinkJson>,
}

/// The absolute URL of one export feed, with the token when the shop protects its feeds.
pub(crate) fn export_url(
    origin: &str,
    handle: &str,
    platform: Platform,
    format: FeedFormat,
    token: Option<&str>,
) -> String {
    let mut url = format!(
        "{origin}/shops/{}/feeds/{}.{}",
        crate::pages::path_segment(handle),
        platform.as_str(),
        format.as_str()
    );
    if let Some(t) = token {
        url.push_str("?token=");
        url.push_str(&crate::pages::query_value(t));
    }
    url
}

/// Export URLs for every platform and each format it accepts.
fn export_links(origin: &str, handle: &str, token: Option<&str>) -> Vec<ExportLinkJson> {
    let mut out = Vec::new();
    for p in Platform::ALL {
        for f in FeedFormat::ALL.iter().filter(|f| p.supports(**f)) {
            out.push(ExportLinkJson {
                platform: p.as_str().to_owned(),
                format: f.as_str().to_owned(),
                url: export_url(origin, handle, *p, *f, token),
            });
        }
    }
    out
}

/// The shop's export feed URLs and whether they need a token (staff only).
#[utoipa::path(get, path = "/api/v1/shops/{handle}/catalog/exports", tag = "catalog",
    security(("bearer" = []), ("session_cookie" = [])), params(("handle" = String, Path)),
    responses((status = 200, body = ExportSettingsJson), (status = 404, body = ErrorBody)))]
async fn export_settings(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Origin(origin): Origin,
    Path(handle): Path<String>,
) -> ApiResult<Json<ExportSettingsJson>> {
    let shop = s.services.catalog_feeds.staff_shop(&v, &handle).await?;
    let token = s.services.catalog_feeds.feed_token(shop.id).await?;
    Ok(Json(ExportSettingsJson {
        protected: token.is_some(),
        links: export_links(&origin, &shop.handle, token.as_deref()),
    }))
}

/// Make the export feeds public or token-protected; turning protection on again issues a new token, so an
/// old link stops working (staff only).
#[utoipa::path(put, path = "/api/v1/shops/{handle}/catalog/exports", tag = "catalog",
    security(("bearer" = []), ("session_cookie" = [])), params(("handle" = String, Path)),
    request_body = ProtectionRequest,
    responses((status = 200, body = ExportSettingsJson), (status = 404, body = ErrorBody)))]
async fn set_protection(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Origin(origin): Origin,
    Path(handle): Path<String>,
    body: Bytes,
) -> ApiResult<Json<ExportSettingsJson>> {
    let req: ProtectionRequest = super::payments::parse_json(&body)?.0;
    let shop = s.services.catalog_feeds.staff_shop(&v, &handle).await?;
    let token = s
        .services
        .catalog_feeds
        .set_protection(&v, &handle, req.protected)
        .await?;
    Ok(Json(ExportSettingsJson {
        protected: token.is_some(),
        links: export_links(&origin, &shop.handle, token.as_deref()),
    }))
}

#[derive(Deserialize, IntoParams)]
pub struct ReportQuery {
    /// `google`, `meta`, `pinterest` or `tiktok`.
    pub platform: String,
    /// A collection id: only its products.
    pub group: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ExportProblemJson {
    pub product_id: i64,
    pub title: String,
    pub item_id: String,
    pub field: String,
    pub code: String,
    pub message: String,
}

impl From<&ExportProblem> for ExportProblemJson {
    fn from(p: &ExportProblem) -> Self {
        ExportProblemJson {
            product_id: p.product_id,
            title: p.title.clone(),
            item_id: p.issue.item_id.clone(),
            field: p.issue.field.to_owned(),
            code: p.issue.code.to_owned(),
            message: p.issue.message.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ExportReportJson {
    pub platform: String,
    /// Items the export sends.
    pub exportable: usize,
    /// Items it leaves out, with the reason the platform would reject them.
    pub problems: Vec<ExportProblemJson>,
}

pub fn parse_platform(s: &str) -> Result<Platform, AppError> {
    Platform::parse(s).ok_or_else(|| {
        AppError::bad_request(
            "invalid_platform",
            "platform must be google, meta, pinterest or tiktok.",
        )
    })
}

/// What each platform would reject from the shop's catalog, so the merchant can fix it (staff only).
#[utoipa::path(get, path = "/api/v1/shops/{handle}/catalog/export-report", tag = "catalog",
    security(("bearer" = []), ("session_cookie" = [])), params(("handle" = String, Path), ReportQuery),
    responses((status = 200, body = ExportReportJson), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn export_report(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Origin(origin): Origin,
    Path(handle): Path<String>,
    Query(q): Query<ReportQuery>,
) -> ApiResult<Json<ExportReportJson>> {
    let platform = parse_platform(&q.platform)?;
    let (exportable, problems) = s
        .services
        .catalog_feeds
        .export_report(&v, &handle, platform, q.group, &origin)
        .await?;
    Ok(Json(ExportReportJson {
        platform: platform.as_str().to_owned(),
        exportable,
        problems: problems.iter().map(ExportProblemJson::from).collect(),
    }))
}

#[derive(Deserialize, IntoParams)]
pub struct FeedQuery {
    /// Required when the shop protects its feeds.
    pub token: Option<String>,
    /// A collection id: only its products.
    pub group: Option<i64>,
}

/// A shop's active catalog as a feed file for one platform: `google.tsv`, `meta.csv`, `pinterest.xml`,
/// `tiktok.csv`, and so on (TikTok takes CSV or TSV only). Items the platform would reject are left out
/// (see the export report). Public unless the shop protects its feeds, then `?token=` is required and a
/// wrong token is a 404.
#[utoipa::path(get, path = "/shops/{handle}/feeds/{file}", tag = "catalog",
    params(("handle" = String, Path), ("file" = String, Path, description = "platform.format"), FeedQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = ErrorBody)))]
async fn export_feed(
    State(s): State<AppState>,
    Origin(origin): Origin,
    Path((handle, file)): Path<(String, String)>,
    Query(q): Query<FeedQuery>,
) -> ApiResult<Response> {
    let (platform, format) = file
        .rsplit_once('.')
        .and_then(|(p, f)| Some((Platform::parse(p)?, FeedFormat::parse(f)?)))
        .filter(|(p, f)| p.supports(*f))
        .ok_or_else(AppError::not_found)?;
    let feeds = s.services.catalog_feeds.clone();
    let shop = feeds.export_shop(&handle, q.token.as_deref()).await?;
    if let Some(group) = q.group {
        // A collection of another shop is a 404 before any byte is sent.
        feeds.check_group(&shop, group).await?;
    }
    let stream = export_stream(feeds, shop, platform, format, q.group, origin);
    let filename = format!("{}-{}.{}", handle, platform.as_str(), format.as_str());
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "private, max-age=300".to_owned()),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// A `Write` into a buffer the stream drains after each page.
#[derive(Clone, Default)]
struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl SharedBuf {
    fn take(&self) -> Bytes {
        match self.0.lock() {
            Ok(mut b) => Bytes::from(std::mem::take(&mut *b)),
            Err(_) => Bytes::new(),
        }
    }
}

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.0.lock() {
            Ok(mut b) => {
                b.extend_from_slice(buf);
                Ok(buf.len())
            }
            Err(_) => Err(std::io::Error::other("export buffer poisoned")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct ExportState {
    feeds: CatalogFeedService,
    shop: ShopRecord,
    platform: Platform,
    group: Option<i64>,
    origin: String,
    buf: SharedBuf,
    writer: Option<FeedWriter<SharedBuf>>,
    cursor: Option<String>,
    done: bool,
}

/// The export body, one catalog page per chunk. A failure after the first byte can only cut the stream
/// short (the status is already sent), which a platform's fetcher sees as a broken file and retries.
fn export_stream(
    feeds: CatalogFeedService,
    shop: ShopRecord,
    platform: Platform,
    format: FeedFormat,
    group: Option<i64>,
    origin: String,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    let buf = SharedBuf::default();
    let writer = FeedWriter::new(buf.clone(), platform, format);
    let state = ExportState {
        feeds,
        shop,
        platform,
        group,
        origin,
        buf,
        writer: writer.ok(),
        cursor: None,
        done: false,
    };
    futures_util::stream::unfold(state, |mut st| async move {
        if st.done {
            return None;
        }
        let Some(writer) = st.writer.as_mut() else {
            st.done = true;
            return Some((Err(std::io::Error::other("export writer")), st));
        };
        let page = st
            .feeds
            .export_page(
                &st.shop,
                st.platform,
                st.group,
                &st.origin,
                st.cursor.as_deref(),
            )
            .await;
        let page = match page {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "catalog export failed mid-stream");
                st.done = true;
                return Some((Err(std::io::Error::other("export failed")), st));
            }
        };
        for item in &page.items {
            if let Err(e) = writer.write(item) {
                st.done = true;
                return Some((Err(e), st));
            }
        }
        match page.next_cursor {
            Some(c) => st.cursor = Some(c),
            None => {
                st.done = true;
                if let Some(w) = st.writer.take()
                    && let Err(e) = w.finish()
                {
                    return Some((Err(e), st));
                }
            }
        }
        let chunk = st.buf.take();
        Some((Ok(chunk), st))
    })
    .filter(|chunk| {
        let keep = !matches!(chunk, Ok(b) if b.is_empty());
        async move { keep }
    })
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(import, list_runs))
        .routes(routes!(get_run))
        .routes(routes!(run_errors))
        .routes(routes!(list_sources, add_source))
        .routes(routes!(patch_source, delete_source))
        .routes(routes!(run_source))
        .routes(routes!(export_settings, set_protection))
        .routes(routes!(export_report))
        .routes(routes!(export_feed))
}
