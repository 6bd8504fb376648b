//! Orders after checkout, both engines: the merchant fulfils and delivers, invalid moves are 409
//! `invalid_transition`, every change is logged with its actor, only the buyer and shop staff see an order
//! (others get 404), the buyer cancels an unpaid order and its stock returns, and the reservation job
//! cancels unpaid orders whose hold ran out (idempotently).

use crate::checkout::{
    add_to_cart, checkout, checkout_body, open_db, stock_of, store_with_product,
};
use crate::commerce_support::merchant;
use souk_test_support::reqwest::{Method, StatusCode};
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{TestApp, backend_tests};

fn code(e: &Value) -> &str {
    e["error"]["code"].as_str().unwrap_or("")
}

fn card_body(handle: &str) -> Value {
    let mut b = checkout_body(handle);
    b["payment"] = json!({"provider": "test", "card_number": "4242424242424242"});
    b
}

backend_tests! {
    async fn merchant_moves_an_order_through_its_states(backend) {
        let app = TestApp::start(backend).await;
        let (m, _pid, vid) = store_with_product(&app, "teashop", 10).await;
        let buyer = app.user("buyer").await;
        add_to_cart(&app, &buyer.token, vid, 1).await;
        let (s, order) = checkout(&app, &buyer.token, "k", &card_body("teashop")).await;
        assert_eq!(s, StatusCode::CREATED, "{order}");
        assert_eq!(order["status"], "paid", "{order}");
        let id = order["id"].as_i64().unwrap();

        let (s, e) = app.call(Method::POST, &format!("/api/v1/orders/{id}/deliver"), Some(&m.token), None).await;
        assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "invalid_transition"));
        let (s, e) = app.call(Method::POST, &format!("/api/v1/orders/{id}/fulfil"), Some(&m.token), Some(&json!({"tracking_number": " "}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        // The buyer cannot fulfil, and cannot cancel a paid order.
        let (s, _) = app.call(Method::POST, &format!("/api/v1/orders/{id}/fulfil"), Some(&buyer.token), Some(&json!({"tracking_number": "X"}))).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, e) = app.call(Method::POST, &format!("/api/v1/orders/{id}/cancel"), Some(&buyer.token), None).await;
        assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "invalid_transition"));

        let (s, o) = app.call(Method::POST, &format!("/api/v1/orders/{id}/fulfil"), Some(&m.token), Some(&json!({"tracking_number": "1Z999", "carrier": "UPS"}))).await;
        assert_eq!(s, StatusCode::OK, "{o}");
        assert_eq!((o["status"].as_str(), o["tracking_number"].as_str(), o["carrier"].as_str()), (Some("fulfilled"), Some("1Z999"), Some("UPS")));
        let (s, o) = app.call(Method::POST, &format!("/api/v1/orders/{id}/deliver"), Some(&m.token), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(o["status"], "delivered");

        // The buyer sees the whole history, with who did what.
        let (s, o) = app.get_json(&format!("/api/v1/orders/{id}"), Some(&buyer.token)).await;
        assert_eq!(s, StatusCode::OK);
        let steps: Vec<(&str, &str)> = o["events"].as_array().unwrap().iter()
            .map(|e| (e["to"].as_str().unwrap(), e["actor"].as_str().unwrap_or("souk"))).collect();
        assert_eq!(steps.first(), Some(&("pending", "buyer")));
        assert!(steps.contains(&("fulfilled", "teashop_owner")) && steps.contains(&("delivered", "teashop_owner")), "{steps:?}");
        assert!(o["events"].as_array().unwrap().iter().all(|e| e["at"].as_str().unwrap().ends_with('Z')));

        // Lists: the buyer's purchases, the shop's orders filtered by status.
        let (_, mine) = app.get_json("/api/v1/orders", Some(&buyer.token)).await;
        assert_eq!(mine["items"].as_array().unwrap().len(), 1);
        let (_, shop_orders) = app.get_json("/api/v1/orders?role=merchant&shop=teashop&status=delivered", Some(&m.token)).await;
        assert_eq!(shop_orders["items"].as_array().unwrap().len(), 1);
        let (_, none) = app.get_json("/api/v1/orders?role=merchant&status=paid", Some(&m.token)).await;
        assert_eq!(none["items"].as_array().unwrap().len(), 0);
        let (s, _) = app.get_json("/api/v1/orders?status=shipped", Some(&m.token)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    }

    async fn other_people_get_404(backend) {
        let app = TestApp::start(backend).await;
        let (_m, _pid, vid) = store_with_product(&app, "teashop", 10).await;
        let buyer = app.user("buyer").await;
        add_to_cart(&app, &buyer.token, vid, 1).await;
        let (_, order) = checkout(&app, &buyer.token, "k", &checkout_body("teashop")).await;
        let id = order["id"].as_i64().unwrap();
        let stranger = app.user("stranger").await;
        let rival = merchant(&app, "rival").await;
        crate::commerce_support::shop(&app, &rival.token, "rivalshop", "USD").await;
        for token in [&stranger.token, &rival.token] {
            let (s, _) = app.get_json(&format!("/api/v1/orders/{id}"), Some(token)).await;
            assert_eq!(s, StatusCode::NOT_FOUND);
            for action in ["cancel", "fulfil", "deliver", "confirm", "decline"] {
                let (s, _) = app.call(Method::POST, &format!("/api/v1/orders/{id}/{action}"), Some(token), Some(&json!({"tracking_number": "X"}))).await;
                assert_eq!(s, StatusCode::NOT_FOUND, "{action}");
            }
        }
        let (s, _) = app.get_json("/api/v1/orders?role=merchant&shop=teashop", Some(&rival.token)).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app.get_json(&format!("/api/v1/orders/{id}"), None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }

    async fn buyer_cancels_an_unpaid_order_and_stock_returns(backend) {
        let app = TestApp::start(backend).await;
        let (_m, pid, vid) = store_with_product(&app, "teashop", 5).await;
        let buyer = app.user("buyer").await;
        add_to_cart(&app, &buyer.token, vid, 2).await;
        let (_, order) = checkout(&app, &buyer.token, "k", &checkout_body("teashop")).await;
        assert_eq!(order["status"], "pending");
        assert_eq!(stock_of(&app, pid).await, 3);
        let id = order["id"].as_i64().unwrap();
        let (s, o) = app.call(Method::POST, &format!("/api/v1/orders/{id}/cancel"), Some(&buyer.token), None).await;
        assert_eq!(s, StatusCode::OK, "{o}");
        assert_eq!(o["status"], "cancelled");
        assert_eq!(stock_of(&app, pid).await, 5);
        let (s, e) = app.call(Method::POST, &format!("/api/v1/orders/{id}/cancel"), Some(&buyer.token), None).await;
        assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "invalid_transition"));
        assert_eq!(stock_of(&app, pid).await, 5, "released once");
    }

    async fn reservation_job_releases_unpaid_orders(backend) {
        let app = TestApp::start(backend).await;
        let (_m, pid, vid) = store_with_product(&app, "teashop", 5).await;
        let buyer = app.user("buyer").await;
        add_to_cart(&app, &buyer.token, vid, 2).await;
        let (_, unpaid) = checkout(&app, &buyer.token, "a", &checkout_body("teashop")).await;
        add_to_cart(&app, &buyer.token, vid, 1).await;
        let (_, paid) = checkout(&app, &buyer.token, "b", &card_body("teashop")).await;
        assert_eq!((unpaid["status"].as_str(), paid["status"].as_str()), (Some("pending"), Some("paid")));
        assert_eq!(stock_of(&app, pid).await, 2);

        let db = open_db(&app).await;
        let orders = souk_service::orders::OrderService::new(db.clone(), souk_service::CommerceConfig::default());
        // Not yet expired: nothing happens. A week later every hold (cards: minutes, transfers: days) ran out.
        assert_eq!(orders.release_expired(souk_domain::Timestamp::now()).await.unwrap(), 0);
        let later = souk_domain::Timestamp::now().plus_seconds(7 * 86_400);
        assert_eq!(orders.release_expired(later).await.unwrap(), 1);
        assert_eq!(orders.release_expired(later).await.unwrap(), 0, "idempotent");
        db.close().await;

        assert_eq!(stock_of(&app, pid).await, 4);
        let (_, o) = app.get_json(&format!("/api/v1/orders/{}", unpaid["id"]), Some(&buyer.token)).await;
        assert_eq!(o["status"], "cancelled");
        let last = o["events"].as_array().unwrap().last().unwrap().clone();
        assert_eq!((last["to"].as_str(), last["actor"].is_null()), (Some("cancelled"), true), "Souk itself cancelled it");
        // A payment arriving after the timeout is refused: the cancellation won.
        let late = app
            .client
            .post(app.url(&format!("/api/v1/orders/{}/payments", unpaid["id"])))
            .bearer_auth(&buyer.token)
            .header("Idempotency-Key", "late")
            .json(&json!({"provider": "test", "card_number": "4242424242424242"}))
            .send()
            .await
            .unwrap();
        let (s, e) = souk_test_support::json_response(late).await;
        assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "invalid_transition"), "{e}");
        assert_eq!(stock_of(&app, pid).await, 4, "no stock taken by the late payment");
        let (_, p) = app.get_json(&format!("/api/v1/orders/{}", paid["id"]), Some(&buyer.token)).await;
        assert_eq!(p["status"], "paid", "paid orders are untouched");
    }
}
