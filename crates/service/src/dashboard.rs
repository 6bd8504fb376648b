//! The merchant dashboard: today's orders, revenue per day for the last 30 days, what waits for the
//! merchant, low stock, and recent orders — all for one shop, behind the shop permission check.

use crate::shops::{ShopRef, require_staff};
use crate::{ServiceError, ServiceResult, Viewer};
use souk_domain::{Currency, Money, Timestamp};
use souk_store::Db;

/// Days of revenue history the chart shows, today included.
pub const CHART_DAYS: i64 = 30;
/// Tracked variants at or below this many units are listed as low stock.
pub const LOW_STOCK_THRESHOLD: i64 = 5;
const DAY_US: i64 = 86_400_000_000;

#[derive(Clone)]
pub struct DashboardService {
    db: Db,
}

#[derive(Debug, Clone)]
pub struct DayRevenue {
    /// Midnight UTC of the day.
    pub day: Timestamp,
    pub orders: i64,
    pub revenue: Money,
}

#[derive(Debug, Clone)]
pub struct Dashboard {
    pub shop_handle: String,
    pub shop_name: String,
    pub currency: Currency,
    pub orders_today: i64,
    pub revenue_today: Money,
    pub orders_30d: i64,
    pub revenue_30d: Money,
    /// Paid orders waiting to be shipped, and order requests waiting for an answer.
    pub to_fulfil: i64,
    pub requests: i64,
    pub website_clicks_30d: i64,
    /// One entry per day, oldest first, days without orders included.
    pub days: Vec<DayRevenue>,
    pub low_stock: Vec<souk_store::dashboard::LowStock>,
    pub recent: Vec<RecentOrder>,
}

#[derive(Debug, Clone)]
pub struct RecentOrder {
    pub id: i64,
    pub status: String,
    pub total: Money,
    pub buyer: String,
    pub created_at: Timestamp,
}

impl DashboardService {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    pub async fn for_shop(
        &self,
        viewer: &Viewer,
        handle: &str,
        now: Timestamp,
    ) -> ServiceResult<Dashboard> {
        use souk_store::dashboard as d;
        let mut h = self.db.read().await?;
        let access = require_staff(h.conn(), viewer, ShopRef::Handle(handle), false).await?;
        let shop = access.shop_id;
        let (name, currency) = d::shop_basics(h.conn(), shop).await?;
        let currency =
            Currency::parse(&currency).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let today = now.as_micros().div_euclid(DAY_US);
        let first = today - (CHART_DAYS - 1);
        let (orders_today, revenue_today) =
            d::orders_between(h.conn(), shop, today * DAY_US, (today + 1) * DAY_US).await?;
        let (orders_30d, revenue_30d) =
            d::orders_between(h.conn(), shop, first * DAY_US, (today + 1) * DAY_US).await?;
        let per_day = d::revenue_by_day(h.conn(), shop, first * DAY_US).await?;
        let days = (first..=today)
            .map(|day| {
                let (orders, revenue) = per_day
                    .iter()
                    .find(|(d, _, _)| *d == day)
                    .map_or((0, 0), |(_, o, r)| (*o, *r));
                DayRevenue {
                    day: Timestamp::from_micros(day * DAY_US),
                    orders,
                    revenue: Money::new(revenue, currency),
                }
            })
            .collect();
        let (to_fulfil, requests) = d::waiting_counts(h.conn(), shop).await?;
        let low_stock = d::low_stock(h.conn(), shop, LOW_STOCK_THRESHOLD, 10).await?;
        let recent = d::recent_orders(h.conn(), shop, 5)
            .await?
            .into_iter()
            .map(|(id, status, total, buyer, at)| RecentOrder {
                id,
                status,
                total: Money::new(total, currency),
                buyer,
                created_at: Timestamp::from_micros(at),
            })
            .collect();
        let website_clicks_30d = d::clicks_since(h.conn(), shop, first * DAY_US).await?;
        Ok(Dashboard {
            shop_handle: access.handle,
            shop_name: name,
            currency,
            orders_today,
            revenue_today: Money::new(revenue_today, currency),
            orders_30d,
            revenue_30d: Money::new(revenue_30d, currency),
            to_fulfil,
            requests,
            website_clicks_30d,
            days,
            low_stock,
            recent,
        })
    }
}
