//! Shoppable posts in pages: the product sheet a tag opens over the feed (a fragment for the script, a
//! full page without it), the tag editor for a post's author, "As seen in" for a product, and the
//! creator allow-list a shop keeps.

use super::feed::{PostCard, cards, more_href};
use super::products::{
    OptionAxis, VariantQuery, choose_variant, max_quantity, option_axes, stock_text,
};
use super::{FormErrors, Origin, PageParams, Ui, login_redirect, render};
use crate::api::views::image_url;
use crate::context::RequestCtx;
use crate::error::AppError;
use crate::extract::CsrfForm;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use souk_service::catalog::VariantView;
use souk_service::tags::{MAX_TAGS_PER_IMAGE, MAX_TAGS_PER_POST, TagInput, TagSheet};

/// The request asks for the sheet's inner HTML only (the feed's script sets it).
fn wants_fragment(headers: &HeaderMap) -> bool {
    headers
        .get("x-souk-fragment")
        .is_some_and(|v| v.as_bytes() == b"1")
}

pub struct SheetPhoto {
    pub src: String,
    pub alt: String,
}

/// What the product sheet shows, shared by the fragment and the full page.
pub struct SheetBody {
    pub tag_id: i64,
    pub product_id: i64,
    pub title: String,
    pub shop: String,
    pub shop_name: String,
    pub photos: Vec<SheetPhoto>,
    pub price: String,
    pub compare_at: String,
    pub rating: String,
    pub rating_count: i64,
    /// Whole stars to draw filled (0–5).
    pub stars: i64,
    pub axes: Vec<OptionAxis>,
    pub selected: VariantView,
    pub stock_text: String,
    pub max_quantity: i64,
    pub mode: &'static str,
    pub post_id: i64,
}

impl SheetBody {
    fn new(ui: &Ui, s: &TagSheet, q: &VariantQuery) -> Option<Self> {
        let p = &s.product;
        let mut q2 = VariantQuery {
            o1: q.o1.clone(),
            o2: q.o2.clone(),
            o3: q.o3.clone(),
            variant: q.variant,
        };
        if q2.variant.is_none() && q2.o1.is_none() {
            q2.variant = s.tag.variant_id;
        }
        let selected = choose_variant(p, &q2)?;
        let avg = p.rating.average();
        Some(Self {
            tag_id: s.tag.id,
            product_id: p.product.id,
            title: p.product.title.clone(),
            shop: p.shop.handle.clone(),
            shop_name: p.shop.name.clone(),
            photos: p
                .images
                .iter()
                .take(4)
                .map(|i| SheetPhoto {
                    src: image_url(&i.media_key, u32::try_from(i.width).unwrap_or(0), 640),
                    alt: if i.alt_text.is_empty() {
                        p.product.title.clone()
                    } else {
                        i.alt_text.clone()
                    },
                })
                .collect(),
            price: selected.price.format(ui.locale),
            compare_at: selected
                .compare_at
                .map(|m| m.format(ui.locale))
                .unwrap_or_default(),
            rating: format!("{avg:.1}"),
            rating_count: p.rating.count,
            // Rounded to the nearest whole star for the picture; the number beside it is exact.
            stars: (avg.round() as i64).clamp(0, 5),
            axes: option_axes(p, &selected),
            stock_text: stock_text(ui, &selected),
            max_quantity: max_quantity(&selected),
            mode: p.checkout_mode.as_str(),
            post_id: s.tag.post_id,
            selected,
        })
    }
}

#[derive(Template)]
#[template(path = "tag_sheet.html")]
struct SheetFragment {
    ui: Ui,
    s: SheetBody,
    page: bool,
}

#[derive(Template)]
#[template(path = "tag_sheet_page.html")]
struct SheetPage {
    ui: Ui,
    s: SheetBody,
    page: bool,
}

/// The product sheet for a tag. The feed's script loads it into a dialog (`X-Souk-Fragment: 1`);
/// opened directly it is a normal page. Changing a size or colour reloads it with `o1`…`o3`.
async fn sheet(
    State(state): State<AppState>,
    ctx: RequestCtx,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<VariantQuery>,
) -> Result<Response, AppError> {
    let data = state.services.tags.sheet(ctx.viewer.as_ref(), id).await?;
    let ui = Ui::load(&state, &ctx).await;
    let body = SheetBody::new(&ui, &data, &q).ok_or_else(AppError::not_found)?;
    if wants_fragment(&headers) {
        Ok(render(
            StatusCode::OK,
            &SheetFragment {
                ui,
                s: body,
                page: false,
            },
        ))
    } else {
        Ok(render(
            StatusCode::OK,
            &SheetPage {
                ui,
                s: body,
                page: true,
            },
        ))
    }
}

