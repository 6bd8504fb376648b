//! Shop pages: the shop home, opening a shop, settings, the branding editor with live preview, staff.
//!
//! Shop colours and fonts reach the page through `/s/{handle}/theme.css`, a tiny stylesheet built from the
//! validated branding, rather than inline `style` attributes: the site's CSP (`style-src 'self'`) stays as
//! strict as everywhere else, and the stylesheet is cacheable. The branding editor's live preview changes
//! the same CSS custom properties from JavaScript through the CSSOM, which CSP allows.

use super::products::{ProductCard, cards_of};
use super::{FormErrors, Ui, login_redirect, render, render_form_error};
use crate::context::RequestCtx;
use crate::error::AppError;
use crate::extract::CsrfForm;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use souk_domain::AccountKind;
use souk_domain::commerce::{CheckoutMode, Color, ShopFont};
use souk_service::catalog::{CollectionView, StatusFilter};
use souk_service::shops::{
    BrandingPatch, BrandingView, OpenShop, ShopPatch, ShopView, StaffMember,
};

pub(super) fn routes(upload_limit: usize) -> Router<AppState> {
    Router::new()
        .route("/shops/new", get(new_page).post(new_submit))
        .route("/shops/mine", get(mine))
        .route("/s/{handle}", get(home))
        .route("/s/{handle}/theme.css", get(theme_css))
        .route(
            "/s/{handle}/settings",
            get(settings_page).post(settings_submit),
        )
        .route(
            "/s/{handle}/branding",
            get(branding_page).post(branding_submit),
        )
        .route(
            "/s/{handle}/branding/image",
            post(branding_image).layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        )
        .route("/s/{handle}/branding/publish", post(branding_publish))
        .route("/s/{handle}/branding/discard", post(branding_discard))
        .route("/s/{handle}/staff", get(staff_page).post(staff_add))
        .route("/s/{handle}/staff/{username}/remove", post(staff_remove))
}

/// Shop header data shared by the shop's pages.
pub struct ShopHead {
    pub handle: String,
    pub name: String,
    pub description: String,
    pub logo: String,
    pub cover: String,
    pub font: &'static str,
    pub theme_href: String,
    pub staff: bool,
    pub owner: bool,
    pub product_count: i64,
    pub owner_username: String,
    pub return_policy: String,
    pub contact_email: String,
}

impl ShopHead {
    pub fn new(v: &ShopView, preview: bool) -> Self {
        let b = branding_of(v, preview);
        let s = &v.shop;
        Self {
            handle: s.handle.clone(),
            name: s.name.clone(),
            description: s.description.clone(),
            logo: b
                .logo_key
                .as_deref()
                .map(crate::api::views::avatar_url)
                .unwrap_or_default(),
            cover: b
                .cover_key
                .as_deref()
                .map(crate::api::views::avatar_url)
                .unwrap_or_default(),
            font: b.font.as_str(),
            theme_href: theme_href(v, preview),
            staff: v.is_staff(),
            owner: v.is_owner(),
            product_count: s.product_count,
            owner_username: s.owner_username.clone(),
            return_policy: s.return_policy.clone(),
            contact_email: s.contact_email.clone(),
        }
    }
}

fn branding_of(v: &ShopView, preview: bool) -> &BrandingView {
    match (&v.draft, preview && v.is_staff()) {
        (Some(d), true) => d,
        _ => &v.branding,
    }
}

/// The theme stylesheet's address; the version changes whenever the shop does, so it can be cached.
pub fn theme_href(v: &ShopView, preview: bool) -> String {
    let preview = preview && v.is_staff() && v.draft.is_some();
    format!(
        "/s/{}/theme.css?v={}{}",
        v.shop.handle,
        v.shop.updated_at.as_micros(),
        if preview { "&preview=1" } else { "" }
    )
}

#[derive(Deserialize, Default)]
pub struct ShopQuery {
    pub preview: Option<String>,
    pub cursor: Option<String>,
    pub saved: Option<String>,
}

impl ShopQuery {
    fn preview(&self) -> bool {
        self.preview.as_deref() == Some("1")
    }
}

