//! Sessions API: exchange a login and password for a bearer token, and end it.

use super::accounts::ProfileJson;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiViewer, ClientIp};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use souk_service::accounts::{AuthTokenKind, LogIn};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Deserialize, ToSchema)]
pub struct LogInRequest {
    /// Username or email.
    #[serde(default)]
    pub login: String,
    #[serde(default)]
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct SessionJson {
    /// Send as `Authorization: Bearer <token>`. Shown once.
    pub token: String,
    /// RFC 3339, UTC.
    pub expires_at: String,
    pub user: ProfileJson,
}

/// Log in. A wrong password and an unknown login give the same `invalid_credentials` answer.
#[utoipa::path(
    post,
    path = "/api/v1/sessions",
    tag = "sessions",
    request_body = LogInRequest,
    responses(
        (status = 201, body = SessionJson),
        (status = 401, body = ErrorBody, description = "`invalid_credentials`"),
        (status = 403, body = ErrorBody, description = "`account_suspended`"),
        (status = 429, body = ErrorBody, description = "`rate_limited`; see `Retry-After`"),
    )
)]
async fn create_session(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<LogInRequest>,
) -> ApiResult<impl IntoResponse> {
    let session = state
        .services
        .accounts
        .log_in(
            LogIn {
                login: req.login,
                password: req.password,
            },
            AuthTokenKind::Api,
            ip,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(SessionJson {
            token: session.token,
            expires_at: session.expires_at.to_rfc3339(),
            user: ProfileJson::from(&session.profile),
        }),
    ))
}

/// Log out: revoke the token (or cookie session) this request was made with.
#[utoipa::path(
    delete,
    path = "/api/v1/sessions/current",
    tag = "sessions",
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 204, description = "Logged out"), (status = 401, body = ErrorBody))
)]
async fn delete_session(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
) -> ApiResult<StatusCode> {
    state.services.accounts.log_out(&viewer).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_session))
        .routes(routes!(delete_session))
}
