//! Shops: who may open one, unique handles, one per account, settings by the owner only, staff who can
//! manage products but not the shop, branding drafts with contrast checks, preview and publish.

use crate::commerce_support::*;
use crate::social_support::*;
use souk_test_support::reqwest::{Method, StatusCode};
use souk_test_support::serde_json::json;
use souk_test_support::{TestApp, backend_tests};

backend_tests! {
    async fn business_and_creator_accounts_open_one_shop_each(backend) {
        let app = TestApp::start(backend).await;
        let biz = merchant(&app, "seoulglow").await;
        let shop = shop(&app, &biz.token, "Seoul-Glow", "KRW").await;
        assert_eq!(shop["handle"], "Seoul-Glow");
        assert_eq!(shop["currency"], "KRW");
        assert_eq!(shop["owner"], "seoulglow");
        assert_eq!(shop["checkout_mode"], "souk");
        assert_eq!(shop["product_count"], 0);
        assert_eq!(shop["branding"]["accent_color"], "#1f6feb");
        assert_eq!(shop["role"], "owner");

        let creator = app.user_of_kind("maker", "creator").await;
        crate::commerce_support::shop(&app, &creator.token, "maker-studio", "USD").await;

        let personal = app.user("shopper").await;
        let (s, b) = post(&app, &personal.token, "/api/v1/shops",
            json!({"handle": "mine", "name": "Mine", "currency": "USD"})).await;
        assert_error(s, &b, StatusCode::FORBIDDEN, "business_account_required");

        let (s, b) = post(&app, &biz.token, "/api/v1/shops",
            json!({"handle": "second", "name": "Second", "currency": "USD"})).await;
        assert_error(s, &b, StatusCode::CONFLICT, "shop_exists");

        let other = merchant(&app, "other").await;
        let (s, b) = post(&app, &other.token, "/api/v1/shops",
            json!({"handle": "seoul-GLOW", "name": "Copy", "currency": "USD"})).await;
        assert_error(s, &b, StatusCode::CONFLICT, "handle_taken");

        let (s, b) = post(&app, &other.token, "/api/v1/shops",
            json!({"handle": "x", "name": "", "currency": "XYZ", "website_url": "javascript:alert(1)"})).await;
        assert_field_error(s, &b, "handle", "invalid_length");
        assert_field_error(s, &b, "name", "required");
        assert_field_error(s, &b, "currency", "invalid_currency");
        assert_field_error(s, &b, "website_url", "invalid_url");

        let got = get_ok(&app, None, "/api/v1/shops/seoul-glow").await;
        assert_eq!(got["id"], shop["id"]);
        assert!(got["role"].is_null());
        let list = get_ok(&app, None, "/api/v1/shops").await;
        assert_eq!(list["items"].as_array().unwrap().len(), 2);
        assert_eq!(status_of(&app, None, "/api/v1/shops/nope-nope").await, StatusCode::NOT_FOUND);
    }

    async fn owner_edits_settings_and_staff_cannot(backend) {
        let app = TestApp::start(backend).await;
        let owner = merchant(&app, "owner").await;
        shop(&app, &owner.token, "tea-house", "USD").await;
        let (s, b) = app.call(Method::PATCH, "/api/v1/shops/tea-house", Some(&owner.token),
            Some(&json!({"name": "Tea House", "checkout_mode": "message", "contact_email": "Hi@Tea.Example"}))).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["name"], "Tea House");
        assert_eq!(b["checkout_mode"], "message");
        assert_eq!(b["contact_email"], "hi@tea.example");

        let helper = app.user("helper").await;
        let (s, b) = post(&app, &owner.token, "/api/v1/shops/tea-house/staff", json!({"username": "helper"})).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        assert_eq!(b.as_array().unwrap().len(), 2);

        // Staff manage products…
        let p = product(&app, &helper.token, "tea-house",
            json!({"title": "Oolong", "price": money(1200, "USD")})).await;
        assert_eq!(p["status"], "draft");
        // …but not the shop or its staff.
        let (s, b) = app.call(Method::PATCH, "/api/v1/shops/tea-house", Some(&helper.token),
            Some(&json!({"name": "Mine now"}))).await;
        assert_error(s, &b, StatusCode::FORBIDDEN, "forbidden");
        let (s, b) = post(&app, &helper.token, "/api/v1/shops/tea-house/staff", json!({"username": "owner"})).await;
        assert_error(s, &b, StatusCode::FORBIDDEN, "forbidden");

        // Strangers do not learn anything: 404.
        let stranger = merchant(&app, "stranger").await;
        let (s, b) = app.call(Method::PATCH, "/api/v1/shops/tea-house", Some(&stranger.token),
            Some(&json!({"name": "Hacked"}))).await;
        assert_error(s, &b, StatusCode::NOT_FOUND, "not_found");
        let (s, _) = app.call(Method::GET, "/api/v1/shops/tea-house/staff", Some(&stranger.token), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        let (s, b) = app.call(Method::DELETE, "/api/v1/shops/tea-house/staff/helper", Some(&helper.token), None).await;
        assert_error(s, &b, StatusCode::FORBIDDEN, "forbidden");
        let (s, b) = app.call(Method::DELETE, "/api/v1/shops/tea-house/staff", Some(&owner.token),
            Some(&json!({"username": "helper"}))).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b.as_array().unwrap().len(), 1);
        let (s, _) = post(&app, &helper.token, "/api/v1/shops/tea-house/products",
            json!({"title": "Sencha", "price": money(900, "USD")})).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app.call(Method::DELETE, "/api/v1/shops/tea-house/staff/owner", Some(&owner.token), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "the owner cannot be removed");
    }

    async fn branding_is_drafted_previewed_and_published(backend) {
        let app = TestApp::start(backend).await;
        let owner = merchant(&app, "brand").await;
        shop(&app, &owner.token, "brandy", "EUR").await;
        let (s, b) = app.call(Method::PATCH, "/api/v1/shops/brandy/branding", Some(&owner.token),
            Some(&json!({"accent_color": "#ffeb3b", "background_color": "#ffffff"}))).await;
        assert_error(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "low_contrast");
        let (s, b) = app.call(Method::PATCH, "/api/v1/shops/brandy/branding", Some(&owner.token),
            Some(&json!({"accent_color": "#gg0000"}))).await;
        assert_field_error(s, &b, "accent_color", "invalid_color");

        let (s, b) = app.call(Method::PATCH, "/api/v1/shops/brandy/branding", Some(&owner.token),
            Some(&json!({"accent_color": "#1F3A93", "background_color": "#fffaf0", "font": "serif"}))).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert_eq!(b["branding"]["accent_color"], "#1f3a93");

        // Shoppers still see the live branding; staff see the draft only with ?preview=1.
        let public = get_ok(&app, None, "/api/v1/shops/brandy?preview=1").await;
        assert_eq!(public["branding"]["accent_color"], "#1f6feb");
        assert!(public["branding_draft"].is_null());
        let mine = get_ok(&app, Some(&owner.token), "/api/v1/shops/brandy").await;
        assert_eq!(mine["branding"]["accent_color"], "#1f6feb");
        assert_eq!(mine["branding_draft"]["font"], "serif");
        let preview = get_ok(&app, Some(&owner.token), "/api/v1/shops/brandy?preview=1").await;
        assert_eq!(preview["branding"]["accent_color"], "#1f3a93");

        let (s, b) = post(&app, &owner.token, "/api/v1/shops/brandy/branding/publish", json!({})).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let public = get_ok(&app, None, "/api/v1/shops/brandy").await;
        assert_eq!(public["branding"]["accent_color"], "#1f3a93");
        assert_eq!(public["branding"]["background_color"], "#fffaf0");
        assert_eq!(public["branding"]["font"], "serif");

        let stranger = merchant(&app, "stranger").await;
        let (s, _) = post(&app, &stranger.token, "/api/v1/shops/brandy/branding/publish", json!({})).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
}