/// Shop colours as CSS custom properties, scoped to `.shop-theme`. Only values that passed
/// [`Color::parse`] and the fixed font stacks are written, so nothing a merchant types reaches the CSS.
async fn theme_css(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    Query(q): Query<ShopQuery>,
) -> Result<Response, AppError> {
    let v = state
        .services
        .shops
        .get(ctx.viewer.as_ref(), &handle)
        .await?;
    let b = branding_of(&v, q.preview());
    let color = |s: &str, fallback: &str| {
        Color::parse(s, "c")
            .or_else(|_| Color::parse(fallback, "c"))
            .unwrap_or(Color([0, 0, 0]))
    };
    let accent = color(&b.accent_color, "#1f6feb");
    let bg = color(&b.background_color, "#ffffff");
    let css = format!(
        ".shop-theme {{ --accent: {}; --accent-ink: {}; --shop-bg: {}; --shop-ink: {}; --font: {}; }}\n",
        accent.to_hex(),
        accent.readable_text().to_hex(),
        bg.to_hex(),
        bg.readable_text().to_hex(),
        b.font.css_stack()
    );
    let cache = if q.preview() {
        "private, no-store"
    } else {
        "public, max-age=300"
    };
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        css,
    )
        .into_response())
}

pub struct Section {
    pub id: i64,
    pub title: String,
    pub products: Vec<ProductCard>,
}

#[derive(Template)]
#[template(path = "shop_home.html")]
struct ShopHome {
    ui: Ui,
    head: ShopHead,
    sections: Vec<Section>,
    products: Vec<ProductCard>,
    more: Option<String>,
    preview: bool,
    has_draft: bool,
    /// Shoppers' posts the shop features (see pages/ugc.rs).
    ugc: super::ugc::FeaturedSection,
}

async fn home(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    Query(q): Query<ShopQuery>,
) -> Result<Response, AppError> {
    let viewer = ctx.viewer.as_ref();
    let v = state.services.shops.get(viewer, &handle).await?;
    let preview = q.preview() && v.is_staff();
    let ui = Ui::load(&state, &ctx).await;
    let order = if preview {
        v.draft.as_ref().and_then(|d| d.featured.clone())
    } else {
        None
    };
    let sections = state
        .services
        .catalog
        .featured_sections(viewer, &v, order.as_deref(), 8)
        .await?
        .into_iter()
        .map(|(c, ps)| Section {
            id: c.id,
            title: c.title,
            products: cards_of(&ui, &ps),
        })
        .collect();
    // Shoppers and the preview see what is for sale; staff find drafts in the product list.
    let page = state
        .services
        .catalog
        .shop_products_of(None, &v, StatusFilter::All, q.cursor.as_deref(), Some(24))
        .await?;
    let more = page
        .next_cursor
        .as_ref()
        .map(|c| format!("/s/{}?cursor={c}", v.shop.handle));
    let ugc = super::ugc::featured_section(&state, &ctx, &v.shop.handle).await;
    Ok(render(
        StatusCode::OK,
        &ShopHome {
            head: ShopHead::new(&v, preview),
            products: cards_of(&ui, &page.items),
            sections,
            more,
            preview,
            has_draft: v.draft.is_some() && v.is_staff(),
            ugc,
            ui,
        },
    ))
}

/// The navigation's shop link: the viewer's shop, or the open-a-shop form.
async fn mine(State(state): State<AppState>, ctx: RequestCtx) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.as_ref() else {
        return Ok(login_redirect(&ctx));
    };
    let to = match state.services.shops.shop_of_user(viewer.user_id).await? {
        Some(s) => format!("/s/{}", s.handle),
        None => "/shops/new".to_owned(),
    };
    Ok(Redirect::to(&to).into_response())
}

// ---- opening a shop --------------------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
pub struct ShopForm {
    #[serde(default)]
    pub handle: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub contact_email: String,
    #[serde(default)]
    pub contact_phone: String,
    #[serde(default)]
    pub return_policy: String,
    #[serde(default)]
    pub checkout_mode: String,
    #[serde(default)]
    pub website_url: String,
}

impl ShopForm {
    fn from_view(v: &ShopView) -> Self {
        let s = &v.shop;
        Self {
            handle: s.handle.clone(),
            name: s.name.clone(),
            currency: s.currency.clone(),
            description: s.description.clone(),
            contact_email: s.contact_email.clone(),
            contact_phone: s.contact_phone.clone(),
            return_policy: s.return_policy.clone(),
            checkout_mode: s.checkout_mode.clone(),
            website_url: s.website_url.clone(),
        }
    }

