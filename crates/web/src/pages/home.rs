//! The home page, public profile pages, and the language switcher.

use super::{Ui, render, safe_next};
use crate::context::{LANG_COOKIE, RequestCtx, set_cookie};
use crate::error::AppError;
use crate::extract::CsrfForm;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use souk_domain::Locale;
use souk_service::accounts::{Profile, ProfilePatch};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ui: Ui,
    people: Vec<Profile>,
    member_count: i64,
}

pub async fn home(State(state): State<AppState>, ctx: RequestCtx) -> Result<Response, AppError> {
    let accounts = &state.services.accounts;
    let mut people = accounts.recent_profiles(12).await?;
    if let Some(v) = &ctx.viewer {
        people.retain(|p| p.id != v.user_id);
    }
    let member_count = accounts.count_users().await?;
    Ok(render(
        StatusCode::OK,
        &HomePage {
            ui: Ui::new(&ctx),
            people,
            member_count,
        },
    ))
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    ui: Ui,
    profile: Profile,
    joined: String,
    is_me: bool,
}

pub async fn profile(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(username): Path<String>,
) -> Result<Response, AppError> {
    let profile = state.services.accounts.profile(&username).await?;
    let is_me = ctx.viewer.as_ref().is_some_and(|v| v.user_id == profile.id);
    Ok(render(
        StatusCode::OK,
        &ProfilePage {
            ui: Ui::new(&ctx),
            joined: profile.created_at.date_string(),
            profile,
            is_me,
        },
    ))
}

#[derive(Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    next: Option<String>,
}

/// Remembers the choice in a cookie for everyone, and on the account when signed in so it follows the
/// user to other devices.
pub async fn set_language(
    State(state): State<AppState>,
    ctx: RequestCtx,
    CsrfForm(form): CsrfForm<LanguageForm>,
) -> Result<Response, AppError> {
    let locale = Locale::from_tag(&form.lang).ok_or_else(|| {
        AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "locale_invalid",
            "Language must be one of en, zh-CN, zh-TW, ko.",
        )
    })?;
    if let Some(viewer) = &ctx.viewer {
        let patch = ProfilePatch {
            locale: Some(Some(locale)),
            ..ProfilePatch::default()
        };
        state
            .services
            .accounts
            .update_profile(viewer, patch)
            .await?;
    }
    let mut res = Redirect::to(&safe_next(form.next.as_deref())).into_response();
    if let Some(v) = set_cookie(&state.config, LANG_COOKIE, locale.tag(), 60 * 60 * 24 * 365) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}
