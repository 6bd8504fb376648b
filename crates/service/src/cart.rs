//! Carts: adding, changing and removing items, logged-out cookie carts and merging them on login.
//!
//! A cart keeps lines from several shops; each shop is checked out on its own. Every line remembers the
//! price the shopper saw when adding it, so the cart and checkout can say when a price changed since.

use crate::{Refusal, ServiceError, ServiceResult};
use souk_domain::commerce::{Availability, MAX_CART_LINES, MAX_LINE_QUANTITY};
use souk_domain::{Currency, Money, Timestamp};
use souk_store::carts::{self, CartLineRecord, VariantRecord};
use souk_store::{Conn, Db};

#[derive(Clone)]
pub struct CartService {
    db: Db,
}

/// Whose cart: an account, or a logged-out browser identified by its cart cookie token.
#[derive(Debug, Clone, Copy)]
pub enum Shopper<'a> {
    User(i64),
    Guest(&'a str),
}

#[derive(Debug, Clone)]
pub struct CartView {
    pub shops: Vec<CartShop>,
    /// Units across all lines.
    pub item_count: i64,
}

#[derive(Debug, Clone)]
pub struct CartShop {
    pub shop_id: i64,
    pub handle: String,
    pub name: String,
    pub currency: Currency,
    pub checkout_mode: String,
    pub lines: Vec<CartLine>,
    pub subtotal: Money,
    /// Every line can be bought as it stands.
    pub ready: bool,
}

#[derive(Debug, Clone)]
pub struct CartLine {
    pub variant_id: i64,
    pub product_id: i64,
    pub title: String,
    pub variant_title: String,
    pub sku: String,
    pub quantity: i64,
    pub unit_price: Money,
    pub added_price: Money,
    pub price_changed: bool,
    pub available: bool,
    /// Units left of a tracked variant; `None` when inventory is not tracked.
    pub stock_left: Option<i64>,
    pub total: Money,
}

impl CartView {
    pub fn shop(&self, handle: &str) -> Option<&CartShop> {
        self.shops
            .iter()
            .find(|s| s.handle.eq_ignore_ascii_case(handle))
    }
}

pub(crate) fn currency_of(code: &str) -> ServiceResult<Currency> {
    Currency::parse(code).map_err(|e| ServiceError::Internal(format!("stored currency: {e}")))
}

/// Whether the variant can be sold at all right now (ignoring how many).
pub(crate) fn sellable(v: &VariantRecord) -> bool {
    v.product_status == "active"
        && Availability::parse(&v.availability, "availability").is_ok_and(|a| a.purchasable())
}

/// Whether `quantity` units can be bought as the variant stands now.
pub(crate) fn available(v: &VariantRecord, quantity: i64) -> bool {
    sellable(v) && (!v.track_inventory || v.stock >= quantity)
}

/// Refuses a variant nobody can buy; `quantity` is what the line would hold.
fn check_purchasable(v: &VariantRecord, quantity: i64) -> ServiceResult<()> {
    if v.product_status != "active" || v.availability == "discontinued" {
        return Err(ServiceError::refused(
            Refusal::Conflict,
            "not_purchasable",
            "This item cannot be bought right now.",
        )
        .with_details(serde_json::json!({"variant_id": v.variant_id})));
    }
    if v.checkout_mode() == "website" {
        return Err(ServiceError::refused(
            Refusal::Conflict,
            "checkout_mode_website",
            "This item is sold on the shop's own website.",
        )
        .with_details(serde_json::json!({"variant_id": v.variant_id})));
    }
    if !available(v, quantity) {
        return Err(ServiceError::refused(
            Refusal::Conflict,
            "out_of_stock",
            "Not enough of this item is left.",
        )
        .with_details(serde_json::json!({
            "variant_id": v.variant_id,
            "stock_left": v.track_inventory.then_some(v.stock),
        })));
    }
    Ok(())
}

pub(crate) fn check_quantity(quantity: i64) -> ServiceResult<()> {
    if (1..=MAX_LINE_QUANTITY).contains(&quantity) {
        Ok(())
    } else {
        Err(ServiceError::refused(
            Refusal::Unprocessable,
            "quantity_out_of_range",
            format!("Quantity must be between 1 and {MAX_LINE_QUANTITY}."),
        )
        .with_details(serde_json::json!({"min": 1, "max": MAX_LINE_QUANTITY})))
    }
}

/// Groups cart lines by shop with current prices and availability.
pub(crate) fn build_view(records: Vec<CartLineRecord>) -> ServiceResult<CartView> {
    let mut shops: Vec<CartShop> = Vec::new();
    let mut item_count = 0;
    for r in records {
        let v = &r.variant;
        let currency = currency_of(&v.currency)?;
        let added_currency = currency_of(&r.added_currency)?;
        let unit_price = Money::new(v.price_minor, currency);
        let added_price = Money::new(r.added_price_minor, added_currency);
        let line = CartLine {
            variant_id: v.variant_id,
            product_id: v.product_id,
            title: v.title.clone(),
            variant_title: v.variant_title(),
            sku: v.sku.clone(),
            quantity: r.quantity,
            unit_price,
            added_price,
            price_changed: unit_price != added_price,
            available: available(v, r.quantity),
            stock_left: v.track_inventory.then_some(v.stock),
            total: Money::new(v.price_minor.saturating_mul(r.quantity), currency),
        };
        item_count += r.quantity;
        let idx = match shops.iter().position(|s| s.shop_id == v.shop_id) {
            Some(i) => i,
            None => {
                let shop_currency = currency_of(&v.shop_currency)?;
                shops.push(CartShop {
                    shop_id: v.shop_id,
                    handle: v.shop_handle.clone(),
                    name: v.shop_name.clone(),
                    currency: shop_currency,
                    checkout_mode: v.shop_checkout_mode.clone(),
                    lines: Vec::new(),
                    subtotal: Money::new(0, shop_currency),
                    ready: true,
                });
                shops.len() - 1
            }
        };
        let shop = &mut shops[idx];
        shop.subtotal.amount_minor = shop
            .subtotal
            .amount_minor
            .saturating_add(line.total.amount_minor);
        shop.ready &= line.available && !line.price_changed;
        shop.lines.push(line);
    }
    Ok(CartView { shops, item_count })
}

