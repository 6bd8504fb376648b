//! Notifications API: grouped list, unread count, mark as read.

use super::views::{NotificationJson, PageJson, PageQuery};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiViewer;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Your notifications, newest first; likes, shares and follows of one post are grouped.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", params(PageQuery),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = PageJson<NotificationJson>), (status = 401, body = ErrorBody)))]
async fn list(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<PageJson<NotificationJson>>> {
    let page = s
        .services
        .social
        .notifications(&v, q.cursor.as_deref(), q.limit)
        .await?;
    Ok(Json(PageJson {
        items: page.items.iter().map(NotificationJson::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct UnreadJson {
    pub unread: i64,
}

/// How many notifications you have not read.
#[utoipa::path(get, path = "/api/v1/notifications/unread", tag = "notifications",
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = UnreadJson), (status = 401, body = ErrorBody)))]
async fn unread(State(s): State<AppState>, ApiViewer(v): ApiViewer) -> ApiResult<Json<UnreadJson>> {
    Ok(Json(UnreadJson {
        unread: s.services.social.unread_notifications(&v).await?,
    }))
}

/// Mark every notification read.
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "notifications",
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 204, description = "Marked"), (status = 401, body = ErrorBody)))]
async fn mark_read(State(s): State<AppState>, ApiViewer(v): ApiViewer) -> ApiResult<StatusCode> {
    s.services.social.mark_notifications_read(&v).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(unread))
        .routes(routes!(mark_read))
}
