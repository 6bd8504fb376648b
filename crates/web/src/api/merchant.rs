//! Merchant dashboard API: the same figures the dashboard page shows, for apps and scripts.

use super::views::MoneyJson;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::ApiViewer;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use souk_domain::Timestamp;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Serialize, ToSchema)]
pub struct DayJson {
    /// UTC date, `YYYY-MM-DD`.
    pub date: String,
    pub orders: i64,
    pub revenue: MoneyJson,
}

#[derive(Serialize, ToSchema)]
pub struct LowStockJson {
    pub product_id: i64,
    pub variant_id: i64,
    pub title: String,
    pub sku: String,
    pub stock: i64,
}

#[derive(Serialize, ToSchema)]
pub struct RecentOrderJson {
    pub id: i64,
    pub status: String,
    pub total: MoneyJson,
    pub buyer: String,
    pub created_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct DashboardJson {
    pub shop: String,
    pub orders_today: i64,
    pub revenue_today: MoneyJson,
    pub orders_30d: i64,
    pub revenue_30d: MoneyJson,
    pub to_fulfil: i64,
    pub order_requests: i64,
    pub website_clicks_30d: i64,
    /// Net revenue per UTC day for the last 30 days, oldest first.
    pub days: Vec<DayJson>,
    pub low_stock: Vec<LowStockJson>,
    pub recent_orders: Vec<RecentOrderJson>,
}

/// The merchant dashboard of a shop (staff only; others get 404).
#[utoipa::path(get, path = "/api/v1/shops/{handle}/dashboard", tag = "shops",
    security(("bearer" = []), ("session_cookie" = [])), params(("handle" = String, Path)),
    responses((status = 200, body = DashboardJson), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn dashboard(
    State(s): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(handle): Path<String>,
) -> ApiResult<Json<DashboardJson>> {
    let d = s
        .services
        .dashboard
        .for_shop(&v, &handle, Timestamp::now())
        .await?;
    Ok(Json(DashboardJson {
        shop: d.shop_handle,
        orders_today: d.orders_today,
        revenue_today: d.revenue_today.into(),
        orders_30d: d.orders_30d,
        revenue_30d: d.revenue_30d.into(),
        to_fulfil: d.to_fulfil,
        order_requests: d.requests,
        website_clicks_30d: d.website_clicks_30d,
        days: d
            .days
            .iter()
            .map(|day| DayJson {
                date: day.day.date_string(),
                orders: day.orders,
                revenue: day.revenue.into(),
            })
            .collect(),
        low_stock: d
            .low_stock
            .into_iter()
            .map(|l| LowStockJson {
                product_id: l.product_id,
                variant_id: l.variant_id,
                title: l.title,
                sku: l.sku,
                stock: l.stock,
            })
            .collect(),
        recent_orders: d
            .recent
            .into_iter()
            .map(|o| RecentOrderJson {
                id: o.id,
                status: o.status,
                total: o.total.into(),
                buyer: o.buyer,
                created_at: o.created_at.to_rfc3339(),
            })
            .collect(),
    }))
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(dashboard))
}
