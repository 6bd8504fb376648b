//! Accounts API: sign-up, public profiles, and the signed-in account's own profile and password.

use super::views::ProfileViewJson;
use crate::error::{ApiResult, AppError, ErrorBody};
use crate::extract::{ApiJson, ApiViewer, ClientIp};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use souk_domain::{FieldError, Locale};
use souk_service::accounts::{Account, ProfilePatch, SignUp};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// What anyone may see about an account.
#[derive(Serialize, ToSchema)]
pub struct ProfileJson {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub bio: String,
    /// `personal`, `business` or `creator`.
    pub kind: String,
    /// RFC 3339, UTC.
    pub created_at: String,
}

impl From<&souk_service::accounts::Profile> for ProfileJson {
    fn from(p: &souk_service::accounts::Profile) -> Self {
        Self {
            id: p.id,
            username: p.username.clone(),
            display_name: p.display_name.clone(),
            bio: p.bio.clone(),
            kind: p.kind.as_str().to_owned(),
            created_at: p.created_at.to_rfc3339(),
        }
    }
}

/// The signed-in account, including private fields.
#[derive(Serialize, ToSchema)]
pub struct AccountJson {
    #[serde(flatten)]
    pub profile: ProfileJson,
    pub email: String,
    pub website: String,
    /// Profile photo (320 px wide), or null for the letter avatar.
    pub avatar_url: Option<String>,
    /// `user` or `admin`.
    pub role: String,
    /// Saved interface language (`en`, `zh-CN`, `zh-TW`, `ko`); null follows the browser.
    pub locale: Option<String>,
}

impl From<&Account> for AccountJson {
    fn from(a: &Account) -> Self {
        Self {
            profile: ProfileJson::from(&a.profile),
            email: a.email.clone(),
            website: a.website.clone(),
            avatar_url: a.avatar_key.as_deref().map(super::views::avatar_url),
            role: a.role.as_str().to_owned(),
            locale: a.locale.map(|l| l.tag().to_owned()),
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct SignUpRequest {
    /// 3–30 letters, digits or underscores; unique regardless of case.
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub email: String,
    /// 8–128 characters.
    #[serde(default)]
    pub password: String,
    /// `personal` (default), `business` or `creator`.
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    /// Interface language; omitted means "follow the browser".
    #[serde(default)]
    pub locale: Option<String>,
}

/// Create an account.
#[utoipa::path(
    post,
    path = "/api/v1/accounts",
    tag = "accounts",
    request_body = SignUpRequest,
    responses(
        (status = 201, body = AccountJson, description = "Account created"),
        (status = 409, body = ErrorBody, description = "`username_taken` or `email_taken`"),
        (status = 422, body = ErrorBody, description = "`validation_failed` with per-field codes"),
        (status = 429, body = ErrorBody, description = "`rate_limited`; see `Retry-After`"),
    )
)]
async fn create_account(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<SignUpRequest>,
) -> ApiResult<impl IntoResponse> {
    let locale = parse_locale(req.locale.as_deref())?.flatten();
    let account = state
        .services
        .accounts
        .sign_up(
            SignUp {
                username: req.username,
                email: req.email,
                password: req.password,
                kind: req.kind.unwrap_or_else(|| "personal".into()),
                display_name: req.display_name,
                bio: None,
                locale,
            },
            ip,
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(AccountJson::from(&account))))
}

/// `None`: not given. `Some(None)`: explicitly cleared with an empty string. Unknown tags are refused.
fn parse_locale(raw: Option<&str>) -> Result<Option<Option<Locale>>, AppError> {
    match raw.map(str::trim) {
        None => Ok(None),
        Some("") => Ok(Some(None)),
        Some(tag) => Locale::from_tag(tag).map(|l| Some(Some(l))).ok_or_else(|| {
            souk_service::ServiceError::Validation(vec![FieldError::new(
                "locale",
                "locale_invalid",
                "Language must be one of en, zh-CN, zh-TW, ko.",
            )])
            .into()
        }),
    }
}

