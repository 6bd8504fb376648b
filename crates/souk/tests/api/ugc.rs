//! Customer photos on both engines: the product gallery (review photos and shoppers' tagged posts, never
//! the shop's own posts, newest first, cursor pages), asking to feature a post and the author's consent
//! (notification, approve, decline, withdraw with the record kept), the featured posts on the shop home
//! and in the API disappearing at once on withdrawal, the 30-day cooldown after a no, 404 for anyone but
//! the author deciding and for other shops' staff, and escaping of the request message on the pages.

use crate::checkout::{add_to_cart, checkout, checkout_body, open_db, store_with_product};
use crate::commerce_support::{merchant, shop};
use crate::social_support::notifications;
use crate::support::Browser;
use souk_test_support::reqwest::multipart::{Form, Part};
use souk_test_support::reqwest::{Method, StatusCode};
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{DEFAULT_PASSWORD, TestApp, TestUser, backend_tests, jpeg, json_response};

fn code(e: &Value) -> &str {
    e["error"]["code"].as_str().unwrap_or("")
}

fn items(page: &Value) -> Vec<Value> {
    page["items"].as_array().cloned().unwrap_or_default()
}

/// Runs one statement with integer binds on the app's database (for fixtures the API has no way to make:
/// product tags before the tags API exists, a decision dated 31 days back).
async fn exec(app: &TestApp, sql: &'static str, binds: &[i64]) {
    let db = open_db(app).await;
    let mut tx = db.begin().await.unwrap();
    let n = souk_store::on_conn!(tx.conn(), c => {
        let mut q = sqlx::query(sql);
        for b in binds {
            q = q.bind(*b);
        }
        q.execute(&mut *c).await.map(|r| r.rows_affected())
    })
    .unwrap();
    assert!(n > 0, "{sql} changed nothing");
    tx.commit().await.unwrap();
    db.close().await;
}

/// Tags `product` (of `shop`) on the first photo of `post`.
async fn tag(app: &TestApp, post: i64, product: i64) {
    exec(
        app,
        "INSERT INTO post_tags (post_id, image_position, x_bp, y_bp, product_id, variant_id, shop_id, created_at) \
         SELECT $1, 0, 5000, 5000, p.id, NULL, p.shop_id, $3 FROM products p WHERE p.id = $2",
        &[post, product, 1],
    )
    .await;
}

async fn post_id(app: &TestApp, token: &str, caption: &str) -> i64 {
    app.create_post(token, caption, 1).await["id"]
        .as_i64()
        .unwrap()
}

