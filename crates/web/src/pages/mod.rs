//! Server-rendered pages: the shared layout context, the page router, and the localized error page.

mod admin;
mod attribution;
mod auth;
mod cart;
mod catalog_feeds;
mod checkout;
mod commerce_admin;
mod feed;
mod home;
mod jobs;
mod merchant;
mod notifications;
mod orders;
mod people;
mod posts;
mod products;
mod reputation;
mod reviews;
mod search;
mod settings;
mod shops;
mod tags;
mod ugc;

use crate::context::RequestCtx;
use crate::error::{AppError, ErrorInfo, RenderedPage};
use crate::i18n;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use souk_domain::{FieldError, Locale, Role, Timestamp};
use std::borrow::Cow;

pub fn router(state: AppState) -> Router {
    let upload_limit = crate::api::upload_limit(&state);
    Router::new()
        .route("/", get(feed::home))
        .route("/discover", get(feed::discover))
        .route("/search", get(search::page))
        .route("/tags/{tag}", get(feed::tag))
        .route("/saved", get(feed::saved))
        .route(
            "/new",
            get(posts::compose_page)
                .post(posts::compose_submit)
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/p/{id}", get(posts::show))
        .route(
            "/p/{id}/edit",
            get(posts::edit_page).post(posts::edit_submit),
        )
        .route("/p/{id}/delete", post(posts::delete))
        .route("/p/{id}/like", post(posts::like))
        .route("/p/{id}/save", post(posts::save))
        .route("/p/{id}/share", post(posts::share))
        .route("/p/{id}/comments", post(posts::add_comment))
        .route("/c/{id}/like", post(posts::like_comment))
        .route("/c/{id}/delete", post(posts::delete_comment))
        .route("/u/{username}", get(people::profile))
        .route("/u/{username}/shop", get(people::profile_shop))
        .route("/u/{username}/followers", get(people::followers))
        .route("/u/{username}/following", get(people::following))
        .route("/u/{username}/follow", post(people::follow))
        .route("/u/{username}/unfollow", post(people::unfollow))
        .route("/u/{username}/block", post(people::block))
        .route("/u/{username}/unblock", post(people::unblock))
        .route("/notifications", get(notifications::page))
        .route(
            "/report",
            get(admin::report_page).post(admin::report_submit),
        )
        .route("/admin/reports", get(admin::reports))
        .route("/admin/reports/{id}/resolve", post(admin::resolve))
        .route("/language", post(home::set_language))
        .route("/signup", get(auth::signup_page).post(auth::signup_submit))
        .route("/login", get(auth::login_page).post(auth::login_submit))
        .route("/logout", post(auth::logout))
        .route("/settings", get(settings::page))
        .route("/settings/profile", post(settings::save_profile))
        .route(
            "/settings/avatar",
            post(settings::upload_avatar).layer(axum::extract::DefaultBodyLimit::max(
                crate::api::upload_limit(&state),
            )),
        )
        .route("/settings/avatar/remove", post(settings::remove_avatar))
        .route("/settings/password", post(settings::change_password))
        .route("/settings/tokens", post(settings::create_token))
        .route("/settings/tokens/{id}/revoke", post(settings::revoke_token))
        .merge(shops::routes(upload_limit))
        .merge(products::routes(upload_limit))
        .merge(cart::routes())
        .merge(checkout::routes())
        .merge(orders::routes())
        .merge(merchant::routes())
        .merge(commerce_admin::routes())
        .merge(reviews::routes(crate::api::reviews::review_upload_limit(
            &state,
        )))
        .merge(attribution::routes())
        .merge(reputation::routes())
        .merge(jobs::routes())
        .merge(ugc::routes())
        .merge(tags::routes())
        .merge(catalog_feeds::routes(&state))
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
    /// Unread notifications, for the bell badge (0 unless built with [`Ui::load`]).
    pub unread: i64,
    pub admin: bool,
    /// Business and creator accounts, who may open a shop (navigation shows a shop link).
    pub seller: bool,
}

impl Ui {
    /// Like [`Ui::new`], plus the unread-notification count for the header and bottom bar. A failure to
    /// count only hides the badge.
    pub async fn load(state: &AppState, ctx: &RequestCtx) -> Self {
        let mut ui = Self::new(ctx);
        if let Some(v) = &ctx.viewer {
            ui.unread = state
                .services
                .social
                .unread_notifications(v)
                .await
                .unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "could not count unread notifications");
                    0
                });
        }
        ui
    }

    pub fn new(ctx: &RequestCtx) -> Self {
        Self {
            unread: 0,
            admin: ctx.viewer.as_ref().is_some_and(|v| v.role == Role::Admin),
            seller: ctx
                .viewer
                .as_ref()
                .is_some_and(|v| v.kind != souk_domain::AccountKind::Personal),
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

    /// This page's address without the infinite-scroll `partial=1` flag, for "come back here" fields.
    pub fn here(&self) -> String {
        let (path, query) = self.path.split_once('?').unwrap_or((&self.path, ""));
        let kept: Vec<&str> = query
            .split('&')
            .filter(|kv| !kv.is_empty() && !kv.starts_with("partial="))
            .collect();
        if kept.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{}", kept.join("&"))
        }
    }

    /// The bell badge text: the count, capped so it fits in the circle.
    pub fn unread_label(&self) -> String {
        if self.unread > 99 {
            "99+".into()
        } else {
            self.unread.to_string()
        }
    }

    /// "3h"-style age for recent moments, the calendar date (YYYY-MM-DD) after a week.
    pub fn ago(&self, at: Timestamp) -> String {
        let secs = (Timestamp::now().as_micros() - at.as_micros()).max(0) / 1_000_000;
        let (key, n) = match secs {
            s if s < 60 => return self.t("time.now").into_owned(),
            s if s < 3600 => ("time.minutes", s / 60),
            s if s < 86_400 => ("time.hours", s / 3600),
            s if s < 7 * 86_400 => ("time.days", s / 86_400),
            _ => return at.date_string(),
        };
        self.t_with(key, "n", &n.to_string())
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

/// Percent-encodes one URL path segment (hashtags may be Chinese or Korean).
pub fn path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A query-string value, percent-encoded.
pub fn query_value(s: &str) -> String {
    path_segment(s)
}

/// Scheme and host this site is reached at, for links people copy and paste elsewhere: the configured
/// public URL, else the request's `Host`.
pub struct Origin(pub String);

impl FromRequestParts<AppState> for Origin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let configured = state.config.public_url.trim_end_matches('/');
        if !configured.is_empty() {
            return Ok(Origin(configured.to_owned()));
        }
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .filter(|h| {
                h.bytes().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']')
                })
            })
            .unwrap_or("localhost");
        let scheme = if state.config.secure_cookies {
            "https"
        } else {
            "http"
        };
        Ok(Origin(format!("{scheme}://{host}")))
    }
}

/// `?partial=1`: infinite scroll asks for the next items only, without the page around them.
#[derive(serde::Deserialize, Default)]
pub struct PageParams {
    pub cursor: Option<String>,
    pub partial: Option<String>,
    pub sort: Option<String>,
}

impl PageParams {
    pub fn is_partial(&self) -> bool {
        self.partial.as_deref().is_some_and(|p| p == "1")
    }

    pub fn cursor(&self) -> Option<&str> {
        self.cursor.as_deref().filter(|c| !c.is_empty())
    }
}

/// Where a form sends the browser back to: its `next` field when it is a same-site path.
pub fn back_to(next: Option<&str>, fallback: &str) -> Response {
    let to = match next {
        Some(n) if !n.is_empty() => safe_next(Some(n)),
        _ => fallback.to_owned(),
    };
    Redirect::to(&to).into_response()
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
