//! Row validation: one [`RawRow`] becomes a [`FeedItem`], or every reason it cannot (all of them, so a
//! merchant fixes a row once rather than once per error).

use super::{FeedItem, REQUIRED_FIELDS, RawRow, RowError};
use crate::commerce::{AgeGroup, Availability, Condition, Gender};
use crate::money::{Currency, Money};

/// Souk's own limits, the most generous of the platforms' (Pinterest's); exports check each platform's
/// tighter limits separately so the catalog can hold what any one platform accepts.
pub const MAX_ID_CHARS: usize = 127;
pub const MAX_TITLE_CHARS: usize = 500;
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;
/// URLs longer than this are refused by every platform (Google's limit is 2,000).
pub const MAX_URL_CHARS: usize = 2_000;
/// Every other text attribute: far above what any platform takes, but bounded so one row cannot fill the
/// database.
pub const MAX_OTHER_CHARS: usize = 1_000;
/// More additional images than any platform shows (Meta's 20 is the most).
pub const MAX_ADDITIONAL_IMAGES: usize = 20;

struct Errors<'a> {
    row: &'a RawRow,
    item_id: Option<String>,
    list: Vec<RowError>,
}

impl Errors<'_> {
    fn add(&mut self, field: &str, code: &'static str, message: impl Into<String>) {
        self.list.push(RowError {
            line: self.row.line,
            item_id: self.item_id.clone(),
            field: field.to_owned(),
            code,
            message: message.into(),
        });
    }

    /// A text field within `max` characters; too long is reported, the value is still returned so later
    /// checks can run.
    fn text(&mut self, field: &str, max: usize) -> String {
        let value = clean(self.row.get(field));
        let chars = value.chars().count();
        if chars > max {
            self.add(
                field,
                "too_long",
                format!("{field} has {chars} characters; at most {max} are allowed"),
            );
        }
        value
    }

    fn url(&mut self, field: &str, value: &str) {
        if value.chars().count() > MAX_URL_CHARS {
            self.add(
                field,
                "too_long",
                format!("{field} is longer than {MAX_URL_CHARS} characters"),
            );
        } else if !is_http_url(value) {
            self.add(
                field,
                "invalid_url",
                format!("{field} {value:?} is not an absolute http or https URL"),
            );
        }
    }

    fn price(&mut self, field: &str, text: &str) -> Option<Money> {
        match parse_price(text) {
            Ok(m) => Some(m),
            Err((code, message)) => {
                self.add(field, code, format!("{field}: {message}"));
                None
            }
        }
    }
}