/// A buyer of `variant` whose order was delivered, who then reviews it with one photo; returns the review.
async fn review_with_photo(
    app: &TestApp,
    m: &TestUser,
    handle: &str,
    variant: i64,
    product: i64,
    name: &str,
) -> Value {
    let buyer = app.user(name).await;
    let (s, b) = add_to_cart(app, &buyer.token, variant, 1).await;
    assert!(s.is_success(), "{b}");
    let mut body = checkout_body(handle);
    body["payment"] = json!({"provider": "test", "card_number": "4242424242424242"});
    let (s, order) = checkout(app, &buyer.token, &format!("k-{name}"), &body).await;
    assert_eq!(s, StatusCode::CREATED, "{order}");
    let order = order["id"].as_i64().unwrap();
    for step in ["fulfil", "deliver"] {
        let (s, o) = app
            .call(
                Method::POST,
                &format!("/api/v1/orders/{order}/{step}"),
                Some(&m.token),
                Some(&json!({"tracking_number": "1Z1", "carrier": "UPS"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{step}: {o}");
    }
    let form = Form::new()
        .text("rating", "5")
        .text("title", "Fits well")
        .part(
            "images",
            Part::bytes(jpeg(7, 160, 120))
                .file_name("r.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
    let res = app
        .client
        .post(app.url(&format!("/api/v1/products/{product}/reviews")))
        .bearer_auth(&buyer.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (s, r) = json_response(res).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    r
}

async fn gallery(app: &TestApp, product: i64, query: &str) -> Value {
    let (s, g) = app
        .get_json(&format!("/api/v1/products/{product}/ugc{query}"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{g}");
    g
}

async fn ask(
    app: &TestApp,
    token: &str,
    handle: &str,
    post: i64,
    message: &str,
) -> (StatusCode, Value) {
    app.call(
        Method::POST,
        &format!("/api/v1/shops/{handle}/ugc/requests"),
        Some(token),
        Some(&json!({"post_id": post, "message": message})),
    )
    .await
}

async fn answer(app: &TestApp, token: &str, feature: i64, decision: &str) -> (StatusCode, Value) {
    app.call(
        Method::POST,
        &format!("/api/v1/me/features/{feature}/{decision}"),
        Some(token),
        None,
    )
    .await
}

async fn featured_ids(app: &TestApp, handle: &str) -> Vec<i64> {
    let (s, page) = app
        .get_json(&format!("/api/v1/shops/{handle}/ugc/featured"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    items(&page)
        .iter()
        .map(|f| f["post_id"].as_i64().unwrap())
        .collect()
}

/// The part of a page between `start` and the next `</section>`, or "" when `start` is absent.
fn section<'a>(html: &'a str, start: &str) -> &'a str {
    match html.find(start) {
        Some(i) => {
            let rest = &html[i..];
            &rest[..rest.find("</section>").unwrap_or(rest.len())]
        }
        None => "",
    }
}

fn kinds(list: &[Value]) -> Vec<(String, Option<i64>)> {
    list.iter()
        .map(|n| {
            (
                n["kind"].as_str().unwrap_or("").to_owned(),
                n["post_id"].as_i64(),
            )
        })
        .collect()
}

/// A shop with one product, a shopper's post tagging it, and a request to feature that post; returns
/// (merchant, shopper, product, post, feature id).
async fn requested(
    app: &TestApp,
    handle: &str,
    message: &str,
) -> (TestUser, TestUser, i64, i64, i64) {
    let (m, pid, _vid) = store_with_product(app, handle, 20).await;
    let shopper = app.user("mina").await;
    let post = post_id(app, &shopper.token, "My new jacket").await;
    tag(app, post, pid).await;
    let (s, f) = ask(app, &m.token, handle, post, message).await;
    assert_eq!(s, StatusCode::CREATED, "{f}");
    assert_eq!(f["status"], "requested");
    (m, shopper, pid, post, f["id"].as_i64().unwrap())
}

backend_tests! {
    async fn gallery_has_review_photos_and_shopper_posts_but_not_the_shops_own(backend) {
        let app = TestApp::start(backend).await;
        let (m, pid, vid) = store_with_product(&app, "knits", 20).await;
        let review = review_with_photo(&app, &m, "knits", vid, pid, "ada").await;
        let rid = review["id"].as_i64().unwrap();
        let shopper = app.user("mina").await;
        let shopper_post = post_id(&app, &shopper.token, "Wearing my knit").await;
        tag(&app, shopper_post, pid).await;
        let own_post = post_id(&app, &m.token, "Our new knit, shop now").await;
        tag(&app, own_post, pid).await;
        // A staff member's post is the shop's own too.
        let staff = app.user("sam").await;
        let (s, e) = app.call(Method::POST, "/api/v1/shops/knits/staff", Some(&m.token), Some(&json!({"username": "sam"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{e}");
        let staff_post = post_id(&app, &staff.token, "Behind the scenes").await;
        tag(&app, staff_post, pid).await;
        // A shopper's post that tags nothing is not in the gallery.
        post_id(&app, &shopper.token, "Lunch").await;

        let g = gallery(&app, pid, "").await;
        let got: Vec<(String, i64)> = items(&g).iter()
            .map(|i| (i["source"].as_str().unwrap().to_owned(), i["source_id"].as_i64().unwrap()))
            .collect();
        // Newest first: the post was published after the review.
        assert_eq!(got, vec![("post".to_owned(), shopper_post), ("review".to_owned(), rid)], "{g}");
        assert_eq!(g["items"][0]["link"], format!("/p/{shopper_post}"));
        assert_eq!(g["items"][1]["link"], format!("/products/{pid}#review-{rid}"));
        assert_eq!(g["items"][0]["featured"], false);
        assert_eq!(g["items"][1]["author"], "ada");
        for i in items(&g) {
            let res = app.get(i["thumb_url"].as_str().unwrap()).await;
            assert_eq!(res.status(), StatusCode::OK, "{i}");
        }

        // Cursor pages walk the same list.
        let first = gallery(&app, pid, "?limit=1").await;
        assert_eq!(items(&first).len(), 1);
        let cursor = first["next_cursor"].as_str().unwrap().to_owned();
        let second = gallery(&app, pid, &format!("?limit=1&cursor={cursor}")).await;
        assert_eq!(second["items"][0]["source_id"], rid);
        assert!(second["next_cursor"].is_null(), "{second}");
        let (s, e) = app.get_json(&format!("/api/v1/products/{pid}/ugc?cursor=nope"), None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        let (s, _) = app.get_json("/api/v1/products/999999/ugc", None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // The product page's strip links to the review and the shopper's post, not the shop's posts.
        let (status, html) = Browser::new(&app).page(&format!("/products/{pid}")).await;
        assert_eq!(status, StatusCode::OK);
        let strip = section(&html, "id=\"customer-photos\"");
        assert!(!strip.is_empty(), "no customer photos section");
        assert!(strip.contains(&format!("href=\"/p/{shopper_post}\"")), "{strip}");
        assert!(strip.contains(&format!("#review-{rid}")), "{strip}");
        assert!(!strip.contains(&format!("/p/{own_post}\"")), "{strip}");
        assert!(!strip.contains(&format!("/p/{staff_post}\"")), "{strip}");

        // A post hidden by moderation leaves the gallery.
        exec(&app, "UPDATE posts SET hidden_at = $2 WHERE id = $1", &[shopper_post, 1]).await;
        let g = gallery(&app, pid, "").await;
        assert_eq!(items(&g).len(), 1, "{g}");
        assert_eq!(g["items"][0]["source"], "review");
    }

    async fn approved_post_is_featured_on_the_shop_home_and_in_the_api(backend) {
        let app = TestApp::start(backend).await;
        let (m, shopper, pid, post, fid) = requested(&app, "knits", "We love this photo!").await;

        // The author is told, and sees the request.
        assert!(kinds(&notifications(&app, &shopper.token).await).contains(&("feature_request".to_owned(), Some(post))));
        let (s, mine) = app.get_json("/api/v1/me/features", Some(&shopper.token)).await;
        assert_eq!(s, StatusCode::OK, "{mine}");
        assert_eq!(mine["items"][0]["id"], fid);
        assert_eq!(mine["items"][0]["shop"], "knits");
        assert_eq!(mine["items"][0]["message"], "We love this photo!");
        assert_eq!(mine["items"][0]["status"], "requested");
        // Nothing shows before consent.
        assert!(featured_ids(&app, "knits").await.is_empty());

        // Only the author decides: the requester, a stranger and anonymous callers get 404 / 401.
        let stranger = app.user("stranger").await;
        for token in [&m.token, &stranger.token] {
            for d in ["approve", "decline", "withdraw"] {
                let (s, e) = answer(&app, token, fid, d).await;
                assert_eq!(s, StatusCode::NOT_FOUND, "{d}: {e}");
            }
        }
        let (s, _) = app.call(Method::POST, &format!("/api/v1/me/features/{fid}/approve"), None, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, e) = answer(&app, &shopper.token, 999_999, "approve").await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{e}");

        let (s, f) = answer(&app, &shopper.token, fid, "approve").await;
        assert_eq!(s, StatusCode::OK, "{f}");
        assert_eq!(f["status"], "approved");
        assert!(f["decided_at"].is_string(), "{f}");
        let (s, e) = answer(&app, &shopper.token, fid, "approve").await;
        assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "feature_not_pending"));
        assert!(kinds(&notifications(&app, &m.token).await).contains(&("feature_approved".to_owned(), Some(post))));

        // Featured: in the public API (with the bag mark), on the shop home, highlighted in the gallery.
        let (_, page) = app.get_json("/api/v1/shops/knits/ugc/featured", None).await;
        assert_eq!(page["items"][0]["post_id"], post);
        assert_eq!(page["items"][0]["has_product_tags"], true);
        let (_, html) = Browser::new(&app).page("/s/knits").await;
        let block = section(&html, "id=\"featured-by-customers\"");
        assert!(block.contains(&format!("href=\"/p/{post}\"")), "{block}");
        assert!(block.contains("ugc-bag"), "{block}");
        let g = gallery(&app, pid, "").await;
        assert_eq!(g["items"][0]["featured"], true, "{g}");
        // The shop's list shows it approved; asking again is refused.
        let (s, list) = app.get_json("/api/v1/shops/knits/ugc", Some(&m.token)).await;
        assert_eq!(s, StatusCode::OK, "{list}");
        assert_eq!(list["items"][0]["status"], "approved");
        let (s, e) = ask(&app, &m.token, "knits", post, "again").await;
        assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "already_featured"));
    }

    async fn withdrawing_removes_it_everywhere_and_keeps_the_consent_record(backend) {
        let app = TestApp::start(backend).await;
        let (m, shopper, pid, post, fid) = requested(&app, "knits", "Please?").await;
        let (s, _) = answer(&app, &shopper.token, fid, "approve").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(featured_ids(&app, "knits").await, vec![post]);

        let (s, f) = answer(&app, &shopper.token, fid, "withdraw").await;
        assert_eq!(s, StatusCode::OK, "{f}");
        assert_eq!(f["status"], "withdrawn");
        // Gone at once: public API, shop home, gallery highlight, the shop's "featured now".
        assert!(featured_ids(&app, "knits").await.is_empty());
        let (_, html) = Browser::new(&app).page("/s/knits").await;
        assert!(section(&html, "id=\"featured-by-customers\"").is_empty(), "still featured on the shop home");
        let g = gallery(&app, pid, "").await;
        assert_eq!(g["items"][0]["featured"], false, "{g}");
        let owner = Browser::new(&app);
        owner.log_in(&m.username, DEFAULT_PASSWORD).await;
        let (s, html) = owner.page("/s/knits/ugc").await;
        assert_eq!(s, StatusCode::OK);
        assert!(!section(&html, "id=\"ugc-now-title\"").contains(&format!("href=\"/p/{post}\"")), "still featured on /s/knits/ugc");

        // The shop is told; the consent record keeps every step and both times.
        assert!(kinds(&notifications(&app, &m.token).await).contains(&("feature_withdrawn".to_owned(), Some(post))));
        let (_, list) = app.get_json("/api/v1/shops/knits/ugc", Some(&m.token)).await;
        let row = &list["items"][0];
        assert_eq!(row["status"], "withdrawn");
        assert!(row["decided_at"].is_string() && row["withdrawn_at"].is_string(), "{row}");
        let steps: Vec<&str> = row["history"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(steps, vec!["requested", "approved", "withdrawn"]);
        assert_eq!(row["history"][0]["actor"], m.username.as_str());
        assert_eq!(row["history"][2]["actor"], "mina");

        // Withdrawing twice is refused, and so is asking again right away.
        let (s, e) = answer(&app, &shopper.token, fid, "withdraw").await;
        assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "feature_not_approved"));
        let (s, e) = ask(&app, &m.token, "knits", post, "Pretty please").await;
        assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "feature_request_too_soon"), "{e}");
    }

    async fn decline_notifies_and_asking_again_waits_thirty_days(backend) {
        let app = TestApp::start(backend).await;
        let (m, shopper, _pid, post, fid) = requested(&app, "knits", "Hi").await;
        let (s, e) = ask(&app, &m.token, "knits", post, "Hi again").await;
        assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "feature_already_requested"));

        let (s, f) = answer(&app, &shopper.token, fid, "decline").await;
        assert_eq!(s, StatusCode::OK, "{f}");
        assert_eq!(f["status"], "declined");
        assert!(kinds(&notifications(&app, &m.token).await).contains(&("feature_declined".to_owned(), Some(post))));
        assert!(featured_ids(&app, "knits").await.is_empty());
        let (s, e) = answer(&app, &shopper.token, fid, "withdraw").await;
        assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "feature_not_approved"));

        let (s, e) = ask(&app, &m.token, "knits", post, "Changed your mind?").await;
        assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "feature_request_too_soon"));
        assert!(e["error"]["details"]["retry_after"].is_string(), "{e}");

        // 31 days later the shop may ask once more; the history keeps the first round.
        let month_ago = souk_domain::Timestamp::now().as_micros() - 31 * 86_400 * 1_000_000;
        exec(&app, "UPDATE ugc_features SET decided_at = $2 WHERE id = $1", &[fid, month_ago]).await;
        let (s, f) = ask(&app, &m.token, "knits", post, "One more time").await;
        assert_eq!(s, StatusCode::CREATED, "{f}");
        assert_eq!(f["id"], fid);
        assert_eq!(f["status"], "requested");
        assert_eq!(f["message"], "One more time");
        let steps: Vec<&str> = f["history"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(steps, vec!["requested", "declined", "requested"]);
        let (_, mine) = app.get_json("/api/v1/me/features?status=requested", Some(&shopper.token)).await;
        assert_eq!(items(&mine).len(), 1);
    }

    async fn only_the_shops_team_asks_and_sees_its_requests(backend) {
        let app = TestApp::start(backend).await;
        let (m, shopper, _pid, post, _fid) = requested(&app, "knits", "Hello").await;
        let rival = merchant(&app, "rival").await;
        shop(&app, &rival.token, "rivals", "USD").await;

        // Another shop's staff, a shopper and anonymous callers cannot read the list.
        let (s, _) = app.get_json("/api/v1/shops/knits/ugc", Some(&rival.token)).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app.get_json("/api/v1/shops/knits/ugc", Some(&shopper.token)).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = app.get_json("/api/v1/shops/knits/ugc", None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let b = Browser::new(&app);
        b.log_in("rival", DEFAULT_PASSWORD).await;
        let (s, _) = b.page("/s/knits/ugc").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (_, list) = app.get_json("/api/v1/shops/rivals/ugc", Some(&rival.token)).await;
        assert!(items(&list).is_empty(), "{list}");

        // Nobody asks in another shop's name; a shop may not feature its own team's posts.
        let (s, _) = ask(&app, &rival.token, "knits", post, "hi").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let own = post_id(&app, &m.token, "Our lookbook").await;
        let (s, e) = ask(&app, &m.token, "knits", own, "").await;
        assert_eq!((s, code(&e)), (StatusCode::UNPROCESSABLE_ENTITY, "post_not_featurable"));
        let (s, _) = ask(&app, &m.token, "knits", 999_999, "").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, e) = ask(&app, &m.token, "knits", post, &"x".repeat(501)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        // Any other shop may ask about the same post, independently.
        let (s, f) = ask(&app, &rival.token, "rivals", post, "").await;
        assert_eq!(s, StatusCode::CREATED, "{f}");
        let (_, mine) = app.get_json("/api/v1/me/features", Some(&shopper.token)).await;
        assert_eq!(items(&mine).len(), 2);
        // The shop's list holds only its own requests.
        let (_, list) = app.get_json("/api/v1/shops/knits/ugc", Some(&m.token)).await;
        assert_eq!(items(&list).len(), 1);
        assert_eq!(list["items"][0]["shop"], "knits");
    }

    async fn pages_ask_and_answer_without_javascript_and_escape_the_message(backend) {
        let app = TestApp::start(backend).await;
        let (m, pid, _vid) = store_with_product(&app, "knits", 20).await;
        let shopper = app.user("mina").await;
        let post = post_id(&app, &shopper.token, "Jacket day").await;
        tag(&app, post, pid).await;

        // The post page offers the request to the shop's owner only.
        let owner = Browser::new(&app);
        owner.log_in(&m.username, DEFAULT_PASSWORD).await;
        let (_, html) = owner.page(&format!("/p/{post}")).await;
        assert!(html.contains(&format!("href=\"/p/{post}/feature\"")), "no request link for the owner");
        let author = Browser::new(&app);
        author.log_in("mina", DEFAULT_PASSWORD).await;
        let (_, html) = author.page(&format!("/p/{post}")).await;
        assert!(!html.contains("/feature\""), "the author sees a request link");
        let (s, _) = author.page(&format!("/p/{post}/feature")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        let (s, html) = owner.page(&format!("/p/{post}/feature")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("name=\"message\""));
        let xss = "<script>alert(1)</script><img src=x onerror=alert(2)>";
        let res = owner.submit(&format!("/p/{post}/feature"), &[("shop", "knits"), ("message", xss)]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(res.headers()["location"], "/s/knits/ugc");
        // Asking twice through the form shows the reason on the form.
        let res = owner.submit(&format!("/p/{post}/feature"), &[("shop", "knits"), ("message", "again")]).await;
        assert_eq!(res.status(), StatusCode::CONFLICT);
        // Without a CSRF token nothing happens.
        let res = owner.post_form(&format!("/p/{post}/feature"), &[("shop", "knits"), ("message", "x")]).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);

        for (b, path) in [(&owner, "/s/knits/ugc"), (&author, "/me/features")] {
            let (s, html) = b.page(path).await;
            assert_eq!(s, StatusCode::OK, "{path}");
            // Askama writes `<` as `&#60;`.
            assert!(html.contains("&#60;script&#62;alert(1)"), "{path}: message not shown escaped");
            assert!(!html.contains("<script>alert(1)"), "{path}: message not escaped");
            assert!(!html.contains("<img src=x"), "{path}: message not escaped");
        }

        // The author approves with the page's form; the post shows on the shop home.
        let (_, mine) = app.get_json("/api/v1/me/features", Some(&shopper.token)).await;
        let fid = mine["items"][0]["id"].as_i64().unwrap();
        let res = author.submit(&format!("/me/features/{fid}/approve"), &[]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, html) = author.page("/me/features").await;
        assert!(html.contains(&format!("action=\"/me/features/{fid}/withdraw\"")), "no withdraw button");
        assert_eq!(featured_ids(&app, "knits").await, vec![post]);
        // Another user's form post is a 404, the author's withdrawal takes it off the shop home.
        let res = owner.submit(&format!("/me/features/{fid}/withdraw"), &[]).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let res = author.submit(&format!("/me/features/{fid}/withdraw"), &[]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, html) = Browser::new(&app).page("/s/knits").await;
        assert!(!html.contains("featured-by-customers"));
    }

    async fn openapi_documents_the_ugc_endpoints(backend) {
        let app = TestApp::start(backend).await;
        let (s, doc) = app.get_json("/api/openapi.json", None).await;
        assert_eq!(s, StatusCode::OK);
        for path in [
            "/api/v1/products/{id}/ugc",
            "/api/v1/shops/{handle}/ugc/requests",
            "/api/v1/shops/{handle}/ugc",
            "/api/v1/shops/{handle}/ugc/featured",
            "/api/v1/me/features",
            "/api/v1/me/features/{id}/approve",
            "/api/v1/me/features/{id}/decline",
            "/api/v1/me/features/{id}/withdraw",
        ] {
            assert!(doc["paths"][path].is_object(), "{path} missing from the OpenAPI document");
        }
    }
}
