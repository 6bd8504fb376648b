//! Order pages for shoppers and merchants.

use crate::state::AppState;
use axum::Router;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
}
