//! Helpers shared by the behaviour tests: a browser-like client with a readable cookie jar, CSRF token
//! extraction, and small readers for Souk's JSON error envelope.

use souk_test_support::reqwest::cookie::{CookieStore, Jar};
use souk_test_support::reqwest::header::HeaderMap;
use souk_test_support::reqwest::{Client, Response, StatusCode, Url, redirect};
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{DEFAULT_PASSWORD, TestApp};
use std::sync::Arc;

/// One browser: its own cookie jar (readable, unlike reqwest's built-in store), no redirect following.
pub struct Browser {
    pub client: Client,
    jar: Arc<Jar>,
    base: Url,
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        let jar = Arc::new(Jar::default());
        let client = Client::builder()
            .cookie_provider(jar.clone())
            .redirect(redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            client,
            jar,
            base: Url::parse(&app.url("/")).unwrap(),
        }
    }

    pub fn url(&self, path: &str) -> Url {
        self.base.join(path).unwrap()
    }

    /// The current value of a cookie this browser holds for the site.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let header = self.jar.cookies(&self.base)?;
        header
            .to_str()
            .unwrap()
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_owned())
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// GETs a page and returns its status and HTML.
    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let res = self.get(path).await;
        let status = res.status();
        (status, res.text().await.unwrap())
    }

    /// This browser's CSRF token, visiting the log-in page first when it has none yet.
    pub async fn csrf(&self) -> String {
        if let Some(token) = self.cookie("souk_csrf") {
            return token;
        }
        let (status, html) = self.page("/login").await;
        assert_eq!(status, StatusCode::OK);
        let from_form = csrf_from_html(&html).expect("log-in page has a csrf_token field");
        assert_eq!(
            Some(&from_form),
            self.cookie("souk_csrf").as_ref(),
            "form token equals cookie"
        );
        from_form
    }

    /// Posts a form exactly as given (no CSRF token added).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// Posts a form with this browser's CSRF token, like the site's own forms do.
    pub async fn submit(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.csrf().await;
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_form(path, &all).await
    }

    /// Logs in through the HTML form; panics unless it redirects with a session cookie.
    pub async fn log_in(&self, login: &str, password: &str) {
        let res = self
            .submit("/login", &[("login", login), ("password", password)])
            .await;
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "page log-in of {login}"
        );
        assert!(self.cookie("souk_session").is_some(), "session cookie set");
    }
}

/// The value of the first `csrf_token` hidden input in a page.
pub fn csrf_from_html(html: &str) -> Option<String> {
    html.split("<input").skip(1).find_map(|tag| {
        let tag = &tag[..tag.find('>')?];
        if !tag.contains(r#"name="csrf_token""#) {
            return None;
        }
        let start = tag.find(r#"value=""#)? + r#"value=""#.len();
        let len = tag[start..].find('"')?;
        Some(tag[start..start + len].to_owned())
    })
}

/// The `lang` attribute of the page's `<html>` element.
pub fn html_lang(html: &str) -> Option<String> {
    let tag_start = html.find("<html")?;
    let tag = &html[tag_start..tag_start + html[tag_start..].find('>')?];
    let start = tag.find(r#"lang=""#)? + r#"lang=""#.len();
    let len = tag[start..].find('"')?;
    Some(tag[start..start + len].to_owned())
}

/// Whether the response is an HTML document (the friendly error page, for instance).
pub fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

/// Status and parsed JSON body.
pub async fn json_of(res: Response) -> (StatusCode, Value) {
    let status = res.status();
    let text = res.text().await.unwrap();
    let body = souk_test_support::serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("not JSON ({e}), status {status}: {text}"));
    (status, body)
}

/// `(field, code)` pairs from an error envelope's `details.fields`.
pub fn field_codes(body: &Value) -> Vec<(String, String)> {
    body["error"]["details"]["fields"]
        .as_array()
        .map(|fields| {
            fields
                .iter()
                .map(|f| {
                    (
                        f["field"].as_str().unwrap_or("").to_owned(),
                        f["code"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A sign-up body with every field valid; tests override one field at a time.
pub fn signup_body(username: &str) -> Value {
    json!({
        "username": username,
        "email": format!("{}@example.com", username.to_lowercase()),
        "password": DEFAULT_PASSWORD,
        "kind": "personal",
    })
}

pub async fn sign_up(app: &TestApp, body: &Value) -> (StatusCode, Value) {
    json_of(app.post_json("/api/v1/accounts", body).await).await
}

pub async fn patch_json_auth(app: &TestApp, path: &str, token: &str, body: &Value) -> Response {
    app.client
        .patch(app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}
