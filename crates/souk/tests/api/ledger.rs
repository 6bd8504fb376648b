//! The double-entry ledger on both engines: after a run of payments, partial and full refunds in two
//! currencies every transaction balances, per-account balances add up, orders match the ledger, and only
//! operators see the check (API and page).

use crate::checkout::store_with_product;
use crate::commerce_support::{first_variant, merchant, money, shop, simple_product};
use crate::payments::{CARD_OK, balance, bought, ledger, post_idem};
use crate::support::Browser;
use souk_test_support::reqwest::{Method, StatusCode};
use souk_test_support::serde_json::json;
use souk_test_support::{DEFAULT_PASSWORD, TestApp, backend_tests};

backend_tests! {
    async fn ledger_balances_after_payments_and_refunds(backend) {
        let app = TestApp::builder(backend).config(|c| c.commerce.platform_fee_bps = 500).start().await;
        let (m, _pid, vid) = store_with_product(&app, "teashop", 50).await;
        let k = merchant(&app, "seoul").await;
        shop(&app, &k.token, "seoultea", "KRW").await;
        let kp = simple_product(&app, &k.token, "seoultea", "KRW", 15_000, 50).await;
        let buyer = app.user("buyer").await;

        let mut usd_paid = 0;
        let mut usd_refunded = 0;
        for i in 0..3 {
            let o = bought(&app, &buyer, "teashop", vid, i + 1, Some(CARD_OK)).await;
            usd_paid += o["paid"]["amount_minor"].as_i64().unwrap();
            let id = o["id"].as_i64().unwrap();
            let (s, r, _) = post_idem(&app, &m.token, &format!("/api/v1/orders/{id}/refunds"), &format!("p{i}"), &json!({"amount": money(500, "USD")})).await;
            assert_eq!(s, StatusCode::CREATED, "{r}");
            usd_refunded += 500;
            if i == 2 {
                let (s, r, _) = post_idem(&app, &m.token, &format!("/api/v1/orders/{id}/refunds"), "full", &json!({"restock": true})).await;
                assert_eq!(s, StatusCode::CREATED, "{r}");
                assert_eq!(r["order"]["status"], "refunded");
                usd_refunded += r["amount"]["amount_minor"].as_i64().unwrap();
            }
        }
        let ko = bought(&app, &buyer, "seoultea", first_variant(&kp), 2, None).await;
        let (s, _) = app.call(Method::POST, &format!("/api/v1/orders/{}/mark-paid", ko["id"]), Some(&k.token), None).await;
        assert_eq!(s, StatusCode::OK);

        let admin = app.user("ops").await;
        let l = ledger(&app, &admin).await;
        assert_eq!(l["ok"], true, "{l}");
        assert!(l["unbalanced"].as_array().unwrap().is_empty());
        assert!(l["mismatched_orders"].as_array().unwrap().is_empty());
        assert_eq!(l["transactions"], 3 + 4 + 1);
        for c in l["currencies"].as_array().unwrap() {
            assert_eq!(c["net_minor"], 0, "{c}");
        }
        assert_eq!(balance(&l, "shopper_payments", "USD"), usd_paid - usd_refunded);
        assert_eq!(balance(&l, "refunds", "USD"), 0);
        assert_eq!(balance(&l, "shopper_payments", "KRW"), 30_000);
        assert_eq!(balance(&l, "platform_fees", "KRW"), -1_500);
        assert_eq!(balance(&l, "merchant_payable", "KRW"), -28_500);

        // Operators only, on the API and the page.
        for token in [&buyer.token, &m.token] {
            let (s, _) = app.get_json("/api/v1/admin/ledger", Some(token)).await;
            assert_eq!(s, StatusCode::NOT_FOUND);
        }
        let (s, _) = app.get_json("/api/v1/admin/ledger", None).await;
        assert!(s == StatusCode::NOT_FOUND || s == StatusCode::UNAUTHORIZED);
        let anon = Browser::new(&app);
        let (s, _) = anon.page("/admin/ledger").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let b = Browser::new(&app);
        b.log_in("ops", DEFAULT_PASSWORD).await;
        let (s, html) = b.page("/admin/ledger").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("data-ledger-ok=\"true\""), "{html}");
        assert!(html.contains("₩30,000"), "KRW balance formatted: {html}");
        assert!(html.contains("Merchant payable"), "{html}");
    }
}
