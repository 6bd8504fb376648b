//! Checkout: re-validating a shop's cart lines, shipping and tax, taking stock, creating the order, and the
//! website and order-by-message modes. Also the shop's shipping regions, which checkout prices against.
//!
//! Everything from re-reading the cart to removing its lines happens in one transaction: stock is taken
//! with the store's conditional UPDATE, so if any line is short the whole order rolls back and no unit
//! is ever sold twice. Payment runs after that transaction (the caller hands the order to payments).

use crate::cart::{available, currency_of, sellable};
use crate::ledger::rb;
use crate::mail::{MailKind, enqueue_order_mail};
use crate::orders::{OrderView, load_view};
use crate::shops::{ShopRef, require_staff};
use crate::{CommerceConfig, Refusal, ServiceError, ServiceResult, Viewer};
use serde_json::json;
use souk_domain::money::apply_bps;
use souk_domain::{Currency, FieldError, Money, Timestamp};
use souk_store::carts::{self, CartLineRecord};
use souk_store::inventory::{self, Take};
use souk_store::orders::{self, Address, NewLine, NewOrder};
use souk_store::regions::{self, NewRate, RateRecord, RegionRecord};
use souk_store::{Conn, Db};

#[derive(Clone)]
pub struct CheckoutService {
    db: Db,
    config: CommerceConfig,
}

/// An amount as a client sends it.
#[derive(Debug, Clone)]
pub struct MoneyIn {
    pub amount_minor: i64,
    pub currency: String,
}

#[derive(Debug, Clone, Default)]
pub struct AddressIn {
    pub name: String,
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub country: String,
    pub phone: String,
}

/// How the shopper wants to pay; payments turns it into a provider call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentChoice {
    Test { card_number: String },
    Manual,
}

impl PaymentChoice {
    pub fn provider(&self) -> &'static str {
        match self {
            PaymentChoice::Test { .. } => "test",
            PaymentChoice::Manual => "manual",
        }
    }
}

#[derive(Debug, Clone)]
pub struct CheckoutCommand {
    pub shop: String,
    pub address: AddressIn,
    pub email: Option<String>,
    pub shipping_rate_id: Option<i64>,
    pub payment: PaymentChoice,
    pub expected_total: Option<MoneyIn>,
    /// "Buy now": `(variant id, quantity)` bought on its own, leaving the cart untouched. `None` buys the
    /// shop's cart lines.
    pub buy_now: Option<(i64, i64)>,
}

/// A shop's region as commands describe it.
#[derive(Debug, Clone)]
pub struct RegionInput {
    pub name: String,
    pub countries: Vec<String>,
    pub tax_bps: i64,
    pub rates: Vec<RateInput>,
}

#[derive(Debug, Clone)]
pub struct RateInput {
    pub name: String,
    pub kind: String,
    pub amount: MoneyIn,
    pub min_grams: Option<i64>,
    pub max_grams: Option<i64>,
    pub free_over: Option<MoneyIn>,
}

#[derive(Debug, Clone)]
pub struct RegionView {
    pub id: i64,
    pub name: String,
    pub countries: Vec<String>,
    pub tax_bps: i64,
    pub rates: Vec<RateView>,
}

#[derive(Debug, Clone)]
pub struct RateView {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub amount: Money,
    pub min_grams: Option<i64>,
    pub max_grams: Option<i64>,
    pub free_over: Option<Money>,
}

/// What a shop's cart would cost shipped to one country: the choices and the totals for the chosen one.
#[derive(Debug, Clone)]
pub struct Quote {
    pub shop_handle: String,
    pub shop_name: String,
    pub currency: Currency,
    pub checkout_mode: String,
    pub lines: Vec<CartLineRecord>,
    pub subtotal: Money,
    /// Shipping methods that apply to this cart and country, each with its price for this cart.
    pub options: Vec<(RateView, Money)>,
    pub chosen_rate_id: Option<i64>,
    pub shipping: Money,
    pub tax: Money,
    pub tax_bps: i64,
    pub total: Money,
    /// False when the shop has regions but none includes the country.
    pub ships_there: bool,
    pub weight_grams: i64,
}

/// Result of placing an order, for the caller to start payment.
#[derive(Debug, Clone)]
pub struct Placed {
    pub order_id: i64,
    pub payment: PaymentChoice,
}

fn rate_view(r: &RateRecord, currency: Currency) -> RateView {
    RateView {
        id: r.id,
        name: r.name.clone(),
        kind: r.kind.clone(),
        amount: Money::new(r.amount_minor, currency),
        min_grams: r.min_grams,
        max_grams: r.max_grams,
        free_over: r.free_over_minor.map(|m| Money::new(m, currency)),
    }
}

fn region_view(r: &RegionRecord, currency: Currency) -> RegionView {
    RegionView {
        id: r.id,
        name: r.name.clone(),
        countries: r.countries.clone(),
        tax_bps: r.tax_bps,
        rates: r.rates.iter().map(|x| rate_view(x, currency)).collect(),
    }
}