/// Validates one row. Values are trimmed; absent optional fields take their defaults (condition `new`).
pub fn validate(row: &RawRow) -> Result<FeedItem, Vec<RowError>> {
    let id = clean(row.get("id"));
    let id = id.as_str();
    let mut e = Errors {
        row,
        item_id: (!id.is_empty()).then(|| id.to_owned()),
        list: Vec::new(),
    };
    for field in REQUIRED_FIELDS {
        if clean(row.get(field)).is_empty() {
            e.add(field, "missing_field", format!("{field} is required"));
        }
    }

    let id = e.text("id", MAX_ID_CHARS);
    if id.chars().any(char::is_control) {
        e.add("id", "invalid_id", "id contains control characters");
    }
    let title = e.text("title", MAX_TITLE_CHARS);
    let description = e.text("description", MAX_DESCRIPTION_CHARS);

    let link = clean(row.get("link"));
    if !link.is_empty() {
        e.url("link", &link);
    }
    let image_link = clean(row.get("image_link"));
    if !image_link.is_empty() {
        e.url("image_link", &image_link);
    }
    // Feeds list additional images comma-separated in one column (XML repeats the element; the reader
    // joins those with commas too).
    let additional_image_links: Vec<String> = clean(row.get("additional_image_link"))
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    for url in &additional_image_links {
        e.url("additional_image_link", url);
    }
    if additional_image_links.len() > MAX_ADDITIONAL_IMAGES {
        e.add(
            "additional_image_link",
            "too_many_images",
            format!(
                "{} additional images; at most {MAX_ADDITIONAL_IMAGES} are allowed",
                additional_image_links.len()
            ),
        );
    }

    let availability_text = clean(row.get("availability"));
    let availability_text = availability_text.as_str();
    let availability = if availability_text.is_empty() {
        None
    } else {
        let parsed = parse_availability(availability_text);
        if parsed.is_none() {
            e.add(
                "availability",
                "invalid_availability",
                format!(
                    "availability {availability_text:?} is not one of in_stock, out_of_stock, preorder, \
                     backorder (Google) or in stock, out of stock, preorder, available for order, \
                     discontinued (Meta)"
                ),
            );
        }
        parsed
    };

    let price_text = clean(row.get("price"));
    let price_text = price_text.as_str();
    let price = if price_text.is_empty() {
        None
    } else {
        e.price("price", price_text)
    };
    let sale_text = clean(row.get("sale_price"));
    let sale_text = sale_text.as_str();
    let sale_price = if sale_text.is_empty() {
        None
    } else {
        e.price("sale_price", sale_text)
    };
    if let (Some(p), Some(s)) = (price, sale_price) {
        if p.currency != s.currency {
            e.add(
                "sale_price",
                "currency_mismatch",
                format!(
                    "sale_price is in {} but price is in {}",
                    s.currency.code(),
                    p.currency.code()
                ),
            );
        } else if s.amount_minor >= p.amount_minor {
            e.add(
                "sale_price",
                "sale_price_not_below_price",
                "sale_price must be lower than price",
            );
        }
    }

    let condition_text = clean(row.get("condition"));
    let condition_text = condition_text.as_str();
    let condition = if condition_text.is_empty() {
        Condition::New
    } else {
        Condition::parse(&condition_text.to_lowercase(), "condition").unwrap_or_else(|_| {
            e.add(
                "condition",
                "invalid_condition",
                format!("condition {condition_text:?} is not one of new, refurbished, used"),
            );
            Condition::New
        })
    };

    let gender_text = clean(row.get("gender"));
    let gender_text = gender_text.as_str();
    let gender = if gender_text.is_empty() {
        None
    } else {
        match Gender::parse(&gender_text.to_lowercase(), "gender") {
            Ok(g) => Some(g),
            Err(_) => {
                e.add(
                    "gender",
                    "invalid_gender",
                    format!("gender {gender_text:?} is not one of male, female, unisex"),
                );
                None
            }
        }
    };
    let age_text = clean(row.get("age_group"));
    let age_text = age_text.as_str();
    let age_group = if age_text.is_empty() {
        None
    } else {
        match AgeGroup::parse(&age_text.to_lowercase(), "age_group") {
            Ok(a) => Some(a),
            Err(_) => {
                e.add(
                    "age_group",
                    "invalid_age_group",
                    format!(
                        "age_group {age_text:?} is not one of newborn, infant, toddler, kids, adult"
                    ),
                );
                None
            }
        }
    };

    let quantity_text = clean(row.get("quantity"));
    let quantity_text = quantity_text.as_str();
    let quantity = if quantity_text.is_empty() {
        None
    } else {
        match parse_quantity(quantity_text) {
            Some(q) => Some(q),
            None => {
                e.add(
                    "quantity",
                    "invalid_quantity",
                    format!("quantity {quantity_text:?} is not a whole number of zero or more"),
                );
                None
            }
        }
    };

    let item_group_id = e.text("item_group_id", MAX_ID_CHARS);
    let brand = e.text("brand", MAX_OTHER_CHARS);
    let gtin = e.text("gtin", MAX_OTHER_CHARS);
    let mpn = e.text("mpn", MAX_OTHER_CHARS);
    let color = e.text("color", MAX_OTHER_CHARS);
    let size = e.text("size", MAX_OTHER_CHARS);
    let material = e.text("material", MAX_OTHER_CHARS);
    let pattern = e.text("pattern", MAX_OTHER_CHARS);
    let google_product_category = e.text("google_product_category", MAX_OTHER_CHARS);
    let product_type = e.text("product_type", MAX_OTHER_CHARS);
    let custom_labels = [
        e.text("custom_label_0", MAX_OTHER_CHARS),
        e.text("custom_label_1", MAX_OTHER_CHARS),
        e.text("custom_label_2", MAX_OTHER_CHARS),
        e.text("custom_label_3", MAX_OTHER_CHARS),
        e.text("custom_label_4", MAX_OTHER_CHARS),
    ];

    match (availability, price, e.list.is_empty()) {
        (Some(availability), Some(price), true) => Ok(FeedItem {
            id,
            title,
            description,
            link,
            image_link,
            additional_image_links,
            availability,
            price,
            sale_price,
            brand,
            gtin,
            mpn,
            condition,
            item_group_id: (!item_group_id.is_empty()).then_some(item_group_id),
            color,
            size,
            material,
            pattern,
            gender,
            age_group,
            google_product_category,
            product_type,
            custom_labels,
            quantity,
        }),
        _ => Err(e.list),
    }
}