async fn existing_cart(c: Conn<'_>, who: Shopper<'_>) -> ServiceResult<Option<i64>> {
    Ok(match who {
        Shopper::User(id) => carts::user_cart(c, id).await?,
        Shopper::Guest(token) => carts::token_cart(c, &crate::secrets::digest(token)).await?,
    })
}

async fn ensure_cart(c: Conn<'_>, who: Shopper<'_>, now: i64) -> ServiceResult<i64> {
    Ok(match who {
        Shopper::User(id) => carts::ensure_user_cart(c, id, now).await?,
        Shopper::Guest(token) => {
            carts::ensure_token_cart(c, &crate::secrets::digest(token), now).await?
        }
    })
}

impl CartService {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// A fresh secret for a logged-out cart cookie.
    pub fn new_guest_token() -> String {
        crate::secrets::random_token("souk_cart_")
    }

    pub async fn view(&self, who: Shopper<'_>) -> ServiceResult<CartView> {
        let mut h = self.db.read().await?;
        let Some(cart) = existing_cart(h.conn(), who).await? else {
            return Ok(CartView {
                shops: Vec::new(),
                item_count: 0,
            });
        };
        build_view(carts::lines(h.conn(), cart).await?)
    }

    /// Units in an account's cart, for the header badge.
    pub async fn item_count(&self, user_id: i64) -> ServiceResult<i64> {
        let mut h = self.db.read().await?;
        Ok(carts::user_item_count(h.conn(), user_id).await?)
    }

    /// Adds `quantity` units of a variant (on top of what the cart already holds).
    pub async fn add(
        &self,
        who: Shopper<'_>,
        variant_id: i64,
        quantity: i64,
    ) -> ServiceResult<CartView> {
        check_quantity(quantity)?;
        let now = Timestamp::now().as_micros();
        let mut tx = self.db.begin().await?;
        let variant = carts::variant(tx.conn(), variant_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let cart = ensure_cart(tx.conn(), who, now).await?;
        if let Shopper::User(id) = who {
            // Serialises concurrent adds to one account's cart on PostgreSQL (read, then write the sum).
            carts::lock_user_cart(tx.conn(), id, now).await?;
        }
        let existing = carts::line_quantity(tx.conn(), cart, variant_id).await?;
        let total = existing.unwrap_or(0).saturating_add(quantity);
        check_quantity(total)?;
        check_purchasable(&variant, total)?;
        if existing.is_none() && carts::count_lines(tx.conn(), cart).await? >= MAX_CART_LINES {
            return Err(ServiceError::refused(
                Refusal::Conflict,
                "cart_full",
                format!("A cart holds at most {MAX_CART_LINES} different items."),
            ));
        }
        carts::set_item(
            tx.conn(),
            cart,
            variant_id,
            total,
            variant.price_minor,
            &variant.currency,
            now,
        )
        .await?;
        let view = build_view(carts::lines(tx.conn(), cart).await?)?;
        tx.commit().await?;
        Ok(view)
    }

    /// Sets a line's quantity; 404 when the cart has no such line.
    pub async fn set_quantity(
        &self,
        who: Shopper<'_>,
        variant_id: i64,
        quantity: i64,
    ) -> ServiceResult<CartView> {
        check_quantity(quantity)?;
        let mut tx = self.db.begin().await?;
        let cart = existing_cart(tx.conn(), who)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let variant = carts::variant(tx.conn(), variant_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if carts::line_quantity(tx.conn(), cart, variant_id)
            .await?
            .is_none()
        {
            return Err(ServiceError::NotFound);
        }
        check_purchasable(&variant, quantity)?;
        carts::update_quantity(tx.conn(), cart, variant_id, quantity).await?;
        let view = build_view(carts::lines(tx.conn(), cart).await?)?;
        tx.commit().await?;
        Ok(view)
    }

    pub async fn remove(&self, who: Shopper<'_>, variant_id: i64) -> ServiceResult<CartView> {
        let mut tx = self.db.begin().await?;
        let cart = existing_cart(tx.conn(), who)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if !carts::remove_item(tx.conn(), cart, variant_id).await? {
            return Err(ServiceError::NotFound);
        }
        let view = build_view(carts::lines(tx.conn(), cart).await?)?;
        tx.commit().await?;
        Ok(view)
    }

    /// Moves a logged-out cart into the account's cart after log-in. Safe to call repeatedly: the
    /// logged-out cart is deleted once merged.
    pub async fn merge_guest(&self, token: &str, user_id: i64) -> ServiceResult<()> {
        let now = Timestamp::now().as_micros();
        let mut tx = self.db.begin().await?;
        let Some(guest) = carts::token_cart(tx.conn(), &crate::secrets::digest(token)).await?
        else {
            return Ok(());
        };
        let mine = carts::ensure_user_cart(tx.conn(), user_id, now).await?;
        carts::merge(tx.conn(), guest, mine, MAX_LINE_QUANTITY).await?;
        tx.commit().await?;
        Ok(())
    }
}