    fn patch(&self) -> ShopPatch {
        ShopPatch {
            name: Some(self.name.clone()),
            description: Some(self.description.clone()),
            contact_email: Some(self.contact_email.clone()),
            contact_phone: Some(self.contact_phone.clone()),
            return_policy: Some(self.return_policy.clone()),
            checkout_mode: Some(self.checkout_mode.clone()),
            website_url: Some(self.website_url.clone()),
        }
    }
}

/// Currencies offered first in the open-a-shop form; any ISO 4217 code can be typed instead.
pub const COMMON_CURRENCIES: [&str; 10] = [
    "USD", "EUR", "KRW", "CNY", "TWD", "JPY", "GBP", "HKD", "CAD", "AUD",
];

#[derive(Template)]
#[template(path = "shop_new.html")]
struct NewShopPage {
    ui: Ui,
    form: ShopForm,
    errors: FormErrors,
    allowed: bool,
}

impl NewShopPage {
    fn currencies(&self) -> &'static [&'static str] {
        &COMMON_CURRENCIES
    }

    fn modes(&self) -> Vec<&'static str> {
        CheckoutMode::ALL.iter().map(|m| m.as_str()).collect()
    }
}

async fn new_page(State(state): State<AppState>, ctx: RequestCtx) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let existing = state
        .services
        .shops
        .owned_by(viewer.user_id)
        .await?
        .map(|s| s.handle);
    if let Some(h) = existing {
        return Ok(Redirect::to(&format!("/s/{h}")).into_response());
    }
    let ui = Ui::load(&state, &ctx).await;
    Ok(render(
        StatusCode::OK,
        &NewShopPage {
            ui,
            form: ShopForm {
                currency: "USD".into(),
                checkout_mode: "souk".into(),
                ..ShopForm::default()
            },
            errors: FormErrors::default(),
            allowed: viewer.kind != AccountKind::Personal,
        },
    ))
}

async fn new_submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    CsrfForm(form): CsrfForm<ShopForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let cmd = OpenShop {
        handle: form.handle.clone(),
        name: form.name.clone(),
        currency: form.currency.clone(),
        settings: ShopPatch {
            name: None,
            ..form.patch()
        },
    };
    match state.services.shops.open(&viewer, cmd).await {
        Ok(v) => Ok(Redirect::to(&format!("/s/{}/branding", v.shop.handle)).into_response()),
        Err(e) => {
            let err = AppError::from(e);
            let ui = Ui::load(&state, &ctx).await;
            let errors = FormErrors::from_app_error(&ui, &err);
            Ok(render_form_error(
                &err,
                &NewShopPage {
                    ui,
                    form,
                    errors,
                    allowed: viewer.kind != AccountKind::Personal,
                },
            ))
        }
    }
}

// ---- settings --------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "shop_settings.html")]
struct SettingsPage {
    ui: Ui,
    head: ShopHead,
    form: ShopForm,
    errors: FormErrors,
    saved: bool,
}

impl SettingsPage {
    fn modes(&self) -> Vec<&'static str> {
        CheckoutMode::ALL.iter().map(|m| m.as_str()).collect()
    }
}

/// Loads the shop for a staff page; logged-out visitors go to log in, everyone else who is not staff
/// gets 404 (via the service's permission check).
async fn staff_shop(
    state: &AppState,
    ctx: &RequestCtx,
    handle: &str,
) -> Result<Result<ShopView, Response>, AppError> {
    let Some(viewer) = ctx.viewer.as_ref() else {
        return Ok(Err(login_redirect(ctx)));
    };
    let v = state.services.shops.get(Some(viewer), handle).await?;
    if !v.is_staff() {
        return Err(AppError::not_found());
    }
    Ok(Ok(v))
}

async fn settings_page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    Query(q): Query<ShopQuery>,
) -> Result<Response, AppError> {
    let v = match staff_shop(&state, &ctx, &handle).await? {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    if !v.is_owner() {
        return Err(AppError::from(souk_service::ServiceError::Forbidden));
    }
    let ui = Ui::load(&state, &ctx).await;
    Ok(render(
        StatusCode::OK,
        &SettingsPage {
            head: ShopHead::new(&v, false),
            form: ShopForm::from_view(&v),
            errors: FormErrors::default(),
            saved: q.saved.is_some(),
            ui,
        },
    ))
}

async fn settings_submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    CsrfForm(form): CsrfForm<ShopForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    match state
        .services
        .shops
        .update(&viewer, &handle, form.patch())
        .await
    {
        Ok(v) => {
            Ok(Redirect::to(&format!("/s/{}/settings?saved=1", v.shop.handle)).into_response())
        }
        Err(e) => {
            let err = AppError::from(e);
            if err.fields.is_empty() {
                return Err(err);
            }
            let v = state.services.shops.get(Some(&viewer), &handle).await?;
            let ui = Ui::load(&state, &ctx).await;
            let errors = FormErrors::from_app_error(&ui, &err);
            Ok(render_form_error(
                &err,
                &SettingsPage {
                    head: ShopHead::new(&v, false),
                    form: ShopForm {
                        handle: v.shop.handle.clone(),
                        currency: v.shop.currency.clone(),
                        ..form
                    },
                    errors,
                    saved: false,
                    ui,
                },
            ))
        }
    }
}

