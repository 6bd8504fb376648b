//! Small readers and request shortcuts shared by the social behaviour tests (`social_*` modules).

use souk_test_support::TestApp;
use souk_test_support::reqwest::{Method, StatusCode};
use souk_test_support::serde_json::{Value, json};
use std::collections::HashSet;

/// `POST path` as `token` with a JSON body.
pub async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    app.call(Method::POST, path, Some(token), Some(&body)).await
}

/// `DELETE path` as `token`.
pub async fn delete(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    app.call(Method::DELETE, path, Some(token), None).await
}

/// `GET path` as `token`, asserting 200; returns the body.
pub async fn get_ok(app: &TestApp, token: Option<&str>, path: &str) -> Value {
    let (status, body) = app.get_json(path, token).await;
    assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
    body
}

/// The status of `GET path` as `token`.
pub async fn status_of(app: &TestApp, token: Option<&str>, path: &str) -> StatusCode {
    app.get_json(path, token).await.0
}

/// Asserts a 422 whose `details.fields` holds `(field, code)`.
pub fn assert_field_error(status: StatusCode, body: &Value, field: &str, code: &str) {
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields = crate::support::field_codes(body);
    assert!(
        fields.iter().any(|(f, c)| f == field && c == code),
        "expected {field}/{code} in {body}"
    );
}

/// Asserts an error status and envelope code (`not_found`, `forbidden`, …).
pub fn assert_error(status: StatusCode, body: &Value, want: StatusCode, code: &str) {
    assert_eq!(status, want, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
}

/// Ids of a page's `items`.
pub fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {page}"))
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect()
}

pub fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id: {v}"))
}

/// Follows `next_cursor` from `path` (which may already carry a query) to the end, `limit` per page;
/// returns every item in order. Panics if a page is empty while announcing more, or after 1000 pages.
pub async fn all_pages(app: &TestApp, token: Option<&str>, path: &str, limit: usize) -> Vec<Value> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..1000 {
        let url = match &cursor {
            None => format!("{path}{sep}limit={limit}"),
            Some(c) => format!("{path}{sep}limit={limit}&cursor={c}"),
        };
        let page = get_ok(app, token, &url).await;
        let items = page["items"].as_array().unwrap().clone();
        assert!(items.len() <= limit, "page larger than limit: {page}");
        match page["next_cursor"].as_str() {
            Some(c) => {
                assert!(!items.is_empty(), "empty page with a cursor: {page}");
                out.extend(items);
                cursor = Some(c.to_owned());
            }
            None => {
                out.extend(items);
                return out;
            }
        }
    }
    panic!("more than 1000 pages at {path}");
}

/// Usernames of profile items.
pub fn usernames(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_owned())
        .collect()
}

/// Panics if any value repeats.
pub fn assert_unique<T: std::hash::Hash + Eq + std::fmt::Debug>(items: &[T]) {
    let mut seen = HashSet::new();
    for i in items {
        assert!(seen.insert(i), "{i:?} appears more than once in {items:?}");
    }
}

/// Percent-encodes a path segment (every byte outside the unreserved set), for CJK hashtags.
pub fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A user's notifications (first page, up to 50 rows grouped).
pub async fn notifications(app: &TestApp, token: &str) -> Vec<Value> {
    get_ok(app, Some(token), "/api/v1/notifications?limit=50").await["items"]
        .as_array()
        .unwrap()
        .clone()
}

pub async fn unread(app: &TestApp, token: &str) -> i64 {
    get_ok(app, Some(token), "/api/v1/notifications/unread").await["unread"]
        .as_i64()
        .unwrap()
}

/// Comments on a post, in conversation order.
pub async fn comments(app: &TestApp, token: Option<&str>, post_id: i64) -> Vec<Value> {
    get_ok(app, token, &format!("/api/v1/posts/{post_id}/comments")).await["items"]
        .as_array()
        .unwrap()
        .clone()
}

pub async fn comment(
    app: &TestApp,
    token: &str,
    post_id: i64,
    body: &str,
    parent: Option<i64>,
) -> Value {
    let (status, c) = post(
        app,
        token,
        &format!("/api/v1/posts/{post_id}/comments"),
        json!({"body": body, "parent_id": parent}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    c
}

/// A post as `token` sees it, asserting 200.
pub async fn post_json(app: &TestApp, token: Option<&str>, post_id: i64) -> Value {
    get_ok(app, token, &format!("/api/v1/posts/{post_id}")).await
}

/// Every image URL of a post JSON: display URLs and all sizes.
pub fn image_urls(post: &Value) -> Vec<String> {
    let mut urls = Vec::new();
    for img in post["images"].as_array().unwrap() {
        urls.push(img["url"].as_str().unwrap().to_owned());
        for s in img["sizes"].as_array().unwrap() {
            urls.push(s["url"].as_str().unwrap().to_owned());
        }
    }
    urls
}

/// Files under the app's media folder (uploads that failed must leave none behind).
pub fn media_files(app: &TestApp) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&app.config.media_dir(), &mut out);
    out
}
