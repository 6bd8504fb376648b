//! Reputation alerts on both engines: the rule on synthetic data (a calm month then a burst of 1–2 star
//! reviews and negative comments fires exactly one alert and notifies owner and staff; a rerun and the
//! scheduled job fire nothing more; a burst below the minimum count does not fire; a shop whose baseline is
//! already negative needs the ratio), Chinese and Korean comments and mentions counting, settings
//! validation with stable codes, access (other merchants 404, staff may not run the check), and the page.
//!
//! Signals in the past are written straight into the database: reviews on copies of one real order line,
//! comments and posts made through the API and then moved back in time.

use crate::checkout::{add_to_cart, checkout, checkout_body, open_db, store_with_product};
use crate::reviews::field_codes;
use crate::support::Browser;
use souk_domain::Timestamp;
use souk_service::jobs::{Jobs, JobsConfig};
use souk_service::reputation::{CheckStatus, ReputationService};
use souk_store::Db;
use souk_store::reviews::NewReview;
use souk_test_support::reqwest::{Method, StatusCode};
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{TestApp, TestUser, backend_tests};

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// One integer-bound statement on a write transaction; the first column of the first row, if any.
async fn sql(db: &Db, sql: &'static str, binds: &[i64]) -> Option<i64> {
    let mut tx = db.begin().await.unwrap();
    let v: Option<i64> = souk_store::on_conn!(tx.conn(), c => {
        let mut q = sqlx::query_scalar(sql);
        for b in binds {
            q = q.bind(*b);
        }
        q.fetch_optional(&mut *c).await
    })
    .unwrap();
    tx.commit().await.unwrap();
    v
}

struct Shop {
    owner: TestUser,
    id: i64,
    product_id: i64,
    line_id: i64,
    buyer_id: i64,
    post_id: i64,
    db: Db,
}

