//! Customer photo pages: the product page's "Customer photos" strip, the shop home's "Featured by
//! customers" section, the request-to-feature form reached from a post, the author's `/me/features`
//! (approve, decline, withdraw) and the shop's `/s/{handle}/ugc` list. Every form works without JavaScript.

use super::{FormErrors, Ui, back_to, login_redirect, render, render_form_error};
use crate::api::ugc::gallery_link;
use crate::api::views::image_url;
use crate::context::RequestCtx;
use crate::error::AppError;
use crate::extract::CsrfForm;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use souk_domain::Timestamp;
use souk_service::catalog::ProductView;
use souk_service::ugc::{Decision, FeatureView, MESSAGE_MAX, RequestOption};
use souk_store::ugc::{FeatureRecord, Source};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/p/{id}/feature", get(request_page).post(request_submit))
        .route("/me/features", get(mine_page))
        .route("/me/features/{id}/{decision}", post(decide))
        .route("/s/{handle}/ugc", get(shop_page))
}

fn name_or_username(display: &str, username: &str) -> String {
    if display.is_empty() {
        username.to_owned()
    } else {
        display.to_owned()
    }
}

// ---- the product page's strip ----------------------------------------------------------------------

pub struct GalleryTile {
    pub href: String,
    pub thumb: String,
    pub alt: String,
    pub author: String,
    pub from_review: bool,
    pub featured: bool,
}

/// The "Customer photos" section of a product page.
#[derive(Default)]
pub struct GallerySection {
    pub tiles: Vec<GalleryTile>,
}

/// The first photos of the product's gallery. A failure to load them must not break the product page, so
/// errors leave the section empty (and the template then hides it).
pub async fn gallery_section(
    state: &AppState,
    ctx: &RequestCtx,
    p: &ProductView,
) -> GallerySection {
    let id = p.product.id;
    match state
        .services
        .ugc
        .gallery_of(ctx.viewer.as_ref(), p, None, Some(12))
        .await
    {
        Ok(page) => GallerySection {
            tiles: page
                .items
                .iter()
                .map(|g| GalleryTile {
                    href: gallery_link(id, g),
                    thumb: image_url(&g.media_key, u32::try_from(g.width).unwrap_or(0), 320),
                    alt: if g.alt_text.is_empty() {
                        name_or_username(&g.author_display_name, &g.author_username)
                    } else {
                        g.alt_text.clone()
                    },
                    author: g.author_username.clone(),
                    from_review: g.source == Source::Review,
                    featured: g.featured,
                })
                .collect(),
        },
        Err(e) => {
            tracing::warn!(error = %e, product = id, "could not load customer photos");
            GallerySection::default()
        }
    }
}

// ---- the shop home's section -----------------------------------------------------------------------

pub struct FeaturedTile {
    pub post_id: i64,
    pub thumb: String,
    pub alt: String,
    pub author_name: String,
    pub shoppable: bool,
}

fn featured_tile(f: &FeatureRecord) -> Option<FeaturedTile> {
    let (key, w, _, alt) = f.image.as_ref()?;
    Some(FeaturedTile {
        post_id: f.post_id,
        thumb: image_url(key, u32::try_from(*w).unwrap_or(0), 640),
        alt: if alt.is_empty() {
            f.caption.chars().take(120).collect()
        } else {
            alt.clone()
        },
        author_name: name_or_username(&f.author_display_name, &f.author_username),
        shoppable: f.tag_count > 0,
    })
}

/// The shop home's "Featured by customers" section.
#[derive(Default)]
pub struct FeaturedSection {
    pub tiles: Vec<FeaturedTile>,
}

/// Posts the shop features with their authors' consent (approved only, so a withdrawal shows at once).
/// Errors leave the section empty rather than break the shop home.
pub async fn featured_section(state: &AppState, ctx: &RequestCtx, handle: &str) -> FeaturedSection {
    match state
        .services
        .ugc
        .featured(ctx.viewer.as_ref(), handle, None, Some(12))
        .await
    {
        Ok(page) => FeaturedSection {
            tiles: page.items.iter().filter_map(featured_tile).collect(),
        },
        Err(e) => {
            tracing::warn!(error = %e, shop = handle, "could not load featured posts");
            FeaturedSection::default()
        }
    }
}

