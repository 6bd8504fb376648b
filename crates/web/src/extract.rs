//! Request extractors shared by API handlers and pages: the request context, the authenticated viewer
//! (with CSRF proof for cookie-authenticated writes), CSRF-checked forms, JSON bodies with Souk's error
//! format, and the client address for rate limits.

use crate::context::{RequestCtx, csrf_matches};
use crate::error::AppError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, header};
use serde::de::DeserializeOwned;
use souk_service::Viewer;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

impl<S: Send + Sync> FromRequestParts<S> for RequestCtx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<RequestCtx>()
            .cloned()
            .ok_or_else(|| {
                AppError::new(
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "request context missing",
                )
            })
    }
}

/// The authenticated API caller. Missing or invalid credentials give 401; a cookie-authenticated write
/// must also echo the CSRF token in `X-CSRF-Token`, because browsers attach cookies to cross-site requests.
pub struct ApiViewer(pub Viewer);

impl<S: Send + Sync> FromRequestParts<S> for ApiViewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let ctx = RequestCtx::from_request_parts(parts, state).await?;
        let viewer = ctx.viewer.ok_or_else(AppError::unauthenticated)?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if ctx.via_cookie && !safe {
            let presented = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !csrf_matches(&ctx.csrf_token, presented) {
                return Err(AppError::csrf());
            }
        }
        Ok(ApiViewer(viewer))
    }
}

/// The client's address, from the socket or, behind a trusted proxy, the last `X-Forwarded-For` hop.
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if state.config.trust_proxy {
            let forwarded = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|ip| ip.trim().parse::<IpAddr>().ok());
            if let Some(ip) = forwarded {
                return Ok(ClientIp(ip));
            }
        }
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ci| ci.0.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        Ok(ClientIp(ip))
    }
}

/// A JSON body; malformed input is answered with `invalid_json` and the parser's reason.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => {
                let status = rejection.status();
                let code = if status == axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE {
                    "unsupported_media_type"
                } else if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    "payload_too_large"
                } else {
                    "invalid_json"
                };
                Err(AppError::new(status, code, rejection.body_text()))
            }
        }
    }
}

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf_token: String,
}

/// An HTML form post, accepted only with this browser's CSRF token and not from another site.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for CsrfForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let (mut parts, body) = req.into_parts();
        let ctx = RequestCtx::from_request_parts(&mut parts, state).await?;
        if cross_site(&parts) {
            return Err(AppError::csrf());
        }
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|r| AppError::new(r.status(), "payload_too_large", r.body_text()))?;
        let field: CsrfField = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| AppError::bad_request("invalid_form", e.to_string()))?;
        if !csrf_matches(&ctx.csrf_token, &field.csrf_token) {
            return Err(AppError::csrf());
        }
        let value = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| AppError::bad_request("invalid_form", e.to_string()))?;
        Ok(CsrfForm(value))
    }
}

/// Refuses requests a browser marks as coming from another site. Multipart forms use it together with
/// their own `csrf_token` check, since [`CsrfForm`] only reads urlencoded bodies.
pub struct SameSite;

impl<S: Send + Sync> FromRequestParts<S> for SameSite {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        if cross_site(parts) {
            Err(AppError::csrf())
        } else {
            Ok(SameSite)
        }
    }
}

/// Browsers say where a request came from; a form posted from another site is refused outright.
fn cross_site(parts: &Parts) -> bool {
    if let Some(site) = parts
        .headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
    {
        return site == "cross-site";
    }
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok());
    match (
        parts
            .headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok()),
        host,
    ) {
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => {
            let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
            origin_host != host
        }
        _ => false,
    }
}
