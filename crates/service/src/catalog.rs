//! The catalog: products with variants and images, their states, and collections.
//!
//! Every merchant action finds the product's shop first and then goes through
//! [`crate::shops::require_staff`]; shoppers only ever see active products, and anything they may not see
//! answers `NotFound`.

use crate::media::{Media, MediaError};
use crate::shops::{ShopRef, require_staff};
use crate::social::{Page, Upload, media_prefix};
use crate::{Refusal, ServiceError, ServiceResult, Viewer};
use souk_domain::commerce::{
    AgeGroup, Availability, CheckoutMode, Condition, Gender, ProductStatus, ShopRole, Sku,
};
use souk_domain::money::MAX_AMOUNT_MINOR;
use souk_domain::{Currency, FieldError, Money, Timestamp};
use souk_store::products::{self, Bind, ProductImage, ProductRecord, VariantRecord};
use souk_store::shops::{self as shop_store, ShopRecord};
use souk_store::{Conn, Db};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

pub const MAX_OPTIONS: usize = 3;
pub const MAX_VARIANTS: usize = 100;
pub const MAX_PRODUCT_IMAGES: usize = 10;
pub const MAX_TAGS: usize = 20;
pub const MAX_STOCK: i64 = 1_000_000_000;
pub const MAX_WEIGHT_GRAMS: i64 = 10_000_000;
/// The longest title and description any platform's feed accepts (Pinterest: 500 and 10,000), so a catalog
/// imported from one platform fits; exports to stricter platforms report what is too long for them.
const TITLE_MAX: usize = 500;
const DESCRIPTION_MAX: usize = 10_000;

#[derive(Clone)]
pub struct CatalogService {
    db: Db,
    media: Arc<Media>,
}

/// A price as a client sent it: integer minor units with a currency (JSON), or decimal text typed into a
/// form ("12.50", "15,000") that is parsed in the shop's currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PriceInput {
    Minor { amount_minor: i64, currency: String },
    Text(String),
}

/// Product fields to set; `None` keeps the current value (or the default on create). Nullable fields use
/// `Some(None)` to clear.
#[derive(Debug, Clone, Default)]
pub struct ProductInput {
    pub title: Option<String>,
    pub description: Option<String>,
    pub price: Option<PriceInput>,
    pub compare_at_price: Option<Option<PriceInput>>,
    pub status: Option<String>,
    pub brand: Option<String>,
    pub condition: Option<String>,
    pub product_type: Option<String>,
    pub google_category: Option<String>,
    pub gender: Option<Option<String>>,
    pub age_group: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub custom_labels: Option<Vec<String>>,
    pub checkout_mode: Option<Option<String>>,
    pub external_url: Option<String>,
    pub weight_grams: Option<i64>,
    pub item_id: Option<Option<String>>,
    /// Option axis names such as `["Colour", "Size"]` (at most three).
    pub options: Option<Vec<String>>,
    /// Stock of the default variant (create only, without `variants`); `Some(None)` = not tracked.
    pub stock: Option<Option<i64>>,
    /// Variants to create with the product (create only).
    pub variants: Option<Vec<VariantInput>>,
}

/// Variant fields to set; `None` keeps the current value. `stock: Some(None)` means "not tracked".
#[derive(Debug, Clone, Default)]
pub struct VariantInput {
    pub sku: Option<String>,
    pub options: Option<Vec<String>>,
    pub price: Option<Option<PriceInput>>,
    pub compare_at_price: Option<Option<PriceInput>>,
    pub stock: Option<Option<i64>>,
    pub availability: Option<String>,
    pub weight_grams: Option<Option<i64>>,
}

/// The shop fields a product page needs.
#[derive(Debug, Clone)]
pub struct ShopBrief {
    pub id: i64,
    pub handle: String,
    pub name: String,
    pub currency: Currency,
    pub checkout_mode: CheckoutMode,
    pub website_url: String,
}

#[derive(Debug, Clone)]
pub struct VariantView {
    pub record: VariantRecord,
    /// One value per product option axis.
    pub options: Vec<String>,
    /// The values joined by " / " ("Red / M"); empty for a product without options.
    pub title: String,
    /// The variant's own price, or the product's.
    pub price: Money,
    /// Shown struck through only when above `price`.
    pub compare_at: Option<Money>,
    /// Stored availability, except that a tracked in-stock variant with no units left is out of stock.
    pub availability: Availability,
    pub purchasable: bool,
}

impl VariantView {
    pub fn stock(&self) -> Option<i64> {
        self.record.track_inventory.then_some(self.record.stock)
    }
}

#[derive(Debug, Clone)]
pub struct ProductView {
    pub product: ProductRecord,
    pub shop: ShopBrief,
    pub status: ProductStatus,
    pub options: Vec<String>,
    pub tags: Vec<String>,
    pub price: Money,
    pub compare_at: Option<Money>,
    /// The product's override, else the shop's mode.
    pub checkout_mode: CheckoutMode,
    pub description_html: String,
    pub variants: Vec<VariantView>,
    pub images: Vec<ProductImage>,
    /// The viewer is staff of the product's shop.
    pub can_edit: bool,
    /// Exact aggregate of the product's visible reviews.
    pub rating: souk_store::reviews::RatingSummary,
}

impl ProductView {
    /// True when at least one variant can be bought now.
    pub fn purchasable(&self) -> bool {
        self.variants.iter().any(|v| v.purchasable)
    }

    /// The lowest variant price (for "from" prices on cards).
    pub fn min_price(&self) -> Money {
        self.variants
            .iter()
            .map(|v| v.price)
            .min_by_key(|m| m.amount_minor)
            .unwrap_or(self.price)
    }

    pub fn has_price_range(&self) -> bool {
        let mut prices = self.variants.iter().map(|v| v.price.amount_minor);
        match prices.next() {
            Some(first) => prices.any(|p| p != first),
            None => false,
        }
    }
}

fn parse_price(p: &PriceInput, cur: Currency, field: &'static str) -> Result<Money, FieldError> {
    match p {
        PriceInput::Text(t) => Money::parse(t, cur, field),
        PriceInput::Minor {
            amount_minor,
            currency,
        } => {
            let given =
                Currency::parse(currency).map_err(|e| FieldError::new(field, e.code, e.message))?;
            if given != cur {
                return Err(FieldError::new(
                    field,
                    "currency_mismatch",
                    format!(
                        "This shop sells in {}; prices must be in {}.",
                        cur.code(),
                        cur.code()
                    ),
                ));
            }
            if *amount_minor < 0 {
                return Err(FieldError::new(
                    field,
                    "negative_amount",
                    "the amount cannot be negative",
                ));
            }
            if *amount_minor > MAX_AMOUNT_MINOR {
                return Err(FieldError::new(
                    field,
                    "amount_too_large",
                    "the amount is larger than Souk accepts",
                ));
            }
            Ok(Money::new(*amount_minor, cur))
        }
    }
}

fn compare_at_error() -> FieldError {
    FieldError::new(
        "compare_at_price",
        "compare_at_not_above_price",
        "The compare-at price must be higher than the price.",
    )
}

fn parse_stock(stock: i64) -> Result<i64, FieldError> {
    if !(0..=MAX_STOCK).contains(&stock) {
        return Err(FieldError::new(
            "stock",
            "invalid_stock",
            format!("Stock must be between 0 and {MAX_STOCK}."),
        ));
    }
    Ok(stock)
}

fn parse_weight(w: i64) -> Result<i64, FieldError> {
    if !(0..=MAX_WEIGHT_GRAMS).contains(&w) {
        return Err(FieldError::new(
            "weight_grams",
            "invalid_weight",
            format!("Weight must be between 0 and {MAX_WEIGHT_GRAMS} grams."),
        ));
    }
    Ok(w)
}

fn text(raw: &str, field: &'static str, max: usize, required: bool) -> Result<String, FieldError> {
    crate::shops::text(raw, field, max, required)
}

