//! Souk's HTTP surface: the JSON API under `/api/v1`, the server-rendered pages, static assets, health and
//! metrics, and the middleware every request passes through.

rust_i18n::i18n!("locales", fallback = "en");

mod api;
mod assets;
mod context;
mod error;
mod extract;
mod i18n;
pub mod idempotency;
mod media;
mod middleware;
mod pages;
mod state;

pub use error::AppError;
pub use state::{AppState, WebConfig};

use axum::Router;
use std::sync::Arc;
use utoipa::openapi::OpenApi;

/// The complete application router, ready for `axum::serve` with connect info.
pub fn router(state: AppState) -> Router {
    let (api, openapi) = api::router(state.clone());
    let openapi = Arc::new(openapi);
    let pages = pages::router(state.clone());
    let router = Router::new()
        .merge(api)
        .merge(pages)
        .merge(assets::router())
        .merge(api::docs_router(openapi))
        .merge(api::ops_router(state.clone()))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::context,
        ))
        // Outside the request context: images need no session lookup, and a publicly cached response
        // must never carry a cookie.
        .merge(media::router(state.clone()));
    middleware::outer_layers(router, &state.config)
}

/// The OpenAPI document, for tools that want it without starting a server.
pub fn openapi() -> OpenApi {
    api::openapi_only()
}

/// Translates a key for non-web front ends (CLI messages) with the same catalogue the pages use.
pub fn translate(locale: souk_domain::Locale, key: &str) -> String {
    i18n::t(locale, key).into_owned()
}
