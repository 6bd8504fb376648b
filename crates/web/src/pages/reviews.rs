//! Review pages: the reviews section of the product page (summary, SVG distribution, filters, sort,
//! pages), writing a review, an order's "review your items" list, helpful votes, reports, the shop's
//! reviews with reply and decision forms, and the operator's review moderation log. Every form works
//! without JavaScript.

use super::{FormErrors, Ui, back_to, login_redirect, render, render_form_error};
use crate::api::reviews::read_review_form;
use crate::api::views::image_url;
use crate::context::{RequestCtx, csrf_matches};
use crate::error::AppError;
use crate::extract::CsrfForm;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use souk_domain::Timestamp;
use souk_service::catalog::ProductView;
use souk_service::reviews::{Decision, MODERATION_REASONS, ReviewInput, ReviewQuery, ReviewView};
use souk_store::reviews::RatingSummary;

pub(super) fn routes(upload_limit: usize) -> Router<AppState> {
    Router::new()
        .route(
            "/products/{id}/reviews/new",
            get(new_page)
                .post(new_submit)
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/orders/{id}/reviews", get(order_lines))
        .route("/reviews/{id}/helpful", post(helpful))
        .route("/reviews/{id}/report", get(report_page).post(report_submit))
        .route("/reviews/{id}/reply", post(reply))
        .route("/reviews/{id}/delete", post(delete))
        .route("/reviews/{id}/reports/{rid}/decision", post(decide))
        .route("/s/{handle}/reviews", get(shop_page))
        .route("/admin/reviews", get(admin_page))
}

/// One photo of a review, ready for a template.
pub struct PhotoItem {
    pub thumb: String,
    pub full: String,
    pub alt: String,
}

/// A review as the templates show it.
pub struct ReviewItem {
    pub id: i64,
    pub product_id: i64,
    pub product_title: String,
    pub rating: i32,
    pub stars: String,
    pub title: String,
    pub body: String,
    pub fit_note: String,
    pub variant_title: String,
    pub author: String,
    pub author_name: String,
    pub date: String,
    pub photos: Vec<PhotoItem>,
    pub helpful_count: i64,
    pub helpful_by_me: bool,
    pub mine: bool,
    pub hidden: bool,
    pub hidden_reason: String,
    pub reply: String,
    pub reply_date: String,
}

fn stars_text(n: i32) -> String {
    let n = usize::try_from(n.clamp(0, 5)).unwrap_or(0);
    format!("{}{}", "★".repeat(n), "☆".repeat(5 - n))
}

pub fn item_of(v: &ReviewView) -> ReviewItem {
    let r = &v.review;
    ReviewItem {
        id: r.id,
        product_id: r.product_id,
        product_title: r.product_title.clone(),
        rating: r.rating,
        stars: stars_text(r.rating),
        title: r.title.clone(),
        body: r.body.clone(),
        fit_note: r.fit_note.clone(),
        variant_title: r.variant_title.clone(),
        author: r.author_username.clone(),
        author_name: if r.author_display_name.is_empty() {
            r.author_username.clone()
        } else {
            r.author_display_name.clone()
        },
        date: Timestamp::from_micros(r.created_at).date_string(),
        photos: v
            .photos
            .iter()
            .map(|p| {
                let w = u32::try_from(p.width).unwrap_or(0);
                PhotoItem {
                    thumb: image_url(&p.media_key, w, 320),
                    full: image_url(&p.media_key, w, 1080),
                    alt: p.alt_text.clone(),
                }
            })
            .collect(),
        helpful_count: r.helpful_count,
        helpful_by_me: v.helpful_by_me,
        mine: v.mine,
        hidden: v.hidden(),
        hidden_reason: r.hidden_reason.clone().unwrap_or_default(),
        reply: r.reply_body.clone().unwrap_or_default(),
        reply_date: r
            .reply_at
            .map(|t| Timestamp::from_micros(t).date_string())
            .unwrap_or_default(),
    }
}

/// One bar of the distribution chart.
pub struct Bar {
    pub stars: i64,
    pub count: i64,
    /// Bar length in SVG units (0–200).
    pub width: i64,
    pub y: i64,
    pub href: String,
}

/// A filter or sort link.
pub struct FilterLink {
    pub label: String,
    pub href: String,
    pub on: bool,
}

/// Everything the product page's reviews section shows.
pub struct ReviewSection {
    pub product_id: i64,
    pub count: i64,
    pub average: String,
    pub stars: String,
    pub bars: Vec<Bar>,
    pub filters: Vec<FilterLink>,
    pub sorts: Vec<FilterLink>,
    pub items: Vec<ReviewItem>,
    pub more_href: String,
    /// The viewer has a delivered, not yet reviewed line of this product.
    pub can_write: bool,
    /// The viewer is staff of the product's shop (reply forms link to the shop's review page).
    pub staff_handle: String,
    pub filtered: bool,
}

#[derive(Deserialize, Default)]
struct SectionQuery {
    stars: Option<String>,
    photos: Option<String>,
    sort: Option<String>,
    cursor: Option<String>,
}

fn section_href(product_id: i64, stars: i64, photos: bool, sort: &str, cursor: &str) -> String {
    let mut q: Vec<String> = Vec::new();
    if stars > 0 {
        q.push(format!("stars={stars}"));
    }
    if photos {
        q.push("photos=1".into());
    }
    if sort == "helpful" {
        q.push("sort=helpful".into());
    }
    if !cursor.is_empty() {
        q.push(format!("cursor={}", super::query_value(cursor)));
    }
    if q.is_empty() {
        format!("/products/{product_id}#reviews")
    } else {
        format!("/products/{product_id}?{}#reviews", q.join("&"))
    }
}

/// Builds the product page's reviews section from the filters in the page's own query string. Failing
/// to load reviews must not break the product page, so errors leave the section empty.
pub async fn section(
    state: &AppState,
    ctx: &RequestCtx,
    ui: &Ui,
    p: &ProductView,
) -> ReviewSection {
    let query = ctx.path.split_once('?').map(|(_, q)| q).unwrap_or("");
    let q: SectionQuery = serde_urlencoded::from_str(query).unwrap_or_default();
    let stars = q
        .stars
        .as_deref()
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|s| (1..=5).contains(s))
        .unwrap_or(0);
    let photos = q.photos.as_deref().is_some_and(|s| s == "1" || s == "true");
    let sort = if q.sort.as_deref() == Some("helpful") {
        "helpful"
    } else {
        "newest"
    };
    let viewer = ctx.viewer.as_ref();
    let id = p.product.id;
    let page = state
        .services
        .reviews
        .list_of(
            viewer,
            p,
            &ReviewQuery {
                stars: Some(stars),
                with_photos: photos,
                sort: Some(sort.into()),
                cursor: q.cursor.clone(),
                limit: Some(10),
            },
        )
        .await;
    let page = match page {
        Ok(p) => p,
        Err(e) => {
            if !matches!(e, souk_service::ServiceError::Validation(_)) {
                tracing::warn!(error = %e, "could not load reviews");
            }
            souk_service::social::Page {
                items: Vec::new(),
                next_cursor: None,
            }
        }
    };
    let can_write = match viewer {
        Some(v) => state
            .services
            .reviews
            .reviewable_lines(v, id, 0)
            .await
            .map(|lines| lines.iter().any(|l| l.review_id.is_none()))
            .unwrap_or(false),
        None => false,
    };
    let r: &RatingSummary = &p.rating;
    let max = r.stars.iter().copied().max().unwrap_or(0).max(1);
    let bars = (1..=5i64)
        .rev()
        .enumerate()
        .map(|(i, s)| {
            let count = r.stars.get((s - 1) as usize).copied().unwrap_or(0);
            Bar {
                stars: s,
                count,
                width: count * 200 / max,
                y: i as i64 * 22,
                href: section_href(id, s, photos, sort, ""),
            }
        })
        .collect();
    let mut filters = vec![FilterLink {
        label: ui.t("review.filter_all").into_owned(),
        href: section_href(id, 0, false, sort, ""),
        on: stars == 0 && !photos,
    }];
    for s in (1..=5i64).rev() {
        filters.push(FilterLink {
            label: format!("{s}★"),
            href: section_href(id, s, photos, sort, ""),
            on: stars == s,
        });
    }
    filters.push(FilterLink {
        label: ui.t("review.filter_photos").into_owned(),
        href: section_href(id, stars, !photos, sort, ""),
        on: photos,
    });
    let sorts = ["newest", "helpful"]
        .iter()
        .map(|s| FilterLink {
            label: ui.t(&format!("review.sort_{s}")).into_owned(),
            href: section_href(id, stars, photos, s, ""),
            on: *s == sort,
        })
        .collect();
    ReviewSection {
        product_id: id,
        count: r.count,
        average: format!("{:.1}", r.average()),
        stars: stars_text(i32::try_from((r.average()).round() as i64).unwrap_or(0)),
        bars,
        filters,
        sorts,
        items: page.items.iter().map(item_of).collect(),
        more_href: page
            .next_cursor
            .map(|c| section_href(id, stars, photos, sort, &c))
            .unwrap_or_default(),
        can_write,
        staff_handle: if p.can_edit {
            p.shop.handle.clone()
        } else {
            String::new()
        },
        filtered: stars != 0 || photos,
    }
}