fn rate_applies(r: &RateRecord, weight: i64) -> bool {
    r.kind == "flat"
        || (r.min_grams.is_none_or(|min| weight >= min)
            && r.max_grams.is_none_or(|max| weight < max))
}

fn rate_price(r: &RateRecord, subtotal: i64) -> i64 {
    match r.free_over_minor {
        Some(free) if subtotal >= free => 0,
        _ => r.amount_minor,
    }
}

fn line_details(lines: &[&CartLineRecord]) -> serde_json::Value {
    json!(
        lines
            .iter()
            .map(|l| json!({
                "variant_id": l.variant.variant_id,
                "title": l.variant.title,
                "quantity": l.quantity,
                "unit_price": {"amount_minor": l.variant.price_minor, "currency": l.variant.currency},
                "added_price": {"amount_minor": l.added_price_minor, "currency": l.added_currency},
                "stock_left": l.variant.track_inventory.then_some(l.variant.stock),
            }))
            .collect::<Vec<_>>()
    )
}

fn parse_country(s: &str, field: &'static str) -> Result<String, FieldError> {
    let c = s.trim().to_ascii_uppercase();
    if c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(c)
    } else {
        Err(FieldError::new(
            field,
            "invalid_country",
            "Use a two-letter country code such as US or KR.",
        ))
    }
}

fn validate_address(a: &AddressIn) -> ServiceResult<Address> {
    let mut errors = Vec::new();
    let mut req = |v: &str, field: &'static str, max: usize| -> String {
        let t = v.trim().to_owned();
        if t.is_empty() {
            errors.push(FieldError::new(
                field,
                "required",
                "This field is required.",
            ));
        } else if t.chars().count() > max {
            errors.push(FieldError::new(
                field,
                "too_long",
                format!("At most {max} characters."),
            ));
        }
        t
    };
    let name = req(&a.name, "address.name", 200);
    let line1 = req(&a.line1, "address.line1", 200);
    let city = req(&a.city, "address.city", 100);
    let postal_code = req(&a.postal_code, "address.postal_code", 20);
    let mut opt = |v: &str, field: &'static str, max: usize| -> String {
        let t = v.trim().to_owned();
        if t.chars().count() > max {
            errors.push(FieldError::new(
                field,
                "too_long",
                format!("At most {max} characters."),
            ));
        }
        t
    };
    let line2 = opt(&a.line2, "address.line2", 200);
    let region = opt(&a.region, "address.region", 100);
    let phone = opt(&a.phone, "address.phone", 40);
    let country = match parse_country(&a.country, "address.country") {
        Ok(c) => c,
        Err(e) => {
            errors.push(e);
            String::new()
        }
    };
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    Ok(Address {
        name,
        line1,
        line2,
        city,
        region,
        postal_code,
        country,
        phone,
    })
}

fn money_in(m: &MoneyIn, currency: Currency, field: &'static str) -> ServiceResult<i64> {
    if !m.currency.trim().eq_ignore_ascii_case(currency.code()) {
        return Err(ServiceError::field(
            field,
            "currency_mismatch",
            format!("Amounts must be in {}.", currency.code()),
        ));
    }
    if m.amount_minor < 0 {
        return Err(ServiceError::field(
            field,
            "negative",
            "Amounts cannot be negative.",
        ));
    }
    Ok(m.amount_minor)
}

fn validate_region(
    r: &RegionInput,
    currency: Currency,
) -> ServiceResult<(String, Vec<String>, Vec<NewRate>)> {
    let mut errors = Vec::new();
    let name = r.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError::new(
            "name",
            "required",
            "Name the region (at most 100 characters).",
        ));
    }
    let mut countries = Vec::new();
    for c in &r.countries {
        match parse_country(c, "countries") {
            Ok(c) if !countries.contains(&c) => countries.push(c),
            Ok(_) => {}
            Err(e) => errors.push(e),
        }
    }
    if countries.is_empty() {
        errors.push(FieldError::new(
            "countries",
            "required",
            "List at least one country.",
        ));
    }
    if !(0..=10_000).contains(&r.tax_bps) {
        errors.push(FieldError::new(
            "tax_bps",
            "out_of_range",
            "Tax must be between 0 and 100 %.",
        ));
    }
    let mut rates = Vec::new();
    for rate in &r.rates {
        let kind = rate.kind.trim();
        if kind != "flat" && kind != "weight" {
            errors.push(FieldError::new(
                "rates.kind",
                "invalid_choice",
                "A rate is flat or weight.",
            ));
            continue;
        }
        let rname = rate.name.trim();
        if rname.is_empty() || rname.chars().count() > 100 {
            errors.push(FieldError::new(
                "rates.name",
                "required",
                "Name each shipping method.",
            ));
        }
        let amount = match money_in(&rate.amount, currency, "rates.amount") {
            Ok(a) => a,
            Err(ServiceError::Validation(mut e)) => {
                errors.append(&mut e);
                0
            }
            Err(e) => return Err(e),
        };
        let free_over = match &rate.free_over {
            Some(f) => match money_in(f, currency, "rates.free_over") {
                Ok(a) => Some(a),
                Err(ServiceError::Validation(mut e)) => {
                    errors.append(&mut e);
                    None
                }
                Err(e) => return Err(e),
            },
            None => None,
        };
        let (min, max) = if kind == "weight" {
            let min = rate.min_grams.unwrap_or(0);
            if min < 0 || rate.max_grams.is_some_and(|m| m <= min) {
                errors.push(FieldError::new(
                    "rates.max_grams",
                    "invalid_band",
                    "A weight band needs 0 ≤ min < max grams.",
                ));
            }
            (Some(min), rate.max_grams)
        } else {
            (None, None)
        };
        rates.push(NewRate {
            name: rname.to_owned(),
            kind: kind.to_owned(),
            min_grams: min,
            max_grams: max,
            amount_minor: amount,
            free_over_minor: free_over,
        });
    }
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    Ok((name, countries, rates))
}