// ---- "As seen in" ----------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "seen_in.html")]
struct SeenInPage {
    ui: Ui,
    product_id: i64,
    title: String,
    posts: Vec<PostCard>,
    more: Option<String>,
}

async fn seen_in(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Origin(origin): Origin,
    Path(id): Path<i64>,
    Query(q): Query<PageParams>,
) -> Result<Response, AppError> {
    let viewer = ctx.viewer.as_ref();
    let product = state.services.catalog.product(viewer, id).await?;
    let page = state
        .services
        .social
        .posts_tagging(viewer, id, q.cursor(), Some(30))
        .await?;
    let ui = Ui::load(&state, &ctx).await;
    Ok(render(
        StatusCode::OK,
        &SeenInPage {
            posts: cards(&ui, &page, &origin),
            more: more_href(
                &format!("/products/{id}/posts"),
                page.next_cursor.as_deref(),
                None,
            ),
            product_id: id,
            title: product.product.title,
            ui,
        },
    ))
}

// ---- the tag editor ----------------------------------------------------------------------------------

pub struct EditorImage {
    pub index: i32,
    pub src: String,
    pub width: i32,
    pub height: i32,
    pub alt: String,
    pub tags: Vec<EditorTag>,
}

pub struct EditorTag {
    pub id: i64,
    /// A featuring shop removes only its own products' tags.
    pub removable: bool,
    pub left: i32,
    pub top: i32,
    pub title: String,
    pub price: String,
    pub shop_name: String,
}

pub struct Choice {
    pub product_id: i64,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "tag_editor.html")]
struct EditorPage {
    ui: Ui,
    post_id: i64,
    images: Vec<EditorImage>,
    choices: Vec<Choice>,
    total: usize,
    max_post: i64,
    max_image: i64,
    errors: FormErrors,
    form: TagForm,
    query: String,
}

#[derive(Deserialize, Default)]
pub struct TagForm {
    #[serde(default)]
    image: i32,
    /// Percent of the width and height (0–100); the script fills them from a tap on the photo.
    #[serde(default)]
    x: String,
    #[serde(default)]
    y: String,
    #[serde(default)]
    product_id: Option<i64>,
}

#[derive(Deserialize, Default)]
pub struct EditorQuery {
    #[serde(default)]
    q: String,
}

async fn editor_page(
    state: &AppState,
    ctx: &RequestCtx,
    id: i64,
    query: &str,
    errors: FormErrors,
    form: TagForm,
    status: StatusCode,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(ctx));
    };
    let post = state.services.social.post(Some(&viewer), id).await?;
    // The author edits every tag; a shop featuring the post only its own products' tags.
    let shop = state.services.tags.editor_of(&viewer, id).await?;
    let choices: Vec<_> = state
        .services
        .tags
        .taggable(&viewer, query)
        .await?
        .into_iter()
        .filter(|c| shop.is_none_or(|s| c.shop_id == s))
        .collect();
    let ui = Ui::load(state, ctx).await;
    let images = post
        .images
        .iter()
        .map(|i| EditorImage {
            index: i.position,
            src: image_url(&i.media_key, u32::try_from(i.width).unwrap_or(0), 640),
            width: i.width,
            height: i.height,
            alt: i.alt_text.clone(),
            tags: post
                .tags
                .iter()
                .filter(|t| t.image_position == i.position)
                .map(|t| EditorTag {
                    removable: shop.is_none_or(|s| {
                        t.shop_id == s && t.placed_by.is_some_and(|by| by != post.post.author_id)
                    }),
                    id: t.id,
                    left: super::feed::percent(t.x_bp),
                    top: super::feed::percent(t.y_bp),
                    title: t.title.clone(),
                    price: t.price().map(|m| m.format(ui.locale)).unwrap_or_default(),
                    shop_name: t.shop_name.clone(),
                })
                .collect(),
        })
        .collect();
    let choices = choices
        .into_iter()
        .map(|c| Choice {
            selected: form.product_id == Some(c.product_id),
            label: format!(
                "{} · {} ({})",
                c.title,
                c.price().map(|m| m.format(ui.locale)).unwrap_or_default(),
                c.shop_name
            ),
            product_id: c.product_id,
        })
        .collect();
    Ok(render(
        status,
        &EditorPage {
            post_id: id,
            total: post.tags.len(),
            images,
            choices,
            max_post: MAX_TAGS_PER_POST,
            max_image: MAX_TAGS_PER_IMAGE,
            errors,
            form,
            query: query.to_owned(),
            ui,
        },
    ))
}

