//! What operators and browsers rely on besides the features: security headers, request ids, cached
//! static assets, metrics, and the OpenAPI document with Swagger UI.

use crate::support::{Browser, is_html, json_of};
use souk_test_support::reqwest::{Response, StatusCode};
use souk_test_support::serde_json::json;
use souk_test_support::{TestApp, backend_tests};
use std::collections::BTreeSet;

fn header(res: &Response, name: &str) -> String {
    res.headers()
        .get(name)
        .unwrap_or_else(|| panic!("{} has no {name} header", res.url()))
        .to_str()
        .unwrap()
        .to_owned()
}

/// The `href` of the page's stylesheet link.
fn stylesheet_href(html: &str) -> Option<String> {
    html.split("<link").skip(1).find_map(|tag| {
        let tag = &tag[..tag.find('>')?];
        if !tag.contains(r#"rel="stylesheet""#) {
            return None;
        }
        let start = tag.find(r#"href=""#)? + r#"href=""#.len();
        let len = tag[start..].find('"')?;
        Some(tag[start..start + len].replace("&amp;", "&"))
    })
}

backend_tests! {
    async fn pages_carry_security_headers(backend) {
        let app = TestApp::start(backend).await;
        for path in ["/", "/login", "/signup", "/no-such-page"] {
            let res = app.get(path).await;
            let csp = header(&res, "content-security-policy");
            let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
            let script_src = directives
                .iter()
                .find(|d| d.starts_with("script-src"))
                .unwrap_or_else(|| panic!("{path}: script-src in {csp}"));
            assert!(!script_src.contains("'unsafe-inline'"), "{path}: {script_src}");
            assert!(!script_src.contains("'unsafe-eval'"), "{path}: {script_src}");
            assert!(directives.contains(&"frame-ancestors 'none'"), "{path}: {csp}");
            assert!(directives.iter().any(|d| d.starts_with("default-src")), "{path}: {csp}");
            assert_eq!(header(&res, "x-content-type-options"), "nosniff", "{path}");
            assert_eq!(header(&res, "x-frame-options"), "DENY", "{path}");
            assert!(res.headers().contains_key("referrer-policy"), "{path}");
            assert!(header(&res, "cache-control").contains("no-store"), "{path}: personal pages are not cached");
        }
        // Pages render no inline scripts, so the policy above does not break them.
        let html = app.get("/login").await.text().await.unwrap();
        for tag in html.split("<script").skip(1) {
            let open = &tag[..tag.find('>').unwrap()];
            assert!(open.contains("src="), "inline script found: <script{open}>");
        }
        assert!(!html.contains(" onclick=") && !html.contains(" onchange="), "no inline handlers");
    }

    async fn every_response_has_a_request_id(backend) {
        let app = TestApp::builder(backend).config(|c| c.max_body_bytes = 2048).start().await;
        let user = app.user("ider").await;
        let mut responses = vec![
            app.get("/").await,
            app.get("/login").await,
            app.get("/no-such-page").await,
            app.get("/healthz").await,
            app.get("/readyz").await,
            app.get("/metrics").await,
            app.get("/api/openapi.json").await,
            app.get("/api/v1/me").await,
            app.get_auth("/api/v1/me", &user.token).await,
            app.get("/api/v1/nothing").await,
            app.get("/favicon.ico").await,
            app.client.delete(app.url("/api/v1/accounts")).send().await.unwrap(),
            app.post_json("/api/v1/accounts", &json!({"username": "x".repeat(4000)})).await,
            app.client.post(app.url("/login")).form(&[("login", "x")]).send().await.unwrap(),
        ];
        let html = app.get("/").await.text().await.unwrap();
        responses.push(app.get(&stylesheet_href(&html).unwrap()).await);
        let mut seen = BTreeSet::new();
        for res in &responses {
            let id = header(res, "x-request-id");
            assert!(!id.is_empty(), "{}", res.url());
            assert!(seen.insert(id), "request ids are unique");
        }
        // A caller's own id is kept, so logs can be matched across services.
        let res = app.client.get(app.url("/healthz")).header("x-request-id", "trace-me-123").send().await.unwrap();
        assert_eq!(header(&res, "x-request-id"), "trace-me-123");
    }

    async fn static_assets_are_cached_forever(backend) {
        let app = TestApp::start(backend).await;
        let browser = Browser::new(&app);
        let (_, html) = browser.page("/").await;
        let href = stylesheet_href(&html).expect("a stylesheet link");
        assert!(href.starts_with("/static/"), "{href}");
        let res = app.get(&href).await;
        assert_eq!(res.status(), StatusCode::OK, "{href}");
        let cache = header(&res, "cache-control");
        assert!(cache.contains("immutable") && cache.contains("max-age="), "{cache}");
        assert!(header(&res, "content-type").starts_with("text/css"));
        assert!(!res.text().await.unwrap().is_empty());
        // Static files need no session: no cookies are set on them.
        let res = app.get(&href).await;
        assert!(res.headers().get("set-cookie").is_none());

        let res = app.get("/static/no-such-file.css").await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let cache = res.headers().get("cache-control").map(|v| v.to_str().unwrap().to_owned());
        assert!(!cache.unwrap_or_default().contains("immutable"), "a miss is not cached forever");
    }

    async fn metrics_count_requests(backend) {
        let app = TestApp::start(backend).await;
        assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
        assert_eq!(app.get("/login").await.status(), StatusCode::OK);
        let res = app.get("/metrics").await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(header(&res, "content-type").starts_with("text/plain"));
        let text = res.text().await.unwrap();
        assert!(text.contains("souk_http_requests_total"), "{text}");
        assert!(
            text.lines().any(|l| l.starts_with("souk_http_requests_total{") && l.contains("route=\"/login\"")),
            "labelled by route: {text}"
        );
    }

    async fn openapi_documents_every_route(backend) {
        let app = TestApp::start(backend).await;
        let res = app.get("/api/openapi.json").await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(header(&res, "content-type").starts_with("application/json"));
        let (_, doc) = json_of(res).await;
        assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")), "{}", doc["openapi"]);
        assert!(doc["info"]["title"].as_str().is_some_and(|t| !t.is_empty()));
        let documented: BTreeSet<(String, String)> = doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, item)| {
                item.as_object()
                    .unwrap()
                    .keys()
                    .filter(|k| ["get", "post", "put", "patch", "delete"].contains(&k.as_str()))
                    .map(move |m| (m.to_uppercase(), path.clone()))
            })
            .collect();
        // Every route in crates/web/src/api.
        let expected = [
            ("POST", "/api/v1/accounts"),
            ("GET", "/api/v1/me"),
            ("PATCH", "/api/v1/me"),
            ("POST", "/api/v1/me/password"),
            ("GET", "/api/v1/users/{username}"),
            ("PATCH", "/api/v1/users/{username}"),
            ("POST", "/api/v1/sessions"),
            ("DELETE", "/api/v1/sessions/current"),
            ("GET", "/api/v1/tokens"),
            ("POST", "/api/v1/tokens"),
            ("DELETE", "/api/v1/tokens/{id}"),
            ("GET", "/healthz"),
            ("GET", "/readyz"),
        ];
        let missing: Vec<_> = expected
            .iter()
            .filter(|(m, p)| !documented.contains(&((*m).to_owned(), (*p).to_owned())))
            .collect();
        assert!(missing.is_empty(), "undocumented: {missing:?}; documented: {documented:?}");
        // Authenticated operations say so, and the schemes they name exist.
        let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
        assert!(schemes.contains_key("bearer") && schemes.contains_key("session_cookie"));
        assert!(doc["paths"]["/api/v1/me"]["get"]["security"].is_array());
        assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    }

    async fn swagger_ui_is_served(backend) {
        let app = TestApp::start(backend).await;
        let res = app.get("/api/docs/").await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(is_html(res.headers()));
        let html = res.text().await.unwrap();
        assert!(html.to_lowercase().contains("swagger"), "{html}");
        // Every script the page loads is served, so the UI works under the strict script-src policy.
        let scripts: Vec<String> = html
            .split("<script")
            .skip(1)
            .map(|tag| {
                let open = &tag[..tag.find('>').unwrap()];
                assert!(open.contains("src="), "inline script in Swagger UI: <script{open}>");
                let start = open.find("src=\"").unwrap() + "src=\"".len();
                open[start..start + open[start..].find('"').unwrap()].to_owned()
            })
            .collect();
        assert!(!scripts.is_empty());
        for src in scripts {
            let path = format!("/api/docs/{}", src.trim_start_matches("./"));
            let res = app.get(&path).await;
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            if path.ends_with("swagger-initializer.js") {
                let js = res.text().await.unwrap();
                assert!(js.contains("/api/openapi.json"), "the UI loads Souk's document: {js}");
            }
        }
        // Whatever path the UI loads its document from resolves.
        let res = app.get("/api/docs").await;
        assert!(res.status().is_success() || res.status().is_redirection(), "{}", res.status());
    }
}