/// A shop's cart lines priced for one country.
struct Priced {
    subtotal: Money,
    options: Vec<(RateView, Money)>,
    chosen: Option<i64>,
    shipping: Money,
    tax: Money,
    tax_bps: i64,
    ships: bool,
    weight: i64,
}

/// Prices a shop's cart lines for a country. `ships` is false (and no options) when the shop has
/// regions and none of them lists the country; a shop without regions ships everywhere, free, untaxed.
fn price(
    regions: &[RegionRecord],
    lines: &[CartLineRecord],
    currency: Currency,
    country: Option<&str>,
    rate_id: Option<i64>,
) -> Priced {
    let subtotal: i64 = lines
        .iter()
        .map(|l| l.variant.price_minor.saturating_mul(l.quantity))
        .fold(0i64, i64::saturating_add);
    let weight: i64 = lines
        .iter()
        .map(|l| l.variant.weight_grams.saturating_mul(l.quantity))
        .fold(0i64, i64::saturating_add);
    let m = |x: i64| Money::new(x, currency);
    let mut priced = Priced {
        subtotal: m(subtotal),
        options: Vec::new(),
        chosen: None,
        shipping: m(0),
        tax: m(0),
        tax_bps: 0,
        ships: regions.is_empty(),
        weight,
    };
    let region = country.and_then(|c| regions.iter().find(|r| r.countries.iter().any(|x| x == c)));
    let Some(region) = region else {
        return priced;
    };
    priced.options = region
        .rates
        .iter()
        .filter(|r| rate_applies(r, weight))
        .map(|r| (rate_view(r, currency), m(rate_price(r, subtotal))))
        .collect();
    let chosen = match rate_id {
        Some(id) => priced.options.iter().find(|(r, _)| r.id == id),
        None => priced.options.iter().min_by_key(|(_, p)| p.amount_minor),
    };
    priced.chosen = chosen.map(|(r, _)| r.id);
    priced.shipping = m(chosen.map(|(_, p)| p.amount_minor).unwrap_or(0));
    priced.ships = region.rates.is_empty() || chosen.is_some();
    priced.tax = m(apply_bps(subtotal, region.tax_bps));
    priced.tax_bps = region.tax_bps;
    priced
}

fn shipping_unavailable() -> ServiceError {
    ServiceError::refused(
        Refusal::Unprocessable,
        "shipping_unavailable",
        "This shop does not ship to that address with that shipping method.",
    )
}

/// What a checkout read and checked, ready to be written.
struct Ready {
    cart: Option<i64>,
    lines: Vec<CartLineRecord>,
    order: NewOrder,
}

enum Prep {
    Ready(Box<Ready>),
    /// Prices changed since the lines were added: the cart is repriced and the shopper told.
    Repriced {
        cart: Option<i64>,
        repriced: Vec<(i64, i64, String)>,
        refusal: ServiceError,
    },
}

/// The address and e-mail of a checkout, checked before anything is read.
fn validate_checkout(cmd: &CheckoutCommand) -> ServiceResult<(Address, String)> {
    let address = validate_address(&cmd.address)?;
    if let PaymentChoice::Test { card_number } = &cmd.payment
        && card_number.trim().is_empty()
    {
        return Err(ServiceError::field(
            "payment.card_number",
            "required",
            "Enter the card number.",
        ));
    }
    let email = cmd.email.as_deref().map(str::trim).unwrap_or("").to_owned();
    if !email.is_empty() && (!email.contains('@') || email.len() > 254) {
        return Err(ServiceError::field(
            "email",
            "invalid_email",
            "Enter a valid e-mail address.",
        ));
    }
    Ok((address, email))
}

/// Takes stock for every line, in one global order (variant id) so concurrent multi-line checkouts cannot
/// deadlock; returns the variants whose stock was taken (untracked ones are left out).
async fn take_stock(
    mut c: Conn<'_>,
    lines: &[CartLineRecord],
    now: i64,
) -> ServiceResult<Vec<i64>> {
    let mut sorted: Vec<&CartLineRecord> = lines.iter().collect();
    sorted.sort_by_key(|l| l.variant.variant_id);
    let mut taken = Vec::with_capacity(sorted.len());
    for l in &sorted {
        match inventory::take(rb(&mut c), l.variant.variant_id, l.quantity, now).await? {
            Take::Taken => taken.push(l.variant.variant_id),
            Take::Untracked => {}
            Take::Short => return Err(sold_out(l)),
        }
    }
    Ok(taken)
}

