//! Statement budgets of the hot routes, on both engines: each request is measured on a small data set and
//! again after the data it shows has grown (more posts, photos, tags, variants, reviews, lines), and must
//! run the same number of SQL statements both times, within the budget written here. A change that adds a
//! query to one of these pages changes its budget here, in the same commit, with the reason.
//!
//! Counts come from the server's `X-Souk-Statements` header (every statement the request ran through the
//! store, the session lookup and transaction begin/commit included).

use crate::checkout::{add_to_cart, address};
use crate::commerce_support::{merchant, money, product, shop};
use crate::reviews::delivered_buyer;
use crate::support::Browser;
use souk_test_support::reqwest::{Method, StatusCode};
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{DEFAULT_PASSWORD, TestApp, TestUser, backend_tests, statements};

/// Statements of one GET, by API token (`Some`) or anonymously.
async fn api_get(app: &TestApp, token: Option<&str>, path: &str) -> u32 {
    let mut req = app.client.get(app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "GET {path}");
    statements(&res)
}

/// Statements of one page load in a logged-in browser.
async fn page_get(browser: &Browser, path: &str) -> u32 {
    let res = browser.get(path).await;
    assert_eq!(res.status(), StatusCode::OK, "page {path}");
    statements(&res)
}

/// Statements of one request to `path` (API paths with the token, pages in the browser). The first
/// visit may do one-off work (a fresh CSRF cookie, say), so the second, steady-state visit is counted.
async fn route_statements(app: &TestApp, browser: &Browser, token: &str, path: &str) -> u32 {
    let mut n = 0;
    for _ in 0..2 {
        n = if path.starts_with("/api/") {
            api_get(app, Some(token), path).await
        } else {
            page_get(browser, path).await
        };
    }
    n
}

/// Checks one route's measurements: the same count before and after growth, and within budget. Problems
/// are collected so one run reports every route.
fn within_budget(problems: &mut Vec<String>, route: &str, small: u32, large: u32, budget: u32) {
    eprintln!("budget {route}: {small} statements small, {large} large (budget {budget})");
    if small != large {
        problems.push(format!(
            "{route}: statements changed with the data shown ({small} → {large})"
        ));
    }
    if large > budget {
        problems.push(format!(
            "{route}: {large} statements, over its budget of {budget}"
        ));
    }
}

