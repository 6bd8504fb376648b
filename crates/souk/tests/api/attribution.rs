//! Attribution on both engines: a tag click followed by a purchase credits the post and its author (only
//! the clicked products' lines), a click older than the 7-day window does not, the author's own clicks,
//! clicks on hidden posts and repeated clicks within a minute are not counted, another merchant gets 404
//! on the report (API and page), cancelled, unpaid and refunded orders leave the revenue, a guest's click
//! is credited once that browser logs in and buys, an order-by-message request is credited and counts
//! once confirmed and paid, and the dashboard page draws the SVG chart.
//!
//! Tags are inserted straight into `post_tags` (the tag-placing API is another module's), and clicks are
//! moved back in time with SQL, the way the checkout tests run jobs "later".

use crate::checkout::open_db;
use crate::commerce_support::{first_variant, merchant, money, shop, simple_product};
use crate::payments::{CARD_OK, bought, post_idem};
use crate::support::Browser;
use souk_test_support::reqwest::{Method, StatusCode};
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{DEFAULT_PASSWORD, TestApp, TestUser, backend_tests};

const DAY_US: i64 = 86_400_000_000;

fn code(e: &Value) -> &str {
    e["error"]["code"].as_str().unwrap_or("")
}

/// Runs one statement with integer binds on the app's database; returns the first column of the first row
/// when it yields one.
async fn sql(app: &TestApp, q: &str, binds: &[i64]) -> Option<i64> {
    let db = open_db(app).await;
    let mut tx = db.begin().await.unwrap();
    let out = match tx.conn() {
        souk_store::Conn::Sqlite(c) => {
            let mut s = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(q.to_owned()));
            for b in binds {
                s = s.bind(*b);
            }
            s.fetch_optional(&mut *c).await.unwrap()
        }
        souk_store::Conn::Postgres(c) => {
            let mut s = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(q.to_owned()));
            for b in binds {
                s = s.bind(*b);
            }
            s.fetch_optional(&mut *c).await.unwrap()
        }
    };
    tx.commit().await.unwrap();
    db.close().await;
    out
}

/// A post by `author` with one photo and a tag on `product` (and `variant`, when given); returns
/// (post id, tag id).
async fn tagged_post(
    app: &TestApp,
    author: &TestUser,
    product: i64,
    variant: Option<i64>,
) -> (i64, i64) {
    let post = app.create_post(&author.token, "Wearing it today", 1).await;
    let post_id = post["id"].as_i64().unwrap();
    let tag = sql(
        app,
        "INSERT INTO post_tags (post_id, image_position, x_bp, y_bp, product_id, variant_id, shop_id, created_at) \
         SELECT $1, 0, 5000, 5000, id, NULLIF($3, 0), shop_id, 0 FROM products WHERE id = $2 RETURNING id",
        &[post_id, product, variant.unwrap_or(0)],
    )
    .await
    .unwrap();
    (post_id, tag)
}

async fn click(app: &TestApp, token: Option<&str>, tag: i64) -> (StatusCode, Value) {
    app.call(
        Method::POST,
        &format!("/api/v1/tags/{tag}/click"),
        token,
        None,
    )
    .await
}

