//! The merchant dashboard on both engines: today's paid orders and revenue net of refunds, the 30-day
//! series, orders waiting to ship, low stock, staff-only access (404 for anyone else), and the page with
//! its SVG chart.

use crate::checkout::{add_to_cart, checkout, store_with_product};
use crate::commerce_support::money;
use crate::support::Browser;
use souk_test_support::reqwest::StatusCode;
use souk_test_support::serde_json::json;
use souk_test_support::{TestApp, backend_tests};

backend_tests! {
    async fn dashboard_counts_paid_orders_revenue_and_low_stock(backend) {
        let app = TestApp::start(backend).await;
        let (m, _pid, vid) = store_with_product(&app, "dashshop", 6).await;
        let buyer = app.user("dashbuyer").await;
        // Two paid orders of 2 units ($25.00 each) and one left awaiting a bank transfer.
        for (i, provider) in ["test", "test", "manual"].iter().enumerate() {
            let (s, _) = add_to_cart(&app, &buyer.token, vid, if *provider == "manual" { 1 } else { 2 }).await;
            assert_eq!(s, StatusCode::CREATED);
            let payment = if *provider == "test" {
                json!({"provider": "test", "card_number": "4242424242424242"})
            } else {
                json!({"provider": "manual"})
            };
            let body = json!({"shop": "dashshop", "address": crate::checkout::address("US"), "payment": payment});
            let (s, order) = checkout(&app, &buyer.token, &format!("dash-{i}"), &body).await;
            assert_eq!(s, StatusCode::CREATED, "{order}");
        }
        let (s, d) = app.get_json("/api/v1/shops/dashshop/dashboard", Some(&m.token)).await;
        assert_eq!(s, StatusCode::OK, "{d}");
        // The pending (manual) order counts as an order today but brings no revenue yet.
        assert_eq!(d["orders_today"], 3, "{d}");
        assert_eq!(d["revenue_today"], money(5000, "USD"));
        assert_eq!(d["revenue_30d"], money(5000, "USD"));
        assert_eq!(d["to_fulfil"], 2);
        let days = d["days"].as_array().unwrap();
        assert_eq!(days.len(), 30);
        assert_eq!(days.last().unwrap()["revenue"], money(5000, "USD"));
        assert_eq!(days.last().unwrap()["orders"], 2);
        assert!(days[..29].iter().all(|day| day["orders"] == 0));
        // 6 units − 5 sold (the pending order holds its unit) = 1 left: listed as low stock.
        let low = d["low_stock"].as_array().unwrap();
        assert_eq!(low.len(), 1, "{d}");
        assert_eq!(low[0]["variant_id"], vid);
        assert_eq!(low[0]["stock"], 1);
        assert_eq!(d["recent_orders"].as_array().unwrap().len(), 3);
    }

    async fn dashboard_is_for_the_shop_staff_only(backend) {
        let app = TestApp::start(backend).await;
        let (m, _pid, _vid) = store_with_product(&app, "privshop", 3).await;
        let (other, _, _) = store_with_product(&app, "othershop", 3).await;
        let shopper = app.user("nosy").await;
        for token in [&other.token, &shopper.token] {
            let (s, body) = app.get_json("/api/v1/shops/privshop/dashboard", Some(token)).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
            assert_eq!(body["error"]["code"], "not_found");
        }
        let (s, _) = app.get_json("/api/v1/shops/privshop/dashboard", None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _) = app.get_json("/api/v1/shops/privshop/dashboard", Some(&m.token)).await;
        assert_eq!(s, StatusCode::OK);
    }

    async fn dashboard_page_draws_the_revenue_chart(backend) {
        let app = TestApp::start(backend).await;
        let (m, _pid, vid) = store_with_product(&app, "chartshop", 4).await;
        let buyer = app.user("chartbuyer").await;
        add_to_cart(&app, &buyer.token, vid, 1).await;
        let body = json!({"shop": "chartshop", "address": crate::checkout::address("US"),
            "payment": {"provider": "test", "card_number": "4242424242424242"}});
        let (s, _) = checkout(&app, &buyer.token, "chart-1", &body).await;
        assert_eq!(s, StatusCode::CREATED);

        let browser = Browser::new(&app);
        browser.log_in(&m.username, &m.password).await;
        let (s, html) = browser.page("/s/chartshop/dashboard").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("<svg"), "{html}");
        assert_eq!(html.matches("<rect ").count(), 30, "one bar per day");
        assert!(html.contains("$12.50"), "today's revenue, formatted: {html}");
        assert!(html.contains("/s/chartshop/orders"), "links to the orders");

        let stranger = Browser::new(&app);
        stranger.log_in(&buyer.username, &buyer.password).await;
        let (s, _) = stranger.page("/s/chartshop/dashboard").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
}
