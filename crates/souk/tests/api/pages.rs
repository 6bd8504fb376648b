//! Server-rendered pages: languages, redirects for logged-out visitors, and how unknown paths, wrong
//! methods and bad bodies are answered on pages and on the API.

use crate::support::{Browser, html_lang, is_html, json_of, patch_json_auth, sign_up, signup_body};
use souk_test_support::reqwest::StatusCode;
use souk_test_support::serde_json::json;
use souk_test_support::{DEFAULT_PASSWORD, TestApp, backend_tests};

fn has_hangul(s: &str) -> bool {
    s.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c))
}

fn has_han(s: &str) -> bool {
    s.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))
}

/// The text between the `<title>` tags.
fn title(html: &str) -> &str {
    let start = html
        .find("<title>")
        .map(|i| i + "<title>".len())
        .unwrap_or(0);
    let end = html[start..]
        .find("</title>")
        .map(|i| start + i)
        .unwrap_or(start);
    &html[start..end]
}

async fn page_with_language(app: &TestApp, path: &str, accept_language: &str) -> String {
    let res = app
        .client
        .get(app.url(path))
        .header("Accept-Language", accept_language)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path} in {accept_language}");
    res.text().await.unwrap()
}

backend_tests! {
    async fn public_pages_render(backend) {
        let app = TestApp::start(backend).await;
        app.user("someone").await;
        for path in ["/", "/signup", "/login", "/u/someone", "/u/SOMEONE"] {
            let res = app.get(path).await;
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            assert!(is_html(res.headers()), "{path}");
            let html = res.text().await.unwrap();
            assert!(html.starts_with("<!doctype html>") || html.starts_with("<!DOCTYPE html>"), "{path}");
            assert_eq!(html_lang(&html).as_deref(), Some("en"), "{path}: English without a preference");
            assert!(!title(&html).is_empty(), "{path}: has a title");
        }
        let res = app.get("/u/nobody_at_all").await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert!(is_html(res.headers()));
    }

    async fn accept_language_picks_the_language(backend) {
        let app = TestApp::start(backend).await;
        let english = page_with_language(&app, "/login", "en-US,en;q=0.9").await;
        assert_eq!(html_lang(&english).as_deref(), Some("en"));
        assert!(!has_hangul(title(&english)));

        let korean = page_with_language(&app, "/login", "ko").await;
        assert_eq!(html_lang(&korean).as_deref(), Some("ko"));
        assert!(has_hangul(title(&korean)), "Korean title: {}", title(&korean));
        assert_ne!(title(&korean), title(&english));

        let traditional = page_with_language(&app, "/login", "zh-TW").await;
        assert_eq!(html_lang(&traditional).as_deref(), Some("zh-TW"));
        assert!(has_han(title(&traditional)), "Chinese title: {}", title(&traditional));
        let simplified = page_with_language(&app, "/login", "zh-CN,zh;q=0.9").await;
        assert_eq!(html_lang(&simplified).as_deref(), Some("zh-CN"));
        assert_eq!(html_lang(&page_with_language(&app, "/signup", "zh-HK").await).as_deref(), Some("zh-TW"));
        assert_eq!(
            html_lang(&page_with_language(&app, "/", "fr-FR,ko;q=0.8,en;q=0.5").await).as_deref(),
            Some("ko"),
            "best supported language by quality"
        );
        assert_eq!(html_lang(&page_with_language(&app, "/", "de,fr").await).as_deref(), Some("en"));
    }

    async fn language_switcher_sets_a_cookie(backend) {
        let app = TestApp::start(backend).await;
        let browser = Browser::new(&app);
        let res = browser.submit("/language", &[("lang", "ko"), ("next", "/signup")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(res.headers()["location"], "/signup");
        assert_eq!(browser.cookie("souk_lang").as_deref(), Some("ko"));
        let (status, html) = browser.page("/signup").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(html_lang(&html).as_deref(), Some("ko"));
        // The cookie beats the browser's Accept-Language.
        let res = browser.client.get(browser.url("/")).header("Accept-Language", "zh-TW").send().await.unwrap();
        assert_eq!(html_lang(&res.text().await.unwrap()).as_deref(), Some("ko"));

        let res = browser.submit("/language", &[("lang", "zh-TW"), ("next", "https://evil.example/")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(res.headers()["location"], "/", "never redirects off-site");
        assert_eq!(html_lang(&browser.page("/").await.1).as_deref(), Some("zh-TW"));

        // An unknown language is refused; without the token nothing is set.
        let res = browser.submit("/language", &[("lang", "klingon")]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(is_html(res.headers()));
        let res = browser.post_form("/language", &[("lang", "en")]).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert_eq!(browser.cookie("souk_lang").as_deref(), Some("zh-TW"));
    }

    async fn saved_account_language_wins(backend) {
        let app = TestApp::start(backend).await;
        let mut body = signup_body("polyglot");
        body["locale"] = json!("zh-CN");
        let (status, _) = sign_up(&app, &body).await;
        assert_eq!(status, StatusCode::CREATED);
        let browser = Browser::new(&app);
        browser.log_in("polyglot", DEFAULT_PASSWORD).await;
        let res = browser.client.get(browser.url("/")).header("Accept-Language", "ko").send().await.unwrap();
        assert_eq!(html_lang(&res.text().await.unwrap()).as_deref(), Some("zh-CN"));

        // Changing it through the API shows on the next page.
        let token = app.login("polyglot", DEFAULT_PASSWORD).await;
        let res = patch_json_auth(&app, "/api/v1/me", &token, &json!({"locale": "ko"})).await;
        assert_eq!(res.status(), StatusCode::OK);
        let res = browser.client.get(browser.url("/settings")).header("Accept-Language", "en").send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(html_lang(&res.text().await.unwrap()).as_deref(), Some("ko"));

        // Switching language while logged in saves it on the account, so it follows to other devices.
        let res = browser.submit("/language", &[("lang", "zh-TW"), ("next", "/")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, me) = json_of(app.get_auth("/api/v1/me", &token).await).await;
        assert_eq!(me["locale"], "zh-TW");
        let other_device = Browser::new(&app);
        other_device.log_in("polyglot", DEFAULT_PASSWORD).await;
        assert_eq!(html_lang(&other_device.page("/").await.1).as_deref(), Some("zh-TW"));
    }

    async fn settings_needs_a_login(backend) {
        let app = TestApp::start(backend).await;
        let res = app.get("/settings").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(res.headers()["location"], "/login?next=%2Fsettings");

        app.user("settler").await;
        let browser = Browser::new(&app);
        let token = browser.csrf().await;
        let res = browser
            .post_form(
                "/login",
                &[("csrf_token", &token), ("login", "settler"), ("password", DEFAULT_PASSWORD), ("next", "/settings")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(res.headers()["location"], "/settings", "back where the visitor wanted to go");
        let (status, html) = browser.page("/settings").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("settler"));

        // `next` never leads off-site.
        for next in ["//evil.example/", "https://evil.example/", "/\\evil.example"] {
            let other = Browser::new(&app);
            let token = other.csrf().await;
            let res = other
                .post_form(
                    "/login",
                    &[("csrf_token", &token), ("login", "settler"), ("password", DEFAULT_PASSWORD), ("next", next)],
                )
                .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER);
            assert_eq!(res.headers()["location"], "/", "{next}");
        }

        // Logging out through the page ends the session.
        let res = browser.submit("/logout", &[]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(browser.get("/settings").await.status(), StatusCode::SEE_OTHER);
    }

    async fn forms_show_their_errors_in_place(backend) {
        let app = TestApp::start(backend).await;
        app.user("taken_name").await;
        let browser = Browser::new(&app);

        // Invalid sign-up: the form comes back with what was typed (never the password).
        let secret = "sekret-do-not-echo";
        let res = browser
            .submit(
                "/signup",
                &[("username", "bad.name"), ("email", "keep.me@example.com"), ("password", secret), ("kind", "creator")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(is_html(res.headers()));
        let html = res.text().await.unwrap();
        assert!(html.contains(r#"action="/signup""#), "the sign-up form is shown again: {html}");
        assert!(html.contains("keep.me@example.com") && html.contains("bad.name"), "typed values kept");
        assert!(!html.contains(secret), "passwords are never echoed");

        // Taken username: 409, still the form.
        let res = browser
            .submit(
                "/signup",
                &[("username", "TAKEN_NAME"), ("email", "fresh@example.com"), ("password", DEFAULT_PASSWORD), ("kind", "personal")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::CONFLICT);
        let html = res.text().await.unwrap();
        assert!(html.contains(r#"action="/signup""#) && html.contains("fresh@example.com"));

        // Wrong password: 401 and the log-in form with the login filled in.
        let res = browser.submit("/login", &[("login", "taken_name"), ("password", "wrong password")]).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert!(browser.cookie("souk_session").is_none());
        let html = res.text().await.unwrap();
        assert!(html.contains(r#"action="/login""#) && html.contains(r#"value="taken_name""#), "{html}");

        // Settings: a wrong current password re-renders the settings page.
        browser.log_in("taken_name", DEFAULT_PASSWORD).await;
        let res = browser
            .submit("/settings/password", &[("current_password", "nope nope"), ("new_password", "another passphrase")])
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(html.contains(r#"action="/settings/password""#), "{html}");
        app.login("taken_name", DEFAULT_PASSWORD).await;
    }

    async fn settings_page_manages_tokens(backend) {
        let app = TestApp::start(backend).await;
        let user = app.user("tinkerer").await;
        let browser = Browser::new(&app);
        browser.log_in("tinkerer", DEFAULT_PASSWORD).await;

        let res = browser.submit("/settings/tokens", &[("name", "home server"), ("expires_in_days", "")]).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let html = res.text().await.unwrap();
        let secret = html
            .match_indices("souk_pat_")
            .map(|(at, _)| {
                html[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                    .collect::<String>()
            })
            .find(|candidate| candidate.len() > 30)
            .expect("the new secret is shown once");
        assert_eq!(app.get_auth("/api/v1/me", &secret).await.status(), StatusCode::OK);
        let (_, again) = browser.page("/settings").await;
        assert!(again.contains("home server") && !again.contains(&secret), "listed, secret not repeated");

        let res = browser.submit("/settings/tokens", &[("name", ""), ("expires_in_days", "")]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "a nameless token is refused in place");
        assert!(is_html(res.headers()));

        let (_, list) = json_of(app.get_auth("/api/v1/tokens", &user.token).await).await;
        let id = list["items"][0]["id"].as_i64().unwrap();
        let path = format!("/settings/tokens/{id}/revoke");
        assert_eq!(browser.post_form(&path, &[]).await.status(), StatusCode::FORBIDDEN, "needs the CSRF token");
        assert_eq!(app.get_auth("/api/v1/me", &secret).await.status(), StatusCode::OK);
        let res = browser.submit(&path, &[]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(app.get_auth("/api/v1/me", &secret).await.status(), StatusCode::UNAUTHORIZED);
        let res = browser.submit(&path, &[]).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "already revoked");
        assert!(is_html(res.headers()));
    }

    async fn unknown_paths_and_methods(backend) {
        let app = TestApp::start(backend).await;
        let res = app.get("/no/such/page").await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert!(is_html(res.headers()));
        let html = res.text().await.unwrap();
        assert!(html.contains("<html") && html.contains("404"));

        let res = app.client.get(app.url("/no/such/page")).header("Accept-Language", "ko").send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert_eq!(html_lang(&res.text().await.unwrap()).as_deref(), Some("ko"), "error pages are localized too");

        for path in ["/api/v1/no-such-thing", "/api/nothing", "/api/v1/users/x/y/z"] {
            let (status, body) = json_of(app.get(path).await).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            assert_eq!(body["error"]["code"], "not_found", "{path}");
        }
        let (status, body) = json_of(app.post_json("/api/v1/no-such-thing", &json!({})).await).await;
        assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));

        for (method, path) in [("DELETE", "/api/v1/accounts"), ("PUT", "/api/v1/me"), ("GET", "/api/v1/me/password")] {
            let res = app
                .client
                .request(method.parse().unwrap(), app.url(path))
                .send()
                .await
                .unwrap();
            let allow = res.headers().get("allow").map(|v| v.to_str().unwrap().to_owned());
            let (status, body) = json_of(res).await;
            assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            assert_eq!(body["error"]["code"], "method_not_allowed", "{method} {path}");
            assert!(allow.is_some_and(|a| !a.is_empty()), "{method} {path}: Allow header");
        }
        // A page route with the wrong method gets the HTML treatment.
        let res = app.client.delete(app.url("/login")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert!(is_html(res.headers()));
    }

    async fn malformed_and_oversized_bodies(backend) {
        let app = TestApp::builder(backend).config(|c| c.max_body_bytes = 2048).start().await;
        let send_raw = |content_type: Option<&'static str>, body: String| {
            let mut req = app.client.post(app.url("/api/v1/accounts")).body(body);
            if let Some(ct) = content_type {
                req = req.header("content-type", ct);
            }
            req.send()
        };
        for raw in ["{not json", "", "[1,2", "{\"username\": \"x\",}"] {
            let (status, body) = json_of(send_raw(Some("application/json"), raw.into()).await.unwrap()).await;
            assert!(
                status == StatusCode::BAD_REQUEST || status == StatusCode::UNPROCESSABLE_ENTITY,
                "{raw:?}: {status}"
            );
            assert_eq!(body["error"]["code"], "invalid_json", "{raw:?}");
            assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
        }
        let (status, body) =
            json_of(send_raw(Some("application/json"), r#"{"username": 5}"#.into()).await.unwrap()).await;
        assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_json")));
        let (status, body) = json_of(send_raw(Some("text/plain"), "{}".into()).await.unwrap()).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(body["error"]["code"], "unsupported_media_type");

        // Over the limit: refused before anything is created.
        let mut big = signup_body("big_body");
        big["display_name"] = json!("x".repeat(3000));
        let (status, body) = json_of(app.post_json("/api/v1/accounts", &big).await).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(body["error"]["code"], "payload_too_large");
        assert_eq!(app.get("/api/v1/users/big_body").await.status(), StatusCode::NOT_FOUND);
        // Just under the limit is fine (and then fails validation on its own merits).
        big["display_name"] = json!("x".repeat(1500));
        let (status, body) = json_of(app.post_json("/api/v1/accounts", &big).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

        // Page forms have the same limit and answer with the HTML error page.
        let browser = Browser::new(&app);
        let bio = "y".repeat(3000);
        let res = browser.submit("/login", &[("login", "someone"), ("password", &bio)]).await;
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert!(is_html(res.headers()));
    }
}
