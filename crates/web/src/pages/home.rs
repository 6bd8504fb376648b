//! The language switcher.

use super::safe_next;
use crate::context::{LANG_COOKIE, RequestCtx, set_cookie};
use crate::error::AppError;
use crate::extract::CsrfForm;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use souk_domain::Locale;
use souk_service::accounts::ProfilePatch;

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
