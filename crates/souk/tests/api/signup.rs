//! Sign-up through `POST /api/v1/accounts`: per-field validation codes, uniqueness regardless of case and
//! whitespace, normalised email, and no half-written accounts.

use crate::support::{field_codes, json_of, sign_up, signup_body};
use souk_test_support::reqwest::StatusCode;
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{DEFAULT_PASSWORD, TestApp, backend_tests};

/// Expects 422 `validation_failed` carrying exactly these `(field, code)` pairs.
fn assert_rejected(status: StatusCode, body: &Value, expected: &[(&str, &str)], case: &str) {
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{case}: {body}");
    assert_eq!(body["error"]["code"], "validation_failed", "{case}: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{case}: a human-readable message"
    );
    let mut got = field_codes(body);
    got.sort();
    let mut want: Vec<(String, String)> = expected
        .iter()
        .map(|(f, c)| ((*f).to_owned(), (*c).to_owned()))
        .collect();
    want.sort();
    assert_eq!(got, want, "{case}: {body}");
    for f in body["error"]["details"]["fields"].as_array().unwrap() {
        assert!(
            f["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{case}: field message"
        );
    }
}

backend_tests! {
    async fn each_field_reports_its_own_code(backend) {
        let app = TestApp::start(backend).await;
        let cases: Vec<(&str, Value, &str, &str)> = vec![
            ("empty username", json!({"username": ""}), "username", "username_required"),
            ("blank username", json!({"username": "   "}), "username", "username_required"),
            ("short username", json!({"username": "ab"}), "username", "username_too_short"),
            ("long username", json!({"username": "a".repeat(31)}), "username", "username_too_long"),
            ("dotted username", json!({"username": "mina.kim"}), "username", "username_invalid_chars"),
            ("hangul username", json!({"username": "민아김"}), "username", "username_invalid_chars"),
            ("reserved username", json!({"username": "Admin"}), "username", "username_reserved"),
            ("empty email", json!({"email": ""}), "email", "email_required"),
            ("no at sign", json!({"email": "mina"}), "email", "email_invalid"),
            ("no domain dot", json!({"email": "mina@localhost"}), "email", "email_invalid"),
            ("empty password", json!({"password": ""}), "password", "password_required"),
            ("short password", json!({"password": "short"}), "password", "password_too_short"),
            ("long password", json!({"password": "x".repeat(129)}), "password", "password_too_long"),
            ("unknown kind", json!({"kind": "shop"}), "kind", "kind_invalid"),
        ];
        for (case, overrides, field, code) in cases {
            let mut body = signup_body("valid_name");
            for (k, v) in overrides.as_object().unwrap() {
                body[k] = v.clone();
            }
            let (status, res) = sign_up(&app, &body).await;
            assert_rejected(status, &res, &[(field, code)], case);
        }
        // Missing fields count as empty ones.
        let (status, res) = sign_up(&app, &json!({})).await;
        assert_rejected(
            status,
            &res,
            &[
                ("username", "username_required"),
                ("email", "email_required"),
                ("password", "password_required"),
            ],
            "empty object",
        );
        // Boundaries are inclusive: 3 and 30 characters, 8 and 128 characters.
        let (status, _) = sign_up(&app, &signup_body("abc")).await;
        assert_eq!(status, StatusCode::CREATED);
        let long = "b".repeat(30);
        let mut body = signup_body(&long);
        body["password"] = json!("p".repeat(128));
        let (status, _) = sign_up(&app, &body).await;
        assert_eq!(status, StatusCode::CREATED);
        let mut body = signup_body("eight_chars");
        body["password"] = json!("비밀번호비밀번호");
        let (status, _) = sign_up(&app, &body).await;
        assert_eq!(status, StatusCode::CREATED, "eight Korean characters are eight characters");
        // Every kind is accepted; omitting it means personal.
        for kind in ["personal", "business", "creator"] {
            let mut body = signup_body(&format!("kind_{kind}"));
            body["kind"] = json!(kind);
            let (status, res) = sign_up(&app, &body).await;
            assert_eq!(status, StatusCode::CREATED);
            assert_eq!(res["kind"], kind);
        }
        let mut body = signup_body("no_kind");
        body.as_object_mut().unwrap().remove("kind");
        let (status, res) = sign_up(&app, &body).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(res["kind"], "personal");
    }

    async fn several_errors_are_reported_at_once(backend) {
        let app = TestApp::start(backend).await;
        let (status, res) = sign_up(
            &app,
            &json!({"username": "a.b", "email": "nope", "password": "123", "kind": "shop"}),
        )
        .await;
        assert_rejected(
            status,
            &res,
            &[
                ("username", "username_invalid_chars"),
                ("email", "email_invalid"),
                ("password", "password_too_short"),
                ("kind", "kind_invalid"),
            ],
            "four bad fields",
        );
    }

    async fn created_account_is_returned_without_secrets(backend) {
        let app = TestApp::start(backend).await;
        let mut body = signup_body("Mina_Kim");
        body["kind"] = json!("creator");
        body["display_name"] = json!("김민아 Mina");
        let (status, res) = sign_up(&app, &body).await;
        assert_eq!(status, StatusCode::CREATED, "{res}");
        assert!(res["id"].as_i64().is_some_and(|id| id > 0));
        assert_eq!(res["username"], "Mina_Kim", "case kept for display");
        assert_eq!(res["display_name"], "김민아 Mina");
        assert_eq!(res["kind"], "creator");
        assert_eq!(res["role"], "user", "self-service sign-up never grants admin");
        assert_eq!(res["email"], "mina_kim@example.com");
        assert!(res["created_at"].as_str().is_some_and(|t| t.ends_with('Z') || t.ends_with("+00:00")));
        let text = res.to_string();
        assert!(!text.contains("password") && !text.contains("argon2"), "no secrets: {text}");
        // A role sent by the client is ignored.
        let mut body = signup_body("sneaky");
        body["role"] = json!("admin");
        let (status, res) = sign_up(&app, &body).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(res["role"], "user");
    }

    async fn usernames_are_unique_regardless_of_case(backend) {
        let app = TestApp::start(backend).await;
        let (status, _) = sign_up(&app, &signup_body("Mina_01")).await;
        assert_eq!(status, StatusCode::CREATED);
        for variant in ["Mina_01", "mina_01", "MINA_01", "mINA_01"] {
            let mut body = signup_body(variant);
            body["email"] = json!(format!("other.{}@example.com", variant.len()));
            let (status, res) = sign_up(&app, &body).await;
            assert_eq!(status, StatusCode::CONFLICT, "{variant}: {res}");
            assert_eq!(res["error"]["code"], "username_taken");
            assert_eq!(field_codes(&res), vec![("username".to_owned(), "username_taken".to_owned())]);
        }
        // Public profile lookup is case-insensitive and shows the original spelling.
        let (status, profile) = json_of(app.get("/api/v1/users/MINA_01").await).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(profile["username"], "Mina_01");
    }

    async fn emails_are_normalised_and_unique(backend) {
        let app = TestApp::start(backend).await;
        let mut body = signup_body("first");
        body["email"] = json!("  Mina.Kim@Example.COM ");
        let (status, res) = sign_up(&app, &body).await;
        assert_eq!(status, StatusCode::CREATED, "{res}");
        assert_eq!(res["email"], "mina.kim@example.com");
        let token = app.login("first", DEFAULT_PASSWORD).await;
        let (_, me) = json_of(app.get_auth("/api/v1/me", &token).await).await;
        assert_eq!(me["email"], "mina.kim@example.com", "stored normalised");

        for email in ["mina.kim@example.com", "MINA.KIM@EXAMPLE.COM", "\tmina.kim@example.com  "] {
            let mut body = signup_body("second");
            body["email"] = json!(email);
            let (status, res) = sign_up(&app, &body).await;
            assert_eq!(status, StatusCode::CONFLICT, "{email:?}: {res}");
            assert_eq!(res["error"]["code"], "email_taken");
            assert_eq!(field_codes(&res), vec![("email".to_owned(), "email_taken".to_owned())]);
        }
    }

    async fn failed_sign_ups_leave_nothing_behind(backend) {
        let app = TestApp::start(backend).await;
        // Rejected for validation: the valid username is not reserved by the attempt.
        let mut body = signup_body("leftover");
        body["password"] = json!("short");
        let (status, _) = sign_up(&app, &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.get("/api/v1/users/leftover").await.status(), StatusCode::NOT_FOUND);

        // Rejected for a taken email after the username passed every check.
        let (status, _) = sign_up(&app, &signup_body("owner")).await;
        assert_eq!(status, StatusCode::CREATED);
        let mut body = signup_body("newcomer");
        body["email"] = json!("OWNER@example.com");
        let (status, res) = sign_up(&app, &body).await;
        assert_eq!((status, res["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("email_taken")));
        assert_eq!(app.get("/api/v1/users/newcomer").await.status(), StatusCode::NOT_FOUND);
        let res = app
            .post_json("/api/v1/sessions", &json!({"login": "newcomer", "password": DEFAULT_PASSWORD}))
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "no half-made account to log in to");

        // Both names are still free.
        for name in ["leftover", "newcomer"] {
            let (status, res) = sign_up(&app, &signup_body(name)).await;
            assert_eq!(status, StatusCode::CREATED, "{name}: {res}");
        }
        app.login("newcomer", DEFAULT_PASSWORD).await;
    }

    async fn concurrent_sign_ups_with_one_name_admit_exactly_one(backend) {
        let app = TestApp::start(backend).await;
        let base = "racer_name";
        let mut tasks = Vec::new();
        for i in 0..20u32 {
            // Each attempt spells the name in a different case (bit i of a mask chooses upper case).
            let variant: String = base
                .chars()
                .enumerate()
                .map(|(pos, c)| if (i + 1) & (1 << (pos % 10)) != 0 { c.to_ascii_uppercase() } else { c })
                .collect();
            let client = app.client.clone();
            let url = app.url("/api/v1/accounts");
            let body = json!({
                "username": variant,
                "email": format!("racer{i}@example.com"),
                "password": DEFAULT_PASSWORD,
            });
            tasks.push(tokio::spawn(async move {
                let res = client.post(url).json(&body).send().await.unwrap();
                json_of(res).await
            }));
        }
        let mut created = 0;
        let mut taken = 0;
        for task in tasks {
            let (status, body) = task.await.unwrap();
            match status {
                StatusCode::CREATED => created += 1,
                StatusCode::CONFLICT => {
                    assert_eq!(body["error"]["code"], "username_taken", "{body}");
                    taken += 1;
                }
                other => panic!("unexpected {other}: {body}"),
            }
        }
        assert_eq!((created, taken), (1, 19));
        let (status, _) = json_of(app.get("/api/v1/users/RACER_NAME").await).await;
        assert_eq!(status, StatusCode::OK);
    }

    async fn concurrent_sign_ups_with_one_email_admit_exactly_one(backend) {
        let app = TestApp::start(backend).await;
        let mut tasks = Vec::new();
        for i in 0..20u32 {
            let client = app.client.clone();
            let url = app.url("/api/v1/accounts");
            let email = if i % 2 == 0 { "Shared@Example.com" } else { " shared@example.COM " };
            let body = json!({"username": format!("sharer_{i}"), "email": email, "password": DEFAULT_PASSWORD});
            tasks.push(tokio::spawn(async move {
                json_of(client.post(url).json(&body).send().await.unwrap()).await
            }));
        }
        let mut codes = Vec::new();
        for task in tasks {
            let (status, body) = task.await.unwrap();
            codes.push((status, body["error"]["code"].as_str().unwrap_or("").to_owned()));
        }
        let created = codes.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
        let taken = codes
            .iter()
            .filter(|(s, c)| *s == StatusCode::CONFLICT && c == "email_taken")
            .count();
        assert_eq!((created, taken), (1, 19), "{codes:?}");
    }
}