fn parse_options(names: &[String]) -> Result<Vec<String>, FieldError> {
    if names.len() > MAX_OPTIONS {
        return Err(FieldError::new(
            "options",
            "too_many_options",
            format!("A product has at most {MAX_OPTIONS} options."),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for n in names {
        let n = text(n, "options", 40, true)?;
        if out.iter().any(|o| o.to_lowercase() == n.to_lowercase()) {
            return Err(FieldError::new(
                "options",
                "duplicate_option",
                "Option names must differ.",
            ));
        }
        out.push(n);
    }
    Ok(out)
}

fn options_of(p: &ProductRecord) -> Vec<String> {
    serde_json::from_str::<Vec<String>>(&p.options).unwrap_or_default()
}

fn tags_of(p: &ProductRecord) -> Vec<String> {
    p.tags
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Applies product fields onto `p`, collecting every field error.
fn apply_product(
    p: &mut ProductRecord,
    input: &ProductInput,
    cur: Currency,
    errors: &mut Vec<FieldError>,
) {
    let mut check = |r: Result<(), FieldError>| {
        if let Err(e) = r {
            errors.push(e);
        }
    };
    if let Some(t) = &input.title {
        check(text(t, "title", TITLE_MAX, true).map(|v| p.title = v));
    }
    if let Some(d) = &input.description {
        check(text(d, "description", DESCRIPTION_MAX, false).map(|v| p.description = v));
    }
    if let Some(price) = &input.price {
        check(parse_price(price, cur, "price").map(|m| p.price_minor = m.amount_minor));
    }
    if let Some(c) = &input.compare_at_price {
        check(match c {
            None => {
                p.compare_at_minor = None;
                Ok(())
            }
            Some(c) => parse_price(c, cur, "compare_at_price")
                .map(|m| p.compare_at_minor = Some(m.amount_minor)),
        });
    }
    if let Some(s) = &input.status {
        check(ProductStatus::parse(s, "status").map(|s| p.status = s.as_str().to_owned()));
    }
    if let Some(b) = &input.brand {
        check(text(b, "brand", 100, false).map(|v| p.brand = v));
    }
    if let Some(c) = &input.condition {
        check(Condition::parse(c, "condition").map(|c| p.condition = c.as_str().to_owned()));
    }
    if let Some(t) = &input.product_type {
        check(text(t, "product_type", 200, false).map(|v| p.product_type = v));
    }
    if let Some(t) = &input.google_category {
        check(text(t, "google_category", 300, false).map(|v| p.google_category = v));
    }
    if let Some(g) = &input.gender {
        check(
            match g.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => {
                    p.gender = None;
                    Ok(())
                }
                Some(g) => {
                    Gender::parse(g, "gender").map(|g| p.gender = Some(g.as_str().to_owned()))
                }
            },
        );
    }
    if let Some(a) = &input.age_group {
        check(
            match a.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => {
                    p.age_group = None;
                    Ok(())
                }
                Some(a) => AgeGroup::parse(a, "age_group")
                    .map(|a| p.age_group = Some(a.as_str().to_owned())),
            },
        );
    }
    if let Some(tags) = &input.tags {
        check((|| {
            let mut out: Vec<String> = Vec::new();
            for t in tags {
                // Commas separate tags in storage, so they cannot be part of one.
                let t = text(&t.replace(',', " "), "tags", 50, false)?;
                if !t.is_empty() && !out.iter().any(|o| o.to_lowercase() == t.to_lowercase()) {
                    out.push(t);
                }
            }
            if out.len() > MAX_TAGS {
                return Err(FieldError::new(
                    "tags",
                    "too_many_tags",
                    format!("A product has at most {MAX_TAGS} tags."),
                ));
            }
            p.tags = out.join(",");
            Ok(())
        })());
    }
    if let Some(labels) = &input.custom_labels {
        check((|| {
            if labels.len() > 5 {
                return Err(FieldError::new(
                    "custom_labels",
                    "too_many_labels",
                    "There are five custom labels (0–4).",
                ));
            }
            let mut out: [String; 5] = Default::default();
            for (i, l) in labels.iter().enumerate() {
                out[i] = text(l, "custom_labels", 100, false)?;
            }
            p.custom_labels = out;
            Ok(())
        })());
    }
    if let Some(m) = &input.checkout_mode {
        check(
            match m.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => {
                    p.checkout_mode = None;
                    Ok(())
                }
                Some(m) => CheckoutMode::parse(m, "checkout_mode")
                    .map(|m| p.checkout_mode = Some(m.as_str().to_owned())),
            },
        );
    }
    if let Some(u) = &input.external_url {
        check(crate::shops::parse_http_url(u, "external_url").map(|u| p.external_url = u));
    }
    if let Some(w) = input.weight_grams {
        check(parse_weight(w).map(|w| p.weight_grams = w));
    }
    if let Some(i) = &input.item_id {
        check(
            match i.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => {
                    p.item_id = None;
                    Ok(())
                }
                Some(i) => text(i, "item_id", 50, true).and_then(|i| {
                    if i.chars().any(|c| c.is_control() || c.is_whitespace()) {
                        Err(FieldError::new(
                            "item_id",
                            "invalid_characters",
                            "An item id cannot contain spaces.",
                        ))
                    } else {
                        p.item_id = Some(i);
                        Ok(())
                    }
                }),
            },
        );
    }
    if let Some(o) = &input.options {
        check(parse_options(o).and_then(|o| {
            p.options = serde_json::to_string(&o)
                .map_err(|e| FieldError::new("options", "invalid_options", e.to_string()))?;
            Ok(())
        }));
    }
}

/// Product-level rules that involve several fields.
fn check_product(p: &ProductRecord, errors: &mut Vec<FieldError>) {
    if p.compare_at_minor.is_some_and(|c| c <= p.price_minor) {
        errors.push(compare_at_error());
    }
    if p.checkout_mode.as_deref() == Some("website") && p.external_url.is_empty() {
        errors.push(FieldError::new(
            "external_url",
            "required_for_website",
            "Products sold on your website need the product's web address.",
        ));
    }
}

/// Applies variant fields onto `v`; returns whether stock was given (so updates only then write it).
fn apply_variant(
    v: &mut VariantRecord,
    input: &VariantInput,
    axes: usize,
    cur: Currency,
    errors: &mut Vec<FieldError>,
) -> bool {
    let mut check = |r: Result<(), FieldError>| {
        if let Err(e) = r {
            errors.push(e);
        }
    };
    if let Some(s) = &input.sku {
        check(Sku::parse(s).map(|s| v.sku = s.as_str().to_owned()));
    }
    if let Some(values) = &input.options {
        check((|| {
            if values.len() != axes {
                return Err(FieldError::new(
                    "options",
                    "options_mismatch",
                    format!(
                        "Each variant needs one value for each of the product's {axes} options."
                    ),
                ));
            }
            let mut out: [String; 3] = Default::default();
            for (i, val) in values.iter().enumerate() {
                out[i] = text(val, "options", 60, true)?;
            }
            v.options = out;
            Ok(())
        })());
    }
    if let Some(p) = &input.price {
        check(match p {
            None => {
                v.price_minor = None;
                Ok(())
            }
            Some(p) => parse_price(p, cur, "price").map(|m| v.price_minor = Some(m.amount_minor)),
        });
    }
    if let Some(p) = &input.compare_at_price {
        check(match p {
            None => {
                v.compare_at_minor = None;
                Ok(())
            }
            Some(p) => parse_price(p, cur, "compare_at_price")
                .map(|m| v.compare_at_minor = Some(m.amount_minor)),
        });
    }
    if let Some(s) = &input.stock {
        check(match s {
            None => {
                v.track_inventory = false;
                v.stock = 0;
                Ok(())
            }
            Some(n) => parse_stock(*n).map(|n| {
                v.track_inventory = true;
                v.stock = n;
            }),
        });
    }
    if let Some(a) = &input.availability {
        check(
            Availability::parse(a, "availability").map(|a| v.availability = a.as_str().to_owned()),
        );
    }
    if let Some(w) = &input.weight_grams {
        check(match w {
            None => {
                v.weight_grams = None;
                Ok(())
            }
            Some(w) => parse_weight(*w).map(|w| v.weight_grams = Some(w)),
        });
    }
    input.stock.is_some()
}

fn check_variant(v: &VariantRecord, p: &ProductRecord, axes: usize, errors: &mut Vec<FieldError>) {
    let price = v.price_minor.unwrap_or(p.price_minor);
    if v.compare_at_minor.is_some_and(|c| c <= price) {
        errors.push(compare_at_error());
    }
    if v.options.iter().take(axes).any(String::is_empty) {
        errors.push(FieldError::new(
            "options",
            "options_mismatch",
            format!("Each variant needs one value for each of the product's {axes} options."),
        ));
    }
}

fn variant_title(v: &VariantRecord, axes: usize) -> String {
    v.options
        .iter()
        .take(axes)
        .cloned()
        .collect::<Vec<_>>()
        .join(" / ")
}