#[track_caller]
fn assert_no_problems(problems: &[String]) {
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

async fn like(app: &TestApp, token: &str, post: i64) {
    let (s, b) = app
        .call(
            Method::POST,
            &format!("/api/v1/posts/{post}/like"),
            Some(token),
            None,
        )
        .await;
    assert!(s.is_success(), "{b}");
}

async fn tag(app: &TestApp, token: &str, post: i64, image: i32, product: i64) {
    let (s, b) = app
        .call(
            Method::POST,
            &format!("/api/v1/posts/{post}/tags"),
            Some(token),
            Some(&json!({"image": image, "x": 0.3, "y": 0.6, "product_id": product})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
}

/// A product with `sizes` variants (one option axis), active, tracked stock.
async fn sized_product(
    app: &TestApp,
    m: &TestUser,
    handle: &str,
    title: &str,
    sizes: &[&str],
) -> Value {
    let variants: Vec<Value> = sizes
        .iter()
        .map(|s| json!({"sku": format!("{}-{s}", title.replace(' ', "-")), "options": [s], "stock": 50}))
        .collect();
    product(
        app,
        &m.token,
        handle,
        json!({"title": title, "price": money(2000, "USD"), "status": "active",
            "options": ["Size"], "variants": variants}),
    )
    .await
}

/// Authors with photo posts (some tagged with the shop's products, some shares) that `viewer` follows and
/// partly likes, `n` rounds of them; `product` tags the first author's posts.
async fn grow_feed(
    app: &TestApp,
    m: &TestUser,
    others: &[TestUser],
    viewer: &TestUser,
    product: Option<i64>,
    n: usize,
) {
    for i in 0..n {
        let post = app
            .create_post(&m.token, &format!("Drop {i} #knit"), 2)
            .await;
        let id = post["id"].as_i64().unwrap();
        if let Some(product) = product {
            tag(app, &m.token, id, 0, product).await;
            tag(app, &m.token, id, 1, product).await;
        }
        like(app, &viewer.token, id).await;
        for o in others {
            let own = app
                .create_post(&o.token, &format!("{} look {i}", o.username), 1)
                .await;
            let (s, b) = app
                .call(
                    Method::POST,
                    &format!("/api/v1/posts/{id}/share"),
                    Some(&o.token),
                    Some(&json!({"comment": "love it"})),
                )
                .await;
            assert!(s.is_success(), "{b}");
            like(app, &viewer.token, own["id"].as_i64().unwrap()).await;
        }
    }
}

async fn follow(app: &TestApp, who: &TestUser, whom: &str) {
    let (s, b) = app
        .call(
            Method::POST,
            &format!("/api/v1/users/{whom}/follow"),
            Some(&who.token),
            None,
        )
        .await;
    assert!(s.is_success(), "{b}");
}

/// Adds `n` products to the shop and the viewer's cart, and `n` delivered buyers who review the product
/// and post a photo tagging it; `from` keeps names unique across calls.
async fn grow_shop(
    app: &TestApp,
    m: &TestUser,
    viewer: &TestUser,
    pid: i64,
    vid: i64,
    from: usize,
    n: usize,
) {
    for i in from..from + n {
        let more = sized_product(app, m, "knits", &format!("Scarf {i}"), &["One"]).await;
        let v = more["variants"][0]["id"].as_i64().unwrap();
        let (s, b) = add_to_cart(app, &viewer.token, v, 1).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let buyer = delivered_buyer(app, m, "knits", vid, &format!("buyer{i}")).await;
        let (s, r) = app
            .call(
                Method::POST,
                &format!("/api/v1/products/{pid}/reviews"),
                Some(&buyer.token),
                Some(&json!({"rating": 4, "title": "Warm", "body": "Lovely and warm."})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        let post = app.create_post(&buyer.token, "Wearing it", 1).await;
        tag(app, &buyer.token, post["id"].as_i64().unwrap(), 0, pid).await;
    }
}

backend_tests! {
    async fn feeds_and_posts_stay_within_their_statement_budgets(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "knitshop").await;
        shop(&app, &m.token, "knits", "USD").await;
        let p = sized_product(&app, &m, "knits", "Cable knit", &["S", "M"]).await;
        let pid = p["id"].as_i64().unwrap();
        let others = vec![app.user("anna").await, app.user("bodhi").await];
        let viewer = app.user("viewer").await;
        // Not followed: their posts are what discover shows the viewer.
        let strangers = [app.user("stranger").await];
        for who in ["knitshop", "anna", "bodhi"] {
            follow(&app, &viewer, who).await;
        }
        let browser = Browser::new(&app);
        browser.log_in("viewer", DEFAULT_PASSWORD).await;

        grow_feed(&app, &m, &others, &viewer, Some(pid), 1).await;
        grow_feed(&app, &strangers[0], &[], &viewer, None, 1).await;
        let post = app.create_post(&m.token, "Comment here", 2).await;
        let post_id = post["id"].as_i64().unwrap();
        let (s, b) = app
            .call(
                Method::POST,
                &format!("/api/v1/posts/{post_id}/comments"),
                Some(&others[0].token),
                Some(&json!({"body": "First!"})),
            )
            .await;
        assert!(s.is_success(), "{b}");
        let routes = [
            "/api/v1/feed/home?limit=20",
            "/api/v1/feed/discover?limit=20",
            "/",
            "/discover",
            "/p/{post}",
            "/api/v1/posts/{post}",
            "/api/v1/posts/{post}/comments",
            "/u/knitshop",
        ];
        let measure = async |route: &str| -> u32 {
            let path = route.replace("{post}", &post_id.to_string());
            route_statements(&app, &browser, &viewer.token, &path).await
        };
        let mut small = Vec::new();
        for r in routes {
            small.push(measure(r).await);
        }

        grow_feed(&app, &m, &others, &viewer, Some(pid), 6).await;
        grow_feed(&app, &strangers[0], &[], &viewer, None, 4).await;
        for i in 0..5 {
            let (s, b) = app
                .call(
                    Method::POST,
                    &format!("/api/v1/posts/{post_id}/comments"),
                    Some(&others[i % 2].token),
                    Some(&json!({"body": format!("Nice {i}")})),
                )
                .await;
            assert!(s.is_success(), "{b}");
        }
        // Budgets: see each route's reason in the list below.
        let budgets = [
            // session, page of posts, originals of shares, photos + likes + saves, product tags
            ("/api/v1/feed/home?limit=20", 6),
            ("/api/v1/feed/discover?limit=20", 6),
            // the API's statements plus the header's unread counts and cart badge
            ("/", 9),
            ("/discover", 9),
            ("/p/{post}", 12),
            ("/api/v1/posts/{post}", 6),
            ("/api/v1/posts/{post}/comments", 4),
            ("/u/knitshop", 12),
        ];
        let mut problems = Vec::new();
        for (i, r) in routes.iter().enumerate() {
            let large = measure(r).await;
            within_budget(&mut problems, r, small[i], large, budgets[i].1);
        }
        assert_no_problems(&problems);
    }

    async fn product_shop_cart_and_checkout_stay_within_their_statement_budgets(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "knitshop").await;
        shop(&app, &m.token, "knits", "USD").await;
        let p = sized_product(&app, &m, "knits", "Cable knit", &["S", "M"]).await;
        let pid = p["id"].as_i64().unwrap();
        let vid = p["variants"][0]["id"].as_i64().unwrap();
        let viewer = app.user("viewer").await;
        let browser = Browser::new(&app);
        browser.log_in("viewer", DEFAULT_PASSWORD).await;
        let routes = [
            "/products/{product}",
            "/api/v1/products/{product}",
            "/api/v1/products/{product}/reviews",
            "/s/knits",
            "/api/v1/shops/knits/products",
            "/cart",
            "/api/v1/cart/items",
        ];
        let measure = async |route: &str| -> u32 {
            let path = route.replace("{product}", &pid.to_string());
            route_statements(&app, &browser, &viewer.token, &path).await
        };
        let (s, b) = add_to_cart(&app, &viewer.token, vid, 1).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        grow_shop(&app, &m, &viewer, pid, vid, 0, 1).await;
        let mut small = Vec::new();
        for r in routes {
            small.push(measure(r).await);
        }

        // Growth: more products in the shop and in the cart, reviews with buyers, posts tagging the product.
        grow_shop(&app, &m, &viewer, pid, vid, 1, 4).await;
        // A product view is six statements: the product, the viewer's staff roles in its shop, the shop,
        // variants, photos and the rating aggregate.
        let budgets = [
            // session, product view, shop head (2), unread count, reviews (page, photos, helpful votes),
            // the viewer's reviewable lines, customer photos, "As seen in" (ids, posts, photos, tags)
            ("/products/{product}", 19),
            // session, product view
            ("/api/v1/products/{product}", 7),
            // session, product view, reviews (page, photos, helpful votes)
            ("/api/v1/products/{product}/reviews", 10),
            // session, shop (2), unread count, the featured collections list (this shop features none),
            // shop products (page, product views without a viewer: 4), featured shopper posts (2)
            ("/s/knits", 12),
            // session, shop and role, page, product views (5)
            ("/api/v1/shops/knits/products", 9),
            // session, unread count, cart lines, cart
            ("/cart", 4),
            ("/api/v1/cart/items", 3),
        ];
        let mut problems = Vec::new();
        for (i, r) in routes.iter().enumerate() {
            let large = measure(r).await;
            within_budget(&mut problems, r, small[i], large, budgets[i].1);
        }

        // Checkout of one line versus five: the same statements.
        let lone = app.user("lone").await;
        add_to_cart(&app, &lone.token, vid, 1).await;
        let buy = async |who: &TestUser, key: &str| -> u32 {
            let res = app
                .client
                .post(app.url("/api/v1/checkout"))
                .bearer_auth(&who.token)
                .header("Idempotency-Key", key)
                .json(&json!({"shop": "knits", "address": address("US"),
                    "payment": {"provider": "test", "card_number": "4242424242424242"}}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::CREATED);
            statements(&res)
        };
        let one = buy(&lone, "budget-one").await;
        let (_, cart) = app.get_json("/api/v1/cart/items", Some(&viewer.token)).await;
        let lines = cart["shops"][0]["lines"].as_array().map_or(0, Vec::len) as u32;
        assert_eq!(lines, 6, "{cart}");
        let six = buy(&viewer, "budget-six").await;
        // Each tracked line costs exactly one statement more: its conditional stock UPDATE, which must
        // stay one row per statement so rows are locked in variant id order. Everything else is written
        // in batches. The one-line budget: session, idempotency claim and stored answer, and one
        // transaction for the order, lines, cart, payment, ledger, mail, attribution and stock, and the
        // order view it answers with (including whether the buyer is staff of the shop).
        within_budget(&mut problems, "POST /api/v1/checkout", one, six - (lines - 1), 44);
        assert_no_problems(&problems);
    }
}
