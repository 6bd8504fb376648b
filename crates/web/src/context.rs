//! Who is asking and in which language: resolved once per request from the bearer token or session
//! cookie, the language cookie and `Accept-Language`, and shared with handlers through extensions.

use crate::state::WebConfig;
use axum::http::{HeaderMap, HeaderValue, header};
use cookie::{Cookie, SameSite};
use souk_domain::Locale;
use souk_service::Viewer;

pub const SESSION_COOKIE: &str = "souk_session";
pub const CSRF_COOKIE: &str = "souk_csrf";
pub const LANG_COOKIE: &str = "souk_lang";

#[derive(Clone, Debug)]
pub struct RequestCtx {
    pub viewer: Option<Viewer>,
    /// True when the viewer was authenticated by the session cookie (so unsafe requests need CSRF proof).
    pub via_cookie: bool,
    pub locale: Locale,
    /// This browser's CSRF secret, echoed in every form.
    pub csrf_token: String,
    /// Path and query of this request, for "come back here after logging in".
    pub path: String,
}

pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"'))
}

pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Language for this request: the account's saved choice, else the switcher cookie, else the browser.
pub fn negotiate_locale(viewer: Option<&Viewer>, headers: &HeaderMap) -> Locale {
    viewer
        .and_then(|v| v.locale)
        .or_else(|| cookie_value(headers, LANG_COOKIE).and_then(Locale::from_tag))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Locale::negotiate)
        })
        .unwrap_or_default()
}

/// A `Set-Cookie` value with Souk's defaults: HttpOnly, SameSite=Lax, Path=/, Secure behind https.
pub fn set_cookie(
    config: &WebConfig,
    name: &str,
    value: &str,
    max_age_secs: i64,
) -> Option<HeaderValue> {
    let c = Cookie::build((name, value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .path("/")
        .secure(config.secure_cookies)
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .build();
    HeaderValue::from_str(&c.to_string()).ok()
}

/// Whether a presented CSRF token matches this browser's, in time independent of where they differ.
pub fn csrf_matches(expected: &str, presented: &str) -> bool {
    let (a, b) = (expected.as_bytes(), presented.as_bytes());
    if a.len() != b.len() || a.is_empty() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies_and_bearer() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; souk_lang=ko; b=2"),
        );
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer souk_s_abc"),
        );
        assert_eq!(cookie_value(&h, "souk_lang"), Some("ko"));
        assert_eq!(cookie_value(&h, "missing"), None);
        assert_eq!(bearer_token(&h), Some("souk_s_abc"));
        assert_eq!(negotiate_locale(None, &h), Locale::Ko);
    }

    #[test]
    fn csrf_comparison() {
        assert!(csrf_matches("abc", "abc"));
        assert!(!csrf_matches("abc", "abd"));
        assert!(!csrf_matches("abc", "ab"));
        assert!(!csrf_matches("", ""));
    }
}
