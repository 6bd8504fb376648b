//! Sessions, personal access tokens and password changes: what keeps working and what stops.

use crate::support::{field_codes, json_of};
use souk_test_support::reqwest::StatusCode;
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{DEFAULT_PASSWORD, TestApp, backend_tests};

async fn me_status(app: &TestApp, token: &str) -> StatusCode {
    app.get_auth("/api/v1/me", token).await.status()
}

async fn create_pat(app: &TestApp, token: &str, body: &Value) -> (StatusCode, Value) {
    json_of(app.post_json_auth("/api/v1/tokens", token, body).await).await
}

backend_tests! {
    async fn logging_out_ends_only_that_session(backend) {
        let app = TestApp::start(backend).await;
        let user = app.user("leaver").await;
        let other_session = app.login("leaver", DEFAULT_PASSWORD).await;
        assert_ne!(user.token, other_session);

        let res = app.delete_auth("/api/v1/sessions/current", &user.token).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        let (status, body) = json_of(app.get_auth("/api/v1/me", &user.token).await).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"]["code"], "unauthenticated");
        // Logging out twice with the dead token is refused, not an error.
        let res = app.delete_auth("/api/v1/sessions/current", &user.token).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(me_status(&app, &other_session).await, StatusCode::OK);
        assert_eq!(app.get("/api/v1/sessions/current").await.status(), StatusCode::METHOD_NOT_ALLOWED);
    }

    async fn personal_access_tokens_lifecycle(backend) {
        let app = TestApp::start(backend).await;
        let user = app.user("scripter").await;

        let (status, created) = create_pat(&app, &user.token, &json!({"name": "  CI deploy  "})).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let secret = created["token"].as_str().unwrap().to_owned();
        assert!(secret.starts_with("souk_pat_"), "{secret}");
        assert!(secret.len() > "souk_pat_".len() + 20, "a long random secret");
        assert_eq!(created["name"], "CI deploy");
        assert!(created["expires_at"].is_null(), "no expiry unless asked");
        let id = created["id"].as_i64().unwrap();

        let (status, expiring) =
            create_pat(&app, &user.token, &json!({"name": "monthly", "expires_in_days": 30})).await;
        assert_eq!(status, StatusCode::CREATED);
        assert!(expiring["expires_at"].as_str().is_some(), "{expiring}");

        // Listing never shows a secret again.
        let (status, list) = json_of(app.get_auth("/api/v1/tokens", &user.token).await).await;
        assert_eq!(status, StatusCode::OK);
        let items = list["items"].as_array().unwrap();
        let mut names: Vec<&str> = items.iter().map(|t| t["name"].as_str().unwrap()).collect();
        names.sort_unstable();
        assert_eq!(names, ["CI deploy", "monthly"], "sessions are not listed as tokens");
        for item in items {
            assert!(item.get("token").is_none(), "{item}");
        }
        assert!(!list.to_string().contains(&secret));

        assert!(items.iter().all(|t| t["last_used_at"].is_null()), "not used yet");

        // The token works as a bearer credential for the same account, and its use is recorded.
        let (status, me) = json_of(app.get_auth("/api/v1/me", &secret).await).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(me["username"], "scripter");
        let (_, list) = json_of(app.get_auth("/api/v1/tokens", &user.token).await).await;
        let used = list["items"].as_array().unwrap().iter().find(|t| t["id"] == id).unwrap();
        assert!(used["last_used_at"].is_string(), "{used}");

        // Revoked: 204, then the secret is dead and a second revoke finds nothing.
        let res = app.delete_auth(&format!("/api/v1/tokens/{id}"), &user.token).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        assert_eq!(me_status(&app, &secret).await, StatusCode::UNAUTHORIZED);
        let (status, body) =
            json_of(app.delete_auth(&format!("/api/v1/tokens/{id}"), &user.token).await).await;
        assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
        let (_, list) = json_of(app.get_auth("/api/v1/tokens", &user.token).await).await;
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
        assert_eq!(me_status(&app, &user.token).await, StatusCode::OK, "the session is untouched");
    }

    async fn token_requests_are_validated(backend) {
        let app = TestApp::start(backend).await;
        let user = app.user("validator").await;
        let cases = [
            (json!({"name": ""}), "name", "token_name_required"),
            (json!({"name": "   "}), "name", "token_name_required"),
            (json!({"name": "x".repeat(61)}), "name", "token_name_invalid"),
            (json!({"name": "tab\there"}), "name", "token_name_invalid"),
            (json!({"name": "too long", "expires_in_days": 3651}), "expires_in_days", "token_expiry_invalid"),
        ];
        for (body, field, code) in cases {
            let (status, res) = create_pat(&app, &user.token, &body).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {res}");
            assert_eq!(res["error"]["code"], "validation_failed");
            assert_eq!(field_codes(&res), vec![(field.to_owned(), code.to_owned())], "{body}");
        }
        let (status, _) = create_pat(&app, &user.token, &json!({"name": "edge", "expires_in_days": 3650})).await;
        assert_eq!(status, StatusCode::CREATED, "3650 days is allowed");
        let (status, _) = create_pat(&app, &user.token, &json!({"name": "x".repeat(60)})).await;
        assert_eq!(status, StatusCode::CREATED, "60 characters is allowed");
        let (status, body) = create_pat(&app, &user.token, &json!({"name": "neg", "expires_in_days": -1})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["error"]["code"], "invalid_json");
        // Only the owner can create tokens.
        let (status, _) = json_of(app.post_json("/api/v1/tokens", &json!({"name": "anon"})).await).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    async fn another_users_token_cannot_be_revoked(backend) {
        let app = TestApp::start(backend).await;
        let alice = app.user("alice").await;
        let mallory = app.user("mallory").await;
        let (_, created) = create_pat(&app, &alice.token, &json!({"name": "alice bot"})).await;
        let id = created["id"].as_i64().unwrap();
        let secret = created["token"].as_str().unwrap();

        let (status, body) =
            json_of(app.delete_auth(&format!("/api/v1/tokens/{id}"), &mallory.token).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "someone else's id looks like a missing one");
        assert_eq!(body["error"]["code"], "not_found");
        let (_, missing) = json_of(app.delete_auth("/api/v1/tokens/987654", &mallory.token).await).await;
        assert_eq!(body, missing, "identical to a token that does not exist");
        assert_eq!(me_status(&app, secret).await, StatusCode::OK, "alice's token still works");
        let (status, body) = json_of(app.delete_auth("/api/v1/tokens/not-a-number", &mallory.token).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body["error"]["code"].is_string(), "malformed ids get the JSON envelope too: {body}");
        let (_, list) = json_of(app.get_auth("/api/v1/tokens", &mallory.token).await).await;
        assert_eq!(list["items"], json!([]), "mallory does not see alice's tokens");
    }

    async fn changing_password_ends_other_sessions(backend) {
        let app = TestApp::start(backend).await;
        let user = app.user("changer").await;
        let other_session = app.login("changer", DEFAULT_PASSWORD).await;
        let (_, pat) = create_pat(&app, &user.token, &json!({"name": "integration"})).await;
        let pat = pat["token"].as_str().unwrap().to_owned();
        let new_password = "a brand new passphrase";

        // Wrong current password: refused, nothing changes.
        let (status, body) = json_of(
            app.post_json_auth(
                "/api/v1/me/password",
                &user.token,
                &json!({"current_password": "not it at all", "new_password": new_password}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(
            field_codes(&body),
            vec![("current_password".to_owned(), "current_password_incorrect".to_owned())]
        );
        assert_eq!(me_status(&app, &other_session).await, StatusCode::OK);

        // The new password follows the same policy as sign-up.
        let (status, body) = json_of(
            app.post_json_auth(
                "/api/v1/me/password",
                &user.token,
                &json!({"current_password": DEFAULT_PASSWORD, "new_password": "short"}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_codes(&body), vec![("new_password".to_owned(), "password_too_short".to_owned())]);
        app.login("changer", DEFAULT_PASSWORD).await;

        let res = app
            .post_json_auth(
                "/api/v1/me/password",
                &user.token,
                &json!({"current_password": DEFAULT_PASSWORD, "new_password": new_password}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        assert_eq!(me_status(&app, &user.token).await, StatusCode::OK, "the current session stays");
        assert_eq!(me_status(&app, &other_session).await, StatusCode::UNAUTHORIZED, "other sessions end");
        assert_eq!(me_status(&app, &pat).await, StatusCode::OK, "personal tokens keep working");

        let (status, body) = json_of(
            app.post_json("/api/v1/sessions", &json!({"login": "changer", "password": DEFAULT_PASSWORD}))
                .await,
        )
        .await;
        assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_credentials")));
        app.login("changer", new_password).await;
        app.login("changer@example.com", new_password).await;
    }
}
