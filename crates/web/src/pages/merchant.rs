//! The merchant dashboard: today's orders, a 30-day revenue chart drawn as inline SVG, what waits for the
//! merchant, low stock, recent orders, and links to every shop tool.

use super::{Ui, login_redirect, render};
use crate::context::RequestCtx;
use crate::error::AppError;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use souk_domain::Timestamp;
use souk_service::dashboard::Dashboard;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/s/{handle}/dashboard", get(dashboard))
}

/// One bar of the revenue chart, in SVG user units (the chart is 300 × 120).
pub struct Bar {
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
    pub title: String,
}

pub struct LowStockRow {
    pub product_id: i64,
    pub title: String,
    pub variant: String,
    pub sku: String,
    pub stock: i64,
}

pub struct RecentRow {
    pub id: i64,
    pub status: String,
    pub status_label: String,
    pub total: String,
    pub buyer: String,
    pub ago: String,
}

#[derive(Template)]
#[template(path = "merchant_dashboard.html")]
pub struct DashboardPage {
    pub ui: Ui,
    pub handle: String,
    pub name: String,
    pub orders_today: i64,
    pub revenue_today: String,
    pub orders_30d: i64,
    pub revenue_30d: String,
    pub to_fulfil: i64,
    pub requests: i64,
    pub clicks: i64,
    pub bars: Vec<Bar>,
    pub chart_max: String,
    pub chart_from: String,
    pub chart_to: String,
    pub chart_summary: String,
    pub low_stock: Vec<LowStockRow>,
    pub recent: Vec<RecentRow>,
}

/// "11-25": the chart's end labels fit beside the best-day figure on a phone; the year is in each bar's title.
fn month_day(t: Timestamp) -> String {
    let d = t.date_string();
    d.get(5..).unwrap_or(&d).to_owned()
}

const CHART_W: i64 = 300;
const CHART_H: i64 = 120;

fn bars(ui: &Ui, d: &Dashboard) -> (Vec<Bar>, String) {
    let max = d
        .days
        .iter()
        .map(|day| day.revenue.amount_minor)
        .max()
        .unwrap_or(0)
        .max(1);
    let n = i64::try_from(d.days.len()).unwrap_or(1).max(1);
    let slot = CHART_W / n;
    let bars = d
        .days
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let amount = day.revenue.amount_minor.max(0);
            // At least 1 unit tall when there was revenue, so a small day is still visible.
            let h = if amount == 0 {
                0
            } else {
                (amount * (CHART_H - 4) / max).max(1)
            };
            Bar {
                x: i64::try_from(i).unwrap_or(0) * slot + 1,
                y: CHART_H - h,
                width: slot - 2,
                height: h,
                title: format!(
                    "{}: {} · {}",
                    day.day.date_string(),
                    day.revenue.format(ui.locale),
                    ui.t_with("dash.orders_n", "count", &day.orders.to_string())
                ),
            }
        })
        .collect();
    let max_label = d
        .days
        .iter()
        .map(|day| day.revenue)
        .max_by_key(|m| m.amount_minor)
        .map(|m| m.format(ui.locale))
        .unwrap_or_default();
    (bars, max_label)
}

async fn dashboard(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    let d = state
        .services
        .dashboard
        .for_shop(&viewer, &handle, Timestamp::now())
        .await?;
    let ui = Ui::load(&state, &ctx).await;
    let (bars, chart_max) = bars(&ui, &d);
    let chart_summary = ui.t_with(
        "dash.chart_summary",
        "total",
        &d.revenue_30d.format(ui.locale),
    );
    let page = DashboardPage {
        handle: d.shop_handle.clone(),
        name: d.shop_name.clone(),
        orders_today: d.orders_today,
        revenue_today: d.revenue_today.format(ui.locale),
        orders_30d: d.orders_30d,
        revenue_30d: d.revenue_30d.format(ui.locale),
        to_fulfil: d.to_fulfil,
        requests: d.requests,
        clicks: d.website_clicks_30d,
        bars,
        chart_max,
        chart_from: d.days.first().map(|x| month_day(x.day)).unwrap_or_default(),
        chart_to: d.days.last().map(|x| month_day(x.day)).unwrap_or_default(),
        chart_summary,
        low_stock: d
            .low_stock
            .iter()
            .map(|l| LowStockRow {
                product_id: l.product_id,
                title: l.title.clone(),
                variant: l
                    .option_values
                    .iter()
                    .filter(|v| !v.is_empty())
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" / "),
                sku: l.sku.clone(),
                stock: l.stock,
            })
            .collect(),
        recent: d
            .recent
            .iter()
            .map(|o| RecentRow {
                id: o.id,
                status_label: ui.t(&format!("dash.status.{}", o.status)).into_owned(),
                status: o.status.clone(),
                total: o.total.format(ui.locale),
                buyer: o.buyer.clone(),
                ago: ui.ago(o.created_at),
            })
            .collect(),
        ui,
    };
    Ok(render(StatusCode::OK, &page))
}
