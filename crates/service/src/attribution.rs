//! Attribution: which post (and which creator) sold what. Owns recording clicks on product tags, crediting
//! an order to the last qualifying click at checkout, claiming a guest's clicks once they log in, and the
//! per-shop report the merchant dashboard shows. Kept apart from tags and checkout because affiliates will
//! build on it.
//!
//! The rules, in one place:
//! - A click counts when the tag's post is visible, its product is active, and the viewer is not the
//!   post's author. The same viewer (account, or guest browser token) clicking the same tag again within
//!   [`DEDUPE_SECS`] is not counted again.
//! - Guests' clicks carry a random token kept in a browser cookie. When that browser is next used signed
//!   in, the web layer calls [`AttributionService::claim_guest_clicks`], and those clicks become the
//!   account's (except clicks on the account's own posts).
//! - At order placement (website checkout and order-by-message requests), inside the order's transaction,
//!   [`attribute_order`] looks at the buyer's clicks on the shop's tags in the [`CLICK_WINDOW_SECS`]
//!   before the order whose product is in the order. The most recent one wins and gets the whole credit.
//! - The credited amount is the sum of the order's lines for every product the buyer reached through a
//!   tag in the window — not the whole subtotal: items added to the cart from elsewhere were not sold by
//!   the post, and affiliate commissions later must be computed on what the post actually sold.
//! - Revenue is computed when the report is read: only orders that are paid, fulfilled or delivered
//!   count, and each counts the attributed lines less their refunded units, capped at what the shop kept
//!   of the order (paid − refunded), so a refund by amount that eats into the attributed items lowers it
//!   too. A cancellation or refund after the sale changes the report without touching attribution rows.

use crate::shops::{ShopRef, require_staff};
use crate::{ServiceError, ServiceResult, Viewer};
use souk_domain::{Currency, Money, Timestamp};
use souk_store::attribution::{self as store, BuyerClick, NewAttribution, NewClick, TagTarget};
use souk_store::{Conn, Db};
use std::collections::{HashMap, HashSet};

/// How long after a tag click a purchase is still credited to the post: 7 days, the common window of
/// social-commerce platforms.
pub const CLICK_WINDOW_SECS: i64 = 7 * 86_400;
/// Repeated clicks by the same viewer on the same tag within this many seconds count once.
pub const DEDUPE_SECS: i64 = 60;
/// The report periods the dashboard offers, in days; the first is not the default, [`DEFAULT_DAYS`] is.
pub const PERIODS: [i64; 3] = [7, 30, 90];
pub const DEFAULT_DAYS: i64 = 30;
/// Posts listed in the report's table (the totals count every post).
pub const MAX_POST_ROWS: usize = 100;
const US_PER_SEC: i64 = 1_000_000;

#[derive(Clone)]
pub struct AttributionService {
    db: Db,
}

/// Why a click was not counted (it is still followed to the product).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotCounted {
    OwnPost,
    HiddenPost,
    ProductUnavailable,
    Duplicate,
    /// Neither an account nor a guest token: nothing to credit a later purchase to.
    Anonymous,
}

impl NotCounted {
    pub fn code(self) -> &'static str {
        match self {
            NotCounted::OwnPost => "own_post",
            NotCounted::HiddenPost => "hidden_post",
            NotCounted::ProductUnavailable => "product_unavailable",
            NotCounted::Duplicate => "duplicate",
            NotCounted::Anonymous => "anonymous",
        }
    }
}

/// What a click on a tag did and where it leads.
#[derive(Debug, Clone)]
pub struct ClickOutcome {
    pub tag_id: i64,
    pub post_id: i64,
    pub product_id: i64,
    pub variant_id: Option<i64>,
    pub click_id: Option<i64>,
    pub not_counted: Option<NotCounted>,
}

impl ClickOutcome {
    pub fn counted(&self) -> bool {
        self.click_id.is_some()
    }

