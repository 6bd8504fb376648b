//! Health, readiness and Prometheus metrics for operators and orchestrators.

use crate::error::AppError;
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the check passed.
    status: &'static str,
    /// `sqlite` or `postgres` (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    database: Option<&'static str>,
}

/// The process is up and serving HTTP.
#[utoipa::path(get, path = "/healthz", tag = "ops", responses((status = 200, body = Health)))]
async fn healthz() -> axum::Json<Health> {
    axum::Json(Health {
        status: "ok",
        database: None,
    })
}

/// The database answers; load balancers should send traffic only while this is 200.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "ops",
    responses((status = 200, body = Health), (status = 503, body = crate::error::ErrorBody))
)]
async fn readyz(State(state): State<AppState>) -> Result<axum::Json<Health>, AppError> {
    match state.services.db.ping().await {
        Ok(()) => Ok(axum::Json(Health {
            status: "ok",
            database: Some(state.services.db.backend().name()),
        })),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            Err(AppError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unavailable",
                "The database is not reachable.",
            ))
        }
    }
}

pub fn documented_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
}

/// `/metrics` in the Prometheus text format (left out of the OpenAPI document: it is not JSON).
pub fn ops_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .with_state(state)
}

async fn metrics(State(state): State<AppState>) -> Response {
    match &state.metrics {
        Some(handle) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4"),
            )],
            handle.render(),
        )
            .into_response(),
        None => AppError::not_found().into_response(),
    }
}
