//! Operator pages for money: the ledger check and the mail outbox.

use crate::state::AppState;
use axum::Router;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
}
