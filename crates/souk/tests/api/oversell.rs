//! Never oversell, on both engines: 200 distinct buyers with the same variant in their carts check out at
//! once against 5 units; exactly 5 orders exist afterwards, the other 195 get 409 `out_of_stock`, and the
//! stock ends at 0. The last unit in two carts goes to exactly one of them.

use crate::checkout::{add_to_cart, checkout, checkout_body, stock_of, store_with_product};
use souk_test_support::futures_util::future::join_all;
use souk_test_support::reqwest::{Method, StatusCode};
use souk_test_support::{TestApp, backend_tests};

backend_tests! {
    async fn one_cart_checked_out_twice_at_once_makes_one_order(backend) {
        let app = TestApp::start(backend).await;
        let (_m, pid, vid) = store_with_product(&app, "twice", 10).await;
        let buyer = app.user("buyer").await;
        add_to_cart(&app, &buyer.token, vid, 2).await;
        let body = checkout_body("twice");
        let results = join_all((0..6).map(|i| {
            let body = body.clone();
            let app = &app;
            let token = buyer.token.clone();
            async move { checkout(app, &token, &format!("tab-{i}"), &body).await }
        }))
        .await;
        let created = results.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
        assert_eq!(created, 1, "{results:?}");
        assert!(results.iter().all(|(s, e)| *s == StatusCode::CREATED || e["error"]["code"] == "cart_empty"), "{results:?}");
        assert_eq!(stock_of(&app, pid).await, 8);
    }

    async fn two_hundred_buyers_five_units(backend) {
        let app = TestApp::start(backend).await;
        let (m, pid, vid) = store_with_product(&app, "flash", 200).await;
        // Sign-ups hash passwords; 20 at a time keeps the pool from timing out on a busy machine.
        let mut buyers = Vec::new();
        for chunk in 0..10 {
            let names: Vec<String> = (0..20).map(|i| format!("buyer{}", chunk * 20 + i)).collect();
            buyers.extend(join_all(names.iter().map(|n| app.user(n))).await);
        }
        // Every cart holds the variant while stock is plentiful, then stock drops to 5.
        let adds = join_all(buyers.iter().map(|b| add_to_cart(&app, &b.token, vid, 1))).await;
        assert!(adds.iter().all(|(s, _)| *s == StatusCode::CREATED));
        let (s, _) = app
            .call(Method::PATCH, &format!("/api/v1/variants/{vid}"), Some(&m.token),
                Some(&souk_test_support::serde_json::json!({"stock": 5})))
            .await;
        assert_eq!(s, StatusCode::OK);

        let body = checkout_body("flash");
        let results = join_all(
            buyers.iter().enumerate().map(|(i, b)| {
                let body = body.clone();
                let app = &app;
                async move { checkout(app, &b.token, &format!("flash-{i}"), &body).await }
            }),
        )
        .await;
        let created = results.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
        let sold_out = results
            .iter()
            .filter(|(s, e)| *s == StatusCode::CONFLICT && e["error"]["code"] == "out_of_stock")
            .count();
        let others: Vec<_> = results
            .iter()
            .filter(|(s, e)| !(*s == StatusCode::CREATED || (*s == StatusCode::CONFLICT && e["error"]["code"] == "out_of_stock")))
            .collect();
        assert!(others.is_empty(), "unexpected answers: {others:?}");
        assert_eq!((created, sold_out), (5, 195));
        assert_eq!(stock_of(&app, pid).await, 0);
        let (s, page) = app.get_json("/api/v1/orders?role=merchant&limit=100", Some(&m.token)).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(page["items"].as_array().unwrap().len(), 5);
        assert!(page["items"].as_array().unwrap().iter().all(|o| o["lines"][0]["quantity"] == 1));
    }

    async fn last_unit_in_two_carts(backend) {
        let app = TestApp::start(backend).await;
        let (_m, pid, vid) = store_with_product(&app, "lastone", 1).await;
        let a = app.user("alice").await;
        let b = app.user("bob").await;
        add_to_cart(&app, &a.token, vid, 1).await;
        add_to_cart(&app, &b.token, vid, 1).await;
        let body = checkout_body("lastone");
        let (ra, rb) = futures_join(
            checkout(&app, &a.token, "a", &body),
            checkout(&app, &b.token, "b", &body),
        )
        .await;
        let mut statuses = [ra.0, rb.0];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT], "{ra:?} {rb:?}");
        let loser = if ra.0 == StatusCode::CONFLICT { &ra.1 } else { &rb.1 };
        assert_eq!(loser["error"]["code"], "out_of_stock");
        assert_eq!(stock_of(&app, pid).await, 0);
    }
}

async fn futures_join<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    souk_test_support::futures_util::future::join(a, b).await
}
