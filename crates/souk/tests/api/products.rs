//! Products: prices in the shop's currency as integer minor units (KRW without decimals), variants with
//! option axes, SKU and item-id uniqueness per shop, stock or "not tracked", draft visibility, compare-at
//! rules, safe Markdown descriptions, photos, and cross-shop access answered with 404.

use crate::commerce_support::*;
use crate::social_support::*;
use souk_test_support::reqwest::{Method, StatusCode};
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{TestApp, backend_tests, jpeg};

async fn patch(app: &TestApp, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    app.call(Method::PATCH, path, Some(token), Some(&body))
        .await
}

backend_tests! {
    async fn creates_a_product_with_variants_and_reads_it_back(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "tees").await;
        shop(&app, &m.token, "tee-shop", "USD").await;
        let p = product(&app, &m.token, "tee-shop", json!({
            "title": "Linen tee",
            "description": "Soft **linen**.",
            "price": money(2500, "USD"),
            "compare_at_price": money(3000, "USD"),
            "status": "active",
            "brand": "Souk Basics",
            "condition": "new",
            "product_type": "Apparel > Tops",
            "google_category": "Apparel & Accessories > Clothing > Shirts & Tops",
            "gender": "unisex",
            "age_group": "adult",
            "tags": ["summer", "linen"],
            "custom_labels": ["sale", "", "", "", "q3"],
            "item_id": "TEE-1",
            "weight_grams": 180,
            "options": ["Colour", "Size"],
            "variants": [
                {"sku": "TEE-RED-M", "options": ["Red", "M"], "stock": 5},
                {"sku": "TEE-RED-L", "options": ["Red", "L"], "price": money(2700, "USD"), "stock": 0},
                {"sku": "TEE-BLUE-M", "options": ["Blue", "M"], "availability": "preorder"},
            ],
        })).await;
        assert_eq!(p["title"], "Linen tee");
        assert_eq!(p["shop"]["handle"], "tee-shop");
        assert_eq!(p["price"], money(2500, "USD"));
        assert_eq!(p["compare_at_price"], money(3000, "USD"));
        assert_eq!(p["description_html"], "<p>Soft <strong>linen</strong>.</p>\n");
        assert_eq!(p["options"], json!(["Colour", "Size"]));
        assert_eq!(p["tags"], json!(["summer", "linen"]));
        assert_eq!(p["custom_labels"][4], "q3");
        assert_eq!(p["checkout_mode"], "souk");
        let v = p["variants"].as_array().unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(v[0]["title"], "Red / M");
        assert_eq!(v[0]["stock"], 5);
        assert_eq!(v[0]["purchasable"], true);
        assert_eq!(v[1]["price"], money(2700, "USD"));
        assert_eq!(v[1]["availability"], "out_of_stock");
        assert_eq!(v[1]["purchasable"], false);
        assert_eq!(v[2]["track_inventory"], false);
        assert!(v[2]["stock"].is_null());
        assert_eq!(v[2]["availability"], "preorder");
        assert_eq!(v[2]["purchasable"], true);

        let id = p["id"].as_i64().unwrap();
        let got = get_ok(&app, None, &format!("/api/v1/products/{id}")).await;
        assert_eq!(got["variants"], p["variants"]);
        let shop = get_ok(&app, None, "/api/v1/shops/tee-shop").await;
        assert_eq!(shop["product_count"], 1);
        let list = get_ok(&app, None, "/api/v1/shops/tee-shop/products").await;
        assert_eq!(ids(&list), vec![id]);
    }

    async fn default_variant_and_variant_patch(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "won").await;
        shop(&app, &m.token, "won-shop", "KRW").await;
        let p = product(&app, &m.token, "won-shop", json!({
            "title": "Kimchi", "price": money(15000, "KRW"), "status": "active", "stock": 3, "item_id": "KIM-1"
        })).await;
        assert_eq!(p["variants"].as_array().unwrap().len(), 1);
        assert_eq!(p["variants"][0]["sku"], "KIM-1");
        assert_eq!(p["variants"][0]["title"], "");
        assert_eq!(p["variants"][0]["stock"], 3);
        assert_eq!(p["price"], money(15000, "KRW"));
        let vid = first_variant(&p);

        let (s, b) = patch(&app, &m.token, &format!("/api/v1/variants/{vid}"), json!({"stock": 10, "price": money(14000, "KRW")})).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["stock"], 10);
        assert_eq!(b["price"], money(14000, "KRW"));
        let (s, b) = patch(&app, &m.token, &format!("/api/v1/variants/{vid}"), json!({"stock": null})).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["track_inventory"], false);
        assert!(b["stock"].is_null());

        let other = merchant(&app, "other").await;
        shop(&app, &other.token, "other-shop", "KRW").await;
        let (s, b) = patch(&app, &other.token, &format!("/api/v1/variants/{vid}"), json!({"stock": 0})).await;
        assert_error(s, &b, StatusCode::NOT_FOUND, "not_found");
    }
}
