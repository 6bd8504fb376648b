//! Cross-site request forgery: page forms need this browser's token and a same-site origin, and
//! cookie-authenticated API writes need the token in `X-CSRF-Token`.

use crate::support::{Browser, csrf_from_html, is_html, json_of};
use souk_test_support::reqwest::StatusCode;
use souk_test_support::serde_json::json;
use souk_test_support::{DEFAULT_PASSWORD, TestApp, backend_tests};

/// Asserts a refused form post: 403 with the HTML error page, and no session handed out.
async fn assert_refused(res: souk_test_support::reqwest::Response, case: &str) {
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "{case}");
    assert!(is_html(res.headers()), "{case}: an HTML error page");
    let set_cookies: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(
        !set_cookies.iter().any(|c| c.starts_with("souk_session=")),
        "{case}: no session cookie"
    );
    let html = res.text().await.unwrap();
    assert!(html.contains("<html"), "{case}");
    assert!(html.contains("403"), "{case}: the page names the status");
}

backend_tests! {
    async fn page_forms_without_a_valid_token_are_refused(backend) {
        let app = TestApp::start(backend).await;
        app.user("victim").await;
        let login = [("login", "victim"), ("password", DEFAULT_PASSWORD)];
        let signup = [
            ("username", "forged"),
            ("email", "forged@example.com"),
            ("password", DEFAULT_PASSWORD),
            ("kind", "personal"),
        ];

        // A browser that never loaded a page has no token at all.
        let fresh = Browser::new(&app);
        assert_refused(fresh.post_form("/login", &login).await, "login, no cookie, no field").await;

        let browser = Browser::new(&app);
        let token = browser.csrf().await;
        for (path, fields) in [("/login", &login[..]), ("/signup", &signup[..])] {
            assert_refused(browser.post_form(path, fields).await, &format!("{path} without field")).await;
            let mut wrong = vec![("csrf_token", "x".repeat(43))];
            wrong.extend(fields.iter().map(|(k, v)| (*k, (*v).to_owned())));
            let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
            assert_refused(browser.post_form(path, &wrong).await, &format!("{path} wrong token")).await;

            // The right token from another site is still refused.
            let mut right = vec![("csrf_token", token.as_str())];
            right.extend_from_slice(fields);
            let res = browser
                .client
                .post(browser.url(path))
                .header("Origin", "http://evil.example")
                .form(&right)
                .send()
                .await
                .unwrap();
            assert_refused(res, &format!("{path} from evil origin")).await;
            let res = browser
                .client
                .post(browser.url(path))
                .header("Sec-Fetch-Site", "cross-site")
                .form(&right)
                .send()
                .await
                .unwrap();
            assert_refused(res, &format!("{path} cross-site fetch")).await;
        }
        // None of the refused sign-ups created the account.
        assert_eq!(app.get("/api/v1/users/forged").await.status(), StatusCode::NOT_FOUND);
    }

    async fn page_forms_with_the_token_work(backend) {
        let app = TestApp::start(backend).await;
        app.user("member").await;

        // Log-in: the token is read from the page's hidden field; same-origin Origin is fine.
        let browser = Browser::new(&app);
        let (status, html) = browser.page("/login").await;
        assert_eq!(status, StatusCode::OK);
        let token = csrf_from_html(&html).unwrap();
        assert_eq!(token.len(), 43);
        assert_eq!(browser.cookie("souk_csrf").as_deref(), Some(token.as_str()));
        let origin = app.url("");
        let res = browser
            .client
            .post(browser.url("/login"))
            .header("Origin", origin.trim_end_matches('/'))
            .form(&[("csrf_token", token.as_str()), ("login", "member"), ("password", DEFAULT_PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(res.headers()["location"], "/");
        let session = browser.cookie("souk_session").expect("session cookie");
        assert!(session.starts_with("souk_"));
        let set_cookie: Vec<&str> =
            res.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
        let session_cookie = set_cookie.iter().find(|c| c.starts_with("souk_session=")).unwrap();
        assert!(session_cookie.contains("HttpOnly"), "{session_cookie}");
        assert!(session_cookie.contains("SameSite=Lax"), "{session_cookie}");
        let (_, html) = browser.page("/").await;
        assert!(html.contains("@member"), "the page knows who is logged in");

        // Sign-up through the page logs straight in.
        let newcomer = Browser::new(&app);
        let res = newcomer
            .submit(
                "/signup",
                &[
                    ("username", "Newcomer"),
                    ("email", "newcomer@example.com"),
                    ("password", DEFAULT_PASSWORD),
                    ("display_name", "New Comer"),
                    ("kind", "business"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(newcomer.cookie("souk_session").is_some());
        let (status, profile) = json_of(app.get("/api/v1/users/newcomer").await).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(profile["kind"], "business");
        assert_eq!(profile["display_name"], "New Comer");

        // Settings form: refused without the token, saved with it.
        let res = browser
            .post_form("/settings/profile", &[("display_name", "Hacked"), ("bio", ""), ("kind", "personal"), ("locale", "")])
            .await;
        assert_refused(res, "/settings/profile without token").await;
        let res = browser
            .post_form(
                "/settings/profile",
                &[("csrf_token", "wrong"), ("display_name", "Hacked"), ("bio", ""), ("kind", "personal"), ("locale", "")],
            )
            .await;
        assert_refused(res, "/settings/profile wrong token").await;
        let (_, profile) = json_of(app.get("/api/v1/users/member").await).await;
        assert_eq!(profile["display_name"], "", "refused forms changed nothing");
        let res = browser
            .submit(
                "/settings/profile",
                &[("display_name", "Member One"), ("bio", "Hi"), ("kind", "creator"), ("locale", "")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(res.headers()["location"], "/settings?saved=profile");
        let (_, profile) = json_of(app.get("/api/v1/users/member").await).await;
        assert_eq!(profile["display_name"], "Member One");
        assert_eq!(profile["kind"], "creator");
    }

    async fn log_in_rotates_the_csrf_token(backend) {
        let app = TestApp::start(backend).await;
        app.user("rotator").await;
        let browser = Browser::new(&app);
        let before = browser.csrf().await;
        browser.log_in("rotator", DEFAULT_PASSWORD).await;
        let after = browser.cookie("souk_csrf").unwrap();
        assert_eq!(after.len(), 43);
        assert_ne!(before, after, "a token planted before log-in is useless after it");
        let (_, html) = browser.page("/settings").await;
        assert_eq!(csrf_from_html(&html).as_deref(), Some(after.as_str()), "pages use the new token");
        // The pre-log-in token no longer passes.
        let res = browser
            .post_form(
                "/settings/profile",
                &[("csrf_token", before.as_str()), ("display_name", "Old"), ("bio", ""), ("kind", "personal"), ("locale", "")],
            )
            .await;
        assert_refused(res, "old token after log-in").await;
    }

    async fn cookie_authenticated_api_writes_need_the_header(backend) {
        let app = TestApp::start(backend).await;
        app.user("cookie_user").await;
        let browser = Browser::new(&app);
        browser.log_in("cookie_user", DEFAULT_PASSWORD).await;
        let token = browser.cookie("souk_csrf").unwrap();

        // Reads need no proof.
        let (status, me) = json_of(browser.get("/api/v1/me").await).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(me["username"], "cookie_user");

        let patch = json!({"bio": "from the browser"});
        let res = browser.client.patch(browser.url("/api/v1/me")).json(&patch).send().await.unwrap();
        let (status, body) = json_of(res).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(body["error"]["code"], "csrf_failed");
        let res = browser
            .client
            .patch(browser.url("/api/v1/me"))
            .header("X-CSRF-Token", "x".repeat(43))
            .json(&patch)
            .send()
            .await
            .unwrap();
        assert_eq!(json_of(res).await.1["error"]["code"], "csrf_failed");
        let res = browser
            .client
            .post(browser.url("/api/v1/tokens"))
            .json(&json!({"name": "forged"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "token creation is a write too");
        let (_, me) = json_of(browser.get("/api/v1/me").await).await;
        assert_eq!(me["bio"], "", "refused writes changed nothing");

        let res = browser
            .client
            .patch(browser.url("/api/v1/me"))
            .header("X-CSRF-Token", &token)
            .json(&patch)
            .send()
            .await
            .unwrap();
        let (status, body) = json_of(res).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["bio"], "from the browser");

        // Bearer clients are not subject to CSRF: browsers never attach that header by themselves.
        let bearer = app.login("cookie_user", DEFAULT_PASSWORD).await;
        let res = app
            .client
            .patch(app.url("/api/v1/me"))
            .bearer_auth(&bearer)
            .json(&json!({"bio": "from a script"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
}
