//! Catalog feeds: reading the CSV, TSV and RSS/Atom files shops upload to Google, Meta, Pinterest and
//! TikTok, validating each row into a [`FeedItem`], and writing items back out in each platform's dialect.
//!
//! Pure logic over `BufRead`/`Write`: no IO of its own, no database, and memory that stays flat however many
//! rows a file has (rows are streamed one at a time, never collected).

mod read;
mod validate;
mod write;

#[cfg(test)]
mod tests;

pub use read::FeedReader;
pub use validate::{
    MAX_DESCRIPTION_CHARS, MAX_ID_CHARS, MAX_TITLE_CHARS, is_http_url, parse_availability,
    parse_price, validate,
};
pub use write::{FeedWriter, as_carried_by, export_issues, format_price};

use crate::commerce::{AgeGroup, Availability, Condition, Gender};
use crate::money::Money;

/// The file formats a feed can come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedFormat {
    Csv,
    Tsv,
    Xml,
}

impl FeedFormat {
    pub const ALL: &'static [FeedFormat] = &[FeedFormat::Csv, FeedFormat::Tsv, FeedFormat::Xml];

    /// Accepts the file extension spelling, case-insensitively ("csv", "TSV", "xml"; "txt" is Google's
    /// usual name for a TSV file).
    pub fn parse(s: &str) -> Option<FeedFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(FeedFormat::Csv),
            "tsv" | "txt" | "tab" => Some(FeedFormat::Tsv),
            "xml" | "rss" | "atom" => Some(FeedFormat::Xml),
            _ => None,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            FeedFormat::Csv => "csv",
            FeedFormat::Tsv => "tsv",
            FeedFormat::Xml => "xml",
        }
    }

    /// The MIME type to serve an export with.
    pub const fn content_type(self) -> &'static str {
        match self {
            FeedFormat::Csv => "text/csv; charset=utf-8",
            FeedFormat::Tsv => "text/tab-separated-values; charset=utf-8",
            FeedFormat::Xml => "application/rss+xml; charset=utf-8",
        }
    }

    /// Guesses the format from the first bytes of a file: XML when the first non-blank character is `<`,
    /// otherwise TSV when the first line has more tabs than commas, else CSV. `None` for an empty or blank
    /// start. This is a guess, not a check: the reader reports what is actually wrong with the file.
    pub fn sniff(first_bytes: &[u8]) -> Option<FeedFormat> {
        let b = first_bytes
            .strip_prefix(read::UTF8_BOM)
            .unwrap_or(first_bytes);
        let start = b.iter().position(|c| !c.is_ascii_whitespace())?;
        let b = &b[start..];
        if b.first() == Some(&b'<') {
            return Some(FeedFormat::Xml);
        }
        let line_end = b.iter().position(|&c| c == b'\n').unwrap_or(b.len());
        let line = &b[..line_end];
        let tabs = line.iter().filter(|&&c| c == b'\t').count();
        let commas = line.iter().filter(|&&c| c == b',').count();
        Some(if tabs > commas {
            FeedFormat::Tsv
        } else {
            FeedFormat::Csv
        })
    }
}

impl std::fmt::Display for FeedFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The platforms whose feed dialects Souk reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    Google,
    Meta,
    Pinterest,
    Tiktok,
}

impl Platform {
    pub const ALL: &'static [Platform] = &[
        Platform::Google,
        Platform::Meta,
        Platform::Pinterest,
        Platform::Tiktok,
    ];

    pub fn parse(s: &str) -> Option<Platform> {
        match s.trim().to_ascii_lowercase().as_str() {
            "google" => Some(Platform::Google),
            "meta" | "facebook" => Some(Platform::Meta),
            "pinterest" => Some(Platform::Pinterest),
            "tiktok" => Some(Platform::Tiktok),
            _ => None,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Platform::Google => "google",
            Platform::Meta => "meta",
            Platform::Pinterest => "pinterest",
            Platform::Tiktok => "tiktok",
        }
    }

    /// Whether this platform takes files in `format` (TikTok's catalog upload takes no XML).
    pub const fn supports(self, format: FeedFormat) -> bool {
        !matches!((self, format), (Platform::Tiktok, FeedFormat::Xml))
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something wrong with the file as a whole: nothing in it should be imported. `code` is stable.
///
/// Codes: `empty_file`, `binary_file`, `invalid_utf8`, `no_rows` (a header and nothing else),
/// `malformed_xml` (including a truncated document), `missing_columns`, `malformed_csv`, `read_failed`
/// (the underlying reader failed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub code: &'static str,
    pub message: String,
    /// The 1-based line of the file where the problem was found, when there is one.
    pub line: Option<u64>,
}

