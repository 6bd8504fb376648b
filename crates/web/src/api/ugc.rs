//! Customer photos API: a product's gallery, shops asking to feature a shopper's post, the author's
//! answers and withdrawals, the shop's request list, and the public list of posts a shop features.

use super::views::{PageJson, PageQuery, image_url};
use crate::context::RequestCtx;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiViewer};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use souk_domain::Timestamp;
use souk_service::ugc::{Decision, FeatureView};
use souk_store::ugc::{FeatureRecord, GalleryRecord, Source};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// One customer photo on a product.
#[derive(Serialize, ToSchema)]
pub struct GalleryItemJson {
    /// `review` or `post`.
    pub source: String,
    /// The review's or the post's id.
    pub source_id: i64,
    /// Where the photo links: the review on the product page, or the post.
    pub link: String,
    pub url: String,
    pub thumb_url: String,
    pub width: i32,
    pub height: i32,
    pub alt: String,
    pub author: String,
    pub author_display_name: String,
    /// A post the product's shop features with the author's consent.
    pub featured: bool,
    pub created_at: String,
}

/// The link of a gallery photo: a review's anchor on the product page, or the post page.
pub fn gallery_link(product_id: i64, g: &GalleryRecord) -> String {
    match g.source {
        Source::Review => format!("/products/{product_id}#review-{}", g.source_id),
        Source::Post => format!("/p/{}", g.source_id),
    }
}

impl GalleryItemJson {
    fn new(product_id: i64, g: &GalleryRecord) -> Self {
        let w = u32::try_from(g.width).unwrap_or(0);
        Self {
            source: match g.source {
                Source::Review => "review",
                Source::Post => "post",
            }
            .to_owned(),
            source_id: g.source_id,
            link: gallery_link(product_id, g),
            url: image_url(&g.media_key, w, 1080),
            thumb_url: image_url(&g.media_key, w, 320),
            width: g.width,
            height: g.height,
            alt: g.alt_text.clone(),
            author: g.author_username.clone(),
            author_display_name: g.author_display_name.clone(),
            featured: g.featured,
            created_at: Timestamp::from_micros(g.created_at).to_rfc3339(),
        }
    }
}

/// A product's customer photos: photos of its visible reviews and of shoppers' posts that tag it (not the
/// shop's own posts), newest first. Cursor pagination.
#[utoipa::path(get, path = "/api/v1/products/{id}/ugc", tag = "ugc",
    params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = PageJson<GalleryItemJson>), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "`validation_failed`: cursor_invalid")))]
