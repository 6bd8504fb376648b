//! Collections: manual lists keep their order, rule collections hold exactly the products meeting every
//! condition, shoppers see only active products, featured collections become shop-home sections through the
//! branding draft, and other merchants get 404.

use crate::commerce_support::*;
use crate::social_support::*;
use souk_test_support::reqwest::{Method, StatusCode};
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{TestApp, backend_tests};

fn pid(p: &Value) -> i64 {
    p["id"].as_i64().unwrap()
}

backend_tests! {
    async fn rule_collections_hold_products_meeting_every_condition(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "rules").await;
        shop(&app, &m.token, "rule-shop", "USD").await;
        let mk = |title: &str, price: i64, extra: Value| {
            let mut body = json!({"title": title, "price": money(price, "USD"), "status": "active"});
            for (k, v) in extra.as_object().unwrap() {
                body[k] = v.clone();
            }
            body
        };
        let tea = product(&app, &m.token, "rule-shop", mk("Green tea", 1200, json!({
            "product_type": "Tea", "brand": "Leafy", "tags": ["green", "50%off"], "gender": "unisex",
            "google_category": "Food > Tea", "custom_labels": ["", "", "summer"], "item_id": "T-1"}))).await;
        let pricey = product(&app, &m.token, "rule-shop", mk("Rare tea", 9000, json!({
            "product_type": "tea", "brand": "Leafy", "tags": ["green"]}))).await;
        let mug = product(&app, &m.token, "rule-shop", mk("Mug", 1500, json!({
            "product_type": "Kitchen", "brand": "Leafy", "tags": ["green"]}))).await;
        let draft = product(&app, &m.token, "rule-shop", json!({
            "title": "Draft tea", "price": money(1000, "USD"), "product_type": "Tea", "tags": ["Green"]})).await;

        let (s, c) = post(&app, &m.token, "/api/v1/shops/rule-shop/collections", json!({
            "title": "Cheap green tea", "kind": "rule",
            "rules": [{"field": "product_type", "value": "TEA"}, {"field": "tag", "value": "green"},
                      {"field": "price_max", "value": 5000}, {"field": "price_min", "value": 100}]
        })).await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        assert_eq!(c["kind"], "rule");
        let cid = pid(&c);
        let page = get_ok(&app, None, &format!("/api/v1/collections/{cid}/products")).await;
        assert_eq!(ids(&page), vec![pid(&tea)]);

        for (field, value, want) in [
            ("brand", json!("leafy"), vec![pid(&mug), pid(&pricey), pid(&tea)]),
            ("gender", json!("unisex"), vec![pid(&tea)]),
            ("google_category", json!("food > tea"), vec![pid(&tea)]),
            ("item_id", json!("t-1"), vec![pid(&tea)]),
            ("custom_label_2", json!("Summer"), vec![pid(&tea)]),
            ("tag", json!("50%off"), vec![pid(&tea)]),
            ("tag", json!("50%"), vec![]),
            ("price_min", json!(1500), vec![pid(&mug), pid(&pricey)]),
        ] {
            let (s, c) = post(&app, &m.token, "/api/v1/shops/rule-shop/collections", json!({
                "title": format!("{field}"), "kind": "rule", "rules": [{"field": field, "value": value}]
            })).await;
            assert_eq!(s, StatusCode::CREATED, "{c}");
            let page = get_ok(&app, None, &format!("/api/v1/collections/{}/products", pid(&c))).await;
            assert_eq!(ids(&page), want, "{field} = {value}");
        }
        // Staff also see drafts that match.
        let staff_view = get_ok(&app, Some(&m.token), &format!("/api/v1/collections/{cid}/products")).await;
        assert_eq!(ids(&staff_view), vec![pid(&draft), pid(&tea)]);

        // Changing a product changes membership.
        let (s, _) = app.call(Method::PATCH, &format!("/api/v1/products/{}", pid(&tea)), Some(&m.token),
            Some(&json!({"price": money(6000, "USD")}))).await;
        assert_eq!(s, StatusCode::OK);
        let page = get_ok(&app, None, &format!("/api/v1/collections/{cid}/products")).await;
        assert!(ids(&page).is_empty());

        let (s, b) = post(&app, &m.token, "/api/v1/shops/rule-shop/collections",
            json!({"title": "Bad", "kind": "rule", "rules": [{"field": "colour", "value": "red"}]})).await;
        assert_field_error(s, &b, "rules", "invalid_rule_field");
        let (s, b) = post(&app, &m.token, "/api/v1/shops/rule-shop/collections",
            json!({"title": "Bad", "kind": "rule", "rules": []})).await;
        assert_field_error(s, &b, "rules", "rules_required");
        let (s, b) = post(&app, &m.token, "/api/v1/shops/rule-shop/collections",
            json!({"title": "Bad", "kind": "rule", "rules": [{"field": "price_min", "value": "12.50"}]})).await;
        assert_field_error(s, &b, "rules", "invalid_rule_value");
    }

    async fn manual_collections_keep_order_and_stay_in_their_shop(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "manual").await;
        shop(&app, &m.token, "manual-shop", "USD").await;
        let a = simple_product(&app, &m.token, "manual-shop", "USD", 100, 1).await;
        let b = simple_product(&app, &m.token, "manual-shop", "USD", 200, 1).await;
        let hidden = product(&app, &m.token, "manual-shop", json!({"title": "Hidden", "price": money(1, "USD")})).await;
        let (s, c) = post(&app, &m.token, "/api/v1/shops/manual-shop/collections", json!({
            "title": "Picks", "product_ids": [pid(&b), pid(&hidden), pid(&a)]})).await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        assert_eq!(c["kind"], "manual");
        let cid = pid(&c);
        let page = get_ok(&app, None, &format!("/api/v1/collections/{cid}/products")).await;
        assert_eq!(ids(&page), vec![pid(&b), pid(&a)]);
        let (s, c) = app.call(Method::PATCH, &format!("/api/v1/collections/{cid}"), Some(&m.token),
            Some(&json!({"product_ids": [pid(&a), pid(&b)], "title": "Top picks"}))).await;
        assert_eq!(s, StatusCode::OK, "{c}");
        assert_eq!(c["title"], "Top picks");
        let page = get_ok(&app, None, &format!("/api/v1/collections/{cid}/products")).await;
        assert_eq!(ids(&page), vec![pid(&a), pid(&b)]);

        // Another merchant can neither edit this collection nor list their products in it.
        let other = merchant(&app, "other").await;
        shop(&app, &other.token, "other-shop", "USD").await;
        let theirs = simple_product(&app, &other.token, "other-shop", "USD", 300, 1).await;
        let (s, b2) = app.call(Method::PATCH, &format!("/api/v1/collections/{cid}"), Some(&other.token),
            Some(&json!({"title": "Mine"}))).await;
        assert_error(s, &b2, StatusCode::NOT_FOUND, "not_found");
        let (s, _) = app.call(Method::DELETE, &format!("/api/v1/collections/{cid}"), Some(&other.token), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, b2) = app.call(Method::PATCH, &format!("/api/v1/collections/{cid}"), Some(&m.token),
            Some(&json!({"product_ids": [pid(&theirs)]}))).await;
        assert_field_error(s, &b2, "product_ids", "unknown_product");

        let list = get_ok(&app, None, "/api/v1/shops/manual-shop/collections").await;
        assert_eq!(list.as_array().unwrap().len(), 1);
        let (s, _) = app.call(Method::DELETE, &format!("/api/v1/collections/{cid}"), Some(&m.token), None).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        assert_eq!(status_of(&app, None, &format!("/api/v1/collections/{cid}")).await, StatusCode::NOT_FOUND);
    }

    async fn featured_collections_are_published_with_the_branding(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "feat").await;
        shop(&app, &m.token, "feat-shop", "USD").await;
        let p = simple_product(&app, &m.token, "feat-shop", "USD", 500, 2).await;
        let (_, c1) = post(&app, &m.token, "/api/v1/shops/feat-shop/collections",
            json!({"title": "First", "product_ids": [pid(&p)]})).await;
        let (_, c2) = post(&app, &m.token, "/api/v1/shops/feat-shop/collections",
            json!({"title": "Second", "product_ids": [pid(&p)]})).await;
        let (s, b) = app.call(Method::PATCH, "/api/v1/shops/feat-shop/branding", Some(&m.token),
            Some(&json!({"featured_collections": [pid(&c2), pid(&c1)]}))).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["branding_draft"]["featured_collections"], json!([pid(&c2), pid(&c1)]));
        // Not live yet.
        let list = get_ok(&app, None, "/api/v1/shops/feat-shop/collections").await;
        assert!(list.as_array().unwrap().iter().all(|c| c["featured_position"].is_null()));
        let (s, _) = post(&app, &m.token, "/api/v1/shops/feat-shop/branding/publish", json!({})).await;
        assert_eq!(s, StatusCode::OK);
        let list = get_ok(&app, None, "/api/v1/shops/feat-shop/collections").await;
        let order: Vec<i64> = list.as_array().unwrap().iter().map(pid).collect();
        assert_eq!(order, vec![pid(&c2), pid(&c1)]);
        assert_eq!(list[0]["featured_position"], 0);

        let other = merchant(&app, "other").await;
        shop(&app, &other.token, "other-shop", "USD").await;
        let (s, b) = app.call(Method::PATCH, "/api/v1/shops/other-shop/branding", Some(&other.token),
            Some(&json!({"featured_collections": [pid(&c1)]}))).await;
        assert_field_error(s, &b, "featured_collections", "unknown_collection");
    }

    async fn collection_forms_take_prices_in_the_shop_currency(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "formy").await;
        shop(&app, &m.token, "formy", "USD").await;
        let cheap = simple_product(&app, &m.token, "formy", "USD", 1999, 1).await;
        simple_product(&app, &m.token, "formy", "USD", 9999, 1).await;
        let b = crate::support::Browser::new(&app);
        b.log_in("formy", souk_test_support::DEFAULT_PASSWORD).await;
        let res = b.submit("/s/formy/collections", &[("title", "Under 20"), ("kind", "rule"),
            ("rule_field_0", "price_max"), ("rule_value_0", "20.00")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let list = get_ok(&app, None, "/api/v1/shops/formy/collections").await;
        let c = &list[0];
        assert_eq!(c["rules"], json!([{"field": "price_max", "value": "2000"}]));
        let cid = pid(c);
        let page = get_ok(&app, None, &format!("/api/v1/collections/{cid}/products")).await;
        assert_eq!(ids(&page), vec![pid(&cheap)]);
        let (s, html) = b.page(&format!("/collections/{cid}/edit")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains(r#"value="20.00""#), "{html}");
        let res = b.submit(&format!("/collections/{cid}/edit"), &[("title", "Under twenty"),
            ("rule_field_0", "price_max"), ("rule_value_0", "20.00")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let c = get_ok(&app, None, &format!("/api/v1/collections/{cid}")).await;
        assert_eq!(c["title"], "Under twenty");
        assert_eq!(c["rules"][0]["value"], "2000");
        let (_, html) = b.page(&format!("/collections/{cid}")).await;
        assert!(html.contains("$19.99"), "{html}");
        // Staff pages of another shop are 404.
        merchant(&app, "nosy").await;
        let nosy = crate::support::Browser::new(&app);
        nosy.log_in("nosy", souk_test_support::DEFAULT_PASSWORD).await;
        assert_eq!(nosy.page(&format!("/collections/{cid}/edit")).await.0, StatusCode::NOT_FOUND);
        assert_eq!(nosy.submit(&format!("/collections/{cid}/delete"), &[]).await.status(), StatusCode::NOT_FOUND);
    }
}