// ---- branding --------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "shop_branding.html")]
struct BrandingPage {
    ui: Ui,
    head: ShopHead,
    draft: BrandingView,
    has_draft: bool,
    collections: Vec<CollectionView>,
    featured: Vec<i64>,
    errors: FormErrors,
    saved: bool,
}

impl BrandingPage {
    fn fonts(&self) -> Vec<(&'static str, &'static str)> {
        ShopFont::ALL
            .iter()
            .map(|f| (f.as_str(), f.css_stack()))
            .collect()
    }

    fn featured_position(&self, id: &i64) -> String {
        self.featured
            .iter()
            .position(|f| f == id)
            .map(|p| (p + 1).to_string())
            .unwrap_or_default()
    }
}

async fn branding_view(
    state: &AppState,
    ctx: &RequestCtx,
    v: ShopView,
    errors: FormErrors,
    saved: bool,
) -> Result<Response, AppError> {
    let collections = state
        .services
        .catalog
        .shop_collections(ctx.viewer.as_ref(), &v.shop.handle)
        .await?;
    let draft = v.draft.clone().unwrap_or_else(|| v.branding.clone());
    let featured = draft.featured.clone().unwrap_or_else(|| {
        collections
            .iter()
            .filter(|c| c.featured_position.is_some())
            .map(|c| c.id)
            .collect()
    });
    let ui = Ui::load(state, ctx).await;
    let status = if errors.general.is_some() || !errors.general_message().is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = BrandingPage {
        head: ShopHead::new(&v, true),
        has_draft: v.draft.is_some(),
        draft,
        collections,
        featured,
        errors,
        saved,
        ui,
    };
    Ok(render(status, &page))
}

async fn branding_page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    Query(q): Query<ShopQuery>,
) -> Result<Response, AppError> {
    let v = match staff_shop(&state, &ctx, &handle).await? {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    if !v.is_owner() {
        return Err(AppError::from(souk_service::ServiceError::Forbidden));
    }
    branding_view(&state, &ctx, v, FormErrors::default(), q.saved.is_some()).await
}

#[derive(Deserialize, Default)]
pub struct BrandingForm {
    #[serde(default)]
    accent_color: String,
    #[serde(default)]
    background_color: String,
    #[serde(default)]
    font: String,
    /// `featured_<collection id>` = position (1, 2, …; empty = not featured).
    #[serde(flatten)]
    rest: std::collections::HashMap<String, String>,
}

async fn branding_submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    CsrfForm(form): CsrfForm<BrandingForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let mut featured: Vec<(i64, i64)> = form
        .rest
        .iter()
        .filter_map(|(k, v)| {
            let id = k.strip_prefix("featured_")?.parse::<i64>().ok()?;
            let pos = v.trim().parse::<i64>().ok().filter(|p| *p > 0)?;
            Some((pos, id))
        })
        .collect();
    featured.sort();
    let patch = BrandingPatch {
        accent_color: Some(form.accent_color.clone()),
        background_color: Some(form.background_color.clone()),
        font: Some(form.font.clone()),
        featured: Some(featured.into_iter().map(|(_, id)| id).collect()),
    };
    match state
        .services
        .shops
        .edit_branding(&viewer, &handle, patch)
        .await
    {
        Ok(v) => {
            Ok(Redirect::to(&format!("/s/{}/branding?saved=1", v.shop.handle)).into_response())
        }
        Err(e) => {
            let err = AppError::from(e);
            if err.status == StatusCode::NOT_FOUND || err.status == StatusCode::FORBIDDEN {
                return Err(err);
            }
            let v = state.services.shops.get(Some(&viewer), &handle).await?;
            let ui = Ui::new(&ctx);
            let errors = FormErrors::from_app_error(&ui, &err);
            let mut res = branding_view(&state, &ctx, v, errors, false).await?;
            *res.status_mut() = err.status;
            Ok(res)
        }
    }
}