/// Takes stock for the lines read as tracked, in variant id order; a shortfall, or a variant that
/// stopped tracking stock since it was read, refuses the checkout so its transaction rolls back.
async fn take_tracked(mut c: Conn<'_>, lines: &[CartLineRecord], now: i64) -> ServiceResult<()> {
    let mut sorted: Vec<&CartLineRecord> =
        lines.iter().filter(|l| l.variant.track_inventory).collect();
    sorted.sort_by_key(|l| l.variant.variant_id);
    for l in sorted {
        match inventory::take(rb(&mut c), l.variant.variant_id, l.quantity, now).await? {
            Take::Taken => {}
            Take::Untracked | Take::Short => return Err(sold_out(l)),
        }
    }
    Ok(())
}

fn sold_out(l: &CartLineRecord) -> ServiceError {
    ServiceError::refused(
        Refusal::Conflict,
        "out_of_stock",
        "Some items sold out while you were checking out.",
    )
    .with_details(json!({"lines": line_details(&[l])}))
}

/// The order line a cart line becomes, at the variant's current price.
fn new_line(l: &CartLineRecord, stock_taken: bool) -> NewLine {
    NewLine {
        product_id: l.variant.product_id,
        variant_id: l.variant.variant_id,
        title: l.variant.title.clone(),
        variant_title: l.variant.variant_title(),
        sku: l.variant.sku.clone(),
        unit_price_minor: l.variant.price_minor,
        quantity: l.quantity,
        stock_taken,
    }
}

/// Writes an order's lines (one statement), takes them out of the cart (one), queues the "order placed" mail and credits the
/// order to the buyer's last tag click.
async fn write_lines(
    mut c: Conn<'_>,
    order_id: i64,
    ready: &Ready,
    stock_taken: impl Fn(i64) -> bool,
    now: i64,
) -> ServiceResult<()> {
    let lines: Vec<NewLine> = ready
        .lines
        .iter()
        .map(|l| new_line(l, stock_taken(l.variant.variant_id)))
        .collect();
    orders::insert_lines(rb(&mut c), order_id, &lines).await?;
    if let Some(cart) = ready.cart {
        let ids: Vec<i64> = ready.lines.iter().map(|l| l.variant.variant_id).collect();
        carts::remove_items(rb(&mut c), cart, &ids).await?;
    }
    enqueue_order_mail(rb(&mut c), order_id, MailKind::OrderPlaced).await?;
    // Credits the order to the buyer's last tag click, in this transaction (see attribution.rs).
    crate::attribution::attribute_order(rb(&mut c), order_id, now).await?;
    Ok(())
}

async fn shop_lines(
    mut c: Conn<'_>,
    user_id: i64,
    shop: &str,
) -> ServiceResult<(Option<i64>, Vec<CartLineRecord>)> {
    let Some(cart) = carts::user_cart(rb(&mut c), user_id).await? else {
        return Ok((None, Vec::new()));
    };
    let lines = carts::lines(rb(&mut c), cart)
        .await?
        .into_iter()
        .filter(|l| l.variant.shop_handle.eq_ignore_ascii_case(shop.trim()))
        .collect();
    Ok((Some(cart), lines))
}

/// Prices `lines` (one shop's) shipped to `country` with the chosen (or cheapest) shipping method.
async fn quote_lines(
    mut c: Conn<'_>,
    lines: Vec<CartLineRecord>,
    country: Option<&str>,
    rate_id: Option<i64>,
) -> ServiceResult<Quote> {
    let Some(first) = lines.first() else {
        return Err(cart_empty());
    };
    let currency = currency_of(&first.variant.shop_currency)?;
    let regions = regions::list(rb(&mut c), first.variant.shop_id).await?;
    let country = country.and_then(|c| parse_country(c, "country").ok());
    let mut p = price(&regions, &lines, currency, country.as_deref(), rate_id);
    if p.chosen.is_none() && rate_id.is_some() {
        // A method picked for another country: show this country's cheapest instead.
        p = price(&regions, &lines, currency, country.as_deref(), None);
    }
    let Priced {
        subtotal,
        options,
        chosen,
        shipping,
        tax,
        tax_bps,
        ships,
        weight,
    } = p;
    Ok(Quote {
        shop_handle: first.variant.shop_handle.clone(),
        shop_name: first.variant.shop_name.clone(),
        currency,
        checkout_mode: first.variant.shop_checkout_mode.clone(),
        subtotal,
        options,
        chosen_rate_id: chosen,
        total: Money::new(
            subtotal.amount_minor + shipping.amount_minor + tax.amount_minor,
            currency,
        ),
        shipping,
        tax,
        tax_bps,
        ships_there: ships,
        weight_grams: weight,
        lines,
    })
}

fn cart_empty() -> ServiceError {
    ServiceError::refused(
        Refusal::Conflict,
        "cart_empty",
        "Your cart has nothing from this shop.",
    )
}

impl CheckoutService {
    pub fn new(db: Db, config: CommerceConfig) -> Self {
        Self { db, config }
    }

