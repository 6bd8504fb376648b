//! Checkout through the API on both engines: a shop's cart lines become a pending order with stock taken,
//! shipping and tax from the shop's regions, every refusal code (`idempotency_key_required`, `cart_empty`,
//! `cart_changed`, `out_of_stock`, `total_changed`, `shipping_unavailable`, `checkout_mode_website`,
//! `checkout_mode_message`, `order_requests_disabled`), order-by-message requests the merchant confirms or
//! declines, and the website click-out with UTM parameters.

use crate::commerce_support::{first_variant, merchant, money, product, shop, simple_product};
use souk_test_support::reqwest::{Method, StatusCode};
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{TestApp, TestUser, backend_tests, json_response};

/// A merchant with shop `handle` (USD) and one active product with `stock` units at $12.50.
pub async fn store_with_product(app: &TestApp, handle: &str, stock: i64) -> (TestUser, i64, i64) {
    let m = merchant(app, &format!("{handle}_owner")).await;
    shop(app, &m.token, handle, "USD").await;
    let p = simple_product(app, &m.token, handle, "USD", 1250, stock).await;
    (m, p["id"].as_i64().unwrap(), first_variant(&p))
}

pub async fn add_to_cart(
    app: &TestApp,
    token: &str,
    variant_id: i64,
    quantity: i64,
) -> (StatusCode, Value) {
    app.call(
        Method::POST,
        "/api/v1/cart/items",
        Some(token),
        Some(&json!({"variant_id": variant_id, "quantity": quantity})),
    )
    .await
}

pub fn address(country: &str) -> Value {
    json!({"name": "Ada Buyer", "line1": "1 Market St", "city": "Springfield", "postal_code": "12345", "country": country})
}

pub fn checkout_body(handle: &str) -> Value {
    json!({"shop": handle, "address": address("US"), "payment": {"provider": "manual"}})
}