// ---- the post page's link --------------------------------------------------------------------------

/// Where the post page's "Request to feature" link goes; empty hides it (not shop staff, the viewer's own
/// post, or nothing any of the viewer's shops may ask for now).
#[derive(Default)]
pub struct RequestLink {
    pub href: String,
}

pub async fn request_link(state: &AppState, ctx: &RequestCtx, post_id: i64) -> RequestLink {
    let Some(v) = ctx.viewer.as_ref() else {
        return RequestLink::default();
    };
    match state.services.ugc.request_options(v, post_id).await {
        Ok(opts) if opts.iter().any(|o| o.can_request) => RequestLink {
            href: format!("/p/{post_id}/feature"),
        },
        Ok(_) => RequestLink::default(),
        Err(e) => {
            tracing::warn!(error = %e, post = post_id, "could not check feature requests");
            RequestLink::default()
        }
    }
}

// ---- asking to feature a post ----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "ugc_request.html")]
struct RequestPage {
    ui: Ui,
    post_id: i64,
    author: String,
    thumb: String,
    options: Vec<RequestOption>,
    shop: String,
    message: String,
    max: usize,
    errors: FormErrors,
}

async fn request_page_data(
    state: &AppState,
    ctx: &RequestCtx,
    viewer: &souk_service::Viewer,
    post_id: i64,
) -> Result<(Ui, String, String, Vec<RequestOption>), AppError> {
    let options = state.services.ugc.request_options(viewer, post_id).await?;
    if options.is_empty() {
        return Err(AppError::not_found());
    }
    let post = state.services.social.post(Some(viewer), post_id).await?;
    let thumb = post
        .images
        .first()
        .map(|i| image_url(&i.media_key, u32::try_from(i.width).unwrap_or(0), 640))
        .unwrap_or_default();
    let ui = Ui::load(state, ctx).await;
    Ok((ui, post.post.author_username, thumb, options))
}

async fn request_page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let (ui, author, thumb, options) = request_page_data(&state, &ctx, &viewer, id).await?;
    let shop = options
        .iter()
        .find(|o| o.can_request)
        .map(|o| o.handle.clone())
        .unwrap_or_default();
    Ok(render(
        StatusCode::OK,
        &RequestPage {
            ui,
            post_id: id,
            author,
            thumb,
            options,
            shop,
            message: String::new(),
            max: MESSAGE_MAX,
            errors: FormErrors::default(),
        },
    ))
}

#[derive(Deserialize, Default)]
pub struct RequestForm {
    #[serde(default)]
    shop: String,
    #[serde(default)]
    message: String,
}

async fn request_submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<RequestForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let result = state
        .services
        .ugc
        .request(&viewer, &form.shop, id, &form.message)
        .await
        .map_err(AppError::from);
    match result {
        Ok(f) => Ok(Redirect::to(&format!("/s/{}/ugc", f.feature.shop_handle)).into_response()),
        Err(err)
            if err.status == StatusCode::UNPROCESSABLE_ENTITY
                || err.status == StatusCode::CONFLICT =>
        {
            let (ui, author, thumb, options) = request_page_data(&state, &ctx, &viewer, id).await?;
            let page = RequestPage {
                errors: FormErrors::from_app_error(&ui, &err),
                ui,
                post_id: id,
                author,
                thumb,
                options,
                shop: form.shop,
                message: form.message,
                max: MESSAGE_MAX,
            };
            Ok(render_form_error(&err, &page))
        }
        Err(err) => Err(err),
    }
}

// ---- the lists -------------------------------------------------------------------------------------

pub struct HistoryRow {
    pub action: String,
    pub actor: String,
    pub date: String,
}

/// A feature request as the author's and the shop's lists show it.
pub struct FeatureRow {
    pub id: i64,
    pub post_id: i64,
    pub shop: String,
    pub shop_name: String,
    pub author: String,
    pub requester: String,
    pub status: String,
    pub message: String,
    pub requested: String,
    pub decided: String,
    pub withdrawn: String,
    pub thumb: String,
    pub alt: String,
    pub shoppable: bool,
    pub history: Vec<HistoryRow>,
}

