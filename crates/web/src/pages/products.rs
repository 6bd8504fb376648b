//! Product pages: the product page, the product editor, collections.

use crate::state::AppState;
use axum::Router;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
}
