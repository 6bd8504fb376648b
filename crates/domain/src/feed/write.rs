//! Export: writes [`FeedItem`]s in each platform's dialect (field names, availability spelling, file
//! format) and lists, per item, what a platform would reject so those items can be held back and reported.

use super::{ExportIssue, FeedFormat, FeedItem, Platform};
use crate::commerce::Availability;
use crate::money::Money;
use std::borrow::Cow;
use std::io::{self, Write};

/// The attributes an export can carry; each platform takes a subset under its own column names.
#[derive(Debug, Clone, Copy)]
enum Col {
    Id,
    Title,
    Description,
    Link,
    ImageLink,
    AdditionalImageLink,
    Availability,
    Price,
    SalePrice,
    Brand,
    Gtin,
    Mpn,
    Condition,
    ItemGroupId,
    Color,
    Size,
    Material,
    Pattern,
    Gender,
    AgeGroup,
    GoogleProductCategory,
    ProductType,
    CustomLabel(usize),
    Quantity,
}

/// The columns every platform shares, in the order Google's template lists them.
const COMMON: &[(&str, Col)] = &[
    ("title", Col::Title),
    ("description", Col::Description),
    ("link", Col::Link),
    ("image_link", Col::ImageLink),
    ("additional_image_link", Col::AdditionalImageLink),
    ("availability", Col::Availability),
    ("price", Col::Price),
    ("sale_price", Col::SalePrice),
    ("brand", Col::Brand),
    ("gtin", Col::Gtin),
    ("mpn", Col::Mpn),
    ("condition", Col::Condition),
    ("item_group_id", Col::ItemGroupId),
    ("color", Col::Color),
    ("size", Col::Size),
    ("material", Col::Material),
    ("pattern", Col::Pattern),
    ("gender", Col::Gender),
    ("age_group", Col::AgeGroup),
    ("google_product_category", Col::GoogleProductCategory),
    ("product_type", Col::ProductType),
];

const CUSTOM_LABELS: &[(&str, Col)] = &[
    ("custom_label_0", Col::CustomLabel(0)),
    ("custom_label_1", Col::CustomLabel(1)),
    ("custom_label_2", Col::CustomLabel(2)),
    ("custom_label_3", Col::CustomLabel(3)),
    ("custom_label_4", Col::CustomLabel(4)),
];

/// A platform's columns. Only Meta's feed carries a stock count (`quantity_to_sell_on_facebook`); Google
/// and Pinterest product feeds have no such attribute, and TikTok's catalog template has neither a stock
/// count nor custom labels, so those are left out rather than sent as unknown columns.
fn columns(platform: Platform) -> Vec<(&'static str, Col)> {
    let id = if platform == Platform::Tiktok {
        "sku_id"
    } else {
        "id"
    };
    let mut cols = vec![(id, Col::Id)];
    cols.extend_from_slice(COMMON);
    if platform != Platform::Tiktok {
        cols.extend_from_slice(CUSTOM_LABELS);
    }
    if platform == Platform::Meta {
        cols.push(("quantity_to_sell_on_facebook", Col::Quantity));
    }
    cols
}

/// Google's spelling (also Pinterest's) or Meta's (also TikTok's). Google has no "discontinued"; its
/// guidance for an item that is gone for good is `out_of_stock`.
fn availability(platform: Platform, a: Availability) -> &'static str {
    match platform {
        Platform::Google | Platform::Pinterest => match a {
            Availability::InStock => "in_stock",
            Availability::OutOfStock | Availability::Discontinued => "out_of_stock",
            Availability::Preorder => "preorder",
            Availability::Backorder => "backorder",
        },
        Platform::Meta | Platform::Tiktok => match a {
            Availability::InStock => "in stock",
            Availability::OutOfStock => "out of stock",
            Availability::Preorder => "preorder",
            Availability::Backorder => "available for order",
            Availability::Discontinued => "discontinued",
        },
    }
}

/// "19.00 USD", "32000 KRW": the currency's own number of decimals, code after the amount.
pub fn format_price(m: Money) -> String {
    format!("{} {}", m.to_decimal_string(), m.currency.code())
}

