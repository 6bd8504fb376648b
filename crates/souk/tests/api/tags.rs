//! Product tags on posts, on both engines: the per-image (5) and per-post (20) limits, also under
//! concurrent writers; who may tag what (own shop, creator partners, delivered buyers, nobody else);
//! another user's post giving 404; archived products' tags vanishing without breaking the post; the
//! product sheet and buying from it (API and the sheet's HTML fragments) without touching the cart;
//! "As seen in"; and escaping of hostile captions and product titles.

use crate::checkout::{add_to_cart, address, checkout, store_with_product};
use crate::commerce_support::{merchant, product, shop};
use crate::reviews::{code, delivered_buyer, field_codes};
use crate::support::Browser;
use souk_test_support::futures_util::future::join_all;
use souk_test_support::reqwest::{Method, StatusCode};
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{DEFAULT_PASSWORD, TestApp, backend_tests};

async fn tag(app: &TestApp, token: &str, post: i64, body: Value) -> (StatusCode, Value) {
    app.call(
        Method::POST,
        &format!("/api/v1/posts/{post}/tags"),
        Some(token),
        Some(&body),
    )
    .await
}

fn at(image: i32, x: f64, y: f64, product: i64) -> Value {
    json!({"image": image, "x": x, "y": y, "product_id": product})
}

async fn post_tags(app: &TestApp, post: i64) -> Vec<Value> {
    let (s, p) = app.get_json(&format!("/api/v1/posts/{post}"), None).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    p["tags"].as_array().cloned().unwrap_or_default()
}