// ---- writing a review ------------------------------------------------------------------------------

pub struct LineOption {
    pub id: i64,
    pub label: String,
}

#[derive(Template)]
#[template(path = "review_new.html")]
struct NewPage {
    ui: Ui,
    product_id: i64,
    product_title: String,
    lines: Vec<LineOption>,
    line: i64,
    rating: i64,
    title: String,
    body: String,
    fit_note: String,
    errors: FormErrors,
}

impl NewPage {
    /// (value, stars drawn, checked) for the rating radios, five stars first.
    fn star_choices(&self) -> Vec<(i64, String, bool)> {
        (1..=5i64)
            .rev()
            .map(|n| (n, stars_text(n as i32), n == self.rating))
            .collect()
    }
}

#[derive(Deserialize, Default)]
pub struct LineQuery {
    line: Option<i64>,
}

async fn open_lines(
    state: &AppState,
    viewer: &souk_service::Viewer,
    product_id: i64,
) -> Result<Vec<LineOption>, AppError> {
    let lines = state
        .services
        .reviews
        .reviewable_lines(viewer, product_id, 0)
        .await?;
    Ok(lines
        .into_iter()
        .filter(|l| l.review_id.is_none())
        .map(|l| LineOption {
            id: l.line_id,
            label: if l.variant_title.is_empty() {
                format!("#{} · {}", l.order_id, l.title)
            } else {
                format!("#{} · {} · {}", l.order_id, l.title, l.variant_title)
            },
        })
        .collect())
}

