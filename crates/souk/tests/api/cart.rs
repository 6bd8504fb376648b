//! The cart through the API on both engines: lines grouped by shop, quantity limits, refusals for items
//! nobody can buy, price-change flags, and logged-out cookie carts merged into the account's cart on login.

use crate::checkout::{add_to_cart, store_with_product};
use crate::commerce_support::{first_variant, merchant, money, product, shop, simple_product};
use souk_test_support::reqwest::{Client, Method, StatusCode, redirect};
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{TestApp, backend_tests, json_response};

fn code(e: &Value) -> &str {
    e["error"]["code"].as_str().unwrap_or("")
}

backend_tests! {
    async fn lines_group_by_shop_with_limits(backend) {
        let app = TestApp::start(backend).await;
        let (_m1, _, v1) = store_with_product(&app, "teashop", 10).await;
        let m2 = merchant(&app, "kimchi_owner").await;
        shop(&app, &m2.token, "kimchi", "KRW").await;
        let p2 = simple_product(&app, &m2.token, "kimchi", "KRW", 15000, 3).await;
        let v2 = first_variant(&p2);
        let buyer = app.user("buyer").await;

        assert_eq!(add_to_cart(&app, &buyer.token, v1, 2).await.0, StatusCode::CREATED);
        assert_eq!(add_to_cart(&app, &buyer.token, v1, 1).await.0, StatusCode::CREATED);
        let (s, cart) = add_to_cart(&app, &buyer.token, v2, 2).await;
        assert_eq!(s, StatusCode::CREATED);
        assert_eq!(cart["item_count"], 5);
        assert_eq!(cart["shops"][0]["shop"]["handle"], "teashop");
        assert_eq!(cart["shops"][0]["lines"][0]["quantity"], 3, "adding adds to the line");
        assert_eq!(cart["shops"][0]["subtotal"], money(3750, "USD"));
        assert_eq!(cart["shops"][1]["shop"]["currency"], "KRW");
        assert_eq!(cart["shops"][1]["subtotal"], money(30000, "KRW"));
        assert_eq!(cart["shops"][1]["lines"][0]["stock_left"], 3);

        for q in [0, -1, 100] {
            let (s, e) = add_to_cart(&app, &buyer.token, v1, q).await;
            assert_eq!((s, code(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "quantity_out_of_range"), "{q}");
        }
        let (s, e) = add_to_cart(&app, &buyer.token, v1, 97).await;
        assert_eq!((s, code(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "quantity_out_of_range"), "3 + 97 > 99");
        let (s, e) = add_to_cart(&app, &buyer.token, v2, 2).await;
        assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "out_of_stock"), "2 + 2 > 3 left");

        let (s, cart) = app.call(Method::PATCH, &format!("/api/v1/cart/items/{v1}"), Some(&buyer.token), Some(&json!({"quantity": 1}))).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(cart["item_count"], 3);
        let (s, e) = app.call(Method::PATCH, &format!("/api/v1/cart/items/{v1}"), Some(&buyer.token), Some(&json!({"quantity": 100}))).await;
        assert_eq!((s, code(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "quantity_out_of_range"));
        let (s, cart) = app.call(Method::DELETE, &format!("/api/v1/cart/items/{v2}"), Some(&buyer.token), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(cart["shops"].as_array().unwrap().len(), 1);
        let (s, _) = app.call(Method::DELETE, &format!("/api/v1/cart/items/{v2}"), Some(&buyer.token), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = add_to_cart(&app, &buyer.token, 999_999, 1).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }

    async fn unbuyable_items_are_refused(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "owner").await;
        shop(&app, &m.token, "teashop", "USD").await;
        let draft = product(&app, &m.token, "teashop", json!({"title": "Draft", "price": money(100, "USD"), "stock": 5})).await;
        let gone = product(&app, &m.token, "teashop", json!({"title": "Gone", "price": money(100, "USD"), "status": "active",
            "options": ["Size"], "variants": [{"sku": "G-1", "options": ["M"], "stock": 5, "availability": "discontinued"},
                                               {"sku": "G-2", "options": ["L"], "stock": 5, "availability": "out_of_stock"},
                                               {"sku": "G-3", "options": ["XL"], "stock": 0}]})).await;
        let archived = simple_product(&app, &m.token, "teashop", "USD", 100, 5).await;
        let (s, _) = app.call(Method::PATCH, &format!("/api/v1/products/{}", archived["id"]), Some(&m.token), Some(&json!({"status": "archived"}))).await;
        assert_eq!(s, StatusCode::OK);
        let buyer = app.user("buyer").await;
        for (vid, want) in [
            (first_variant(&draft), "not_purchasable"),
            (first_variant(&archived), "not_purchasable"),
            (gone["variants"][0]["id"].as_i64().unwrap(), "not_purchasable"),
            (gone["variants"][1]["id"].as_i64().unwrap(), "out_of_stock"),
            (gone["variants"][2]["id"].as_i64().unwrap(), "out_of_stock"),
        ] {
            let (s, e) = add_to_cart(&app, &buyer.token, vid, 1).await;
            assert_eq!((s, code(&e)), (StatusCode::CONFLICT, want), "{vid}: {e}");
        }
    }

    async fn a_cart_holds_at_most_100_lines(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "owner").await;
        shop(&app, &m.token, "bigshop", "USD").await;
        let buyer = app.user("buyer").await;
        for i in 0..101 {
            let p = product(&app, &m.token, "bigshop", json!({"title": format!("Item {i}"), "price": money(100, "USD"), "status": "active", "stock": 5})).await;
            let (s, e) = add_to_cart(&app, &buyer.token, first_variant(&p), 1).await;
            if i < 100 {
                assert_eq!(s, StatusCode::CREATED, "{i}: {e}");
            } else {
                assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "cart_full"));
            }
        }
    }

    async fn logged_out_cart_merges_on_login(backend) {
        let app = TestApp::start(backend).await;
        let (_m, _, vid) = store_with_product(&app, "teashop", 10).await;
        let buyer = app.user("buyer").await;
        add_to_cart(&app, &buyer.token, vid, 1).await;

        let browser = Client::builder().cookie_store(true).redirect(redirect::Policy::none()).build().unwrap();
        let res = browser.post(app.url("/api/v1/cart/items")).json(&json!({"variant_id": vid, "quantity": 2})).send().await.unwrap();
        let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(cookie.starts_with("souk_cart=souk_cart_"), "{cookie}");
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
        let (s, cart) = json_response(res).await;
        assert_eq!(s, StatusCode::CREATED);
        assert_eq!(cart["item_count"], 2);
        let (_, cart) = json_response(browser.get(app.url("/api/v1/cart/items")).send().await.unwrap()).await;
        assert_eq!(cart["item_count"], 2, "the cookie finds the guest cart");
        // Another browser has its own (empty) cart.
        let (_, other) = app.get_json("/api/v1/cart/items", None).await;
        assert_eq!(other["item_count"], 0);

        // Same browser, now logged in: the guest lines join the account's cart and the cookie is cleared.
        let res = browser.get(app.url("/api/v1/cart/items")).bearer_auth(&buyer.token).send().await.unwrap();
        assert!(res.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
        let (_, cart) = json_response(res).await;
        assert_eq!(cart["item_count"], 3);
        assert_eq!(cart["shops"][0]["lines"][0]["quantity"], 3);
        let (_, after) = json_response(browser.get(app.url("/api/v1/cart/items")).send().await.unwrap()).await;
        assert_eq!(after["item_count"], 0, "the guest cart is gone");
    }
}
