//! Payment settings on both engines: with test cards switched off (`commerce.test_payments = false`)
//! checkout refuses them before taking any stock, and orders paid by bank transfer hold their stock for
//! `commerce.manual_reservation_hours` instead of a card checkout's minutes.

use crate::checkout::{
    add_to_cart, checkout, checkout_body, open_db, stock_of, store_with_product,
};
use souk_test_support::reqwest::StatusCode;
use souk_test_support::serde_json::json;
use souk_test_support::{TestApp, backend_tests};

backend_tests! {
    async fn test_cards_can_be_switched_off(backend) {
        let app = TestApp::builder(backend).config(|c| c.commerce.test_payments = false).start().await;
        let (_m, pid, vid) = store_with_product(&app, "realshop", 3).await;
        let buyer = app.user("realbuyer").await;
        add_to_cart(&app, &buyer.token, vid, 1).await;
        let mut body = checkout_body("realshop");
        body["payment"] = json!({"provider": "test", "card_number": "4242424242424242"});
        let (s, e) = checkout(&app, &buyer.token, "card", &body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["error"]["code"], "payment_provider_unavailable");
        assert_eq!(stock_of(&app, pid).await, 3, "no stock taken");
        let (_, cart) = app.get_json("/api/v1/cart/items", Some(&buyer.token)).await;
        assert_eq!(cart["item_count"], 1, "the cart is untouched: {cart}");
        // Bank transfer still works.
        let (s, order) = checkout(&app, &buyer.token, "manual", &checkout_body("realshop")).await;
        assert_eq!(s, StatusCode::CREATED, "{order}");
        assert_eq!(order["status"], "pending");
    }

    async fn bank_transfer_orders_hold_stock_for_days(backend) {
        let app = TestApp::builder(backend)
            .config(|c| {
                c.commerce.reservation_minutes = 15;
                c.commerce.manual_reservation_hours = 72;
            })
            .start()
            .await;
        let (_m, pid, vid) = store_with_product(&app, "slowpay", 5).await;
        let buyer = app.user("slowbuyer").await;
        add_to_cart(&app, &buyer.token, vid, 2).await;
        let (s, order) = checkout(&app, &buyer.token, "transfer", &checkout_body("slowpay")).await;
        assert_eq!(s, StatusCode::CREATED, "{order}");
        assert_eq!(stock_of(&app, pid).await, 3);

        let db = open_db(&app).await;
        let orders = souk_service::orders::OrderService::new(db.clone(), souk_service::CommerceConfig::default());
        let now = souk_domain::Timestamp::now();
        // An hour (a card checkout's hold is long over) and two days later: still held.
        assert_eq!(orders.release_expired(now.plus_seconds(3600)).await.unwrap(), 0);
        assert_eq!(orders.release_expired(now.plus_seconds(48 * 3600)).await.unwrap(), 0);
        // After the three days: released.
        assert_eq!(orders.release_expired(now.plus_seconds(73 * 3600)).await.unwrap(), 1);
        db.close().await;
        assert_eq!(stock_of(&app, pid).await, 5);
    }
}
