//! The cart, checkout and order pages in a browser without JavaScript, both engines: a logged-out shopper
//! fills a cookie cart with the product page's form, logs in through the log-in page (the cart follows),
//! checks out with the test card, and sees the order; the merchant marks it shipped and the shopper sees the
//! tracking number; order requests appear in the merchant's inbox; shipping regions are set on a page.

use crate::checkout::store_with_product;
use crate::commerce_support::{first_variant, merchant, simple_product};
use crate::support::Browser;
use souk_test_support::reqwest::{Method, StatusCode};
use souk_test_support::serde_json::json;
use souk_test_support::{DEFAULT_PASSWORD, TestApp, backend_tests};

fn location(res: &souk_test_support::reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

backend_tests! {
    async fn shopper_buys_and_merchant_ships_through_pages(backend) {
        let app = TestApp::start(backend).await;
        let (m, _pid, vid) = store_with_product(&app, "teashop", 5).await;
        app.user("buyer").await;
        let shopper = Browser::new(&app);
        let vid_s = vid.to_string();

        // Logged out: the product page's form puts the item in a cookie cart.
        let res = shopper.submit("/cart/items", &[("variant_id", vid_s.as_str()), ("quantity", "2")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/cart?added=1");
        assert!(shopper.cookie("souk_cart").is_some());
        let (s, html) = shopper.page("/cart?added=1").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("Simple thing") && html.contains("$25.00"), "{html}");
        assert!(html.contains("Added to your cart."));
        // Too many: the cart explains the refusal.
        let res = shopper.submit("/cart/items", &[("variant_id", vid_s.as_str()), ("quantity", "99")]).await;
        assert_eq!(location(&res), "/cart?error=quantity_out_of_range");
        let (_, html) = shopper.page("/cart?error=out_of_stock").await;
        assert!(html.contains("Not enough of this item is left."));

        // Checkout needs an account; after logging in on the log-in page the cart is still there.
        let res = shopper.get("/checkout/teashop").await;
        assert!(location(&res).starts_with("/login?next="));
        shopper.log_in("buyer", DEFAULT_PASSWORD).await;
        let (_, html) = shopper.page("/cart").await;
        assert!(html.contains("$25.00"), "merged cart: {html}");
        // Stepper: one less.
        let res = shopper.submit(&format!("/cart/items/{vid}"), &[("quantity", "1")]).await;
        assert_eq!(location(&res), "/cart");

        let (s, html) = shopper.page("/checkout/teashop").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("$12.50") && html.contains("4242"), "{html}");
        let key = html.split("name=\"idem_key\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let fields = [("idem_key", key.as_str()), ("country", "US"), ("name", "Ada"), ("line1", "1 Main St"),
            ("city", "Springfield"), ("postal_code", "12345"), ("provider", "test"),
            ("card_number", "4242 4242 4242 4242"), ("expected_total", "1250"), ("currency", "USD")];
        // Missing address fields come back with the form and a 422.
        let res = shopper.submit("/checkout/teashop", &[("idem_key", "x1"), ("country", "US"), ("provider", "manual")]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let res = shopper.submit("/checkout/teashop", &fields).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let to = location(&res);
        assert!(to.starts_with("/orders/") && to.ends_with("?placed=1"), "{to}");
        // A double submit of the same form lands on the same order.
        let again = shopper.submit("/checkout/teashop", &fields).await;
        assert_eq!(location(&again), to.trim_end_matches("?placed=1"));
        let (s, html) = shopper.page(&to).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("Paid") && html.contains("SOUK-"), "{html}");
        let id: i64 = to.trim_start_matches("/orders/").split('?').next().unwrap().parse().unwrap();
        let (_, list) = shopper.page("/orders").await;
        assert!(list.contains(&format!("/orders/{id}")));

        // The merchant ships it from the order page.
        let seller = Browser::new(&app);
        seller.log_in(&m.username, DEFAULT_PASSWORD).await;
        let (s, html) = seller.page("/s/teashop/orders?status=paid").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains(&format!("/s/teashop/orders/{id}")));
        let (s, html) = seller.page(&format!("/s/teashop/orders/{id}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("Mark shipped"), "{html}");
        let res = seller.submit(&format!("/s/teashop/orders/{id}/deliver"), &[]).await;
        assert_eq!(location(&res), format!("/s/teashop/orders/{id}?error=invalid_transition"));
        let res = seller.submit(&format!("/s/teashop/orders/{id}/fulfil"), &[("tracking_number", "1Z-TRACK"), ("carrier", "UPS")]).await;
        assert_eq!(location(&res), format!("/s/teashop/orders/{id}?done=1"));
        let (_, html) = shopper.page(&format!("/orders/{id}")).await;
        assert!(html.contains("Shipped") && html.contains("1Z-TRACK"), "{html}");
        // Strangers and other shops see nothing.
        assert_eq!(seller.get(&format!("/s/teashop/orders/{}", id + 1000)).await.status(), StatusCode::NOT_FOUND);
        let stranger = Browser::new(&app);
        app.user("stranger").await;
        stranger.log_in("stranger", DEFAULT_PASSWORD).await;
        assert_eq!(stranger.get(&format!("/orders/{id}")).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(stranger.get(&format!("/s/teashop/orders/{id}")).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(stranger.get("/s/teashop/orders").await.status(), StatusCode::NOT_FOUND);
    }

    async fn order_requests_reach_the_inbox(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "msgowner").await;
        let (s, _) = app.call(Method::POST, "/api/v1/shops", Some(&m.token), Some(&json!({
            "handle": "msgshop", "name": "Msg", "currency": "TWD", "checkout_mode": "message"}))).await;
        assert_eq!(s, StatusCode::CREATED);
        let p = simple_product(&app, &m.token, "msgshop", "TWD", 99000, 3).await;
        app.user("buyer").await;
        let shopper = Browser::new(&app);
        shopper.log_in("buyer", DEFAULT_PASSWORD).await;
        let vid = first_variant(&p).to_string();
        shopper.submit("/cart/items", &[("variant_id", vid.as_str())]).await;
        let (_, html) = shopper.page("/cart").await;
        assert!(html.contains("/s/msgshop/order-request"), "message shops get a request form");
        // The product page's form sends the item along with the request.
        let res = shopper.submit("/s/msgshop/order-request", &[("note", "Size M please"), ("variant_id", vid.as_str()), ("quantity", "1")]).await;
        let to = location(&res);
        assert!(to.ends_with("?requested=1"), "{to}");
        let id: i64 = to.trim_start_matches("/orders/").split('?').next().unwrap().parse().unwrap();

        let seller = Browser::new(&app);
        seller.log_in("msgowner", DEFAULT_PASSWORD).await;
        let (s, html) = seller.page("/s/msgshop/inbox").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains(&format!("/s/msgshop/orders/{id}/confirm")), "{html}");
        let res = seller.submit(&format!("/s/msgshop/orders/{id}/confirm"), &[]).await;
        assert_eq!(location(&res), format!("/s/msgshop/orders/{id}?done=1"));
        let (_, html) = shopper.page(&format!("/orders/{id}")).await;
        assert!(html.contains("Awaiting payment") && html.contains("Size M please"), "{html}");
        assert!(html.contains("2 × Simple thing"), "cart line and product-page item together: {html}");
    }

    async fn shipping_settings_page(backend) {
        let app = TestApp::start(backend).await;
        let (m, _, _) = store_with_product(&app, "teashop", 5).await;
        let seller = Browser::new(&app);
        seller.log_in(&m.username, DEFAULT_PASSWORD).await;
        let (s, html) = seller.page("/s/teashop/settings/shipping").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("No regions yet"));
        let res = seller.submit("/s/teashop/settings/shipping", &[("name", "Asia"), ("countries", "KR, TW"), ("tax_percent", "10"),
            ("rate_name", "Post"), ("rate_kind", "flat"), ("rate_amount", "7.50")]).await;
        assert_eq!(location(&res), "/s/teashop/settings/shipping?saved=1");
        let (_, html) = seller.page("/s/teashop/settings/shipping?saved=1").await;
        assert!(html.contains("KR, TW") && html.contains("10.00 %") && html.contains("$7.50"), "{html}");
        let res = seller.submit("/s/teashop/settings/shipping", &[("name", ""), ("countries", "Korea")]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let (_, regions) = app.get_json("/api/v1/shops/teashop/regions", Some(&m.token)).await;
        assert_eq!(regions["items"][0]["tax_bps"], 1000);
        assert_eq!(regions["items"][0]["rates"][0]["amount"]["amount_minor"], 750);
        // Other people get 404.
        app.user("stranger").await;
        let stranger = Browser::new(&app);
        stranger.log_in("stranger", DEFAULT_PASSWORD).await;
        assert_eq!(stranger.get("/s/teashop/settings/shipping").await.status(), StatusCode::NOT_FOUND);
    }
}