    /// The product page, with the tagged variant preselected (`?variant=` is what the product page reads).
    pub fn product_path(&self) -> String {
        match self.variant_id {
            Some(v) => format!("/products/{}?variant={v}", self.product_id),
            None => format!("/products/{}", self.product_id),
        }
    }
}

/// One post's line in the report.
#[derive(Debug, Clone)]
pub struct PostStats {
    pub post_id: i64,
    /// False when the post was deleted since (its sales still count).
    pub exists: bool,
    pub hidden: bool,
    pub caption: String,
    pub thumb_key: Option<String>,
    pub thumb_width: i32,
    pub creator: Creator,
    pub clicks: i64,
    pub orders: i64,
    pub revenue: Money,
}

#[derive(Debug, Clone, Default)]
pub struct Creator {
    pub user_id: i64,
    /// Empty when the account was deleted.
    pub username: String,
    pub display_name: String,
}

/// One creator's line: every post of theirs that tagged the shop's products.
#[derive(Debug, Clone)]
pub struct CreatorStats {
    pub creator: Creator,
    pub posts: i64,
    pub clicks: i64,
    pub orders: i64,
    pub revenue: Money,
}

/// Orders per click, in percent, when there were clicks.
pub fn conversion_pct(orders: i64, clicks: i64) -> Option<f64> {
    (clicks > 0).then(|| orders as f64 * 100.0 / clicks as f64)
}

#[derive(Debug, Clone)]
pub struct AttributionReport {
    pub shop_handle: String,
    pub shop_name: String,
    pub currency: Currency,
    pub days: i64,
    /// Start of the period (inclusive) and its end (now, exclusive).
    pub since: Timestamp,
    pub until: Timestamp,
    pub clicks: i64,
    pub orders: i64,
    pub revenue: Money,
    /// Highest revenue first, then most orders and clicks; at most [`MAX_POST_ROWS`].
    pub posts: Vec<PostStats>,
    pub creators: Vec<CreatorStats>,
}

