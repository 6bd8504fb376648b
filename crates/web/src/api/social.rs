//! Social graph API: profiles with counters, follow and block, follower lists, a user's posts.

use super::views::{PageJson, PageQuery, PostJson, ProfileViewJson, post_page};
use crate::context::RequestCtx;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiViewer;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Follow a user (idempotent).
#[utoipa::path(post, path = "/api/v1/users/{username}/follow", tag = "social",
    security(("bearer" = []), ("session_cookie" = [])), params(("username" = String, Path)),
    responses((status = 200, body = ProfileViewJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn follow(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(username): Path<String>,
) -> ApiResult<Json<ProfileViewJson>> {
    Ok(Json(ProfileViewJson::from(
        &s.services.social.follow(&v, &username).await?,
    )))
}

/// Unfollow a user (idempotent).
#[utoipa::path(delete, path = "/api/v1/users/{username}/follow", tag = "social",
    security(("bearer" = []), ("session_cookie" = [])), params(("username" = String, Path)),
    responses((status = 200, body = ProfileViewJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn unfollow(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(username): Path<String>,
) -> ApiResult<Json<ProfileViewJson>> {
    Ok(Json(ProfileViewJson::from(
        &s.services.social.unfollow(&v, &username).await?,
    )))
}

/// Block a user: follows both ways are removed; neither sees nor interacts with the other's content.
#[utoipa::path(post, path = "/api/v1/users/{username}/block", tag = "social",
    security(("bearer" = []), ("session_cookie" = [])), params(("username" = String, Path)),
    responses((status = 204, description = "Blocked"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn block(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(username): Path<String>,
) -> ApiResult<StatusCode> {
    s.services.social.block(&v, &username).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Unblock a user.
#[utoipa::path(delete, path = "/api/v1/users/{username}/block", tag = "social",
    security(("bearer" = []), ("session_cookie" = [])), params(("username" = String, Path)),
    responses((status = 204, description = "Unblocked"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn unblock(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(username): Path<String>,
) -> ApiResult<StatusCode> {
    s.services.social.unblock(&v, &username).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn follow_list(
    s: &AppState,
    ctx: &RequestCtx,
    username: &str,
    followers: bool,
    q: PageQuery,
) -> ApiResult<Json<PageJson<ProfileViewJson>>> {
    let page = s
        .services
        .social
        .follow_list(
            ctx.viewer.as_ref(),
            username,
            followers,
            q.cursor.as_deref(),
            q.limit,
        )
        .await?;
    Ok(Json(PageJson {
        items: page.items.iter().map(ProfileViewJson::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Who follows this user, newest first.
#[utoipa::path(get, path = "/api/v1/users/{username}/followers", tag = "social",
    params(("username" = String, Path), PageQuery),
    responses((status = 200, body = PageJson<ProfileViewJson>), (status = 404, body = ErrorBody)))]
async fn followers(
    State(s): State<AppState>,
    ctx: RequestCtx,
    Path(username): Path<String>,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<PageJson<ProfileViewJson>>> {
    follow_list(&s, &ctx, &username, true, q).await
}

/// Whom this user follows, newest first.
#[utoipa::path(get, path = "/api/v1/users/{username}/following", tag = "social",
    params(("username" = String, Path), PageQuery),
    responses((status = 200, body = PageJson<ProfileViewJson>), (status = 404, body = ErrorBody)))]
async fn following(
    State(s): State<AppState>,
    ctx: RequestCtx,
    Path(username): Path<String>,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<PageJson<ProfileViewJson>>> {
    follow_list(&s, &ctx, &username, false, q).await
}

/// A user's posts and shares, newest first.
#[utoipa::path(get, path = "/api/v1/users/{username}/posts", tag = "social",
    params(("username" = String, Path), PageQuery),
    responses((status = 200, body = PageJson<PostJson>), (status = 404, body = ErrorBody)))]
async fn user_posts(
    State(s): State<AppState>,
    ctx: RequestCtx,
    Path(username): Path<String>,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<PageJson<PostJson>>> {
    let page = s
        .services
        .social
        .user_posts(ctx.viewer.as_ref(), &username, q.cursor.as_deref(), q.limit)
        .await?;
    Ok(Json(post_page(&page)))
}

/// Upload a profile photo: multipart with one `image` field (JPEG, PNG or WebP). Replaces the previous one.
#[utoipa::path(post, path = "/api/v1/me/avatar", tag = "social",
    security(("bearer" = []), ("session_cookie" = [])),
    request_body(content = AvatarForm, content_type = "multipart/form-data"),
    responses((status = 200, body = ProfileViewJson), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_avatar(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    mut mp: axum::extract::Multipart,
) -> ApiResult<Json<ProfileViewJson>> {
    let mut image = None;
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| crate::error::AppError::new(e.status(), "invalid_form", e.body_text()))?
    {
        if field.name() == Some("image") {
            let bytes = field.bytes().await.map_err(|e| {
                crate::error::AppError::new(e.status(), "invalid_form", e.body_text())
            })?;
            image = Some(bytes.to_vec());
        }
    }
    let image = image.filter(|b| !b.is_empty()).ok_or_else(|| {
        souk_service::ServiceError::field("avatar", "avatar_required", "Choose a photo.")
    })?;
    Ok(Json(ProfileViewJson::from(
        &s.services.social.set_avatar(&v, Some(image)).await?,
    )))
}

/// Remove the profile photo (back to the letter avatar).
#[utoipa::path(delete, path = "/api/v1/me/avatar", tag = "social",
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = ProfileViewJson), (status = 401, body = ErrorBody)))]
async fn delete_avatar(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
) -> ApiResult<Json<ProfileViewJson>> {
    Ok(Json(ProfileViewJson::from(
        &s.services.social.set_avatar(&v, None).await?,
    )))
}

/// Multipart form with the new profile photo.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct AvatarForm {
    #[schema(value_type = String, format = Binary)]
    image: Vec<u8>,
}

pub fn routes(upload_limit: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        // Only the photo upload gets the large body limit.
        .routes(routes!(set_avatar, delete_avatar))
        .layer(axum::extract::DefaultBodyLimit::max(upload_limit))
        .routes(routes!(follow, unfollow))
        .routes(routes!(block, unblock))
        .routes(routes!(followers))
        .routes(routes!(following))
        .routes(routes!(user_posts))
}
