//! Attribution API: recording a tag click from the tag sheet, a shop's attribution report, an order's
//! attribution; plus the guest-click cookie that `/t/{tag_id}` and the click endpoint share and the
//! claim the request middleware makes once that browser is used signed in.

use super::views::{MoneyJson, image_url};
use crate::context::{RequestCtx, cookie_value, csrf_matches, set_cookie};
use crate::error::{ApiResult, AppError, ErrorBody};
use crate::extract::ApiViewer;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use souk_domain::Timestamp;
use souk_service::Viewer;
use souk_service::attribution::{
    AttributionReport, CLICK_WINDOW_SECS, ClickOutcome, DEFAULT_DAYS, conversion_pct,
};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Holds a guest browser's random token, so clicks made before logging in can be credited afterwards.
/// HttpOnly and SameSite=Lax like every Souk cookie; it lives as long as the click window.
pub const GUEST_COOKIE: &str = "souk_tc";

/// A guest's token: the cookie's, or a fresh one (`true`) the response must set.
pub(crate) fn guest_token(headers: &HeaderMap) -> (String, bool) {
    match cookie_value(headers, GUEST_COOKIE).filter(|t| !t.is_empty() && t.len() <= 64) {
        Some(t) => (t.to_owned(), false),
        None => (souk_service::random_token(""), true),
    }
}

/// Records a click for the viewer, or for this browser's guest token. The returned cookie (re)sets the
/// guest token so its seven days run from the latest click.
pub(crate) async fn record(
    state: &AppState,
    viewer: Option<&Viewer>,
    headers: &HeaderMap,
    tag_id: i64,
) -> Result<(ClickOutcome, Option<HeaderValue>), AppError> {
    let attribution = &state.services.attribution;
    if viewer.is_some() {
        return Ok((attribution.record_click(viewer, None, tag_id).await?, None));
    }
    let (token, _) = guest_token(headers);
    let outcome = attribution.record_click(None, Some(&token), tag_id).await?;
    let cookie = outcome
        .counted()
        .then(|| set_cookie(&state.config, GUEST_COOKIE, &token, CLICK_WINDOW_SECS))
        .flatten();
    Ok((outcome, cookie))
}

