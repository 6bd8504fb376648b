//! What wraps every request: request ids and tracing, timeouts, body limits, panic safety, security
//! headers, metrics, the per-request context, and turning bare error statuses into Souk's error format.

use crate::context::{
    CSRF_COOKIE, RequestCtx, SESSION_COOKIE, bearer_token, cookie_value, negotiate_locale,
    set_cookie,
};
use crate::error::{AppError, ErrorInfo, RenderedPage};
use crate::state::{AppState, WebConfig};
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, MatchedPath, State};
use axum::http::{HeaderName, HeaderValue, Request, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::{Duration, Instant};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Paths that never need a session lookup; skipping it keeps assets and probes free of database work.
fn is_bare_path(path: &str) -> bool {
    path.starts_with("/static/")
        || matches!(
            path,
            "/healthz" | "/readyz" | "/metrics" | "/favicon.ico" | "/api/openapi.json"
        )
        || path.starts_with("/api/docs")
}

pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/")
}

/// Catalog uploads stream a whole file (up to `[catalog] max_file_mb`) before they answer, and an API import
/// with `wait=true` imports it too; they get this much time instead of the normal request timeout.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(30 * 60);

fn is_upload_path(path: &str) -> bool {
    path.ends_with("/catalog/import") || path.ends_with("/catalog/imports")
}

/// Wraps the router in the outer layers; the last one added runs first.
pub fn outer_layers(router: axum::Router, config: &WebConfig) -> axum::Router {
    let normal = config.request_timeout;
    router
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(axum::middleware::from_fn(
            move |req: Request<Body>, next: Next| {
                let limit = if is_upload_path(req.uri().path()) {
                    UPLOAD_TIMEOUT.max(normal)
                } else {
                    normal
                };
                async move {
                    match tokio::time::timeout(limit, next.run(req)).await {
                        Ok(res) => res,
                        Err(_) => StatusCode::REQUEST_TIMEOUT.into_response(),
                    }
                }
            },
        ))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(PropagateRequestIdLayer::new(X_REQUEST_ID.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(make_span))
        .layer(SetRequestIdLayer::new(
            X_REQUEST_ID.clone(),
            MakeRequestUuid,
        ))
}

fn make_span(req: &Request<Body>) -> tracing::Span {
    let id = req
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
}

fn panic_response(_: Box<dyn std::any::Any + Send>) -> Response {
    tracing::error!("handler panicked");
    AppError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "Something went wrong on our side. It has been logged.",
    )
    .into_response()
}

static X_SOUK_STATEMENTS: HeaderName = HeaderName::from_static("x-souk-statements");

/// Resolves the [`RequestCtx`], runs the handler, then finishes the response: CSRF cookie, security
/// headers, error normalisation and metrics. Every SQL statement the request runs, the session lookup
/// included, is counted for the per-route statement histogram (and the optional response header).
pub async fn context(State(state): State<AppState>, req: Request<Body>, next: Next) -> Response {
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let header = state.config.statement_header;
    let (mut res, statements) =
        souk_store::stats::counted(context_inner(state, req, next, route.clone())).await;
    metrics::histogram!(
        "souk_http_request_statements",
        "method" => method.as_str().to_owned(),
        "route" => route.unwrap_or_else(|| "unmatched".into())
    )
    .record(f64::from(statements));
    if header {
        res.headers_mut()
            .insert(X_SOUK_STATEMENTS.clone(), HeaderValue::from(statements));
    }
    res
}

