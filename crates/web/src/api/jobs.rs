//! Background jobs API for operators: the recent jobs with their status and last error.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiViewer;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use souk_store::jobs::JobRecord;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Serialize, ToSchema)]
pub struct JobJson {
    pub id: i64,
    /// What the job does, e.g. `catalog.fetch_source`.
    pub kind: String,
    /// Dedupe key: one queued or running job per kind and key.
    pub key: Option<String>,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub max_attempts: i64,
    /// When it runs (queued) or ran last.
    pub run_at: String,
    pub last_error: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&JobRecord> for JobJson {
    fn from(j: &JobRecord) -> Self {
        JobJson {
            id: j.id,
            kind: j.kind.clone(),
            key: j.key.clone(),
            status: j.status.clone(),
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            run_at: j.run_at.to_rfc3339(),
            last_error: j.last_error.clone(),
            created_at: j.created_at.to_rfc3339(),
            updated_at: j.updated_at.to_rfc3339(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct JobListJson {
    pub items: Vec<JobJson>,
}

#[derive(Deserialize, IntoParams)]
pub struct JobQuery {
    /// Only jobs in this status: `queued`, `running`, `done` or `failed`.
    pub status: Option<String>,
    /// At most this many (default 100, at most 500).
    pub limit: Option<i64>,
}

/// Recent background jobs, most recently changed first (operators only; others 404).
#[utoipa::path(get, path = "/api/v1/admin/jobs", tag = "jobs",
    security(("bearer" = []), ("session_cookie" = [])), params(JobQuery),
    responses((status = 200, body = JobListJson), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn list(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Query(q): Query<JobQuery>,
) -> ApiResult<Json<JobListJson>> {
    let rows = s
        .services
        .jobs
        .list(&v, q.status.as_deref(), q.limit.unwrap_or(100))
        .await?;
    Ok(Json(JobListJson {
        items: rows.iter().map(JobJson::from).collect(),
    }))
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}
