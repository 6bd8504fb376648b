//! Translation lookup over the catalogues in `locales/`, one YAML file per language.

use souk_domain::Locale;
use std::borrow::Cow;

/// The translation of `key`, falling back to English and then to the key itself (a visible gap beats a
/// blank).
pub fn t(locale: Locale, key: &str) -> Cow<'static, str> {
    match crate::_rust_i18n_try_translate(locale.tag(), key) {
        Some(s) => Cow::Owned(s.into_owned()),
        None => Cow::Owned(key.to_owned()),
    }
}

/// Like [`t`], with `%{name}` placeholders filled in.
pub fn t_args(locale: Locale, key: &str, args: &[(&str, &str)]) -> String {
    let mut s = t(locale, key).into_owned();
    for (name, value) in args {
        s = s.replace(&format!("%{{{name}}}"), value);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(locale: &str) -> BTreeSet<String> {
        let path = format!("{}/locales/{locale}.yml", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap();
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("_version") && !l.trim().is_empty())
            .filter_map(|l| {
                l.split_once(':')
                    .map(|(k, _)| k.trim().trim_matches('"').to_owned())
            })
            .collect()
    }

    #[test]
    fn every_language_translates_every_key() {
        let en = keys("en");
        assert!(en.len() > 50, "catalogue looks empty");
        for l in ["zh-CN", "zh-TW", "ko"] {
            let other = keys(l);
            let missing: Vec<_> = en.difference(&other).collect();
            let extra: Vec<_> = other.difference(&en).collect();
            assert!(missing.is_empty(), "{l} is missing {missing:?}");
            assert!(extra.is_empty(), "{l} has keys English lacks: {extra:?}");
        }
    }

    #[test]
    fn looks_up_and_falls_back() {
        assert_eq!(t(Locale::Ko, "nav.home"), "홈");
        assert_eq!(t(Locale::En, "nav.home"), "Home");
        assert_eq!(t(Locale::En, "no.such.key"), "no.such.key");
        assert_eq!(
            t_args(Locale::En, "home.hello", &[("name", "Mina")]),
            "Hello, Mina"
        );
    }
}
