//! Shop pages: the shop home, settings, branding editor with live preview, staff.

use crate::state::AppState;
use axum::Router;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
}
