//! Idempotency-Key on checkout (design.md §5), both engines: a replay returns the stored status and body
//! and creates nothing; the same key with another body is 422 `idempotency_key_reused`; a duplicate while
//! the first request still runs is 409 `idempotency_request_in_progress`; keys expire (TTL from config).

use crate::checkout::{add_to_cart, checkout, checkout_body, open_db, store_with_product};
use souk_test_support::futures_util::future::join_all;
use souk_test_support::reqwest::{Method, StatusCode};
use souk_test_support::serde_json::json;
use souk_test_support::{Backend, TestApp, backend_tests, json_response};
use std::time::Duration;

async fn order_count(app: &TestApp, token: &str) -> usize {
    let (s, page) = app.get_json("/api/v1/orders?limit=100", Some(token)).await;
    assert_eq!(s, StatusCode::OK);
    page["items"].as_array().unwrap().len()
}

backend_tests! {
    async fn replay_returns_the_stored_response_and_creates_nothing(backend) {
        let app = TestApp::start(backend).await;
        let (_m, _pid, vid) = store_with_product(&app, "teashop", 10).await;
        let buyer = app.user("buyer").await;
        add_to_cart(&app, &buyer.token, vid, 1).await;
        let body = checkout_body("teashop");
        let first = app.client.post(app.url("/api/v1/checkout")).bearer_auth(&buyer.token)
            .header("Idempotency-Key", "order-1").json(&body).send().await.unwrap();
        assert!(first.headers().get("idempotent-replayed").is_none());
        let (s1, b1) = json_response(first).await;
        assert_eq!(s1, StatusCode::CREATED, "{b1}");
        // Put the item back: a second order would be possible if the replay ran again.
        add_to_cart(&app, &buyer.token, vid, 1).await;
        let again = app.client.post(app.url("/api/v1/checkout")).bearer_auth(&buyer.token)
            .header("Idempotency-Key", "order-1").json(&body).send().await.unwrap();
        assert_eq!(again.headers()["idempotent-replayed"], "true");
        let (s2, b2) = json_response(again).await;
        assert_eq!((s2, &b2), (s1, &b1), "identical status and body");
        assert_eq!(order_count(&app, &buyer.token).await, 1);

        // Refusals are replayed too (4xx are stored).
        let (s, e) = checkout(&app, &buyer.token, "bad", &json!({"shop": "nope", "address": {"name":"a","line1":"b","city":"c","postal_code":"d","country":"US"}, "payment": {"provider": "manual"}})).await;
        assert_eq!((s, e["error"]["code"].as_str().unwrap()), (StatusCode::CONFLICT, "cart_empty"));
        let (s2, e2) = checkout(&app, &buyer.token, "bad", &json!({"shop": "nope", "address": {"name":"a","line1":"b","city":"c","postal_code":"d","country":"US"}, "payment": {"provider": "manual"}})).await;
        assert_eq!((s2, e2), (s, e));

        // Keys belong to one account: another shopper may use the same key.
        let other = app.user("other").await;
        add_to_cart(&app, &other.token, vid, 1).await;
        let (s, o) = checkout(&app, &other.token, "order-1", &body).await;
        assert_eq!(s, StatusCode::CREATED, "{o}");
        assert_ne!(o["id"], b1["id"]);
    }

    async fn same_key_different_body_is_refused(backend) {
        let app = TestApp::start(backend).await;
        let (_m, _pid, vid) = store_with_product(&app, "teashop", 10).await;
        let buyer = app.user("buyer").await;
        add_to_cart(&app, &buyer.token, vid, 2).await;
        let (s, _) = checkout(&app, &buyer.token, "k", &checkout_body("teashop")).await;
        assert_eq!(s, StatusCode::CREATED);
        let mut other = checkout_body("teashop");
        other["address"]["city"] = json!("Shelbyville");
        let (s, e) = checkout(&app, &buyer.token, "k", &other).await;
        assert_eq!((s, e["error"]["code"].as_str().unwrap()), (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused"));
        assert_eq!(order_count(&app, &buyer.token).await, 1);
    }

    async fn concurrent_duplicates_create_one_order(backend) {
        let app = TestApp::start(backend).await;
        let (_m, _pid, vid) = store_with_product(&app, "teashop", 50).await;
        let buyer = app.user("buyer").await;
        add_to_cart(&app, &buyer.token, vid, 1).await;
        let body = checkout_body("teashop");
        let results = join_all((0..12).map(|_| checkout(&app, &buyer.token, "same", &body))).await;
        let created: Vec<_> = results.iter().filter(|(s, _)| *s == StatusCode::CREATED).collect();
        assert!(!created.is_empty(), "{results:?}");
        for (s, b) in &results {
            match *s {
                StatusCode::CREATED => assert_eq!(b, &created[0].1, "every 201 is the same order"),
                StatusCode::CONFLICT => assert_eq!(b["error"]["code"], "idempotency_request_in_progress"),
                other => panic!("unexpected {other}: {b}"),
            }
        }
        assert_eq!(order_count(&app, &buyer.token).await, 1);
    }

    async fn duplicate_while_first_runs_gets_409(backend) {
        // Deterministic on PostgreSQL: the test holds the variant's row lock, so the first checkout claims
        // its key and then waits inside its transaction while the duplicate arrives. (SQLite's single
        // writer would block the duplicate's claim too; the concurrent test above covers it there.)
        if backend != Backend::Postgres {
            return;
        }
        let app = TestApp::start(backend).await;
        let (_m, _pid, vid) = store_with_product(&app, "teashop", 5).await;
        let buyer = app.user("buyer").await;
        add_to_cart(&app, &buyer.token, vid, 1).await;
        let db = open_db(&app).await;
        let souk_store::Db::Postgres(pool) = &db else { unreachable!() };
        let mut lock = pool.begin().await.unwrap();
        sqlx::query("SELECT stock FROM variants WHERE id = $1 FOR UPDATE").bind(vid).execute(&mut *lock).await.unwrap();

        let body = checkout_body("teashop");
        let client = app.client.clone();
        let url = app.url("/api/v1/checkout");
        let token = buyer.token.clone();
        let b = body.clone();
        let first = tokio::spawn(async move {
            json_response(client.post(url).bearer_auth(token).header("Idempotency-Key", "slow").json(&b).send().await.unwrap()).await
        });
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (s, e) = checkout(&app, &buyer.token, "slow", &body).await;
        assert_eq!((s, e["error"]["code"].as_str().unwrap()), (StatusCode::CONFLICT, "idempotency_request_in_progress"));
        lock.commit().await.unwrap();
        let (s1, b1) = first.await.unwrap();
        assert_eq!(s1, StatusCode::CREATED, "{b1}");
        let (s2, b2) = checkout(&app, &buyer.token, "slow", &body).await;
        assert_eq!((s2, b2), (s1, b1));
        db.close().await;
    }

    async fn keys_expire(backend) {
        let app = TestApp::builder(backend).config(|c| c.commerce.idempotency_ttl_secs = 1).start().await;
        let (_m, _pid, vid) = store_with_product(&app, "teashop", 10).await;
        let buyer = app.user("buyer").await;
        add_to_cart(&app, &buyer.token, vid, 1).await;
        let body = checkout_body("teashop");
        let (s, first) = checkout(&app, &buyer.token, "daily", &body).await;
        assert_eq!(s, StatusCode::CREATED);
        add_to_cart(&app, &buyer.token, vid, 1).await;
        tokio::time::sleep(Duration::from_millis(1300)).await;
        let (s, second) = checkout(&app, &buyer.token, "daily", &body).await;
        assert_eq!(s, StatusCode::CREATED, "{second}");
        assert_ne!(first["id"], second["id"], "an expired key runs the request again");
        assert_eq!(order_count(&app, &buyer.token).await, 2);
        let _ = app.call(Method::GET, "/api/v1/cart/items", Some(&buyer.token), None).await;
    }
}