fn value(platform: Platform, col: Col, item: &FeedItem) -> Cow<'_, str> {
    fn s(v: &str) -> Cow<'_, str> {
        Cow::Borrowed(v)
    }
    match col {
        Col::Id => s(&item.id),
        Col::Title => s(&item.title),
        Col::Description => s(&item.description),
        Col::Link => s(&item.link),
        Col::ImageLink => s(&item.image_link),
        Col::AdditionalImageLink => Cow::Owned(item.additional_image_links.join(",")),
        Col::Availability => Cow::Borrowed(availability(platform, item.availability)),
        Col::Price => Cow::Owned(format_price(item.price)),
        Col::SalePrice => item
            .sale_price
            .map_or(Cow::Borrowed(""), |m| Cow::Owned(format_price(m))),
        Col::Brand => s(&item.brand),
        Col::Gtin => s(&item.gtin),
        Col::Mpn => s(&item.mpn),
        Col::Condition => Cow::Borrowed(item.condition.as_str()),
        Col::ItemGroupId => item.item_group_id.as_deref().map_or(Cow::Borrowed(""), s),
        Col::Color => s(&item.color),
        Col::Size => s(&item.size),
        Col::Material => s(&item.material),
        Col::Pattern => s(&item.pattern),
        Col::Gender => Cow::Borrowed(item.gender.map_or("", |g| g.as_str())),
        Col::AgeGroup => Cow::Borrowed(item.age_group.map_or("", |a| a.as_str())),
        Col::GoogleProductCategory => s(&item.google_product_category),
        Col::ProductType => s(&item.product_type),
        Col::CustomLabel(i) => item
            .custom_labels
            .get(i)
            .map_or(Cow::Borrowed(""), |v| s(v)),
        Col::Quantity => item
            .quantity
            .map_or(Cow::Borrowed(""), |q| Cow::Owned(q.to_string())),
    }
}

/// What an item looks like after a trip through `platform`'s feed: the attributes that platform does not
/// carry are gone and its availability spelling may merge two states. Reading back an export gives exactly
/// this item (see the round-trip tests).
pub fn as_carried_by(platform: Platform, item: &FeedItem) -> FeedItem {
    let mut out = item.clone();
    if platform != Platform::Meta {
        out.quantity = None;
    }
    if platform == Platform::Tiktok {
        out.custom_labels = Default::default();
    }
    if matches!(platform, Platform::Google | Platform::Pinterest)
        && out.availability == Availability::Discontinued
    {
        out.availability = Availability::OutOfStock;
    }
    out
}

/// The RSS channel around an XML export.
#[derive(Debug, Clone)]
struct Channel {
    title: String,
    link: String,
    description: String,
}

/// Writes one platform's feed. Delimited formats get their header at construction; XML gets its
/// preamble with the first item (or at `finish` for an empty feed), so `with_channel` can come first.
pub struct FeedWriter<W: Write> {
    platform: Platform,
    columns: Vec<(&'static str, Col)>,
    out: Out<W>,
}

enum Out<W: Write> {
    Delimited(Box<csv::Writer<W>>),
    Xml {
        w: W,
        channel: Channel,
        started: bool,
    },
}

fn csv_io(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

impl<W: Write> FeedWriter<W> {
    /// Fails with `ErrorKind::Unsupported` for a format the platform does not take (TikTok XML; see
    /// [`Platform::supports`]).
    pub fn new(w: W, platform: Platform, format: FeedFormat) -> io::Result<Self> {
        if !platform.supports(format) {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!("{platform} does not take {format} feeds"),
            ));
        }
        let columns = columns(platform);
        let out = match format {
            FeedFormat::Csv | FeedFormat::Tsv => {
                let mut writer = csv::WriterBuilder::new()
                    .delimiter(if format == FeedFormat::Tsv {
                        b'\t'
                    } else {
                        b','
                    })
                    .quote_style(csv::QuoteStyle::Necessary)
                    .from_writer(w);
                writer
                    .write_record(columns.iter().map(|(name, _)| *name))
                    .map_err(csv_io)?;
                Out::Delimited(Box::new(writer))
            }
            FeedFormat::Xml => Out::Xml {
                w,
                channel: Channel {
                    title: "Catalog".to_owned(),
                    link: String::new(),
                    description: "Product feed".to_owned(),
                },
                started: false,
            },
        };
        Ok(FeedWriter {
            platform,
            columns,
            out,
        })
    }

    /// Sets the RSS channel's title, link and description (XML only; ignored for CSV and TSV).
    pub fn with_channel(mut self, title: &str, link: &str, description: &str) -> Self {
        if let Out::Xml { channel, .. } = &mut self.out {
            *channel = Channel {
                title: title.to_owned(),
                link: link.to_owned(),
                description: description.to_owned(),
            };
        }
        self
    }

    pub fn write(&mut self, item: &FeedItem) -> io::Result<()> {
        let platform = self.platform;
        match &mut self.out {
            Out::Delimited(writer) => writer
                .write_record(
                    self.columns
                        .iter()
                        .map(|(_, col)| value(platform, *col, item).into_owned()),
                )
                .map_err(csv_io),
            Out::Xml {
                w,
                channel,
                started,
            } => {
                if !*started {
                    write_preamble(w, channel)?;
                    *started = true;
                }
                let mut buf = String::with_capacity(1024);
                buf.push_str("<item>\n");
                for (name, col) in &self.columns {
                    if let Col::AdditionalImageLink = col {
                        // XML repeats the element once per image rather than joining with commas.
                        for url in &item.additional_image_links {
                            push_element(&mut buf, name, url);
                        }
                        continue;
                    }
                    let v = value(platform, *col, item);
                    if !v.is_empty() {
                        push_element(&mut buf, name, &v);
                    }
                }
                buf.push_str("</item>\n");
                w.write_all(buf.as_bytes())
            }
        }
    }