fn date(t: Option<i64>) -> String {
    t.map(|t| Timestamp::from_micros(t).date_string())
        .unwrap_or_default()
}

fn row_of(v: &FeatureView) -> FeatureRow {
    let f = &v.feature;
    let (thumb, alt) = match (&f.image, f.post_visible) {
        (Some((key, w, _, alt)), true) => (
            image_url(key, u32::try_from(*w).unwrap_or(0), 320),
            alt.clone(),
        ),
        _ => (String::new(), String::new()),
    };
    FeatureRow {
        id: f.id,
        post_id: f.post_id,
        shop: f.shop_handle.clone(),
        shop_name: f.shop_name.clone(),
        author: f.author_username.clone(),
        requester: f.requester_username.clone(),
        status: f.status.clone(),
        message: f.message.clone(),
        requested: date(Some(f.requested_at)),
        decided: date(f.decided_at),
        withdrawn: date(f.withdrawn_at),
        thumb,
        alt,
        shoppable: f.tag_count > 0,
        history: v
            .history
            .iter()
            .map(|e| HistoryRow {
                action: e.action.clone(),
                actor: e.actor_username.clone().unwrap_or_default(),
                date: date(Some(e.created_at)),
            })
            .collect(),
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    status: Option<String>,
    cursor: Option<String>,
}

fn more_href(base: &str, status: Option<&str>, cursor: Option<String>) -> String {
    match (cursor, status.filter(|s| !s.is_empty())) {
        (Some(c), Some(s)) => format!("{base}?status={}&cursor={c}", super::query_value(s)),
        (Some(c), None) => format!("{base}?cursor={c}"),
        (None, _) => String::new(),
    }
}

#[derive(Template)]
#[template(path = "ugc_mine.html")]
struct MinePage {
    ui: Ui,
    rows: Vec<FeatureRow>,
    more_href: String,
}

async fn mine_page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let page = state
        .services
        .ugc
        .mine(&viewer, q.status.as_deref(), q.cursor.as_deref(), Some(20))
        .await?;
    let ui = Ui::load(&state, &ctx).await;
    Ok(render(
        StatusCode::OK,
        &MinePage {
            ui,
            rows: page.items.iter().map(row_of).collect(),
            more_href: more_href("/me/features", q.status.as_deref(), page.next_cursor),
        },
    ))
}

#[derive(Deserialize, Default)]
pub struct NextForm {
    #[serde(default)]
    next: Option<String>,
}

async fn decide(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((id, decision)): Path<(i64, String)>,
    CsrfForm(form): CsrfForm<NextForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let decision = Decision::parse(&decision).map_err(|_| AppError::not_found())?;
    state.services.ugc.decide(&viewer, id, decision).await?;
    Ok(back_to(
        form.next.as_deref(),
        &format!("/me/features#feature-{id}"),
    ))
}

#[derive(Template)]
#[template(path = "ugc_shop.html")]
struct ShopPage {
    ui: Ui,
    handle: String,
    name: String,
    featured: Vec<FeaturedTile>,
    rows: Vec<FeatureRow>,
    more_href: String,
}

async fn shop_page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let r = state
        .services
        .ugc
        .shop_list(
            &viewer,
            &handle,
            q.status.as_deref(),
            q.cursor.as_deref(),
            Some(50),
        )
        .await?;
    let rows: Vec<FeatureRow> = r.features.items.iter().map(row_of).collect();
    // What the public sees featured right now, whatever page of the request list this is.
    let featured = state
        .services
        .ugc
        .featured(Some(&viewer), &r.handle, None, Some(50))
        .await?
        .items
        .iter()
        .filter_map(featured_tile)
        .collect();
    let ui = Ui::load(&state, &ctx).await;
    Ok(render(
        StatusCode::OK,
        &ShopPage {
            ui,
            more_href: more_href(
                &format!("/s/{}/ugc", r.handle),
                q.status.as_deref(),
                r.features.next_cursor,
            ),
            handle: r.handle,
            name: r.name,
            featured,
            rows,
        },
    ))
}