async fn new_page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    Query(q): Query<LineQuery>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let product = state.services.catalog.product(Some(&viewer), id).await?;
    let lines = open_lines(&state, &viewer, id).await?;
    if lines.is_empty() {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "not_a_buyer",
            "Only a buyer whose order of this product was delivered can review it.",
        ));
    }
    let ui = Ui::load(&state, &ctx).await;
    let line = q
        .line
        .filter(|l| lines.iter().any(|o| o.id == *l))
        .or_else(|| lines.first().map(|l| l.id))
        .unwrap_or(0);
    Ok(render(
        StatusCode::OK,
        &NewPage {
            ui,
            product_id: id,
            product_title: product.product.title,
            lines,
            line,
            rating: 0,
            title: String::new(),
            body: String::new(),
            fit_note: String::new(),
            errors: FormErrors::default(),
        },
    ))
}

async fn new_submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    _: crate::extract::SameSite,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let form = read_review_form(mp).await?;
    if !csrf_matches(&ctx.csrf_token, &form.csrf_token) {
        return Err(AppError::csrf());
    }
    let kept: ReviewInput = form.input.clone();
    let result = state
        .services
        .reviews
        .create(&viewer, id, form.input, form.uploads)
        .await
        .map_err(AppError::from);
    match result {
        Ok(r) => {
            Ok(Redirect::to(&format!("/products/{id}#review-{}", r.review.id)).into_response())
        }
        Err(err) if err.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let product = state.services.catalog.product(Some(&viewer), id).await?;
            let lines = open_lines(&state, &viewer, id).await?;
            let ui = Ui::load(&state, &ctx).await;
            let page = NewPage {
                errors: FormErrors::from_app_error(&ui, &err),
                ui,
                product_id: id,
                product_title: product.product.title,
                line: kept.order_line_id.unwrap_or(0),
                lines,
                rating: kept.rating,
                title: kept.title,
                body: kept.body,
                fit_note: kept.fit_note,
            };
            Ok(render_form_error(&err, &page))
        }
        Err(err) => Err(err),
    }
}

// ---- an order's items to review --------------------------------------------------------------------