async fn gallery(
    State(s): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<PageJson<GalleryItemJson>>> {
    let page = s
        .services
        .ugc
        .gallery(ctx.viewer.as_ref(), id, q.cursor.as_deref(), q.limit)
        .await?;
    Ok(Json(PageJson {
        items: page
            .items
            .iter()
            .map(|g| GalleryItemJson::new(id, g))
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One step of a feature's consent history.
#[derive(Serialize, ToSchema)]
pub struct FeatureEventJson {
    /// `requested`, `approved`, `declined` or `withdrawn`.
    pub action: String,
    pub actor: Option<String>,
    pub message: String,
    pub at: String,
}

/// A request to feature a post, and where it stands.
#[derive(Serialize, ToSchema)]
pub struct FeatureJson {
    pub id: i64,
    pub shop: String,
    pub shop_name: String,
    pub post_id: i64,
    pub post_url: String,
    pub author: String,
    pub requested_by: String,
    /// `requested`, `approved`, `declined` or `withdrawn`.
    pub status: String,
    pub message: String,
    pub requested_at: String,
    /// When the author approved or declined.
    pub decided_at: Option<String>,
    /// When the author withdrew an approval.
    pub withdrawn_at: Option<String>,
    pub thumb_url: Option<String>,
    /// The post carries product tags (of active products).
    pub has_product_tags: bool,
    /// Every request, decision and withdrawal, oldest first (kept across re-requests).
    pub history: Vec<FeatureEventJson>,
}

fn rfc(t: Option<i64>) -> Option<String> {
    t.map(|t| Timestamp::from_micros(t).to_rfc3339())
}

fn thumb(f: &FeatureRecord) -> Option<String> {
    f.image
        .as_ref()
        .filter(|_| f.post_visible)
        .map(|(key, w, _, _)| image_url(key, u32::try_from(*w).unwrap_or(0), 640))
}

impl From<&FeatureView> for FeatureJson {
    fn from(v: &FeatureView) -> Self {
        let f = &v.feature;
        Self {
            id: f.id,
            shop: f.shop_handle.clone(),
            shop_name: f.shop_name.clone(),
            post_id: f.post_id,
            post_url: format!("/p/{}", f.post_id),
            author: f.author_username.clone(),
            requested_by: f.requester_username.clone(),
            status: f.status.clone(),
            message: f.message.clone(),
            requested_at: Timestamp::from_micros(f.requested_at).to_rfc3339(),
            decided_at: rfc(f.decided_at),
            withdrawn_at: rfc(f.withdrawn_at),
            thumb_url: thumb(f),
            has_product_tags: f.tag_count > 0,
            history: v
                .history
                .iter()
                .map(|e| FeatureEventJson {
                    action: e.action.clone(),
                    actor: e.actor_username.clone(),
                    message: e.message.clone(),
                    at: Timestamp::from_micros(e.created_at).to_rfc3339(),
                })
                .collect(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct FeatureRequestBody {
    pub post_id: i64,
    /// A note to the author (at most 500 characters).
    #[serde(default)]
    pub message: String,
}

/// Ask a post's author for permission to feature it in the shop (owner or staff; others 404). Any public
/// post with photos by someone outside the shop's team can be asked for; the author is notified. Asking
/// again is refused while a request is open or approved, and for 30 days after a decline or withdrawal.
#[utoipa::path(post, path = "/api/v1/shops/{handle}/ugc/requests", tag = "ugc",
    params(("handle" = String, Path)), security(("bearer" = []), ("session_cookie" = [])),
    request_body = FeatureRequestBody,
    responses((status = 201, body = FeatureJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`feature_already_requested`, `already_featured`, `feature_request_too_soon` (details.retry_after)"),
        (status = 422, body = ErrorBody, description = "`post_not_featurable`; `validation_failed`: message_too_long")))]
async fn request(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(handle): Path<String>,
    ApiJson(b): ApiJson<FeatureRequestBody>,
) -> ApiResult<impl IntoResponse> {
    let f = s
        .services
        .ugc
        .request(&v, &handle, b.post_id, &b.message)
        .await?;
    Ok((StatusCode::CREATED, Json(FeatureJson::from(&f))))
}

/// `?status=&cursor=&limit=`
#[derive(Deserialize, IntoParams)]
pub struct FeatureListQuery {
    /// `requested`, `approved`, `declined` or `withdrawn`; all when absent.
    pub status: Option<String>,
    pub cursor: Option<String>,
    /// 1–100, default 20.
    pub limit: Option<i64>,
}

/// A shop's feature requests in every status, newest first (owner and staff; others 404).
#[utoipa::path(get, path = "/api/v1/shops/{handle}/ugc", tag = "ugc",
    params(("handle" = String, Path), FeatureListQuery), security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = PageJson<FeatureJson>), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn shop_list(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(handle): Path<String>,
    Query(q): Query<FeatureListQuery>,
) -> ApiResult<Json<PageJson<FeatureJson>>> {
    let r = s
        .services
        .ugc
        .shop_list(
            &v,
            &handle,
            q.status.as_deref(),
            q.cursor.as_deref(),
            q.limit,
        )
        .await?;
    Ok(Json(PageJson {
        items: r.features.items.iter().map(FeatureJson::from).collect(),
        next_cursor: r.features.next_cursor,
    }))
}

/// A post a shop features.
#[derive(Serialize, ToSchema)]
pub struct FeaturedPostJson {
    pub feature_id: i64,
    pub post_id: i64,
    pub post_url: String,
    pub author: String,
    pub author_display_name: String,
    pub caption: String,
    pub thumb_url: Option<String>,
    /// The post carries product tags (the shopping-bag mark).
    pub has_product_tags: bool,
    pub approved_at: Option<String>,
}

impl From<&FeatureRecord> for FeaturedPostJson {
    fn from(f: &FeatureRecord) -> Self {
        Self {
            feature_id: f.id,
            post_id: f.post_id,
            post_url: format!("/p/{}", f.post_id),
            author: f.author_username.clone(),
            author_display_name: f.author_display_name.clone(),
            caption: f.caption.clone(),
            thumb_url: thumb(f),
            has_product_tags: f.tag_count > 0,
            approved_at: rfc(f.decided_at),
        }
    }
}

/// The shoppers' posts a shop features (approved by their authors), newest feature first. Public.
#[utoipa::path(get, path = "/api/v1/shops/{handle}/ugc/featured", tag = "ugc",
    params(("handle" = String, Path), PageQuery),
    responses((status = 200, body = PageJson<FeaturedPostJson>), (status = 404, body = ErrorBody)))]
async fn featured(
    State(s): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<PageJson<FeaturedPostJson>>> {
    let page = s
        .services
        .ugc
        .featured(ctx.viewer.as_ref(), &handle, q.cursor.as_deref(), q.limit)
        .await?;
    Ok(Json(PageJson {
        items: page.items.iter().map(FeaturedPostJson::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Requests to feature your posts, newest first, with their consent history.
#[utoipa::path(get, path = "/api/v1/me/features", tag = "ugc", params(FeatureListQuery),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = PageJson<FeatureJson>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn mine(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Query(q): Query<FeatureListQuery>,
) -> ApiResult<Json<PageJson<FeatureJson>>> {
    let page = s
        .services
        .ugc
        .mine(&v, q.status.as_deref(), q.cursor.as_deref(), q.limit)
        .await?;
    Ok(Json(PageJson {
        items: page.items.iter().map(FeatureJson::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

async fn decide(
    s: &AppState,
    v: &souk_service::Viewer,
    id: i64,
    d: Decision,
) -> ApiResult<Json<FeatureJson>> {
    let f = s.services.ugc.decide(v, id, d).await?;
    Ok(Json(FeatureJson::from(&f)))
}

/// Let the shop feature your post (the post's author only; others 404). The requester is notified.
#[utoipa::path(post, path = "/api/v1/me/features/{id}/approve", tag = "ugc", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = FeatureJson), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`feature_not_pending`")))]
async fn approve(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<FeatureJson>> {
    decide(&s, &v, id, Decision::Approve).await
}

/// Refuse a request to feature your post (author only; others 404). The requester is notified.
#[utoipa::path(post, path = "/api/v1/me/features/{id}/decline", tag = "ugc", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = FeatureJson), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`feature_not_pending`")))]
async fn decline(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<FeatureJson>> {
    decide(&s, &v, id, Decision::Decline).await
}

/// Withdraw your consent: the post leaves the shop's featured places at once; the record of the
/// consent and its withdrawal is kept. The shop is notified (author only; others 404).
#[utoipa::path(post, path = "/api/v1/me/features/{id}/withdraw", tag = "ugc", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = FeatureJson), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`feature_not_approved`")))]
async fn withdraw(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<FeatureJson>> {
    decide(&s, &v, id, Decision::Withdraw).await
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(gallery))
        .routes(routes!(request))
        .routes(routes!(shop_list))
        .routes(routes!(featured))
        .routes(routes!(mine))
        .routes(routes!(approve))
        .routes(routes!(decline))
        .routes(routes!(withdraw))
}
