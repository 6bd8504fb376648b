//! Checkout pages and shipping-region settings, and the website-mode click-out.

use crate::context::RequestCtx;
use crate::error::AppError;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// Website mode: record the click and send the shopper to the merchant's page with UTM parameters.
async fn click_out(State(s): State<AppState>, ctx: RequestCtx, Path(id): Path<i64>) -> Response {
    match s.services.checkout.click_out(ctx.viewer.as_ref(), id).await {
        Ok(url) => match HeaderValue::from_str(&url) {
            Ok(v) => {
                let mut res = StatusCode::SEE_OTHER.into_response();
                res.headers_mut().insert(header::LOCATION, v);
                res
            }
            Err(_) => AppError::not_found().into_response(),
        },
        Err(e) => AppError::from(e).into_response(),
    }
}

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/go/{id}", get(click_out))
}
