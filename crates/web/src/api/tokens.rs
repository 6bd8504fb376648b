//! Personal access tokens API: long-lived, named, revocable bearer tokens for scripts and integrations.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiViewer};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use souk_store::tokens::TokenRecord;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Serialize, ToSchema)]
pub struct TokenJson {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    /// Null: never expires.
    pub expires_at: Option<String>,
}

impl From<&TokenRecord> for TokenJson {
    fn from(t: &TokenRecord) -> Self {
        Self {
            id: t.id,
            name: t.name.clone(),
            created_at: t.created_at.to_rfc3339(),
            last_used_at: t.last_used_at.map(|x| x.to_rfc3339()),
            expires_at: t.expires_at.map(|x| x.to_rfc3339()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct NewTokenJson {
    #[serde(flatten)]
    pub token_info: TokenJson,
    /// The secret, shown only in this response.
    pub token: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenList {
    pub items: Vec<TokenJson>,
}

#[derive(Deserialize, ToSchema)]
pub struct NewTokenRequest {
    /// What the token is for, up to 60 characters.
    #[serde(default)]
    pub name: String,
    /// Days until it expires (1–3650); omitted or 0 means never.
    pub expires_in_days: Option<u32>,
}

/// The signed-in account's personal access tokens (secrets are never shown again).
#[utoipa::path(
    get,
    path = "/api/v1/tokens",
    tag = "tokens",
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = TokenList), (status = 401, body = ErrorBody))
)]
async fn list_tokens(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
) -> ApiResult<axum::Json<TokenList>> {
    let tokens = state.services.accounts.personal_tokens(&viewer).await?;
    Ok(axum::Json(TokenList {
        items: tokens.iter().map(TokenJson::from).collect(),
    }))
}

/// Create a personal access token.
#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    tag = "tokens",
    security(("bearer" = []), ("session_cookie" = [])),
    request_body = NewTokenRequest,
    responses((status = 201, body = NewTokenJson), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody))
)]
async fn create_token(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    ApiJson(req): ApiJson<NewTokenRequest>,
) -> ApiResult<impl IntoResponse> {
    let (record, secret) = state
        .services
        .accounts
        .create_personal_token(&viewer, &req.name, req.expires_in_days)
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(NewTokenJson {
            token_info: TokenJson::from(&record),
            token: secret,
        }),
    ))
}

/// Revoke a token. Ids of other accounts' tokens answer 404, like ids that do not exist.
#[utoipa::path(
    delete,
    path = "/api/v1/tokens/{id}",
    tag = "tokens",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("id" = i64, Path)),
    responses((status = 204, description = "Revoked"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
async fn delete_token(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    state.services.accounts.revoke_token(&viewer, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(delete_token))
}
