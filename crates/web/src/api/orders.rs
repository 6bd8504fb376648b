//! Orders API for shoppers and merchants.

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