/// The signed-in account.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "accounts",
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = AccountJson), (status = 401, body = ErrorBody))
)]
async fn me(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
) -> ApiResult<axum::Json<AccountJson>> {
    let account = state.services.accounts.me(&viewer).await?;
    Ok(axum::Json(AccountJson::from(&account)))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct ProfilePatchRequest {
    pub display_name: Option<String>,
    pub bio: Option<String>,
    /// `https://…` (a bare domain gets `https://`), or an empty string to remove it.
    pub website: Option<String>,
    /// Switching kind keeps followers and posts.
    pub kind: Option<String>,
    /// `en`, `zh-CN`, `zh-TW`, `ko`, or an empty string to follow the browser again.
    pub locale: Option<String>,
}

async fn apply_patch(
    state: &AppState,
    viewer: &souk_service::Viewer,
    req: ProfilePatchRequest,
) -> ApiResult<axum::Json<AccountJson>> {
    let locale = parse_locale(req.locale.as_deref())?;
    let account = state
        .services
        .accounts
        .update_profile(
            viewer,
            ProfilePatch {
                display_name: req.display_name,
                bio: req.bio,
                website: req.website,
                kind: req.kind,
                locale,
            },
        )
        .await?;
    Ok(axum::Json(AccountJson::from(&account)))
}

/// Update the signed-in account's profile; omitted fields stay as they are.
#[utoipa::path(
    patch,
    path = "/api/v1/me",
    tag = "accounts",
    security(("bearer" = []), ("session_cookie" = [])),
    request_body = ProfilePatchRequest,
    responses((status = 200, body = AccountJson), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody))
)]
async fn patch_me(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    ApiJson(req): ApiJson<ProfilePatchRequest>,
) -> ApiResult<axum::Json<AccountJson>> {
    apply_patch(&state, &viewer, req).await
}

/// A public profile with counters and your relationship to it. Usernames match regardless of case;
/// someone who blocked you answers 404.
#[utoipa::path(
    get,
    path = "/api/v1/users/{username}",
    tag = "accounts",
    params(("username" = String, Path, description = "Username, any case")),
    responses((status = 200, body = ProfileViewJson), (status = 404, body = ErrorBody))
)]
async fn get_user(
    State(state): State<AppState>,
    ctx: crate::context::RequestCtx,
    Path(username): Path<String>,
) -> ApiResult<axum::Json<ProfileViewJson>> {
    let profile = state
        .services
        .social
        .profile(ctx.viewer.as_ref(), &username)
        .await?;
    Ok(axum::Json(ProfileViewJson::from(&profile)))
}

/// Update a profile; only its owner may, anyone else gets 403 `forbidden`.
#[utoipa::path(
    patch,
    path = "/api/v1/users/{username}",
    tag = "accounts",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("username" = String, Path)),
    request_body = ProfilePatchRequest,
    responses(
        (status = 200, body = AccountJson),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
async fn patch_user(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    Path(username): Path<String>,
    ApiJson(req): ApiJson<ProfilePatchRequest>,
) -> ApiResult<axum::Json<AccountJson>> {
    let profile = state
        .services
        .social
        .profile(Some(&viewer), &username)
        .await?;
    if profile.id != viewer.user_id {
        return Err(souk_service::ServiceError::Forbidden.into());
    }
    apply_patch(&state, &viewer, req).await
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChangeRequest {
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_password: String,
}

/// Change the password. Every other browser and API session of the account is ended; personal access
/// tokens keep working.
#[utoipa::path(
    post,
    path = "/api/v1/me/password",
    tag = "accounts",
    security(("bearer" = []), ("session_cookie" = [])),
    request_body = PasswordChangeRequest,
    responses(
        (status = 204, description = "Changed"),
        (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "`current_password_incorrect` or a password policy code"),
    )
)]
async fn change_password(
    State(state): State<AppState>,
    ApiViewer(viewer): ApiViewer,
    ApiJson(req): ApiJson<PasswordChangeRequest>,
) -> ApiResult<StatusCode> {
    state
        .services
        .accounts
        .change_password(&viewer, req.current_password, req.new_password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_account))
        .routes(routes!(me, patch_me))
        .routes(routes!(get_user, patch_user))
        .routes(routes!(change_password))
}