    /// What checking out a shop's part of the cart would cost, for the checkout page.
    pub async fn quote(
        &self,
        viewer: &Viewer,
        shop: &str,
        country: Option<&str>,
        rate_id: Option<i64>,
    ) -> ServiceResult<Quote> {
        let mut h = self.db.read().await?;
        let (_, lines) = shop_lines(h.conn(), viewer.user_id, shop).await?;
        quote_lines(h.conn(), lines, country, rate_id).await
    }

    /// The address of the viewer's latest order, so a repeat buyer does not type it again.
    pub async fn last_address(&self, viewer: &Viewer) -> ServiceResult<Option<AddressIn>> {
        let mut h = self.db.read().await?;
        Ok(souk_store::orders::last_address(h.conn(), viewer.user_id)
            .await?
            .map(|a| AddressIn {
                name: a.0,
                line1: a.1,
                line2: a.2,
                city: a.3,
                region: a.4,
                postal_code: a.5,
                country: a.6,
                phone: a.7,
            }))
    }

    /// What buying one variant on its own ("Buy now") would cost; the cart is not read.
    pub async fn quote_buy_now(
        &self,
        shop: &str,
        variant_id: i64,
        quantity: i64,
        country: Option<&str>,
        rate_id: Option<i64>,
    ) -> ServiceResult<Quote> {
        crate::cart::check_quantity(quantity)?;
        let mut h = self.db.read().await?;
        let variant = carts::variant(h.conn(), variant_id)
            .await?
            .filter(|v| v.shop_handle.eq_ignore_ascii_case(shop.trim()))
            .ok_or(ServiceError::NotFound)?;
        let line = CartLineRecord {
            added_price_minor: variant.price_minor,
            added_currency: variant.currency.clone(),
            added_at: Timestamp::now().as_micros(),
            quantity,
            variant,
        };
        quote_lines(h.conn(), vec![line], country, rate_id).await
    }

    /// Places a pending order for one shop's lines of the viewer's cart (the plan's checkout steps). The
    /// caller starts payment for the returned order; [`Self::place_and_pay`] does both in one transaction
    /// for providers that answer locally.
    pub async fn place_order(
        &self,
        viewer: &Viewer,
        cmd: &CheckoutCommand,
    ) -> ServiceResult<Placed> {
        let now = Timestamp::now().as_micros();
        let (mut tx, ready) = self.begin_prepared(viewer, cmd, now).await?;
        let taken = take_stock(tx.conn(), &ready.lines, now).await?;
        let order_id = orders::insert(tx.conn(), &ready.order, Some(viewer.user_id), now).await?;
        write_lines(
            tx.conn(),
            order_id,
            &ready,
            |variant| taken.contains(&variant),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Placed {
            order_id,
            payment: cmd.payment.clone(),
        })
    }

