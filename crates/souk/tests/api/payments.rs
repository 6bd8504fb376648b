//! Payments through the API on both engines: test cards that succeed, decline or wait for a signed
//! webhook (`payment_declined`, `invalid_signature`, replayed webhooks change nothing), the merchant's
//! manual "mark paid" (staff only), paying a pending order again under an Idempotency-Key, and a payment
//! that arrives after the order was cancelled (recorded and refunded, never marked paid).

use crate::checkout::{add_to_cart, address, checkout, stock_of, store_with_product};
use crate::commerce_support::{merchant, money, shop};
use souk_test_support::reqwest::{Method, StatusCode};
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{TestApp, TestUser, backend_tests, json_response};

pub const CARD_OK: &str = "4242424242424242";
pub const CARD_DECLINED: &str = "4000000000000002";
pub const CARD_NO_FUNDS: &str = "4000000000009995";
pub const CARD_3DS: &str = "4000000000003220";

pub fn pay_body(handle: &str, card: Option<&str>) -> Value {
    let payment = match card {
        Some(c) => json!({"provider": "test", "card_number": c}),
        None => json!({"provider": "manual"}),
    };
    json!({"shop": handle, "address": address("US"), "payment": payment})
}

/// Puts `qty` of `variant` in `buyer`'s cart and checks out shop `handle`; returns status and body.
pub async fn buy(
    app: &TestApp,
    buyer: &TestUser,
    handle: &str,
    variant: i64,
    qty: i64,
    card: Option<&str>,
) -> (StatusCode, Value) {
    let (s, cart) = add_to_cart(app, &buyer.token, variant, qty).await;
    assert_eq!(s, StatusCode::CREATED, "{cart}");
    let key = format!("buy-{}", souk_service::random_token(""));
    checkout(app, &buyer.token, &key, &pay_body(handle, card)).await
}

/// Like [`buy`], asserting 201.
pub async fn bought(
    app: &TestApp,
    buyer: &TestUser,
    handle: &str,
    variant: i64,
    qty: i64,
    card: Option<&str>,
) -> Value {
    let (s, order) = buy(app, buyer, handle, variant, qty, card).await;
    assert_eq!(s, StatusCode::CREATED, "{order}");
    order
}

/// POST with an Idempotency-Key; status, body and whether it was a replay.
pub async fn post_idem(
    app: &TestApp,
    token: &str,
    path: &str,
    key: &str,
    body: &Value,
) -> (StatusCode, Value, bool) {
    let res = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let replayed = res.headers().get("idempotent-replayed").is_some();
    let (s, b) = json_response(res).await;
    (s, b, replayed)
}

pub async fn order(app: &TestApp, token: &str, id: i64) -> Value {
    let (s, o) = app
        .get_json(&format!("/api/v1/orders/{id}"), Some(token))
        .await;
    assert_eq!(s, StatusCode::OK, "{o}");
    o
}

/// The ledger check as an operator sees it (makes `admin` an operator first).
pub async fn ledger(app: &TestApp, admin: &TestUser) -> Value {
    app.make_admin(&admin.username).await;
    let (s, l) = app
        .get_json("/api/v1/admin/ledger", Some(&admin.token))
        .await;
    assert_eq!(s, StatusCode::OK, "{l}");
    l
}

