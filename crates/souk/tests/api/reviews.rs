//! Reviews on both engines: only buyers of a delivered order line review (403 `not_a_buyer`, 409
//! `already_reviewed`), rating and text bounds, photos, the shop's single reply, reports decided through
//! moderation with the audit log the operator reads (merchants cannot hide directly, and "negative" is
//! not a reason), helpful votes once per account, another shop's staff getting 404, exact aggregates under
//! 40 concurrent reviews, escaping on the product page, filters, sort and pagination, the no-JS page flow
//! from an order to a review, and the OpenAPI document.

use crate::checkout::{add_to_cart, checkout, checkout_body, open_db, store_with_product};
use crate::commerce_support::merchant;
use crate::support::Browser;
use souk_test_support::futures_util::future::join_all;
use souk_test_support::reqwest::{Method, StatusCode};
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{TestApp, TestUser, backend_tests, jpeg, json_response};

/// The stable error code of an API error body.
pub(crate) fn code(e: &Value) -> &str {
    e["error"]["code"].as_str().unwrap_or("")
}

/// The codes of an API validation error's fields, in order.
pub(crate) fn field_codes(e: &Value) -> Vec<String> {
    e["error"]["details"]["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["code"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Buys one unit of `variant` as a new user `name` with the test card; returns the buyer and order id
/// (paid, not yet shipped).
pub(crate) async fn paid_order(
    app: &TestApp,
    handle: &str,
    variant: i64,
    name: &str,
) -> (TestUser, i64) {
    let buyer = app.user(name).await;
    let (s, b) = add_to_cart(app, &buyer.token, variant, 1).await;
    assert!(s.is_success(), "{b}");
    let mut body = checkout_body(handle);
    body["payment"] = json!({"provider": "test", "card_number": "4242424242424242"});
    let (s, order) = checkout(app, &buyer.token, &format!("k-{name}"), &body).await;
    assert_eq!(s, StatusCode::CREATED, "{order}");
    (buyer, order["id"].as_i64().unwrap())
}

/// The merchant ships and delivers an order through the API.
pub(crate) async fn deliver(app: &TestApp, merchant_token: &str, order: i64) {
    let (s, o) = app
        .call(
            Method::POST,
            &format!("/api/v1/orders/{order}/fulfil"),
            Some(merchant_token),
            Some(&json!({"tracking_number": "1Z1", "carrier": "UPS"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{o}");
    let (s, o) = app
        .call(
            Method::POST,
            &format!("/api/v1/orders/{order}/deliver"),
            Some(merchant_token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{o}");
}

pub(crate) async fn delivered_buyer(
    app: &TestApp,
    m: &TestUser,
    handle: &str,
    variant: i64,
    name: &str,
) -> TestUser {
    let (buyer, order) = paid_order(app, handle, variant, name).await;
    deliver(app, &m.token, order).await;
    buyer
}

async fn post_review(app: &TestApp, token: &str, product: i64, body: Value) -> (StatusCode, Value) {
    app.call(
        Method::POST,
        &format!("/api/v1/products/{product}/reviews"),
        Some(token),
        Some(&body),
    )
    .await
}

async fn review_ok(app: &TestApp, token: &str, product: i64, body: Value) -> Value {
    let (s, r) = post_review(app, token, product, body).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    r
}

async fn rating(app: &TestApp, product: i64) -> Value {
    let (s, r) = app
        .get_json(&format!("/api/v1/products/{product}/rating"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    r
}

fn review_ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

/// The aggregate counted from the visible reviews in the database: (count, sum, per star 1..5).
async fn recount(app: &TestApp, product: i64) -> (i64, i64, [i64; 5]) {
    let db = open_db(app).await;
    let mut h = db.read().await.unwrap();
    let r = souk_store::reviews::recount(h.conn(), product)
        .await
        .unwrap();
    let stored = souk_store::reviews::rating(h.conn(), product)
        .await
        .unwrap();
    drop(h);
    db.close().await;
    assert_eq!(r, stored, "stored aggregate drifted from a recount");
    (r.count, r.sum, r.stars)
}

backend_tests! {
    async fn only_buyers_of_delivered_lines_review_once(backend) {
        let app = TestApp::start(backend).await;
        let (m, pid, vid) = store_with_product(&app, "knits", 50).await;

        // No order at all.
        let stranger = app.user("stranger").await;
        let (s, e) = post_review(&app, &stranger.token, pid, json!({"rating": 5})).await;
        assert_eq!((s, code(&e)), (StatusCode::FORBIDDEN, "not_a_buyer"), "{e}");
        // Paid and shipped but not delivered.
        let (buyer, order) = paid_order(&app, "knits", vid, "ada").await;
        let (s, e) = post_review(&app, &buyer.token, pid, json!({"rating": 5})).await;
        assert_eq!((s, code(&e)), (StatusCode::FORBIDDEN, "not_a_buyer"));
        let (s, _) = app.call(Method::POST, &format!("/api/v1/orders/{order}/fulfil"), Some(&m.token),
            Some(&json!({"tracking_number": "1Z1"}))).await;
        assert_eq!(s, StatusCode::OK);
        let (s, e) = post_review(&app, &buyer.token, pid, json!({"rating": 5})).await;
        assert_eq!((s, code(&e)), (StatusCode::FORBIDDEN, "not_a_buyer"));
        let (s, _) = app.call(Method::POST, &format!("/api/v1/orders/{order}/deliver"), Some(&m.token), None).await;
        assert_eq!(s, StatusCode::OK);
        // Anonymous callers must log in.
        let (s, _) = app.call(Method::POST, &format!("/api/v1/products/{pid}/reviews"), None, Some(&json!({"rating": 5}))).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);

        // Bounds: rating 1–5, title ≤ 120, body ≤ 5000.
        for bad in [0, 6, -1] {
            let (s, e) = post_review(&app, &buyer.token, pid, json!({"rating": bad})).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
            assert!(field_codes(&e).contains(&"rating_out_of_range".to_owned()), "{e}");
        }
        let (s, e) = post_review(&app, &buyer.token, pid, json!({"rating": 4, "title": "t".repeat(121)})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_codes(&e), vec!["title_too_long"]);
        let (s, e) = post_review(&app, &buyer.token, pid, json!({"rating": 4, "body": "b".repeat(5001)})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_codes(&e), vec!["body_too_long"]);

        // A line of another buyer's order is not this buyer's.
        let (s, e) = post_review(&app, &stranger.token, pid, json!({"rating": 5, "order_line_id": 1})).await;
        assert_eq!((s, code(&e)), (StatusCode::FORBIDDEN, "not_a_buyer"));

        let r = review_ok(&app, &buyer.token, pid, json!({
            "rating": 4, "title": "t".repeat(120), "body": "Warm and soft.", "fit_note": "size M, usually wear S"})).await;
        assert_eq!(r["rating"], 4);
        assert_eq!(r["verified_buyer"], true);
        assert_eq!(r["fit_note"], "size M, usually wear S");
        assert_eq!(r["author"], "ada");
        let (s, e) = post_review(&app, &buyer.token, pid, json!({"rating": 1})).await;
        assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "already_reviewed"));

        // Product JSON carries the rating.
        let (_, p) = app.get_json(&format!("/api/v1/products/{pid}"), None).await;
        assert_eq!(p["rating"], json!({"average": 4.0, "count": 1}));

        // The author edits (aggregate follows) and deletes; the merchant can do neither.
        let id = r["id"].as_i64().unwrap();
        let (s, e) = app.call(Method::PATCH, &format!("/api/v1/reviews/{id}"), Some(&m.token), Some(&json!({"rating": 5}))).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
        let (s, e) = app.call(Method::PATCH, &format!("/api/v1/reviews/{id}"), Some(&buyer.token), Some(&json!({"rating": 2}))).await;
        assert_eq!(s, StatusCode::OK, "{e}");
        assert_eq!(e["rating"], 2);
        assert_eq!(recount(&app, pid).await, (1, 2, [0, 1, 0, 0, 0]));
        let (s, _) = app.call(Method::DELETE, &format!("/api/v1/reviews/{id}"), Some(&m.token), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app.call(Method::DELETE, &format!("/api/v1/reviews/{id}"), Some(&buyer.token), None).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        assert_eq!(recount(&app, pid).await, (0, 0, [0; 5]));
        let r = rating(&app, pid).await;
        assert_eq!((r["count"].as_i64(), r["average"].as_f64()), (Some(0), Some(0.0)));
        // After deleting, the same line can be reviewed again.
        review_ok(&app, &buyer.token, pid, json!({"rating": 3})).await;
    }

    async fn photos_go_through_the_image_pipeline(backend) {
        let app = TestApp::start(backend).await;
        let (m, pid, vid) = store_with_product(&app, "knits", 50).await;
        let buyer = delivered_buyer(&app, &m, "knits", vid, "ada").await;
        let upload = |n: usize| {
            let mut form = souk_test_support::reqwest::multipart::Form::new()
                .text("rating", "5")
                .text("title", "Lovely")
                .text("fit_note", "size S");
            for i in 0..n {
                let part = souk_test_support::reqwest::multipart::Part::bytes(jpeg(i as u64, 160, 120))
                    .file_name(format!("p{i}.jpg"))
                    .mime_str("image/jpeg")
                    .unwrap();
                form = form.part("images", part);
            }
            form.text("alt_text", "A jumper on a chair")
        };
        let send = |form| {
            app.client
                .post(app.url(&format!("/api/v1/products/{pid}/reviews")))
                .bearer_auth(&buyer.token)
                .multipart(form)
                .send()
        };
        let (s, e) = json_response(send(upload(6)).await.unwrap()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(field_codes(&e).contains(&"too_many_images".to_owned()), "{e}");
        // Not an image.
        let bad = souk_test_support::reqwest::multipart::Form::new().text("rating", "5").part(
            "images",
            souk_test_support::reqwest::multipart::Part::bytes(b"not an image".to_vec()).file_name("x.jpg"),
        );
        let (s, e) = json_response(send(bad).await.unwrap()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(field_codes(&e).contains(&"image_unsupported_format".to_owned()), "{e}");

        let (s, r) = json_response(send(upload(2)).await.unwrap()).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        let photos = r["photos"].as_array().unwrap();
        assert_eq!(photos.len(), 2);
        assert_eq!(photos[0]["alt"], "A jumper on a chair");
        for p in photos {
            let res = app.get(p["url"].as_str().unwrap()).await;
            assert_eq!(res.status(), StatusCode::OK);
            let bytes = res.bytes().await.unwrap();
            // Re-encoded by Souk: a JPEG without the uploaded bytes' EXIF.
            assert_eq!(&bytes[..2], &[0xFF, 0xD8]);
        }
        let (_, page) = app.get_json(&format!("/api/v1/products/{pid}/reviews?with_photos=true"), None).await;
        assert_eq!(review_ids(&page), vec![r["id"].as_i64().unwrap()]);
    }

    async fn merchant_replies_once_and_other_shops_get_404(backend) {
        let app = TestApp::start(backend).await;
        let (m, pid, vid) = store_with_product(&app, "knits", 50).await;
        let other = merchant(&app, "rival").await;
        crate::commerce_support::shop(&app, &other.token, "rivals", "USD").await;
        let buyer = delivered_buyer(&app, &m, "knits", vid, "ada").await;
        let r = review_ok(&app, &buyer.token, pid, json!({"rating": 2, "title": "Too small"})).await;
        let id = r["id"].as_i64().unwrap();
        let reply = |token: String, body: &'static str| {
            let app = &app;
            async move {
                app.call(Method::POST, &format!("/api/v1/reviews/{id}/reply"), Some(&token), Some(&json!({"body": body}))).await
            }
        };
        let (s, _) = reply(other.token.clone(), "Buy ours instead").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = reply(buyer.token.clone(), "Replying to myself").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, e) = reply(m.token.clone(), "   ").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        let (s, r) = reply(m.token.clone(), "Sorry! We will swap it for a larger size.").await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        assert_eq!(r["reply"]["body"], "Sorry! We will swap it for a larger size.");
        let (s, e) = reply(m.token.clone(), "Second reply").await;
        assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "already_replied"));
        // Public: anyone sees the reply.
        let (_, page) = app.get_json(&format!("/api/v1/products/{pid}/reviews"), None).await;
        assert_eq!(page["items"][0]["reply"]["body"], "Sorry! We will swap it for a larger size.");

        // Another shop's staff cannot decide this shop's reports, nor read its review list.
        let reporter = app.user("reporter").await;
        let (s, rep) = app.call(Method::POST, &format!("/api/v1/reviews/{id}/reports"), Some(&reporter.token),
            Some(&json!({"reason": "spam"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{rep}");
        let rid = rep["id"].as_i64().unwrap();
        let (s, _) = app.call(Method::POST, &format!("/api/v1/reviews/{id}/reports/{rid}/decision"), Some(&other.token),
            Some(&json!({"decision": "uphold", "reason": "spam"}))).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app.get_json("/api/v1/shops/knits/reviews", Some(&other.token)).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, list) = app.get_json("/api/v1/shops/knits/reviews", Some(&m.token)).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(list["open_reports"][0]["id"], rid);
        // The reporter (not staff) cannot decide either.
        let (s, _) = app.call(Method::POST, &format!("/api/v1/reviews/{id}/reports/{rid}/decision"), Some(&reporter.token),
            Some(&json!({"decision": "uphold", "reason": "spam"}))).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }

    async fn reports_hide_only_through_decisions_with_an_audit_trail(backend) {
        let app = TestApp::start(backend).await;
        let (m, pid, vid) = store_with_product(&app, "knits", 50).await;
        let buyer = delivered_buyer(&app, &m, "knits", vid, "ada").await;
        let r = review_ok(&app, &buyer.token, pid, json!({"rating": 1, "title": "Fell apart after a week"})).await;
        let id = r["id"].as_i64().unwrap();
        let reporter = app.user("reporter").await;
        let admin = app.user("operator").await;
        app.make_admin("operator").await;

        // There is no way for the merchant to hide a review without a report.
        let (s, _) = app.call(Method::PATCH, &format!("/api/v1/reviews/{id}"), Some(&m.token), Some(&json!({"status": "hidden"}))).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app.call(Method::DELETE, &format!("/api/v1/reviews/{id}"), Some(&m.token), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app.call(Method::POST, &format!("/api/v1/reviews/{id}/reports/999/decision"), Some(&m.token),
            Some(&json!({"decision": "uphold", "reason": "spam"}))).await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // "negative" is not a reason, neither for reporting nor for deciding.
        let (s, e) = app.call(Method::POST, &format!("/api/v1/reviews/{id}/reports"), Some(&m.token),
            Some(&json!({"reason": "negative"}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_codes(&e), vec!["reason_invalid"]);
        let (s, rep) = app.call(Method::POST, &format!("/api/v1/reviews/{id}/reports"), Some(&reporter.token),
            Some(&json!({"reason": "off_topic", "note": "about shipping"}))).await;
        assert_eq!(s, StatusCode::CREATED);
        let rid = rep["id"].as_i64().unwrap();
        let decide = |token: String, body: Value| {
            let app = &app;
            async move {
                app.call(Method::POST, &format!("/api/v1/reviews/{id}/reports/{rid}/decision"), Some(&token), Some(&body)).await
            }
        };
        let (s, e) = decide(m.token.clone(), json!({"decision": "uphold", "reason": "negative"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(field_codes(&e), vec!["reason_invalid"]);
        // Still visible and counted.
        assert_eq!(recount(&app, pid).await.0, 1);
        // Only an operator reverses.
        let (s, e) = decide(m.token.clone(), json!({"decision": "reverse"})).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{e}");

        let (s, hidden) = decide(m.token.clone(), json!({"decision": "uphold", "reason": "off_topic", "note": "Talks about the courier"})).await;
        assert_eq!(s, StatusCode::OK, "{hidden}");
        assert_eq!((hidden["status"].as_str(), hidden["hidden_reason"].as_str()), (Some("hidden"), Some("off_topic")));
        let (s, e) = decide(m.token.clone(), json!({"decision": "uphold", "reason": "spam"})).await;
        assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "report_closed"));

        // Gone from the page, the list and the aggregates for everyone but the author.
        assert_eq!(recount(&app, pid).await, (0, 0, [0; 5]));
        let (_, page) = app.get_json(&format!("/api/v1/products/{pid}/reviews"), None).await;
        assert!(review_ids(&page).is_empty());
        let (s, _) = app.get_json(&format!("/api/v1/reviews/{id}"), Some(&reporter.token)).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (_, mine) = app.get_json(&format!("/api/v1/products/{pid}/reviews"), Some(&buyer.token)).await;
        assert_eq!(mine["items"][0]["status"], "hidden");
        let author_page = Browser::new(&app);
        author_page.log_in("ada", &buyer.password).await;
        let (_, html) = author_page.page(&format!("/products/{pid}")).await;
        assert!(html.contains("Fell apart after a week") && html.contains("data-review-hidden"), "author sees the note");
        let html = app.get(&format!("/products/{pid}")).await.text().await.unwrap();
        assert!(!html.contains("Fell apart after a week"));

        // The operator sees the decision in the audit log (JSON and page); nobody else does.
        let (s, _) = app.get_json("/api/v1/admin/review-audit", Some(&m.token)).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, log) = app.get_json("/api/v1/admin/review-audit", Some(&admin.token)).await;
        assert_eq!(s, StatusCode::OK, "{log}");
        let first = &log["items"][0];
        assert_eq!((first["action"].as_str(), first["reason"].as_str(), first["actor"].as_str(), first["review_id"].as_i64()),
            (Some("hide"), Some("off_topic"), Some("knits_owner"), Some(id)));
        assert_eq!(first["note"], "Talks about the courier");
        let op = Browser::new(&app);
        op.log_in("operator", &admin.password).await;
        let (s, html) = op.page("/admin/reviews").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("Talks about the courier"), "{html}");
        let (s, _) = author_page.page("/admin/reviews").await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // The operator reverses: visible and counted again, audited.
        let (s, shown) = decide(admin.token.clone(), json!({"decision": "reverse", "note": "A real complaint"})).await;
        assert_eq!(s, StatusCode::OK, "{shown}");
        assert_eq!(shown["status"], "visible");
        assert_eq!(recount(&app, pid).await, (1, 1, [1, 0, 0, 0, 0]));
        let (_, log) = app.get_json("/api/v1/admin/review-audit", Some(&admin.token)).await;
        assert_eq!((log["items"][0]["action"].as_str(), log["items"][0]["actor"].as_str()), (Some("unhide"), Some("operator")));

        // A dismissal is audited too.
        let (_, rep2) = app.call(Method::POST, &format!("/api/v1/reviews/{id}/reports"), Some(&reporter.token),
            Some(&json!({"reason": "spam"}))).await;
        let rid2 = rep2["id"].as_i64().unwrap();
        let (s, _) = app.call(Method::POST, &format!("/api/v1/reviews/{id}/reports/{rid2}/decision"), Some(&m.token),
            Some(&json!({"decision": "dismiss"}))).await;
        assert_eq!(s, StatusCode::OK);
        let (_, log) = app.get_json("/api/v1/admin/review-audit", Some(&admin.token)).await;
        assert_eq!(log["items"][0]["action"], "dismiss");
        assert_eq!(recount(&app, pid).await.0, 1);
    }

    async fn helpful_votes_count_once_per_account(backend) {
        let app = TestApp::start(backend).await;
        let (m, pid, vid) = store_with_product(&app, "knits", 50).await;
        let a = delivered_buyer(&app, &m, "knits", vid, "ada").await;
        let b = delivered_buyer(&app, &m, "knits", vid, "bob").await;
        let ra = review_ok(&app, &a.token, pid, json!({"rating": 5})).await["id"].as_i64().unwrap();
        let rb = review_ok(&app, &b.token, pid, json!({"rating": 3})).await["id"].as_i64().unwrap();
        let voters = app.users("voter", 3).await;
        let vote = |token: String, id: i64, on: bool| {
            let app = &app;
            async move {
                let m = if on { Method::POST } else { Method::DELETE };
                app.call(m, &format!("/api/v1/reviews/{id}/helpful"), Some(&token), None).await
            }
        };
        // Twice by the same account, concurrently, counts once.
        let (x, y) = tokio::join!(vote(voters[0].token.clone(), rb, true), vote(voters[0].token.clone(), rb, true));
        assert_eq!((x.0, y.0), (StatusCode::OK, StatusCode::OK));
        let (_, r) = vote(voters[1].token.clone(), rb, true).await;
        assert_eq!(r, json!({"helpful_count": 2, "helpful_by_me": true}));
        let (_, r) = vote(voters[2].token.clone(), rb, true).await;
        assert_eq!(r["helpful_count"], 3);
        let (_, r) = vote(voters[2].token.clone(), rb, false).await;
        assert_eq!(r["helpful_count"], 2);
        let (_, r) = vote(voters[2].token.clone(), rb, false).await;
        assert_eq!(r["helpful_count"], 2);
        let (s, _) = app.call(Method::POST, &format!("/api/v1/reviews/{rb}/helpful"), None, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);

        // Most helpful first, else newest first.
        let (_, page) = app.get_json(&format!("/api/v1/products/{pid}/reviews?sort=helpful"), Some(&voters[0].token)).await;
        assert_eq!(review_ids(&page), vec![rb, ra]);
        assert_eq!(page["items"][0]["helpful_by_me"], true);
        let (_, page) = app.get_json(&format!("/api/v1/products/{pid}/reviews"), None).await;
        assert_eq!(review_ids(&page), vec![rb, ra]);

        // The no-JS page form toggles too.
        let br = Browser::new(&app);
        br.log_in("voter2", &voters[2].password).await;
        let res = br.submit(&format!("/reviews/{ra}/helpful"), &[("next", &format!("/products/{pid}"))]).await;
        assert!(res.status().is_redirection(), "{}", res.status());
        let (_, r) = app.get_json(&format!("/api/v1/reviews/{ra}"), None).await;
        assert_eq!(r["helpful_count"], 1);
        br.submit(&format!("/reviews/{ra}/helpful"), &[]).await;
        let (_, r) = app.get_json(&format!("/api/v1/reviews/{ra}"), None).await;
        assert_eq!(r["helpful_count"], 0);
    }

    async fn aggregates_stay_exact_under_40_concurrent_reviews(backend) {
        let app = TestApp::start(backend).await;
        let (m, pid, vid) = store_with_product(&app, "knits", 100).await;
        let mut buyers = Vec::new();
        for chunk in (0..40).collect::<Vec<_>>().chunks(8) {
            let made = join_all(
                chunk.iter().map(|i| {
                    let (app, m) = (&app, &m);
                    async move { delivered_buyer(app, m, "knits", vid, &format!("buyer{i}")).await }
                }),
            ).await;
            buyers.extend(made);
        }
        let results = join_all(buyers.iter().enumerate().map(|(i, b)| {
            let app = &app;
            async move { post_review(app, &b.token, pid, json!({"rating": (i % 5) as i64 + 1, "title": format!("r{i}")})).await }
        })).await;
        for (s, r) in &results {
            assert_eq!(*s, StatusCode::CREATED, "{r}");
        }
        // Concurrent edits and deletes keep it exact as well.
        let changes = join_all(results.iter().take(10).enumerate().map(|(i, (_, r))| {
            let app = &app;
            let token = buyers[i].token.clone();
            let id = r["id"].as_i64().unwrap();
            async move {
                if i % 2 == 0 {
                    app.call(Method::PATCH, &format!("/api/v1/reviews/{id}"), Some(&token), Some(&json!({"rating": 5}))).await.0
                } else {
                    app.call(Method::DELETE, &format!("/api/v1/reviews/{id}"), Some(&token), None).await.0
                }
            }
        })).await;
        assert!(changes.iter().all(|s| s.is_success()), "{changes:?}");
        // Expected: 40 reviews rated i%5+1; the first ten: even ones now 5, odd ones deleted.
        let mut stars = [0i64; 5];
        for i in 0..40usize {
            let rating = if i < 10 && i % 2 == 1 { continue } else if i < 10 { 5 } else { i % 5 + 1 };
            stars[rating - 1] += 1;
        }
        let count: i64 = stars.iter().sum();
        let sum: i64 = stars.iter().enumerate().map(|(i, n)| (i as i64 + 1) * n).sum();
        assert_eq!(recount(&app, pid).await, (count, sum, stars));
        let r = rating(&app, pid).await;
        assert_eq!(r["count"].as_i64(), Some(count));
        assert_eq!(r["sum"].as_i64(), Some(sum));
        let dist: Vec<i64> = r["distribution"].as_array().unwrap().iter().map(|d| d["count"].as_i64().unwrap()).collect();
        assert_eq!(dist, stars.iter().rev().copied().collect::<Vec<_>>());
    }

    async fn review_text_is_escaped_on_the_product_page(backend) {
        let app = TestApp::start(backend).await;
        let (m, pid, vid) = store_with_product(&app, "knits", 50).await;
        let buyer = delivered_buyer(&app, &m, "knits", vid, "ada").await;
        review_ok(&app, &buyer.token, pid, json!({
            "rating": 5,
            "title": "<script>alert('t')</script>",
            "body": "<img src=x onerror=alert(1)> nice",
            "fit_note": "\"><svg onload=alert(2)>"})).await;
        let res = app.get(&format!("/products/{pid}")).await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        assert!(!html.contains("<script>alert"), "title not escaped");
        assert!(!html.contains("<img src=x"), "body not escaped");
        assert!(!html.contains("<svg onload"), "fit note not escaped");
        assert!(html.contains("&#60;script&#62;alert"), "{html}");
        // The section shows the average, the count and the SVG distribution.
        assert!(html.contains("id=\"reviews\"") && html.contains("<svg"), "{html}");
    }

    async fn filters_sort_and_pages(backend) {
        let app = TestApp::start(backend).await;
        let (m, pid, vid) = store_with_product(&app, "knits", 50).await;
        let mut ids = Vec::new();
        for (i, stars) in [5, 4, 5, 1, 5].iter().enumerate() {
            let b = delivered_buyer(&app, &m, "knits", vid, &format!("buyer{i}")).await;
            ids.push(review_ok(&app, &b.token, pid, json!({"rating": stars})).await["id"].as_i64().unwrap());
        }
        let (_, page) = app.get_json(&format!("/api/v1/products/{pid}/reviews?stars=5"), None).await;
        assert_eq!(review_ids(&page), vec![ids[4], ids[2], ids[0]]);
        let (_, page) = app.get_json(&format!("/api/v1/products/{pid}/reviews?stars=1"), None).await;
        assert_eq!(review_ids(&page), vec![ids[3]]);
        let (s, _) = app.get_json(&format!("/api/v1/products/{pid}/reviews?stars=6"), None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, _) = app.get_json(&format!("/api/v1/products/{pid}/reviews?sort=worst"), None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        // Cursor pages cover everything once, newest first.
        let mut seen = Vec::new();
        let mut cursor = String::new();
        loop {
            let (s, page) = app.get_json(&format!("/api/v1/products/{pid}/reviews?limit=2&cursor={cursor}"), None).await;
            assert_eq!(s, StatusCode::OK, "{page}");
            seen.extend(review_ids(&page));
            match page["next_cursor"].as_str() {
                Some(c) => cursor = c.to_owned(),
                None => break,
            }
        }
        assert_eq!(seen, ids.iter().rev().copied().collect::<Vec<_>>());
        // Helpful sort pages too.
        let voter = app.user("voter").await;
        app.call(Method::POST, &format!("/api/v1/reviews/{}/helpful", ids[1]), Some(&voter.token), None).await;
        let (_, page) = app.get_json(&format!("/api/v1/products/{pid}/reviews?sort=helpful&limit=2"), None).await;
        assert_eq!(review_ids(&page), vec![ids[1], ids[4]]);
        let c = page["next_cursor"].as_str().unwrap().to_owned();
        let (_, page) = app.get_json(&format!("/api/v1/products/{pid}/reviews?sort=helpful&limit=2&cursor={c}"), None).await;
        assert_eq!(review_ids(&page), vec![ids[3], ids[2]]);
        let r = rating(&app, pid).await;
        assert_eq!((r["count"].as_i64(), r["average"].as_f64()), (Some(5), Some(4.0)));
        // The page filters work without JavaScript.
        let html = app.get(&format!("/products/{pid}?stars=1")).await.text().await.unwrap();
        assert!(html.contains(&format!("id=\"review-{}\"", ids[3])) && !html.contains(&format!("id=\"review-{}\"", ids[0])));
    }
    async fn pages_lead_from_the_order_to_a_review_and_the_shop_replies(backend) {
        let app = TestApp::start(backend).await;
        let (m, pid, vid) = store_with_product(&app, "knits", 50).await;
        let (buyer, order) = paid_order(&app, "knits", vid, "ada").await;
        let br = Browser::new(&app);
        br.log_in("ada", &buyer.password).await;
        // Not delivered yet: no link, and the write page refuses.
        let (_, html) = br.page(&format!("/orders/{order}")).await;
        assert!(!html.contains(&format!("/orders/{order}/reviews")));
        let (s, _) = br.page(&format!("/products/{pid}/reviews/new")).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        deliver(&app, &m.token, order).await;

        let (_, html) = br.page(&format!("/orders/{order}")).await;
        assert!(html.contains(&format!("/orders/{order}/reviews")), "order page links to reviewing");
        let (s, html) = br.page(&format!("/orders/{order}/reviews")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains(&format!("/products/{pid}/reviews/new?line=")), "{html}");
        let (_, html) = br.page(&format!("/products/{pid}")).await;
        assert!(html.contains(&format!("/products/{pid}/reviews/new")), "product page offers to write");
        let (s, html) = br.page(&format!("/products/{pid}/reviews/new")).await;
        assert_eq!(s, StatusCode::OK);
        let csrf = crate::support::csrf_from_html(&html).unwrap();

        // Multipart form with a photo; a bad rating shows the form again with the error.
        let form = |rating: &str| {
            souk_test_support::reqwest::multipart::Form::new()
                .text("csrf_token", csrf.clone())
                .text("rating", rating.to_owned())
                .text("title", "Cosy")
                .text("body", "Warm all winter.")
                .part("images", souk_test_support::reqwest::multipart::Part::bytes(jpeg(7, 160, 120))
                    .file_name("p.jpg").mime_str("image/jpeg").unwrap())
        };
        let res = br.client.post(br.url(&format!("/products/{pid}/reviews/new"))).multipart(form("9")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text().await.unwrap().contains("Cosy"), "form keeps what was typed");
        let res = br.client.post(br.url(&format!("/products/{pid}/reviews/new"))).multipart(form("4")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, page) = app.get_json(&format!("/api/v1/products/{pid}/reviews"), None).await;
        let id = page["items"][0]["id"].as_i64().unwrap();
        assert_eq!(page["items"][0]["photos"].as_array().unwrap().len(), 1);
        let (_, html) = br.page(&format!("/orders/{order}/reviews")).await;
        assert!(html.contains(&format!("#review-{id}")), "reviewed lines link to the review");

        // The merchant replies from the shop's review page; a stranger gets 404 there.
        let mb = Browser::new(&app);
        mb.log_in("knits_owner", &m.password).await;
        let (s, html) = mb.page("/s/knits/reviews").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains(&format!("/reviews/{id}/reply")));
        let res = mb.submit(&format!("/reviews/{id}/reply"), &[("body", "Thank you!"), ("next", "/s/knits/reviews")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let html = app.get(&format!("/products/{pid}")).await.text().await.unwrap();
        assert!(html.contains("Thank you!"));
        let (s, _) = br.page("/s/knits/reviews").await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // Reporting through the page, then the merchant hides it from the same page.
        let other = app.user("reporter").await;
        let rb = Browser::new(&app);
        rb.log_in("reporter", &other.password).await;
        let (s, _) = rb.page(&format!("/reviews/{id}/report")).await;
        assert_eq!(s, StatusCode::OK);
        let res = rb.submit(&format!("/reviews/{id}/report"), &[("reason", "negative")]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let res = rb.submit(&format!("/reviews/{id}/report"), &[("reason", "spam")]).await;
        assert_eq!(res.status(), StatusCode::OK);
        let (_, html) = mb.page("/s/knits/reviews").await;
        let marker = format!("/reviews/{id}/reports/");
        let start = html.find(&marker).expect("decision form");
        let rid: String = html[start + marker.len()..].chars().take_while(char::is_ascii_digit).collect();
        let res = mb.submit(&format!("/reviews/{id}/reports/{rid}/decision"),
            &[("decision", "uphold"), ("reason", "spam"), ("next", "/s/knits/reviews")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, r) = app.get_json(&format!("/api/v1/reviews/{id}"), Some(&buyer.token)).await;
        assert_eq!(r["status"], "hidden");
    }
    async fn reviews_api_is_in_the_openapi_document(backend) {
        let app = TestApp::start(backend).await;
        let (s, doc) = app.get_json("/api/openapi.json", None).await;
        assert_eq!(s, StatusCode::OK);
        let paths = &doc["paths"];
        for (path, method) in [
            ("/api/v1/products/{id}/reviews", "get"),
            ("/api/v1/products/{id}/reviews", "post"),
            ("/api/v1/products/{id}/rating", "get"),
            ("/api/v1/reviews/{id}", "get"),
            ("/api/v1/reviews/{id}", "patch"),
            ("/api/v1/reviews/{id}", "delete"),
            ("/api/v1/reviews/{id}/reply", "post"),
            ("/api/v1/reviews/{id}/helpful", "post"),
            ("/api/v1/reviews/{id}/helpful", "delete"),
            ("/api/v1/reviews/{id}/reports", "post"),
            ("/api/v1/reviews/{id}/reports/{rid}/decision", "post"),
            ("/api/v1/admin/review-audit", "get"),
            ("/api/v1/shops/{handle}/reviews", "get"),
        ] {
            assert!(paths[path][method].is_object(), "{method} {path} undocumented");
        }
        let content = &paths["/api/v1/products/{id}/reviews"]["post"]["requestBody"]["content"];
        assert!(content["application/json"].is_object() && content["multipart/form-data"].is_object(), "{content}");
        assert!(doc["components"]["schemas"]["ProductJson"]["properties"]["rating"].is_object());
    }
}
