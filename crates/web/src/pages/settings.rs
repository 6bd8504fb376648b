//! The settings page: profile basics, language, password, and personal access tokens.

use super::{FormErrors, Ui, login_redirect, render, render_form_error};
use crate::context::RequestCtx;
use crate::error::AppError;
use crate::extract::CsrfForm;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use souk_domain::Locale;
use souk_service::Viewer;
use souk_service::accounts::{Account, ProfilePatch};
use souk_store::tokens::TokenRecord;

/// Which form on the page an error or notice belongs to.
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum Section {
    None,
    Profile,
    Photo,
    Password,
    Tokens,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    ui: Ui,
    account: Account,
    tokens: Vec<TokenView>,
    notice: String,
    errors: FormErrors,
    error_section: Section,
    new_token: Option<String>,
    welcome: bool,
}

struct TokenView {
    id: i64,
    name: String,
    created: String,
    last_used: String,
    expires: String,
}

impl TokenView {
    fn new(ui: &Ui, t: &TokenRecord) -> Self {
        Self {
            id: t.id,
            name: t.name.clone(),
            created: t.created_at.date_string(),
            last_used: t
                .last_used_at
                .map(|x| x.date_string())
                .unwrap_or_else(|| ui.t("settings.tokens.never_used").into_owned()),
            expires: t
                .expires_at
                .map(|x| x.date_string())
                .unwrap_or_else(|| ui.t("settings.tokens.no_expiry").into_owned()),
        }
    }
}

impl SettingsPage {
    fn avatar(&self) -> String {
        self.account
            .avatar_key
            .as_deref()
            .map(crate::api::views::avatar_url)
            .unwrap_or_default()
    }

    fn initial(&self) -> String {
        let p = &self.account.profile;
        self.ui.initial(if p.display_name.is_empty() {
            &p.username
        } else {
            &p.display_name
        })
    }

    fn kinds(&self) -> [&'static str; 3] {
        ["personal", "business", "creator"]
    }

    fn saved_locale(&self) -> &'static str {
        self.account.locale.map(Locale::tag).unwrap_or("")
    }

    fn language_options(&self) -> Vec<(&'static str, &'static str)> {
        Locale::ALL
            .iter()
            .map(|l| (l.tag(), l.native_name()))
            .collect()
    }

    fn section_is(&self, s: &str) -> bool {
        let current = match self.error_section {
            Section::None => "",
            Section::Profile => "profile",
            Section::Photo => "photo",
            Section::Password => "password",
            Section::Tokens => "tokens",
        };
        current == s
    }
}

#[derive(Deserialize, Default)]
pub struct SettingsQuery {
    saved: Option<String>,
    welcome: Option<String>,
}

async fn build(
    state: &AppState,
    ctx: &RequestCtx,
    viewer: &Viewer,
    notice_key: Option<&str>,
) -> Result<SettingsPage, AppError> {
    let ui = Ui::new(ctx);
    let account = state.services.accounts.me(viewer).await?;
    let tokens = state.services.accounts.personal_tokens(viewer).await?;
    let notice = match notice_key {
        Some(k @ ("profile" | "photo" | "password" | "token_revoked")) => {
            ui.t(&format!("settings.saved.{k}")).into_owned()
        }
        _ => String::new(),
    };
    Ok(SettingsPage {
        tokens: tokens.iter().map(|t| TokenView::new(&ui, t)).collect(),
        ui,
        account,
        notice,
        errors: FormErrors::default(),
        error_section: Section::None,
        new_token: None,
        welcome: false,
    })
}

pub async fn page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Query(q): Query<SettingsQuery>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let mut page = build(&state, &ctx, &viewer, q.saved.as_deref()).await?;
    page.welcome = q.welcome.is_some();
    Ok(render(StatusCode::OK, &page))
}

