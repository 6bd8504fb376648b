//! Order e-mail through the outbox, on both engines: mail is queued with the order change, rendered in the
//! buyer's language with locale-formatted money, written as .eml files by the sender, and listed on the
//! operator's outbox page (operators only).

use crate::checkout::store_with_product;
use crate::payments::{CARD_OK, bought};
use crate::support::Browser;
use souk_test_support::reqwest::{Method, StatusCode};
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{DEFAULT_PASSWORD, TestApp, TestUser, backend_tests};

async fn outbox(app: &TestApp, admin: &TestUser) -> Vec<Value> {
    let (s, list) = app.get_json("/api/v1/admin/mail", Some(&admin.token)).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    list.as_array().unwrap().clone()
}

fn eml_files(app: &TestApp) -> Vec<String> {
    let dir = app.config.data_dir.join("mail");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect()
}

async fn korean_buyer(app: &TestApp) -> TestUser {
    let (s, body) = app
        .call(
            Method::POST,
            "/api/v1/accounts",
            None,
            Some(&json!({"username": "mina", "email": "mina@example.com", "password": DEFAULT_PASSWORD, "locale": "ko"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    TestUser {
        username: "mina".into(),
        password: DEFAULT_PASSWORD.into(),
        token: app.login("mina", DEFAULT_PASSWORD).await,
        id: body["id"].as_i64().unwrap(),
    }
}

backend_tests! {
    async fn order_mail_is_queued_localized_sent_and_listed(backend) {
        let app = TestApp::start(backend).await;
        let (m, _pid, vid) = store_with_product(&app, "teashop", 10).await;
        let buyer = korean_buyer(&app).await;
        let o = bought(&app, &buyer, "teashop", vid, 2, Some(CARD_OK)).await;
        let id = o["id"].as_i64().unwrap();
        let number = o["number"].as_str().unwrap().to_owned();
        let (s, f) = app.call(Method::POST, &format!("/api/v1/orders/{id}/fulfil"), Some(&m.token), Some(&json!({"tracking_number": "TRK-778", "carrier": "CJ"}))).await;
        assert_eq!(s, StatusCode::OK, "{f}");

        // Operators only.
        let (s, _) = app.get_json("/api/v1/admin/mail", Some(&buyer.token)).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app.call(Method::POST, "/api/v1/admin/mail/send", Some(&m.token), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        let admin = app.user("ops").await;
        app.make_admin("ops").await;
        let mails = outbox(&app, &admin).await;
        let kinds: Vec<&str> = mails.iter().map(|m| m["kind"].as_str().unwrap()).collect();
        assert!(kinds.contains(&"order_paid") && kinds.contains(&"order_fulfilled"), "{kinds:?}");
        let paid = mails.iter().find(|m| m["kind"] == "order_paid").unwrap();
        assert_eq!(paid["to"], "mina@example.com");
        assert!(paid["subject"].as_str().unwrap().contains(&number), "{paid}");
        let body = paid["body"].as_str().unwrap();
        assert!(body.contains("결제"), "Korean text: {body}");
        assert!(body.contains("US$25.00"), "money formatted for ko: {body}");
        assert!(body.contains("2 × Simple thing"), "{body}");
        let shipped = mails.iter().find(|m| m["kind"] == "order_fulfilled").unwrap();
        assert!(shipped["body"].as_str().unwrap().contains("TRK-778"), "{shipped}");

        // The sender writes one .eml per message and marks them sent; a second round sends nothing.
        let (s, r) = app.call(Method::POST, "/api/v1/admin/mail/send", Some(&admin.token), None).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        // The serve loop (every 10 s) may have sent some already; together they sent everything once.
        assert!(r["sent"].as_u64().unwrap() as usize <= mails.len());
        assert_eq!(r["failed"], 0);
        let files = eml_files(&app);
        assert_eq!(files.len(), mails.len());
        assert!(files.iter().any(|f| f.contains("TRK-778")), "tracking number in a written mail");
        assert!(files.iter().all(|f| f.contains("To: mina@example.com")), "{files:?}");
        let (_, r) = app.call(Method::POST, "/api/v1/admin/mail/send", Some(&admin.token), None).await;
        assert_eq!(r["sent"], 0);
        assert!(outbox(&app, &admin).await.iter().all(|m| m["status"] == "sent"));

        // The outbox page and one message, for operators only.
        let b = Browser::new(&app);
        b.log_in("ops", DEFAULT_PASSWORD).await;
        let (s, html) = b.page("/admin/mail").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains(&number), "{html}");
        let (s, html) = b.page(&format!("/admin/mail/{}", paid["id"])).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("US$25.00"), "{html}");
        let res = b.submit("/admin/mail/send", &[]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let other = Browser::new(&app);
        other.log_in("mina", DEFAULT_PASSWORD).await;
        for path in ["/admin/mail", "/admin/mail/1", "/admin/ledger"] {
            let (s, _) = other.page(path).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
        }
    }

    async fn undeliverable_mail_is_marked_failed_and_retried_a_few_times(backend) {
        // The mail folder is a regular file, so nothing can be written into it.
        let blocker = tempfile::NamedTempFile::new().unwrap();
        let path = blocker.path().to_path_buf();
        let app = TestApp::builder(backend).config(|c| c.commerce.mail_dir = path).start().await;
        let (_m, _pid, vid) = store_with_product(&app, "teashop", 10).await;
        let buyer = app.user("buyer").await;
        bought(&app, &buyer, "teashop", vid, 1, Some(CARD_OK)).await;
        let admin = app.user("ops").await;
        app.make_admin("ops").await;
        let queued = outbox(&app, &admin).await.len();
        assert!(queued >= 1);
        // The serve loop may take a round too (every 10 s), so count rounds until nothing is due.
        let mut failed_total = 0;
        for _ in 0..6 {
            let (s, r) = app.call(Method::POST, "/api/v1/admin/mail/send", Some(&admin.token), None).await;
            assert_eq!(s, StatusCode::OK, "{r}");
            assert_eq!(r["sent"], 0);
            failed_total += r["failed"].as_u64().unwrap() as usize;
        }
        assert!(failed_total >= queued, "{failed_total} failures for {queued} messages");
        let (_, r) = app.call(Method::POST, "/api/v1/admin/mail/send", Some(&admin.token), None).await;
        assert_eq!(r["failed"], 0, "given up after five attempts");
        for m in outbox(&app, &admin).await {
            assert_eq!((m["status"].as_str(), m["attempts"].as_i64()), (Some("failed"), Some(5)), "{m}");
            assert!(!m["last_error"].as_str().unwrap().is_empty());
        }
    }
}
