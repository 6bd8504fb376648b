//! Reports API for everyone, and the operator's report queue.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiViewer};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Deserialize, ToSchema)]
pub struct ReportRequest {
    /// `post`, `comment` or `account`.
    #[serde(default)]
    pub target_kind: String,
    /// Post or comment id, or a username for accounts.
    #[serde(default)]
    pub target: String,
    /// `spam`, `scam`, `harassment`, `hate`, `nudity`, `violence`, `counterfeit` or `other`.
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReportCreated {
    pub id: i64,
}

/// Report a post, comment or account to the operators.
#[utoipa::path(post, path = "/api/v1/reports", tag = "moderation",
    security(("bearer" = []), ("session_cookie" = [])), request_body = ReportRequest,
    responses((status = 201, body = ReportCreated), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    ApiJson(r): ApiJson<ReportRequest>,
) -> ApiResult<impl IntoResponse> {
    let id = s
        .services
        .social
        .report(&v, &r.target_kind, &r.target, &r.reason, &r.note)
        .await?;
    Ok((StatusCode::CREATED, Json(ReportCreated { id })))
}

#[derive(Serialize, ToSchema)]
pub struct ReportJson {
    pub id: i64,
    pub reporter: String,
    pub target_kind: String,
    pub target_id: i64,
    pub reason: String,
    pub note: String,
    pub created_at: String,
    /// Null while open; `dismissed`, `removed` or `suspended` once handled.
    pub resolution: Option<String>,
}

#[derive(Deserialize, IntoParams)]
pub struct ReportsQuery {
    /// `open` (default) or `all`.
    pub status: Option<String>,
}

/// The report queue (operators only; others get 404).
#[utoipa::path(get, path = "/api/v1/admin/reports", tag = "moderation", params(ReportsQuery),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = Vec<ReportJson>), (status = 404, body = ErrorBody)))]
async fn list(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Query(q): Query<ReportsQuery>,
) -> ApiResult<Json<Vec<ReportJson>>> {
    let open = q.status.as_deref() != Some("all");
    let items = s.services.social.reports(&v, open).await?;
    Ok(Json(
        items
            .into_iter()
            .map(|r| ReportJson {
                id: r.id,
                reporter: r.reporter_username,
                target_kind: r.target_kind,
                target_id: r.target_id,
                reason: r.reason,
                note: r.note,
                created_at: r.created_at.to_rfc3339(),
                resolution: r.resolution,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ResolveRequest {
    /// `dismiss`, `remove` (hide the post or comment) or `suspend` (the account behind it).
    #[serde(default)]
    pub action: String,
}

/// Resolve a report; every open report on the same target is resolved with it.
#[utoipa::path(post, path = "/api/v1/admin/reports/{id}/resolve", tag = "moderation", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])), request_body = ResolveRequest,
    responses((status = 204, description = "Resolved"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn resolve(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<ResolveRequest>,
) -> ApiResult<StatusCode> {
    s.services.social.resolve_report(&v, id, &r.action).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(list))
        .routes(routes!(resolve))
}
