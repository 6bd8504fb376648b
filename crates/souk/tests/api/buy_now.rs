//! "Buy now" checkout on both engines: one variant bought on its own without touching the cart, the same
//! refusals as a cart checkout (another shop's variant is 404, a draft is `not_purchasable`, too many is
//! `out_of_stock` with nothing taken), and no oversell when many buyers race for the last units.

use crate::checkout::{add_to_cart, address, checkout, stock_of, store_with_product};
use crate::commerce_support::{first_variant, simple_product};
use souk_test_support::futures_util::future::join_all;
use souk_test_support::reqwest::StatusCode;
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{TestApp, backend_tests};

fn buy_now(handle: &str, variant_id: i64, quantity: i64) -> Value {
    json!({"shop": handle, "address": address("US"),
        "payment": {"provider": "test", "card_number": "4242424242424242"},
        "buy_now": {"variant_id": variant_id, "quantity": quantity}})
}

backend_tests! {
    async fn buy_now_leaves_the_cart_alone(backend) {
        let app = TestApp::start(backend).await;
        let (m, pid, vid) = store_with_product(&app, "nowshop", 5).await;
        let other = simple_product(&app, &m.token, "nowshop", "USD", 300, 9).await;
        let buyer = app.user("nowbuyer").await;
        add_to_cart(&app, &buyer.token, first_variant(&other), 2).await;

        let (s, order) = checkout(&app, &buyer.token, "now-1", &buy_now("nowshop", vid, 2)).await;
        assert_eq!(s, StatusCode::CREATED, "{order}");
        assert_eq!(order["status"], "paid");
        assert_eq!(order["lines"].as_array().unwrap().len(), 1);
        assert_eq!(order["total"]["amount_minor"], 2500);
        assert_eq!(stock_of(&app, pid).await, 3);
        let (_, cart) = app.get_json("/api/v1/cart/items", Some(&buyer.token)).await;
        assert_eq!(cart["item_count"], 2, "the cart still holds the other item: {cart}");
    }

    async fn buy_now_refusals(backend) {
        let app = TestApp::start(backend).await;
        let (m, _pid, vid) = store_with_product(&app, "nowrules", 2).await;
        let (_, _, foreign) = store_with_product(&app, "elsewhere", 2).await;
        let buyer = app.user("nowrulesbuyer").await;
        let code = |b: &Value| b["error"]["code"].as_str().unwrap_or_default().to_owned();

        let (s, e) = checkout(&app, &buyer.token, "r1", &buy_now("nowrules", foreign, 1)).await;
        assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "not_found".to_owned()), "another shop's variant");
        let (s, e) = checkout(&app, &buyer.token, "r2", &buy_now("nowrules", vid, 3)).await;
        assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "out_of_stock".to_owned()));
        let (s, e) = checkout(&app, &buyer.token, "r3", &buy_now("nowrules", vid, 0)).await;
        assert_eq!((s, code(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "quantity_out_of_range".to_owned()));
        let draft = crate::commerce_support::product(&app, &m.token, "nowrules", json!({
            "title": "Not yet", "price": {"amount_minor": 100, "currency": "USD"}, "stock": 5})).await;
        let (s, e) = checkout(&app, &buyer.token, "r4", &buy_now("nowrules", first_variant(&draft), 1)).await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        assert_eq!(code(&e), "not_purchasable");
        let (_, p) = app.get_json("/api/v1/shops/nowrules/products", Some(&m.token)).await;
        let stocks: Vec<i64> = p["items"].as_array().unwrap().iter().map(|x| x["variants"][0]["stock"].as_i64().unwrap()).collect();
        assert!(stocks.contains(&2) && stocks.contains(&5), "nothing taken: {stocks:?}");
    }

    async fn buy_now_never_oversells(backend) {
        let app = TestApp::start(backend).await;
        let (_m, pid, vid) = store_with_product(&app, "hotshop", 4).await;
        let names: Vec<String> = (0..30).map(|i| format!("hot{i}")).collect();
        let buyers = join_all(names.iter().map(|n| app.user(n))).await;
        let results = join_all(buyers.iter().enumerate().map(|(i, b)| {
            let app = &app;
            async move { checkout(app, &b.token, &format!("hot-{i}"), &buy_now("hotshop", vid, 1)).await }
        }))
        .await;
        let ok = results.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
        let sold_out = results
            .iter()
            .filter(|(s, b)| *s == StatusCode::CONFLICT && b["error"]["code"] == "out_of_stock")
            .count();
        assert_eq!((ok, sold_out), (4, 26), "{results:?}");
        assert_eq!(stock_of(&app, pid).await, 0);
    }
}