impl FileError {
    pub(crate) fn new(code: &'static str, message: impl Into<String>, line: Option<u64>) -> Self {
        FileError {
            code,
            message: message.into(),
            line,
        }
    }
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for FileError {}

/// One record of a feed before validation: the file line it starts on and its values under canonical
/// lower-case field names (see [`FIELDS`]). Unknown columns are not included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    pub line: u64,
    pub fields: Vec<(String, String)>,
}

impl RawRow {
    /// The first non-blank value of `name`, trimmed; "" when the row has none.
    pub fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.trim())
            .find(|v| !v.is_empty())
            .unwrap_or("")
    }
}

/// Every field Souk reads, by its canonical name.
pub const FIELDS: &[&str] = &[
    "id",
    "title",
    "description",
    "link",
    "image_link",
    "additional_image_link",
    "availability",
    "price",
    "sale_price",
    "brand",
    "gtin",
    "mpn",
    "condition",
    "item_group_id",
    "color",
    "size",
    "material",
    "pattern",
    "gender",
    "age_group",
    "google_product_category",
    "product_type",
    "custom_label_0",
    "custom_label_1",
    "custom_label_2",
    "custom_label_3",
    "custom_label_4",
    "quantity",
];

/// The fields every platform requires of every row.
pub const REQUIRED_FIELDS: &[&str] = &[
    "id",
    "title",
    "description",
    "link",
    "image_link",
    "availability",
    "price",
];

/// Maps a column header or XML element name onto its canonical field name: trimmed, case-insensitive,
/// spaces as underscores (Google's sheet template writes "image link"), a `g:` prefix dropped, and the
/// platforms' aliases folded (`sku_id` is TikTok's id; Meta's quantity column has several names).
pub fn canonical_field(header: &str) -> Option<&'static str> {
    let lower = header.trim().to_lowercase().replace([' ', '-'], "_");
    let name = lower.strip_prefix("g:").unwrap_or(&lower);
    let name = match name {
        "sku_id" => "id",
        "quantity_to_sell_on_facebook" | "inventory" | "quantity" => "quantity",
        "additional_image_links" => "additional_image_link",
        "colour" => "color",
        other => other,
    };
    FIELDS.iter().copied().find(|f| *f == name)
}

/// A validated catalog item: what one feed row means, independent of the platform it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedItem {
    pub id: String,
    pub title: String,
    pub description: String,
    pub link: String,
    pub image_link: String,
    pub additional_image_links: Vec<String>,
    pub availability: Availability,
    pub price: Money,
    pub sale_price: Option<Money>,
    pub brand: String,
    pub gtin: String,
    pub mpn: String,
    pub condition: Condition,
    pub item_group_id: Option<String>,
    pub color: String,
    pub size: String,
    pub material: String,
    pub pattern: String,
    pub gender: Option<Gender>,
    pub age_group: Option<AgeGroup>,
    pub google_product_category: String,
    pub product_type: String,
    pub custom_labels: [String; 5],
    pub quantity: Option<i64>,
}

/// One reason a row was rejected. `code` is stable; `field` is the canonical field name; `line` is the file
/// line the record starts on (the header is line 1; for XML, the line of the `<item>`/`<entry>` tag).
///
/// Codes: `missing_field`, `too_long`, `invalid_id` (tab or line break in the id), `invalid_url`,
/// `too_many_images`, `invalid_availability`, `price_missing_currency`, `unknown_currency`,
/// `too_many_decimals`, `negative_price`, `invalid_price`, `currency_mismatch`,
/// `sale_price_not_below_price`, `invalid_condition`, `invalid_gender`, `invalid_age_group`,
/// `invalid_quantity`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub item_id: Option<String>,
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

/// One reason a platform would reject an item if it were exported as it is. Codes: `too_long`,
/// `too_many_images`, `missing_field` (TikTok's brand). `field` uses the platform's name for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportIssue {
    pub item_id: String,
    pub field: &'static str,
    pub code: &'static str,
    pub message: String,
}
