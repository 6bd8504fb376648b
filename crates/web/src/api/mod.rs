//! The JSON API under `/api/v1`, its OpenAPI document, Swagger UI, and the operational endpoints.

mod accounts;
pub(crate) mod attribution;
pub(crate) mod cart;
pub(crate) mod catalog_feeds;
pub(crate) mod checkout;
mod feeds;
mod jobs;
mod ledger;
mod merchant;
mod moderation;
mod notifications;
mod ops;
pub(crate) mod orders;
mod payments;
pub(crate) mod posts;
pub(crate) mod products;
mod refunds;
pub(crate) mod reputation;
pub(crate) mod reviews;
mod search;
mod sessions;
mod shops;
mod social;
pub(crate) mod tags;
mod tokens;
pub(crate) mod ugc;
pub(crate) mod views;

pub use ops::ops_router;

use crate::error::AppError;
use crate::state::AppState;
use axum::Router;
use axum::response::IntoResponse;
use std::sync::Arc;
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Souk API",
        description = "Self-hostable social commerce. JSON in and out; errors are `{\"error\":{\"code\",\"message\",\"details\"}}` with stable codes. Authenticate with `Authorization: Bearer <token>` from `POST /api/v1/sessions` or a personal access token; browser sessions may also call the API with their cookie plus an `X-CSRF-Token` header on writes.",
        license(name = "AGPL-3.0-or-later"),
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "accounts", description = "Sign-up, profiles and the signed-in account"),
        (name = "sessions", description = "Logging in and out"),
        (name = "tokens", description = "Personal access tokens"),
        (name = "social", description = "Follows, blocks and profiles' posts"),
        (name = "posts", description = "Posts, likes, saves, shares and comments"),
        (name = "feeds", description = "Home, Discover, hashtags and saved posts"),
        (name = "notifications", description = "Notifications"),
        (name = "moderation", description = "Reports and the operator's queue"),
        (name = "shops", description = "Shops, branding and staff"),
        (name = "products", description = "Products, variants and collections"),
        (name = "cart", description = "The shopper's cart"),
        (name = "checkout", description = "Checkout, shipping regions and taxes"),
        (name = "orders", description = "Orders and their status"),
        (name = "payments", description = "Payments and provider webhooks"),
        (name = "refunds", description = "Refunds"),
        (name = "ledger", description = "The double-entry ledger"),
        (name = "ops", description = "Health and readiness"),
        (name = "search", description = "Search over products, posts, users and hashtags, and autocomplete"),
        (name = "catalog", description = "Catalog feed imports, data sources and per-platform exports"),
        (name = "jobs", description = "Background jobs (operators)"),
        (name = "reviews", description = "Product reviews, replies, helpful votes and review moderation"),
        (name = "attribution", description = "Tag clicks and which posts and creators sold a shop's products"),
        (name = "reputation", description = "Reputation alerts: negative-feedback trend, drivers, thresholds and alerts"),
        (name = "tags", description = "Product tags on posts, the product sheet behind a tag and shops' creator partners"),
        (name = "ugc", description = "Customer photos: the product gallery and shopper posts shops feature with consent"),
    ),
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::context::SESSION_COOKIE,
            ))),
        );
    }
}

fn api_routes(upload_limit: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(accounts::routes())
        .merge(sessions::routes())
        .merge(tokens::routes())
        .merge(social::routes(upload_limit))
        .merge(posts::routes(upload_limit))
        .merge(feeds::routes())
        .merge(notifications::routes())
        .merge(moderation::routes())
        .merge(shops::routes(upload_limit))
        .merge(products::routes(upload_limit))
        .merge(cart::routes())
        .merge(checkout::routes())
        .merge(orders::routes())
        .merge(payments::routes())
        .merge(refunds::routes())
        .merge(ledger::routes())
        .merge(merchant::routes())
        .merge(jobs::routes())
        .merge(ops::documented_routes())
        .merge(search::routes())
        .merge(catalog_feeds::routes())
        .merge(reviews::routes(upload_limit))
        .merge(attribution::routes())
        .merge(reputation::routes())
        .merge(tags::routes())
        .merge(ugc::routes())
}

/// Body limit for photo uploads: ten photos at the per-photo limit plus room for the form fields.
pub fn upload_limit(state: &AppState) -> usize {
    state
        .services
        .media
        .config
        .max_upload_bytes
        .saturating_mul(souk_domain::social::MAX_IMAGES)
        .saturating_add(1024 * 1024)
}

pub fn router(state: AppState) -> (Router, OpenApiDoc) {
    let (router, openapi) = api_routes(upload_limit(&state)).split_for_parts();
    let router = router
        .route("/api/{*rest}", axum::routing::any(api_not_found))
        .with_state(state);
    (router, openapi)
}

pub fn openapi_only() -> OpenApiDoc {
    api_routes(0).into_openapi()
}

async fn api_not_found() -> impl IntoResponse {
    AppError::not_found()
}

pub fn docs_router(openapi: Arc<OpenApiDoc>) -> Router {
    SwaggerUi::new("/api/docs")
        .url("/api/openapi.json", (*openapi).clone())
        .into()
}
