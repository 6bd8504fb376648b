//! Server-rendered pages: the shared layout context, the page router, and the localized error page.

mod auth;
mod home;
mod settings;

use crate::context::RequestCtx;
use crate::error::{AppError, ErrorInfo, RenderedPage};
use crate::i18n;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use souk_domain::{FieldError, Locale};
use std::borrow::Cow;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(home::home))
        .route("/u/{username}", get(home::profile))
        .route("/language", post(home::set_language))
        .route("/signup", get(auth::signup_page).post(auth::signup_submit))
        .route("/login", get(auth::login_page).post(auth::login_submit))
        .route("/logout", post(auth::logout))
        .route("/settings", get(settings::page))
        .route("/settings/profile", post(settings::save_profile))
        .route("/settings/password", post(settings::change_password))
        .route("/settings/tokens", post(settings::create_token))
        .route("/settings/tokens/{id}/revoke", post(settings::revoke_token))
        .fallback(not_found)
        .with_state(state)
}

async fn not_found() -> AppError {
    AppError::not_found()
}

/// What every page template needs: language, viewer, CSRF token, and helpers to translate and link.
pub struct Ui {
    pub locale: Locale,
    pub csrf: String,
    pub path: String,
    pub username: Option<String>,
    pub display_name: Option<String>,
}

impl Ui {
    pub fn new(ctx: &RequestCtx) -> Self {
        Self {
            locale: ctx.locale,
            csrf: ctx.csrf_token.clone(),
            path: ctx.path.clone(),
            username: ctx.viewer.as_ref().map(|v| v.username.clone()),
            display_name: ctx.viewer.as_ref().map(|v| {
                if v.display_name.is_empty() {
                    v.username.clone()
                } else {
                    v.display_name.clone()
                }
            }),
        }
    }

    pub fn t(&self, key: &str) -> Cow<'static, str> {
        i18n::t(self.locale, key)
    }

    pub fn t_with(&self, key: &str, name: &str, value: &str) -> String {
        i18n::t_args(self.locale, key, &[(name, value)])
    }

    pub fn lang(&self) -> &'static str {
        self.locale.tag()
    }

    pub fn asset(&self, name: &str) -> String {
        crate::assets::url(name)
    }

    pub fn logged_in(&self) -> bool {
        self.username.is_some()
    }

    pub fn me(&self) -> &str {
        self.username.as_deref().unwrap_or("")
    }

    /// (tag, native name, selected) for the language switcher.
    pub fn locale_options(&self) -> Vec<(&'static str, &'static str, bool)> {
        Locale::ALL
            .iter()
            .map(|l| (l.tag(), l.native_name(), *l == self.locale))
            .collect()
    }

    pub fn kind_label(&self, kind: &str) -> Cow<'static, str> {
        self.t(&format!("kind.{kind}"))
    }

    /// First visible character of a name, for the letter avatar.
    pub fn initial(&self, name: &str) -> String {
        name.chars()
            .next()
            .map(|c| c.to_uppercase().collect())
            .unwrap_or_default()
    }
}

/// Field errors translated for one form, plus a message for the whole form.
#[derive(Default)]
pub struct FormErrors {
    fields: Vec<(&'static str, String)>,
    pub general: Option<String>,
}

impl FormErrors {
    pub fn from_app_error(ui: &Ui, err: &AppError) -> Self {
        let fields = err
            .fields
            .iter()
            .map(|f: &FieldError| (f.field, translate_code(ui, f.code, &f.message)))
            .collect::<Vec<_>>();
        let general = if fields.is_empty() {
            Some(match err.retry_after {
                Some(secs) => ui.t_with(
                    "errors.rate_limited_wait",
                    "minutes",
                    &secs.div_ceil(60).to_string(),
                ),
                None => translate_code(ui, err.code, &err.message),
            })
        } else {
            None
        };
        Self { fields, general }
    }

    pub fn has(&self, field: &str) -> bool {
        self.fields.iter().any(|(f, _)| *f == field)
    }

    pub fn get(&self, field: &str) -> String {
        self.fields
            .iter()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn general_message(&self) -> &str {
        self.general.as_deref().unwrap_or("")
    }
}

/// A stable error code in the reader's language, or the English message when no translation exists.
fn translate_code(ui: &Ui, code: &str, fallback: &str) -> String {
    let key = format!("errors.{code}");
    let s = ui.t(&key);
    if s == key {
        fallback.to_owned()
    } else {
        s.into_owned()
    }
}

/// Renders a template, or a plain 500 if the template itself fails.
pub fn render<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(html) => {
            let mut res = (status, Html(html)).into_response();
            res.extensions_mut().insert(RenderedPage);
            res
        }
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// A form re-rendered with its errors, keeping the error's status and `Retry-After`.
pub fn render_form_error<T: Template>(err: &AppError, page: &T) -> Response {
    let mut res = render(err.status, page);
    crate::error::set_retry_after(&mut res, err.retry_after);
    res
}

/// Sends logged-out visitors to the login page and back here afterwards.
pub fn login_redirect(ctx: &RequestCtx) -> Response {
    let next: String = form_urlencoded_path(&ctx.path);
    Redirect::to(&format!("/login?next={next}")).into_response()
}

fn form_urlencoded_path(path: &str) -> String {
    serde_urlencoded::to_string([("n", path)])
        .map(|s| s.trim_start_matches("n=").to_owned())
        .unwrap_or_else(|_| "%2F".into())
}

/// Only same-site paths are followed after log-in, so `next` cannot bounce users to another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    ui: Ui,
    status: u16,
    title: Cow<'static, str>,
    message: String,
    back: &'a str,
}

/// Replaces a JSON error response with the localized HTML error page, keeping status and headers.
pub fn error_page(ctx: &RequestCtx, info: &ErrorInfo, original: Response) -> Response {
    let ui = Ui::new(ctx);
    let status = info.status;
    let title_key = format!("errors.{}.title", info.code);
    let title = match ui.t(&title_key) {
        t if t == title_key => ui.t("errors.generic.title"),
        t => t,
    };
    let message = match info.retry_after {
        Some(secs) => ui.t_with(
            "errors.rate_limited_wait",
            "minutes",
            &secs.div_ceil(60).to_string(),
        ),
        None => translate_code(&ui, info.code, ""),
    };
    let page = ErrorPage {
        status: status.as_u16(),
        title,
        message,
        back: "/",
        ui,
    };
    let mut res = render(status, &page);
    for name in [header::RETRY_AFTER, header::ALLOW] {
        if let Some(v) = original.headers().get(&name) {
            res.headers_mut().insert(name, v.clone());
        }
    }
    for v in original.headers().get_all(header::SET_COOKIE) {
        res.headers_mut().append(header::SET_COOKIE, v.clone());
    }
    res
}
