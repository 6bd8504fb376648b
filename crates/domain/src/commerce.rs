//! Commerce vocabulary: shop handles, SKUs, product and order states, availability, checkout modes,
//! branding colours, and the order state machine.

use crate::validation::FieldError;
use serde::{Deserialize, Serialize};

/// How many of one variant a single cart line or order line may hold.
pub const MAX_LINE_QUANTITY: i64 = 99;
/// Distinct lines one cart may hold.
pub const MAX_CART_LINES: i64 = 100;

macro_rules! str_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }

            /// Parses the stored or submitted spelling; `field` names the input in the error.
            pub fn parse(s: &str, field: &'static str) -> Result<$name, FieldError> {
                match s.trim() {
                    $($s => Ok($name::$variant),)+
                    other => Err(FieldError::new(
                        field,
                        "invalid_choice",
                        format!("{other:?} is not one of: {}", [$($s),+].join(", ")),
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

str_enum!(
    /// A product is sold only while active; drafts are invisible to shoppers; archived ones keep old
    /// orders and links working.
    ProductStatus { Draft = "draft", Active = "active", Archived = "archived" }
);

str_enum!(
    /// Per-variant availability as the catalog feeds spell it (Google's spelling).
    Availability {
        InStock = "in_stock",
        OutOfStock = "out_of_stock",
        Preorder = "preorder",
        Backorder = "backorder",
        Discontinued = "discontinued",
    }
);

impl Availability {
    /// Whether a shopper may put this variant in a cart at all (stock is checked separately).
    pub const fn purchasable(self) -> bool {
        matches!(
            self,
            Availability::InStock | Availability::Preorder | Availability::Backorder
        )
    }
}

str_enum!(Condition { New = "new", Refurbished = "refurbished", Used = "used" });
str_enum!(Gender { Female = "female", Male = "male", Unisex = "unisex" });
str_enum!(AgeGroup {
    Newborn = "newborn",
    Infant = "infant",
    Toddler = "toddler",
    Kids = "kids",
    Adult = "adult",
});

str_enum!(
    /// Where the buy button leads: Souk's own checkout, the merchant's website, or an order request sent
    /// to the shop's inbox.
    CheckoutMode { Souk = "souk", Website = "website", Message = "message" }
);

str_enum!(
    /// Staff roles; the owner can do everything, staff manage catalog and orders but not the shop itself.
    ShopRole { Owner = "owner", Staff = "staff" }
);

str_enum!(
    /// The curated storefront fonts (generic stacks, so nothing is downloaded from a third party).
    ShopFont { System = "system", Serif = "serif", Rounded = "rounded", Mono = "mono" }
);

impl ShopFont {
    pub const fn css_stack(self) -> &'static str {
        match self {
            ShopFont::System => "system-ui, -apple-system, \"Segoe UI\", sans-serif",
            ShopFont::Serif => "Georgia, \"Noto Serif CJK SC\", \"Times New Roman\", serif",
            ShopFont::Rounded => {
                "ui-rounded, \"Hiragino Maru Gothic ProN\", \"Arial Rounded MT Bold\", sans-serif"
            }
            ShopFont::Mono => "ui-monospace, \"SFMono-Regular\", Menlo, monospace",
        }
    }
}

str_enum!(
    /// The order lifecycle. `Requested` is an order-by-message request the merchant has not confirmed.
    OrderStatus {
        Requested = "requested",
        Pending = "pending",
        Paid = "paid",
        Fulfilled = "fulfilled",
        Delivered = "delivered",
        Cancelled = "cancelled",
        Refunded = "refunded",
    }
);

impl OrderStatus {
    /// The allowed transitions. Refunds move an order to `Refunded` only when everything paid has been
    /// returned; partial refunds leave the fulfilment status as it is.
    pub fn can_become(self, to: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!(
            (self, to),
            (Requested, Pending)
                | (Requested, Cancelled)
                | (Pending, Paid)
                | (Pending, Cancelled)
                | (Paid, Fulfilled)
                | (Paid, Refunded)
                | (Fulfilled, Delivered)
                | (Fulfilled, Refunded)
                | (Delivered, Refunded)
        )
    }

    /// Paid money can be refunded from these states.
    pub const fn refundable(self) -> bool {
        matches!(
            self,
            OrderStatus::Paid | OrderStatus::Fulfilled | OrderStatus::Delivered
        )
    }

    /// Stock is held for the order in these states; cancelling releases it.
    pub const fn holds_stock(self) -> bool {
        matches!(self, OrderStatus::Pending)
    }
}

str_enum!(
    PaymentStatus {
        Pending = "pending",
        Succeeded = "succeeded",
        Failed = "failed",
    }
);

/// A shop's public handle: 3–30 of a–z, 0–9, `-` and `_`, starting with a letter or digit. Stored as typed;
/// uniqueness is case-insensitive through the lower-case key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopHandle(String);

impl ShopHandle {
    pub fn parse(s: &str) -> Result<ShopHandle, FieldError> {
        let s = s.trim();
        let bad = |code, msg: &str| Err(FieldError::new("handle", code, msg));
        if s.len() < 3 || s.len() > 30 {
            return bad("invalid_length", "a shop handle has 3 to 30 characters");
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            || !s.as_bytes()[0].is_ascii_alphanumeric()
        {
            return bad(
                "invalid_characters",
                "use letters a–z, digits, '-' and '_', starting with a letter or digit",
            );
        }
        Ok(ShopHandle(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

/// A stock-keeping unit: 1–64 visible characters without spaces, unique within a shop (case-insensitive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sku(String);

impl Sku {
    pub fn parse(s: &str) -> Result<Sku, FieldError> {
        let s = s.trim();
        if s.is_empty() || s.chars().count() > 64 {
            return Err(FieldError::new(
                "sku",
                "invalid_length",
                "a SKU has 1 to 64 characters",
            ));
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(FieldError::new(
                "sku",
                "invalid_characters",
                "a SKU cannot contain spaces",
            ));
        }
        Ok(Sku(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// An sRGB colour written `#rrggbb`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Color(pub [u8; 3]);

impl Color {
    pub fn parse(s: &str, field: &'static str) -> Result<Color, FieldError> {
        let t = s.trim().trim_start_matches('#');
        let bytes = (t.len() == 6)
            .then(|| {
                hex_byte(&t[0..2])
                    .zip(hex_byte(&t[2..4]))
                    .zip(hex_byte(&t[4..6]))
            })
            .flatten();
        match bytes {
            Some(((r, g), b)) => Ok(Color([r, g, b])),
            None => Err(FieldError::new(
                field,
                "invalid_color",
                format!("{s:?} is not a colour like #1a2b3c"),
            )),
        }
    }

    pub fn to_hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0[0], self.0[1], self.0[2])
    }

    /// WCAG 2 relative luminance.
    pub fn luminance(self) -> f64 {
        let ch = |v: u8| {
            let c = f64::from(v) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * ch(self.0[0]) + 0.7152 * ch(self.0[1]) + 0.0722 * ch(self.0[2])
    }

    /// WCAG 2 contrast ratio, 1.0 to 21.0.
    pub fn contrast(self, other: Color) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (hi, lo) = if a > b { (a, b) } else { (b, a) };
        (hi + 0.05) / (lo + 0.05)
    }

    /// Black or white, whichever reads better on this colour (text on accent buttons).
    pub fn readable_text(self) -> Color {
        let black = Color([0x11, 0x11, 0x11]);
        let white = Color([0xff, 0xff, 0xff]);
        if self.contrast(black) >= self.contrast(white) {
            black
        } else {
            white
        }
    }
}

fn hex_byte(s: &str) -> Option<u8> {
    u8::from_str_radix(s, 16).ok()
}

/// WCAG AA for large text and UI components; Souk requires it between a shop's accent and background, and
/// AA body text (4.5) between the background and the text colour chosen for it.
pub const MIN_ACCENT_CONTRAST: f64 = 3.0;
pub const MIN_TEXT_CONTRAST: f64 = 4.5;

/// Checks a storefront palette: the accent must stand out from the background, and body text (black or
/// white, whichever is better) must be readable on the background.
pub fn check_palette(accent: Color, background: Color) -> Result<(), FieldError> {
    let text = background.readable_text();
    if background.contrast(text) < MIN_TEXT_CONTRAST {
        return Err(FieldError::new(
            "background_color",
            "low_contrast",
            "text would be hard to read on this background",
        ));
    }
    let ratio = accent.contrast(background);
    if ratio < MIN_ACCENT_CONTRAST {
        return Err(FieldError::new(
            "accent_color",
            "low_contrast",
            format!(
                "the accent colour contrasts {ratio:.1}:1 with the background; at least {MIN_ACCENT_CONTRAST}:1 is needed"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_transitions() {
        use OrderStatus::*;
        assert!(Pending.can_become(Paid));
        assert!(Paid.can_become(Fulfilled));
        assert!(Fulfilled.can_become(Delivered));
        assert!(Requested.can_become(Pending));
        assert!(!Pending.can_become(Fulfilled));
        assert!(!Delivered.can_become(Cancelled));
        assert!(!Cancelled.can_become(Paid));
        assert!(!Refunded.can_become(Paid));
        for s in OrderStatus::ALL {
            assert!(!s.can_become(*s), "{s} to itself");
        }
    }

    #[test]
    fn handles_and_skus() {
        assert_eq!(ShopHandle::parse("Seoul-Glow").unwrap().key(), "seoul-glow");
        assert_eq!(ShopHandle::parse("ab").unwrap_err().code, "invalid_length");
        assert_eq!(
            ShopHandle::parse("-abc").unwrap_err().code,
            "invalid_characters"
        );
        assert_eq!(
            ShopHandle::parse("商店店").unwrap_err().code,
            "invalid_characters"
        );
        assert_eq!(Sku::parse(" TEE-RED-M ").unwrap().as_str(), "TEE-RED-M");
        assert_eq!(Sku::parse("A B").unwrap_err().code, "invalid_characters");
        assert_eq!(Sku::parse("").unwrap_err().code, "invalid_length");
    }

    #[test]
    fn enums_round_trip() {
        for a in Availability::ALL {
            assert_eq!(Availability::parse(a.as_str(), "availability").unwrap(), *a);
        }
        assert_eq!(
            Availability::parse("in stock", "availability")
                .unwrap_err()
                .code,
            "invalid_choice"
        );
        assert!(!Availability::Discontinued.purchasable());
    }

    #[test]
    fn palette_contrast() {
        let white = Color::parse("#ffffff", "c").unwrap();
        let black = Color::parse("000000", "c").unwrap();
        assert!((white.contrast(black) - 21.0).abs() < 0.01);
        let yellow = Color::parse("#ffeb3b", "c").unwrap();
        assert_eq!(
            check_palette(yellow, white).unwrap_err().code,
            "low_contrast"
        );
        let navy = Color::parse("#1f3a93", "c").unwrap();
        assert!(check_palette(navy, white).is_ok());
        assert_eq!(
            Color::parse("#12345", "c").unwrap_err().code,
            "invalid_color"
        );
        assert_eq!(
            Color::parse("#gggggg", "c").unwrap_err().code,
            "invalid_color"
        );
        assert_eq!(navy.to_hex(), "#1f3a93");
    }
}
