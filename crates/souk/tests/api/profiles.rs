//! Profiles: public lookups, editing one's own profile with validation, and never someone else's.

use crate::support::{field_codes, json_of, patch_json_auth};
use souk_test_support::reqwest::StatusCode;
use souk_test_support::serde_json::json;
use souk_test_support::{TestApp, backend_tests};

backend_tests! {
    async fn nobody_edits_another_account(backend) {
        let app = TestApp::start(backend).await;
        let alice = app.user("alice").await;
        let bob = app.user("bob").await;
        let (_, before) = json_of(app.get("/api/v1/users/bob").await).await;

        for target in ["bob", "BOB"] {
            let (status, body) = json_of(
                patch_json_auth(
                    &app,
                    &format!("/api/v1/users/{target}"),
                    &alice.token,
                    &json!({"display_name": "pwned", "bio": "pwned", "kind": "business", "locale": "ko"}),
                )
                .await,
            )
            .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
            assert_eq!(body["error"]["code"], "forbidden");
        }
        let (_, after) = json_of(app.get("/api/v1/users/bob").await).await;
        assert_eq!(before, after, "bob's profile is unchanged");
        let (_, bob_me) = json_of(app.get_auth("/api/v1/me", &bob.token).await).await;
        assert!(bob_me["locale"].is_null());
        let (_, alice_me) = json_of(app.get_auth("/api/v1/me", &alice.token).await).await;
        assert_eq!(alice_me["display_name"], "", "alice did not change herself instead");

        // Without credentials it is 401, not 403.
        let res = app
            .client
            .patch(app.url("/api/v1/users/bob"))
            .json(&json!({"bio": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

        // The owner may use the same route, with any case.
        let (status, body) = json_of(
            patch_json_auth(&app, "/api/v1/users/ALICE", &alice.token, &json!({"bio": "hello"})).await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["bio"], "hello");
    }

    async fn unknown_users_are_not_found(backend) {
        let app = TestApp::start(backend).await;
        let alice = app.user("alice").await;
        let (status, body) = json_of(app.get("/api/v1/users/no_such_user").await).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["error"]["code"], "not_found");
        let (status, body) = json_of(
            patch_json_auth(&app, "/api/v1/users/no_such_user", &alice.token, &json!({"bio": "x"})).await,
        )
        .await;
        assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    }

    async fn public_profile_hides_private_fields(backend) {
        let app = TestApp::start(backend).await;
        app.user("private_person").await;
        let (status, body) = json_of(app.get("/api/v1/users/private_person").await).await;
        assert_eq!(status, StatusCode::OK);
        for key in ["email", "role", "locale", "password_hash"] {
            assert!(body.get(key).is_none(), "{key} must not be public: {body}");
        }
        for key in ["id", "username", "display_name", "bio", "kind", "created_at"] {
            assert!(body.get(key).is_some(), "{key} missing: {body}");
        }
    }

    async fn own_profile_updates_and_validation(backend) {
        let app = TestApp::start(backend).await;
        let user = app.user("editor").await;
        let (status, body) = json_of(
            patch_json_auth(
                &app,
                "/api/v1/me",
                &user.token,
                &json!({"display_name": "  에디터 Editor ", "bio": "Line one\r\nLine two", "kind": "creator", "locale": "zh-tw"}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["display_name"], "에디터 Editor");
        assert_eq!(body["bio"], "Line one\nLine two");
        assert_eq!(body["kind"], "creator");
        assert_eq!(body["locale"], "zh-TW");
        let (_, me) = json_of(app.get_auth("/api/v1/me", &user.token).await).await;
        assert_eq!(me, body, "GET /me returns what PATCH stored");

        // Omitted fields stay; an empty locale follows the browser again.
        let (status, body) =
            json_of(patch_json_auth(&app, "/api/v1/me", &user.token, &json!({"locale": ""})).await).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body["locale"].is_null());
        assert_eq!(body["kind"], "creator");
        assert_eq!(body["display_name"], "에디터 Editor");

        let cases = [
            (json!({"bio": "가".repeat(161)}), vec![("bio", "bio_too_long")]),
            (json!({"bio": "bell\u{7}"}), vec![("bio", "bio_invalid_chars")]),
            (json!({"locale": "ja"}), vec![("locale", "locale_invalid")]),
            (json!({"kind": "shop"}), vec![("kind", "kind_invalid")]),
            (json!({"display_name": "x".repeat(51)}), vec![("display_name", "display_name_too_long")]),
            (
                json!({"bio": "b".repeat(161), "kind": "shop"}),
                vec![("bio", "bio_too_long"), ("kind", "kind_invalid")],
            ),
        ];
        for (patch, expected) in cases {
            let (status, body) = json_of(patch_json_auth(&app, "/api/v1/me", &user.token, &patch).await).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{patch}: {body}");
            assert_eq!(body["error"]["code"], "validation_failed");
            let mut got = field_codes(&body);
            got.sort();
            let mut want: Vec<(String, String)> =
                expected.iter().map(|(f, c)| ((*f).to_owned(), (*c).to_owned())).collect();
            want.sort();
            assert_eq!(got, want, "{patch}");
        }
        // Exactly 160 characters of any script is fine.
        let (status, _) = json_of(
            patch_json_auth(&app, "/api/v1/me", &user.token, &json!({"bio": "가".repeat(160)})).await,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let (_, me) = json_of(app.get_auth("/api/v1/me", &user.token).await).await;
        assert_eq!(me["kind"], "creator", "rejected patches changed nothing");
        assert!(me["locale"].is_null());
    }
}