/// A guest token as the web layer hands it over: what `random_token` makes, nothing else.
fn valid_guest_token(t: &str) -> bool {
    (20..=64).contains(&t.len())
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn reborrow<'a>(c: &'a mut Conn<'_>) -> Conn<'a> {
    match c {
        Conn::Sqlite(c) => Conn::Sqlite(c),
        Conn::Postgres(c) => Conn::Postgres(c),
    }
}

fn why_not_counted(t: &TagTarget, viewer: Option<&Viewer>) -> Option<NotCounted> {
    if viewer.is_some_and(|v| v.user_id == t.author_id) {
        Some(NotCounted::OwnPost)
    } else if t.post_hidden {
        Some(NotCounted::HiddenPost)
    } else if t.product_status != "active" {
        Some(NotCounted::ProductUnavailable)
    } else {
        None
    }
}

/// What an attributed sale is worth now: the attributed lines less refunded units, never more than the
/// shop kept of the whole order.
fn net_minor(o: &store::AttributedOrder) -> i64 {
    let kept = o.paid_minor.saturating_sub(o.refunded_minor);
    let lines = o.lines_kept_minor.min(o.attributed_minor).max(0);
    if o.paid_minor > 0 {
        lines.min(kept.max(0))
    } else {
        lines
    }
}

/// The checkout hook: credits a just-placed order to the buyer's last qualifying tag click, in the
/// caller's transaction (see the module rules). `now` is the order's placement time. Does nothing when no
/// click qualifies.
pub async fn attribute_order(c: Conn<'_>, order_id: i64, now: i64) -> ServiceResult<()> {
    let mut c = c;
    let Some(order) = store::order_for_attribution(reborrow(&mut c), order_id).await? else {
        return Ok(());
    };
    let since = now - CLICK_WINDOW_SECS * US_PER_SEC;
    let clicks =
        store::buyer_clicks(reborrow(&mut c), order.buyer_id, order.shop_id, since, now).await?;
    let in_order: HashSet<i64> = order.lines.iter().filter_map(|l| l.1).collect();
    // Newest first, so the first one left is the last click.
    let relevant: Vec<&BuyerClick> = clicks
        .iter()
        .filter(|k| in_order.contains(&k.product_id))
        .collect();
    let Some(last) = relevant.first() else {
        return Ok(());
    };
    let clicked: HashSet<i64> = relevant.iter().map(|k| k.product_id).collect();
    let lines: Vec<&(i64, Option<i64>, i64)> = order
        .lines
        .iter()
        .filter(|l| l.1.is_some_and(|p| clicked.contains(&p)))
        .collect();
    let attributed = lines.iter().map(|l| l.2).fold(0, i64::saturating_add);
    let line_ids: Vec<i64> = lines.iter().map(|l| l.0).collect();
    store::insert_attribution(
        c,
        &NewAttribution {
            order_id,
            click: last,
            shop_id: order.shop_id,
            attributed_minor: attributed.max(0),
            currency: &order.currency,
            line_ids: &line_ids,
            now,
        },
    )
    .await?;
    Ok(())
}

impl AttributionService {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Records a click on tag `tag_id` by the viewer, or by the guest browser holding `guest_token`.
    /// `NotFound` for an unknown tag; a click that does not count still answers with where it leads.
    pub async fn record_click(
        &self,
        viewer: Option<&Viewer>,
        guest_token: Option<&str>,
        tag_id: i64,
    ) -> ServiceResult<ClickOutcome> {
        self.record_click_as_of(viewer, guest_token, tag_id, Timestamp::now())
            .await
    }

    /// [`Self::record_click`] at a given time (tests and demo data place clicks in the past).
    pub async fn record_click_as_of(
        &self,
        viewer: Option<&Viewer>,
        guest_token: Option<&str>,
        tag_id: i64,
        at: Timestamp,
    ) -> ServiceResult<ClickOutcome> {
        let now = at.as_micros();
        let mut tx = self.db.begin().await?;
        let t = store::tag_target(tx.conn(), tag_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let mut outcome = ClickOutcome {
            tag_id: t.tag_id,
            post_id: t.post_id,
            product_id: t.product_id,
            variant_id: t.variant_id,
            click_id: None,
            not_counted: why_not_counted(&t, viewer),
        };
        if outcome.not_counted.is_some() {
            return Ok(outcome);
        }
        let guest = guest_token.filter(|g| valid_guest_token(g));
        let key = match (viewer, guest) {
            (Some(v), _) => format!("u:{}", v.user_id),
            (None, Some(g)) => format!("g:{g}"),
            (None, None) => {
                outcome.not_counted = Some(NotCounted::Anonymous);
                return Ok(outcome);
            }
        };
        // The look-back makes "within a minute" a sliding window; the unique (tag, viewer, minute) key
        // settles concurrent duplicates that both pass it.
        let since = now - DEDUPE_SECS * US_PER_SEC;
        if store::clicked_since(tx.conn(), t.tag_id, &key, since).await? {
            outcome.not_counted = Some(NotCounted::Duplicate);
            return Ok(outcome);
        }
        let id = store::insert_click(
            tx.conn(),
            &NewClick {
                target: &t,
                user_id: viewer.map(|v| v.user_id),
                guest_token: if viewer.is_some() { None } else { guest },
                clicker_key: &key,
                minute_bucket: now.div_euclid(DEDUPE_SECS * US_PER_SEC),
                clicked_at: now,
            },
        )
        .await?;
        tx.commit().await?;
        outcome.click_id = id;
        if id.is_none() {
            outcome.not_counted = Some(NotCounted::Duplicate);
        }
        Ok(outcome)
    }

    /// Gives the clicks a guest made on this browser (in the click window) to the account now signed in
    /// on it. Returns how many were claimed; an invalid token claims nothing.
    pub async fn claim_guest_clicks(
        &self,
        viewer: &Viewer,
        guest_token: &str,
    ) -> ServiceResult<u64> {
        if !valid_guest_token(guest_token) {
            return Ok(0);
        }
        let since = Timestamp::now().as_micros() - CLICK_WINDOW_SECS * US_PER_SEC;
        let mut tx = self.db.begin().await?;
        let n = store::claim_guest(tx.conn(), guest_token, viewer.user_id, since).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// The order's attribution, for staff of its shop (others get `NotFound`).
    pub async fn of_order(
        &self,
        viewer: &Viewer,
        order_id: i64,
    ) -> ServiceResult<Option<store::AttributionRecord>> {
        let mut h = self.db.read().await?;
        // Staff are checked on the order itself, so others cannot tell credited orders from the rest.
        let order = store::order_for_attribution(h.conn(), order_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        require_staff(h.conn(), viewer, ShopRef::Id(order.shop_id), false).await?;
        Ok(store::attribution_of(h.conn(), order_id).await?)
    }

    /// The shop's attribution over the last `days` (7, 30 or 90) up to `now`: staff only, others get
    /// `NotFound`.
    pub async fn report(
        &self,
        viewer: &Viewer,
        handle: &str,
        days: i64,
        now: Timestamp,
    ) -> ServiceResult<AttributionReport> {
        if !PERIODS.contains(&days) {
            return Err(ServiceError::field(
                "days",
                "period_invalid",
                "The period must be 7, 30 or 90 days.",
            ));
        }
        let mut h = self.db.read().await?;
        let access = require_staff(h.conn(), viewer, ShopRef::Handle(handle), false).await?;
        let shop = access.shop_id;
        let (shop_name, currency) = souk_store::dashboard::shop_basics(h.conn(), shop).await?;
        let currency =
            Currency::parse(&currency).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let until = now.as_micros().saturating_add(1);
        let since = now.as_micros() - days * 86_400 * US_PER_SEC;
        let clicks = store::clicks_by_post(h.conn(), shop, since, until).await?;
        // A shop that changed currency keeps its older sales out of a total they cannot be added to.
        let orders: Vec<store::AttributedOrder> =
            store::attributed_orders(h.conn(), shop, since, until)
                .await?
                .into_iter()
                .filter(|o| o.currency.eq_ignore_ascii_case(currency.code()))
                .collect();

        // (creator, clicks, orders, revenue) per post.
        let mut per_post: HashMap<i64, (i64, i64, i64, i64)> = HashMap::new();
        for (post, creator, n) in &clicks {
            let e = per_post.entry(*post).or_insert((*creator, 0, 0, 0));
            e.1 += n;
        }
        for o in &orders {
            let e = per_post.entry(o.post_id).or_insert((o.creator_id, 0, 0, 0));
            e.2 += 1;
            e.3 = e.3.saturating_add(net_minor(o));
        }
        let post_ids: Vec<i64> = per_post.keys().copied().collect();
        let infos: HashMap<i64, store::PostInfo> = store::posts_info(h.conn(), &post_ids)
            .await?
            .into_iter()
            .map(|p| (p.post_id, p))
            .collect();
        let creator_ids: Vec<i64> = per_post
            .values()
            .map(|v| v.0)
            .collect::<HashSet<i64>>()
            .into_iter()
            .collect();
        let users: HashMap<i64, Creator> = store::users_info(h.conn(), &creator_ids)
            .await?
            .into_iter()
            .map(|(id, username, display_name)| {
                (
                    id,
                    Creator {
                        user_id: id,
                        username,
                        display_name,
                    },
                )
            })
            .collect();
        let creator_of = |id: i64| {
            users.get(&id).cloned().unwrap_or(Creator {
                user_id: id,
                ..Creator::default()
            })
        };

        let mut posts: Vec<PostStats> = per_post
            .iter()
            .map(|(post_id, (creator, clicks, orders, revenue))| {
                let info = infos.get(post_id);
                PostStats {
                    post_id: *post_id,
                    exists: info.is_some(),
                    hidden: info.is_some_and(|i| i.hidden),
                    caption: info.map(|i| i.caption.clone()).unwrap_or_default(),
                    thumb_key: info.and_then(|i| i.media_key.clone()),
                    thumb_width: info.and_then(|i| i.width).unwrap_or(0),
                    creator: creator_of(*creator),
                    clicks: *clicks,
                    orders: *orders,
                    revenue: Money::new(*revenue, currency),
                }
            })
            .collect();
        posts.sort_by(|a, b| {
            (b.revenue.amount_minor, b.orders, b.clicks, b.post_id).cmp(&(
                a.revenue.amount_minor,
                a.orders,
                a.clicks,
                a.post_id,
            ))
        });

        let mut per_creator: HashMap<i64, CreatorStats> = HashMap::new();
        for p in &posts {
            let e = per_creator
                .entry(p.creator.user_id)
                .or_insert_with(|| CreatorStats {
                    creator: p.creator.clone(),
                    posts: 0,
                    clicks: 0,
                    orders: 0,
                    revenue: Money::new(0, currency),
                });
            e.posts += 1;
            e.clicks += p.clicks;
            e.orders += p.orders;
            e.revenue = Money::new(
                e.revenue
                    .amount_minor
                    .saturating_add(p.revenue.amount_minor),
                currency,
            );
        }
        let mut creators: Vec<CreatorStats> = per_creator.into_values().collect();
        creators.sort_by(|a, b| {
            (
                b.revenue.amount_minor,
                b.orders,
                b.clicks,
                b.creator.user_id,
            )
                .cmp(&(
                    a.revenue.amount_minor,
                    a.orders,
                    a.clicks,
                    a.creator.user_id,
                ))
        });

        let total_clicks = posts.iter().map(|p| p.clicks).sum();
        let total_orders = posts.iter().map(|p| p.orders).sum();
        let total_revenue = posts
            .iter()
            .map(|p| p.revenue.amount_minor)
            .fold(0, i64::saturating_add);
        posts.truncate(MAX_POST_ROWS);
        Ok(AttributionReport {
            shop_handle: access.handle,
            shop_name,
            currency,
            days,
            since: Timestamp::from_micros(since),
            until: now,
            clicks: total_clicks,
            orders: total_orders,
            revenue: Money::new(total_revenue, currency),
            posts,
            creators,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(attributed: i64, kept_lines: i64, paid: i64, refunded: i64) -> store::AttributedOrder {
        store::AttributedOrder {
            order_id: 1,
            post_id: 1,
            creator_id: 1,
            currency: "USD".into(),
            attributed_minor: attributed,
            lines_kept_minor: kept_lines,
            paid_minor: paid,
            refunded_minor: refunded,
        }
    }

    #[test]
    fn net_revenue_follows_refunds() {
        // No refund: the attributed lines.
        assert_eq!(net_minor(&order(1250, 1250, 1750, 0)), 1250);
        // The attributed line refunded by line: nothing left.
        assert_eq!(net_minor(&order(1250, 0, 1750, 1250)), 0);
        // A small refund by amount leaves the attributed items whole while the shop kept more.
        assert_eq!(net_minor(&order(1250, 1250, 1750, 300)), 1250);
        // A refund by amount that eats into them lowers it to what was kept.
        assert_eq!(net_minor(&order(1250, 1250, 1750, 1000)), 750);
    }

    #[test]
    fn guest_tokens_are_checked() {
        assert!(valid_guest_token(&crate::random_token("")));
        assert!(!valid_guest_token("short"));
        assert!(!valid_guest_token("has space in it and is long enough"));
    }

    #[test]
    fn conversion() {
        assert_eq!(conversion_pct(1, 4), Some(25.0));
        assert_eq!(conversion_pct(1, 0), None);
    }
}
