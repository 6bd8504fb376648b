//! Posts API: publish with photos (multipart), read, edit the caption, delete, like, save, share, and
//! comment threads.

use super::views::{CommentJson, PageJson, PageQuery, PostJson};
use crate::context::RequestCtx;
use crate::error::{ApiResult, AppError, ErrorBody};
use crate::extract::{ApiJson, ApiViewer};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use souk_service::social::Upload;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Multipart form for a new post. Send `images` once per photo (1–10, JPEG/PNG/WebP) and optionally
/// `alt_text` once per photo in the same order.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct NewPostForm {
    caption: Option<String>,
    location: Option<String>,
    #[schema(value_type = Vec<String>, format = Binary)]
    images: Vec<Vec<u8>>,
    alt_text: Option<Vec<String>>,
}

/// Collected fields of a post upload form; shared with the web page that posts the same form.
#[derive(Default)]
pub struct PostForm {
    pub caption: String,
    pub location: String,
    pub uploads: Vec<Upload>,
    pub csrf_token: String,
}

/// Reads the multipart body. Empty file inputs (a browser sends one when no file was chosen) are skipped.
pub async fn read_post_form(mut mp: Multipart) -> Result<PostForm, AppError> {
    let mut form = PostForm::default();
    let mut alts: Vec<String> = Vec::new();
    let bad = |e: axum::extract::multipart::MultipartError| {
        AppError::new(
            e.status(),
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                "payload_too_large"
            } else {
                "invalid_form"
            },
            e.body_text(),
        )
    };
    while let Some(field) = mp.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or("").to_owned();
        match name.as_str() {
            "images" | "images[]" => {
                let bytes = field.bytes().await.map_err(bad)?;
                if !bytes.is_empty() {
                    form.uploads.push(Upload {
                        image: bytes.to_vec().into(),
                        alt_text: String::new(),
                    });
                }
            }
            "alt_text" | "alt_text[]" => alts.push(field.text().await.map_err(bad)?),
            "caption" => form.caption = field.text().await.map_err(bad)?,
            "location" => form.location = field.text().await.map_err(bad)?,
            "csrf_token" => form.csrf_token = field.text().await.map_err(bad)?,
            _ => {}
        }
    }
    for (u, alt) in form.uploads.iter_mut().zip(alts) {
        u.alt_text = alt;
    }
    Ok(form)
}

/// Publish a post with 1–10 photos. Photos are re-encoded without metadata (EXIF/GPS removed) and
/// resized for display.
#[utoipa::path(post, path = "/api/v1/posts", tag = "posts",
    security(("bearer" = []), ("session_cookie" = [])),
    request_body(content = NewPostForm, content_type = "multipart/form-data"),
    responses((status = 201, body = PostJson), (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody, description = "`payload_too_large`"),
        (status = 422, body = ErrorBody, description = "`validation_failed`: caption_too_long, too_many_images, images_required, image_too_large, image_too_many_pixels, image_unsupported_format, image_decode_failed")))]
async fn create_post(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    mp: Multipart,
) -> ApiResult<impl IntoResponse> {
    let form = read_post_form(mp).await?;
    let post = s
        .services
        .social
        .publish(&v, form.caption, form.location, form.uploads)
        .await?;
    Ok((StatusCode::CREATED, Json(PostJson::from(&post))))
}

/// A post.
#[utoipa::path(get, path = "/api/v1/posts/{id}", tag = "posts", params(("id" = i64, Path)),
    responses((status = 200, body = PostJson), (status = 404, body = ErrorBody)))]
async fn get_post(
    State(s): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
) -> ApiResult<Json<PostJson>> {
    Ok(Json(PostJson::from(
        &s.services.social.post(ctx.viewer.as_ref(), id).await?,
    )))
}

#[derive(Deserialize, ToSchema)]
pub struct CaptionRequest {
    #[serde(default)]
    pub caption: String,
}

/// Edit a post's caption (author only; hashtags are re-indexed).
#[utoipa::path(patch, path = "/api/v1/posts/{id}", tag = "posts", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])), request_body = CaptionRequest,
    responses((status = 200, body = PostJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn patch_post(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<CaptionRequest>,
) -> ApiResult<Json<PostJson>> {
    Ok(Json(PostJson::from(
        &s.services.social.edit_caption(&v, id, &req.caption).await?,
    )))
}

/// Delete a post with its photos, likes, comments and hashtag links (author or operator).
#[utoipa::path(delete, path = "/api/v1/posts/{id}", tag = "posts", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 204, description = "Deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_post(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    s.services.social.remove_post(&v, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn mark(
    s: &AppState,
    v: &souk_service::Viewer,
    id: i64,
    like: bool,
    on: bool,
) -> ApiResult<Json<PostJson>> {
    Ok(Json(PostJson::from(
        &s.services.social.mark(v, id, like, on).await?,
    )))
}

/// Like a post (idempotent: liking twice counts once).
#[utoipa::path(post, path = "/api/v1/posts/{id}/like", tag = "posts", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = PostJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn like(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<PostJson>> {
    mark(&s, &v, id, true, true).await
}

