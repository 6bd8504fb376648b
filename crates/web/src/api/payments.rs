//! Payments API: paying an order, manual confirmation and provider webhooks.

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
