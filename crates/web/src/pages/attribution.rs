//! Attribution pages: `/t/{tag_id}`, the no-JavaScript link behind every product tag (records the click,
//! then 303 to the product page), and the shop's "Sales from posts" dashboard with totals, an inline SVG
//! bar chart of revenue per post, and tables per post and per creator.

use super::{Ui, login_redirect, render};
use crate::api::attribution::record;
use crate::api::views::image_url;
use crate::context::RequestCtx;
use crate::error::AppError;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use souk_domain::Timestamp;
use souk_service::attribution::{
    AttributionReport, CLICK_WINDOW_SECS, Creator, DEFAULT_DAYS, PERIODS, conversion_pct,
};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/t/{tag_id}", get(follow_tag))
        .route("/s/{handle}/attribution", get(dashboard))
}

/// A tag's link: records the click (guests get the attribution cookie) and sends the browser to the
/// product, with the tagged variant selected. 404 for an unknown tag.
async fn follow_tag(
    State(state): State<AppState>,
    ctx: RequestCtx,
    headers: HeaderMap,
    Path(tag_id): Path<i64>,
) -> Result<Response, AppError> {
    let (outcome, cookie) = record(&state, ctx.viewer.as_ref(), &headers, tag_id).await?;
    let mut res = Redirect::to(&outcome.product_path()).into_response();
    if let Some(c) = cookie {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(res)
}

pub struct PeriodLink {
    pub label: String,
    pub href: String,
    pub on: bool,
}

/// One row of the revenue chart, in SVG user units (the chart is [`CHART_W`] wide, [`ROW_H`] per post).
pub struct ChartRow {
    pub label: String,
    pub amount: String,
    pub label_y: i64,
    pub bar_y: i64,
    pub width: i64,
    pub amount_x: i64,
    pub href: String,
}

pub struct PostRow {
    pub post_id: i64,
    pub exists: bool,
    pub hidden: bool,
    pub thumb: String,
    pub caption: String,
    pub author: String,
    pub author_name: String,
    pub clicks: i64,
    pub orders: i64,
    pub revenue: String,
    pub conversion: String,
}

pub struct CreatorRow {
    pub username: String,
    pub name: String,
    pub posts: i64,
    pub clicks: i64,
    pub orders: i64,
    pub revenue: String,
    pub conversion: String,
}

#[derive(Template)]
#[template(path = "attribution.html")]
pub struct AttributionPage {
    pub ui: Ui,
    pub handle: String,
    pub name: String,
    pub periods: Vec<PeriodLink>,
    pub intro: String,
    pub period_range: String,
    pub clicks: i64,
    pub orders: i64,
    pub revenue: String,
    pub conversion: String,
    pub chart: Vec<ChartRow>,
    pub chart_w: i64,
    pub chart_h: i64,
    pub chart_summary: String,
    pub posts: Vec<PostRow>,
    pub creators: Vec<CreatorRow>,
}

const CHART_W: i64 = 320;
/// Width left for the bars; the rest holds the amount written after the longest bar.
const BAR_MAX: i64 = 220;
const ROW_H: i64 = 30;
/// Posts in the chart; the table lists more.
const CHART_POSTS: usize = 10;

fn pct(orders: i64, clicks: i64) -> String {
    conversion_pct(orders, clicks)
        .map(|p| format!("{p:.1}%"))
        .unwrap_or_else(|| "–".into())
}

fn name_of(ui: &Ui, c: &Creator) -> (String, String) {
    if c.username.is_empty() {
        return (String::new(), ui.t("attr.deleted_account").into_owned());
    }
    let name = if c.display_name.is_empty() {
        c.username.clone()
    } else {
        c.display_name.clone()
    };
    (c.username.clone(), name)
}

fn chart(ui: &Ui, r: &AttributionReport) -> Vec<ChartRow> {
    let sold: Vec<_> = r
        .posts
        .iter()
        .filter(|p| p.revenue.amount_minor > 0)
        .take(CHART_POSTS)
        .collect();
    let max = sold
        .iter()
        .map(|p| p.revenue.amount_minor)
        .max()
        .unwrap_or(1)
        .max(1);
    sold.iter()
        .enumerate()
        .map(|(i, p)| {
            let top = i64::try_from(i).unwrap_or(0) * ROW_H;
            // At least 2 units long, so a small sale still shows.
            let width = (p.revenue.amount_minor.saturating_mul(BAR_MAX) / max).max(2);
            let (username, name) = name_of(ui, &p.creator);
            let who = if username.is_empty() {
                name
            } else {
                format!("@{username}")
            };
            ChartRow {
                label: format!(
                    "{} · {who}",
                    ui.t_with("attr.post_n", "id", &p.post_id.to_string())
                ),
                amount: p.revenue.format(ui.locale),
                label_y: top + 11,
                bar_y: top + 15,
                width,
                amount_x: width + 4,
                href: if p.exists {
                    format!("/p/{}", p.post_id)
                } else {
                    String::new()
                },
            }
        })
        .collect()
}

#[derive(Deserialize, Default)]
struct PeriodParam {
    days: Option<String>,
}

async fn dashboard(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(handle): Path<String>,
    Query(q): Query<PeriodParam>,
) -> Result<Response, AppError> {
    let Some(viewer) = ctx.viewer.clone() else {
        return Ok(login_redirect(&ctx));
    };
    // A hand-edited period falls back to the default instead of an error page.
    let days = q
        .days
        .and_then(|d| d.trim().parse::<i64>().ok())
        .filter(|d| PERIODS.contains(d))
        .unwrap_or(DEFAULT_DAYS);
    let r = state
        .services
        .attribution
        .report(&viewer, &handle, days, Timestamp::now())
        .await?;
    let ui = Ui::load(&state, &ctx).await;
    let chart = chart(&ui, &r);
    let chart_h = i64::try_from(chart.len()).unwrap_or(0) * ROW_H;
    let periods = PERIODS
        .iter()
        .map(|d| PeriodLink {
            label: ui.t_with("attr.days", "n", &d.to_string()),
            href: format!("/s/{}/attribution?days={d}", r.shop_handle),
            on: *d == r.days,
        })
        .collect();
    let posts = r
        .posts
        .iter()
        .map(|p| {
            let (author, author_name) = name_of(&ui, &p.creator);
            PostRow {
                post_id: p.post_id,
                exists: p.exists,
                hidden: p.hidden,
                thumb: p
                    .thumb_key
                    .as_deref()
                    .map(|k| image_url(k, u32::try_from(p.thumb_width).unwrap_or(0), 160))
                    .unwrap_or_default(),
                caption: p.caption.chars().take(80).collect(),
                author,
                author_name,
                clicks: p.clicks,
                orders: p.orders,
                revenue: p.revenue.format(ui.locale),
                conversion: pct(p.orders, p.clicks),
            }
        })
        .collect();
    let creators = r
        .creators
        .iter()
        .map(|c| {
            let (username, name) = name_of(&ui, &c.creator);
            CreatorRow {
                username,
                name,
                posts: c.posts,
                clicks: c.clicks,
                orders: c.orders,
                revenue: c.revenue.format(ui.locale),
                conversion: pct(c.orders, c.clicks),
            }
        })
        .collect();
    let page = AttributionPage {
        handle: r.shop_handle.clone(),
        name: r.shop_name.clone(),
        periods,
        intro: ui.t_with(
            "attr.intro",
            "days",
            &(CLICK_WINDOW_SECS / 86_400).to_string(),
        ),
        period_range: format!("{} – {}", r.since.date_string(), r.until.date_string()),
        clicks: r.clicks,
        orders: r.orders,
        revenue: r.revenue.format(ui.locale),
        conversion: pct(r.orders, r.clicks),
        chart_summary: ui.t_with("attr.chart_summary", "n", &chart.len().to_string()),
        chart,
        chart_w: CHART_W,
        chart_h,
        posts,
        creators,
        ui,
    };
    Ok(render(StatusCode::OK, &page))
}
