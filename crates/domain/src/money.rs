//! Money: ISO 4217 currencies, integer minor units, decimal parsing without floats, and locale formatting.

use crate::Locale;
use crate::validation::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The largest amount Souk accepts in minor units (10^13): far above any real price, and small enough that
/// sums of many lines and `amount × basis points` stay inside i64/i128 without overflow checks everywhere.
pub const MAX_AMOUNT_MINOR: i64 = 10_000_000_000_000;

/// An ISO 4217 currency Souk can price in: an active code with a defined number of minor digits
/// (funds, precious metals and test codes such as XAU or XXX are refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency(iso_currency::Currency);

impl Currency {
    pub fn parse(code: &str) -> Result<Currency, FieldError> {
        let code = code.trim();
        let upper = code.to_ascii_uppercase();
        match iso_currency::Currency::from_code(&upper) {
            Some(c) if c.exponent().is_some() && !c.is_fund() && !c.is_special() => Ok(Currency(c)),
            _ => Err(FieldError::new(
                "currency",
                "invalid_currency",
                format!("{code:?} is not an ISO 4217 currency code Souk can price in"),
            )),
        }
    }

    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// Digits after the decimal point: 2 for USD and EUR, 0 for KRW and JPY, 3 for KWD.
    pub fn exponent(self) -> u32 {
        u32::from(self.0.exponent().unwrap_or(0))
    }

    fn unit(self) -> i64 {
        10_i64.pow(self.exponent())
    }

