//! Shop and product pages: opening a shop and adding a KRW product through forms, the product page's
//! variant picker and localized prices, draft visibility, escaped descriptions, the branding editor's
//! contrast check, preview and publish, the profile's Shop tab, and 404s for other merchants.

use crate::commerce_support::*;
use crate::support::Browser;
use souk_test_support::reqwest::StatusCode;
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{TestApp, backend_tests};

async fn page_in(app: &TestApp, path: &str, lang: &str) -> (StatusCode, String) {
    let res = app
        .client
        .get(app.url(path))
        .header("accept-language", lang)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.text().await.unwrap())
}

fn location(res: &souk_test_support::reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

backend_tests! {
    async fn a_merchant_opens_a_shop_and_adds_a_krw_product_through_forms(backend) {
        let app = TestApp::start(backend).await;
        merchant(&app, "hanok").await;
        let b = Browser::new(&app);
        b.log_in("hanok", souk_test_support::DEFAULT_PASSWORD).await;
        let (s, html) = b.page("/shops/new").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains(r#"name="handle""#), "{html}");
        let res = b.submit("/shops/new", &[("handle", "hanok-house"), ("name", "Hanok House"), ("currency", "KRW"), ("checkout_mode", "souk")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/s/hanok-house/branding");

        // A KRW price has no decimals: "15,000" is 15000 won, "15000.5" is refused.
        let res = b.submit("/s/hanok-house/products/new", &[("title", "Tea bowl"), ("price", "15000.5"), ("status", "active")]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(html.contains("field-error"), "{html}");
        let res = b.submit("/s/hanok-house/products/new", &[("title", "Tea bowl"), ("price", "15,000"), ("compare_at_price", "18000"),
            ("status", "active"), ("stock", "4"), ("options", "Glaze"), ("description", "<b>hi</b>")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let to = location(&res);
        let id: i64 = to.trim_start_matches("/products/").split('/').next().unwrap().parse().unwrap();
        let (s, p) = app.get_json(&format!("/api/v1/products/{id}"), None).await;
        assert_eq!(s, StatusCode::OK, "{p}");
        assert_eq!(p["price"], money(15000, "KRW"));
        assert_eq!(p["compare_at_price"], money(18000, "KRW"));
        assert_eq!(p["options"], json!(["Glaze"]));
        assert_eq!(p["variants"][0]["stock"], 4);

        // The editor edits variant rows; an empty stock means "not tracked".
        let vid = first_variant(&p);
        let res = b.submit(&format!("/variants/{vid}"), &[("options", "Celadon"), ("sku", "BOWL-C"), ("price", "16,500"), ("stock", ""), ("availability", "in_stock")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let res = b.submit(&format!("/products/{id}/variants"), &[("options", "Ash"), ("sku", "BOWL-A"), ("stock", "2")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let res = b.submit(&format!("/products/{id}/variants"), &[("options", "Smoke"), ("sku", "BOWL-C")]).await;
        assert_eq!(res.status(), StatusCode::CONFLICT);
        let (_, p) = app.get_json(&format!("/api/v1/products/{id}"), None).await;
        assert_eq!(p["variants"][0]["title"], "Celadon");
        assert_eq!(p["variants"][0]["price"], money(16500, "KRW"));
        assert!(p["variants"][0]["stock"].is_null());
        assert_eq!(p["variants"][1]["sku"], "BOWL-A");

        let (s, html) = b.page(&format!("/products/{id}/edit")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains(r#"value="15000""#), "price shown without decimals: {html}");
        let (s, html) = b.page("/s/hanok-house/products?status=active").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("Tea bowl"));
    }

    async fn personal_accounts_are_told_shops_are_for_businesses(backend) {
        let app = TestApp::start(backend).await;
        app.user("mina").await;
        let b = Browser::new(&app);
        b.log_in("mina", souk_test_support::DEFAULT_PASSWORD).await;
        let (s, html) = b.page("/shops/new").await;
        assert_eq!(s, StatusCode::OK);
        assert!(!html.contains(r#"name="handle""#));
        let res = b.submit("/shops/new", &[("handle", "minas"), ("name", "Mina"), ("currency", "USD")]).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let res = b.get("/shops/mine").await;
        assert_eq!(location(&res), "/shops/new");
    }

    async fn product_page_shows_variants_and_localized_prices(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "glow").await;
        shop(&app, &m.token, "glow", "KRW").await;
        let p = product(&app, &m.token, "glow", json!({
            "title": "Linen tee", "price": money(35000, "KRW"), "compare_at_price": money(42000, "KRW"), "status": "active",
            "description": "Soft **linen** <script>alert(1)</script>",
            "options": ["Colour", "Size"],
            "variants": [{"sku": "R-M", "options": ["Red", "M"], "stock": 3}, {"sku": "R-L", "options": ["Red", "L"], "stock": 0},
                         {"sku": "B-M", "options": ["Blue", "M"], "price": money(36000, "KRW"), "stock": 9}]})).await;
        let id = p["id"].as_i64().unwrap();
        let (s, html) = page_in(&app, &format!("/products/{id}"), "en").await;
        assert_eq!(s, StatusCode::OK);
        for needle in [r#"name="o1" value="Red" checked"#, r#"name="o1" value="Blue""#, r#"name="o2" value="M" checked"#, r#"name="o2" value="L""#,
                       "₩35,000", "<s class=\"compare-at\"", "₩42,000", "Only 3 left", "Add to cart", r#"action="/cart/items""#,
                       &format!(r#"name="variant_id" value="{}""#, p["variants"][0]["id"]), "<strong>linen</strong>", "&lt;script&gt;"] {
            assert!(html.contains(needle), "missing {needle}: {html}");
        }
        assert!(!html.contains("<script>alert"), "{html}");
        let (_, html) = page_in(&app, &format!("/products/{id}?o1=Blue&o2=M"), "ko").await;
        assert!(html.contains("₩36,000"), "{html}");
        assert!(html.contains("장바구니에 담기"), "{html}");
        assert!(html.contains(&format!(r#"name="variant_id" value="{}""#, p["variants"][2]["id"])), "{html}");
        let (_, html) = page_in(&app, &format!("/products/{id}?o1=Red&o2=L"), "en").await;
        assert!(html.contains("Out of stock"), "{html}");
        assert!(html.contains("disabled"), "{html}");

        // USD with cents, and the other checkout modes.
        let u = merchant(&app, "usd").await;
        shop(&app, &u.token, "usd-shop", "USD").await;
        let q = product(&app, &u.token, "usd-shop", json!({"title": "Mug", "price": money(1250, "USD"), "status": "active",
            "checkout_mode": "website", "external_url": "https://mugs.example/m"})).await;
        let (_, html) = page_in(&app, &format!("/products/{}", q["id"]), "en").await;
        assert!(html.contains("$12.50"), "{html}");
        assert!(html.contains(&format!(r#"href="/go/{}""#, q["id"])), "{html}");
        let (_, html) = page_in(&app, &format!("/products/{}", q["id"]), "ko").await;
        assert!(html.contains("US$12.50"), "{html}");
        let r = product(&app, &u.token, "usd-shop", json!({"title": "Vase", "price": money(9900, "USD"), "status": "active", "checkout_mode": "message"})).await;
        let (_, html) = page_in(&app, &format!("/products/{}", r["id"]), "en").await;
        assert!(html.contains(r#"action="/s/usd-shop/order-request""#), "{html}");
    }

    async fn drafts_are_hidden_and_other_merchants_get_404_on_pages(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "owner").await;
        shop(&app, &m.token, "owner-shop", "USD").await;
        let d = product(&app, &m.token, "owner-shop", json!({"title": "Hidden draft", "price": money(100, "USD")})).await;
        let id = d["id"].as_i64().unwrap();
        let vid = first_variant(&d);
        assert_eq!(app.get(&format!("/products/{id}")).await.status(), StatusCode::NOT_FOUND);
        let (_, home) = page_in(&app, "/s/owner-shop", "en").await;
        assert!(!home.contains("Hidden draft"));

        let owner = Browser::new(&app);
        owner.log_in("owner", souk_test_support::DEFAULT_PASSWORD).await;
        let (s, html) = owner.page(&format!("/products/{id}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("Hidden draft"));

        merchant(&app, "rival").await;
        let rival = Browser::new(&app);
        rival.log_in("rival", souk_test_support::DEFAULT_PASSWORD).await;
        for path in [format!("/products/{id}/edit"), "/s/owner-shop/products".into(), "/s/owner-shop/settings".into(),
                     "/s/owner-shop/branding".into(), "/s/owner-shop/collections".into(), "/s/owner-shop/staff".into()] {
            assert_eq!(rival.page(&path).await.0, StatusCode::NOT_FOUND, "{path}");
        }
        for (path, fields) in [
            (format!("/products/{id}/edit"), vec![("title", "Stolen"), ("price", "1")]),
            (format!("/variants/{vid}"), vec![("sku", "X"), ("stock", "0")]),
            (format!("/variants/{vid}/delete"), vec![]),
            (format!("/products/{id}/delete"), vec![]),
            ("/s/owner-shop/branding/publish".into(), vec![]),
        ] {
            assert_eq!(rival.submit(&path, &fields).await.status(), StatusCode::NOT_FOUND, "{path}");
        }
        let (_, after) = app.get_json(&format!("/api/v1/products/{id}"), Some(&m.token)).await;
        assert_eq!(after["title"], "Hidden draft");
    }

    async fn branding_editor_checks_contrast_previews_and_publishes(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "painter").await;
        shop(&app, &m.token, "painter", "EUR").await;
        simple_product(&app, &m.token, "painter", "EUR", 2500, 3).await;
        let b = Browser::new(&app);
        b.log_in("painter", souk_test_support::DEFAULT_PASSWORD).await;
        let (s, html) = b.page("/s/painter/branding").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("data-theme-var=\"--accent\""), "{html}");
        let res = b.submit("/s/painter/branding", &[("accent_color", "#ffeb3b"), ("background_color", "#ffffff"), ("font", "serif")]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(html.contains("class=\"alert\""), "{html}");
        let res = b.submit("/s/painter/branding", &[("accent_color", "#7a1f5c"), ("background_color", "#fdf6ec"), ("font", "serif")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);

        // Shoppers still get the live theme; the owner's preview links the draft theme.
        let (_, css) = page_in(&app, "/s/painter/theme.css", "en").await;
        assert!(css.contains("--accent: #1f6feb"), "{css}");
        assert!(css.contains("--font: system-ui"), "{css}");
        let (_, css) = page_in(&app, "/s/painter/theme.css?preview=1", "en").await;
        assert!(css.contains("--accent: #1f6feb"), "strangers never see the draft: {css}");
        let (s, html) = b.page("/s/painter?preview=1").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("preview=1\">") || html.contains("&amp;preview=1"), "{html}");
        let css = b.get("/s/painter/theme.css?preview=1").await.text().await.unwrap();
        assert!(css.contains("--accent: #7a1f5c"), "{css}");
        assert!(css.contains("Georgia"), "{css}");

        let res = b.submit("/s/painter/branding/publish", &[]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, css) = page_in(&app, "/s/painter/theme.css", "en").await;
        assert!(css.contains("--accent: #7a1f5c"), "{css}");
        assert!(css.contains("--shop-bg: #fdf6ec"), "{css}");
        let (_, home) = page_in(&app, "/s/painter", "en").await;
        assert!(home.contains("/s/painter/theme.css?v="), "{home}");
        assert!(home.contains("€25.00"), "{home}");
    }

    async fn profiles_of_shop_owners_have_a_shop_tab(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "tabby").await;
        let (_, html) = page_in(&app, "/u/tabby", "en").await;
        assert!(!html.contains("data-testid=\"shop-tab\""));
        shop(&app, &m.token, "tabby-shop", "USD").await;
        let (_, html) = page_in(&app, "/u/tabby", "en").await;
        assert!(html.contains("href=\"/s/tabby-shop\" data-testid=\"shop-tab\""), "{html}");
        let b = Browser::new(&app);
        b.log_in("tabby", souk_test_support::DEFAULT_PASSWORD).await;
        let (_, html) = b.page("/").await;
        assert!(html.contains("href=\"/shops/mine\""), "{html}");
        assert_eq!(location(&b.get("/shops/mine").await), "/s/tabby-shop");
        let _: Value = json!({});
    }
}
