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

    async fn prices_follow_the_shop_currency_and_compare_at_rules(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "prices").await;
        shop(&app, &m.token, "krw-shop", "KRW").await;
        let (s, b) = post(&app, &m.token, "/api/v1/shops/krw-shop/products",
            json!({"title": "Tea", "price": money(1500, "USD")})).await;
        assert_field_error(s, &b, "price", "currency_mismatch");
        let (s, b) = post(&app, &m.token, "/api/v1/shops/krw-shop/products",
            json!({"title": "Tea", "price": money(15000, "KRW"), "compare_at_price": money(15000, "KRW")})).await;
        assert_field_error(s, &b, "compare_at_price", "compare_at_not_above_price");
        let (s, b) = post(&app, &m.token, "/api/v1/shops/krw-shop/products",
            json!({"title": "Tea", "price": money(-1, "KRW")})).await;
        assert_field_error(s, &b, "price", "negative_amount");
        let (s, b) = post(&app, &m.token, "/api/v1/shops/krw-shop/products", json!({"price": money(1, "KRW")})).await;
        assert_field_error(s, &b, "title", "required");
        let (s, b) = post(&app, &m.token, "/api/v1/shops/krw-shop/products", json!({"title": "No price"})).await;
        assert_field_error(s, &b, "price", "required");

        let p = product(&app, &m.token, "krw-shop", json!({
            "title": "Tea", "price": money(15000, "KRW"), "compare_at_price": money(18000, "KRW"),
            "options": ["Size"], "variants": [{"sku": "T-S", "options": ["S"]}, {"sku": "T-L", "options": ["L"], "price": money(17000, "KRW")}]
        })).await;
        assert_eq!(p["price"], money(15000, "KRW"));
        assert_eq!(p["variants"][1]["price"], money(17000, "KRW"));
        assert_eq!(p["variants"][1]["compare_at_price"], money(18000, "KRW"));
        let vid = p["variants"][1]["id"].as_i64().unwrap();
        let (s, b) = patch(&app, &m.token, &format!("/api/v1/variants/{vid}"), json!({"compare_at_price": money(16000, "KRW")})).await;
        assert_field_error(s, &b, "compare_at_price", "compare_at_not_above_price");
        let id = p["id"].as_i64().unwrap();
        let (s, b) = patch(&app, &m.token, &format!("/api/v1/products/{id}"), json!({"price": money(20000, "KRW")})).await;
        assert_field_error(s, &b, "compare_at_price", "compare_at_not_above_price");
        let (s, b) = patch(&app, &m.token, &format!("/api/v1/products/{id}"), json!({"compare_at_price": null, "price": money(20000, "KRW")})).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert!(b["compare_at_price"].is_null());
        assert_eq!(b["variants"][0]["price"], money(20000, "KRW"));

        // Minor units stay integers: 3 yen is 3, not 0.03.
        let jm = merchant(&app, "yen").await;
        shop(&app, &jm.token, "yen-shop", "JPY").await;
        let y = product(&app, &jm.token, "yen-shop", json!({"title": "Candy", "price": money(3, "JPY")})).await;
        assert_eq!(y["price"], money(3, "JPY"));
    }

    async fn skus_and_item_ids_are_unique_per_shop(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "skus").await;
        shop(&app, &m.token, "sku-shop", "USD").await;
        let a = product(&app, &m.token, "sku-shop", json!({"title": "A", "price": money(100, "USD"), "item_id": "ITEM-1",
            "options": ["Size"], "variants": [{"sku": "SKU-1", "options": ["S"]}]})).await;
        let (s, b) = post(&app, &m.token, "/api/v1/shops/sku-shop/products", json!({"title": "B", "price": money(100, "USD"),
            "options": ["Size"], "variants": [{"sku": "sku-1", "options": ["S"]}]})).await;
        assert_error(s, &b, StatusCode::CONFLICT, "sku_taken");
        let (s, b) = post(&app, &m.token, "/api/v1/shops/sku-shop/products", json!({"title": "B", "price": money(100, "USD"),
            "options": ["Size"], "variants": [{"sku": "X-1", "options": ["S"]}, {"sku": "X-1", "options": ["M"]}]})).await;
        assert_error(s, &b, StatusCode::CONFLICT, "sku_taken");
        let (s, b) = post(&app, &m.token, "/api/v1/shops/sku-shop/products", json!({"title": "B", "price": money(100, "USD"), "item_id": "item-1"})).await;
        assert_error(s, &b, StatusCode::CONFLICT, "item_id_taken");
        let aid = a["id"].as_i64().unwrap();
        let (s, b) = post(&app, &m.token, &format!("/api/v1/products/{aid}/variants"), json!({"sku": "SKU-1", "options": ["M"]})).await;
        assert_error(s, &b, StatusCode::CONFLICT, "sku_taken");
        let (s, v) = post(&app, &m.token, &format!("/api/v1/products/{aid}/variants"), json!({"sku": "SKU-2", "options": ["M"], "stock": 4})).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(v["title"], "M");
        assert_eq!(v["stock"], 4);
        let (s, b) = patch(&app, &m.token, &format!("/api/v1/variants/{}", v["id"]), json!({"sku": "SKU-1"})).await;
        assert_error(s, &b, StatusCode::CONFLICT, "sku_taken");
        let b2 = product(&app, &m.token, "sku-shop", json!({"title": "B", "price": money(100, "USD"), "item_id": "ITEM-2"})).await;
        let (s, b) = patch(&app, &m.token, &format!("/api/v1/products/{}", b2["id"]), json!({"item_id": "Item-1"})).await;
        assert_error(s, &b, StatusCode::CONFLICT, "item_id_taken");

        // Another shop may reuse both.
        let other = merchant(&app, "other").await;
        shop(&app, &other.token, "other-shop", "USD").await;
        product(&app, &other.token, "other-shop", json!({"title": "A", "price": money(100, "USD"), "item_id": "ITEM-1",
            "options": ["Size"], "variants": [{"sku": "SKU-1", "options": ["S"]}]})).await;
    }

    async fn variant_axes_and_validation(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "axes").await;
        shop(&app, &m.token, "axes-shop", "EUR").await;
        let base = |extra: Value| {
            let mut b = json!({"title": "Shoe", "price": money(5000, "EUR")});
            for (k, v) in extra.as_object().unwrap() { b[k] = v.clone(); }
            b
        };
        let (s, b) = post(&app, &m.token, "/api/v1/shops/axes-shop/products",
            base(json!({"options": ["A", "B", "C", "D"], "variants": [{"options": ["1", "2", "3", "4"]}]}))).await;
        assert_field_error(s, &b, "options", "too_many_options");
        let (s, b) = post(&app, &m.token, "/api/v1/shops/axes-shop/products",
            base(json!({"options": ["Colour", "Size"], "variants": [{"sku": "S1", "options": ["Red"]}]}))).await;
        assert_field_error(s, &b, "options", "options_mismatch");
        let (s, b) = post(&app, &m.token, "/api/v1/shops/axes-shop/products",
            base(json!({"options": ["Colour"], "variants": [{"sku": "S1", "options": ["Red"]}, {"sku": "S2", "options": ["red"]}]}))).await;
        assert_field_error(s, &b, "variants", "duplicate_variant");
        let (s, b) = post(&app, &m.token, "/api/v1/shops/axes-shop/products", base(json!({"options": ["Colour"]}))).await;
        assert_field_error(s, &b, "variants", "variants_required");
        let (s, b) = post(&app, &m.token, "/api/v1/shops/axes-shop/products",
            base(json!({"options": ["Colour"], "variants": [{"sku": "S1", "options": ["Red"], "availability": "in stock", "stock": -1}]}))).await;
        assert_field_error(s, &b, "availability", "invalid_choice");
        assert_field_error(s, &b, "stock", "invalid_stock");
        let (s, b) = post(&app, &m.token, "/api/v1/shops/axes-shop/products",
            base(json!({"external_url": "javascript:alert(1)", "tags": (0..21).map(|i| format!("t{i}")).collect::<Vec<_>>(),
                "custom_labels": ["a", "b", "c", "d", "e", "f"], "condition": "broken", "gender": "x", "age_group": "old"}))).await;
        assert_field_error(s, &b, "external_url", "invalid_url");
        assert_field_error(s, &b, "tags", "too_many_tags");
        assert_field_error(s, &b, "custom_labels", "too_many_labels");
        assert_field_error(s, &b, "condition", "invalid_choice");
        assert_field_error(s, &b, "gender", "invalid_choice");
        assert_field_error(s, &b, "age_group", "invalid_choice");
        let (s, b) = post(&app, &m.token, "/api/v1/shops/axes-shop/products", base(json!({"checkout_mode": "website"}))).await;
        assert_field_error(s, &b, "external_url", "required_for_website");

        let p = product(&app, &m.token, "axes-shop", base(json!({
            "options": ["Colour", "Size", "Width"], "checkout_mode": "website", "external_url": "https://shoes.example/x",
            "variants": [{"options": ["Red", "42", "Wide"]}, {"options": ["Blue", "42", "Wide"], "stock": null}]}))).await;
        assert_eq!(p["checkout_mode"], "website");
        assert_eq!(p["variants"][0]["title"], "Red / 42 / Wide");
        assert_eq!(p["variants"][0]["sku"], format!("P{}-1", p["id"]));
        assert_eq!(p["variants"][1]["track_inventory"], false);
        let id = p["id"].as_i64().unwrap();
        let (s, b) = post(&app, &m.token, &format!("/api/v1/products/{id}/variants"), json!({"options": ["Red", "42", "Wide"]})).await;
        assert_field_error(s, &b, "variants", "duplicate_variant");
        let v0 = p["variants"][0]["id"].as_i64().unwrap();
        let v1 = p["variants"][1]["id"].as_i64().unwrap();
        let (s, _) = app.call(Method::DELETE, &format!("/api/v1/variants/{v0}"), Some(&m.token), None).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, b) = app.call(Method::DELETE, &format!("/api/v1/variants/{v1}"), Some(&m.token), None).await;
        assert_error(s, &b, StatusCode::CONFLICT, "last_variant");
        // Dropping an axis keeps the remaining values.
        let (s, b) = patch(&app, &m.token, &format!("/api/v1/products/{id}"), json!({"options": ["Colour", "Size"], "checkout_mode": null})).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["variants"][0]["title"], "Blue / 42");
        assert_eq!(b["checkout_mode"], "souk");
    }

    async fn drafts_and_archived_products_are_staff_only(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "drafty").await;
        shop(&app, &m.token, "drafty", "USD").await;
        let shopper = app.user("shopper").await;
        let d = product(&app, &m.token, "drafty", json!({"title": "Secret", "price": money(100, "USD")})).await;
        let id = d["id"].as_i64().unwrap();
        let path = format!("/api/v1/products/{id}");
        assert_eq!(status_of(&app, None, &path).await, StatusCode::NOT_FOUND);
        assert_eq!(status_of(&app, Some(&shopper.token), &path).await, StatusCode::NOT_FOUND);
        assert_eq!(status_of(&app, Some(&m.token), &path).await, StatusCode::OK);
        assert!(ids(&get_ok(&app, None, "/api/v1/shops/drafty/products").await).is_empty());
        assert!(ids(&get_ok(&app, None, "/api/v1/shops/drafty/products?status=draft").await).is_empty());
        assert_eq!(ids(&get_ok(&app, Some(&m.token), "/api/v1/shops/drafty/products?status=draft").await), vec![id]);
        assert_eq!(get_ok(&app, None, "/api/v1/shops/drafty").await["product_count"], 0);
        assert_eq!(d["variants"][0]["purchasable"], false);

        let (s, b) = patch(&app, &m.token, &path, json!({"status": "active"})).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(status_of(&app, None, &path).await, StatusCode::OK);
        assert_eq!(get_ok(&app, None, "/api/v1/shops/drafty").await["product_count"], 1);
        let second = simple_product(&app, &m.token, "drafty", "USD", 500, 1).await;
        assert_eq!(get_ok(&app, None, "/api/v1/shops/drafty").await["product_count"], 2);
        let (s, _) = patch(&app, &m.token, &path, json!({"status": "archived"})).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(status_of(&app, Some(&shopper.token), &path).await, StatusCode::NOT_FOUND);
        assert_eq!(get_ok(&app, None, "/api/v1/shops/drafty").await["product_count"], 1);
        let (s, _) = app.call(Method::DELETE, &format!("/api/v1/products/{}", second["id"]), Some(&m.token), None).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        assert_eq!(get_ok(&app, None, "/api/v1/shops/drafty").await["product_count"], 0);
    }

    async fn descriptions_are_rendered_as_safe_markdown(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "mdshop").await;
        shop(&app, &m.token, "md-shop", "USD").await;
        let p = product(&app, &m.token, "md-shop", json!({"title": "X", "price": money(100, "USD"), "status": "active",
            "description": "<script>alert('x')</script>\n\n[ok](https://a.example) [bad](javascript:alert(1)) ![img](https://t.example/p.png)"})).await;
        let html = p["description_html"].as_str().unwrap();
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(html.contains(r#"<a href="https://a.example" rel="nofollow ugc noopener">ok</a>"#), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert_eq!(p["description"].as_str().unwrap().lines().next().unwrap(), "<script>alert('x')</script>");
    }

    async fn photos_go_through_the_image_pipeline(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "photos").await;
        shop(&app, &m.token, "photo-shop", "USD").await;
        let p = simple_product(&app, &m.token, "photo-shop", "USD", 100, 1).await;
        let id = p["id"].as_i64().unwrap();
        let send = |n: usize, seed: u64| {
            let form = souk_test_support::post_form("", (0..n).map(|i| jpeg(seed + i as u64, 200, 150)).collect(), &["Front view"]);
            app.client.post(app.url(&format!("/api/v1/products/{id}/images"))).bearer_auth(&m.token).multipart(form).send()
        };
        let (s, b) = souk_test_support::json_response(send(2, 1).await.unwrap()).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let imgs = b["images"].as_array().unwrap();
        assert_eq!(imgs.len(), 2);
        assert_eq!(imgs[0]["alt"], "Front view");
        assert_eq!(imgs[0]["width"], 200);
        let url = imgs[0]["url"].as_str().unwrap();
        assert_eq!(app.get(url).await.status(), StatusCode::OK);
        let (s, b) = souk_test_support::json_response(send(9, 10).await.unwrap()).await;
        assert_field_error(s, &b, "images", "too_many_images");
        let pos = imgs[0]["position"].as_i64().unwrap();
        let (s, b) = app.call(Method::DELETE, &format!("/api/v1/products/{id}/images/{pos}"), Some(&m.token), None).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["images"].as_array().unwrap().len(), 1);

        let other = merchant(&app, "other").await;
        let form = souk_test_support::post_form("", vec![jpeg(99, 100, 100)], &[]);
        let res = app.client.post(app.url(&format!("/api/v1/products/{id}/images"))).bearer_auth(&other.token).multipart(form).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }

    async fn other_merchants_get_404_for_everything_in_a_shop(backend) {
        let app = TestApp::start(backend).await;
        let a = merchant(&app, "alpha").await;
        shop(&app, &a.token, "alpha", "USD").await;
        let p = product(&app, &a.token, "alpha", json!({"title": "A", "price": money(100, "USD"), "status": "active",
            "options": ["Size"], "variants": [{"sku": "A-S", "options": ["S"]}, {"sku": "A-M", "options": ["M"]}]})).await;
        let id = p["id"].as_i64().unwrap();
        let vid = first_variant(&p);
        let b = merchant(&app, "bravo").await;
        shop(&app, &b.token, "bravo", "USD").await;
        for (method, path, body) in [
            (Method::PATCH, format!("/api/v1/products/{id}"), Some(json!({"title": "Mine"}))),
            (Method::DELETE, format!("/api/v1/products/{id}"), None),
            (Method::POST, format!("/api/v1/products/{id}/variants"), Some(json!({"sku": "B-L", "options": ["L"]}))),
            (Method::PATCH, format!("/api/v1/variants/{vid}"), Some(json!({"stock": 0}))),
            (Method::DELETE, format!("/api/v1/variants/{vid}"), None),
            (Method::DELETE, format!("/api/v1/products/{id}/images/0"), None),
            (Method::POST, "/api/v1/shops/alpha/products".to_owned(), Some(json!({"title": "X", "price": money(1, "USD")}))),
            (Method::PATCH, "/api/v1/shops/alpha".to_owned(), Some(json!({"name": "Mine"}))),
            (Method::PATCH, "/api/v1/shops/alpha/branding".to_owned(), Some(json!({"font": "mono"}))),
            (Method::POST, "/api/v1/shops/alpha/staff".to_owned(), Some(json!({"username": "bravo"}))),
            (Method::POST, "/api/v1/shops/alpha/collections".to_owned(), Some(json!({"title": "X"}))),
        ] {
            let (s, body) = app.call(method.clone(), &path, Some(&b.token), body.as_ref()).await;
            assert_error(s, &body, StatusCode::NOT_FOUND, "not_found");
        }
        let after = get_ok(&app, None, &format!("/api/v1/products/{id}")).await;
        assert_eq!(after["title"], "A");
        assert_eq!(after["variants"].as_array().unwrap().len(), 2);
        // Without a token: 401.
        let (s, _) = app.call(Method::PATCH, &format!("/api/v1/products/{id}"), None, Some(&json!({"title": "x"}))).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
}