async fn context_inner(
    state: AppState,
    mut req: Request<Body>,
    next: Next,
    route: Option<String>,
) -> Response {
    let started = Instant::now();
    let path = req.uri().path().to_owned();
    let method = req.method().clone();

    let mut new_csrf = None;
    let mut clear_guest_clicks = None;
    if !is_bare_path(&path) {
        let headers = req.headers();
        let (token, via_cookie) = match bearer_token(headers) {
            Some(t) => (Some(t), false),
            None => (cookie_value(headers, SESSION_COOKIE), true),
        };
        let viewer = match token {
            Some(t) => match state.services.accounts.authenticate(t).await {
                Ok(v) => v,
                Err(e) => {
                    return finish(
                        AppError::from(e).into_response(),
                        &path,
                        None,
                        &method,
                        route,
                        started,
                    );
                }
            },
            None => None,
        };
        let csrf_token = match cookie_value(headers, CSRF_COOKIE).filter(|c| c.len() == 43) {
            Some(c) => c.to_owned(),
            None => {
                let fresh = souk_service::random_token("");
                new_csrf = Some(fresh.clone());
                fresh
            }
        };
        let ctx = RequestCtx {
            locale: negotiate_locale(viewer.as_ref(), headers),
            via_cookie: via_cookie && viewer.is_some(),
            viewer,
            csrf_token,
            path: req
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "/".into()),
        };
        // A browser that tapped product tags as a guest is now signed in: its clicks become the account's.
        clear_guest_clicks =
            crate::api::attribution::claim_guest_clicks(&state, ctx.viewer.as_ref(), headers).await;
        req.extensions_mut().insert(ctx);
    }
    let ctx = req.extensions().get::<RequestCtx>().cloned();
    let mut res = next.run(req).await;
    if let Some(v) = clear_guest_clicks {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    if let Some(token) = new_csrf {
        // A handler that rotated the token (log-in) already set its own cookie.
        let already = res
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|v| v.as_bytes().starts_with(CSRF_COOKIE.as_bytes()));
        if let Some(v) =
            set_cookie(&state.config, CSRF_COOKIE, &token, 60 * 60 * 24 * 365).filter(|_| !already)
        {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    finish(res, &path, ctx.as_ref(), &method, route, started)
}

fn finish(
    mut res: Response,
    path: &str,
    ctx: Option<&RequestCtx>,
    method: &axum::http::Method,
    route: Option<String>,
    started: Instant,
) -> Response {
    let status = res.status();
    // A page that rendered its own error (a form with its problems marked) is already the answer.
    let rendered = res.extensions().get::<RenderedPage>().is_some();
    if (status.is_client_error() || status.is_server_error()) && !rendered {
        if res.extensions().get::<ErrorInfo>().is_none() {
            res = normalise_bare_error(res);
        }
        if let (false, Some(info), Some(ctx)) = (
            is_api_path(path),
            res.extensions().get::<ErrorInfo>().cloned(),
            ctx,
        ) {
            res = crate::pages::error_page(ctx, &info, res);
        }
    }
    security_headers(&mut res, path);
    record_metrics(
        method,
        route.as_deref().unwrap_or("unmatched"),
        res.status(),
        started.elapsed(),
    );
    res
}

/// Statuses produced below Souk's handlers (routing, body limits, timeouts, extractor rejections) get a
/// stable code too.
fn normalise_bare_error(res: Response) -> Response {
    let status = res.status();
    let (code, message) = match status {
        StatusCode::NOT_FOUND => ("not_found", "Nothing here."),
        StatusCode::METHOD_NOT_ALLOWED => {
            ("method_not_allowed", "This method is not allowed here.")
        }
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "The request body is too large."),
        StatusCode::REQUEST_TIMEOUT => ("timeout", "The request took too long."),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ("unsupported_media_type", "Unsupported content type.")
        }
        StatusCode::UNPROCESSABLE_ENTITY => ("invalid_body", "The request body could not be read."),
        s if s.is_server_error() => ("internal", "Something went wrong on our side."),
        _ => ("bad_request", "The request is malformed."),
    };
    let mut fresh = AppError::new(status, code, message).into_response();
    for (name, value) in res.headers() {
        if name == header::ALLOW {
            fresh.headers_mut().insert(name, value.clone());
        }
    }
    fresh
}

fn security_headers(res: &mut Response, path: &str) {
    let h = res.headers_mut();
    // Swagger UI styles itself inline; everything Souk renders itself runs under the strict policy.
    let csp = if path.starts_with("/api/docs") {
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
    } else {
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
    };
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(csp));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    if !h.contains_key(header::CACHE_CONTROL) && !path.starts_with("/static/") {
        // Pages and API answers are personal; nothing in between may keep them.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

fn record_metrics(method: &axum::http::Method, route: &str, status: StatusCode, elapsed: Duration) {
    let labels = [
        ("method", method.as_str().to_owned()),
        ("route", route.to_owned()),
        ("status", status.as_u16().to_string()),
    ];
    metrics::counter!("souk_http_requests_total", &labels).increment(1);
    metrics::histogram!("souk_http_request_duration_seconds", &labels[..2])
        .record(elapsed.as_secs_f64());
}
