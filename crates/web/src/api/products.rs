//! Products API: the catalog, variants, images and collections.

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