pub struct OrderLineRow {
    pub line_id: i64,
    pub product_id: i64,
    pub title: String,
    pub variant_title: String,
    pub review_id: i64,
}

#[derive(Template)]
#[template(path = "review_order.html")]
struct OrderLinesPage {
    ui: Ui,
    order_id: i64,
    rows: Vec<OrderLineRow>,
}

async fn order_lines(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    // Only the buyer's own delivered orders have lines here; anything else is 404.
    let lines = state
        .services
        .reviews
        .reviewable_lines(&viewer, 0, id)
        .await?;
    if lines.is_empty() {
        return Err(AppError::not_found());
    }
    let ui = Ui::load(&state, &ctx).await;
    Ok(render(
        StatusCode::OK,
        &OrderLinesPage {
            ui,
            order_id: id,
            rows: lines
                .into_iter()
                .map(|l| OrderLineRow {
                    line_id: l.line_id,
                    product_id: l.product_id,
                    title: l.title,
                    variant_title: l.variant_title,
                    review_id: l.review_id.unwrap_or(0),
                })
                .collect(),
        },
    ))
}

// ---- helpful, reply, delete, decisions --------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct NextForm {
    #[serde(default)]
    next: Option<String>,
}

/// Toggles the viewer's helpful vote.
async fn helpful(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<NextForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let current = state.services.reviews.get(Some(&viewer), id).await?;
    state
        .services
        .reviews
        .set_helpful(&viewer, id, !current.helpful_by_me)
        .await?;
    Ok(back_to(
        form.next.as_deref(),
        &format!("/products/{}#review-{id}", current.review.product_id),
    ))
}

#[derive(Deserialize, Default)]
pub struct ReplyForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    next: Option<String>,
}

async fn reply(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ReplyForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let r = state
        .services
        .reviews
        .reply(&viewer, id, &form.body)
        .await?;
    Ok(back_to(
        form.next.as_deref(),
        &format!("/products/{}#review-{id}", r.review.product_id),
    ))
}

async fn delete(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    CsrfForm(_form): CsrfForm<NextForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let r = state.services.reviews.get(Some(&viewer), id).await?;
    state.services.reviews.delete(&viewer, id).await?;
    Ok(Redirect::to(&format!("/products/{}#reviews", r.review.product_id)).into_response())
}

#[derive(Deserialize, Default)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    next: Option<String>,
}

async fn decide(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((id, rid)): Path<(i64, i64)>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let decision = Decision::parse(&form.decision)?;
    let r = state
        .services
        .reviews
        .decide(&viewer, id, rid, decision, &form.reason, &form.note)
        .await?;
    Ok(back_to(
        form.next.as_deref(),
        &format!("/s/{}/reviews", r.review.shop_handle),
    ))
}

// ---- reporting -------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "review_report.html")]
struct ReportPage {
    ui: Ui,
    review: ReviewItem,
    reason: String,
    note: String,
    sent: bool,
    errors: FormErrors,
}

impl ReportPage {
    fn reasons(&self) -> [&'static str; 5] {
        MODERATION_REASONS
    }
}

async fn report_page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let r = state.services.reviews.get(Some(&viewer), id).await?;
    let ui = Ui::load(&state, &ctx).await;
    Ok(render(
        StatusCode::OK,
        &ReportPage {
            ui,
            review: item_of(&r),
            reason: String::new(),
            note: String::new(),
            sent: false,
            errors: FormErrors::default(),
        },
    ))
}

#[derive(Deserialize, Default)]
pub struct ReportForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
}

async fn report_submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ReportForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let r = state.services.reviews.get(Some(&viewer), id).await?;
    let result = state
        .services
        .reviews
        .report(&viewer, id, &form.reason, &form.note)
        .await
        .map_err(AppError::from);
    let ui = Ui::load(&state, &ctx).await;
    match result {
        Ok(_) => Ok(render(
            StatusCode::OK,
            &ReportPage {
                ui,
                review: item_of(&r),
                reason: form.reason,
                note: String::new(),
                sent: true,
                errors: FormErrors::default(),
            },
        )),
        Err(err) if err.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let page = ReportPage {
                errors: FormErrors::from_app_error(&ui, &err),
                ui,
                review: item_of(&r),
                reason: form.reason,
                note: form.note,
                sent: false,
            };
            Ok(render_form_error(&err, &page))
        }
        Err(err) => Err(err),
    }
}

