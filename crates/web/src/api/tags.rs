//! Product tags API: placing, replacing and removing tags on a post's images, the products a user may
//! tag, the product sheet behind a tag, the posts a product appears in, and a shop's creator allow-list.

use super::products::ProductJson;
use super::views::{PageJson, PageQuery, PostJson, TagJson, post_page};
use crate::context::RequestCtx;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiViewer};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use souk_service::tags::TagInput;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A tag to place: the image (0-based) and the position as fractions of its width and height.
#[derive(Deserialize, ToSchema, Clone)]
pub struct TagRequest {
    #[serde(default)]
    pub image: i32,
    pub x: f64,
    pub y: f64,
    pub product_id: i64,
    pub variant_id: Option<i64>,
}

impl From<TagRequest> for TagInput {
    fn from(r: TagRequest) -> Self {
        TagInput {
            image: r.image,
            x: r.x,
            y: r.y,
            product_id: r.product_id,
            variant_id: r.variant_id,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct TagSetRequest {
    /// Every tag the post should carry (at most 5 per image and 20 in all); an empty list removes all.
    pub tags: Vec<TagRequest>,
}

#[derive(Serialize, ToSchema)]
pub struct TagListJson {
    pub items: Vec<TagJson>,
}

/// A post's product tags (products no longer for sale are left out).
#[utoipa::path(get, path = "/api/v1/posts/{id}/tags", tag = "tags", params(("id" = i64, Path)),
    responses((status = 200, body = TagListJson), (status = 404, body = ErrorBody)))]
async fn list(
    State(s): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
) -> ApiResult<Json<TagListJson>> {
    let tags = s.services.tags.list(ctx.viewer.as_ref(), id).await?;
    Ok(Json(TagListJson {
        items: tags.iter().map(TagJson::from).collect(),
    }))
}

/// Tag a product on one image of a post. The author may tag their own shop's products, partner shops'
/// products (creators), and products they bought and received; a shop featuring the post may tag its
/// own products. 403 `tag_not_allowed`; 422 `too_many_tags_image` (5) or `too_many_tags_post` (20).
#[utoipa::path(post, path = "/api/v1/posts/{id}/tags", tag = "tags", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])), request_body = TagRequest,
    responses((status = 201, body = TagJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn add(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<TagRequest>,
) -> ApiResult<impl IntoResponse> {
    let tag = s.services.tags.add(&v, id, r.into()).await?;
    Ok((StatusCode::CREATED, Json(TagJson::from(&tag))))
}

/// Replace every tag of your own post in one step (all or nothing).
#[utoipa::path(put, path = "/api/v1/posts/{id}/tags", tag = "tags", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])), request_body = TagSetRequest,
    responses((status = 200, body = TagListJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn replace(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<TagSetRequest>,
) -> ApiResult<Json<TagListJson>> {
    let inputs = r.tags.into_iter().map(TagInput::from).collect();
    let tags = s.services.tags.replace(&v, id, inputs).await?;
    Ok(Json(TagListJson {
        items: tags.iter().map(TagJson::from).collect(),
    }))
}

/// Remove a tag (the author any; a featuring shop only its own products' tags).
#[utoipa::path(delete, path = "/api/v1/posts/{id}/tags/{tag_id}", tag = "tags",
    params(("id" = i64, Path), ("tag_id" = i64, Path)), security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn remove(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path((id, tag_id)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    s.services.tags.remove(&v, id, tag_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct TagSheetJson {
    pub tag: TagJson,
    /// The product with its variants, stock, price and rating, as the product page shows it.
    pub product: ProductJson,
}

/// What tapping a tag opens: the tag and its product (404 once the product is archived or deleted).
#[utoipa::path(get, path = "/api/v1/product-tags/{id}", tag = "tags", params(("id" = i64, Path)),
    responses((status = 200, body = TagSheetJson), (status = 404, body = ErrorBody)))]
async fn sheet(
    State(s): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
) -> ApiResult<Json<TagSheetJson>> {
    let sheet = s.services.tags.sheet(ctx.viewer.as_ref(), id).await?;
    Ok(Json(TagSheetJson {
        tag: TagJson::from(&sheet.tag),
        product: ProductJson::from(&sheet.product),
    }))
}

#[derive(Deserialize, IntoParams)]
pub struct TaggableQuery {
    /// Words of the product title to match.
    #[serde(default)]
    pub q: String,
}

#[derive(Serialize, ToSchema)]
pub struct TaggableJson {
    pub product_id: i64,
    pub title: String,
    pub shop: String,
    pub shop_name: String,
    pub price_minor: i64,
    pub currency: String,
    /// Why you may tag it: `shop` (you staff the shop), `partner` or `bought`.
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct TaggableListJson {
    pub items: Vec<TaggableJson>,
}

/// Products you may tag (up to 100, newest first).
#[utoipa::path(get, path = "/api/v1/me/taggable-products", tag = "tags", params(TaggableQuery),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = TaggableListJson), (status = 401, body = ErrorBody)))]
async fn taggable(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Query(q): Query<TaggableQuery>,
) -> ApiResult<Json<TaggableListJson>> {
    let rows = s.services.tags.taggable(&v, &q.q).await?;
    Ok(Json(TaggableListJson {
        items: rows
            .into_iter()
            .map(|r| TaggableJson {
                product_id: r.product_id,
                title: r.title,
                shop: r.shop_handle,
                shop_name: r.shop_name,
                price_minor: r.price_minor,
                currency: r.currency,
                reason: r.reason,
            })
            .collect(),
    }))
}

/// Posts that tag a product ("As seen in"), newest first.
#[utoipa::path(get, path = "/api/v1/products/{id}/posts", tag = "tags", params(("id" = i64, Path), PageQuery),
    responses((status = 200, body = PageJson<PostJson>), (status = 422, body = ErrorBody)))]
async fn product_posts(
    State(s): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<PageJson<PostJson>>> {
    let page = s
        .services
        .social
        .posts_tagging(ctx.viewer.as_ref(), id, q.cursor.as_deref(), q.limit)
        .await?;
    Ok(Json(post_page(&page)))
}

#[derive(Serialize, ToSchema)]
pub struct PartnerJson {
    pub username: String,
    pub display_name: String,
    pub since: String,
}

#[derive(Serialize, ToSchema)]
pub struct PartnerListJson {
    pub items: Vec<PartnerJson>,
}

#[derive(Deserialize, ToSchema)]
pub struct PartnerRequest {
    /// A creator account's username.
    pub username: String,
}

/// Creators allowed to tag this shop's products (owner and staff only; others 404).
#[utoipa::path(get, path = "/api/v1/shops/{handle}/tag-partners", tag = "tags", params(("handle" = String, Path)),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = PartnerListJson), (status = 404, body = ErrorBody)))]
async fn partners(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(handle): Path<String>,
) -> ApiResult<Json<PartnerListJson>> {
    let rows = s.services.tags.partners(&v, &handle).await?;
    Ok(Json(PartnerListJson {
        items: rows
            .into_iter()
            .map(|(_, username, display_name, since)| PartnerJson {
                username,
                display_name,
                since: since.to_rfc3339(),
            })
            .collect(),
    }))
}

/// Let a creator tag this shop's products (422 `not_a_creator`, `user_not_found`).
#[utoipa::path(post, path = "/api/v1/shops/{handle}/tag-partners", tag = "tags", params(("handle" = String, Path)),
    security(("bearer" = []), ("session_cookie" = [])), request_body = PartnerRequest,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_partner(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(handle): Path<String>,
    ApiJson(r): ApiJson<PartnerRequest>,
) -> ApiResult<StatusCode> {
    s.services
        .tags
        .add_partner(&v, &handle, &r.username)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Take a creator off the allow-list (their existing tags stay).
#[utoipa::path(delete, path = "/api/v1/shops/{handle}/tag-partners/{username}", tag = "tags",
    params(("handle" = String, Path), ("username" = String, Path)), security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn remove_partner(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path((handle, username)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    s.services
        .tags
        .remove_partner(&v, &handle, &username)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, add, replace))
        .routes(routes!(remove))
        .routes(routes!(sheet))
        .routes(routes!(taggable))
        .routes(routes!(product_posts))
        .routes(routes!(partners, add_partner))
        .routes(routes!(remove_partner))
}
