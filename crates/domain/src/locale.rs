//! The user interface languages Souk ships, and how a browser's `Accept-Language` maps onto them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Locale {
    #[default]
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "zh-TW")]
    ZhTw,
    #[serde(rename = "ko")]
    Ko,
}

impl Locale {
    pub const ALL: [Locale; 4] = [Locale::En, Locale::ZhCn, Locale::ZhTw, Locale::Ko];

    /// BCP 47 tag, also the translation file name.
    pub const fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::ZhCn => "zh-CN",
            Locale::ZhTw => "zh-TW",
            Locale::Ko => "ko",
        }
    }

    /// The language's own name, shown in the switcher so a reader finds their language without reading ours.
    pub const fn native_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::ZhCn => "简体中文",
            Locale::ZhTw => "繁體中文",
            Locale::Ko => "한국어",
        }
    }

    /// Exact tag match, case-insensitive ("zh-cn" is accepted).
    pub fn from_tag(tag: &str) -> Option<Locale> {
        Locale::ALL
            .into_iter()
            .find(|l| l.tag().eq_ignore_ascii_case(tag.trim()))
    }

    /// Best supported locale for one language range, following common script/region conventions:
    /// Traditional Chinese for Taiwan, Hong Kong, Macau and `Hant`; Simplified for everything else Chinese.
    fn from_range(range: &str) -> Option<Locale> {
        let lower = range.trim().to_ascii_lowercase();
        let mut parts = lower.split(['-', '_']);
        match parts.next()? {
            "en" => Some(Locale::En),
            "ko" => Some(Locale::Ko),
            "zh" => {
                let rest: Vec<&str> = parts.collect();
                // An explicit script subtag beats the region: zh-Hans-HK is Simplified.
                let traditional = if rest.contains(&"hans") {
                    false
                } else {
                    rest.iter()
                        .any(|p| matches!(*p, "tw" | "hk" | "mo" | "hant"))
                };
                Some(if traditional {
                    Locale::ZhTw
                } else {
                    Locale::ZhCn
                })
            }
            _ => None,
        }
    }

    /// Picks from an `Accept-Language` header by quality, first listed winning ties.
    pub fn negotiate(accept_language: &str) -> Option<Locale> {
        let mut best: Option<(f32, Locale)> = None;
        for item in accept_language.split(',') {
            let mut pieces = item.split(';');
            let range = pieces.next().unwrap_or("").trim();
            if range.is_empty() || range == "*" {
                continue;
            }
            let q = pieces
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|v| v.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q <= 0.0 {
                continue;
            }
            if let Some(locale) = Locale::from_range(range)
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, locale));
            }
        }
        best.map(|(_, l)| l)
    }
}

impl std::fmt::Display for Locale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.tag())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates_by_quality() {
        assert_eq!(
            Locale::negotiate("fr-FR,ko;q=0.8,en;q=0.5"),
            Some(Locale::Ko)
        );
        assert_eq!(Locale::negotiate("en-US,en;q=0.9"), Some(Locale::En));
        assert_eq!(Locale::negotiate("de,fr"), None);
        assert_eq!(Locale::negotiate(""), None);
        assert_eq!(Locale::negotiate("ko;q=0,en;q=0.1"), Some(Locale::En));
    }

    #[test]
    fn chinese_script_and_region() {
        assert_eq!(Locale::negotiate("zh-TW"), Some(Locale::ZhTw));
        assert_eq!(Locale::negotiate("zh-HK"), Some(Locale::ZhTw));
        assert_eq!(Locale::negotiate("zh-Hant-CN"), Some(Locale::ZhTw));
        assert_eq!(Locale::negotiate("zh"), Some(Locale::ZhCn));
        assert_eq!(Locale::negotiate("zh-Hans-HK"), Some(Locale::ZhCn));
        assert_eq!(Locale::negotiate("zh_SG"), Some(Locale::ZhCn));
    }

    #[test]
    fn tags_round_trip() {
        for l in Locale::ALL {
            assert_eq!(Locale::from_tag(l.tag()), Some(l));
        }
        assert_eq!(Locale::from_tag("ZH-tw"), Some(Locale::ZhTw));
        assert_eq!(Locale::from_tag("ja"), None);
    }
}