backend_tests! {
    async fn limits_and_positions_are_enforced(backend) {
        let app = TestApp::start(backend).await;
        let (m, pid, _) = store_with_product(&app, "knits", 50).await;
        let post = app.create_post(&m.token, "New season", 5).await;
        let post_id = post["id"].as_i64().unwrap();

        let (s, t) = tag(&app, &m.token, post_id, at(0, 0.25, 0.75, pid)).await;
        assert_eq!(s, StatusCode::CREATED, "{t}");
        assert_eq!((t["x"].as_f64(), t["y"].as_f64()), (Some(0.25), Some(0.75)));
        assert_eq!(t["title"], "Simple thing");
        assert_eq!(t["price"], json!({"amount_minor": 1250, "currency": "USD"}));
        assert_eq!(t["url"], format!("/t/{}", t["id"]));

        // Positions are fractions of the image; the image must exist.
        let (s, e) = tag(&app, &m.token, post_id, at(0, 1.5, -0.1, pid)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(field_codes(&e), vec!["position_out_of_range", "position_out_of_range"]);
        let (s, e) = tag(&app, &m.token, post_id, at(7, 0.5, 0.5, pid)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_codes(&e), vec!["no_such_image"]);
        let (s, e) = tag(&app, &m.token, post_id, at(0, 0.5, 0.5, 999_999)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_codes(&e), vec!["product_unavailable"]);

        // Five per image.
        for i in 1..5 {
            let (s, e) = tag(&app, &m.token, post_id, at(0, 0.1 * f64::from(i), 0.5, pid)).await;
            assert_eq!(s, StatusCode::CREATED, "{e}");
        }
        let (s, e) = tag(&app, &m.token, post_id, at(0, 0.9, 0.9, pid)).await;
        assert_eq!((s, code(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "too_many_tags_image"));
        // Twenty per post.
        for image in 1..4 {
            for i in 0..5 {
                let (s, e) = tag(&app, &m.token, post_id, at(image, 0.1 + 0.1 * f64::from(i), 0.5, pid)).await;
                assert_eq!(s, StatusCode::CREATED, "{e}");
            }
        }
        assert_eq!(post_tags(&app, post_id).await.len(), 20);
        let (s, e) = tag(&app, &m.token, post_id, at(4, 0.5, 0.5, pid)).await;
        assert_eq!((s, code(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "too_many_tags_post"));

        // Replacing the whole set is all or nothing.
        let too_many: Vec<Value> = (0..21).map(|i| at(i % 5, 0.5, 0.5, pid)).collect();
        let (s, e) = app.call(Method::PUT, &format!("/api/v1/posts/{post_id}/tags"), Some(&m.token),
            Some(&json!({"tags": too_many}))).await;
        assert_eq!((s, code(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "too_many_tags_post"));
        assert_eq!(post_tags(&app, post_id).await.len(), 20);
        let (s, e) = app.call(Method::PUT, &format!("/api/v1/posts/{post_id}/tags"), Some(&m.token),
            Some(&json!({"tags": [at(2, 0.5, 0.5, pid)]}))).await;
        assert_eq!(s, StatusCode::OK, "{e}");
        assert_eq!(e["items"].as_array().unwrap().len(), 1);
        let only = e["items"][0]["id"].as_i64().unwrap();
        let (s, _) = app.call(Method::DELETE, &format!("/api/v1/posts/{post_id}/tags/{only}"), Some(&m.token), None).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        assert!(post_tags(&app, post_id).await.is_empty());
    }

    async fn concurrent_taggers_never_pass_the_image_limit(backend) {
        let app = TestApp::start(backend).await;
        let (m, pid, _) = store_with_product(&app, "knits", 50).await;
        let post = app.create_post(&m.token, "Busy photo", 1).await;
        let post_id = post["id"].as_i64().unwrap();
        let results = join_all((0..16).map(|i| {
            let app = &app;
            let token = m.token.clone();
            async move { tag(app, &token, post_id, at(0, 0.05 * f64::from(i), 0.5, pid)).await.0 }
        }))
        .await;
        let created = results.iter().filter(|s| **s == StatusCode::CREATED).count();
        let refused = results.iter().filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY).count();
        assert_eq!((created, refused), (5, 11), "{results:?}");
        assert_eq!(post_tags(&app, post_id).await.len(), 5);
    }

    async fn who_may_tag_which_product(backend) {
        let app = TestApp::start(backend).await;
        let (m, pid, vid) = store_with_product(&app, "knits", 50).await;
        let rival = merchant(&app, "rival").await;
        shop(&app, &rival.token, "rivals", "USD").await;
        let rival_product = product(&app, &rival.token, "rivals", json!({
            "title": "Rival thing", "price": {"amount_minor": 900, "currency": "USD"}, "status": "active", "stock": 5})).await;
        let rival_pid = rival_product["id"].as_i64().unwrap();

        // A merchant tags only its own shop's products.
        let m_post = app.create_post(&m.token, "Ours", 1).await["id"].as_i64().unwrap();
        let (s, e) = tag(&app, &m.token, m_post, at(0, 0.5, 0.5, rival_pid)).await;
        assert_eq!((s, code(&e)), (StatusCode::FORBIDDEN, "tag_not_allowed"), "{e}");

        // Nobody edits someone else's post: 404, whether adding or removing.
        let (s, t) = tag(&app, &m.token, m_post, at(0, 0.5, 0.5, pid)).await;
        assert_eq!(s, StatusCode::CREATED);
        let (s, _) = tag(&app, &rival.token, m_post, at(0, 0.4, 0.4, rival_pid)).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app.call(Method::DELETE, &format!("/api/v1/posts/{m_post}/tags/{}", t["id"]), Some(&rival.token), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // A creator needs the shop's partnership.
        let creator = app.user_of_kind("mina", "creator").await;
        let c_post = app.create_post(&creator.token, "My outfit", 1).await["id"].as_i64().unwrap();
        let (s, e) = tag(&app, &creator.token, c_post, at(0, 0.5, 0.5, pid)).await;
        assert_eq!((s, code(&e)), (StatusCode::FORBIDDEN, "tag_not_allowed"));
        // Only the shop's staff manage the list, and only creators can be on it.
        let (s, _) = app.call(Method::POST, "/api/v1/shops/knits/tag-partners", Some(&rival.token), Some(&json!({"username": "mina"}))).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let shopper = app.user("ada").await;
        let (s, e) = app.call(Method::POST, "/api/v1/shops/knits/tag-partners", Some(&m.token), Some(&json!({"username": "ada"}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_codes(&e), vec!["not_a_creator"]);
        let (s, _) = app.call(Method::POST, "/api/v1/shops/knits/tag-partners", Some(&m.token), Some(&json!({"username": "@Mina"}))).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (_, list) = app.get_json("/api/v1/shops/knits/tag-partners", Some(&m.token)).await;
        assert_eq!(list["items"][0]["username"], "mina");
        let (s, e) = tag(&app, &creator.token, c_post, at(0, 0.5, 0.5, pid)).await;
        assert_eq!(s, StatusCode::CREATED, "{e}");
        // The shop owner hears about it.
        let notes = crate::social_support::notifications(&app, &m.token).await;
        assert!(notes.iter().any(|n| n["kind"] == "tagged"), "{notes:?}");
        // Off the list: no new tags, the old one stays.
        let (s, _) = app.call(Method::DELETE, "/api/v1/shops/knits/tag-partners/mina", Some(&m.token), None).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, _) = tag(&app, &creator.token, c_post, at(0, 0.2, 0.2, pid)).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert_eq!(post_tags(&app, c_post).await.len(), 1);

        // A shopper tags what they bought, once it was delivered.
        let s_post = app.create_post(&shopper.token, "Got it!", 1).await["id"].as_i64().unwrap();
        let (s, _) = tag(&app, &shopper.token, s_post, at(0, 0.5, 0.5, pid)).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let buyer = delivered_buyer(&app, &m, "knits", vid, "bea").await;
        let b_post = app.create_post(&buyer.token, "Love it", 1).await["id"].as_i64().unwrap();
        let (s, e) = tag(&app, &buyer.token, b_post, at(0, 0.5, 0.5, pid)).await;
        assert_eq!(s, StatusCode::CREATED, "{e}");
        let (s, e) = tag(&app, &buyer.token, b_post, at(0, 0.5, 0.5, rival_pid)).await;
        assert_eq!((s, code(&e)), (StatusCode::FORBIDDEN, "tag_not_allowed"));
        // The picker lists exactly what each may tag.
        let (_, mine) = app.get_json("/api/v1/me/taggable-products", Some(&buyer.token)).await;
        let reasons: Vec<(i64, String)> = mine["items"].as_array().unwrap().iter()
            .map(|i| (i["product_id"].as_i64().unwrap(), i["reason"].as_str().unwrap().to_owned())).collect();
        assert_eq!(reasons, vec![(pid, "bought".to_owned())]);
        let (_, theirs) = app.get_json("/api/v1/me/taggable-products?q=rival", Some(&rival.token)).await;
        assert_eq!(theirs["items"][0]["reason"], "shop");
    }

    async fn archived_products_hide_their_tags_gracefully(backend) {
        let app = TestApp::start(backend).await;
        let (m, pid, _) = store_with_product(&app, "knits", 50).await;
        let post_id = app.create_post(&m.token, "Look", 1).await["id"].as_i64().unwrap();
        let (_, t) = tag(&app, &m.token, post_id, at(0, 0.5, 0.5, pid)).await;
        let tag_id = t["id"].as_i64().unwrap();
        let (s, sheet) = app.get_json(&format!("/api/v1/product-tags/{tag_id}"), None).await;
        assert_eq!(s, StatusCode::OK, "{sheet}");
        assert_eq!(sheet["product"]["id"], pid);
        let (_, seen) = app.get_json(&format!("/api/v1/products/{pid}/posts"), None).await;
        assert_eq!(seen["items"][0]["id"], post_id);

        let (s, e) = app.call(Method::PATCH, &format!("/api/v1/products/{pid}"), Some(&m.token), Some(&json!({"status": "archived"}))).await;
        assert_eq!(s, StatusCode::OK, "{e}");
        // The post is intact; the tag is gone everywhere.
        assert!(post_tags(&app, post_id).await.is_empty());
        let (s, _) = app.get_json(&format!("/api/v1/product-tags/{tag_id}"), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let res = app.get(&format!("/p/{post_id}")).await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        assert!(!html.contains("tag-dot"), "no tag dot for an archived product");
        let res = app.get(&format!("/t/{tag_id}/sheet")).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        // Back on sale, the tag comes back.
        app.call(Method::PATCH, &format!("/api/v1/products/{pid}"), Some(&m.token), Some(&json!({"status": "active"}))).await;
        assert_eq!(post_tags(&app, post_id).await.len(), 1);
        // Deleted: the rows go, the post stays.
        let (s, _) = app.call(Method::DELETE, &format!("/api/v1/products/{pid}"), Some(&m.token), None).await;
        assert!(s.is_success(), "{s}");
        assert!(post_tags(&app, post_id).await.is_empty());
        assert_eq!(app.get(&format!("/p/{post_id}")).await.status(), StatusCode::OK);
    }

    async fn buy_from_the_feed_without_touching_the_cart(backend) {
        let app = TestApp::start(backend).await;
        let (m, pid, vid) = store_with_product(&app, "knits", 3).await;
        let post_id = app.create_post(&m.token, "Shop the look", 1).await["id"].as_i64().unwrap();
        let (_, t) = tag(&app, &m.token, post_id, at(0, 0.3, 0.6, pid)).await;
        let tag_id = t["id"].as_i64().unwrap();

        // The feed's post JSON carries the tag; the sheet has variants, stock and rating.
        let buyer = app.user("ada").await;
        let (s, sheet) = app.get_json(&format!("/api/v1/product-tags/{tag_id}"), Some(&buyer.token)).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(sheet["product"]["variants"][0]["id"], vid);
        assert_eq!(sheet["product"]["rating"]["count"], 0);

        // Something else already in the cart stays there.
        let other = product(&app, &m.token, "knits", json!({
            "title": "Socks", "price": {"amount_minor": 500, "currency": "USD"}, "status": "active", "stock": 9})).await;
        let other_vid = other["variants"][0]["id"].as_i64().unwrap();
        let (s, _) = add_to_cart(&app, &buyer.token, other_vid, 2).await;
        assert!(s.is_success());

        let body = json!({"shop": "knits", "address": address("US"),
            "payment": {"provider": "test", "card_number": "4242424242424242"},
            "buy_now": {"variant_id": vid, "quantity": 2}});
        let (s, order) = checkout(&app, &buyer.token, "sheet-1", &body).await;
        assert_eq!(s, StatusCode::CREATED, "{order}");
        assert_eq!(order["status"], "paid");
        let (s, again) = checkout(&app, &buyer.token, "sheet-1", &body).await;
        assert_eq!((s, &again["id"]), (StatusCode::CREATED, &order["id"]), "the same key replays the same order");
        let (_, cart) = app.get_json("/api/v1/cart/items", Some(&buyer.token)).await;
        assert_eq!(cart["item_count"], 2, "{cart}");
        // Only one unit is left; buying two more is refused, nothing oversold.
        let body3 = json!({"shop": "knits", "address": address("US"),
            "payment": {"provider": "test", "card_number": "4242424242424242"},
            "buy_now": {"variant_id": vid, "quantity": 2}});
        let (s, e) = checkout(&app, &buyer.token, "sheet-2", &body3).await;
        assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "out_of_stock"), "{e}");
    }

    async fn the_sheet_pages_buy_in_two_taps(backend) {
        let app = TestApp::start(backend).await;
        let (m, pid, vid) = store_with_product(&app, "knits", 10).await;
        let post_id = app.create_post(&m.token, "Shop the look", 1).await["id"].as_i64().unwrap();
        let (_, t) = tag(&app, &m.token, post_id, at(0, 0.3, 0.6, pid)).await;
        let tag_id = t["id"].as_i64().unwrap();
        app.user("ada").await;
        let browser = Browser::new(&app);
        browser.log_in("ada", DEFAULT_PASSWORD).await;

        // The post on the page: a dot linking through the click recorder, and the bag badge.
        let (s, html) = browser.page(&format!("/p/{post_id}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains(&format!("href=\"/t/{tag_id}\"")), "tag link");
        assert!(html.contains("tx-30 ty-60"), "tag position classes");
        assert!(html.contains("data-show-tags"), "bag badge");

        // The sheet as the script loads it: a fragment with Add to cart and Buy now.
        let res = browser.client.get(browser.url(&format!("/t/{tag_id}/sheet"))).header("X-Souk-Fragment", "1").send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let frag = res.text().await.unwrap();
        assert!(!frag.contains("<html"), "a fragment, not a page");
        assert!(frag.contains("Simple thing"));
        let buy_href = format!("/checkout/knits?buy={vid}&amp;qty=1&amp;from_post={post_id}");
        assert!(frag.contains(&buy_href), "{frag}");
        // Without the header it is a whole page (no-JS).
        let (s, page) = browser.page(&format!("/t/{tag_id}/sheet")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(page.contains("<html"));

        // Buy now in the sheet: the checkout form as a fragment for this one item.
        let (s, form) = browser.page(&format!("/checkout/knits?buy={vid}&qty=1&sheet=1")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(!form.contains("<html"));
        assert!(form.contains("data-in-sheet"));
        assert!(form.contains(&format!("name=\"buy\" value=\"{vid}\"")));
        let idem = form.split("name=\"idem_key\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let total = form.split("name=\"expected_total\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let res = browser.submit("/checkout/knits", &[
            ("idem_key", &idem), ("expected_total", &total), ("currency", "USD"), ("priced_rate", ""),
            ("country", "US"), ("buy", &vid.to_string()), ("qty", "1"), ("sheet", "1"),
            ("name", "Ada Buyer"), ("line1", "1 Market St"), ("city", "Springfield"), ("postal_code", "12345"),
            ("provider", "test"), ("card_number", "4242 4242 4242 4242"),
        ]).await;
        assert_eq!(res.status(), StatusCode::OK);
        let done = res.text().await.unwrap();
        assert!(done.contains("data-testid=\"sheet-done\""), "{done}");
        let order_id: i64 = done.split("href=\"/orders/").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
        let (s, order) = app.get_json(&format!("/api/v1/orders/{order_id}"), Some(&app.login("ada", DEFAULT_PASSWORD).await)).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(order["status"], "paid");
        // The next Buy now fills the address in from that order.
        let (_, form) = browser.page(&format!("/checkout/knits?buy={vid}&qty=1&sheet=1")).await;
        assert!(form.contains("value=\"1 Market St\""));
    }

    async fn hostile_text_is_escaped_and_seen_in_shows_the_post(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "knits_owner").await;
        shop(&app, &m.token, "knits", "USD").await;
        let evil = "<img src=x onerror=alert(1)>";
        let p = product(&app, &m.token, "knits", json!({
            "title": evil, "price": {"amount_minor": 990, "currency": "USD"}, "status": "active", "stock": 4})).await;
        let pid = p["id"].as_i64().unwrap();
        let post_id = app.create_post(&m.token, "<script>alert('x')</script> #look", 1).await["id"].as_i64().unwrap();
        let (_, t) = tag(&app, &m.token, post_id, at(0, 0.9, 0.1, pid)).await;
        let tag_id = t["id"].as_i64().unwrap();
        for path in [format!("/p/{post_id}"), format!("/t/{tag_id}/sheet"), format!("/products/{pid}"), format!("/products/{pid}/posts")] {
            let res = app.get(&path).await;
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            let html = res.text().await.unwrap();
            assert!(!html.contains(evil), "{path} leaks the raw title");
            assert!(!html.contains("<script>alert"), "{path} leaks the raw caption");
        }
        let html = app.get(&format!("/products/{pid}")).await.text().await.unwrap();
        assert!(html.contains("seen-in"), "As seen in section");
        assert!(html.contains(&format!("href=\"/p/{post_id}\"")));
        // A tag on the right half opens its label to the left.
        let html = app.get(&format!("/p/{post_id}")).await.text().await.unwrap();
        assert!(html.contains("tx-90 ty-10 flip"));
    }

    async fn a_featuring_shop_tags_the_post_until_consent_is_withdrawn(backend) {
        let app = TestApp::start(backend).await;
        let (m, pid, vid) = store_with_product(&app, "knits", 50).await;
        let buyer = delivered_buyer(&app, &m, "knits", vid, "bea").await;
        let post_id = app.create_post(&buyer.token, "Wearing it today", 2).await["id"].as_i64().unwrap();
        let (s, own) = tag(&app, &buyer.token, post_id, at(0, 0.5, 0.5, pid)).await;
        assert_eq!(s, StatusCode::CREATED);
        let own_id = own["id"].as_i64().unwrap();
        // Before consent the shop cannot touch the post's tags.
        let (s, _) = tag(&app, &m.token, post_id, at(1, 0.5, 0.5, pid)).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let staff = Browser::new(&app);
        staff.log_in(&m.username, DEFAULT_PASSWORD).await;
        assert_eq!(staff.page(&format!("/p/{post_id}/tags")).await.0, StatusCode::NOT_FOUND);
        let (s, f) = app.call(Method::POST, "/api/v1/shops/knits/ugc/requests", Some(&m.token),
            Some(&json!({"post_id": post_id, "message": "May we feature this?"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{f}");
        let feature = f["id"].as_i64().unwrap();
        let (s, e) = app.call(Method::POST, &format!("/api/v1/me/features/{feature}/approve"), Some(&buyer.token), None).await;
        assert!(s.is_success(), "{e}");
        // With consent the shop adds its own product's tag, and only its own.
        let (s, e) = tag(&app, &m.token, post_id, at(1, 0.4, 0.6, pid)).await;
        assert_eq!(s, StatusCode::CREATED, "{e}");
        assert_eq!(post_tags(&app, post_id).await.len(), 2);
        // The author's own tag of the shop's product is not the shop's to remove.
        let (s, _) = app.call(Method::DELETE, &format!("/api/v1/posts/{post_id}/tags/{own_id}"), Some(&m.token), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // The editor page offers the shop's products and removes only the shop's own tag.
        let (s, html) = staff.page(&format!("/p/{post_id}/tags")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(html.matches("/delete\"").count(), 1, "one removable tag");
        assert!(html.contains(&format!("<option value=\"{pid}\"")));
        // Withdrawing consent removes the shop's tag and keeps the author's.
        let (s, e) = app.call(Method::POST, &format!("/api/v1/me/features/{feature}/withdraw"), Some(&buyer.token), None).await;
        assert!(s.is_success(), "{e}");
        let left = post_tags(&app, post_id).await;
        assert_eq!(left.len(), 1);
        assert_eq!(left[0]["image"], 0);
        let (s, _) = tag(&app, &m.token, post_id, at(1, 0.4, 0.6, pid)).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_eq!(staff.page(&format!("/p/{post_id}/tags")).await.0, StatusCode::NOT_FOUND);
    }
}