fn sku_taken(sku: &str) -> ServiceError {
    ServiceError::refused(
        Refusal::Conflict,
        "sku_taken",
        format!("Another variant in this shop already uses SKU {sku}."),
    )
    .with_details(serde_json::json!({ "sku": sku }))
}

fn item_id_taken(item_id: &str) -> ServiceError {
    ServiceError::refused(
        Refusal::Conflict,
        "item_id_taken",
        format!("Another product in this shop already uses item id {item_id}."),
    )
    .with_details(serde_json::json!({ "item_id": item_id }))
}

fn duplicate_variant() -> ServiceError {
    ServiceError::field(
        "variants",
        "duplicate_variant",
        "Two variants have the same option values.",
    )
}

fn image_error(index: usize, e: MediaError) -> ServiceError {
    if e.is_user_error() {
        ServiceError::Validation(vec![FieldError::new(
            "images",
            e.code(),
            format!("Photo {}: {e}", index + 1),
        )])
    } else {
        ServiceError::Internal(e.to_string())
    }
}

/// Loads a product's shop brief.
fn brief(s: &ShopRecord) -> ServiceResult<ShopBrief> {
    Ok(ShopBrief {
        id: s.id,
        handle: s.handle.clone(),
        name: s.name.clone(),
        currency: Currency::parse(&s.currency).map_err(|e| ServiceError::Internal(e.message))?,
        checkout_mode: CheckoutMode::parse(&s.checkout_mode, "checkout_mode")
            .unwrap_or(CheckoutMode::Souk),
        website_url: s.website_url.clone(),
    })
}

/// Builds views for product rows: their shops, variants and images in three queries plus one per shop.
pub async fn views_of(
    c: Conn<'_>,
    viewer: Option<&Viewer>,
    rows: Vec<ProductRecord>,
) -> ServiceResult<Vec<ProductView>> {
    let mut c = c;
    let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
    // Two statements for the shops however many there are: the shops, then the viewer's roles in them.
    let mut shop_ids: Vec<i64> = rows.iter().map(|p| p.shop_id).collect();
    shop_ids.sort_unstable();
    shop_ids.dedup();
    let staff_in: Vec<i64> = match viewer {
        Some(v) => shop_store::staff_roles(reborrow(&mut c), &shop_ids, v.user_id)
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .collect(),
        None => Vec::new(),
    };
    let mut shops: HashMap<i64, (ShopBrief, bool)> = HashMap::new();
    for s in shop_store::by_ids(reborrow(&mut c), &shop_ids).await? {
        let staff = staff_in.contains(&s.id);
        shops.insert(s.id, (brief(&s)?, staff));
    }
    let mut variants: HashMap<i64, Vec<VariantRecord>> = HashMap::new();
    for v in products::variants_of(reborrow(&mut c), &ids).await? {
        variants.entry(v.product_id).or_default().push(v);
    }
    let mut images: HashMap<i64, Vec<ProductImage>> = HashMap::new();
    for i in products::images_of(reborrow(&mut c), &ids).await? {
        images.entry(i.product_id).or_default().push(i);
    }
    let mut ratings = souk_store::reviews::ratings_of(reborrow(&mut c), &ids).await?;
    let mut out = Vec::with_capacity(rows.len());
    for p in rows {
        let (shop, staff) = shops
            .get(&p.shop_id)
            .cloned()
            .ok_or(ServiceError::NotFound)?;
        let vs = variants.remove(&p.id).unwrap_or_default();
        let imgs = images.remove(&p.id).unwrap_or_default();
        let rating = ratings.remove(&p.id).unwrap_or_default();
        out.push(ProductView {
            rating,
            ..build_view(p, shop, staff, vs, imgs)
        });
    }
    Ok(out)
}

fn reborrow<'a>(c: &'a mut Conn<'_>) -> Conn<'a> {
    match c {
        Conn::Sqlite(c) => Conn::Sqlite(c),
        Conn::Postgres(c) => Conn::Postgres(c),
    }
}

fn build_view(
    p: ProductRecord,
    shop: ShopBrief,
    can_edit: bool,
    variants: Vec<VariantRecord>,
    images: Vec<ProductImage>,
) -> ProductView {
    // Imports keep a row's own currency; such a product is shown in it but sells only in the shop's.
    let cur = Currency::parse(&p.currency).unwrap_or(shop.currency);
    let sellable_currency = cur == shop.currency;
    let status = ProductStatus::parse(&p.status, "status").unwrap_or(ProductStatus::Draft);
    let options = options_of(&p);
    let axes = options.len();
    let variants = variants
        .into_iter()
        .map(|v| {
            let stored = Availability::parse(&v.availability, "availability")
                .unwrap_or(Availability::InStock);
            let availability =
                if v.track_inventory && v.stock <= 0 && stored == Availability::InStock {
                    Availability::OutOfStock
                } else {
                    stored
                };
            let purchasable = status == ProductStatus::Active
                && sellable_currency
                && availability.purchasable()
                && (!v.track_inventory || v.stock > 0);
            let price = Money::new(v.price_minor.unwrap_or(p.price_minor), cur);
            let compare_at = v
                .compare_at_minor
                .or(p.compare_at_minor)
                .filter(|c| *c > price.amount_minor)
                .map(|c| Money::new(c, cur));
            VariantView {
                options: v.options.iter().take(axes).cloned().collect(),
                title: variant_title(&v, axes),
                price,
                compare_at,
                availability,
                purchasable,
                record: v,
            }
        })
        .collect();
    let checkout_mode = p
        .checkout_mode
        .as_deref()
        .and_then(|m| CheckoutMode::parse(m, "checkout_mode").ok())
        .unwrap_or(shop.checkout_mode);
    ProductView {
        tags: tags_of(&p),
        price: Money::new(p.price_minor, cur),
        compare_at: p
            .compare_at_minor
            .filter(|c| *c > p.price_minor)
            .map(|c| Money::new(c, cur)),
        description_html: crate::markdown::render(&p.description),
        status,
        options,
        checkout_mode,
        variants,
        images,
        can_edit,
        shop,
        product: p,
        rating: Default::default(),
    }
}

/// A product as `viewer` may see it: drafts and archived products exist only for the shop's staff.
pub async fn product_view(
    c: Conn<'_>,
    viewer: Option<&Viewer>,
    id: i64,
) -> ServiceResult<ProductView> {
    let mut c = c;
    let p = products::by_id(reborrow(&mut c), id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let view = views_of(c, viewer, vec![p])
        .await?
        .into_iter()
        .next()
        .ok_or(ServiceError::NotFound)?;
    if view.status != ProductStatus::Active && !view.can_edit {
        return Err(ServiceError::NotFound);
    }
    Ok(view)
}

/// Product statuses a product list may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    All,
    Only(ProductStatus),
}

impl StatusFilter {
    pub fn parse(s: Option<&str>) -> ServiceResult<StatusFilter> {
        match s.map(str::trim).filter(|s| !s.is_empty() && *s != "all") {
            None => Ok(StatusFilter::All),
            Some(s) => Ok(StatusFilter::Only(ProductStatus::parse(s, "status")?)),
        }
    }
}

fn parse_cursor(cursor: Option<&str>) -> ServiceResult<i64> {
    match cursor.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(i64::MAX),
        Some(c) => c.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
            ServiceError::field("cursor", "cursor_invalid", "The cursor is not valid.")
        }),
    }
}

fn page_of(mut views: Vec<ProductView>, n: i64) -> Page<ProductView> {
    let keep = usize::try_from(n).unwrap_or(0);
    let more = views.len() > keep;
    views.truncate(keep);
    let next_cursor = if more {
        views.last().map(|v| v.product.id.to_string())
    } else {
        None
    };
    Page {
        items: views,
        next_cursor,
    }
}

