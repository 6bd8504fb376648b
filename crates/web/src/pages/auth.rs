//! Sign-up, log-in and log-out pages. Successful log-in sets the session cookie and a fresh CSRF token.

use super::{FormErrors, Ui, render, render_form_error, safe_next};
use crate::context::{CSRF_COOKIE, RequestCtx, SESSION_COOKIE, set_cookie};
use crate::error::AppError;
use crate::extract::{ClientIp, CsrfForm};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use souk_service::accounts::{AuthTokenKind, LogIn, SignUp};

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "signup.html")]
struct SignupPage {
    ui: Ui,
    errors: FormErrors,
    username: String,
    email: String,
    display_name: String,
    kind: String,
}

impl SignupPage {
    fn kinds(&self) -> [&'static str; 3] {
        ["personal", "business", "creator"]
    }
}

pub async fn signup_page(ctx: RequestCtx) -> Response {
    if ctx.viewer.is_some() {
        return Redirect::to("/").into_response();
    }
    render(
        StatusCode::OK,
        &SignupPage {
            ui: Ui::new(&ctx),
            errors: FormErrors::default(),
            username: String::new(),
            email: String::new(),
            display_name: String::new(),
            kind: "personal".into(),
        },
    )
}

#[derive(Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    kind: String,
}

pub async fn signup_submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    ClientIp(ip): ClientIp,
    CsrfForm(form): CsrfForm<SignupForm>,
) -> Response {
    let cmd = SignUp {
        username: form.username.clone(),
        email: form.email.clone(),
        password: form.password.clone(),
        kind: form.kind.clone(),
        display_name: Some(form.display_name.clone()),
        bio: None,
        locale: Some(ctx.locale),
    };
    let result = state.services.accounts.sign_up(cmd, ip).await;
    match result {
        // A new account is logged straight in: asking to type the password again right away is friction.
        Ok(_) => {
            let login = LogIn {
                login: form.username,
                password: form.password,
            };
            match state
                .services
                .accounts
                .log_in(login, AuthTokenKind::Browser, ip)
                .await
            {
                Ok(session) => session_response(&state, &session.token, "/settings?welcome=1"),
                Err(_) => Redirect::to("/login").into_response(),
            }
        }
        Err(e) => {
            let err = AppError::from(e);
            let ui = Ui::new(&ctx);
            let page = SignupPage {
                errors: FormErrors::from_app_error(&ui, &err),
                ui,
                username: form.username,
                email: form.email,
                display_name: form.display_name,
                kind: form.kind,
            };
            render_form_error(&err, &page)
        }
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ui: Ui,
    errors: FormErrors,
    login: String,
    next: String,
}

pub async fn login_page(ctx: RequestCtx, Query(q): Query<NextQuery>) -> Response {
    let next = safe_next(q.next.as_deref());
    if ctx.viewer.is_some() {
        return Redirect::to(&next).into_response();
    }
    render(
        StatusCode::OK,
        &LoginPage {
            ui: Ui::new(&ctx),
            errors: FormErrors::default(),
            login: String::new(),
            next,
        },
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

pub async fn login_submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    ClientIp(ip): ClientIp,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Response {
    let next = safe_next(form.next.as_deref());
    let cmd = LogIn {
        login: form.login.clone(),
        password: form.password,
    };
    match state
        .services
        .accounts
        .log_in(cmd, AuthTokenKind::Browser, ip)
        .await
    {
        Ok(session) => session_response(&state, &session.token, &next),
        Err(e) => {
            let err = AppError::from(e);
            let ui = Ui::new(&ctx);
            let page = LoginPage {
                errors: FormErrors::from_app_error(&ui, &err),
                ui,
                login: form.login,
                next,
            };
            render_form_error(&err, &page)
        }
    }
}

/// Sets the session cookie and rotates the CSRF token, so a token planted before log-in is useless after.
fn session_response(state: &AppState, token: &str, to: &str) -> Response {
    let mut res = Redirect::to(to).into_response();
    let max_age = 60 * 60 * 24 * 30;
    let fresh_csrf = souk_service::random_token("");
    for v in [
        set_cookie(&state.config, SESSION_COOKIE, token, max_age),
        set_cookie(&state.config, CSRF_COOKIE, &fresh_csrf, 60 * 60 * 24 * 365),
    ]
    .into_iter()
    .flatten()
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

#[derive(Deserialize)]
pub struct LogoutForm {}

pub async fn logout(
    State(state): State<AppState>,
    ctx: RequestCtx,
    CsrfForm(_): CsrfForm<LogoutForm>,
) -> Result<Response, AppError> {
    if let Some(viewer) = &ctx.viewer {
        state.services.accounts.log_out(viewer).await?;
    }
    let mut res = Redirect::to("/").into_response();
    if let Some(v) = set_cookie(&state.config, SESSION_COOKIE, "", 0) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}