async fn report(app: &TestApp, token: &str, handle: &str, days: i64) -> Value {
    let (s, r) = app
        .get_json(
            &format!("/api/v1/shops/{handle}/attribution?days={days}"),
            Some(token),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    r
}

async fn attribution_of(app: &TestApp, token: &str, order: i64) -> Value {
    let (s, a) = app
        .get_json(&format!("/api/v1/orders/{order}/attribution"), Some(token))
        .await;
    assert_eq!(s, StatusCode::OK, "{a}");
    a["attribution"].clone()
}

/// Moves every click of `tag` back by `days` (and its once-a-minute key with it).
async fn age_clicks(app: &TestApp, tag: i64, days: i64) {
    sql(
        app,
        "UPDATE tag_clicks SET clicked_at = clicked_at - $2, minute_bucket = minute_bucket - $3 WHERE tag_id = $1",
        &[tag, days * DAY_US, days * 1440],
    )
    .await;
}

/// A merchant with shop `handle` in `currency`, a product at `price` and a creator with a post tagging it.
struct Scene {
    merchant: TestUser,
    creator: TestUser,
    product: i64,
    variant: i64,
    post: i64,
    tag: i64,
}

async fn scene(app: &TestApp, handle: &str, currency: &str, price: i64) -> Scene {
    let m = merchant(app, &format!("{handle}_owner")).await;
    shop(app, &m.token, handle, currency).await;
    let p = simple_product(app, &m.token, handle, currency, price, 100).await;
    let creator = app
        .user_of_kind(&format!("{handle}_creator"), "creator")
        .await;
    let product = p["id"].as_i64().unwrap();
    let variant = first_variant(&p);
    let (post, tag) = tagged_post(app, &creator, product, Some(variant)).await;
    Scene {
        merchant: m,
        creator,
        product,
        variant,
        post,
        tag,
    }
}

backend_tests! {
    async fn click_then_buy_credits_the_post_and_its_author(backend) {
        let app = TestApp::start(backend).await;
        let sc = scene(&app, "jackets", "USD", 1250).await;
        let other = simple_product(&app, &sc.merchant.token, "jackets", "USD", 800, 100).await;
        let buyer = app.user("shopper").await;

        // The tag sheet's click, then the no-JS link a second later: one click.
        let (s, c) = click(&app, Some(&buyer.token), sc.tag).await;
        assert_eq!(s, StatusCode::OK, "{c}");
        assert_eq!(c["counted"], true, "{c}");
        assert_eq!(c["product_url"], format!("/products/{}?variant={}", sc.product, sc.variant));
        let res = app.get_auth(&format!("/t/{}", sc.tag), &buyer.token).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(res.headers()["location"], format!("/products/{}?variant={}", sc.product, sc.variant).as_str());
        let (_, again) = click(&app, Some(&buyer.token), sc.tag).await;
        assert_eq!((again["counted"].clone(), again["not_counted_reason"].clone()), (json!(false), json!("duplicate")));

        // Unknown tags are 404 on both surfaces.
        let (s, e) = click(&app, Some(&buyer.token), 999_999).await;
        assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "not_found"));
        assert_eq!(app.get(&format!("/t/{}", 999_999)).await.status(), StatusCode::NOT_FOUND);

        // The tagged jacket and an untagged extra in one order: only the jacket's line is credited.
        let (s, _) = crate::checkout::add_to_cart(&app, &buyer.token, first_variant(&other), 1).await;
        assert!(s.is_success());
        let order = bought(&app, &buyer, "jackets", sc.variant, 2, Some(CARD_OK)).await;
        assert_eq!(order["status"], "paid", "{order}");
        let id = order["id"].as_i64().unwrap();
        let a = attribution_of(&app, &sc.merchant.token, id).await;
        assert_eq!(a["post_id"], sc.post, "{a}");
        assert_eq!(a["creator_id"], sc.creator.id);
        assert_eq!(a["tag_id"], sc.tag);
        assert_eq!(a["attributed_subtotal"], money(2500, "USD"));

        let r = report(&app, &sc.merchant.token, "jackets", 30).await;
        assert_eq!(r["totals"]["clicks"], 1, "{r}");
        assert_eq!(r["totals"]["orders"], 1);
        assert_eq!(r["totals"]["revenue"], money(2500, "USD"));
        assert_eq!(r["totals"]["conversion_pct"], 100.0);
        assert_eq!(r["click_window_days"], 7);
        assert_eq!(r["posts"][0]["post_id"], sc.post);
        assert_eq!(r["posts"][0]["url"], format!("/p/{}", sc.post));
        assert_eq!(r["posts"][0]["author"], sc.creator.username.as_str());
        assert!(r["posts"][0]["thumb_url"].as_str().unwrap().starts_with("/media/"), "{r}");
        assert_eq!(r["creators"][0]["username"], sc.creator.username.as_str());
        assert_eq!(r["creators"][0]["revenue"], money(2500, "USD"));
        let (s, e) = app.get_json("/api/v1/shops/jackets/attribution?days=12", Some(&sc.merchant.token)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");

        // An order without any click carries no attribution.
        let plain = app.user("plain").await;
        let o = bought(&app, &plain, "jackets", sc.variant, 1, Some(CARD_OK)).await;
        assert_eq!(attribution_of(&app, &sc.merchant.token, o["id"].as_i64().unwrap()).await, Value::Null);

        let (_, doc) = app.get_json("/api/openapi.json", None).await;
        for path in ["/api/v1/tags/{tag_id}/click", "/api/v1/shops/{handle}/attribution", "/api/v1/orders/{id}/attribution"] {
            assert!(doc["paths"][path].is_object(), "{path} documented");
        }
    }

    async fn a_click_older_than_seven_days_is_not_credited(backend) {
        let app = TestApp::start(backend).await;
        let sc = scene(&app, "window", "USD", 1000).await;
        let buyer = app.user("late").await;

        let (_, c) = click(&app, Some(&buyer.token), sc.tag).await;
        assert_eq!(c["counted"], true);
        age_clicks(&app, sc.tag, 8).await;
        let o = bought(&app, &buyer, "window", sc.variant, 1, Some(CARD_OK)).await;
        assert_eq!(attribution_of(&app, &sc.merchant.token, o["id"].as_i64().unwrap()).await, Value::Null);

        // Six days back is still inside the window.
        let (_, c) = click(&app, Some(&buyer.token), sc.tag).await;
        assert_eq!(c["counted"], true, "{c}");
        age_clicks(&app, sc.tag, 6).await;
        let o = bought(&app, &buyer, "window", sc.variant, 1, Some(CARD_OK)).await;
        let a = attribution_of(&app, &sc.merchant.token, o["id"].as_i64().unwrap()).await;
        assert_eq!(a["post_id"], sc.post, "{a}");

        // A click on another shop's product does not credit this shop's order.
        let elsewhere = scene(&app, "elsewhere", "USD", 500).await;
        let (_, c) = click(&app, Some(&buyer.token), elsewhere.tag).await;
        assert_eq!(c["counted"], true);
        let o = bought(&app, &buyer, "window", sc.variant, 1, Some(CARD_OK)).await;
        let a = attribution_of(&app, &sc.merchant.token, o["id"].as_i64().unwrap()).await;
        assert_eq!(a["post_id"], sc.post, "still the six-day-old click: {a}");
    }

    async fn the_authors_own_clicks_and_hidden_posts_do_not_count(backend) {
        let app = TestApp::start(backend).await;
        let sc = scene(&app, "selfie", "USD", 900).await;

        let (s, c) = click(&app, Some(&sc.creator.token), sc.tag).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!((c["counted"].clone(), c["not_counted_reason"].clone()), (json!(false), json!("own_post")));
        // The author's purchase of what they tagged is not their own post's sale.
        let o = bought(&app, &sc.creator, "selfie", sc.variant, 1, Some(CARD_OK)).await;
        assert_eq!(attribution_of(&app, &sc.merchant.token, o["id"].as_i64().unwrap()).await, Value::Null);

        // A hidden post's tag still leads to the product but is not counted.
        let viewer = app.user("viewer").await;
        sql(&app, "UPDATE posts SET hidden_at = $2 WHERE id = $1", &[sc.post, 1]).await;
        let (_, c) = click(&app, Some(&viewer.token), sc.tag).await;
        assert_eq!(c["not_counted_reason"], "hidden_post", "{c}");
        let res = app.get_auth(&format!("/t/{}", sc.tag), &viewer.token).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);

        let r = report(&app, &sc.merchant.token, "selfie", 7).await;
        assert_eq!(r["totals"]["clicks"], 0, "{r}");
        assert_eq!(r["totals"]["orders"], 0);
        assert!(r["posts"].as_array().unwrap().is_empty());
    }

    async fn another_merchant_gets_404(backend) {
        let app = TestApp::start(backend).await;
        let sc = scene(&app, "private", "USD", 1500).await;
        let buyer = app.user("buyer").await;
        click(&app, Some(&buyer.token), sc.tag).await;
        let o = bought(&app, &buyer, "private", sc.variant, 1, Some(CARD_OK)).await;
        let order = o["id"].as_i64().unwrap();

        let rival = merchant(&app, "rival").await;
        shop(&app, &rival.token, "rivalshop", "USD").await;
        let (s, e) = app.get_json("/api/v1/shops/private/attribution", Some(&rival.token)).await;
        assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "not_found"));
        let (s, e) = app.get_json(&format!("/api/v1/orders/{order}/attribution"), Some(&rival.token)).await;
        assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "not_found"));
        // The creator is credited but is not staff of the shop.
        let (s, _) = app.get_json("/api/v1/shops/private/attribution", Some(&sc.creator.token)).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, e) = app.get_json("/api/v1/shops/private/attribution", None).await;
        assert_eq!((s, code(&e)), (StatusCode::UNAUTHORIZED, "unauthenticated"));

        let b = Browser::new(&app);
        b.log_in("rival", DEFAULT_PASSWORD).await;
        let (s, html) = b.page("/s/private/attribution").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert!(!html.contains("attr-chart"));
        let anon = Browser::new(&app);
        let res = anon.get("/s/private/attribution").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "logged-out visitors go to log in");
    }

    async fn cancelled_unpaid_and_refunded_orders_leave_the_revenue(backend) {
        let app = TestApp::start(backend).await;
        let sc = scene(&app, "refundy", "USD", 1000).await;
        let m = &sc.merchant.token;
        let buyers = app.users("buyer", 5).await;
        for b in &buyers {
            let (_, c) = click(&app, Some(&b.token), sc.tag).await;
            assert_eq!(c["counted"], true, "{c}");
        }
        // b0 keeps a paid order of two.
        let kept = bought(&app, &buyers[0], "refundy", sc.variant, 2, Some(CARD_OK)).await;
        // b1 pays, then gets one of two units back by line.
        let partial = bought(&app, &buyers[1], "refundy", sc.variant, 2, Some(CARD_OK)).await;
        let line = partial["lines"][0]["id"].as_i64().unwrap();
        let (s, r, _) = post_idem(&app, m, &format!("/api/v1/orders/{}/refunds", partial["id"]), "r1",
            &json!({"lines": [{"line_id": line, "quantity": 1}]})).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        // b2 is refunded in full.
        let full = bought(&app, &buyers[2], "refundy", sc.variant, 1, Some(CARD_OK)).await;
        let (s, r, _) = post_idem(&app, m, &format!("/api/v1/orders/{}/refunds", full["id"]), "r2", &json!({})).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        assert_eq!(r["order"]["status"], "refunded");
        // b3 never pays (bank transfer pending) and b4's order is cancelled.
        let pending = bought(&app, &buyers[3], "refundy", sc.variant, 1, None).await;
        assert_eq!(pending["status"], "pending");
        let cancelled = bought(&app, &buyers[4], "refundy", sc.variant, 1, None).await;
        let (s, o) = app.call(Method::POST, &format!("/api/v1/orders/{}/cancel", cancelled["id"]), Some(m), None).await;
        assert_eq!(s, StatusCode::OK, "{o}");

        // Every order was credited when placed …
        for o in [&kept, &partial, &full, &pending, &cancelled] {
            let a = attribution_of(&app, m, o["id"].as_i64().unwrap()).await;
            assert_eq!(a["post_id"], sc.post, "{a}");
        }
        // … but only paid sales count, net of refunds: 2000 + (2000 − 1000).
        let r = report(&app, m, "refundy", 30).await;
        assert_eq!(r["totals"]["clicks"], 5, "{r}");
        assert_eq!(r["totals"]["orders"], 2, "{r}");
        assert_eq!(r["totals"]["revenue"], money(3000, "USD"));
        assert_eq!(r["posts"][0]["conversion_pct"], 40.0);

        // Paying the pending order later makes it count without any attribution change.
        let (s, _) = app.call(Method::POST, &format!("/api/v1/orders/{}/mark-paid", pending["id"]), Some(m), None).await;
        assert_eq!(s, StatusCode::OK);
        let r = report(&app, m, "refundy", 30).await;
        assert_eq!((r["totals"]["orders"].clone(), r["totals"]["revenue"].clone()), (json!(3), money(4000, "USD")));
    }

    async fn a_guest_click_counts_once_the_browser_logs_in_and_buys(backend) {
        let app = TestApp::start(backend).await;
        let sc = scene(&app, "guestshop", "USD", 2000).await;
        let buyer = app.user("guestbuyer").await;

        let b = Browser::new(&app);
        let res = b.get(&format!("/t/{}", sc.tag)).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let set = res.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).find(|c| c.starts_with("souk_tc=")).expect("guest cookie set");
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Max-Age=604800"), "{set}");
        assert!(b.cookie("souk_tc").is_some());

        // Logging in on that browser claims the click; the cookie is then cleared.
        b.log_in("guestbuyer", DEFAULT_PASSWORD).await;
        let (s, _) = b.page("/").await;
        assert_eq!(s, StatusCode::OK);
        assert!(b.cookie("souk_tc").is_none(), "guest cookie cleared after the claim");

        let o = bought(&app, &buyer, "guestshop", sc.variant, 1, Some(CARD_OK)).await;
        let a = attribution_of(&app, &sc.merchant.token, o["id"].as_i64().unwrap()).await;
        assert_eq!(a["post_id"], sc.post, "{a}");
        let r = report(&app, &sc.merchant.token, "guestshop", 7).await;
        assert_eq!((r["totals"]["clicks"].clone(), r["totals"]["orders"].clone()), (json!(1), json!(1)), "{r}");

        // A guest browser that logs in as the post's author claims nothing for them.
        let g = Browser::new(&app);
        g.get(&format!("/t/{}", sc.tag)).await;
        g.log_in(&sc.creator.username, DEFAULT_PASSWORD).await;
        g.page("/").await;
        let o = bought(&app, &sc.creator, "guestshop", sc.variant, 1, Some(CARD_OK)).await;
        assert_eq!(attribution_of(&app, &sc.merchant.token, o["id"].as_i64().unwrap()).await, Value::Null);
    }

    async fn the_dashboard_page_draws_the_chart(backend) {
        let app = TestApp::start(backend).await;
        // Won have no minor unit: 15000 KRW is "₩15,000", never "₩15,000.00".
        let sc = scene(&app, "seoulshop", "KRW", 15_000).await;
        let buyer = app.user("minji").await;
        click(&app, Some(&buyer.token), sc.tag).await;
        bought(&app, &buyer, "seoulshop", sc.variant, 1, Some(CARD_OK)).await;

        let b = Browser::new(&app);
        b.log_in("seoulshop_owner", DEFAULT_PASSWORD).await;
        let (s, dash) = b.page("/s/seoulshop/dashboard").await;
        assert_eq!(s, StatusCode::OK);
        assert!(dash.contains("href=\"/s/seoulshop/attribution\""), "dashboard links to attribution");

        let (s, html) = b.page("/s/seoulshop/attribution?days=90").await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("<svg class=\"attr-chart\""), "{html}");
        assert!(html.contains("<rect"), "a bar for the post");
        assert!(html.contains(&format!("Post #{}", sc.post)));
        assert!(html.contains("₩15,000"), "{html}");
        assert!(!html.contains("₩15,000.00"));
        assert!(html.contains(&format!("/u/{}", sc.creator.username)));
        assert!(html.contains("aria-current=\"page\">90 days"), "period tab marked");
        // A bad period falls back to 30 days rather than failing.
        let (s, html) = b.page("/s/seoulshop/attribution?days=abc").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("aria-current=\"page\">30 days"));
    }

    async fn an_order_request_is_credited_and_counts_once_paid(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "dmshop_owner").await;
        let (s, _) = app.call(Method::POST, "/api/v1/shops", Some(&m.token), Some(&json!({
            "handle": "dmshop", "name": "DM", "currency": "KRW", "checkout_mode": "message"}))).await;
        assert_eq!(s, StatusCode::CREATED);
        let p = simple_product(&app, &m.token, "dmshop", "KRW", 15_000, 5).await;
        let creator = app.user_of_kind("dmcreator", "creator").await;
        let (post, tag) = tagged_post(&app, &creator, p["id"].as_i64().unwrap(), None).await;
        let buyer = app.user("dmbuyer").await;
        let (_, c) = click(&app, Some(&buyer.token), tag).await;
        assert_eq!(c["product_url"], format!("/products/{}", p["id"]), "no variant on the tag");
        crate::checkout::add_to_cart(&app, &buyer.token, first_variant(&p), 1).await;
        let (s, req) = app.call(Method::POST, "/api/v1/shops/dmshop/order-requests", Some(&buyer.token), Some(&json!({}))).await;
        assert_eq!(s, StatusCode::CREATED, "{req}");
        let id = req["id"].as_i64().unwrap();
        let a = attribution_of(&app, &m.token, id).await;
        assert_eq!((a["post_id"].clone(), a["attributed_subtotal"].clone()), (json!(post), money(15_000, "KRW")), "{a}");
        // A request is not a sale until it is confirmed and paid.
        let r = report(&app, &m.token, "dmshop", 7).await;
        assert_eq!((r["totals"]["clicks"].clone(), r["totals"]["orders"].clone()), (json!(1), json!(0)), "{r}");
        let (s, _) = app.call(Method::POST, &format!("/api/v1/orders/{id}/confirm"), Some(&m.token), None).await;
        assert_eq!(s, StatusCode::OK);
        let (s, o) = app.call(Method::POST, &format!("/api/v1/orders/{id}/mark-paid"), Some(&m.token), None).await;
        assert_eq!(s, StatusCode::OK, "{o}");
        let r = report(&app, &m.token, "dmshop", 7).await;
        assert_eq!((r["totals"]["orders"].clone(), r["totals"]["revenue"].clone()), (json!(1), money(15_000, "KRW")), "{r}");
    }
}
