//! Reviews API: a product's reviews and rating, writing (JSON or multipart with photos), editing and
//! deleting one's own review, the shop's reply, helpful votes, reports and their decisions, and the
//! operator's moderation audit log.

use super::views::{PageJson, image_url};
use crate::context::RequestCtx;
use crate::error::{ApiResult, AppError, ErrorBody};
use crate::extract::{ApiJson, ApiViewer};
use crate::state::AppState;
use axum::Json;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use souk_domain::Timestamp;
use souk_service::reviews::{Decision, ReviewInput, ReviewPatch, ReviewQuery, ReviewView};
use souk_service::social::Upload;
use souk_store::reviews::{AuditRecord, RatingSummary, ReportRecord};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A product's rating in short, as product JSON carries it.
#[derive(Serialize, ToSchema, Debug, Clone, Copy)]
pub struct RatingJson {
    /// Mean of the visible reviews' stars (two decimals), 0 without reviews.
    pub average: f64,
    pub count: i64,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

impl From<&RatingSummary> for RatingJson {
    fn from(r: &RatingSummary) -> Self {
        Self {
            average: round2(r.average()),
            count: r.count,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct StarCountJson {
    pub stars: i64,
    pub count: i64,
}

/// The full aggregate: average, count, sum and how many reviews gave each number of stars.
#[derive(Serialize, ToSchema)]
pub struct RatingDetailJson {
    pub average: f64,
    pub count: i64,
    pub sum: i64,
    /// Five entries, 5 stars first.
    pub distribution: Vec<StarCountJson>,
}

impl From<&RatingSummary> for RatingDetailJson {
    fn from(r: &RatingSummary) -> Self {
        Self {
            average: round2(r.average()),
            count: r.count,
            sum: r.sum,
            distribution: (1..=5i64)
                .rev()
                .map(|s| StarCountJson {
                    stars: s,
                    count: r.stars.get((s - 1) as usize).copied().unwrap_or(0),
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReviewPhotoJson {
    pub url: String,
    pub thumb_url: String,
    pub width: i32,
    pub height: i32,
    pub alt: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReplyJson {
    pub body: String,
    pub created_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReviewJson {
    pub id: i64,
    pub product_id: i64,
    pub product_title: String,
    pub shop: String,
    pub author: String,
    pub author_display_name: String,
    /// 1–5.
    pub rating: i32,
    pub title: String,
    pub body: String,
    /// e.g. "size M, usually wear S".
    pub fit_note: String,
    /// The variant as bought.
    pub variant_title: String,
    /// Always true: only buyers of a delivered order line can review.
    pub verified_buyer: bool,
    /// `visible`, or `hidden` (shown to its author only) after an upheld report.
    pub status: String,
    /// The moderation reason while hidden.
    pub hidden_reason: Option<String>,
    pub photos: Vec<ReviewPhotoJson>,
    pub helpful_count: i64,
    pub helpful_by_me: bool,
    /// The caller wrote it.
    pub mine: bool,
    pub reply: Option<ReplyJson>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&ReviewView> for ReviewJson {
    fn from(v: &ReviewView) -> Self {
        let r = &v.review;
        Self {
            id: r.id,
            product_id: r.product_id,
            product_title: r.product_title.clone(),
            shop: r.shop_handle.clone(),
            author: r.author_username.clone(),
            author_display_name: r.author_display_name.clone(),
            rating: r.rating,
            title: r.title.clone(),
            body: r.body.clone(),
            fit_note: r.fit_note.clone(),
            variant_title: r.variant_title.clone(),
            verified_buyer: true,
            status: r.status.clone(),
            hidden_reason: r.hidden_reason.clone(),
            photos: v
                .photos
                .iter()
                .map(|p| {
                    let w = u32::try_from(p.width).unwrap_or(0);
                    ReviewPhotoJson {
                        url: image_url(&p.media_key, w, 1080),
                        thumb_url: image_url(&p.media_key, w, 320),
                        width: p.width,
                        height: p.height,
                        alt: p.alt_text.clone(),
                    }
                })
                .collect(),
            helpful_count: r.helpful_count,
            helpful_by_me: v.helpful_by_me,
            mine: v.mine,
            reply: r.reply_body.as_ref().map(|b| ReplyJson {
                body: b.clone(),
                created_at: Timestamp::from_micros(r.reply_at.unwrap_or(0)).to_rfc3339(),
            }),
            created_at: Timestamp::from_micros(r.created_at).to_rfc3339(),
            updated_at: Timestamp::from_micros(r.updated_at).to_rfc3339(),
        }
    }
}

/// `?stars=&with_photos=&sort=&cursor=&limit=`
#[derive(Deserialize, IntoParams, Default)]
pub struct ReviewListQuery {
    /// Only reviews with this many stars (1–5).
    pub stars: Option<i64>,
    /// Only reviews with photos.
    pub with_photos: Option<bool>,
    /// `newest` (default) or `helpful`.
    pub sort: Option<String>,
    pub cursor: Option<String>,
    /// 1–50, default 10.
    pub limit: Option<i64>,
}

impl From<ReviewListQuery> for ReviewQuery {
    fn from(q: ReviewListQuery) -> Self {
        ReviewQuery {
            stars: q.stars,
            with_photos: q.with_photos.unwrap_or(false),
            sort: q.sort,
            cursor: q.cursor,
            limit: q.limit,
        }
    }
}

/// A product's reviews: visible ones, plus the caller's own hidden ones. Cursor pagination.
#[utoipa::path(get, path = "/api/v1/products/{id}/reviews", tag = "reviews",
    params(("id" = i64, Path), ReviewListQuery),
    responses((status = 200, body = PageJson<ReviewJson>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list(
    State(s): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    Query(q): Query<ReviewListQuery>,
) -> ApiResult<Json<PageJson<ReviewJson>>> {
    let page = s
        .services
        .reviews
        .list(ctx.viewer.as_ref(), id, &q.into())
        .await?;
    Ok(Json(PageJson {
        items: page.items.iter().map(ReviewJson::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// A product's exact rating aggregate over its visible reviews.
#[utoipa::path(get, path = "/api/v1/products/{id}/rating", tag = "reviews", params(("id" = i64, Path)),
    responses((status = 200, body = RatingDetailJson), (status = 404, body = ErrorBody)))]
async fn rating(
    State(s): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
) -> ApiResult<Json<RatingDetailJson>> {
    let r = s.services.reviews.rating(ctx.viewer.as_ref(), id).await?;
    Ok(Json(RatingDetailJson::from(&r)))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct ReviewRequest {
    /// The delivered order line reviewed; when absent, the oldest delivered line of this product not yet
    /// reviewed.
    pub order_line_id: Option<i64>,
    /// 1–5.
    #[serde(default)]
    pub rating: i64,
    /// At most 120 characters.
    #[serde(default)]
    pub title: String,
    /// At most 5000 characters.
    #[serde(default)]
    pub body: String,
    /// Fit or variant note, e.g. "size M, usually wear S" (at most 200 characters).
    #[serde(default)]
    pub fit_note: String,
}

/// Multipart form for a review with photos: the JSON fields as text parts, `images` once per photo
/// (up to 5, JPEG/PNG/WebP) and optionally `alt_text` once per photo.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ReviewForm {
    order_line_id: Option<i64>,
    rating: i64,
    title: Option<String>,
    body: Option<String>,
    fit_note: Option<String>,
    #[schema(value_type = Vec<String>, format = Binary)]
    images: Vec<Vec<u8>>,
    alt_text: Option<Vec<String>>,
}

/// A review form as read from multipart, shared with the "write a review" page.
#[derive(Default)]
pub struct ReviewFormData {
    pub input: ReviewInput,
    pub uploads: Vec<Upload>,
    pub csrf_token: String,
    /// The rating field as typed, for showing the form again.
    pub rating_text: String,
}

/// Reads a multipart review. Empty file inputs (a browser sends one when no file was chosen) are skipped.
pub async fn read_review_form(mut mp: Multipart) -> Result<ReviewFormData, AppError> {
    let mut form = ReviewFormData::default();
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
            "rating" => {
                form.rating_text = field.text().await.map_err(bad)?;
                form.input.rating = form.rating_text.trim().parse().unwrap_or(0);
            }
            "order_line_id" => {
                form.input.order_line_id = field.text().await.map_err(bad)?.trim().parse().ok();
            }
            "title" => form.input.title = field.text().await.map_err(bad)?,
            "body" => form.input.body = field.text().await.map_err(bad)?,
            "fit_note" => form.input.fit_note = field.text().await.map_err(bad)?,
            "csrf_token" => form.csrf_token = field.text().await.map_err(bad)?,
            _ => {}
        }
    }
    for (u, alt) in form.uploads.iter_mut().zip(alts) {
        u.alt_text = alt;
    }
    Ok(form)
}

/// Review a product you received: only the buyer of a delivered order line may (else 403 `not_a_buyer`),
/// once per line (else 409 `already_reviewed`). Send JSON, or multipart/form-data with up to 5 photos.
#[utoipa::path(post, path = "/api/v1/products/{id}/reviews", tag = "reviews", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])),
    request_body(content(
        (ReviewRequest = "application/json"),
        (ReviewForm = "multipart/form-data"),
    )),
    responses((status = 201, body = ReviewJson), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "`not_a_buyer`"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`already_reviewed`"),
        (status = 413, body = ErrorBody, description = "`payload_too_large`"),
        (status = 422, body = ErrorBody, description = "`validation_failed`: rating_out_of_range, title_too_long, body_too_long, fit_note_too_long, too_many_images, image_*")))]
async fn create(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
    req: Request,
) -> ApiResult<impl IntoResponse> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|ct| ct.starts_with("multipart/form-data"));
    let (input, uploads) = if multipart {
        let mp = Multipart::from_request(req, &s)
            .await
            .map_err(|r| AppError::bad_request("invalid_form", r.body_text()))?;
        let form = read_review_form(mp).await?;
        (form.input, form.uploads)
    } else {
        let ApiJson(r) = ApiJson::<ReviewRequest>::from_request(req, &s).await?;
        (
            ReviewInput {
                order_line_id: r.order_line_id,
                rating: r.rating,
                title: r.title,
                body: r.body,
                fit_note: r.fit_note,
            },
            Vec::new(),
        )
    };
    let review = s.services.reviews.create(&v, id, input, uploads).await?;
    Ok((StatusCode::CREATED, Json(ReviewJson::from(&review))))
}

/// One review (hidden ones only for their author, the shop's staff and operators).
#[utoipa::path(get, path = "/api/v1/reviews/{id}", tag = "reviews", params(("id" = i64, Path)),
    responses((status = 200, body = ReviewJson), (status = 404, body = ErrorBody)))]
async fn get_review(
    State(s): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
) -> ApiResult<Json<ReviewJson>> {
    let r = s.services.reviews.get(ctx.viewer.as_ref(), id).await?;
    Ok(Json(ReviewJson::from(&r)))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct ReviewPatchRequest {
    pub rating: Option<i64>,
    pub title: Option<String>,
    pub body: Option<String>,
    pub fit_note: Option<String>,
}

/// Edit your review (author only; others 404). The product's rating follows.
#[utoipa::path(patch, path = "/api/v1/reviews/{id}", tag = "reviews", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])), request_body = ReviewPatchRequest,
    responses((status = 200, body = ReviewJson), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn patch_review(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<ReviewPatchRequest>,
) -> ApiResult<Json<ReviewJson>> {
    let patch = ReviewPatch {
        rating: r.rating,
        title: r.title,
        body: r.body,
        fit_note: r.fit_note,
    };
    let review = s.services.reviews.edit(&v, id, patch).await?;
    Ok(Json(ReviewJson::from(&review)))
}

/// Delete your review (author only; merchants cannot delete reviews, others get 404).
#[utoipa::path(delete, path = "/api/v1/reviews/{id}", tag = "reviews", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorBody)))]
async fn delete_review(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    s.services.reviews.delete(&v, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct ReplyRequest {
    #[serde(default)]
    pub body: String,
}

/// The shop's public reply, once per review (staff of the review's shop; others 404; a second reply 409
/// `already_replied`). Recorded in the audit log.
#[utoipa::path(post, path = "/api/v1/reviews/{id}/reply", tag = "reviews", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])), request_body = ReplyRequest,
    responses((status = 201, body = ReviewJson), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`already_replied`"), (status = 422, body = ErrorBody)))]
async fn reply(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<ReplyRequest>,
) -> ApiResult<impl IntoResponse> {
    let review = s.services.reviews.reply(&v, id, &r.body).await?;
    Ok((StatusCode::CREATED, Json(ReviewJson::from(&review))))
}

#[derive(Serialize, ToSchema)]
pub struct HelpfulJson {
    pub helpful_count: i64,
    pub helpful_by_me: bool,
}

/// Mark a review helpful (one vote per account; voting again changes nothing).
#[utoipa::path(post, path = "/api/v1/reviews/{id}/helpful", tag = "reviews", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = HelpfulJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn helpful(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<HelpfulJson>> {
    let n = s.services.reviews.set_helpful(&v, id, true).await?;
    Ok(Json(HelpfulJson {
        helpful_count: n,
        helpful_by_me: true,
    }))
}

/// Withdraw your helpful vote (idempotent).
#[utoipa::path(delete, path = "/api/v1/reviews/{id}/helpful", tag = "reviews", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = HelpfulJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn unhelpful(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
) -> ApiResult<Json<HelpfulJson>> {
    let n = s.services.reviews.set_helpful(&v, id, false).await?;
    Ok(Json(HelpfulJson {
        helpful_count: n,
        helpful_by_me: false,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct ReviewReportRequest {
    /// `spam`, `offensive`, `off_topic`, `personal_info` or `not_about_product`.
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReviewReportCreated {
    pub id: i64,
}

/// Report a review to its shop's moderation (anyone logged in).
#[utoipa::path(post, path = "/api/v1/reviews/{id}/reports", tag = "reviews", params(("id" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])), request_body = ReviewReportRequest,
    responses((status = 201, body = ReviewReportCreated), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn report(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<ReviewReportRequest>,
) -> ApiResult<impl IntoResponse> {
    let rid = s
        .services
        .reviews
        .report(&v, id, &r.reason, &r.note)
        .await?;
    Ok((StatusCode::CREATED, Json(ReviewReportCreated { id: rid })))
}

#[derive(Deserialize, ToSchema)]
pub struct DecisionRequest {
    /// `uphold` (hide the review), `dismiss`, or `reverse` (operators only: show an upheld review again).
    #[serde(default)]
    pub decision: String,
    /// For `uphold`: `spam`, `offensive`, `off_topic`, `personal_info` or `not_about_product` (defaults to
    /// the report's reason). A negative opinion is not a reason.
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub note: String,
}

/// Decide a report (staff of the review's shop or an operator; others 404). Upholding hides the review
/// from the product page and its aggregates; every decision is written to the audit log.
#[utoipa::path(post, path = "/api/v1/reviews/{id}/reports/{rid}/decision", tag = "reviews",
    params(("id" = i64, Path), ("rid" = i64, Path)),
    security(("bearer" = []), ("session_cookie" = [])), request_body = DecisionRequest,
    responses((status = 200, body = ReviewJson), (status = 403, body = ErrorBody, description = "`operator_only`"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "`report_closed`, `report_not_upheld`"),
        (status = 422, body = ErrorBody, description = "`validation_failed`: reason_invalid, decision_invalid")))]
async fn decide(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path((id, rid)): Path<(i64, i64)>,
    ApiJson(r): ApiJson<DecisionRequest>,
) -> ApiResult<Json<ReviewJson>> {
    let decision = Decision::parse(&r.decision)?;
    let review = s
        .services
        .reviews
        .decide(&v, id, rid, decision, &r.reason, &r.note)
        .await?;
    Ok(Json(ReviewJson::from(&review)))
}

#[derive(Serialize, ToSchema)]
pub struct AuditJson {
    pub id: i64,
    pub review_id: i64,
    pub shop: Option<String>,
    pub product_id: i64,
    pub actor: Option<String>,
    /// `hide`, `unhide`, `dismiss` or `reply`.
    pub action: String,
    pub reason: String,
    pub note: String,
    pub report_id: Option<i64>,
    pub at: String,
}

impl From<&AuditRecord> for AuditJson {
    fn from(a: &AuditRecord) -> Self {
        Self {
            id: a.id,
            review_id: a.review_id,
            shop: a.shop_handle.clone(),
            product_id: a.product_id,
            actor: a.actor_username.clone(),
            action: a.action.clone(),
            reason: a.reason.clone(),
            note: a.note.clone(),
            report_id: a.report_id,
            at: Timestamp::from_micros(a.created_at).to_rfc3339(),
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Every review moderation decision and reply, newest first (operators only; others 404).
#[utoipa::path(get, path = "/api/v1/admin/review-audit", tag = "reviews", params(AuditQuery),
    security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = PageJson<AuditJson>), (status = 404, body = ErrorBody)))]
async fn audit(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<PageJson<AuditJson>>> {
    let page = s
        .services
        .reviews
        .audit(&v, q.cursor.as_deref(), q.limit)
        .await?;
    Ok(Json(PageJson {
        items: page.items.iter().map(AuditJson::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ReviewReportJson {
    pub id: i64,
    pub review_id: i64,
    pub reporter: String,
    pub reason: String,
    pub note: String,
    pub status: String,
    pub created_at: String,
}

impl From<&ReportRecord> for ReviewReportJson {
    fn from(r: &ReportRecord) -> Self {
        Self {
            id: r.id,
            review_id: r.review_id,
            reporter: r.reporter_username.clone(),
            reason: r.reason.clone(),
            note: r.note.clone(),
            status: r.status.clone(),
            created_at: Timestamp::from_micros(r.created_at).to_rfc3339(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ShopReviewsJson {
    pub items: Vec<ReviewJson>,
    pub next_cursor: Option<String>,
    pub open_reports: Vec<ReviewReportJson>,
}

#[derive(Deserialize, IntoParams)]
pub struct CursorQuery {
    pub cursor: Option<String>,
}

/// A shop's reviews in every status with its open reports (shop staff; others 404).
#[utoipa::path(get, path = "/api/v1/shops/{handle}/reviews", tag = "reviews",
    params(("handle" = String, Path), CursorQuery), security(("bearer" = []), ("session_cookie" = [])),
    responses((status = 200, body = ShopReviewsJson), (status = 404, body = ErrorBody)))]
async fn shop_reviews(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(handle): Path<String>,
    Query(q): Query<CursorQuery>,
) -> ApiResult<Json<ShopReviewsJson>> {
    let r = s
        .services
        .reviews
        .shop_reviews(&v, &handle, q.cursor.as_deref())
        .await?;
    Ok(Json(ShopReviewsJson {
        items: r.reviews.items.iter().map(ReviewJson::from).collect(),
        next_cursor: r.reviews.next_cursor,
        open_reports: r.open_reports.iter().map(ReviewReportJson::from).collect(),
    }))
}

/// Body limit for a review with photos: five photos at the per-photo limit plus the text fields.
pub fn review_upload_limit(state: &AppState) -> usize {
    state
        .services
        .media
        .config
        .max_upload_bytes
        .saturating_mul(souk_service::reviews::MAX_PHOTOS)
        .saturating_add(1024 * 1024)
}

pub fn routes(upload_limit: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .layer(axum::extract::DefaultBodyLimit::max(upload_limit))
        .routes(routes!(rating))
        .routes(routes!(get_review, patch_review, delete_review))
        .routes(routes!(reply))
        .routes(routes!(helpful, unhelpful))
        .routes(routes!(report))
        .routes(routes!(decide))
        .routes(routes!(audit))
        .routes(routes!(shop_reviews))
}