    /// Checkout with a provider that answers locally (the test card, manual payment): the order, its
    /// payment, the ledger entries, the mail and the stock all change in one transaction, so there is one
    /// commit and nothing to repair if the process dies half-way. Stock rows are updated last, just before
    /// the commit, so a hot product's row is locked as briefly as possible; a shortfall then rolls back
    /// the whole order. A declined payment leaves a cancelled order and takes no stock, as
    /// [`crate::payments::PaymentService::pay`] does.
    pub async fn place_and_pay(
        &self,
        viewer: &Viewer,
        cmd: &CheckoutCommand,
        payments: &crate::payments::PaymentService,
        method: crate::payments::PaymentMethod,
    ) -> ServiceResult<OrderView> {
        let provider = payments.local_provider(&method)?;
        let now = Timestamp::now();
        let us = now.as_micros();
        let (mut tx, ready) = self.begin_prepared(viewer, cmd, us).await?;
        let order_id = orders::insert(tx.conn(), &ready.order, Some(viewer.user_id), us).await?;
        let currency = currency_of(&ready.order.currency)?;
        let amount = Money::new(ready.order.total_minor, currency);
        let start = payments
            .start_with(provider.as_ref(), order_id, amount, method, 1)
            .await?;
        let declined = matches!(start, crate::payments::PaymentStart::Declined { .. });
        let tracked: Vec<i64> = ready
            .lines
            .iter()
            .filter(|l| l.variant.track_inventory)
            .map(|l| l.variant.variant_id)
            .collect();
        write_lines(
            tx.conn(),
            order_id,
            &ready,
            |variant| !declined && tracked.contains(&variant),
            us,
        )
        .await?;
        let money = souk_store::payments::OrderMoney {
            id: order_id,
            shop_id: ready.order.shop_id,
            buyer_id: viewer.user_id,
            status: "pending".into(),
            currency: ready.order.currency.clone(),
            total_minor: ready.order.total_minor,
            paid_minor: 0,
            refunded_minor: 0,
            payment_provider: ready.order.payment_provider.clone(),
        };
        let outcome = payments
            .record_start(tx.conn(), &money, provider.as_ref(), amount, &start, now)
            .await?;
        if !declined {
            take_tracked(tx.conn(), &ready.lines, us).await?;
        }
        let record = orders::get(tx.conn(), order_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        // A merchant buying from their own shop sees the order as staff, as the order page would show it.
        let staff = crate::shops::role_in(tx.conn(), Some(viewer), record.shop_id)
            .await?
            .is_some();
        let view = load_view(tx.conn(), record, Some(viewer), staff).await?;
        tx.commit().await?;
        match outcome {
            Some(refusal) => Err(refusal),
            None => Ok(view),
        }
    }

    /// Checks the command, opens the checkout's transaction and prepares the order in it. When prices
    /// changed, the transaction is dropped, the cart repriced and the refusal returned.
    async fn begin_prepared(
        &self,
        viewer: &Viewer,
        cmd: &CheckoutCommand,
        now: i64,
    ) -> ServiceResult<(souk_store::Tx, Box<Ready>)> {
        let (address, email) = validate_checkout(cmd)?;
        let mut tx = self.db.begin().await?;
        match self
            .prepare(tx.conn(), viewer, cmd, address, email, now)
            .await?
        {
            Prep::Ready(r) => Ok((tx, r)),
            Prep::Repriced {
                cart,
                repriced,
                refusal,
            } => {
                drop(tx);
                Err(self.reprice(cart, repriced, refusal).await)
            }
        }
    }

    /// Reads and checks everything a checkout needs before it writes: the lines, availability, prices,
    /// shipping and the expected total.
    async fn prepare(
        &self,
        mut c: Conn<'_>,
        viewer: &Viewer,
        cmd: &CheckoutCommand,
        address: Address,
        email: String,
        now: i64,
    ) -> ServiceResult<Prep> {
        let (cart, lines) = match cmd.buy_now {
            None => {
                carts::lock_user_cart(rb(&mut c), viewer.user_id, now).await?;
                shop_lines(rb(&mut c), viewer.user_id, &cmd.shop).await?
            }
            Some((variant_id, quantity)) => {
                crate::cart::check_quantity(quantity)?;
                let variant = carts::variant(rb(&mut c), variant_id)
                    .await?
                    .filter(|v| v.shop_handle.eq_ignore_ascii_case(cmd.shop.trim()))
                    .ok_or(ServiceError::NotFound)?;
                if !sellable(&variant) {
                    return Err(ServiceError::refused(
                        Refusal::Conflict,
                        "not_purchasable",
                        "This item is not for sale right now.",
                    ));
                }
                // The shopper sees the current price on the product page, so "added" is now.
                let line = CartLineRecord {
                    added_price_minor: variant.price_minor,
                    added_currency: variant.currency.clone(),
                    added_at: now,
                    quantity,
                    variant,
                };
                (None, vec![line])
            }
        };
        let Some(first) = lines.first() else {
            return Err(cart_empty());
        };
        let shop_id = first.variant.shop_id;
        let currency = currency_of(&first.variant.shop_currency)?;
        match first.variant.shop_checkout_mode.as_str() {
            "website" => {
                return Err(ServiceError::refused(
                    Refusal::Conflict,
                    "checkout_mode_website",
                    "This shop sells on its own website.",
                ));
            }
            "message" => {
                return Err(ServiceError::refused(
                    Refusal::Conflict,
                    "checkout_mode_message",
                    "This shop takes orders by message: send an order request instead.",
                ));
            }
            _ => {}
        }
        let unavailable: Vec<&CartLineRecord> = lines
            .iter()
            .filter(|l| !available(&l.variant, l.quantity))
            .collect();
        if !unavailable.is_empty() {
            return Err(ServiceError::refused(
                Refusal::Conflict,
                "out_of_stock",
                "Some items are no longer available in that quantity.",
            )
            .with_details(json!({"lines": line_details(&unavailable)})));
        }
        let changed: Vec<&CartLineRecord> = lines
            .iter()
            .filter(|l| {
                l.variant.price_minor != l.added_price_minor
                    || l.variant.currency != l.added_currency
            })
            .collect();
        if !changed.is_empty() {
            let details = json!({"lines": line_details(&changed)});
            let repriced: Vec<(i64, i64, String)> = changed
                .iter()
                .map(|l| {
                    (
                        l.variant.variant_id,
                        l.variant.price_minor,
                        l.variant.currency.clone(),
                    )
                })
                .collect();
            return Ok(Prep::Repriced {
                cart,
                repriced,
                refusal: ServiceError::refused(
                    Refusal::Conflict,
                    "cart_changed",
                    "Prices changed since you added these items. Review your cart.",
                )
                .with_details(details),
            });
        }
        let regions = regions::list(rb(&mut c), shop_id).await?;
        let Priced {
            subtotal,
            chosen,
            shipping,
            tax,
            ships,
            ..
        } = price(
            &regions,
            &lines,
            currency,
            Some(&address.country),
            cmd.shipping_rate_id,
        );
        if !ships || (cmd.shipping_rate_id.is_some() && chosen != cmd.shipping_rate_id) {
            return Err(shipping_unavailable());
        }
        let shipping_method = chosen
            .and_then(|id| {
                regions
                    .iter()
                    .flat_map(|r| r.rates.iter())
                    .find(|r| r.id == id)
                    .map(|r| r.name.clone())
            })
            .unwrap_or_default();
        let total = subtotal.amount_minor + shipping.amount_minor + tax.amount_minor;
        if let Some(expected) = &cmd.expected_total
            && (expected.amount_minor != total
                || !expected
                    .currency
                    .trim()
                    .eq_ignore_ascii_case(currency.code()))
        {
            return Err(ServiceError::refused(
                Refusal::Conflict,
                "total_changed",
                "The total changed since you reviewed it.",
            )
            .with_details(json!({"total": {"amount_minor": total, "currency": currency.code()}})));
        }
        let email = if email.is_empty() {
            orders::user_email(rb(&mut c), viewer.user_id).await?
        } else {
            email
        };
        let order = NewOrder {
            shop_id,
            buyer_id: viewer.user_id,
            status: "pending".into(),
            currency: currency.code().into(),
            subtotal_minor: subtotal.amount_minor,
            shipping_minor: shipping.amount_minor,
            tax_minor: tax.amount_minor,
            total_minor: total,
            payment_provider: cmd.payment.provider().into(),
            email,
            address,
            shipping_method,
            note: String::new(),
            reserved_until: Some(
                Timestamp::from_micros(now)
                    .plus_seconds(self.config.reservation_secs)
                    .as_micros(),
            ),
        };
        Ok(Prep::Ready(Box::new(Ready { cart, lines, order })))
    }

    /// The shopper has now been told prices changed: the next attempt goes through at the new prices.
    async fn reprice(
        &self,
        cart: Option<i64>,
        repriced: Vec<(i64, i64, String)>,
        refusal: ServiceError,
    ) -> ServiceError {
        let result: ServiceResult<()> = async {
            let mut tx = self.db.begin().await?;
            if let Some(cart) = cart {
                for (variant_id, price, cur) in repriced {
                    carts::reprice(tx.conn(), cart, variant_id, price, &cur).await?;
                }
            }
            tx.commit().await?;
            Ok(())
        }
        .await;
        match result {
            Ok(()) => refusal,
            Err(e) => e,
        }
    }

    /// Order by message: sends the shop's cart lines to the merchant as an order request (status
    /// `requested`, no stock taken until the merchant confirms).
    pub async fn request_order(
        &self,
        viewer: &Viewer,
        shop: &str,
        note: &str,
    ) -> ServiceResult<OrderView> {
        let note = note.trim();
        if note.chars().count() > 2000 {
            return Err(ServiceError::field(
                "note",
                "too_long",
                "At most 2000 characters.",
            ));
        }
        let now = Timestamp::now().as_micros();
        let mut tx = self.db.begin().await?;
        carts::lock_user_cart(tx.conn(), viewer.user_id, now).await?;
        let (cart, lines) = shop_lines(tx.conn(), viewer.user_id, shop).await?;
        let (Some(cart), Some(first)) = (cart, lines.first()) else {
            return Err(cart_empty());
        };
        if first.variant.shop_checkout_mode != "message" {
            return Err(ServiceError::refused(
                Refusal::Conflict,
                "order_requests_disabled",
                "This shop does not take orders by message.",
            ));
        }
        let unsellable: Vec<&CartLineRecord> =
            lines.iter().filter(|l| !sellable(&l.variant)).collect();
        if !unsellable.is_empty() {
            return Err(ServiceError::refused(
                Refusal::Conflict,
                "not_purchasable",
                "Some items cannot be ordered right now.",
            )
            .with_details(json!({"lines": line_details(&unsellable)})));
        }
        let currency = currency_of(&first.variant.shop_currency)?;
        let subtotal: i64 = lines
            .iter()
            .map(|l| l.variant.price_minor.saturating_mul(l.quantity))
            .fold(0, i64::saturating_add);
        let email = orders::user_email(tx.conn(), viewer.user_id).await?;
        let order = NewOrder {
            shop_id: first.variant.shop_id,
            buyer_id: viewer.user_id,
            status: "requested".into(),
            currency: currency.code().into(),
            subtotal_minor: subtotal,
            shipping_minor: 0,
            tax_minor: 0,
            total_minor: subtotal,
            payment_provider: String::new(),
            email,
            address: Address::default(),
            shipping_method: String::new(),
            note: note.to_owned(),
            reserved_until: None,
        };
        let order_id = orders::insert(tx.conn(), &order, Some(viewer.user_id), now).await?;
        // No stock is taken until the merchant confirms the request.
        let new_lines: Vec<NewLine> = lines.iter().map(|l| new_line(l, false)).collect();
        orders::insert_lines(tx.conn(), order_id, &new_lines).await?;
        let ids: Vec<i64> = lines.iter().map(|l| l.variant.variant_id).collect();
        carts::remove_items(tx.conn(), cart, &ids).await?;
        enqueue_order_mail(tx.conn(), order_id, MailKind::OrderRequestReceived).await?;
        crate::attribution::attribute_order(tx.conn(), order_id, now).await?;
        let rec = orders::get(tx.conn(), order_id)
            .await?
            .ok_or_else(|| ServiceError::Internal("order vanished".into()))?;
        let view = load_view(tx.conn(), rec, Some(viewer), false).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Website mode: records a buy-button click and returns where to send the shopper, with UTM
    /// parameters. `NotFound` unless the product is active and sold on the merchant's website.
    pub async fn click_out(
        &self,
        viewer: Option<&Viewer>,
        product_id: i64,
    ) -> ServiceResult<String> {
        let mut tx = self.db.begin().await?;
        let v = carts::product_variant(tx.conn(), product_id)
            .await?
            .filter(|v| v.product_status == "active" && v.checkout_mode() == "website")
            .ok_or(ServiceError::NotFound)?;
        let base = if v.external_url.trim().is_empty() {
            v.website_url.trim()
        } else {
            v.external_url.trim()
        };
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(ServiceError::NotFound);
        }
        orders::record_click(
            tx.conn(),
            v.shop_id,
            product_id,
            viewer.map(|v| v.user_id),
            Timestamp::now().as_micros(),
        )
        .await?;
        tx.commit().await?;
        let (without_fragment, fragment) = match base.split_once('#') {
            Some((a, f)) => (a, Some(f)),
            None => (base, None),
        };
        let sep = if without_fragment.contains('?') {
            '&'
        } else {
            '?'
        };
        let handle: String = v
            .shop_handle
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        let mut url = format!(
            "{without_fragment}{sep}utm_source=souk&utm_medium=social&utm_campaign={handle}&utm_content={product_id}"
        );
        if let Some(f) = fragment {
            url.push('#');
            url.push_str(f);
        }
        Ok(url)
    }

    /// A shop's regions (staff only).
    pub async fn regions(&self, viewer: &Viewer, shop: &str) -> ServiceResult<Vec<RegionView>> {
        let mut h = self.db.read().await?;
        let access = require_staff(h.conn(), viewer, ShopRef::Handle(shop), false).await?;
        let currency = self.shop_currency(h.conn(), access.shop_id).await?;
        Ok(regions::list(h.conn(), access.shop_id)
            .await?
            .iter()
            .map(|r| region_view(r, currency))
            .collect())
    }

    async fn shop_currency(&self, c: Conn<'_>, shop_id: i64) -> ServiceResult<Currency> {
        let code = orders::shop_currency(c, shop_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        currency_of(&code)
    }

    /// The currency of a shop the viewer is staff of (prices in region forms are in it).
    pub async fn shop_currency_of(&self, viewer: &Viewer, shop: &str) -> ServiceResult<Currency> {
        let mut h = self.db.read().await?;
        let access = require_staff(h.conn(), viewer, ShopRef::Handle(shop), false).await?;
        self.shop_currency(h.conn(), access.shop_id).await
    }

    pub async fn add_region(
        &self,
        viewer: &Viewer,
        shop: &str,
        input: &RegionInput,
    ) -> ServiceResult<RegionView> {
        let mut tx = self.db.begin().await?;
        let access = require_staff(tx.conn(), viewer, ShopRef::Handle(shop), false).await?;
        let currency = self.shop_currency(tx.conn(), access.shop_id).await?;
        let (name, countries, rates) = validate_region(input, currency)?;
        let id = regions::insert(
            tx.conn(),
            access.shop_id,
            &name,
            &countries,
            input.tax_bps,
            Timestamp::now().as_micros(),
        )
        .await?;
        for r in &rates {
            regions::add_rate(tx.conn(), id, r).await?;
        }
        let view = regions::list(tx.conn(), access.shop_id)
            .await?
            .iter()
            .find(|r| r.id == id)
            .map(|r| region_view(r, currency))
            .ok_or_else(|| ServiceError::Internal("region vanished".into()))?;
        tx.commit().await?;
        Ok(view)
    }

    pub async fn update_region(
        &self,
        viewer: &Viewer,
        region_id: i64,
        input: &RegionInput,
    ) -> ServiceResult<RegionView> {
        let mut tx = self.db.begin().await?;
        let shop_id = regions::shop_of(tx.conn(), region_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        require_staff(tx.conn(), viewer, ShopRef::Id(shop_id), false).await?;
        let currency = self.shop_currency(tx.conn(), shop_id).await?;
        let (name, countries, rates) = validate_region(input, currency)?;
        regions::update(tx.conn(), region_id, &name, &countries, input.tax_bps).await?;
        for r in &rates {
            regions::add_rate(tx.conn(), region_id, r).await?;
        }
        let view = regions::list(tx.conn(), shop_id)
            .await?
            .iter()
            .find(|r| r.id == region_id)
            .map(|r| region_view(r, currency))
            .ok_or_else(|| ServiceError::Internal("region vanished".into()))?;
        tx.commit().await?;
        Ok(view)
    }

    pub async fn delete_region(&self, viewer: &Viewer, region_id: i64) -> ServiceResult<()> {
        let mut tx = self.db.begin().await?;
        let shop_id = regions::shop_of(tx.conn(), region_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        require_staff(tx.conn(), viewer, ShopRef::Id(shop_id), false).await?;
        regions::delete(tx.conn(), region_id).await?;
        tx.commit().await?;
        Ok(())
    }
}