async fn editor(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    Query(q): Query<EditorQuery>,
) -> Result<Response, AppError> {
    editor_page(
        &state,
        &ctx,
        id,
        &q.q,
        FormErrors::default(),
        TagForm::default(),
        StatusCode::OK,
    )
    .await
}

/// Percent text ("37.5") to a fraction; anything unreadable becomes NaN, which the service refuses by field.
fn fraction(text: &str) -> f64 {
    text.trim()
        .trim_end_matches('%')
        .parse::<f64>()
        .map(|p| p / 100.0)
        .unwrap_or(f64::NAN)
}

async fn add_tag(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<TagForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let Some(product_id) = form.product_id else {
        let ui = Ui::load(&state, &ctx).await;
        let errors = FormErrors {
            general: Some(ui.t("tags.pick_product").into_owned()),
            ..FormErrors::default()
        };
        return editor_page(
            &state,
            &ctx,
            id,
            "",
            errors,
            form,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let input = TagInput {
        image: form.image,
        x: fraction(&form.x),
        y: fraction(&form.y),
        product_id,
        variant_id: None,
    };
    match state.services.tags.add(&viewer, id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/p/{id}/tags?added=1")).into_response()),
        Err(e) => {
            let err = AppError::from(e);
            if err.status == StatusCode::NOT_FOUND {
                return Err(err);
            }
            let ui = Ui::load(&state, &ctx).await;
            let errors = FormErrors::from_app_error(&ui, &err);
            let status = err.status;
            editor_page(&state, &ctx, id, "", errors, form, status).await
        }
    }
}

#[derive(Deserialize)]
pub struct Empty {}

async fn remove_tag(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((id, tag_id)): Path<(i64, i64)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    state.services.tags.remove(&viewer, id, tag_id).await?;
    Ok(Redirect::to(&format!("/p/{id}/tags")).into_response())
}

// ---- the shop's creator partners ----------------------------------------------------------------------

pub struct PartnerRow {
    pub username: String,
    pub display_name: String,
    pub since: String,
}

#[derive(Template)]
#[template(path = "tag_partners.html")]
struct PartnersPage {
    ui: Ui,
    handle: String,
    partners: Vec<PartnerRow>,
    errors: FormErrors,
    username: String,
}

async fn partners_page(
    state: &AppState,
    ctx: &RequestCtx,
    handle: &str,
    errors: FormErrors,
    username: String,
    status: StatusCode,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(ctx));
    };
    let rows = state.services.tags.partners(&viewer, handle).await?;
    let ui = Ui::load(state, ctx).await;
    Ok(render(
        status,
        &PartnersPage {
            handle: handle.to_owned(),
            partners: rows
                .into_iter()
                .map(|(_, username, display_name, since)| PartnerRow {
                    username,
                    display_name,
                    since: since.date_string(),
                })
                .collect(),
            errors,
            username,
            ui,
        },
    ))
}

async fn partners(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
) -> Result<Response, AppError> {
    partners_page(
        &state,
        &ctx,
        &handle,
        FormErrors::default(),
        String::new(),
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
pub struct PartnerForm {
    #[serde(default)]
    username: String,
}

async fn partner_add(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    CsrfForm(form): CsrfForm<PartnerForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    match state
        .services
        .tags
        .add_partner(&viewer, &handle, &form.username)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/s/{handle}/settings/partners")).into_response()),
        Err(e) => {
            let err = AppError::from(e);
            if err.status == StatusCode::NOT_FOUND {
                return Err(err);
            }
            let ui = Ui::load(&state, &ctx).await;
            let errors = FormErrors::from_app_error(&ui, &err);
            let status = err.status;
            partners_page(&state, &ctx, &handle, errors, form.username, status).await
        }
    }
}

async fn partner_remove(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((handle, username)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    state
        .services
        .tags
        .remove_partner(&viewer, &handle, &username)
        .await?;
    Ok(Redirect::to(&format!("/s/{handle}/settings/partners")).into_response())
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/t/{tag_id}/sheet", get(sheet))
        .route("/products/{id}/posts", get(seen_in))
        .route("/p/{id}/tags", get(editor).post(add_tag))
        .route("/p/{id}/tags/{tag_id}/delete", post(remove_tag))
        .route(
            "/s/{handle}/settings/partners",
            get(partners).post(partner_add),
        )
        .route(
            "/s/{handle}/settings/partners/{username}/delete",
            post(partner_remove),
        )
}