/// `POST /api/v1/checkout` with an Idempotency-Key.
pub async fn checkout(app: &TestApp, token: &str, key: &str, body: &Value) -> (StatusCode, Value) {
    let res = app
        .client
        .post(app.url("/api/v1/checkout"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    json_response(res).await
}

/// Current stock of a product's first variant, read through the public product API.
pub async fn stock_of(app: &TestApp, product_id: i64) -> i64 {
    let (status, p) = app
        .get_json(&format!("/api/v1/products/{product_id}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    p["variants"][0]["stock"].as_i64().unwrap()
}

backend_tests! {
    async fn checkout_creates_a_pending_order_and_takes_stock(backend) {
        let app = TestApp::start(backend).await;
        let (_m, pid, vid) = store_with_product(&app, "teashop", 10).await;
        let buyer = app.user("buyer").await;
        let (s, cart) = add_to_cart(&app, &buyer.token, vid, 3).await;
        assert_eq!(s, StatusCode::CREATED, "{cart}");
        assert_eq!(cart["item_count"], 3);
        assert_eq!(cart["shops"][0]["subtotal"], money(3750, "USD"));

        let (s, order) = checkout(&app, &buyer.token, "k1", &checkout_body("teashop")).await;
        assert_eq!(s, StatusCode::CREATED, "{order}");
        assert_eq!(order["status"], "pending");
        assert_eq!(order["total"], money(3750, "USD"));
        assert_eq!(order["shipping"], money(0, "USD"), "no regions: free shipping");
        assert_eq!(order["tax"], money(0, "USD"));
        assert_eq!(order["lines"][0]["quantity"], 3);
        assert_eq!(order["lines"][0]["title"], "Simple thing");
        assert!(order["number"].as_str().unwrap().starts_with("SOUK-"));
        assert_eq!(order["buyer"], "buyer");
        assert_eq!(order["events"][0]["to"], "pending");
        assert_eq!(stock_of(&app, pid).await, 7);

        // The shop's lines left the cart only now.
        let (_, cart) = app.get_json("/api/v1/cart/items", Some(&buyer.token)).await;
        assert_eq!(cart["item_count"], 0);
        // Nothing left to buy.
        let (s, e) = checkout(&app, &buyer.token, "k2", &checkout_body("teashop")).await;
        assert_eq!((s, e["error"]["code"].as_str().unwrap()), (StatusCode::CONFLICT, "cart_empty"));
    }

    async fn checkout_refusals_have_stable_codes(backend) {
        let app = TestApp::start(backend).await;
        let (m, _pid, vid) = store_with_product(&app, "teashop", 2).await;
        let buyer = app.user("buyer").await;
        add_to_cart(&app, &buyer.token, vid, 2).await;

        // No key.
        let (s, e) = app.call(Method::POST, "/api/v1/checkout", Some(&buyer.token), Some(&checkout_body("teashop"))).await;
        assert_eq!((s, e["error"]["code"].as_str().unwrap()), (StatusCode::BAD_REQUEST, "idempotency_key_required"));
        // Invalid key.
        let (s, e) = checkout(&app, &buyer.token, "has space", &checkout_body("teashop")).await;
        assert_eq!((s, e["error"]["code"].as_str().unwrap()), (StatusCode::BAD_REQUEST, "invalid_idempotency_key"));
        // Logged out.
        let (s, _) = app.call(Method::POST, "/api/v1/checkout", None, Some(&checkout_body("teashop"))).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        // Bad address.
        let mut body = checkout_body("teashop");
        body["address"]["country"] = json!("USA");
        body["address"]["line1"] = json!("");
        let (s, e) = checkout(&app, &buyer.token, "a1", &body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        let fields: Vec<&str> = e["error"]["details"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&"address.country") && fields.contains(&"address.line1"), "{e}");

        // Expected total differs.
        let mut body = checkout_body("teashop");
        body["expected_total"] = money(100, "USD");
        let (s, e) = checkout(&app, &buyer.token, "t1", &body).await;
        assert_eq!((s, e["error"]["code"].as_str().unwrap()), (StatusCode::CONFLICT, "total_changed"));
        assert_eq!(e["error"]["details"]["total"], money(2500, "USD"));

        // Price changed since adding: 409 cart_changed, then the retry goes through at the new price.
        let (s, _) = app.call(Method::PATCH, &format!("/api/v1/variants/{vid}"), Some(&m.token), Some(&json!({"price": money(1500, "USD")}))).await;
        assert_eq!(s, StatusCode::OK);
        let (_, cart) = app.get_json("/api/v1/cart/items", Some(&buyer.token)).await;
        assert_eq!(cart["shops"][0]["lines"][0]["price_changed"], true);
        assert_eq!(cart["shops"][0]["lines"][0]["added_price"], money(1250, "USD"));
        assert_eq!(cart["shops"][0]["lines"][0]["unit_price"], money(1500, "USD"));
        let (s, e) = checkout(&app, &buyer.token, "p1", &checkout_body("teashop")).await;
        assert_eq!((s, e["error"]["code"].as_str().unwrap()), (StatusCode::CONFLICT, "cart_changed"));
        assert_eq!(e["error"]["details"]["lines"][0]["variant_id"], vid);

        // Stock fell below the cart's quantity.
        let (s, _) = app.call(Method::PATCH, &format!("/api/v1/variants/{vid}"), Some(&m.token), Some(&json!({"stock": 1}))).await;
        assert_eq!(s, StatusCode::OK);
        let (s, e) = checkout(&app, &buyer.token, "p2", &checkout_body("teashop")).await;
        assert_eq!((s, e["error"]["code"].as_str().unwrap()), (StatusCode::CONFLICT, "out_of_stock"), "{e}");
        assert_eq!(e["error"]["details"]["lines"][0]["stock_left"], 1);

        let (s, order) = {
            app.call(Method::PATCH, &format!("/api/v1/cart/items/{vid}"), Some(&buyer.token), Some(&json!({"quantity": 1}))).await;
            checkout(&app, &buyer.token, "p3", &checkout_body("teashop")).await
        };
        assert_eq!(s, StatusCode::CREATED, "{order}");
        assert_eq!(order["total"], money(1500, "USD"));
    }

    async fn regions_price_shipping_and_tax(backend) {
        let app = TestApp::start(backend).await;
        let (m, _pid, vid) = store_with_product(&app, "teashop", 50).await;
        let (s, region) = app.call(Method::POST, "/api/v1/shops/teashop/regions", Some(&m.token), Some(&json!({
            "name": "North America", "countries": ["US", "ca"], "tax_bps": 1000,
            "rates": [
                {"name": "Standard", "kind": "flat", "amount": money(500, "USD"), "free_over": money(10000, "USD")},
                {"name": "Express", "kind": "flat", "amount": money(1500, "USD")},
            ]
        }))).await;
        assert_eq!(s, StatusCode::CREATED, "{region}");
        assert_eq!(region["countries"], json!(["US", "CA"]));
        let express = region["rates"].as_array().unwrap().iter().find(|r| r["name"] == "Express").unwrap()["id"].as_i64().unwrap();

        // Invalid regions are refused; other people's shops are not found.
        let (s, _) = app.call(Method::POST, "/api/v1/shops/teashop/regions", Some(&m.token), Some(&json!({
            "name": "Bad", "countries": ["XYZ"], "tax_bps": 20000, "rates": []}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let stranger = app.user("stranger").await;
        let (s, _) = app.get_json("/api/v1/shops/teashop/regions", Some(&stranger.token)).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let rid = region["id"].as_i64().unwrap();
        let (s, _) = app.call(Method::DELETE, &format!("/api/v1/regions/{rid}"), Some(&stranger.token), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        let buyer = app.user("buyer").await;
        add_to_cart(&app, &buyer.token, vid, 2).await;
        // Not shipped to Germany.
        let mut body = checkout_body("teashop");
        body["address"] = address("DE");
        let (s, e) = checkout(&app, &buyer.token, "de", &body).await;
        assert_eq!((s, e["error"]["code"].as_str().unwrap()), (StatusCode::UNPROCESSABLE_ENTITY, "shipping_unavailable"));
        // A rate id that is not offered for this address.
        let mut body = checkout_body("teashop");
        body["shipping_rate_id"] = json!(999_999);
        let (s, e) = checkout(&app, &buyer.token, "bad-rate", &body).await;
        assert_eq!((s, e["error"]["code"].as_str().unwrap()), (StatusCode::UNPROCESSABLE_ENTITY, "shipping_unavailable"));

        let mut body = checkout_body("teashop");
        body["shipping_rate_id"] = json!(express);
        body["expected_total"] = money(2500 + 1500 + 250, "USD");
        let (s, order) = checkout(&app, &buyer.token, "ok", &body).await;
        assert_eq!(s, StatusCode::CREATED, "{order}");
        assert_eq!(order["subtotal"], money(2500, "USD"));
        assert_eq!(order["shipping"], money(1500, "USD"));
        assert_eq!(order["tax"], money(250, "USD"));
        assert_eq!(order["shipping_method"], "Express");

        // Weight bands and free shipping over a subtotal.
        let (s, r) = app.call(Method::PATCH, &format!("/api/v1/regions/{rid}"), Some(&m.token), Some(&json!({
            "name": "North America", "countries": ["US"], "tax_bps": 0,
            "rates": [{"name": "Light", "kind": "weight", "amount": money(300, "USD"), "min_grams": 0, "max_grams": 1000},
                      {"name": "Free", "kind": "flat", "amount": money(900, "USD"), "free_over": money(5000, "USD")}]
        }))).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        add_to_cart(&app, &buyer.token, vid, 4).await;
        let (s, order) = checkout(&app, &buyer.token, "free", &checkout_body("teashop")).await;
        assert_eq!(s, StatusCode::CREATED, "{order}");
        assert_eq!(order["shipping"], money(0, "USD"), "cheapest: free over $50 beats the weight band");
        let (s, _) = app.call(Method::DELETE, &format!("/api/v1/regions/{rid}"), Some(&m.token), None).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
    }

    async fn website_mode_clicks_out_with_utm(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "webowner").await;
        let (s, _) = app.call(Method::POST, "/api/v1/shops", Some(&m.token), Some(&json!({
            "handle": "webshop", "name": "Web", "currency": "USD", "checkout_mode": "website",
            "website_url": "https://shop.example.com"}))).await;
        assert_eq!(s, StatusCode::CREATED);
        let p = product(&app, &m.token, "webshop", json!({"title": "Lamp", "price": money(9900, "USD"),
            "status": "active", "stock": 3, "external_url": "https://shop.example.com/lamp?ref=x"})).await;
        let pid = p["id"].as_i64().unwrap();
        let res = app.get(&format!("/go/{pid}")).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            res.headers()["location"].to_str().unwrap(),
            format!("https://shop.example.com/lamp?ref=x&utm_source=souk&utm_medium=social&utm_campaign=webshop&utm_content={pid}")
        );
        assert_eq!(click_count(&app, pid).await, 1);

        // The cart and checkout refuse website-mode products.
        let buyer = app.user("buyer").await;
        let (s, e) = add_to_cart(&app, &buyer.token, first_variant(&p), 1).await;
        assert_eq!((s, e["error"]["code"].as_str().unwrap()), (StatusCode::CONFLICT, "checkout_mode_website"));
        // Products sold on Souk have no click-out.
        let (_m2, pid2, _) = store_with_product(&app, "soukshop", 1).await;
        assert_eq!(app.get(&format!("/go/{pid2}")).await.status(), StatusCode::NOT_FOUND);
    }

    async fn order_requests_are_confirmed_or_declined(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "msgowner").await;
        let (s, _) = app.call(Method::POST, "/api/v1/shops", Some(&m.token), Some(&json!({
            "handle": "msgshop", "name": "Msg", "currency": "KRW", "checkout_mode": "message"}))).await;
        assert_eq!(s, StatusCode::CREATED);
        let p = simple_product(&app, &m.token, "msgshop", "KRW", 15000, 1).await;
        let vid = first_variant(&p);
        let pid = p["id"].as_i64().unwrap();
        let buyer = app.user("buyer").await;
        add_to_cart(&app, &buyer.token, vid, 1).await;

        let (s, e) = checkout(&app, &buyer.token, "c", &checkout_body("msgshop")).await;
        assert_eq!((s, e["error"]["code"].as_str().unwrap()), (StatusCode::CONFLICT, "checkout_mode_message"));
        let (s, req) = app.call(Method::POST, "/api/v1/shops/msgshop/order-requests", Some(&buyer.token), Some(&json!({"note": "Gift wrap please"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{req}");
        assert_eq!(req["status"], "requested");
        assert_eq!(req["total"], money(15000, "KRW"));
        assert_eq!(req["note"], "Gift wrap please");
        assert_eq!(stock_of(&app, pid).await, 1, "no stock taken before confirmation");
        let id = req["id"].as_i64().unwrap();

        // Only staff confirm; the buyer gets 404 on merchant actions.
        let (s, _) = app.call(Method::POST, &format!("/api/v1/orders/{id}/confirm"), Some(&buyer.token), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, o) = app.call(Method::POST, &format!("/api/v1/orders/{id}/confirm"), Some(&m.token), None).await;
        assert_eq!(s, StatusCode::OK, "{o}");
        assert_eq!(o["status"], "pending");
        assert_eq!(stock_of(&app, pid).await, 0);
        let (s, e) = app.call(Method::POST, &format!("/api/v1/orders/{id}/decline"), Some(&m.token), None).await;
        assert_eq!((s, e["error"]["code"].as_str().unwrap()), (StatusCode::CONFLICT, "invalid_transition"));

        // A second request for a sold-out item: confirming is out_of_stock, declining cancels.
        let (s, _) = app.call(Method::PATCH, &format!("/api/v1/variants/{vid}"), Some(&m.token), Some(&json!({"stock": 1}))).await;
        assert_eq!(s, StatusCode::OK);
        add_to_cart(&app, &buyer.token, vid, 1).await;
        let (_, req2) = app.call(Method::POST, "/api/v1/shops/msgshop/order-requests", Some(&buyer.token), Some(&json!({}))).await;
        let id2 = req2["id"].as_i64().unwrap();
        let (s, _) = app.call(Method::PATCH, &format!("/api/v1/variants/{vid}"), Some(&m.token), Some(&json!({"stock": 0}))).await;
        assert_eq!(s, StatusCode::OK);
        let (s, e) = app.call(Method::POST, &format!("/api/v1/orders/{id2}/confirm"), Some(&m.token), None).await;
        assert_eq!((s, e["error"]["code"].as_str().unwrap()), (StatusCode::CONFLICT, "out_of_stock"));
        let (s, o) = app.call(Method::POST, &format!("/api/v1/orders/{id2}/decline"), Some(&m.token), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(o["status"], "cancelled");

        // A souk-mode shop does not take order requests.
        let (_m2, _, vid3) = store_with_product(&app, "soukshop", 5).await;
        add_to_cart(&app, &buyer.token, vid3, 1).await;
        let (s, e) = app.call(Method::POST, "/api/v1/shops/soukshop/order-requests", Some(&buyer.token), Some(&json!({}))).await;
        assert_eq!((s, e["error"]["code"].as_str().unwrap()), (StatusCode::CONFLICT, "order_requests_disabled"));
    }
}

/// Rows in checkout_clicks for a product, read straight from the app's database.
pub async fn click_count(app: &TestApp, product_id: i64) -> i64 {
    let db = open_db(app).await;
    let mut h = db.read().await.unwrap();
    let n: i64 = match h.conn() {
        souk_store::Conn::Sqlite(c) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM checkout_clicks WHERE product_id = $1")
                .bind(product_id)
                .fetch_one(&mut *c)
                .await
                .unwrap()
        }
        souk_store::Conn::Postgres(c) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM checkout_clicks WHERE product_id = $1")
                .bind(product_id)
                .fetch_one(&mut *c)
                .await
                .unwrap()
        }
    };
    drop(h);
    db.close().await;
    n
}

/// The app's own database, for what the public surface does not show (click counts) and for running
/// the reservation job at a chosen time.
pub async fn open_db(app: &TestApp) -> souk_store::Db {
    let opts = souk_store::ConnectOptions {
        max_connections: 2,
        pg_schema: (!app.config.database_schema.is_empty())
            .then(|| app.config.database_schema.clone()),
        ..souk_store::ConnectOptions::default()
    };
    souk_store::Db::connect(&app.config.database_url(), &opts)
        .await
        .unwrap()
}