/// Remove your like (idempotent).
#[utoipa::path(delete, path = "/api/v1/posts/{id}/like", tag = "posts", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = PostJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn unlike(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<PostJson>> {
    mark(&s, &v, id, true, false).await
}

/// Save a post to your private collection (idempotent).
#[utoipa::path(post, path = "/api/v1/posts/{id}/save", tag = "posts", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = PostJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn save(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<PostJson>> {
    mark(&s, &v, id, false, true).await
}

/// Remove a post from your saved collection (idempotent).
#[utoipa::path(delete, path = "/api/v1/posts/{id}/save", tag = "posts", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = PostJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn unsave(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<PostJson>> {
    mark(&s, &v, id, false, false).await
}

#[derive(Deserialize, ToSchema, Default)]
pub struct ShareRequest {
    /// Optional comment shown above the shared post.
    #[serde(default)]
    pub comment: String,
}

/// Share a post to your followers, with an optional comment. Returns the new share post.
#[utoipa::path(post, path = "/api/v1/posts/{id}/share", tag = "posts", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])), request_body = ShareRequest,
    responses((status = 201, body = PostJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn share(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> ApiResult<impl IntoResponse> {
    // The body is optional: an empty request shares without a comment.
    let req: ShareRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ShareRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| AppError::bad_request("invalid_json", e.to_string()))?
    };
    let post = s.services.social.share(&v, id, &req.comment).await?;
    Ok((StatusCode::CREATED, Json(PostJson::from(&post))))
}

/// A post's comments in conversation order (replies carry `parent_id`).
#[utoipa::path(get, path = "/api/v1/posts/{id}/comments", tag = "posts", params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = PageJson<CommentJson>), (status = 404, body = ErrorBody)))]
async fn comments(
    State(s): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<PageJson<CommentJson>>> {
    let page = s
        .services
        .social
        .comments(ctx.viewer.as_ref(), id, q.cursor.as_deref(), q.limit)
        .await?;
    Ok(Json(PageJson {
        items: page.items.iter().map(CommentJson::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct CommentRequest {
    #[serde(default)]
    pub body: String,
    /// Reply to this comment (replies to replies join the same thread).
    pub parent_id: Option<i64>,
}

/// Comment on a post, or reply to a comment.
#[utoipa::path(post, path = "/api/v1/posts/{id}/comments", tag = "posts", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])), request_body = CommentRequest,
    responses((status = 201, body = CommentJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_comment(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<CommentRequest>,
) -> ApiResult<impl IntoResponse> {
    let c = s
        .services
        .social
        .add_comment(&v, id, &req.body, req.parent_id)
        .await?;
    Ok((StatusCode::CREATED, Json(CommentJson::from(&c))))
}

/// Delete a comment and its replies (its author or the post's author).
#[utoipa::path(delete, path = "/api/v1/comments/{id}", tag = "posts", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 204, description = "Deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_comment(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    s.services.social.delete_comment(&v, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(serde::Serialize, ToSchema)]
pub struct LikeCount {
    pub like_count: i64,
}

/// Like a comment (idempotent).
#[utoipa::path(post, path = "/api/v1/comments/{id}/like", tag = "posts", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = LikeCount), (status = 404, body = ErrorBody)))]
async fn like_comment(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<LikeCount>> {
    Ok(Json(LikeCount {
        like_count: s.services.social.like_comment(&v, id, true).await?,
    }))
}

/// Remove your like from a comment (idempotent).
#[utoipa::path(delete, path = "/api/v1/comments/{id}/like", tag = "posts", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = LikeCount), (status = 404, body = ErrorBody)))]
async fn unlike_comment(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<LikeCount>> {
    Ok(Json(LikeCount {
        like_count: s.services.social.like_comment(&v, id, false).await?,
    }))
}

pub fn routes(upload_limit: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_post))
        .layer(axum::extract::DefaultBodyLimit::max(upload_limit))
        .routes(routes!(get_post, patch_post, delete_post))
        .routes(routes!(like, unlike))
        .routes(routes!(save, unsave))
        .routes(routes!(share))
        .routes(routes!(comments, add_comment))
        .routes(routes!(delete_comment))
        .routes(routes!(like_comment, unlike_comment))
}
