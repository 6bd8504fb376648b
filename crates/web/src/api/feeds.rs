//! Feeds API: home, discover, hashtag pages and saved posts.

use super::views::{PageJson, PageQuery, PostJson, post_page};
use crate::context::RequestCtx;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiViewer;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use souk_service::social::TagSort;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Your posts and those of accounts you follow, newest first. Paging by cursor never repeats or skips a
/// post while new ones are published.
#[utoipa::path(get, path = "/api/v1/feed/home", tag = "feeds", params(PageQuery),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = PageJson<PostJson>), (status = 401, body = ErrorBody)))]
async fn home(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<PageJson<PostJson>>> {
    Ok(Json(post_page(
        &s.services
            .social
            .home_feed(&v, q.cursor.as_deref(), q.limit)
            .await?,
    )))
}

/// Posts from accounts you don't follow, ranked by engagement with time decay:
/// `(1 + likes + 2·comments + 3·shares + 2·saves) / (age_hours + 2)^1.5` (weights are configurable).
#[utoipa::path(get, path = "/api/v1/feed/discover", tag = "feeds", params(PageQuery),
    responses((status = 200, body = PageJson<PostJson>)))]
async fn discover(
    State(s): State<AppState>,
    ctx: RequestCtx,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<PageJson<PostJson>>> {
    Ok(Json(post_page(
        &s.services
            .social
            .discover(ctx.viewer.as_ref(), q.cursor.as_deref(), q.limit)
            .await?,
    )))
}

#[derive(Deserialize, IntoParams)]
pub struct TagQuery {
    /// `newest` (default) or `top`.
    pub sort: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct TagPageJson {
    /// The tag as first written.
    pub tag: String,
    pub post_count: i64,
    pub items: Vec<PostJson>,
    pub next_cursor: Option<String>,
}

/// Posts with a hashtag (any script; `#` optional; full-width letters fold to ASCII).
#[utoipa::path(get, path = "/api/v1/tags/{hashtag}", tag = "feeds", params(("hashtag" = String, Path), TagQuery),
    responses((status = 200, body = TagPageJson), (status = 404, body = ErrorBody)))]
async fn tag(
    State(s): State<AppState>,
    ctx: RequestCtx,
    Path(hashtag): Path<String>,
    Query(q): Query<TagQuery>,
) -> ApiResult<Json<TagPageJson>> {
    let sort = if q.sort.as_deref() == Some("top") {
        TagSort::Top
    } else {
        TagSort::Newest
    };
    let (tag, post_count, page) = s
        .services
        .social
        .hashtag(
            ctx.viewer.as_ref(),
            &hashtag,
            sort,
            q.cursor.as_deref(),
            q.limit,
        )
        .await?;
    let p = post_page(&page);
    Ok(Json(TagPageJson {
        tag,
        post_count,
        items: p.items,
        next_cursor: p.next_cursor,
    }))
}

/// Posts you saved, most recent first (private to you).
#[utoipa::path(get, path = "/api/v1/me/saved", tag = "feeds", params(PageQuery),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = PageJson<PostJson>), (status = 401, body = ErrorBody)))]
async fn saved(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<PageJson<PostJson>>> {
    Ok(Json(post_page(
        &s.services
            .social
            .saved(&v, q.cursor.as_deref(), q.limit)
            .await?,
    )))
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(home))
        .routes(routes!(discover))
        .routes(routes!(tag))
        .routes(routes!(saved))
}
