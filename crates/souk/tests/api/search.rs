//! Search through the HTTP API and the page: Chinese across traditional and simplified characters, Korean
//! partial words, English stems and typos, product facets and filters, drafts and deleted posts kept out,
//! autocomplete for accounts and hashtags, and product text escaped on the search page.
//!
//! Tests bring the index up to date with `POST /api/v1/admin/search/sync` (what the indexer in `serve`
//! does every few seconds) instead of waiting for it. The first sync of a new index rebuilds it; the
//! outbox tests sync once before changing anything, so what they check afterwards came from events. The
//! indexer of the running server may apply an event before the test's sync does, so the tests check what
//! searches find (and that a second sync finds nothing to do) rather than how many documents a sync wrote.

use crate::commerce_support::*;
use crate::social_support::*;
use souk_test_support::reqwest::{Method, StatusCode};
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{TestApp, backend_tests};

/// An operator's token, for the sync endpoint.
async fn operator(app: &TestApp) -> String {
    let op = app.user("operator").await;
    app.make_admin("operator").await;
    op.token
}

async fn sync(app: &TestApp, admin: &str) -> Value {
    let (status, body) = app
        .call(Method::POST, "/api/v1/admin/search/sync", Some(admin), None)
        .await;
    assert_eq!(status, StatusCode::OK, "sync: {body}");
    body
}

/// A sync that must have found nothing to do.
async fn assert_idle_sync(app: &TestApp, admin: &str) {
    assert_eq!(
        sync(app, admin).await,
        json!({"indexed": 0, "removed": 0, "rebuilt": false})
    );
}

async fn search(app: &TestApp, query: &str) -> Value {
    get_ok(app, None, &format!("/api/v1/search?{query}")).await
}

/// Titles of a product search's results.
async fn titles(app: &TestApp, q: &str) -> Vec<String> {
    let body = search(app, &format!("q={}", encode(q))).await;
    let mut t: Vec<String> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap().to_owned())
        .collect();
    t.sort();
    t
}

async fn titled(app: &TestApp, token: &str, shop: &str, title: &str, extra: Value) -> Value {
    let mut body =
        json!({"title": title, "price": money(2000, "USD"), "status": "active", "stock": 5});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    product(app, token, shop, body).await
}

