//! Refunds through the API and the merchant's refund form, on both engines: partial by line and by amount,
//! full refunds moving the order to `refunded`, `refund_exceeds_paid`, `invalid_transition`, staff-only
//! access, restocking, Idempotency-Key replays, and concurrent refunds that can never exceed what was paid.

use crate::checkout::{stock_of, store_with_product};
use crate::commerce_support::{first_variant, merchant, money, shop, simple_product};
use crate::payments::{CARD_OK, balance, bought, ledger, order, post_idem};
use crate::support::Browser;
use souk_test_support::reqwest::{Method, StatusCode};
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{DEFAULT_PASSWORD, TestApp, backend_tests};

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

async fn refund(
    app: &TestApp,
    token: &str,
    order_id: i64,
    key: &str,
    body: Value,
) -> (StatusCode, Value) {
    let (s, b, _) = post_idem(
        app,
        token,
        &format!("/api/v1/orders/{order_id}/refunds"),
        key,
        &body,
    )
    .await;
    (s, b)
}

backend_tests! {
    async fn partial_and_full_refunds_keep_the_books_balanced(backend) {
        let app = TestApp::builder(backend).config(|c| c.commerce.platform_fee_bps = 100).start().await;
        let (m, pid, vid) = store_with_product(&app, "teashop", 10).await;
        let buyer = app.user("buyer").await;
        let o = bought(&app, &buyer, "teashop", vid, 4, Some(CARD_OK)).await;
        let id = o["id"].as_i64().unwrap();
        let line = o["lines"][0]["id"].as_i64().unwrap();
        assert_eq!(o["total"], money(5000, "USD"));
        assert_eq!(stock_of(&app, pid).await, 6);

        // One unit back, into stock.
        let (s, r) = refund(&app, &m.token, id, "r1", json!({"lines": [{"line_id": line, "quantity": 1}], "restock": true, "reason": "damaged"})).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        assert_eq!(r["amount"], money(1250, "USD"));
        assert_eq!(r["lines"], json!([{"line_id": line, "quantity": 1}]));
        assert_eq!(r["order"]["refund_state"], "partial");
        assert_eq!(r["order"]["status"], "paid");
        assert_eq!(stock_of(&app, pid).await, 7);
        let o = order(&app, &buyer.token, id).await;
        assert_eq!(o["lines"][0]["refunded_quantity"], 1);
        assert_eq!(o["refunded"], money(1250, "USD"));

        // More units than are left on the line, a foreign line, and more money than is left.
        let (s, e) = refund(&app, &m.token, id, "r2", json!({"lines": [{"line_id": line, "quantity": 4}]})).await;
        assert_eq!((s, code(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"), "{e}");
        assert_eq!(e["error"]["details"]["fields"][0]["code"], "refund_quantity_exceeds");
        let (s, e) = refund(&app, &m.token, id, "r3", json!({"amount": money(3751, "USD")})).await;
        assert_eq!((s, code(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "refund_exceeds_paid"), "{e}");
        assert_eq!(e["error"]["details"]["refundable"], money(3750, "USD"));
        let field_code = |e: &Value| e["error"]["details"]["fields"][0]["code"].as_str().unwrap_or("").to_owned();
        for (key, body, expected) in [
            ("r4", json!({"amount": money(100, "EUR")}), "currency_mismatch"),
            ("r4b", json!({"amount": money(0, "USD")}), "amount_invalid"),
            ("r4c", json!({"lines": [{"line_id": 999_999, "quantity": 1}]}), "line_not_found"),
            ("r4d", json!({"lines": [{"line_id": line, "quantity": 0}]}), "quantity_invalid"),
        ] {
            let (s, e) = refund(&app, &m.token, id, key, body).await;
            assert_eq!((s, field_code(&e)), (StatusCode::UNPROCESSABLE_ENTITY, expected.to_owned()), "{e}");
        }

        // A goodwill amount without lines, not restocked.
        let (s, r) = refund(&app, &m.token, id, "r5", json!({"amount": money(750, "USD")})).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        assert_eq!(r["order"]["refunded"], money(2000, "USD"));
        assert_eq!(stock_of(&app, pid).await, 7);

        // Everything left: the order becomes refunded, the remaining units go back to stock.
        let (s, r) = refund(&app, &m.token, id, "r6", json!({"restock": true})).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        assert_eq!(r["amount"], money(3000, "USD"));
        assert_eq!(r["order"]["status"], "refunded");
        assert_eq!(r["order"]["refund_state"], "full");
        assert_eq!(stock_of(&app, pid).await, 10);
        let o = order(&app, &buyer.token, id).await;
        assert_eq!((o["status"].clone(), o["refunded"].clone()), (json!("refunded"), money(5000, "USD")));
        assert_eq!(o["lines"][0]["refunded_quantity"], 4);

        // Nothing left: refunded orders refuse further refunds.
        let (s, e) = refund(&app, &m.token, id, "r7", json!({"amount": money(1, "USD")})).await;
        assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "invalid_transition"), "{e}");

        let (s, list) = app.get_json(&format!("/api/v1/orders/{id}/refunds"), Some(&buyer.token)).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(list.as_array().unwrap().len(), 3);

        let admin = app.user("ops").await;
        let l = ledger(&app, &admin).await;
        assert_eq!(l["ok"], true, "{l}");
        assert_eq!(l["transactions"], 4);
        assert_eq!(balance(&l, "shopper_payments", "USD"), 0);
        assert_eq!(balance(&l, "refunds", "USD"), 0);
        // The merchant gave back all 50.00 but only received 49.50: the fee stays with Souk.
        assert_eq!(balance(&l, "merchant_payable", "USD"), 50);
        assert_eq!(balance(&l, "platform_fees", "USD"), -50);
    }

    async fn refunds_need_a_paid_order_and_shop_staff(backend) {
        let app = TestApp::start(backend).await;
        let (m, _pid, vid) = store_with_product(&app, "teashop", 10).await;
        let rival = merchant(&app, "rival").await;
        shop(&app, &rival.token, "rivalshop", "USD").await;
        let buyer = app.user("buyer").await;
        let pending = bought(&app, &buyer, "teashop", vid, 1, None).await;
        let pid_ = pending["id"].as_i64().unwrap();
        let (s, e) = refund(&app, &m.token, pid_, "a", json!({})).await;
        assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "invalid_transition"), "{e}");

        let paid = bought(&app, &buyer, "teashop", vid, 1, Some(CARD_OK)).await;
        let id = paid["id"].as_i64().unwrap();
        for token in [&buyer.token, &rival.token] {
            let (s, e) = refund(&app, token, id, "b", json!({})).await;
            assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "not_found"), "{e}");
        }
        let (s, e) = refund(&app, &m.token, 999_999, "c", json!({})).await;
        assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "not_found"), "{e}");
        let (s, e) = app.call(Method::POST, &format!("/api/v1/orders/{id}/refunds"), Some(&m.token), Some(&json!({}))).await;
        assert_eq!((s, code(&e)), (StatusCode::BAD_REQUEST, "idempotency_key_required"));
        let (s, _) = app.get_json(&format!("/api/v1/orders/{id}/refunds"), Some(&rival.token)).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }

    async fn refund_replays_return_the_same_refund(backend) {
        let app = TestApp::start(backend).await;
        let (m, _pid, vid) = store_with_product(&app, "teashop", 10).await;
        let buyer = app.user("buyer").await;
        let o = bought(&app, &buyer, "teashop", vid, 2, Some(CARD_OK)).await;
        let id = o["id"].as_i64().unwrap();
        let path = format!("/api/v1/orders/{id}/refunds");
        let body = json!({"amount": money(500, "USD"), "reason": "late"});
        let (s, first, replayed) = post_idem(&app, &m.token, &path, "same", &body).await;
        assert_eq!((s, replayed), (StatusCode::CREATED, false), "{first}");
        let (s, again, replayed) = post_idem(&app, &m.token, &path, "same", &body).await;
        assert_eq!((s, replayed), (StatusCode::CREATED, true));
        assert_eq!(again, first);
        let (s, e, _) = post_idem(&app, &m.token, &path, "same", &json!({"amount": money(600, "USD")})).await;
        assert_eq!((s, code(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused"));
        let o = order(&app, &buyer.token, id).await;
        assert_eq!(o["refunded"], money(500, "USD"), "refunded once");
    }

    async fn concurrent_refunds_never_exceed_what_was_paid(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "owner").await;
        shop(&app, &m.token, "bigshop", "USD").await;
        let p = simple_product(&app, &m.token, "bigshop", "USD", 10_000, 5).await;
        let buyer = app.user("buyer").await;
        let o = bought(&app, &buyer, "bigshop", first_variant(&p), 1, Some(CARD_OK)).await;
        let id = o["id"].as_i64().unwrap();
        let attempts = (0..10).map(|i| {
            let app = &app;
            let token = m.token.clone();
            async move { refund(app, &token, id, &format!("c{i}"), json!({"amount": money(3000, "USD")})).await }
        });
        let results = souk_test_support::futures_util::future::join_all(attempts).await;
        let ok = results.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
        let exceeded = results.iter().filter(|(s, b)| *s == StatusCode::UNPROCESSABLE_ENTITY && code(b) == "refund_exceeds_paid").count();
        assert_eq!((ok, exceeded), (3, 7), "{results:?}");
        let o = order(&app, &buyer.token, id).await;
        assert_eq!(o["refunded"], money(9000, "USD"));
        assert_eq!(o["status"], "paid");
        let admin = app.user("ops").await;
        let l = ledger(&app, &admin).await;
        assert_eq!((l["ok"].clone(), l["transactions"].clone()), (json!(true), json!(4)), "{l}");
    }

    async fn merchants_refund_from_the_order_page_form(backend) {
        let app = TestApp::start(backend).await;
        let (m, pid, vid) = store_with_product(&app, "teashop", 10).await;
        let buyer = app.user("buyer").await;
        let o = bought(&app, &buyer, "teashop", vid, 3, Some(CARD_OK)).await;
        let id = o["id"].as_i64().unwrap();
        let line = o["lines"][0]["id"].as_i64().unwrap();
        let page = format!("/s/teashop/orders/{id}/refund");

        let stranger = Browser::new(&app);
        stranger.log_in("buyer", DEFAULT_PASSWORD).await;
        let (s, _) = stranger.page(&page).await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        let b = Browser::new(&app);
        b.log_in(&m.username, DEFAULT_PASSWORD).await;
        let (s, html) = b.page(&page).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains(&format!("name=\"qty_{line}\"")), "{html}");
        assert!(html.contains("$37.50"), "refundable amount shown: {html}");

        let qty = format!("qty_{line}");
        let res = b.submit(&page, &[(qty.as_str(), "2"), ("restock", "on"), ("amount", ""), ("reason", "wrong size")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(stock_of(&app, pid).await, 9);
        let o = order(&app, &buyer.token, id).await;
        assert_eq!(o["refunded"], money(2500, "USD"));

        // Too much: the form comes back with the reason, in the reader's language.
        let res = b.submit(&page, &[("amount", "20.00")]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(html.contains("more than is left to refund"), "{html}");
        let res = b.post_form(&page, &[("amount", "1.00")]).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "no CSRF token");
    }
}
