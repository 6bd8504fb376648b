//! Rate limits on sign-up (per address) and log-in (per address and per account), answered with 429
//! `rate_limited` and a `Retry-After` header.

use crate::support::{Browser, json_of, signup_body};
use souk_test_support::reqwest::{Response, StatusCode};
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{Backend, DEFAULT_PASSWORD, TestApp, backend_tests};

/// Log-in 3/min per address, 2/min per account, sign-up 2/hour per address.
async fn limited_app(backend: Backend, trust_proxy: bool) -> TestApp {
    TestApp::builder(backend)
        .rate_limits("3/min", "2/min", "2/hour")
        .config(|c| c.trust_proxy = trust_proxy)
        .start()
        .await
}

async fn login_from(app: &TestApp, ip: Option<&str>, login: &str, password: &str) -> Response {
    let mut req = app
        .client
        .post(app.url("/api/v1/sessions"))
        .json(&json!({"login": login, "password": password}));
    if let Some(ip) = ip {
        req = req.header("X-Forwarded-For", ip);
    }
    req.send().await.unwrap()
}

async fn signup_from(app: &TestApp, ip: Option<&str>, body: &Value) -> Response {
    let mut req = app.client.post(app.url("/api/v1/accounts")).json(body);
    if let Some(ip) = ip {
        req = req.header("X-Forwarded-For", ip);
    }
    req.send().await.unwrap()
}

/// Asserts 429 `rate_limited` with a whole-second `Retry-After` of at least one second; returns it.
async fn assert_limited(res: Response, case: &str) -> u64 {
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "{case}");
    let retry_after: u64 = res
        .headers()
        .get("retry-after")
        .unwrap_or_else(|| panic!("{case}: Retry-After header"))
        .to_str()
        .unwrap()
        .parse()
        .unwrap_or_else(|e| panic!("{case}: Retry-After is a number of seconds ({e})"));
    assert!(retry_after >= 1, "{case}: {retry_after}");
    let (_, body) = json_of(res).await;
    assert_eq!(body["error"]["code"], "rate_limited", "{case}: {body}");
    assert_eq!(
        body["error"]["details"]["retry_after_seconds"],
        json!(retry_after),
        "{case}"
    );
    retry_after
}

backend_tests! {
    async fn sign_up_is_limited_per_address(backend) {
        let app = limited_app(backend, false).await;
        // A rejected form does not use up the budget.
        let mut bad = signup_body("typo");
        bad["email"] = json!("typo");
        assert_eq!(signup_from(&app, None, &bad).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
        for name in ["first", "second"] {
            assert_eq!(signup_from(&app, None, &signup_body(name)).await.status(), StatusCode::CREATED);
        }
        let retry = assert_limited(signup_from(&app, None, &signup_body("third")).await, "third sign-up").await;
        assert!(retry <= 3600, "{retry}");
        assert_eq!(app.get("/api/v1/users/third").await.status(), StatusCode::NOT_FOUND);

        // The sign-up page answers the same way, as HTML.
        let browser = Browser::new(&app);
        let res = browser
            .submit(
                "/signup",
                &[("username", "fourth"), ("email", "fourth@example.com"), ("password", DEFAULT_PASSWORD), ("kind", "personal")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(res.headers().get("retry-after").is_some());
        assert!(crate::support::is_html(res.headers()));
    }

    async fn sign_up_budget_is_per_address(backend) {
        let app = limited_app(backend, true).await;
        for (i, ip) in ["10.0.0.1", "10.0.0.1", "10.0.0.2", "10.0.0.2"].into_iter().enumerate() {
            let res = signup_from(&app, Some(ip), &signup_body(&format!("user_{i}"))).await;
            assert_eq!(res.status(), StatusCode::CREATED, "{ip}");
        }
        assert_limited(signup_from(&app, Some("10.0.0.1"), &signup_body("user_x")).await, "10.0.0.1 again").await;
        let res = signup_from(&app, Some("10.0.0.3"), &signup_body("user_y")).await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }

    async fn failed_logins_on_one_account_are_limited(backend) {
        let app = limited_app(backend, false).await;
        assert_eq!(signup_from(&app, None, &signup_body("target")).await.status(), StatusCode::CREATED);
        for _ in 0..2 {
            assert_eq!(login_from(&app, None, "target", "wrong guess").await.status(), StatusCode::UNAUTHORIZED);
        }
        // The address has used 2 of its 3 attempts; the account has used both of its own.
        assert_limited(login_from(&app, None, "TARGET", "wrong guess").await, "third on the account").await;
    }

    async fn one_account_is_limited_across_addresses(backend) {
        let app = limited_app(backend, true).await;
        assert_eq!(signup_from(&app, Some("10.1.0.1"), &signup_body("target")).await.status(), StatusCode::CREATED);
        assert_eq!(login_from(&app, Some("10.1.0.2"), "target", "wrong").await.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(login_from(&app, Some("10.1.0.3"), "target", "wrong").await.status(), StatusCode::UNAUTHORIZED);
        // A fresh address with a full budget still cannot try this account, even with the right password.
        assert_limited(login_from(&app, Some("10.1.0.4"), "target", DEFAULT_PASSWORD).await, "fresh address").await;
        // Switching to the email address (any spelling) is the same account.
        assert_limited(
            login_from(&app, Some("10.1.0.5"), " Target@Example.com", "wrong").await,
            "same account by email",
        )
        .await;
        // Other accounts are unaffected.
        assert_eq!(
            login_from(&app, Some("10.1.0.4"), "someone_else", "wrong").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }

    async fn logins_by_email_and_username_share_the_account_budget(backend) {
        let app = limited_app(backend, true).await;
        assert_eq!(signup_from(&app, Some("10.2.0.1"), &signup_body("dual")).await.status(), StatusCode::CREATED);
        assert_eq!(login_from(&app, Some("10.2.0.2"), "dual@example.com", "wrong").await.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(login_from(&app, Some("10.2.0.3"), "DUAL@example.com", "wrong").await.status(), StatusCode::UNAUTHORIZED);
        assert_limited(login_from(&app, Some("10.2.0.4"), "dual", "wrong").await, "username after two by email").await;
    }

    async fn one_address_is_limited_across_accounts(backend) {
        let app = limited_app(backend, true).await;
        for (i, login) in ["ann", "ben", "cat@example.com"].into_iter().enumerate() {
            let res = login_from(&app, Some("10.3.0.1"), login, "wrong").await;
            assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
        }
        assert_limited(login_from(&app, Some("10.3.0.1"), "dan", "wrong").await, "fourth account from one address").await;
        // Without a trusted proxy header, addresses still come from the socket and are limited the same way.
        let plain = limited_app(backend, false).await;
        for login in ["ann", "ben", "cat"] {
            assert_eq!(login_from(&plain, Some("10.9.9.9"), login, "x").await.status(), StatusCode::UNAUTHORIZED);
        }
        assert_limited(
            login_from(&plain, Some("10.9.9.8"), "dan", "x").await,
            "X-Forwarded-For is ignored unless trust_proxy is set",
        )
        .await;
    }
}
