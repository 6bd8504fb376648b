//! Logging in through `POST /api/v1/sessions` by username or email, and refusing without telling which
//! part was wrong.

use crate::support::{json_of, sign_up, signup_body};
use souk_test_support::reqwest::StatusCode;
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{DEFAULT_PASSWORD, TestApp, backend_tests};

async fn attempt(app: &TestApp, login: &str, password: &str) -> (StatusCode, Value) {
    json_of(
        app.post_json(
            "/api/v1/sessions",
            &json!({"login": login, "password": password}),
        )
        .await,
    )
    .await
}

backend_tests! {
    async fn logs_in_by_username_in_any_case_and_by_email(backend) {
        let app = TestApp::start(backend).await;
        let mut body = signup_body("Mina_01");
        body["email"] = json!("Mina.Kim@Example.com");
        let (status, _) = sign_up(&app, &body).await;
        assert_eq!(status, StatusCode::CREATED);
        for login in [
            "Mina_01",
            "mina_01",
            "MINA_01",
            " mina_01 ",
            "mina.kim@example.com",
            "MINA.KIM@EXAMPLE.COM",
            "  Mina.Kim@Example.com\t",
        ] {
            let (status, res) = attempt(&app, login, DEFAULT_PASSWORD).await;
            assert_eq!(status, StatusCode::CREATED, "{login:?}: {res}");
            let token = res["token"].as_str().unwrap();
            assert!(token.starts_with("souk_"), "{token}");
            assert!(res["expires_at"].as_str().is_some_and(|t| t.len() >= 20));
            assert_eq!(res["user"]["username"], "Mina_01");
            assert!(res["user"].get("email").is_none(), "session answer carries only the public profile");
            let (status, me) = json_of(app.get_auth("/api/v1/me", token).await).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(me["username"], "Mina_01");
        }
    }

    async fn wrong_password_and_unknown_user_are_indistinguishable(backend) {
        let app = TestApp::start(backend).await;
        let (status, _) = sign_up(&app, &signup_body("known_user")).await;
        assert_eq!(status, StatusCode::CREATED);

        let (s1, wrong_password) = attempt(&app, "known_user", "not the password").await;
        let (s2, unknown_user) = attempt(&app, "nobody_here", "not the password").await;
        let (s3, unknown_email) = attempt(&app, "nobody@example.com", DEFAULT_PASSWORD).await;
        let (s4, email_wrong_password) = attempt(&app, "known_user@example.com", "nope nope nope").await;
        let (s5, empty) = attempt(&app, "", "").await;
        let (s6, password_case) = attempt(&app, "known_user", &DEFAULT_PASSWORD.to_uppercase()).await;
        assert_eq!(s1, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong_password["error"]["code"], "invalid_credentials");
        for (status, body) in [
            (s2, &unknown_user),
            (s3, &unknown_email),
            (s4, &email_wrong_password),
            (s5, &empty),
            (s6, &password_case),
        ] {
            assert_eq!(status, s1);
            assert_eq!(body, &wrong_password, "the whole answer is identical");
        }
    }

    async fn unauthenticated_requests_are_refused(backend) {
        let app = TestApp::start(backend).await;
        for token in [None, Some("garbage"), Some("souk_s_notarealtoken"), Some(&*"souk_".repeat(40))] {
            let res = match token {
                Some(t) => app.get_auth("/api/v1/me", t).await,
                None => app.get("/api/v1/me").await,
            };
            let (status, body) = json_of(res).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{token:?}");
            assert_eq!(body["error"]["code"], "unauthenticated");
        }
    }
}