/// Re-renders the page with an error attached to one section.
async fn with_error(
    state: &AppState,
    ctx: &RequestCtx,
    viewer: &Viewer,
    section: Section,
    err: AppError,
) -> Result<Response, AppError> {
    let mut page = build(state, ctx, viewer, None).await?;
    page.errors = FormErrors::from_app_error(&page.ui, &err);
    page.error_section = section;
    Ok(render_form_error(&err, &page))
}

#[derive(Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    display_name: String,
    /// Absent (an older form) leaves the website unchanged; empty removes it.
    #[serde(default)]
    website: Option<String>,
    #[serde(default)]
    bio: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    locale: String,
}

pub async fn save_profile(
    State(state): State<AppState>,
    ctx: RequestCtx,
    CsrfForm(form): CsrfForm<ProfileForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let patch = ProfilePatch {
        display_name: Some(form.display_name),
        bio: Some(form.bio),
        website: form.website,
        kind: Some(form.kind),
        // An unknown value from a tampered form falls back to "follow the browser".
        locale: Some(Locale::from_tag(&form.locale)),
    };
    match state.services.accounts.update_profile(&viewer, patch).await {
        Ok(_) => Ok(Redirect::to("/settings?saved=profile").into_response()),
        Err(e) => with_error(&state, &ctx, &viewer, Section::Profile, e.into()).await,
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    ctx: RequestCtx,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    match state
        .services
        .accounts
        .change_password(&viewer, form.current_password, form.new_password)
        .await
    {
        Ok(()) => Ok(Redirect::to("/settings?saved=password").into_response()),
        Err(e) => with_error(&state, &ctx, &viewer, Section::Password, e.into()).await,
    }
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    expires_in_days: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    ctx: RequestCtx,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let days = form.expires_in_days.trim().parse::<u32>().ok();
    match state
        .services
        .accounts
        .create_personal_token(&viewer, &form.name, days)
        .await
    {
        // Rendered directly rather than redirected: the secret is shown this once and never stored.
        Ok((_, secret)) => {
            let mut page = build(&state, &ctx, &viewer, None).await?;
            page.new_token = Some(secret);
            Ok(render(StatusCode::CREATED, &page))
        }
        Err(e) => with_error(&state, &ctx, &viewer, Section::Tokens, e.into()).await,
    }
}

#[derive(Deserialize)]
pub struct RevokeForm {}

pub async fn revoke_token(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<RevokeForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    state.services.accounts.revoke_token(&viewer, id).await?;
    Ok(Redirect::to("/settings?saved=token_revoked#tokens").into_response())
}

/// Uploads a new profile photo from the settings page (multipart: `csrf_token`, `image`).
pub async fn upload_avatar(
    State(state): State<AppState>,
    ctx: RequestCtx,
    _: crate::extract::SameSite,
    mut mp: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let bad = |e: axum::extract::multipart::MultipartError| {
        AppError::new(e.status(), "invalid_form", e.body_text())
    };
    let (mut csrf, mut image) = (String::new(), Vec::new());
    while let Some(field) = mp.next_field().await.map_err(bad)? {
        match field.name() {
            Some("csrf_token") => csrf = field.text().await.map_err(bad)?,
            Some("image") => image = field.bytes().await.map_err(bad)?.to_vec(),
            _ => {}
        }
    }
    if !crate::context::csrf_matches(&ctx.csrf_token, &csrf) {
        return Err(AppError::csrf());
    }
    let result = if image.is_empty() {
        Err(souk_service::ServiceError::field(
            "avatar",
            "avatar_required",
            "Choose a photo.",
        ))
    } else {
        state.services.social.set_avatar(&viewer, Some(image)).await
    };
    match result {
        Ok(_) => Ok(Redirect::to("/settings?saved=photo").into_response()),
        Err(e) => with_error(&state, &ctx, &viewer, Section::Photo, e.into()).await,
    }
}

pub async fn remove_avatar(
    State(state): State<AppState>,
    ctx: RequestCtx,
    CsrfForm(_): CsrfForm<RevokeForm>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    state.services.social.set_avatar(&viewer, None).await?;
    Ok(Redirect::to("/settings?saved=photo").into_response())
}