/// A shop with one product, one order (whose line the synthetic reviews copy) and one post by the owner.
async fn shop(app: &TestApp, handle: &str) -> Shop {
    let (owner, product_id, vid) = store_with_product(app, handle, 500).await;
    let buyer = app.user(&format!("{handle}_buyer")).await;
    let (s, b) = add_to_cart(app, &buyer.token, vid, 1).await;
    assert!(s.is_success(), "{b}");
    let (s, order) = checkout(
        app,
        &buyer.token,
        &format!("k-{handle}"),
        &checkout_body(handle),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{order}");
    let db = open_db(app).await;
    let id = sql(
        &db,
        "SELECT shop_id FROM products WHERE id = $1",
        &[product_id],
    )
    .await
    .unwrap();
    let line_id = sql(
        &db,
        "SELECT MIN(id) FROM order_lines WHERE product_id = $1",
        &[product_id],
    )
    .await
    .unwrap();
    let post = app.create_post(&owner.token, "New autumn knits", 1).await;
    Shop {
        owner,
        id,
        product_id,
        line_id,
        buyer_id: buyer.id,
        post_id: post["id"].as_i64().unwrap(),
        db,
    }
}

fn ago(now: Timestamp, secs: i64) -> Timestamp {
    now.plus_seconds(-secs)
}

/// A review with `rating` stars written at `at`, on a fresh copy of the shop's order line.
async fn review(s: &Shop, rating: i64, body: &str, at: Timestamp) -> i64 {
    let line = sql(
        &s.db,
        "INSERT INTO order_lines (order_id, product_id, variant_id, title, unit_price_minor, quantity) \
         SELECT order_id, product_id, variant_id, title, unit_price_minor, quantity FROM order_lines \
         WHERE id = $1 RETURNING id",
        &[s.line_id],
    )
    .await
    .unwrap();
    let mut tx = s.db.begin().await.unwrap();
    let id = souk_store::reviews::insert(
        tx.conn(),
        &NewReview {
            order_line_id: line,
            product_id: s.product_id,
            variant_id: None,
            shop_id: s.id,
            author_id: s.buyer_id,
            rating,
            title: "",
            body,
            fit_note: "",
            variant_title: "",
            photo_count: 0,
            now: at.as_micros(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

/// A comment on the owner's post by `token`, moved back to `at`.
async fn comment(app: &TestApp, s: &Shop, token: &str, body: &str, at: Timestamp) -> i64 {
    let (st, c) = app
        .call(
            Method::POST,
            &format!("/api/v1/posts/{}/comments", s.post_id),
            Some(token),
            Some(&json!({ "body": body })),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{c}");
    let id = c["id"].as_i64().unwrap();
    sql(
        &s.db,
        "UPDATE comments SET created_at = $2 WHERE id = $1",
        &[id, at.as_micros()],
    )
    .await;
    id
}

/// A post by `token` (mentioning someone in its caption), moved back to `at`.
async fn post_at(app: &TestApp, s: &Shop, token: &str, caption: &str, at: Timestamp) -> i64 {
    let p = app.create_post(token, caption, 1).await;
    let id = p["id"].as_i64().unwrap();
    sql(
        &s.db,
        "UPDATE posts SET created_at = $2 WHERE id = $1",
        &[id, at.as_micros()],
    )
    .await;
    id
}

/// A month of mostly five-star reviews and friendly comments before the last 48 hours.
async fn calm_month(app: &TestApp, s: &Shop, fan: &TestUser, now: Timestamp) {
    for d in 2..=29 {
        review(s, 5, "Lovely knit", ago(now, d * DAY)).await;
    }
    review(s, 2, "A bit itchy", ago(now, 10 * DAY)).await;
    for d in [3, 9, 15] {
        comment(app, s, &fan.token, "love these colours", ago(now, d * DAY)).await;
    }
}

async fn check(app: &TestApp, token: &str, handle: &str) -> (StatusCode, Value) {
    app.call(
        Method::POST,
        &format!("/api/v1/shops/{handle}/reputation/check"),
        Some(token),
        None,
    )
    .await
}

async fn reputation(app: &TestApp, token: &str, handle: &str) -> Value {
    let (s, r) = app
        .get_json(&format!("/api/v1/shops/{handle}/reputation"), Some(token))
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    r
}

fn service(db: &Db) -> ReputationService {
    ReputationService::new(db.clone(), Jobs::new(db.clone(), JobsConfig::default()))
}

backend_tests! {
    async fn a_burst_after_a_calm_month_fires_once_and_notifies_the_team(backend) {
        let app = TestApp::start(backend).await;
        let s = shop(&app, "knitco").await;
        let staff = app.user("knit_staff").await;
        let (st, b) = app.call(Method::POST, "/api/v1/shops/knitco/staff", Some(&s.owner.token),
            Some(&json!({"username": "knit_staff"}))).await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
        let fan = app.user("fan").await;
        let angry: Vec<TestUser> = app.users("angry", 3).await;
        let now = Timestamp::now();
        calm_month(&app, &s, &fan, now).await;

        // The burst: three bad reviews, three angry comments and one kind one in the last 20 hours.
        let bad = review(&s, 1, "Fell apart after one wash", ago(now, 2 * HOUR)).await;
        review(&s, 1, "Arrived torn", ago(now, 5 * HOUR)).await;
        review(&s, 2, "Not as pictured", ago(now, 9 * HOUR)).await;
        comment(&app, &s, &angry[0].token, "terrible quality, never again", ago(now, 3 * HOUR)).await;
        comment(&app, &s, &angry[1].token, "Mine was broken, I want a refund", ago(now, 6 * HOUR)).await;
        comment(&app, &s, &angry[2].token, "worst shop ever", ago(now, 12 * HOUR)).await;
        comment(&app, &s, &fan.token, "still love mine", ago(now, 20 * HOUR)).await;
        // The owner's own answer is not feedback.
        comment(&app, &s, &s.owner.token, "So sorry, this is terrible, we will fix it", ago(now, HOUR)).await;

        let r = reputation(&app, &s.owner.token, "knitco").await;
        assert_eq!(r["status"]["window"]["signals"], 7, "{r}");
        assert_eq!(r["status"]["window"]["negative"], 6, "{r}");
        assert_eq!(r["status"]["window"]["negative_share_bp"], 8571);
        assert_eq!(r["status"]["baseline"]["signals"], 32, "{r}");
        assert_eq!(r["status"]["baseline"]["negative"], 1);
        assert_eq!(r["status"]["spike"], true);
        assert_eq!(r["trend"].as_array().unwrap().len(), 30);
        assert_eq!(r["trend"][29]["negative"], 6);
        let drivers = r["drivers"].as_array().unwrap();
        assert_eq!(drivers.len(), 6);
        let d = drivers.iter().find(|d| d["review_id"] == bad).unwrap();
        assert_eq!(d["reply_url"], format!("/s/knitco/reviews#review-{bad}"));
        assert!(drivers.iter().any(|d| d["kind"] == "comment" && d["text"] == "worst shop ever"));

        let (st, c) = check(&app, &s.owner.token, "knitco").await;
        assert_eq!(st, StatusCode::OK, "{c}");
        assert_eq!((c["fired"].as_bool(), c["status"].as_str()), (Some(true), Some("fired")), "{c}");
        let alert = c["alert_id"].as_i64().unwrap();

        // Owner and staff are each notified once, about this shop and this alert.
        for u in [&s.owner, &staff] {
            let n = sql(&s.db, "SELECT COUNT(*) FROM notifications WHERE kind = 'reputation_alert' \
                AND user_id = $1 AND shop_id = $2 AND subject_id = $3 AND actor_id = $4",
                &[u.id, s.id, alert, s.owner.id]).await;
            assert_eq!(n, Some(1), "{}", u.username);
            let (_, list) = app.get_json("/api/v1/notifications", Some(&u.token)).await;
            assert!(list["items"].as_array().unwrap().iter().any(|n| n["kind"] == "reputation_alert"), "{list}");
        }

        // Rerunning — the button, the service as of later, the scheduled job — fires nothing more.
        let (_, c) = check(&app, &s.owner.token, "knitco").await;
        assert_eq!((c["fired"].as_bool(), c["status"].as_str()), (Some(false), Some("cooldown")), "{c}");
        let svc = service(&s.db);
        let out = svc.check_as_of(s.id, now.plus_seconds(HOUR)).await.unwrap();
        assert_eq!(out.status, CheckStatus::Cooldown);
        assert!(svc.enqueue_due(Timestamp::now(), 600).await.unwrap() >= 1);
        let mut waited = 0;
        while sql(&s.db, "SELECT COUNT(*) FROM jobs WHERE kind = 'reputation.check' AND status <> 'done' \
            AND $1 = $1", &[0]).await != Some(0) {
            assert!(waited < 100, "the reputation job did not run");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            waited += 1;
        }
        let r = reputation(&app, &s.owner.token, "knitco").await;
        assert_eq!(r["alerts"].as_array().unwrap().len(), 1, "{r}");
        assert_eq!(r["alerts"][0]["id"], alert);
        assert_eq!(r["alerts"][0]["window_negative"], 6);
        assert!(r["status"]["cooldown_until"].is_string());
        assert_eq!(sql(&s.db, "SELECT COUNT(*) FROM reputation_alerts WHERE shop_id = $1", &[s.id]).await, Some(1));

        // Staff see the page with the chart, the drivers and a link to reply; acknowledging marks it seen.
        let br = Browser::new(&app);
        br.log_in("knit_staff", &staff.password).await;
        let (st, html) = br.page("/s/knitco/reputation").await;
        assert_eq!(st, StatusCode::OK);
        assert!(html.contains("<svg") && html.contains("<polyline"), "chart");
        assert!(html.contains("worst shop ever"));
        assert!(html.contains(&format!("/s/knitco/reviews#review-{bad}")));
        assert!(!html.contains("/reputation/check"), "the check button is the owner's");
        let res = br.submit(&format!("/s/knitco/reputation/alerts/{alert}/acknowledge"), &[]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let r = reputation(&app, &s.owner.token, "knitco").await;
        assert!(r["alerts"][0]["acknowledged_at"].is_string());
        // The dashboard links to the page.
        let (_, dash) = br.page("/s/knitco/dashboard").await;
        assert!(dash.contains("/s/knitco/reputation"));
        s.db.close().await;
    }

    async fn a_burst_below_the_minimum_count_does_not_fire(backend) {
        let app = TestApp::start(backend).await;
        let s = shop(&app, "tiny").await;
        let now = Timestamp::now();
        for h in [1, 2, 3, 4] {
            review(&s, 1, "bad", ago(now, h * HOUR)).await;
        }
        let (st, c) = check(&app, &s.owner.token, "tiny").await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!((c["fired"].as_bool(), c["status"].as_str()), (Some(false), Some("below_threshold")), "{c}");
        assert_eq!(c["evaluation"]["enough_signals"], false);
        assert_eq!(c["evaluation"]["window"]["negative_share_bp"], 10_000);
        // The fifth makes it.
        review(&s, 2, "also bad", ago(now, 5 * HOUR)).await;
        let (_, c) = check(&app, &s.owner.token, "tiny").await;
        assert_eq!(c["status"], "fired", "{c}");
        s.db.close().await;
    }

    async fn a_negative_baseline_needs_the_ratio(backend) {
        let app = TestApp::start(backend).await;
        let s = shop(&app, "gruff").await;
        let now = Timestamp::now();
        // Half the month's reviews are bad already.
        for d in 3..13 {
            review(&s, if d % 2 == 0 { 1 } else { 5 }, "", ago(now, d * DAY)).await;
        }
        // Two thirds now: over the 30 % minimum, but not twice the usual 50 %.
        for (h, stars) in [(1, 1), (2, 1), (3, 2), (4, 1), (5, 5), (6, 4)] {
            review(&s, stars, "", ago(now, h * HOUR)).await;
        }
        let (_, c) = check(&app, &s.owner.token, "gruff").await;
        assert_eq!(c["status"], "below_threshold", "{c}");
        assert_eq!(c["evaluation"]["above_min_share"], true);
        assert_eq!(c["evaluation"]["above_ratio"], false);
        assert_eq!(c["evaluation"]["baseline"]["negative_share_bp"], 5000);
        assert_eq!(c["evaluation"]["threshold_bp"], 10_000);
        // At 1.2× the usual share the same window fires.
        let (st, b) = app.call(Method::PUT, "/api/v1/shops/gruff/reputation/settings", Some(&s.owner.token),
            Some(&json!({"ratio_bp": 12_000}))).await;
        assert_eq!(st, StatusCode::OK, "{b}");
        assert_eq!(b["ratio_bp"], 12_000);
        let (_, c) = check(&app, &s.owner.token, "gruff").await;
        assert_eq!(c["status"], "fired", "{c}");
        assert_eq!(c["evaluation"]["threshold_bp"], 6000);
        s.db.close().await;
    }

    async fn chinese_and_korean_comments_and_mentions_count(backend) {
        let app = TestApp::start(backend).await;
        let s = shop(&app, "seoulshop").await;
        let people: Vec<TestUser> = app.users("buyer", 6).await;
        let now = Timestamp::now();
        comment(&app, &s, &people[0].token, "质量很差", ago(now, HOUR)).await;
        comment(&app, &s, &people[1].token, "品質很差，很失望", ago(now, 2 * HOUR)).await;
        comment(&app, &s, &people[2].token, "배송이 너무 느려요", ago(now, 3 * HOUR)).await;
        comment(&app, &s, &people[3].token, "최악이에요, 환불해 주세요", ago(now, 4 * HOUR)).await;
        comment(&app, &s, &people[4].token, "品質很好", ago(now, 5 * HOUR)).await;
        let owner = s.owner.username.clone();
        let mention = post_at(&app, &s, &people[5].token, &format!("@{owner} 별로예요. 다시는 안 사요"),
            ago(now, 6 * HOUR)).await;
        let r = reputation(&app, &s.owner.token, "seoulshop").await;
        assert_eq!(r["status"]["window"]["signals"], 6, "{r}");
        assert_eq!(r["status"]["window"]["negative"], 5, "{r}");
        assert_eq!(r["status"]["window"]["positive"], 1);
        let drivers = r["drivers"].as_array().unwrap();
        assert!(drivers.iter().any(|d| d["text"] == "배송이 너무 느려요"));
        let m = drivers.iter().find(|d| d["kind"] == "mention").expect("the mention drives it");
        assert_eq!(m["post_id"], mention);
        assert_eq!(m["url"], format!("/p/{mention}"));
        let (_, c) = check(&app, &s.owner.token, "seoulshop").await;
        assert_eq!(c["status"], "fired", "{c}");
        s.db.close().await;
    }

    async fn settings_are_validated_and_the_page_is_the_shops_own(backend) {
        let app = TestApp::start(backend).await;
        let s = shop(&app, "tidy").await;
        let staff = app.user("tidy_staff").await;
        let (st, _) = app.call(Method::POST, "/api/v1/shops/tidy/staff", Some(&s.owner.token),
            Some(&json!({"username": "tidy_staff"}))).await;
        assert_eq!(st, StatusCode::CREATED);
        let path = "/api/v1/shops/tidy/reputation/settings";

        let (st, e) = app.call(Method::PUT, path, Some(&s.owner.token),
            Some(&json!({"window_hours": 0, "ratio_bp": 5000, "min_signals": 5000, "cooldown_hours": 24}))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["error"]["code"], "validation_failed");
        assert_eq!(field_codes(&e), ["window_hours_out_of_range", "ratio_out_of_range", "min_signals_out_of_range"]);
        let (st, e) = app.call(Method::PUT, path, Some(&s.owner.token),
            Some(&json!({"baseline_days": 91, "min_negative_bp": 0, "cooldown_hours": 721}))).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_codes(&e), ["baseline_days_out_of_range", "min_negative_share_out_of_range", "cooldown_hours_out_of_range"]);
        // Nothing was saved.
        let r = reputation(&app, &s.owner.token, "tidy").await;
        assert_eq!(r["settings"], json!({"enabled": true, "window_hours": 24, "baseline_days": 30,
            "ratio_bp": 20000, "min_negative_bp": 3000, "min_signals": 5, "cooldown_hours": 24}));

        // Staff may change settings and read; only the owner runs the check.
        let (st, b) = app.call(Method::PUT, path, Some(&staff.token),
            Some(&json!({"enabled": false, "min_signals": 8}))).await;
        assert_eq!(st, StatusCode::OK, "{b}");
        assert_eq!((b["enabled"].as_bool(), b["min_signals"].as_i64()), (Some(false), Some(8)));
        let (st, _) = check(&app, &staff.token, "tidy").await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (_, c) = check(&app, &s.owner.token, "tidy").await;
        assert_eq!(c["status"], "disabled");

        // Another merchant, a shopper, and nobody.
        let other = crate::commerce_support::merchant(&app, "rival").await;
        crate::commerce_support::shop(&app, &other.token, "rivalshop", "USD").await;
        for (m, p, body) in [
            (Method::GET, "/api/v1/shops/tidy/reputation", None),
            (Method::PUT, path, Some(json!({"min_signals": 6}))),
            (Method::POST, "/api/v1/shops/tidy/reputation/check", None),
            (Method::POST, "/api/v1/shops/tidy/reputation/alerts/1/acknowledge", None),
        ] {
            let (st, e) = app.call(m.clone(), p, Some(&other.token), body.as_ref()).await;
            assert_eq!(st, StatusCode::NOT_FOUND, "{p}: {e}");
            let (st, _) = app.call(m, p, None, body.as_ref()).await;
            assert_eq!(st, StatusCode::UNAUTHORIZED, "{p}");
        }
        // An alert id of another shop is not found either.
        let (st, _) = app.call(Method::POST, "/api/v1/shops/tidy/reputation/alerts/999/acknowledge",
            Some(&s.owner.token), None).await;
        assert_eq!(st, StatusCode::NOT_FOUND);

        // The page form: errors by field, values kept; a good form saves and says so.
        let br = Browser::new(&app);
        br.log_in(&s.owner.username, &s.owner.password).await;
        let form = |window: &'static str, ratio: &'static str| {
            vec![("enabled", "1"), ("window_hours", window), ("baseline_days", "30"), ("ratio", ratio),
                ("min_share", "30"), ("min_signals", "5"), ("cooldown_hours", "24")]
        };
        let res = br.submit("/s/tidy/reputation/settings", &form("500", "two")).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(html.contains("value=\"two\""), "typed value kept");
        assert_eq!(html.matches("class=\"field-error\"").count(), 1, "the number error first");
        let res = br.submit("/s/tidy/reputation/settings", &form("500", "2.5")).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(html.contains("The window must be 1 to 168 hours."), "localized field error");
        let res = br.submit("/s/tidy/reputation/settings", &form("48", "2.5")).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let r = reputation(&app, &s.owner.token, "tidy").await;
        assert_eq!((r["settings"]["window_hours"].as_i64(), r["settings"]["ratio_bp"].as_i64(),
            r["settings"]["enabled"].as_bool()), (Some(48), Some(25_000), Some(true)));
        let (st, html) = br.page("/s/tidy/reputation?done=saved").await;
        assert_eq!(st, StatusCode::OK);
        assert!(html.contains("Settings saved."));
        // A form without the CSRF token is refused.
        let res = br.post_form("/s/tidy/reputation/settings", &form("48", "2")).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);

        // Documented in the OpenAPI document.
        let (_, doc) = app.get_json("/api/openapi.json", None).await;
        for (p, method) in [
            ("/api/v1/shops/{handle}/reputation", "get"),
            ("/api/v1/shops/{handle}/reputation/settings", "put"),
            ("/api/v1/shops/{handle}/reputation/check", "post"),
            ("/api/v1/shops/{handle}/reputation/alerts/{id}/acknowledge", "post"),
        ] {
            assert!(doc["paths"][p][method].is_object(), "{method} {p} undocumented");
        }

        let rival = Browser::new(&app);
        rival.log_in("rival", &other.password).await;
        let (st, _) = rival.page("/s/tidy/reputation").await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        s.db.close().await;
    }

    async fn the_page_speaks_every_locale(backend) {
        let app = TestApp::start(backend).await;
        let s = shop(&app, "polyglot").await;
        let br = Browser::new(&app);
        br.log_in(&s.owner.username, &s.owner.password).await;
        for (lang, word) in [("en", "Reputation"), ("zh-CN", "口碑"), ("zh-TW", "提醒設定"), ("ko", "평판")] {
            let res = br.submit("/language", &[("lang", lang), ("next", "/s/polyglot/reputation")]).await;
            assert!(res.status().is_redirection(), "{lang}");
            let (st, html) = br.page("/s/polyglot/reputation").await;
            assert_eq!(st, StatusCode::OK);
            assert!(html.contains(word), "{lang} page lacks {word}");
            assert!(!html.contains("reputation."), "{lang}: an untranslated key");
        }
        s.db.close().await;
    }
}