    /// Completes the file (closes the XML document) and returns the writer, flushed.
    pub fn finish(self) -> io::Result<W> {
        match self.out {
            Out::Delimited(writer) => writer
                .into_inner()
                .map_err(|e| io::Error::other(e.error().to_string())),
            Out::Xml {
                mut w,
                channel,
                started,
            } => {
                if !started {
                    write_preamble(&mut w, &channel)?;
                }
                w.write_all(b"</channel>\n</rss>\n")?;
                w.flush()?;
                Ok(w)
            }
        }
    }
}

fn write_preamble<W: Write>(w: &mut W, channel: &Channel) -> io::Result<()> {
    let mut head = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <rss version=\"2.0\" xmlns:g=\"http://base.google.com/ns/1.0\">\n<channel>\n",
    );
    head.push_str(&format!("<title>{}</title>\n", xml_text(&channel.title)));
    if !channel.link.is_empty() {
        head.push_str(&format!("<link>{}</link>\n", xml_text(&channel.link)));
    }
    head.push_str(&format!(
        "<description>{}</description>\n",
        xml_text(&channel.description)
    ));
    w.write_all(head.as_bytes())
}

fn push_element(buf: &mut String, name: &str, text: &str) {
    buf.push_str("  <g:");
    buf.push_str(name);
    buf.push('>');
    buf.push_str(&xml_text(text));
    buf.push_str("</g:");
    buf.push_str(name);
    buf.push_str(">\n");
}

/// Escapes text for an XML element. A carriage return is written as `&#13;` because a parser turns a raw
/// CR LF into LF; characters XML 1.0 cannot hold at all (most C0 controls) are dropped.
fn xml_text(s: &str) -> Cow<'_, str> {
    let needs = s
        .chars()
        .any(|c| matches!(c, '&' | '<' | '>' | '\r') || !xml_char(c));
    if !needs {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c if xml_char(c) => out.push(c),
            _ => {}
        }
    }
    Cow::Owned(out)
}

fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Per-platform limits (characters). Google, Meta and Pinterest are from their feed specifications (see
/// design.md §8). TikTok publishes no id or description limit in its catalog parameters page; Souk uses
/// 100 for `sku_id`, 150 for the title and 5000 for the description, the values TikTok's catalog template
/// enforces in practice and no looser than Google's, so an item that passes here is not cut short there.
struct Limits {
    id: usize,
    title: usize,
    description: usize,
    brand: usize,
    additional_images: usize,
}

const fn limits(platform: Platform) -> Limits {
    match platform {
        Platform::Google => Limits {
            id: 50,
            title: 150,
            description: 5000,
            brand: 70,
            additional_images: 10,
        },
        Platform::Meta => Limits {
            id: 100,
            title: 200,
            description: 9999,
            brand: 100,
            additional_images: 20,
        },
        Platform::Pinterest => Limits {
            id: 127,
            title: 500,
            description: 10_000,
            brand: 100,
            additional_images: 10,
        },
        Platform::Tiktok => Limits {
            id: 100,
            title: 150,
            description: 5000,
            brand: 100,
            additional_images: 10,
        },
    }
}

/// What `platform` would reject in `item`; empty means the item can be exported as it is.
pub fn export_issues(platform: Platform, item: &FeedItem) -> Vec<ExportIssue> {
    let limits = limits(platform);
    let mut issues = Vec::new();
    let mut issue = |field: &'static str, code: &'static str, message: String| {
        issues.push(ExportIssue {
            item_id: item.id.clone(),
            field,
            code,
            message,
        });
    };
    let id_name = if platform == Platform::Tiktok {
        "sku_id"
    } else {
        "id"
    };
    for (field, text, max) in [
        (id_name, &item.id, limits.id),
        ("title", &item.title, limits.title),
        ("description", &item.description, limits.description),
        ("brand", &item.brand, limits.brand),
    ] {
        let chars = text.chars().count();
        if chars > max {
            issue(
                field,
                "too_long",
                format!("{platform} allows at most {max} characters in {field}; this has {chars}"),
            );
        }
    }
    if let Some(group) = &item.item_group_id {
        let chars = group.chars().count();
        if chars > limits.id {
            issue(
                "item_group_id",
                "too_long",
                format!(
                    "{platform} allows at most {} characters in item_group_id; this has {chars}",
                    limits.id
                ),
            );
        }
    }
    if item.additional_image_links.len() > limits.additional_images {
        issue(
            "additional_image_link",
            "too_many_images",
            format!(
                "{platform} takes at most {} additional images; this item has {}",
                limits.additional_images,
                item.additional_image_links.len()
            ),
        );
    }
    if platform == Platform::Tiktok && item.brand.is_empty() {
        issue(
            "brand",
            "missing_field",
            "TikTok requires a brand for every item".to_owned(),
        );
    }
    issues
}