    /// The symbol a reader of `locale` expects. "$" alone is reserved for the locale's own dollar so that
    /// nobody reads a Taiwan-dollar price as US dollars.
    pub fn symbol(self, locale: Locale) -> String {
        let s = match (self.code(), locale) {
            ("USD", Locale::En) => "$",
            ("USD", _) => "US$",
            ("TWD", Locale::ZhTw) => "$",
            ("TWD", _) => "NT$",
            ("CNY", Locale::ZhCn) => "¥",
            ("CNY", _) => "CN¥",
            ("JPY", Locale::En) => "¥",
            ("JPY", _) => "JP¥",
            ("KRW", _) => "₩",
            ("EUR", _) => "€",
            ("GBP", _) => "£",
            ("HKD", _) => "HK$",
            ("CAD", _) => "CA$",
            ("AUD", _) => "A$",
            ("INR", _) => "₹",
            _ => return format!("{} ", self.code()),
        };
        s.to_owned()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// An amount in a currency's minor units (cents for USD, won for KRW).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Money {
    pub amount_minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(amount_minor: i64, currency: Currency) -> Money {
        Money {
            amount_minor,
            currency,
        }
    }

    /// Parses a price typed by a person or a feed: "12", "12.5", "12.50", "1,299.00", "₩15,000" is not
    /// accepted (symbols are ambiguous), but "15000" for KRW is. More decimals than the currency has is an
    /// error rather than a silent rounding: a 0-decimal currency never has cents.
    pub fn parse(text: &str, currency: Currency, field: &'static str) -> Result<Money, FieldError> {
        parse_minor(text, currency, field).map(|m| Money::new(m, currency))
    }

    /// The plain decimal form used in forms and feeds: "12.50", "15000".
    pub fn to_decimal_string(self) -> String {
        decimal(self.amount_minor, self.currency, false)
    }

    /// Locale-aware display: "$1,234.50", "₩15,000", "NT$990" (en) or "$990" (zh-TW).
    pub fn format(self, locale: Locale) -> String {
        let sign = if self.amount_minor < 0 { "-" } else { "" };
        format!(
            "{sign}{}{}",
            self.currency.symbol(locale),
            decimal(self.amount_minor.abs(), self.currency, true)
        )
    }
}

fn decimal(amount: i64, currency: Currency, group: bool) -> String {
    let exp = currency.exponent();
    let unit = currency.unit();
    let neg = amount < 0;
    let abs = amount.unsigned_abs();
    let whole = abs / unit.unsigned_abs();
    let frac = abs % unit.unsigned_abs();
    let mut whole_s = whole.to_string();
    if group {
        let bytes = whole_s.as_bytes();
        let mut out = String::with_capacity(bytes.len() + bytes.len() / 3);
        for (i, ch) in bytes.iter().enumerate() {
            if i > 0 && (bytes.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(char::from(*ch));
        }
        whole_s = out;
    }
    let sign = if neg { "-" } else { "" };
    if exp == 0 {
        format!("{sign}{whole_s}")
    } else {
        format!("{sign}{whole_s}.{frac:0width$}", width = exp as usize)
    }
}

fn parse_minor(text: &str, currency: Currency, field: &'static str) -> Result<i64, FieldError> {
    let invalid = || {
        FieldError::new(
            field,
            "invalid_amount",
            format!("{text:?} is not an amount like 12.50"),
        )
    };
    let t = text.trim();
    if t.is_empty() {
        return Err(FieldError::new(field, "required", "an amount is required"));
    }
    if t.starts_with('-') {
        return Err(FieldError::new(
            field,
            "negative_amount",
            "the amount cannot be negative",
        ));
    }
    let (whole, frac) = match t.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (t, None),
    };
    // Thousands separators are accepted only in their proper places ("1,299" yes, "12,99" no), because a
    // European "12,99" would otherwise silently become 1299.
    let digits: String = if whole.contains(',') {
        let groups: Vec<&str> = whole.split(',').collect();
        let first_ok = groups.first().is_some_and(|g| (1..=3).contains(&g.len()));
        if !first_ok || groups[1..].iter().any(|g| g.len() != 3) {
            return Err(invalid());
        }
        groups.concat()
    } else {
        whole.to_owned()
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let exp = currency.exponent();
    let frac_digits = frac.unwrap_or("");
    if frac.is_some()
        && (frac_digits.is_empty() || !frac_digits.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(invalid());
    }
    let significant = frac_digits.trim_end_matches('0');
    if significant.len() > exp as usize {
        return Err(FieldError::new(
            field,
            "too_many_decimals",
            if exp == 0 {
                format!("{} has no minor unit; use a whole number", currency.code())
            } else {
                format!("{} allows at most {exp} decimal places", currency.code())
            },
        ));
    }
    let too_large = || {
        FieldError::new(
            field,
            "amount_too_large",
            "the amount is larger than Souk accepts",
        )
    };
    let whole_n: i64 = digits
        .trim_start_matches('0')
        .parse::<i64>()
        .or_else(|_| {
            if digits.trim_start_matches('0').is_empty() {
                Ok(0)
            } else {
                Err(())
            }
        })
        .map_err(|_| too_large())?;
    let mut frac_n: i64 = 0;
    for i in 0..exp as usize {
        let d = significant
            .as_bytes()
            .get(i)
            .map_or(0, |b| i64::from(b - b'0'));
        frac_n = frac_n * 10 + d;
    }
    let minor = whole_n
        .checked_mul(currency.unit())
        .and_then(|w| w.checked_add(frac_n))
        .ok_or_else(too_large)?;
    if minor > MAX_AMOUNT_MINOR {
        return Err(too_large());
    }
    Ok(minor)
}

/// `amount × bps / 10 000`, rounded half away from zero: taxes and fees in basis points (1 % = 100).
pub fn apply_bps(amount_minor: i64, bps: i64) -> i64 {
    let p = i128::from(amount_minor) * i128::from(bps);
    let q = p / 10_000;
    let r = p % 10_000;
    let rounded = if r.abs() * 2 >= 10_000 {
        q + p.signum()
    } else {
        q
    };
    i64::try_from(rounded).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(c: &str) -> Currency {
        Currency::parse(c).unwrap()
    }

    #[test]
    fn parses_without_floats() {
        let usd = cur("usd");
        assert_eq!(Money::parse("12.50", usd, "p").unwrap().amount_minor, 1250);
        assert_eq!(Money::parse("12.5", usd, "p").unwrap().amount_minor, 1250);
        assert_eq!(Money::parse("12", usd, "p").unwrap().amount_minor, 1200);
        assert_eq!(Money::parse("0.10", usd, "p").unwrap().amount_minor, 10);
        assert_eq!(
            Money::parse("1,299.00", usd, "p").unwrap().amount_minor,
            129_900
        );
        assert_eq!(Money::parse("0.29", usd, "p").unwrap().amount_minor, 29);
        assert_eq!(Money::parse("12.500", usd, "p").unwrap().amount_minor, 1250);
        assert_eq!(
            Money::parse("12.505", usd, "p").unwrap_err().code,
            "too_many_decimals"
        );
        assert_eq!(
            Money::parse("12,99", usd, "p").unwrap_err().code,
            "invalid_amount"
        );
        assert_eq!(
            Money::parse("-1", usd, "p").unwrap_err().code,
            "negative_amount"
        );
        assert_eq!(
            Money::parse("1e3", usd, "p").unwrap_err().code,
            "invalid_amount"
        );
        assert_eq!(
            Money::parse("12.", usd, "p").unwrap_err().code,
            "invalid_amount"
        );
        assert_eq!(Money::parse("", usd, "p").unwrap_err().code, "required");
        assert_eq!(
            Money::parse("99999999999999999999", usd, "p")
                .unwrap_err()
                .code,
            "amount_too_large"
        );
    }

    #[test]
    fn zero_decimal_currencies() {
        let krw = cur("KRW");
        assert_eq!(krw.exponent(), 0);
        assert_eq!(
            Money::parse("15000", krw, "p").unwrap().amount_minor,
            15_000
        );
        assert_eq!(
            Money::parse("15,000", krw, "p").unwrap().amount_minor,
            15_000
        );
        assert_eq!(
            Money::parse("15000.00", krw, "p").unwrap().amount_minor,
            15_000
        );
        assert_eq!(
            Money::parse("15000.5", krw, "p").unwrap_err().code,
            "too_many_decimals"
        );
        assert_eq!(
            Money::parse("3.5", cur("JPY"), "p").unwrap_err().code,
            "too_many_decimals"
        );
        assert_eq!(
            Money::parse("1.234", cur("KWD"), "p").unwrap().amount_minor,
            1234
        );
    }

    #[test]
    fn refuses_non_currencies() {
        for c in ["XAU", "XXX", "ABC", "", "US"] {
            assert_eq!(
                Currency::parse(c).unwrap_err().code,
                "invalid_currency",
                "{c}"
            );
        }
    }

    #[test]
    fn formats_per_locale() {
        let m = |a, c| Money::new(a, cur(c));
        assert_eq!(m(123_450, "USD").format(Locale::En), "$1,234.50");
        assert_eq!(m(123_450, "USD").format(Locale::Ko), "US$1,234.50");
        assert_eq!(m(15_000, "KRW").format(Locale::Ko), "₩15,000");
        assert_eq!(m(15_000, "KRW").format(Locale::En), "₩15,000");
        assert_eq!(m(990, "TWD").format(Locale::ZhTw), "$9.90");
        assert_eq!(m(99_000, "TWD").format(Locale::En), "NT$990.00");
        assert_eq!(m(1999, "CNY").format(Locale::ZhCn), "¥19.99");
        assert_eq!(m(1999, "CNY").format(Locale::ZhTw), "CN¥19.99");
        assert_eq!(m(5, "EUR").format(Locale::En), "€0.05");
        assert_eq!(m(-250, "EUR").format(Locale::En), "-€2.50");
        assert_eq!(m(1_000_000, "KRW").to_decimal_string(), "1000000");
        assert_eq!(m(1250, "USD").to_decimal_string(), "12.50");
    }

    #[test]
    fn basis_points_round_half_away_from_zero() {
        assert_eq!(apply_bps(1000, 825), 83); // 82.5 → 83
        assert_eq!(apply_bps(1000, 820), 82);
        assert_eq!(apply_bps(15_000, 1000), 1500);
        assert_eq!(apply_bps(0, 1000), 0);
        assert_eq!(apply_bps(-1000, 825), -83);
    }
}