pub fn balance(ledger: &Value, account: &str, currency: &str) -> i64 {
    ledger["balances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["account"] == account && b["currency"] == currency)
        .map_or(0, |b| b["balance_minor"].as_i64().unwrap())
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

async fn webhook(app: &TestApp, signature: Option<&str>, body: &str) -> (StatusCode, Value) {
    let mut req = app
        .client
        .post(app.url("/api/v1/payments/webhooks/test"))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(s) = signature {
        req = req.header("Souk-Signature", s);
    }
    json_response(req.send().await.unwrap()).await
}

backend_tests! {
    async fn test_card_success_pays_the_order_and_books_the_ledger(backend) {
        let app = TestApp::builder(backend).config(|c| c.commerce.platform_fee_bps = 250).start().await;
        let (_m, pid, vid) = store_with_product(&app, "teashop", 10).await;
        let buyer = app.user("buyer").await;
        let o = bought(&app, &buyer, "teashop", vid, 2, Some(CARD_OK)).await;
        assert_eq!(o["status"], "paid", "{o}");
        assert_eq!(o["paid"], money(2500, "USD"));
        assert_eq!(o["payment"]["provider"], "test");
        assert_eq!(o["payment"]["status"], "succeeded");
        assert_eq!(stock_of(&app, pid).await, 8);
        assert!(o["events"].as_array().unwrap().iter().any(|e| e["to"] == "paid"), "{o}");

        let admin = app.user("ops").await;
        let l = ledger(&app, &admin).await;
        assert_eq!(l["ok"], true, "{l}");
        assert_eq!(l["transactions"], 1);
        assert_eq!(balance(&l, "shopper_payments", "USD"), 2500);
        // 2.5 % of $25.00 is 62.5 cents, rounded half away from zero.
        assert_eq!(balance(&l, "platform_fees", "USD"), -63);
        assert_eq!(balance(&l, "merchant_payable", "USD"), -(2500 - 63));
    }

    async fn declined_cards_cancel_the_order_and_give_everything_back(backend) {
        let app = TestApp::start(backend).await;
        let (_m, pid, vid) = store_with_product(&app, "teashop", 5).await;
        let buyer = app.user("buyer").await;
        for (card, decline) in [(CARD_DECLINED, "card_declined"), (CARD_NO_FUNDS, "insufficient_funds")] {
            let (s, e) = buy(&app, &buyer, "teashop", vid, 2, Some(card)).await;
            assert_eq!((s, code(&e)), (StatusCode::PAYMENT_REQUIRED, "payment_declined"), "{e}");
            assert_eq!(e["error"]["details"]["decline_code"], decline, "{e}");
            let id = e["error"]["details"]["order_id"].as_i64().unwrap();
            let o = order(&app, &buyer.token, id).await;
            assert_eq!(o["status"], "cancelled");
            assert_eq!(o["payment"]["status"], "failed");
            assert_eq!(o["payment"]["failure_code"], decline);
            assert_eq!(stock_of(&app, pid).await, 5, "stock released");
            // The lines went back into the cart, so the shopper can try another card.
            let (_, cart) = app.get_json("/api/v1/cart/items", Some(&buyer.token)).await;
            assert_eq!(cart["item_count"], 2, "{cart}");
            app.call(Method::DELETE, &format!("/api/v1/cart/items/{vid}"), Some(&buyer.token), None).await;
        }
        let admin = app.user("ops").await;
        let l = ledger(&app, &admin).await;
        assert_eq!((l["ok"].clone(), l["transactions"].clone()), (json!(true), json!(0)), "{l}");
    }

    async fn webhook_confirms_async_payments_once_and_checks_signatures(backend) {
        let app = TestApp::start(backend).await;
        let (_m, _pid, vid) = store_with_product(&app, "teashop", 5).await;
        let buyer = app.user("buyer").await;
        let o = bought(&app, &buyer, "teashop", vid, 1, Some(CARD_3DS)).await;
        assert_eq!(o["status"], "pending", "{o}");
        assert_eq!(o["payment"]["status"], "pending");
        let id = o["id"].as_i64().unwrap();
        let payment = o["payment"]["id"].as_i64().unwrap();

        // Unsigned, wrongly signed and malformed signatures are refused with 400.
        let body = json!({"id": "evt_x", "type": "payment.succeeded", "data": {"reference": "tp_nope"}}).to_string();
        let (s, e) = webhook(&app, None, &body).await;
        assert_eq!((s, code(&e)), (StatusCode::BAD_REQUEST, "invalid_signature"));
        let fake = format!("t={},v1={}", 1_700_000_000, "ab".repeat(32));
        let (s, e) = webhook(&app, Some(&fake), &body).await;
        assert_eq!((s, code(&e)), (StatusCode::BAD_REQUEST, "invalid_signature"));
        let (s, e) = webhook(&app, Some("t=now,v1=zz"), &body).await;
        assert_eq!((s, code(&e)), (StatusCode::BAD_REQUEST, "invalid_signature"));
        assert_eq!(order(&app, &buyer.token, id).await["status"], "pending");

        // Another shopper cannot drive the simulator for this payment.
        let other = app.user("other").await;
        let (s, _) = app.call(Method::POST, &format!("/api/v1/payments/{payment}/simulate"), Some(&other.token), Some(&json!({}))).await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        let (s, sim) = app.call(Method::POST, &format!("/api/v1/payments/{payment}/simulate"), Some(&buyer.token), Some(&json!({"outcome": "succeeded"}))).await;
        assert_eq!(s, StatusCode::OK, "{sim}");
        assert_eq!(sim["outcome"], "applied");
        let paid = order(&app, &buyer.token, id).await;
        assert_eq!(paid["status"], "paid");
        assert_eq!(paid["paid"], money(1250, "USD"));

        // The same signed event delivered again is acknowledged and changes nothing.
        let (s, r) = webhook(&app, Some(sim["signature"].as_str().unwrap()), sim["body"].as_str().unwrap()).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(r["applied"], false);
        // A tampered body with the old signature is refused.
        let tampered = sim["body"].as_str().unwrap().replace("payment.succeeded", "payment.failed");
        let (s, e) = webhook(&app, Some(sim["signature"].as_str().unwrap()), &tampered).await;
        assert_eq!((s, code(&e)), (StatusCode::BAD_REQUEST, "invalid_signature"));
        let again = order(&app, &buyer.token, id).await;
        assert_eq!((again["status"].clone(), again["paid"].clone()), (json!("paid"), money(1250, "USD")));

        let admin = app.user("ops").await;
        let l = ledger(&app, &admin).await;
        assert_eq!((l["ok"].clone(), l["transactions"].clone()), (json!(true), json!(1)), "{l}");
    }

    async fn failed_async_payment_cancels_the_order(backend) {
        let app = TestApp::start(backend).await;
        let (_m, pid, vid) = store_with_product(&app, "teashop", 5).await;
        let buyer = app.user("buyer").await;
        let o = bought(&app, &buyer, "teashop", vid, 2, Some(CARD_3DS)).await;
        assert_eq!(stock_of(&app, pid).await, 3);
        let payment = o["payment"]["id"].as_i64().unwrap();
        let (s, sim) = app.call(Method::POST, &format!("/api/v1/payments/{payment}/simulate"), Some(&buyer.token), Some(&json!({"outcome": "failed"}))).await;
        assert_eq!((s, sim["outcome"].clone()), (StatusCode::OK, json!("applied")), "{sim}");
        let o = order(&app, &buyer.token, o["id"].as_i64().unwrap()).await;
        assert_eq!(o["status"], "cancelled");
        assert_eq!(stock_of(&app, pid).await, 5);
    }

    async fn manual_payments_are_marked_paid_by_shop_staff_only(backend) {
        let app = TestApp::start(backend).await;
        let (m, _pid, vid) = store_with_product(&app, "teashop", 5).await;
        let rival = merchant(&app, "rival").await;
        shop(&app, &rival.token, "rivalshop", "USD").await;
        let buyer = app.user("buyer").await;
        let o = bought(&app, &buyer, "teashop", vid, 1, None).await;
        assert_eq!(o["status"], "pending");
        assert_eq!(o["payment"]["provider"], "manual");
        let id = o["id"].as_i64().unwrap();
        let path = format!("/api/v1/orders/{id}/mark-paid");
        for token in [&buyer.token, &rival.token] {
            let (s, e) = app.call(Method::POST, &path, Some(token), None).await;
            assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "not_found"));
        }
        let (s, _) = app.call(Method::POST, "/api/v1/orders/999999/mark-paid", Some(&m.token), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, p) = app.call(Method::POST, &path, Some(&m.token), None).await;
        assert_eq!(s, StatusCode::OK, "{p}");
        assert_eq!((p["status"].clone(), p["provider"].clone()), (json!("succeeded"), json!("manual")));
        let o = order(&app, &buyer.token, id).await;
        assert_eq!((o["status"].clone(), o["paid"].clone()), (json!("paid"), money(1250, "USD")));
        let (s, e) = app.call(Method::POST, &path, Some(&m.token), None).await;
        assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "invalid_transition"));
        let admin = app.user("ops").await;
        assert_eq!(ledger(&app, &admin).await["ok"], true);
    }

    async fn paying_again_is_idempotent_and_buyer_only(backend) {
        let app = TestApp::start(backend).await;
        let (_m, _pid, vid) = store_with_product(&app, "teashop", 5).await;
        let buyer = app.user("buyer").await;
        let o = bought(&app, &buyer, "teashop", vid, 1, None).await;
        let id = o["id"].as_i64().unwrap();
        let path = format!("/api/v1/orders/{id}/payments");
        let card = json!({"provider": "test", "card_number": CARD_OK});

        let (s, e) = app.call(Method::POST, &path, Some(&buyer.token), Some(&card)).await;
        assert_eq!((s, code(&e)), (StatusCode::BAD_REQUEST, "idempotency_key_required"));
        let other = app.user("other").await;
        let (s, _, _) = post_idem(&app, &other.token, &path, "p1", &card).await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        let (s, first, replayed) = post_idem(&app, &buyer.token, &path, "p1", &card).await;
        assert_eq!((s, replayed), (StatusCode::CREATED, false), "{first}");
        assert_eq!(first["status"], "succeeded");
        assert_eq!(first["amount"], money(1250, "USD"));
        let (s, again, replayed) = post_idem(&app, &buyer.token, &path, "p1", &card).await;
        assert_eq!((s, replayed), (StatusCode::CREATED, true));
        assert_eq!(again, first);
        let (s, e, _) = post_idem(&app, &buyer.token, &path, "p1", &json!({"provider": "manual"})).await;
        assert_eq!((s, code(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused"));
        let (s, e, _) = post_idem(&app, &buyer.token, &path, "p2", &card).await;
        assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "invalid_transition"));
        let o = order(&app, &buyer.token, id).await;
        assert_eq!(o["paid"], money(1250, "USD"), "charged once");
        let admin = app.user("ops").await;
        let l = ledger(&app, &admin).await;
        assert_eq!((l["ok"].clone(), l["transactions"].clone()), (json!(true), json!(1)), "{l}");
    }

    async fn a_payment_after_cancellation_is_refunded_not_kept(backend) {
        let app = TestApp::start(backend).await;
        let (_m, pid, vid) = store_with_product(&app, "teashop", 5).await;
        let buyer = app.user("buyer").await;
        let o = bought(&app, &buyer, "teashop", vid, 2, Some(CARD_3DS)).await;
        let id = o["id"].as_i64().unwrap();
        let payment = o["payment"]["id"].as_i64().unwrap();
        let (s, c) = app.call(Method::POST, &format!("/api/v1/orders/{id}/cancel"), Some(&buyer.token), None).await;
        assert_eq!(s, StatusCode::OK, "{c}");
        assert_eq!(stock_of(&app, pid).await, 5);

        let (s, sim) = app.call(Method::POST, &format!("/api/v1/payments/{payment}/simulate"), Some(&buyer.token), None).await;
        assert_eq!((s, sim["outcome"].clone()), (StatusCode::OK, json!("applied")), "{sim}");
        let o = order(&app, &buyer.token, id).await;
        assert_eq!(o["status"], "cancelled", "never marked paid");
        assert_eq!(o["paid"], money(2500, "USD"));
        assert_eq!(o["refunded"], money(2500, "USD"));
        assert_eq!(stock_of(&app, pid).await, 5);

        let admin = app.user("ops").await;
        let l = ledger(&app, &admin).await;
        assert_eq!((l["ok"].clone(), l["transactions"].clone()), (json!(true), json!(2)), "{l}");
        assert_eq!(balance(&l, "shopper_payments", "USD"), 0);
        assert_eq!(balance(&l, "merchant_payable", "USD"), 0);
    }

    async fn payment_inputs_and_webhook_bodies_are_checked(backend) {
        let app = TestApp::start(backend).await;
        let (_m, _pid, vid) = store_with_product(&app, "teashop", 5).await;
        let buyer = app.user("buyer").await;
        let o = bought(&app, &buyer, "teashop", vid, 1, Some(CARD_3DS)).await;
        let id = o["id"].as_i64().unwrap();
        let path = format!("/api/v1/orders/{id}/payments");
        let field_code = |e: &Value| e["error"]["details"]["fields"][0]["code"].as_str().unwrap_or("").to_owned();
        let (s, e, _) = post_idem(&app, &buyer.token, &path, "v1", &json!({"provider": "paypal"})).await;
        assert_eq!((s, field_code(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "unknown_provider".into()), "{e}");
        let (s, e, _) = post_idem(&app, &buyer.token, &path, "v2", &json!({"provider": "test", "card_number": "12ab"})).await;
        assert_eq!((s, field_code(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_card_number".into()), "{e}");
        let payment = o["payment"]["id"].as_i64().unwrap();
        let (s, e) = app.call(Method::POST, &format!("/api/v1/payments/{payment}/simulate"), Some(&buyer.token), Some(&json!({"outcome": "maybe"}))).await;
        assert_eq!((s, field_code(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_outcome".into()), "{e}");

        // Signed with the right secret, but too old, or not a readable event.
        let signer = souk_service::payments::test_card::TestCardProvider::new(&app.config.commerce.test_webhook_secret);
        let now = souk_domain::Timestamp::now().as_micros() / 1_000_000;
        let body = json!({"id": "evt_old", "type": "payment.succeeded", "data": {"reference": "tp_x"}}).to_string();
        let (s, e) = webhook(&app, Some(&signer.sign(now - 301, body.as_bytes())), &body).await;
        assert_eq!((s, code(&e)), (StatusCode::BAD_REQUEST, "invalid_signature"), "{e}");
        let (s, e) = webhook(&app, Some(&signer.sign(now, b"not json")), "not json").await;
        assert_eq!((s, code(&e)), (StatusCode::BAD_REQUEST, "invalid_payload"), "{e}");
        // A well-signed event for a payment Souk does not know is acknowledged and ignored.
        let (s, r) = webhook(&app, Some(&signer.sign(now, body.as_bytes())), &body).await;
        assert_eq!((s, r["applied"].clone()), (StatusCode::OK, json!(false)), "{r}");
        assert_eq!(order(&app, &buyer.token, id).await["status"], "pending");
    }

    async fn order_pages_confirm_retry_and_mark_payments(backend) {
        let app = TestApp::start(backend).await;
        let (m, _pid, vid) = store_with_product(&app, "teashop", 10).await;
        let buyer = app.user("buyer").await;
        let shopper = crate::support::Browser::new(&app);
        shopper.log_in("buyer", souk_test_support::DEFAULT_PASSWORD).await;

        // A test card waiting for confirmation, confirmed from the buyer's order page.
        let o = bought(&app, &buyer, "teashop", vid, 1, Some(CARD_3DS)).await;
        let id = o["id"].as_i64().unwrap();
        let (s, html) = shopper.page(&format!("/orders/{id}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains(&format!("/orders/{id}/confirm-payment")), "{html}");
        let res = shopper.submit(&format!("/orders/{id}/confirm-payment"), &[("outcome", "succeeded")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(order(&app, &buyer.token, id).await["status"], "paid");
        let res = shopper.submit(&format!("/orders/{id}/confirm-payment"), &[]).await;
        let to = res.headers()["location"].to_str().unwrap().to_owned();
        assert!(to.ends_with("error=invalid_transition"), "{to}");

        // A manual order paid by card from the page; a declined card says so.
        let o = bought(&app, &buyer, "teashop", vid, 1, None).await;
        let id = o["id"].as_i64().unwrap();
        let res = shopper.submit(&format!("/orders/{id}/pay"), &[("card_number", CARD_OK)]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(order(&app, &buyer.token, id).await["status"], "paid");
        let o = bought(&app, &buyer, "teashop", vid, 1, None).await;
        let id = o["id"].as_i64().unwrap();
        let res = shopper.submit(&format!("/orders/{id}/pay"), &[("card_number", CARD_DECLINED)]).await;
        let to = res.headers()["location"].to_str().unwrap().to_owned();
        assert!(to.ends_with("error=payment_declined"), "{to}");

        // The merchant marks a manual order paid from the shop's order page; others get 404.
        let o = bought(&app, &buyer, "teashop", vid, 1, None).await;
        let id = o["id"].as_i64().unwrap();
        let path = format!("/s/teashop/orders/{id}/mark-paid");
        let res = shopper.submit(&path, &[]).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let merchant_b = crate::support::Browser::new(&app);
        merchant_b.log_in(&m.username, souk_test_support::DEFAULT_PASSWORD).await;
        let (s, html) = merchant_b.page(&format!("/s/teashop/orders/{id}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains(&path), "{html}");
        let res = merchant_b.submit(&path, &[]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(order(&app, &buyer.token, id).await["status"], "paid");
    }
}