/// Removes the characters no feed or XML document can carry (C0 controls other than tab, LF and CR,
/// DEL, and the non-characters U+FFFE/U+FFFF), which spreadsheets sometimes leave in cells, then trims.
/// Dropping them rather than refusing the row keeps a stray vertical tab from costing a product.
fn clean(value: &str) -> String {
    let keep = |c: char| {
        (!c.is_control() || matches!(c, '\t' | '\n' | '\r'))
            && !matches!(c, '\u{FFFE}' | '\u{FFFF}')
    };
    if value.chars().all(keep) {
        return value.trim().to_owned();
    }
    let kept: String = value.chars().filter(|&c| keep(c)).collect();
    kept.trim().to_owned()
}

/// Both platforms' spellings: Google's `in_stock` and Meta's `in stock`; Meta's "available for order"
/// means the item can be ordered now and shipped later, which is Google's backorder.
pub fn parse_availability(text: &str) -> Option<Availability> {
    let normal = text.trim().to_lowercase().replace(['_', '-'], " ");
    match normal.as_str() {
        "in stock" => Some(Availability::InStock),
        "out of stock" => Some(Availability::OutOfStock),
        "preorder" | "pre order" => Some(Availability::Preorder),
        "backorder" | "back order" | "available for order" => Some(Availability::Backorder),
        "discontinued" => Some(Availability::Discontinued),
        _ => None,
    }
}

/// Parses a feed price, "19.00 USD" (the platforms' form; "USD 19.00" is accepted too). The error is a
/// stable code and a message.
pub fn parse_price(text: &str) -> Result<Money, (&'static str, String)> {
    let mut parts: Vec<&str> = text.split_whitespace().collect();
    // "19.00USD": a code glued to the amount is still unambiguous.
    if let [one] = parts.as_slice()
        && one.len() > 3
        && let Some((amount, code)) = one.split_at_checked(one.len() - 3)
        && code.bytes().all(|b| b.is_ascii_alphabetic())
        && amount.bytes().last().is_some_and(|b| b.is_ascii_digit())
    {
        parts = vec![amount, code];
    }
    let is_code = |s: &str| s.len() == 3 && s.bytes().all(|b| b.is_ascii_alphabetic());
    let (amount, code) = match parts.as_slice() {
        [amount, code] if is_code(code) => (*amount, *code),
        [code, amount] if is_code(code) => (*amount, *code),
        [amount] if amount.bytes().any(|b| b.is_ascii_digit()) => {
            return Err((
                "price_missing_currency",
                format!("{text:?} has no currency; write it like \"19.00 USD\""),
            ));
        }
        _ => {
            return Err((
                "invalid_price",
                format!("{text:?} is not a price like \"19.00 USD\""),
            ));
        }
    };
    let currency = Currency::parse(code).map_err(|_| {
        (
            "unknown_currency",
            format!("{code:?} is not an ISO 4217 currency Souk can price in"),
        )
    })?;
    if amount.starts_with('-') {
        return Err(("negative_price", format!("{text:?} is negative")));
    }
    Money::parse(amount, currency, "price").map_err(|e| {
        let code = match e.code {
            "too_many_decimals" => "too_many_decimals",
            "negative_amount" => "negative_price",
            _ => "invalid_price",
        };
        (code, format!("{text:?}: {}", e.message))
    })
}

/// A stock count: digits only, zero or more (no sign, no decimals).
fn parse_quantity(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// An absolute http(s) URL with a host and no whitespace or control characters. Deliberately strict and
/// simple: the image fetcher does its own full parsing and address checks later.
pub fn is_http_url(s: &str) -> bool {
    let b = s.as_bytes();
    let rest = if b.len() >= 8 && b[..8].eq_ignore_ascii_case(b"https://") {
        &s[8..]
    } else if b.len() >= 7 && b[..7].eq_ignore_ascii_case(b"http://") {
        &s[7..]
    } else {
        return false;
    };
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = match host.rfind(':') {
        // Keep IPv6 literals like [::1] whole; strip a port otherwise.
        Some(i) if !host.ends_with(']') => &host[..i],
        _ => host,
    };
    !host.is_empty() && !host.starts_with('.') && host != "[]"
}