backend_tests! {
    async fn finds_products_in_chinese_korean_and_english(backend) {
        let app = TestApp::start(backend).await;
        let admin = operator(&app).await;
        let m = merchant(&app, "seoulbeauty").await;
        shop(&app, &m.token, "seoul-beauty", "USD").await;
        for title in [
            "護膚精華液 保濕",
            "护肤套装",
            "夏季碎花連衣裙",
            "비타민세럼 30ml",
            "Hydrating face serum",
            "Silk scarf",
            "Linen summer dress 连衣裙",
        ] {
            titled(&app, &m.token, "seoul-beauty", title, json!({})).await;
        }
        titled(&app, &m.token, "seoul-beauty", "Secret serum draft", json!({"status": "draft"})).await;
        sync(&app, &admin).await;

        let skincare = vec!["护肤套装".to_owned(), "護膚精華液 保濕".to_owned()];
        // Simplified finds traditional and the reverse.
        assert_eq!(titles(&app, "护肤").await, skincare);
        assert_eq!(titles(&app, "護膚").await, skincare);
        let dresses = vec!["Linen summer dress 连衣裙".to_owned(), "夏季碎花連衣裙".to_owned()];
        assert_eq!(titles(&app, "连衣裙").await, dresses);
        assert_eq!(titles(&app, "連衣裙").await, dresses);
        // Korean: part of a compound word.
        assert_eq!(titles(&app, "세럼").await, vec!["비타민세럼 30ml".to_owned()]);
        // English: plural, one typo in a five-letter word; none forgiven in a four-letter word.
        assert_eq!(titles(&app, "serums").await, vec!["Hydrating face serum".to_owned()]);
        assert_eq!(titles(&app, "serun").await, vec!["Hydrating face serum".to_owned()]);
        assert_eq!(titles(&app, "hydratign").await, vec!["Hydrating face serum".to_owned()]);
        assert!(titles(&app, "slik").await.is_empty());
        assert_eq!(titles(&app, "silk").await, vec!["Silk scarf".to_owned()]);
        // Mixed Latin and Chinese: both parts must match.
        assert_eq!(titles(&app, "summer 連衣裙").await, vec!["Linen summer dress 连衣裙".to_owned()]);
        // The draft is never found, even by its exact title.
        assert!(titles(&app, "secret").await.is_empty());
        let body = search(&app, "q=serum").await;
        assert_eq!(body["type"], "products");
        assert_eq!(body["total"], 1);
    }

    async fn product_facets_and_filters(backend) {
        let app = TestApp::start(backend).await;
        let admin = operator(&app).await;
        let a = merchant(&app, "teeshop").await;
        shop(&app, &a.token, "tee-a", "USD").await;
        let b = merchant(&app, "teeshopb").await;
        shop(&app, &b.token, "tee-b", "USD").await;
        titled(&app, &a.token, "tee-a", "Cotton tee basic", json!({"price": money(1500, "USD")})).await;
        titled(&app, &a.token, "tee-a", "Cotton tee premium", json!({"price": money(4000, "USD"), "stock": 0})).await;
        titled(&app, &b.token, "tee-b", "Cotton tee deluxe", json!({"price": money(30000, "USD")})).await;
        sync(&app, &admin).await;

        let all = search(&app, "q=tee").await;
        assert_eq!(all["total"], 3);
        let f = &all["facets"];
        let shops: Vec<(String, i64)> = f["shops"].as_array().unwrap().iter()
            .map(|s| (s["handle"].as_str().unwrap().to_owned(), s["count"].as_i64().unwrap()))
            .collect();
        assert_eq!(shops, vec![("tee-a".to_owned(), 2), ("tee-b".to_owned(), 1)]);
        assert_eq!(f["availability"], json!({"in_stock": 2, "out_of_stock": 1}));
        let prices: Vec<(i64, Value, i64)> = f["prices"].as_array().unwrap().iter()
            .map(|p| (p["min"]["amount_minor"].as_i64().unwrap(), p["max"]["amount_minor"].clone(), p["count"].as_i64().unwrap()))
            .collect();
        assert_eq!(prices, vec![(0, json!(2500), 1), (2500, json!(5000), 1), (25000, Value::Null, 1)]);
        assert_eq!(f["prices"][0]["min"]["currency"], "USD");

        // Shop filter: results narrow, the shop facet still shows both shops.
        let only_a = search(&app, "q=tee&shop=tee-a").await;
        assert_eq!(only_a["total"], 2);
        assert_eq!(only_a["facets"]["shops"].as_array().unwrap().len(), 2);
        // Price range in minor units, upper bound exclusive.
        let mid = search(&app, "q=tee&price_min=2500&price_max=5000&currency=USD").await;
        assert_eq!(mid["items"][0]["title"], "Cotton tee premium");
        assert_eq!(mid["total"], 1);
        // Availability.
        let stocked = search(&app, "q=tee&in_stock=true").await;
        assert_eq!(stocked["total"], 2);
        assert!(stocked["items"].as_array().unwrap().iter().all(|p| p["purchasable"] == true));
        let sold_out = search(&app, "q=tee&in_stock=false").await;
        assert_eq!(sold_out["items"][0]["title"], "Cotton tee premium");
        // Unrated products fall out of a rating filter.
        assert_eq!(search(&app, "q=tee&rating_min=1").await["total"], 0);
        // Filters combine; an unknown shop finds nothing.
        assert_eq!(search(&app, "q=tee&shop=tee-a&in_stock=true").await["total"], 1);
        assert_eq!(search(&app, "q=tee&shop=nope").await["total"], 0);
        // Paging with a cursor.
        let first = search(&app, "q=tee&limit=2").await;
        assert_eq!(first["items"].as_array().unwrap().len(), 2);
        let next = first["next_cursor"].as_str().unwrap();
        let second = search(&app, &format!("q=tee&limit=2&cursor={next}")).await;
        assert_eq!(second["items"].as_array().unwrap().len(), 1);
        assert!(second["next_cursor"].is_null());

        // A price change and archiving reach the index on the next sync.
        let deluxe = mid_id(&search(&app, "q=deluxe").await);
        let (status, _) = app.call(Method::PATCH, &format!("/api/v1/products/{deluxe}"), Some(&b.token),
            Some(&json!({"status": "archived"}))).await;
        assert_eq!(status, StatusCode::OK);
        sync(&app, &admin).await;
        assert_eq!(search(&app, "q=tee").await["total"], 2);

        let (status, body) = app.get_json("/api/v1/search?q=tee&type=widgets", None).await;
        assert_field_error(status, &body, "type", "invalid_type");
        let (status, body) = app.get_json("/api/v1/search?q=tee&currency=dollars", None).await;
        assert_field_error(status, &body, "currency", "invalid_currency");
    }

    async fn posts_people_hashtags_and_autocomplete(backend) {
        let app = TestApp::start(backend).await;
        let admin = operator(&app).await;
        let mina = app.user("mina_kim").await;
        let (status, _) = app.call(Method::PATCH, "/api/v1/users/mina_kim", Some(&mina.token),
            Some(&json!({"display_name": "김민아 Mina"}))).await;
        assert_eq!(status, StatusCode::OK);
        app.user("minho").await;
        let post = app.create_post(&mina.token, "My evening routine #護膚 with a vitamin serum", 1).await;
        app.create_post(&mina.token, "Weekend market haul #护肤品", 1).await;
        sync(&app, &admin).await;

        // Posts by caption words and hashtags, across scripts.
        let found = search(&app, "type=posts&q=serum").await;
        assert_eq!(ids(&found), vec![id(&post)]);
        assert_eq!(found["items"][0]["author"]["username"], "mina_kim");
        let found = search(&app, &format!("type=posts&q={}", encode("护肤"))).await;
        let mut found = ids(&found);
        found.sort();
        // 護膚 on the first post, and 护肤品 ("skincare products") on the second, both contain 护肤.
        assert_eq!(found.len(), 2);
        assert!(found.contains(&id(&post)));
        // People by username, display name and part of a Korean name.
        let people = search(&app, "type=users&q=mina").await;
        assert_eq!(people["items"][0]["username"], "mina_kim");
        let people = search(&app, &format!("type=users&q={}", encode("김민"))).await;
        assert_eq!(people["items"][0]["username"], "mina_kim");
        // Hashtags by the start of their name.
        let tags = search(&app, &format!("type=tags&q={}", encode("#护"))).await;
        let mut names: Vec<&str> = tags["items"].as_array().unwrap().iter()
            .map(|t| t["tag"].as_str().unwrap()).collect();
        names.sort();
        assert_eq!(names, vec!["护肤品", "護膚"]);

        // Autocomplete: accounts and hashtags by prefix.
        let s = get_ok(&app, None, "/api/v1/search/suggest?q=min").await;
        let users: Vec<&str> = s["users"].as_array().unwrap().iter()
            .map(|u| u["username"].as_str().unwrap()).collect();
        assert!(users.contains(&"mina_kim") && users.contains(&"minho"), "{s}");
        assert!(s["tags"].as_array().unwrap().is_empty());
        let s = get_ok(&app, None, &format!("/api/v1/search/suggest?q={}", encode("#護"))).await;
        assert_eq!(s["tags"].as_array().unwrap().len(), 2, "{s}");
        assert!(s["tags"][0]["url"].as_str().unwrap().starts_with("/tags/"));
        let s = get_ok(&app, None, "/api/v1/search/suggest?q=").await;
        assert!(s["users"].as_array().unwrap().is_empty());

        // A deleted post leaves the results once the index catches up.
        let (status, _) = delete(&app, &mina.token, &format!("/api/v1/posts/{}", id(&post))).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let report = sync(&app, &admin).await;
        assert!(report["removed"].as_i64().unwrap() >= 1, "{report}");
        assert!(ids(&search(&app, "type=posts&q=serum").await).is_empty());
    }

    async fn search_page_escapes_product_text(backend) {
        let app = TestApp::start(backend).await;
        let admin = operator(&app).await;
        let m = merchant(&app, "xssshop").await;
        shop(&app, &m.token, "xss-shop", "USD").await;
        titled(&app, &m.token, "xss-shop", "<script>alert(1)</script> Serum <img src=x onerror=alert(2)>", json!({})).await;
        sync(&app, &admin).await;
        let res = app.get("/search?q=serum").await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = entities(&res.text().await.unwrap());
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; Serum"), "{html}");
        assert!(!html.contains("<script>alert(1)"));
        assert!(!html.contains("<img src=x"));
        // Tabs, the count and the shop facet as a plain link.
        assert!(html.contains("href=\"/search?q=serum&amp;type=posts\""), "{html}");
        assert!(html.contains("data-testid=\"search-count\""));
        assert!(html.contains("/search?q=serum&amp;shop=xss-shop"), "{html}");
        // The header box is on every page; a blank search shows the hint.
        let home = app.get("/").await.text().await.unwrap();
        assert!(home.contains("action=\"/search\""));
        let blank = app.get("/search").await;
        assert_eq!(blank.status(), StatusCode::OK);
        // A query that reads as HTML comes back escaped in the box.
        let html = entities(&app.get("/search?q=%22%3E%3Cb%3Ex").await.text().await.unwrap());
        assert!(html.contains("value=\"&quot;&gt;&lt;b&gt;x\""), "{html}");
    }

    async fn product_changes_reach_the_index_through_the_outbox(backend) {
        let app = TestApp::start(backend).await;
        let admin = operator(&app).await;
        let m = merchant(&app, "campgoods").await;
        shop(&app, &m.token, "camp-goods", "USD").await;
        sync(&app, &admin).await;
        assert_idle_sync(&app, &admin).await;

        // Created: findable after the next sync, which rebuilt nothing.
        let lamp = titled(&app, &m.token, "camp-goods", "Brass camping lantern", json!({})).await;
        let report = sync(&app, &admin).await;
        assert_eq!(report["rebuilt"], false, "{report}");
        assert_eq!(titles(&app, "lantern").await, vec!["Brass camping lantern".to_owned()]);
        // Running it again changes nothing.
        assert_idle_sync(&app, &admin).await;

        // Edited: the new title finds it, the old one no longer does.
        let (status, body) = app.call(Method::PATCH, &format!("/api/v1/products/{}", lamp["id"]), Some(&m.token),
            Some(&json!({"title": "Brass storm lamp"}))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        sync(&app, &admin).await;
        assert!(titles(&app, "lantern").await.is_empty());
        assert_eq!(titles(&app, "storm").await, vec!["Brass storm lamp".to_owned()]);

        // Archived: gone from the index, not only hidden at load time.
        let (status, body) = app.call(Method::PATCH, &format!("/api/v1/products/{}", lamp["id"]), Some(&m.token),
            Some(&json!({"status": "archived"}))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        sync(&app, &admin).await;
        assert!(titles(&app, "storm").await.is_empty());
        assert_eq!(search(&app, "q=storm").await["total"], 0);

        // A catalog import: one event per batch makes every imported product findable.
        let feed = "id\ttitle\tdescription\tlink\timage_link\tavailability\tprice\n\
            BEANIE-1\tMerino wool beanie\tWarm ribbed beanie.\thttps://camp.example/p/1\thttps://camp.example/i/1.jpg\tin_stock\t25.00 USD\n\
            TOTE-1\t帆布托特包\t結實的帆布包。\thttps://camp.example/p/2\thttps://camp.example/i/2.jpg\tin_stock\t18.00 USD\n";
        let run = crate::catalog_import::import(&app, &m.token, "camp-goods", feed.as_bytes().to_vec()).await;
        assert_eq!(run["imported"], 2, "{run}");
        let report = sync(&app, &admin).await;
        assert_eq!(report["rebuilt"], false, "{report}");
        assert_eq!(titles(&app, "beanie").await, vec!["Merino wool beanie".to_owned()]);
        // Imported in traditional characters, found in simplified.
        assert_eq!(titles(&app, "帆布托特包").await, vec!["帆布托特包".to_owned()]);
        assert_eq!(titles(&app, "托特").await, vec!["帆布托特包".to_owned()]);
        assert_idle_sync(&app, &admin).await;

        // Deleted.
        let beanie = mid_id(&search(&app, "q=beanie").await);
        let (status, _) = delete(&app, &m.token, &format!("/api/v1/products/{beanie}")).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        sync(&app, &admin).await;
        assert!(titles(&app, "beanie").await.is_empty());
    }

    async fn post_and_account_changes_reach_the_index_through_the_outbox(backend) {
        let app = TestApp::start(backend).await;
        let admin = operator(&app).await;
        sync(&app, &admin).await;

        // A new account and its first post.
        let jun = app.user("jun_park").await;
        let post = app.create_post(&jun.token, "Morning matcha latte #cafehop", 1).await;
        sync(&app, &admin).await;
        assert_eq!(ids(&search(&app, "type=posts&q=matcha").await), vec![id(&post)]);
        assert_eq!(search(&app, "type=users&q=jun_park").await["items"][0]["username"], "jun_park");
        assert_eq!(search(&app, "type=tags&q=cafehop").await["items"][0]["tag"], "cafehop");

        // An edited caption: the new words find it, the old words and the dropped hashtag do not.
        let (status, body) = app.call(Method::PATCH, &format!("/api/v1/posts/{}", id(&post)), Some(&jun.token),
            Some(&json!({"caption": "Evening espresso tonic #coffeebar"}))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        sync(&app, &admin).await;
        assert!(ids(&search(&app, "type=posts&q=matcha").await).is_empty());
        assert_eq!(ids(&search(&app, "type=posts&q=espresso").await), vec![id(&post)]);
        assert!(search(&app, "type=tags&q=cafehop").await["items"].as_array().unwrap().is_empty());
        assert_eq!(search(&app, "type=tags&q=coffeebar").await["items"][0]["tag"], "coffeebar");
        assert_idle_sync(&app, &admin).await;

        // A new display name finds the account.
        let (status, _) = app.call(Method::PATCH, "/api/v1/users/jun_park", Some(&jun.token),
            Some(&json!({"display_name": "Barista Jun"}))).await;
        assert_eq!(status, StatusCode::OK);
        sync(&app, &admin).await;
        assert_eq!(search(&app, "type=users&q=barista").await["items"][0]["username"], "jun_park");

        // Suspended: the account and its posts leave the index.
        let reporter = app.user("reporter").await;
        let (status, r) = crate::social_support::post(&app, &reporter.token, "/api/v1/reports",
            json!({"target_kind": "account", "target": "jun_park", "reason": "spam"})).await;
        assert_eq!(status, StatusCode::CREATED, "{r}");
        let (status, _) = crate::social_support::post(&app, &admin, &format!("/api/v1/admin/reports/{}/resolve", id(&r)),
            json!({"action": "suspend"})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        sync(&app, &admin).await;
        assert_eq!(search(&app, "type=users&q=barista").await["total"], 0);
        assert_eq!(search(&app, "type=users&q=jun_park").await["total"], 0);
        assert_eq!(search(&app, "type=posts&q=espresso").await["total"], 0);
        assert_idle_sync(&app, &admin).await;
    }

    async fn a_new_review_moves_the_rating_filter(backend) {
        let app = TestApp::start(backend).await;
        let admin = operator(&app).await;
        let (m, pid, vid) = crate::checkout::store_with_product(&app, "knits", 20).await;
        sync(&app, &admin).await;
        assert_eq!(search(&app, "q=simple&rating_min=4").await["total"], 0);
        let buyer = crate::reviews::delivered_buyer(&app, &m, "knits", vid, "ada").await;
        let (s, r) = app.call(Method::POST, &format!("/api/v1/products/{pid}/reviews"), Some(&buyer.token),
            Some(&json!({"rating": 5, "title": "Lovely"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        sync(&app, &admin).await;
        assert_eq!(search(&app, "q=simple&rating_min=4").await["total"], 1);
    }

    async fn index_controls_are_for_operators(backend) {
        let app = TestApp::start(backend).await;
        let someone = app.user("someone").await;
        let (status, body) = app.call(Method::POST, "/api/v1/admin/search/sync", Some(&someone.token), None).await;
        assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
        let (status, _) = app.call(Method::POST, "/api/v1/admin/search/reindex", None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let admin = operator(&app).await;
        let (status, body) = app.call(Method::POST, "/api/v1/admin/search/reindex", Some(&admin), None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["rebuilt"], true);
        assert!(body["indexed"].as_i64().unwrap() >= 2, "{body}");
    }
}

/// Numeric character references as the named ones, so assertions read the same whichever the
/// template engine writes.
fn entities(html: &str) -> String {
    html.replace("&#60;", "&lt;")
        .replace("&#62;", "&gt;")
        .replace("&#38;", "&amp;")
        .replace("&#34;", "&quot;")
        .replace("&#39;", "&#x27;")
}

fn mid_id(page: &Value) -> i64 {
    page["items"][0]["id"].as_i64().unwrap()
}