async fn branding_image(
    State(state): State<AppState>,
    ctx: RequestCtx,
    _: crate::extract::SameSite,
    Path(handle): Path<String>,
    mut mp: Multipart,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let bad = |e: axum::extract::multipart::MultipartError| {
        AppError::new(e.status(), "invalid_form", e.body_text())
    };
    let (mut csrf, mut image, mut which, mut remove) =
        (String::new(), Vec::new(), String::new(), false);
    while let Some(field) = mp.next_field().await.map_err(bad)? {
        match field.name() {
            Some("csrf_token") => csrf = field.text().await.map_err(bad)?,
            Some("image") => image = field.bytes().await.map_err(bad)?.to_vec(),
            Some("which") => which = field.text().await.map_err(bad)?,
            Some("remove") => remove = true,
            _ => {}
        }
    }
    if !crate::context::csrf_matches(&ctx.csrf_token, &csrf) {
        return Err(AppError::csrf());
    }
    let cover = which == "cover";
    let result = if remove {
        state
            .services
            .shops
            .upload_branding_image(&viewer, &handle, cover, None)
            .await
    } else if image.is_empty() {
        Err(souk_service::ServiceError::field(
            if cover { "cover" } else { "logo" },
            "image_required",
            "Choose a photo.",
        ))
    } else {
        state
            .services
            .shops
            .upload_branding_image(&viewer, &handle, cover, Some(image.into()))
            .await
    };
    match result {
        Ok(v) => {
            Ok(Redirect::to(&format!("/s/{}/branding?saved=1", v.shop.handle)).into_response())
        }
        Err(e) => {
            let err = AppError::from(e);
            if err.fields.is_empty() {
                return Err(err);
            }
            let v = state.services.shops.get(Some(&viewer), &handle).await?;
            let errors = FormErrors::from_app_error(&Ui::new(&ctx), &err);
            let mut res = branding_view(&state, &ctx, v, errors, false).await?;
            *res.status_mut() = err.status;
            Ok(res)
        }
    }
}

#[derive(Deserialize)]
pub struct Empty {}

async fn branding_publish(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let v = state
        .services
        .shops
        .publish_branding(&viewer, &handle)
        .await?;
    Ok(Redirect::to(&format!("/s/{}", v.shop.handle)).into_response())
}

async fn branding_discard(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let v = state
        .services
        .shops
        .discard_branding(&viewer, &handle)
        .await?;
    Ok(Redirect::to(&format!("/s/{}/branding", v.shop.handle)).into_response())
}

// ---- staff -----------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "shop_staff.html")]
struct StaffPage {
    ui: Ui,
    head: ShopHead,
    staff: Vec<StaffMember>,
    errors: FormErrors,
    username: String,
}

async fn staff_view(
    state: &AppState,
    ctx: &RequestCtx,
    handle: &str,
    errors: FormErrors,
    username: String,
    status: StatusCode,
) -> Result<Response, AppError> {
    let v = match staff_shop(state, ctx, handle).await? {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    let Some(viewer) = ctx.viewer.as_ref() else {
        return Ok(login_redirect(ctx));
    };
    let staff = state.services.shops.staff(viewer, handle).await?;
    let ui = Ui::load(state, ctx).await;
    Ok(render(
        status,
        &StaffPage {
            head: ShopHead::new(&v, false),
            staff,
            errors,
            username,
            ui,
        },
    ))
}

async fn staff_page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
) -> Result<Response, AppError> {
    staff_view(
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
pub struct StaffForm {
    #[serde(default)]
    username: String,
}

async fn staff_add(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    CsrfForm(form): CsrfForm<StaffForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    match state
        .services
        .shops
        .add_staff(&viewer, &handle, &form.username)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/s/{handle}/staff")).into_response()),
        Err(e) => {
            let err = AppError::from(e);
            if err.fields.is_empty() {
                return Err(err);
            }
            let errors = FormErrors::from_app_error(&Ui::new(&ctx), &err);
            staff_view(&state, &ctx, &handle, errors, form.username, err.status).await
        }
    }
}

async fn staff_remove(
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
        .shops
        .remove_staff(&viewer, &handle, &username)
        .await?;
    Ok(Redirect::to(&format!("/s/{handle}/staff")).into_response())
}
