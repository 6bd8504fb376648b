//! Timestamps as microseconds since the Unix epoch (UTC), the portable column type chosen in ADR 0001.

use serde::{Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    pub const fn from_micros(us: i64) -> Self {
        Self(us)
    }

    pub fn now() -> Self {
        Self(jiff::Timestamp::now().as_microsecond())
    }

    pub const fn as_micros(self) -> i64 {
        self.0
    }

    pub fn plus_seconds(self, secs: i64) -> Self {
        Self(self.0.saturating_add(secs.saturating_mul(1_000_000)))
    }

    /// RFC 3339 in UTC with whole seconds, the API's timestamp format.
    pub fn to_rfc3339(self) -> String {
        match jiff::Timestamp::from_microsecond(self.0) {
            Ok(ts) => ts.round(jiff::Unit::Second).unwrap_or(ts).to_string(),
            Err(_) => String::from("1970-01-01T00:00:00Z"),
        }
    }

    /// Calendar date (YYYY-MM-DD, UTC) for compact display in lists.
    pub fn date_string(self) -> String {
        let s = self.to_rfc3339();
        s.get(..10).unwrap_or(&s).to_owned()
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339_utc() {
        let t = Timestamp::from_micros(1_764_072_000_123_456);
        assert_eq!(t.to_rfc3339(), "2025-11-25T12:00:00Z");
        assert_eq!(t.date_string(), "2025-11-25");
    }

    #[test]
    fn plus_seconds_saturates() {
        assert_eq!(
            Timestamp::from_micros(i64::MAX).plus_seconds(10),
            Timestamp::from_micros(i64::MAX)
        );
        assert_eq!(
            Timestamp::from_micros(0).plus_seconds(2).as_micros(),
            2_000_000
        );
    }
}