// ---- the shop's reviews ----------------------------------------------------------------------------

/// An open report with the review it is about.
pub struct ReportRow {
    pub id: i64,
    pub review_id: i64,
    pub reporter: String,
    pub reason: String,
    pub note: String,
    pub date: String,
    pub review: Option<ReviewItem>,
    pub shop: String,
}

#[derive(Template)]
#[template(path = "review_shop.html")]
struct ShopPage {
    ui: Ui,
    handle: String,
    reviews: Vec<ReviewItem>,
    reports: Vec<ReportRow>,
    more_href: String,
}

impl ShopPage {
    fn reasons(&self) -> [&'static str; 5] {
        MODERATION_REASONS
    }
}

#[derive(Deserialize, Default)]
pub struct CursorQuery {
    cursor: Option<String>,
}

async fn shop_page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    Query(q): Query<CursorQuery>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let r = state
        .services
        .reviews
        .shop_reviews(&viewer, &handle, q.cursor.as_deref())
        .await?;
    let items: Vec<ReviewItem> = r.reviews.items.iter().map(item_of).collect();
    let mut reports = Vec::with_capacity(r.open_reports.len());
    for rep in &r.open_reports {
        let review = match items.iter().find(|i| i.id == rep.review_id) {
            Some(_) => None,
            None => state
                .services
                .reviews
                .get(Some(&viewer), rep.review_id)
                .await
                .ok()
                .map(|v| item_of(&v)),
        };
        reports.push(ReportRow {
            id: rep.id,
            review_id: rep.review_id,
            reporter: rep.reporter_username.clone(),
            reason: rep.reason.clone(),
            note: rep.note.clone(),
            date: Timestamp::from_micros(rep.created_at).date_string(),
            review,
            shop: r.handle.clone(),
        });
    }
    let ui = Ui::load(&state, &ctx).await;
    Ok(render(
        StatusCode::OK,
        &ShopPage {
            ui,
            more_href: r
                .reviews
                .next_cursor
                .map(|c| format!("/s/{}/reviews?cursor={c}", r.handle))
                .unwrap_or_default(),
            handle: r.handle,
            reviews: items,
            reports,
        },
    ))
}

// ---- the operator's log ----------------------------------------------------------------------------

pub struct AuditRow {
    pub review_id: i64,
    pub product_id: i64,
    pub shop: String,
    pub actor: String,
    pub action: String,
    pub reason: String,
    pub note: String,
    pub report_id: i64,
    pub date: String,
}

#[derive(Template)]
#[template(path = "review_admin.html")]
struct AdminPage {
    ui: Ui,
    audit: Vec<AuditRow>,
    reports: Vec<ReportRow>,
    more_href: String,
}

impl AdminPage {
    fn reasons(&self) -> [&'static str; 5] {
        MODERATION_REASONS
    }
}

async fn admin_page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Query(q): Query<CursorQuery>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let page = state
        .services
        .reviews
        .audit(&viewer, q.cursor.as_deref(), Some(100))
        .await?;
    let open = state.services.reviews.open_reports_all(&viewer).await?;
    let ui = Ui::load(&state, &ctx).await;
    let audit = page
        .items
        .iter()
        .map(|a| AuditRow {
            review_id: a.review_id,
            product_id: a.product_id,
            shop: a.shop_handle.clone().unwrap_or_default(),
            actor: a.actor_username.clone().unwrap_or_default(),
            action: a.action.clone(),
            reason: a.reason.clone(),
            note: a.note.clone(),
            report_id: a.report_id.unwrap_or(0),
            date: Timestamp::from_micros(a.created_at).to_rfc3339(),
        })
        .collect();
    let reports = open
        .iter()
        .map(|(rep, v)| ReportRow {
            id: rep.id,
            review_id: rep.review_id,
            reporter: rep.reporter_username.clone(),
            reason: rep.reason.clone(),
            note: rep.note.clone(),
            date: Timestamp::from_micros(rep.created_at).date_string(),
            shop: v.review.shop_handle.clone(),
            review: Some(item_of(v)),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &AdminPage {
            ui,
            audit,
            reports,
            more_href: page
                .next_cursor
                .map(|c| format!("/admin/reviews?cursor={c}"))
                .unwrap_or_default(),
        },
    ))
}