impl CatalogService {
    pub fn new(db: Db, media: Arc<Media>) -> Self {
        Self { db, media }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// A product as the viewer may see it.
    pub async fn product(&self, viewer: Option<&Viewer>, id: i64) -> ServiceResult<ProductView> {
        let mut h = self.db.read().await?;
        product_view(h.conn(), viewer, id).await
    }

    /// A shop's products, newest first. Shoppers see active products only; staff see every status and may
    /// filter by one.
    pub async fn shop_products(
        &self,
        viewer: Option<&Viewer>,
        handle: &str,
        status: StatusFilter,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> ServiceResult<Page<ProductView>> {
        let (shop_id, staff) = {
            let mut h = self.db.read().await?;
            let shop = shop_store::by_handle_key(h.conn(), &handle.trim().to_ascii_lowercase())
                .await?
                .ok_or(ServiceError::NotFound)?;
            let staff = crate::shops::role_in(h.conn(), viewer, shop.id)
                .await?
                .is_some();
            (shop.id, staff)
        };
        self.products_in(viewer, shop_id, staff, status, cursor, limit)
            .await
    }

    /// [`Self::shop_products`] for a shop the caller already loaded for this viewer (the shop page); with
    /// no viewer it lists what shoppers see, even when the shop was loaded for its staff.
    pub async fn shop_products_of(
        &self,
        viewer: Option<&Viewer>,
        shop: &crate::shops::ShopView,
        status: StatusFilter,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> ServiceResult<Page<ProductView>> {
        let staff = viewer.is_some() && shop.is_staff();
        self.products_in(viewer, shop.shop.id, staff, status, cursor, limit)
            .await
    }

    async fn products_in(
        &self,
        viewer: Option<&Viewer>,
        shop_id: i64,
        staff: bool,
        status: StatusFilter,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> ServiceResult<Page<ProductView>> {
        let n = limit.unwrap_or(24).clamp(1, 100);
        let before = parse_cursor(cursor)?;
        let mut h = self.db.read().await?;
        let status = match (staff, status) {
            (true, s) => s,
            (false, StatusFilter::Only(s)) if s != ProductStatus::Active => {
                return Ok(Page {
                    items: Vec::new(),
                    next_cursor: None,
                });
            }
            (false, _) => StatusFilter::Only(ProductStatus::Active),
        };
        let (cond, binds) = match status {
            StatusFilter::All => ("p.shop_id = $1", vec![Bind::Int(shop_id)]),
            StatusFilter::Only(s) => (
                "p.shop_id = $1 AND p.status = $2",
                vec![Bind::Int(shop_id), Bind::Text(s.as_str().to_owned())],
            ),
        };
        let rows = products::search(h.conn(), cond, binds, before, n + 1).await?;
        let views = views_of(h.conn(), viewer, rows).await?;
        Ok(page_of(views, n))
    }

    /// Creates a product in the shop with its variants (or one default variant).
    pub async fn create_product(
        &self,
        viewer: &Viewer,
        handle: &str,
        input: ProductInput,
    ) -> ServiceResult<ProductView> {
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        let access = require_staff(tx.conn(), viewer, ShopRef::Handle(handle), false).await?;
        let shop = shop_store::by_id(tx.conn(), access.shop_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let cur = Currency::parse(&shop.currency).map_err(|e| ServiceError::Internal(e.message))?;
        let mut p = ProductRecord {
            id: 0,
            shop_id: shop.id,
            item_id: None,
            title: String::new(),
            description: String::new(),
            brand: String::new(),
            condition: Condition::New.as_str().to_owned(),
            product_type: String::new(),
            google_category: String::new(),
            gender: None,
            age_group: None,
            tags: String::new(),
            custom_labels: Default::default(),
            currency: cur.code().to_owned(),
            price_minor: 0,
            compare_at_minor: None,
            status: ProductStatus::Draft.as_str().to_owned(),
            checkout_mode: None,
            external_url: String::new(),
            weight_grams: 0,
            options: "[]".into(),
            created_at: now,
            updated_at: now,
        };
        let mut errors = Vec::new();
        if input.title.is_none() {
            errors.push(FieldError::new("title", "required", "title is required."));
        }
        if input.price.is_none() {
            errors.push(FieldError::new("price", "required", "price is required."));
        }
        apply_product(&mut p, &input, cur, &mut errors);
        check_product(&p, &mut errors);
        let axes = options_of(&p).len();
        let variant_inputs = input.variants.clone().unwrap_or_default();
        if variant_inputs.len() > MAX_VARIANTS {
            errors.push(FieldError::new(
                "variants",
                "too_many_variants",
                format!("A product has at most {MAX_VARIANTS} variants."),
            ));
        }
        if variant_inputs.is_empty() && axes > 0 {
            errors.push(FieldError::new(
                "variants",
                "variants_required",
                "A product with options needs at least one variant.",
            ));
        }
        if !variant_inputs.is_empty() && input.stock.is_some() {
            errors.push(FieldError::new(
                "stock",
                "stock_on_variants",
                "With variants, set stock on each variant.",
            ));
        }
        let mut variants: Vec<(VariantRecord, bool)> = Vec::new();
        for (i, vi) in variant_inputs.iter().enumerate() {
            let mut v = blank_variant(&p, i);
            if vi.options.is_none() && axes > 0 {
                errors.push(FieldError::new(
                    "options",
                    "options_mismatch",
                    format!(
                        "Each variant needs one value for each of the product's {axes} options."
                    ),
                ));
            }
            let explicit_sku = vi.sku.as_deref().is_some_and(|s| !s.trim().is_empty());
            let vi = VariantInput {
                sku: if explicit_sku { vi.sku.clone() } else { None },
                ..vi.clone()
            };
            apply_variant(&mut v, &vi, axes, cur, &mut errors);
            check_variant(&v, &p, axes, &mut errors);
            variants.push((v, explicit_sku));
        }
        if !errors.is_empty() {
            return Err(ServiceError::Validation(dedup(errors)));
        }
        let mut combos = HashSet::new();
        for (v, _) in &variants {
            if !combos.insert(v.options.clone().map(|o| o.to_lowercase())) {
                return Err(duplicate_variant());
            }
        }
        if let Some(item) = &p.item_id
            && products::item_id_taken(tx.conn(), shop.id, &item.to_lowercase(), 0).await?
        {
            return Err(item_id_taken(item));
        }
        let pid = match products::insert(tx.conn(), &p).await {
            Ok(id) => id,
            Err(e) if e.is_unique_on("item_key") => {
                return Err(item_id_taken(p.item_id.as_deref().unwrap_or("")));
            }
            Err(e) => return Err(e.into()),
        };
        p.id = pid;
        if variants.is_empty() {
            let mut v = blank_variant(&p, 0);
            v.sku = p.item_id.clone().unwrap_or_else(|| format!("P{pid}"));
            match input.stock {
                Some(Some(n)) => {
                    v.track_inventory = true;
                    v.stock = parse_stock(n)?;
                }
                _ => v.track_inventory = false,
            }
            variants.push((v, true));
        }
        let mut seen_skus = HashSet::new();
        for (i, (v, explicit)) in variants.iter_mut().enumerate() {
            v.product_id = pid;
            if !*explicit {
                v.sku = format!("P{pid}-{}", i + 1);
            }
            if !seen_skus.insert(v.sku.to_lowercase()) {
                return Err(sku_taken(&v.sku));
            }
            insert_variant_checked(tx.conn(), v, now).await?;
        }
        crate::search::product_changed(tx.conn(), "product.created", pid).await?;
        shop_store::recount_products(tx.conn(), shop.id).await?;
        let view = product_view(tx.conn(), Some(viewer), pid).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Changes product fields (staff of its shop).
    pub async fn update_product(
        &self,
        viewer: &Viewer,
        id: i64,
        input: ProductInput,
    ) -> ServiceResult<ProductView> {
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        let mut p = products::by_id(tx.conn(), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        require_staff(tx.conn(), viewer, ShopRef::Id(p.shop_id), false).await?;
        let cur = Currency::parse(&p.currency).map_err(|e| ServiceError::Internal(e.message))?;
        let old_axes = options_of(&p).len();
        let mut errors = Vec::new();
        if input.variants.is_some() {
            errors.push(FieldError::new(
                "variants",
                "use_variant_endpoints",
                "Change variants through /products/{id}/variants and /variants/{id}.",
            ));
        }
        if input.stock.is_some() {
            errors.push(FieldError::new(
                "stock",
                "use_variant_endpoints",
                "Change stock through /variants/{id}.",
            ));
        }
        apply_product(&mut p, &input, cur, &mut errors);
        check_product(&p, &mut errors);
        if p.status == ProductStatus::Active.as_str() {
            // A product imported with another currency than the shop's cannot go through its checkout.
            let shop = shop_store::by_id(tx.conn(), p.shop_id)
                .await?
                .ok_or(ServiceError::NotFound)?;
            if !shop.currency.eq_ignore_ascii_case(&p.currency) {
                errors.push(FieldError::new(
                    "status",
                    "currency_mismatch",
                    format!(
                        "This product is priced in {}, but the shop sells in {}. Import it again priced in {}.",
                        p.currency, shop.currency, shop.currency
                    ),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(ServiceError::Validation(dedup(errors)));
        }
        if let Some(item) = &p.item_id
            && products::item_id_taken(tx.conn(), p.shop_id, &item.to_lowercase(), p.id).await?
        {
            return Err(item_id_taken(item));
        }
        p.updated_at = now;
        match products::update(tx.conn(), &p).await {
            Ok(()) => {}
            Err(e) if e.is_unique_on("item_key") => {
                return Err(item_id_taken(p.item_id.as_deref().unwrap_or("")));
            }
            Err(e) => return Err(e.into()),
        }
        let axes = options_of(&p).len();
        if axes != old_axes {
            // Adding an axis fills existing variants with "Default"; removing one drops its values.
            let variants = products::variants_of(tx.conn(), &[p.id]).await?;
            let mut combos = HashSet::new();
            for mut v in variants {
                for (i, o) in v.options.iter_mut().enumerate() {
                    if i >= axes {
                        o.clear();
                    } else if o.is_empty() {
                        *o = "Default".into();
                    }
                }
                if !combos.insert(v.options.clone().map(|o| o.to_lowercase())) {
                    return Err(duplicate_variant());
                }
                products::update_variant(tx.conn(), &v, false, now).await?;
            }
        }
        for v in products::variants_of(tx.conn(), &[p.id]).await? {
            let mut errs = Vec::new();
            check_variant(&v, &p, axes, &mut errs);
            if !errs.is_empty() {
                return Err(ServiceError::Validation(dedup(errs)));
            }
        }
        let archived = p.status == ProductStatus::Archived.as_str();
        let kind = if archived {
            "product.archived"
        } else {
            "product.updated"
        };
        crate::search::product_changed(tx.conn(), kind, p.id).await?;
        shop_store::recount_products(tx.conn(), p.shop_id).await?;
        let view = product_view(tx.conn(), Some(viewer), p.id).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Deletes a product with its variants and images (staff of its shop).
    pub async fn delete_product(&self, viewer: &Viewer, id: i64) -> ServiceResult<()> {
        let mut tx = self.db.begin().await?;
        let p = products::by_id(tx.conn(), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        require_staff(tx.conn(), viewer, ShopRef::Id(p.shop_id), false).await?;
        let images = products::images_of(tx.conn(), &[id]).await?;
        products::delete(tx.conn(), id).await?;
        crate::search::product_changed(tx.conn(), "product.deleted", id).await?;
        shop_store::recount_products(tx.conn(), p.shop_id).await?;
        tx.commit().await?;
        self.forget(images.iter().map(|i| media_prefix(&i.media_key).to_owned()))
            .await;
        Ok(())
    }

    /// Adds a variant to a product (staff of its shop); returns the product and the new variant's id.
    pub async fn add_variant(
        &self,
        viewer: &Viewer,
        product_id: i64,
        input: VariantInput,
    ) -> ServiceResult<(ProductView, i64)> {
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        let p = products::by_id(tx.conn(), product_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        require_staff(tx.conn(), viewer, ShopRef::Id(p.shop_id), false).await?;
        let cur = Currency::parse(&p.currency).map_err(|e| ServiceError::Internal(e.message))?;
        let axes = options_of(&p).len();
        let existing = products::variants_of(tx.conn(), &[p.id]).await?;
        if existing.len() >= MAX_VARIANTS {
            return Err(ServiceError::field(
                "variants",
                "too_many_variants",
                format!("A product has at most {MAX_VARIANTS} variants."),
            ));
        }
        let position = existing.iter().map(|v| v.position + 1).max().unwrap_or(0);
        let mut v = blank_variant(&p, usize::try_from(position).unwrap_or(0));
        v.position = position;
        let mut errors = Vec::new();
        if input.options.is_none() && axes > 0 {
            errors.push(FieldError::new(
                "options",
                "options_mismatch",
                format!("Each variant needs one value for each of the product's {axes} options."),
            ));
        }
        let explicit_sku = input.sku.as_deref().is_some_and(|s| !s.trim().is_empty());
        let input = VariantInput {
            sku: if explicit_sku { input.sku } else { None },
            ..input
        };
        apply_variant(&mut v, &input, axes, cur, &mut errors);
        check_variant(&v, &p, axes, &mut errors);
        if input.stock.is_none() {
            v.track_inventory = false;
        }
        if !errors.is_empty() {
            return Err(ServiceError::Validation(dedup(errors)));
        }
        if existing.iter().any(|e| {
            e.options.clone().map(|o| o.to_lowercase())
                == v.options.clone().map(|o| o.to_lowercase())
        }) {
            return Err(duplicate_variant());
        }
        if !explicit_sku {
            v.sku = format!("P{}-{}", p.id, position + 1);
        }
        let vid = insert_variant_checked(tx.conn(), &v, now).await?;
        crate::search::product_changed(tx.conn(), "product.updated", p.id).await?;
        let view = product_view(tx.conn(), Some(viewer), p.id).await?;
        tx.commit().await?;
        Ok((view, vid))
    }

    /// Changes a variant (staff of its shop). Stock is written only when given.
    pub async fn update_variant(
        &self,
        viewer: &Viewer,
        variant_id: i64,
        input: VariantInput,
    ) -> ServiceResult<ProductView> {
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        let mut v = products::variant_by_id(tx.conn(), variant_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        require_staff(tx.conn(), viewer, ShopRef::Id(v.shop_id), false).await?;
        let p = products::by_id(tx.conn(), v.product_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let cur = Currency::parse(&p.currency).map_err(|e| ServiceError::Internal(e.message))?;
        let axes = options_of(&p).len();
        let mut errors = Vec::new();
        let set_stock = apply_variant(&mut v, &input, axes, cur, &mut errors);
        check_variant(&v, &p, axes, &mut errors);
        if !errors.is_empty() {
            return Err(ServiceError::Validation(dedup(errors)));
        }
        let siblings = products::variants_of(tx.conn(), &[p.id]).await?;
        if siblings.iter().any(|e| {
            e.id != v.id
                && e.options.clone().map(|o| o.to_lowercase())
                    == v.options.clone().map(|o| o.to_lowercase())
        }) {
            return Err(duplicate_variant());
        }
        if products::sku_taken(tx.conn(), v.shop_id, &v.sku.to_lowercase(), v.id).await? {
            return Err(sku_taken(&v.sku));
        }
        match products::update_variant(tx.conn(), &v, set_stock, now).await {
            Ok(()) => {}
            Err(e) if e.is_unique_on("sku_key") => return Err(sku_taken(&v.sku)),
            Err(e) => return Err(e.into()),
        }
        crate::search::product_changed(tx.conn(), "product.updated", p.id).await?;
        let view = product_view(tx.conn(), Some(viewer), p.id).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Deletes a variant (staff of its shop); a product keeps at least one (409 `last_variant`).
    pub async fn delete_variant(
        &self,
        viewer: &Viewer,
        variant_id: i64,
    ) -> ServiceResult<ProductView> {
        let mut tx = self.db.begin().await?;
        let v = products::variant_by_id(tx.conn(), variant_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        require_staff(tx.conn(), viewer, ShopRef::Id(v.shop_id), false).await?;
        if products::variants_of(tx.conn(), &[v.product_id])
            .await?
            .len()
            <= 1
        {
            return Err(ServiceError::refused(
                Refusal::Conflict,
                "last_variant",
                "A product needs at least one variant; delete the product instead.",
            ));
        }
        products::delete_variant(tx.conn(), v.id).await?;
        crate::search::product_changed(tx.conn(), "product.updated", v.product_id).await?;
        let view = product_view(tx.conn(), Some(viewer), v.product_id).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Adds photos to a product through the image pipeline (at most ten per product).
    pub async fn add_images(
        &self,
        viewer: &Viewer,
        product_id: i64,
        uploads: Vec<Upload>,
    ) -> ServiceResult<ProductView> {
        let shop_id = {
            let mut h = self.db.read().await?;
            let p = products::by_id(h.conn(), product_id)
                .await?
                .ok_or(ServiceError::NotFound)?;
            require_staff(h.conn(), viewer, ShopRef::Id(p.shop_id), false).await?;
            let have = products::images_of(h.conn(), &[product_id]).await?.len();
            check_image_count(have, &uploads)?;
            p.shop_id
        };
        let mut stored = Vec::with_capacity(uploads.len());
        for (i, u) in uploads.into_iter().enumerate() {
            match self.media.pipeline.ingest_source(u.image).await {
                Ok(img) => stored.push((img, u.alt_text)),
                Err(e) => {
                    self.forget(stored.iter().map(|(s, _)| s.key_prefix.clone()))
                        .await;
                    return Err(image_error(i, e));
                }
            }
        }
        let prefixes: Vec<String> = stored.iter().map(|(s, _)| s.key_prefix.clone()).collect();
        let result: ServiceResult<ProductView> = async {
            let mut tx = self.db.begin().await?;
            require_staff(tx.conn(), viewer, ShopRef::Id(shop_id), false).await?;
            let have = products::images_of(tx.conn(), &[product_id]).await?.len();
            if have + stored.len() > MAX_PRODUCT_IMAGES {
                return Err(too_many_images());
            }
            for (img, alt) in &stored {
                products::add_image(
                    tx.conn(),
                    &ProductImage {
                        product_id,
                        position: 0,
                        media_key: img.original_key(),
                        width: i32::try_from(img.width).unwrap_or(i32::MAX),
                        height: i32::try_from(img.height).unwrap_or(i32::MAX),
                        alt_text: alt.trim().chars().take(500).collect(),
                        source_url: None,
                    },
                )
                .await?;
            }
            let view = product_view(tx.conn(), Some(viewer), product_id).await?;
            tx.commit().await?;
            Ok(view)
        }
        .await;
        if result.is_err() {
            self.forget(prefixes.into_iter()).await;
        }
        result
    }

    /// Removes one photo (by its position) and its files.
    pub async fn delete_image(
        &self,
        viewer: &Viewer,
        product_id: i64,
        position: i32,
    ) -> ServiceResult<ProductView> {
        let mut tx = self.db.begin().await?;
        let p = products::by_id(tx.conn(), product_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        require_staff(tx.conn(), viewer, ShopRef::Id(p.shop_id), false).await?;
        let key = products::delete_image(tx.conn(), product_id, position)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let view = product_view(tx.conn(), Some(viewer), product_id).await?;
        tx.commit().await?;
        self.forget(std::iter::once(media_prefix(&key).to_owned()))
            .await;
        Ok(view)
    }

    /// Best-effort file cleanup: a leftover file wastes space but breaks nothing.
    async fn forget(&self, prefixes: impl Iterator<Item = String>) {
        for p in prefixes {
            if let Err(e) = self.media.store.delete_prefix(&p).await {
                tracing::warn!(prefix = %p, error = %e, "could not delete image files");
            }
        }
    }
}

fn too_many_images() -> ServiceError {
    ServiceError::field(
        "images",
        "too_many_images",
        format!("A product has at most {MAX_PRODUCT_IMAGES} photos."),
    )
}

fn check_image_count(have: usize, uploads: &[Upload]) -> ServiceResult<()> {
    if uploads.is_empty() {
        return Err(ServiceError::field(
            "images",
            "images_required",
            "Choose at least one photo.",
        ));
    }
    if have + uploads.len() > MAX_PRODUCT_IMAGES {
        return Err(too_many_images());
    }
    Ok(())
}

fn blank_variant(p: &ProductRecord, position: usize) -> VariantRecord {
    VariantRecord {
        id: 0,
        product_id: p.id,
        shop_id: p.shop_id,
        sku: String::new(),
        options: Default::default(),
        price_minor: None,
        compare_at_minor: None,
        track_inventory: false,
        stock: 0,
        availability: Availability::InStock.as_str().to_owned(),
        weight_grams: None,
        position: i32::try_from(position).unwrap_or(i32::MAX),
        gtin: String::new(),
        mpn: String::new(),
    }
}

async fn insert_variant_checked(
    c: Conn<'_>,
    v: &VariantRecord,
    now: Timestamp,
) -> ServiceResult<i64> {
    let mut c = c;
    if products::sku_taken(reborrow(&mut c), v.shop_id, &v.sku.to_lowercase(), 0).await? {
        return Err(sku_taken(&v.sku));
    }
    match products::insert_variant(c, v, now).await {
        Ok(id) => Ok(id),
        Err(e) if e.is_unique_on("sku_key") => Err(sku_taken(&v.sku)),
        Err(e) => Err(e.into()),
    }
}

/// One error per (field, code) is enough for a form.
fn dedup(errors: Vec<FieldError>) -> Vec<FieldError> {
    let mut seen = HashSet::new();
    errors
        .into_iter()
        .filter(|e| seen.insert((e.field, e.code)))
        .collect()
}

/// Whether the viewer is staff of the shop (used by pages to show editor links).
pub fn is_staff_role(role: Option<ShopRole>) -> bool {
    role.is_some()
}

// ---------------------------------------------------------------------------------------------------------
// Collections

pub const MAX_RULES: usize = 10;
pub const MAX_MANUAL_PRODUCTS: usize = 200;

/// What a rule condition looks at. Text fields compare case-insensitively and exactly; `tag` matches one of
/// the product's tags; `price_min`/`price_max` bound the product price in minor units (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleField {
    ProductType,
    PriceMin,
    PriceMax,
    Gender,
    GoogleCategory,
    Brand,
    ItemId,
    CustomLabel(u8),
    Tag,
}

impl RuleField {
    pub const NAMES: [&'static str; 13] = [
        "product_type",
        "price_min",
        "price_max",
        "gender",
        "google_category",
        "brand",
        "item_id",
        "custom_label_0",
        "custom_label_1",
        "custom_label_2",
        "custom_label_3",
        "custom_label_4",
        "tag",
    ];

    pub fn parse(s: &str) -> Option<RuleField> {
        Some(match s.trim() {
            "product_type" => RuleField::ProductType,
            "price_min" => RuleField::PriceMin,
            "price_max" => RuleField::PriceMax,
            "gender" => RuleField::Gender,
            "google_category" => RuleField::GoogleCategory,
            "brand" => RuleField::Brand,
            "item_id" => RuleField::ItemId,
            "custom_label_0" => RuleField::CustomLabel(0),
            "custom_label_1" => RuleField::CustomLabel(1),
            "custom_label_2" => RuleField::CustomLabel(2),
            "custom_label_3" => RuleField::CustomLabel(3),
            "custom_label_4" => RuleField::CustomLabel(4),
            "tag" => RuleField::Tag,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            RuleField::ProductType => "product_type",
            RuleField::PriceMin => "price_min",
            RuleField::PriceMax => "price_max",
            RuleField::Gender => "gender",
            RuleField::GoogleCategory => "google_category",
            RuleField::Brand => "brand",
            RuleField::ItemId => "item_id",
            RuleField::CustomLabel(0) => "custom_label_0",
            RuleField::CustomLabel(1) => "custom_label_1",
            RuleField::CustomLabel(2) => "custom_label_2",
            RuleField::CustomLabel(3) => "custom_label_3",
            RuleField::CustomLabel(_) => "custom_label_4",
            RuleField::Tag => "tag",
        }
    }
}

/// One condition of a rule collection; every condition must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub field: RuleField,
    /// Text to match, or for prices an amount in minor units.
    pub value: String,
}

#[derive(Debug, Clone, Default)]
pub struct CollectionInput {
    pub title: Option<String>,
    /// `manual` or `rule` (create only).
    pub kind: Option<String>,
    /// `(field, value)` pairs (rule collections).
    pub rules: Option<Vec<(String, String)>>,
    /// Products in order (manual collections).
    pub product_ids: Option<Vec<i64>>,
}

#[derive(Debug, Clone)]
pub struct CollectionView {
    pub id: i64,
    pub shop_id: i64,
    pub shop_handle: String,
    pub title: String,
    pub manual: bool,
    pub rules: Vec<Rule>,
    /// Manual collections: their products in order.
    pub product_ids: Vec<i64>,
    pub featured_position: Option<i32>,
    pub can_edit: bool,
}

fn parse_rules(raw: &[(String, String)]) -> ServiceResult<Vec<Rule>> {
    if raw.len() > MAX_RULES {
        return Err(ServiceError::field(
            "rules",
            "too_many_rules",
            format!("A collection has at most {MAX_RULES} conditions."),
        ));
    }
    let mut out = Vec::with_capacity(raw.len());
    for (f, v) in raw {
        let field = RuleField::parse(f).ok_or_else(|| {
            ServiceError::field(
                "rules",
                "invalid_rule_field",
                format!("{f:?} is not one of: {}", RuleField::NAMES.join(", ")),
            )
        })?;
        let value = v.trim().to_owned();
        match field {
            RuleField::PriceMin | RuleField::PriceMax => {
                if value
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (0..=MAX_AMOUNT_MINOR).contains(n))
                    .is_none()
                {
                    return Err(ServiceError::field(
                        "rules",
                        "invalid_rule_value",
                        "A price bound is a whole number of minor units (cents, or won for KRW).",
                    ));
                }
            }
            RuleField::Gender => {
                Gender::parse(&value, "rules")?;
            }
            _ => {
                if value.is_empty() || value.chars().count() > 300 {
                    return Err(ServiceError::field(
                        "rules",
                        "invalid_rule_value",
                        "Each condition needs a value of at most 300 characters.",
                    ));
                }
            }
        }
        out.push(Rule { field, value });
    }
    Ok(out)
}

fn rules_of(rec: &souk_store::collections::CollectionRecord) -> Vec<Rule> {
    let v: Vec<serde_json::Value> = serde_json::from_str(&rec.rules).unwrap_or_default();
    v.iter()
        .filter_map(|r| {
            let field = RuleField::parse(r.get("field")?.as_str()?)?;
            let value = match r.get("value")? {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            Some(Rule { field, value })
        })
        .collect()
}

fn rules_json(rules: &[Rule]) -> String {
    serde_json::Value::Array(
        rules
            .iter()
            .map(|r| serde_json::json!({"field": r.field.name(), "value": r.value}))
            .collect(),
    )
    .to_string()
}

/// Escapes LIKE wildcards so a tag such as `50%` matches literally.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(ch, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// SQL over `p` selecting a shop's products that meet every rule; placeholders start at `$1`.
fn rule_condition(shop_id: i64, rules: &[Rule], active_only: bool) -> (String, Vec<Bind>) {
    let mut cond = String::from("p.shop_id = $1");
    let mut binds = vec![Bind::Int(shop_id)];
    if active_only {
        cond.push_str(" AND p.status = 'active'");
    }
    for r in rules {
        let n = binds.len() + 1;
        let text_eq = |col: &str| format!(" AND LOWER({col}) = ${n}");
        let (sql, bind) = match r.field {
            RuleField::PriceMin => (
                format!(" AND p.price_minor >= ${n}"),
                Bind::Int(r.value.parse().unwrap_or(0)),
            ),
            RuleField::PriceMax => (
                format!(" AND p.price_minor <= ${n}"),
                Bind::Int(r.value.parse().unwrap_or(0)),
            ),
            RuleField::Gender => (
                format!(" AND p.gender = ${n}"),
                Bind::Text(r.value.to_lowercase()),
            ),
            RuleField::ProductType => (
                text_eq("p.product_type"),
                Bind::Text(r.value.to_lowercase()),
            ),
            RuleField::GoogleCategory => (
                text_eq("p.google_category"),
                Bind::Text(r.value.to_lowercase()),
            ),
            RuleField::Brand => (text_eq("p.brand"), Bind::Text(r.value.to_lowercase())),
            RuleField::ItemId => (
                text_eq("COALESCE(p.item_id, '')"),
                Bind::Text(r.value.to_lowercase()),
            ),
            RuleField::CustomLabel(i) => (
                text_eq(&format!("p.custom_label_{}", i.min(4))),
                Bind::Text(r.value.to_lowercase()),
            ),
            RuleField::Tag => (
                format!(" AND (',' || LOWER(p.tags) || ',') LIKE ${n} ESCAPE '\\'"),
                Bind::Text(format!("%,{},%", like_escape(&r.value.to_lowercase()))),
            ),
        };
        cond.push_str(&sql);
        binds.push(bind);
    }
    (cond, binds)
}

async fn collection_view(
    c: Conn<'_>,
    viewer: Option<&Viewer>,
    rec: souk_store::collections::CollectionRecord,
) -> ServiceResult<CollectionView> {
    let mut c = c;
    let shop = shop_store::by_id(reborrow(&mut c), rec.shop_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let can_edit = crate::shops::role_in(reborrow(&mut c), viewer, rec.shop_id)
        .await?
        .is_some();
    let manual = rec.kind == "manual";
    let product_ids = if manual {
        souk_store::collections::product_ids(c, rec.id).await?
    } else {
        Vec::new()
    };
    Ok(CollectionView {
        id: rec.id,
        shop_id: rec.shop_id,
        shop_handle: shop.handle,
        title: rec.title.clone(),
        manual,
        rules: rules_of(&rec),
        product_ids,
        featured_position: rec.featured_position,
        can_edit,
    })
}

/// Checks that every id is a product of the shop (manual collections cannot borrow other shops' products).
async fn check_shop_products(c: Conn<'_>, shop_id: i64, ids: &[i64]) -> ServiceResult<Vec<i64>> {
    let mut seen = HashSet::new();
    let ids: Vec<i64> = ids.iter().copied().filter(|i| seen.insert(*i)).collect();
    if ids.len() > MAX_MANUAL_PRODUCTS {
        return Err(ServiceError::field(
            "product_ids",
            "too_many_products",
            format!("A collection lists at most {MAX_MANUAL_PRODUCTS} products."),
        ));
    }
    let found = products::by_ids(c, &ids).await?;
    let ok: HashSet<i64> = found
        .iter()
        .filter(|p| p.shop_id == shop_id)
        .map(|p| p.id)
        .collect();
    if ids.iter().any(|i| !ok.contains(i)) {
        return Err(ServiceError::field(
            "product_ids",
            "unknown_product",
            "Every product must belong to this shop.",
        ));
    }
    Ok(ids)
}

/// Checks that every id is a collection of the shop, for the featured list.
pub async fn check_shop_collections(
    c: Conn<'_>,
    shop_id: i64,
    ids: &[i64],
) -> ServiceResult<Vec<i64>> {
    let mut seen = HashSet::new();
    let ids: Vec<i64> = ids.iter().copied().filter(|i| seen.insert(*i)).collect();
    let mine: HashSet<i64> = souk_store::collections::by_shop(c, shop_id)
        .await?
        .iter()
        .map(|c| c.id)
        .collect();
    if ids.iter().any(|i| !mine.contains(i)) {
        return Err(ServiceError::field(
            "featured_collections",
            "unknown_collection",
            "Every featured collection must belong to this shop.",
        ));
    }
    Ok(ids)
}

impl CatalogService {
    /// Creates a manual or rule collection (shop staff).
    pub async fn create_collection(
        &self,
        viewer: &Viewer,
        handle: &str,
        input: CollectionInput,
    ) -> ServiceResult<CollectionView> {
        let mut tx = self.db.begin().await?;
        let access = require_staff(tx.conn(), viewer, ShopRef::Handle(handle), false).await?;
        let title = text(input.title.as_deref().unwrap_or(""), "title", 100, true)?;
        let manual = match input.kind.as_deref().map(str::trim) {
            Some("manual") | None => true,
            Some("rule") => false,
            Some(other) => {
                return Err(ServiceError::field(
                    "kind",
                    "invalid_choice",
                    format!("{other:?} is not one of: manual, rule"),
                ));
            }
        };
        let rules = parse_rules(input.rules.as_deref().unwrap_or(&[]))?;
        if !manual && rules.is_empty() {
            return Err(ServiceError::field(
                "rules",
                "rules_required",
                "A rule collection needs at least one condition.",
            ));
        }
        let id = souk_store::collections::insert(
            tx.conn(),
            access.shop_id,
            &title,
            if manual { "manual" } else { "rule" },
            &rules_json(if manual { &[] } else { &rules }),
            Timestamp::now(),
        )
        .await?;
        if manual && let Some(ids) = &input.product_ids {
            let ids = check_shop_products(tx.conn(), access.shop_id, ids).await?;
            souk_store::collections::set_products(tx.conn(), id, &ids).await?;
        }
        let rec = souk_store::collections::by_id(tx.conn(), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let view = collection_view(tx.conn(), Some(viewer), rec).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Changes a collection's title, rules or products (shop staff).
    pub async fn update_collection(
        &self,
        viewer: &Viewer,
        id: i64,
        input: CollectionInput,
    ) -> ServiceResult<CollectionView> {
        let mut tx = self.db.begin().await?;
        let rec = souk_store::collections::by_id(tx.conn(), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        require_staff(tx.conn(), viewer, ShopRef::Id(rec.shop_id), false).await?;
        let manual = rec.kind == "manual";
        let title = match &input.title {
            Some(t) => text(t, "title", 100, true)?,
            None => rec.title.clone(),
        };
        let rules = match &input.rules {
            Some(r) if !manual => {
                let rules = parse_rules(r)?;
                if rules.is_empty() {
                    return Err(ServiceError::field(
                        "rules",
                        "rules_required",
                        "A rule collection needs at least one condition.",
                    ));
                }
                rules_json(&rules)
            }
            _ => rec.rules.clone(),
        };
        souk_store::collections::update(tx.conn(), id, &title, &rules, Timestamp::now()).await?;
        if manual && let Some(ids) = &input.product_ids {
            let ids = check_shop_products(tx.conn(), rec.shop_id, ids).await?;
            souk_store::collections::set_products(tx.conn(), id, &ids).await?;
        }
        let rec = souk_store::collections::by_id(tx.conn(), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let view = collection_view(tx.conn(), Some(viewer), rec).await?;
        tx.commit().await?;
        Ok(view)
    }

    pub async fn delete_collection(&self, viewer: &Viewer, id: i64) -> ServiceResult<()> {
        let mut tx = self.db.begin().await?;
        let rec = souk_store::collections::by_id(tx.conn(), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        require_staff(tx.conn(), viewer, ShopRef::Id(rec.shop_id), false).await?;
        souk_store::collections::delete(tx.conn(), id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A collection (collections are public; their draft products are not).
    pub async fn collection(
        &self,
        viewer: Option<&Viewer>,
        id: i64,
    ) -> ServiceResult<CollectionView> {
        let mut h = self.db.read().await?;
        let rec = souk_store::collections::by_id(h.conn(), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        collection_view(h.conn(), viewer, rec).await
    }

    /// A shop's collections, featured first in order.
    pub async fn shop_collections(
        &self,
        viewer: Option<&Viewer>,
        handle: &str,
    ) -> ServiceResult<Vec<CollectionView>> {
        let mut h = self.db.read().await?;
        let shop = shop_store::by_handle_key(h.conn(), &handle.trim().to_ascii_lowercase())
            .await?
            .ok_or(ServiceError::NotFound)?;
        let mut out = Vec::new();
        for rec in souk_store::collections::by_shop(h.conn(), shop.id).await? {
            out.push(collection_view(h.conn(), viewer, rec).await?);
        }
        Ok(out)
    }

    /// The products of a collection as the viewer may see them: manual ones in their order (one page),
    /// rule ones newest first with a cursor.
    pub async fn collection_products(
        &self,
        viewer: Option<&Viewer>,
        id: i64,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> ServiceResult<Page<ProductView>> {
        let view = self.collection(viewer, id).await?;
        let mut h = self.db.read().await?;
        collection_page(h.conn(), viewer, &view, cursor, limit).await
    }

    /// The shop home's sections: featured collections in order (or the draft's order in a preview), each
    /// with its first few products.
    pub async fn featured_sections(
        &self,
        viewer: Option<&Viewer>,
        shop: &crate::shops::ShopView,
        order: Option<&[i64]>,
        per_section: i64,
    ) -> ServiceResult<Vec<(CollectionView, Vec<ProductView>)>> {
        let n = usize::try_from(per_section.clamp(1, 100)).unwrap_or(1);
        let can_edit = shop.is_staff();
        let mut h = self.db.read().await?;
        let all = souk_store::collections::by_shop(h.conn(), shop.shop.id).await?;
        let chosen: Vec<souk_store::collections::CollectionRecord> = match order {
            Some(ids) => ids
                .iter()
                .filter_map(|id| all.iter().find(|c| c.id == *id).cloned())
                .collect(),
            None => all
                .into_iter()
                .filter(|c| c.featured_position.is_some())
                .collect(),
        };
        // Statements do not grow with the products shown: one for every manual collection's ids, one for
        // their products, one per rule collection, and one product-view batch for all sections together.
        let manual_ids: Vec<i64> = chosen
            .iter()
            .filter(|c| c.kind == "manual")
            .map(|c| c.id)
            .collect();
        let listed = souk_store::collections::product_ids_of(h.conn(), &manual_ids).await?;
        let mut wanted: Vec<i64> = listed.iter().map(|(_, p)| *p).collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut records: HashMap<i64, ProductRecord> = products::by_ids(h.conn(), &wanted)
            .await?
            .into_iter()
            .filter(|p| can_edit || p.status == ProductStatus::Active.as_str())
            .map(|p| (p.id, p))
            .collect();
        let mut sections: Vec<(CollectionView, Vec<i64>)> = Vec::with_capacity(chosen.len());
        for rec in chosen {
            let manual = rec.kind == "manual";
            let product_ids: Vec<i64> = listed
                .iter()
                .filter(|(c, _)| *c == rec.id)
                .map(|(_, p)| *p)
                .collect();
            let view = CollectionView {
                id: rec.id,
                shop_id: rec.shop_id,
                shop_handle: shop.shop.handle.clone(),
                title: rec.title.clone(),
                manual,
                rules: rules_of(&rec),
                product_ids,
                featured_position: rec.featured_position,
                can_edit,
            };
            let shown: Vec<i64> = if manual {
                view.product_ids
                    .iter()
                    .filter(|id| records.contains_key(id))
                    .take(n)
                    .copied()
                    .collect()
            } else {
                let (cond, binds) = rule_condition(view.shop_id, &view.rules, !can_edit);
                let rows = products::search(h.conn(), &cond, binds, i64::MAX, per_section).await?;
                let ids = rows.iter().map(|p| p.id).collect();
                for p in rows {
                    records.insert(p.id, p);
                }
                ids
            };
            sections.push((view, shown));
        }
        let mut needed: Vec<i64> = sections.iter().flat_map(|(_, ids)| ids.clone()).collect();
        needed.sort_unstable();
        needed.dedup();
        let rows: Vec<ProductRecord> = needed.iter().filter_map(|id| records.remove(id)).collect();
        // A product may sit in several sections, so each section takes a copy of its view.
        let views: HashMap<i64, ProductView> = views_of(h.conn(), viewer, rows)
            .await?
            .into_iter()
            .map(|v| (v.product.id, v))
            .collect();
        let mut out = Vec::new();
        for (view, ids) in sections {
            let items: Vec<ProductView> =
                ids.iter().filter_map(|id| views.get(id).cloned()).collect();
            if !items.is_empty() || view.can_edit {
                out.push((view, items));
            }
        }
        Ok(out)
    }

    /// Replaces the featured list directly (used by demo data; merchants go through the branding draft).
    pub async fn set_featured(
        &self,
        viewer: &Viewer,
        handle: &str,
        ids: &[i64],
    ) -> ServiceResult<()> {
        let mut tx = self.db.begin().await?;
        let access = require_staff(tx.conn(), viewer, ShopRef::Handle(handle), true).await?;
        let ids = check_shop_collections(tx.conn(), access.shop_id, ids).await?;
        souk_store::collections::set_featured(tx.conn(), access.shop_id, &ids).await?;
        tx.commit().await?;
        Ok(())
    }
}

async fn collection_page(
    c: Conn<'_>,
    viewer: Option<&Viewer>,
    view: &CollectionView,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> ServiceResult<Page<ProductView>> {
    let mut c = c;
    let n = limit.unwrap_or(24).clamp(1, 100);
    let active_only = !view.can_edit;
    if view.manual {
        let rows = products::by_ids(reborrow(&mut c), &view.product_ids).await?;
        let mut views = views_of(c, viewer, rows).await?;
        views.retain(|p| !active_only || p.status == ProductStatus::Active);
        let pos: HashMap<i64, usize> = view
            .product_ids
            .iter()
            .enumerate()
            .map(|(i, id)| (*id, i))
            .collect();
        views.sort_by_key(|p| pos.get(&p.product.id).copied().unwrap_or(usize::MAX));
        views.truncate(usize::try_from(n).unwrap_or(0));
        return Ok(Page {
            items: views,
            next_cursor: None,
        });
    }
    let before = parse_cursor(cursor)?;
    let (cond, binds) = rule_condition(view.shop_id, &view.rules, active_only);
    let rows = products::search(reborrow(&mut c), &cond, binds, before, n + 1).await?;
    let views = views_of(c, viewer, rows).await?;
    Ok(page_of(views, n))
}