/// Called by the request middleware for every signed-in request: when the browser still holds a guest
/// token, its clicks become the account's and the cookie is cleared (returned for the response). A failed
/// claim keeps the cookie, so the next request tries again.
pub(crate) async fn claim_guest_clicks(
    state: &AppState,
    viewer: Option<&Viewer>,
    headers: &HeaderMap,
) -> Option<HeaderValue> {
    let viewer = viewer?;
    let token = cookie_value(headers, GUEST_COOKIE).filter(|t| !t.is_empty())?;
    match state
        .services
        .attribution
        .claim_guest_clicks(viewer, token)
        .await
    {
        Ok(_) => set_cookie(&state.config, GUEST_COOKIE, "", 0),
        Err(e) => {
            tracing::warn!(error = %e, "could not claim guest tag clicks");
            None
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TagClickJson {
    pub tag_id: i64,
    pub post_id: i64,
    pub product_id: i64,
    pub variant_id: Option<i64>,
    /// Whether this click was recorded for attribution.
    pub counted: bool,
    /// When not counted: `own_post`, `hidden_post`, `product_unavailable`, `duplicate` (same viewer and
    /// tag within a minute) or `anonymous`.
    pub not_counted_reason: Option<String>,
    /// The product page, with the tagged variant selected.
    pub product_url: String,
}

impl From<&ClickOutcome> for TagClickJson {
    fn from(o: &ClickOutcome) -> Self {
        Self {
            tag_id: o.tag_id,
            post_id: o.post_id,
            product_id: o.product_id,
            variant_id: o.variant_id,
            counted: o.counted(),
            not_counted_reason: o.not_counted.map(|n| n.code().to_owned()),
            product_url: o.product_path(),
        }
    }
}

/// Records a click on a product tag (the tag sheet calls this when it opens). Works signed in or as a
/// guest; a guest gets the `souk_tc` cookie so a purchase after logging in is still credited. A
/// cookie-authenticated call must send `X-CSRF-Token`.
#[utoipa::path(post, path = "/api/v1/tags/{tag_id}/click", tag = "attribution",
    params(("tag_id" = i64, Path, description = "A product tag's id (not a hashtag)")),
    responses((status = 200, body = TagClickJson), (status = 403, body = ErrorBody),
        (status = 404, description = "No such tag (`not_found`)", body = ErrorBody)))]
async fn click(
    State(s): State<AppState>,
    ctx: RequestCtx,
    headers: HeaderMap,
    Path(tag_id): Path<i64>,
) -> ApiResult<Response> {
    if ctx.via_cookie {
        let presented = headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !csrf_matches(&ctx.csrf_token, presented) {
            return Err(AppError::csrf());
        }
    }
    let (outcome, cookie) = record(&s, ctx.viewer.as_ref(), &headers, tag_id).await?;
    let mut res = Json(TagClickJson::from(&outcome)).into_response();
    if let Some(c) = cookie {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(res)
}

#[derive(Deserialize, IntoParams)]
pub struct PeriodQuery {
    /// 7, 30 (default) or 90.
    pub days: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct TotalsJson {
    pub clicks: i64,
    /// Attributed orders that are paid, fulfilled or delivered.
    pub orders: i64,
    /// Attributed revenue net of refunds.
    pub revenue: MoneyJson,
    /// Orders per click in percent; null without clicks.
    pub conversion_pct: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct PostAttributionJson {
    pub post_id: i64,
    /// The post's page; null when the post was deleted (its sales still count).
    pub url: Option<String>,
    pub thumb_url: Option<String>,
    pub hidden: bool,
    pub author: String,
    pub author_display_name: String,
    pub clicks: i64,
    pub orders: i64,
    pub revenue: MoneyJson,
    pub conversion_pct: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatorAttributionJson {
    pub user_id: i64,
    /// Empty when the account was deleted.
    pub username: String,
    pub display_name: String,
    pub posts: i64,
    pub clicks: i64,
    pub orders: i64,
    pub revenue: MoneyJson,
    pub conversion_pct: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct AttributionReportJson {
    pub shop: String,
    pub days: i64,
    /// A purchase is credited to a tag click at most this many days earlier.
    pub click_window_days: i64,
    pub since: String,
    pub until: String,
    pub totals: TotalsJson,
    /// Highest revenue first; at most 100.
    pub posts: Vec<PostAttributionJson>,
    pub creators: Vec<CreatorAttributionJson>,
}

fn round1(x: Option<f64>) -> Option<f64> {
    x.map(|v| (v * 10.0).round() / 10.0)
}

pub(crate) fn report_json(r: &AttributionReport) -> AttributionReportJson {
    AttributionReportJson {
        shop: r.shop_handle.clone(),
        days: r.days,
        click_window_days: CLICK_WINDOW_SECS / 86_400,
        since: r.since.to_rfc3339(),
        until: r.until.to_rfc3339(),
        totals: TotalsJson {
            clicks: r.clicks,
            orders: r.orders,
            revenue: r.revenue.into(),
            conversion_pct: round1(conversion_pct(r.orders, r.clicks)),
        },
        posts: r
            .posts
            .iter()
            .map(|p| PostAttributionJson {
                post_id: p.post_id,
                url: p.exists.then(|| format!("/p/{}", p.post_id)),
                thumb_url: p
                    .thumb_key
                    .as_deref()
                    .map(|k| image_url(k, u32::try_from(p.thumb_width).unwrap_or(0), 160)),
                hidden: p.hidden,
                author: p.creator.username.clone(),
                author_display_name: p.creator.display_name.clone(),
                clicks: p.clicks,
                orders: p.orders,
                revenue: p.revenue.into(),
                conversion_pct: round1(conversion_pct(p.orders, p.clicks)),
            })
            .collect(),
        creators: r
            .creators
            .iter()
            .map(|c| CreatorAttributionJson {
                user_id: c.creator.user_id,
                username: c.creator.username.clone(),
                display_name: c.creator.display_name.clone(),
                posts: c.posts,
                clicks: c.clicks,
                orders: c.orders,
                revenue: c.revenue.into(),
                conversion_pct: round1(conversion_pct(c.orders, c.clicks)),
            })
            .collect(),
    }
}

/// Which posts and creators sold the shop's products over the last 7, 30 or 90 days (staff only; others
/// get 404). Revenue counts paid, fulfilled and delivered orders net of refunds, computed when asked.
#[utoipa::path(get, path = "/api/v1/shops/{handle}/attribution", tag = "attribution",
    security(("bearer" = []), ("session_cookie" = [])), params(("handle" = String, Path), PeriodQuery),
    responses((status = 200, body = AttributionReportJson), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, description = "`period_invalid`", body = ErrorBody)))]
async fn report(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(handle): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<Json<AttributionReportJson>> {
    let r = s
        .services
        .attribution
        .report(
            &v,
            &handle,
            q.days.unwrap_or(DEFAULT_DAYS),
            Timestamp::now(),
        )
        .await?;
    Ok(Json(report_json(&r)))
}

#[derive(Serialize, ToSchema)]
pub struct OrderAttributionJson {
    pub order_id: i64,
    pub post_id: i64,
    pub tag_id: i64,
    pub creator_id: i64,
    /// The order's lines for products the buyer reached through a tag, at order time.
    pub attributed_subtotal: MoneyJson,
    pub created_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct OrderAttributionEnvelope {
    /// Null when no tag click led to this order.
    pub attribution: Option<OrderAttributionJson>,
}

/// The post an order is credited to, if any (staff of the order's shop only; others get 404).
#[utoipa::path(get, path = "/api/v1/orders/{id}/attribution", tag = "attribution",
    security(("bearer" = []), ("session_cookie" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = OrderAttributionEnvelope), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn order_attribution(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<OrderAttributionEnvelope>> {
    let a = s.services.attribution.of_order(&v, id).await?;
    let attribution = match a {
        Some(a) => {
            let currency = souk_domain::Currency::parse(&a.currency)
                .map_err(|e| AppError::from(souk_service::ServiceError::Internal(e.to_string())))?;
            Some(OrderAttributionJson {
                order_id: a.order_id,
                post_id: a.post_id,
                tag_id: a.tag_id,
                creator_id: a.creator_id,
                attributed_subtotal: souk_domain::Money::new(a.attributed_minor, currency).into(),
                created_at: Timestamp::from_micros(a.created_at).to_rfc3339(),
            })
        }
        None => None,
    };
    Ok(Json(OrderAttributionEnvelope { attribution }))
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(click))
        .routes(routes!(report))
        .routes(routes!(order_attribution))
}
