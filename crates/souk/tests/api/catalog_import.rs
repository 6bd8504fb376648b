//! Catalog feed imports and exports through the API: the three sample feeds give exactly their documented
//! results, re-imports change nothing, broken files import nothing, exports round-trip, feeds can be
//! protected and limited to a collection, data sources go through the SSRF guard, and concurrent imports
//! into one shop never duplicate products.

use crate::commerce_support::{merchant, money, product, shop};
use souk_test_support::reqwest::{Method, StatusCode};
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{TestApp, backend_tests};
use std::time::Duration;

pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/feeds/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(path).unwrap()
}

/// Imports `body` into shop `handle` and waits for the result.
pub async fn import(app: &TestApp, token: &str, handle: &str, body: Vec<u8>) -> Value {
    let res = app
        .browser()
        .post(app.url(&format!(
            "/api/v1/shops/{handle}/catalog/imports?wait=true&file_name=feed"
        )))
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let json: Value = res.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "import: {json}");
    json
}

async fn problems(app: &TestApp, token: &str, handle: &str, run: i64) -> Vec<Value> {
    let (status, body) = app
        .get_json(
            &format!("/api/v1/shops/{handle}/catalog/imports/{run}/errors?limit=1000"),
            Some(token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"].as_array().unwrap().clone()
}

pub async fn products_of(app: &TestApp, token: &str, handle: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let (status, body) = app
            .get_json(
                &format!("/api/v1/shops/{handle}/products?status=all&limit=100{cursor}"),
                Some(token),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        out.extend(body["items"].as_array().unwrap().iter().cloned());
        match body["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return out,
        }
    }
}

fn by_item<'a>(products: &'a [Value], item_id: &str) -> &'a Value {
    products
        .iter()
        .find(|p| p["item_id"] == item_id)
        .unwrap_or_else(|| panic!("no product {item_id}"))
}

/// The parts of a product an import sets, for comparing catalogs.
fn essence(p: &Value) -> Value {
    let mut variants: Vec<Value> = p["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            json!({"sku": v["sku"], "options": v["options"], "price": v["price"],
                "compare_at": v["compare_at_price"], "stock": v["stock"], "availability": v["availability"]})
        })
        .collect();
    variants.sort_by_key(|v| v["sku"].as_str().unwrap().to_owned());
    json!({"item_id": p["item_id"], "title": p["title"], "description": p["description"],
        "price": p["price"], "brand": p["brand"], "condition": p["condition"], "options": p["options"],
        "product_type": p["product_type"], "custom_labels": p["custom_labels"], "status": p["status"],
        "variants": variants})
}

async fn public_feed(app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = app.get(path).await;
    let status = res.status();
    (status, res.text().await.unwrap())
}

backend_tests! {
    async fn queued_imports_run_as_jobs_and_attach_fetched_photos(backend) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(serve_files(listener, Vec::new(), souk_test_support::jpeg(7, 400, 300)));
        let app = TestApp::builder(backend)
            .config(|c| c.fetch.allow_hosts = vec![format!("127.0.0.1:{port}")])
            .start()
            .await;
        let m = merchant(&app, "photos").await;
        shop(&app, &m.token, "photos", "EUR").await;
        let feed = String::from_utf8(fixture("meta_catalog.csv")).unwrap()
            .replace("https://shop.example.com/img/", &format!("http://127.0.0.1:{port}/img/"));
        let res = app.browser().post(app.url("/api/v1/shops/photos/catalog/imports?file_name=meta.csv"))
            .bearer_auth(&m.token).body(feed.clone()).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::ACCEPTED);
        let queued: Value = res.json().await.unwrap();
        assert_eq!(queued["file_name"], "meta.csv");
        let run = wait_for_run(&app, &m.token, "photos", queued["id"].as_i64().unwrap()).await;
        assert_eq!((run["status"].as_str(), run["imported"].as_i64()), (Some("done"), Some(4)), "{run}");
        // Each product gets its photo once the image job ran (SNK-42 and SNK-43 share one).
        let mut attached = Vec::new();
        for _ in 0..300 {
            attached = products_of(&app, &m.token, "photos").await;
            if attached.iter().all(|p| p["images"].as_array().unwrap().len() == 1) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        app.make_admin("photos").await;
        let (_, jobs) = app.get_json("/api/v1/admin/jobs?limit=50", Some(&m.token)).await;
        for p in &attached {
            assert_eq!(p["images"].as_array().unwrap().len(), 1, "{p} {jobs}");
        }
        // Importing again queues no new photo and attaches nothing twice.
        let run = import(&app, &m.token, "photos", feed.into_bytes()).await;
        assert_eq!(run["unchanged"], 4, "{run}");
        tokio::time::sleep(Duration::from_millis(1500)).await;
        for p in products_of(&app, &m.token, "photos").await {
            assert_eq!(p["images"].as_array().unwrap().len(), 1, "{p}");
        }
        // The export names the merchant's own photo URL again.
        let (_, meta) = public_feed(&app, "/shops/photos/feeds/meta.csv").await;
        assert!(meta.contains(&format!("http://127.0.0.1:{port}/img/sneaker.jpg")), "{meta}");
    }

    async fn google_fixture_imports_seven_rows_and_reports_four(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "loom").await;
        shop(&app, &m.token, "loom", "USD").await;
        let run = import(&app, &m.token, "loom", fixture("google_merchant.tsv")).await;
        assert_eq!(run["status"], "done", "{run}");
        assert_eq!(run["format"], "tsv");
        assert_eq!((run["imported"].as_i64(), run["updated"].as_i64(), run["rejected"].as_i64()),
            (Some(7), Some(0), Some(4)), "{run}");
        assert_eq!(run["total_rows"], 11);
        let report = problems(&app, &m.token, "loom", run["id"].as_i64().unwrap()).await;
        let got: Vec<(Option<String>, i64, String, String)> = report
            .iter()
            .map(|e| (e["item_id"].as_str().map(str::to_owned), e["line"].as_i64().unwrap(),
                e["field"].as_str().unwrap().to_owned(), e["code"].as_str().unwrap().to_owned()))
            .collect();
        assert!(got.contains(&(Some("BAD-PRICE".into()), 9, "price".into(), "price_missing_currency".into())), "{got:?}");
        assert!(got.contains(&(None, 10, "id".into(), "missing_field".into())), "{got:?}");
        assert!(got.iter().any(|g| g.0.as_deref() == Some("BAD-AVAIL") && g.3 == "invalid_availability"), "{got:?}");
        assert!(got.iter().any(|g| g.0.as_deref() == Some("BAD-LINK") && g.2 == "link" && g.3 == "invalid_url"), "{got:?}");

        let products = products_of(&app, &m.token, "loom").await;
        assert_eq!(products.len(), 5, "TEE (3 variants), MUG, CN-TEA, KR-SERUM, TW-BAG");
        let tee = by_item(&products, "TEE");
        assert_eq!(tee["title"], "Organic Cotton Tee");
        assert_eq!(tee["options"], json!(["Color", "Size"]));
        assert_eq!(tee["variants"].as_array().unwrap().len(), 3);
        assert_eq!(tee["price"], money(1500, "USD"));
        assert_eq!(tee["compare_at_price"], money(1900, "USD"));
        assert_eq!(tee["status"], "active");
        let blue = tee["variants"].as_array().unwrap().iter().find(|v| v["sku"] == "TEE-BLU-M").unwrap();
        assert_eq!(blue["availability"], "out_of_stock");
        assert_eq!(blue["price"], money(1900, "USD"));
        assert_eq!(blue["options"], json!(["Blue", "M"]));
        // Zero-decimal won: "32000 KRW" is 32000 minor units. Other currencies than the shop's wait as drafts.
        let serum = by_item(&products, "KR-SERUM-30");
        assert_eq!(serum["price"]["currency"], "KRW");
        assert_eq!(serum["status"], "draft");
        assert!(serum["title"].as_str().unwrap().contains("비타민"));
        let mug = by_item(&products, "MUG-01");
        assert_eq!(mug["variants"][0]["availability"], "preorder");
        assert_eq!(mug["price"], money(2450, "USD"));

        // The same file again changes nothing.
        let again = import(&app, &m.token, "loom", fixture("google_merchant.tsv")).await;
        assert_eq!((again["imported"].as_i64(), again["updated"].as_i64(), again["unchanged"].as_i64(),
            again["rejected"].as_i64()), (Some(0), Some(0), Some(7), Some(4)), "{again}");
        let after: Vec<Value> = products_of(&app, &m.token, "loom").await.iter().map(essence).collect();
        let before: Vec<Value> = products.iter().map(essence).collect();
        assert_eq!(after, before);

        // A later file updates by item id.
        let changed = String::from_utf8(fixture("google_merchant.tsv")).unwrap()
            .replace("24.50 USD", "26.00 USD");
        let run = import(&app, &m.token, "loom", changed.into_bytes()).await;
        assert_eq!((run["imported"].as_i64(), run["updated"].as_i64()), (Some(0), Some(1)), "{run}");
        let mug = by_item(&products_of(&app, &m.token, "loom").await, "MUG-01").clone();
        assert_eq!(mug["price"], money(2600, "USD"));
    }

    async fn meta_and_pinterest_fixtures_give_their_documented_results(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "trail").await;
        shop(&app, &m.token, "trail", "EUR").await;
        let run = import(&app, &m.token, "trail", fixture("meta_catalog.csv")).await;
        assert_eq!((run["imported"].as_i64(), run["rejected"].as_i64()), (Some(4), Some(1)), "{run}");
        let report = problems(&app, &m.token, "trail", run["id"].as_i64().unwrap()).await;
        assert_eq!(report.len(), 1);
        assert_eq!(report[0]["item_id"], "NEG-1");
        assert_eq!(report[0]["code"], "negative_price");
        let products = products_of(&app, &m.token, "trail").await;
        let snk = by_item(&products, "SNK");
        assert_eq!(snk["variants"].as_array().unwrap().len(), 2);
        assert_eq!(snk["description"], "Low-top canvas sneaker.\nVulcanised rubber sole.");
        let s43 = snk["variants"].as_array().unwrap().iter().find(|v| v["sku"] == "SNK-43").unwrap();
        assert_eq!(s43["stock"], 0);
        assert_eq!(s43["price"], money(4990, "EUR"));
        let cap = by_item(&products, "CAP-1");
        assert_eq!(cap["title"], "Wool Cap, \"Harbor\" edition");
        assert_eq!(cap["variants"][0]["stock"], 5);
        assert_eq!(cap["variants"][0]["availability"], "backorder");
        assert_eq!(by_item(&products, "OLD-1")["condition"], "used");

        let m2 = merchant(&app, "lampco").await;
        shop(&app, &m2.token, "lampco", "USD").await;
        let run = import(&app, &m2.token, "lampco", fixture("pinterest_rss.xml")).await;
        assert_eq!(run["format"], "xml");
        assert_eq!((run["imported"].as_i64(), run["rejected"].as_i64()), (Some(2), Some(1)), "{run}");
        let report = problems(&app, &m2.token, "lampco", run["id"].as_i64().unwrap()).await;
        assert_eq!((report[0]["item_id"].as_str(), report[0]["field"].as_str()), (Some("RUG-02"), Some("title")));
        let products = products_of(&app, &m2.token, "lampco").await;
        let lamp = by_item(&products, "LAMP-01");
        assert_eq!(lamp["description"], "Hand-woven rattan shade, <b>E27</b> socket.");
        // Markdown rendering escapes the feed's HTML rather than passing it through.
        assert!(!lamp["description_html"].as_str().unwrap().contains("<b>"));
        assert_eq!(lamp["brand"], "Kettle & Loom");
        assert_eq!(lamp["custom_labels"][0], "autumn");
        assert_eq!(by_item(&products, "RUG-01")["price"], money(11900, "USD"));
    }

    async fn broken_files_fail_with_a_code_and_import_nothing(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "broken").await;
        shop(&app, &m.token, "broken", "USD").await;
        let google = String::from_utf8(fixture("google_merchant.tsv")).unwrap();
        let pinterest = String::from_utf8(fixture("pinterest_rss.xml")).unwrap();
        let header_only = google.lines().next().unwrap().to_owned() + "\n";
        let truncated = pinterest[..pinterest.find("<g:id>RUG-01").unwrap() + 20].to_owned();
        let wrong_delimiter = google.replace('\t', ";");
        let mut garbage = vec![0u8, 159, 146, 150, 0, 1, 2, 255, 254];
        garbage.extend(std::iter::repeat_n(0u8, 300));
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (Vec::new(), "empty_file"),
            (garbage, "binary_file"),
            (header_only.into_bytes(), "no_rows"),
            (truncated.into_bytes(), "malformed_xml"),
            (wrong_delimiter.into_bytes(), "missing_columns"),
        ];
        for (body, code) in cases {
            let run = import(&app, &m.token, "broken", body).await;
            assert_eq!(run["status"], "failed", "{code}: {run}");
            assert_eq!(run["error"]["code"], code, "{run}");
            assert!(!run["error"]["message"].as_str().unwrap().is_empty());
            assert_eq!(run["imported"], 0);
        }
        assert!(products_of(&app, &m.token, "broken").await.is_empty());
    }

    async fn exports_round_trip_through_every_platform(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "round").await;
        shop(&app, &m.token, "round", "USD").await;
        import(&app, &m.token, "round", fixture("google_merchant.tsv")).await;
        let before: Vec<Value> = products_of(&app, &m.token, "round").await.iter().map(essence).collect();
        // Every field of this catalog travels through these; TikTok has no custom labels (checked below).
        for file in ["meta.csv", "pinterest.xml", "google.tsv", "meta.tsv", "google.xml", "pinterest.csv"] {
            let (status, body) = public_feed(&app, &format!("/shops/round/feeds/{file}")).await;
            assert_eq!(status, StatusCode::OK, "{file}");
            assert!(body.contains("TEE-RED-S"), "{file}: {body}");
            // Drafts (priced in another currency than the shop's) are not exported.
            assert!(!body.contains("KR-SERUM-30"), "{file}");
            let run = import(&app, &m.token, "round", body.clone().into_bytes()).await;
            let report = problems(&app, &m.token, "round", run["id"].as_i64().unwrap()).await;
            assert_eq!((run["imported"].as_i64(), run["updated"].as_i64(), run["unchanged"].as_i64(),
                run["rejected"].as_i64()), (Some(0), Some(0), Some(4), Some(0)), "{file}: {run} {report:?}\n{body}");
            let after: Vec<Value> = products_of(&app, &m.token, "round").await.iter().map(essence).collect();
            assert_eq!(after, before, "{file}");
        }
        let (status, tiktok) = public_feed(&app, "/shops/round/feeds/tiktok.csv").await;
        assert_eq!(status, StatusCode::OK);
        assert!(tiktok.starts_with("sku_id,"), "{tiktok}");
        let m3 = merchant(&app, "tok").await;
        shop(&app, &m3.token, "tok", "USD").await;
        let run = import(&app, &m3.token, "tok", tiktok.into_bytes()).await;
        assert_eq!((run["imported"].as_i64(), run["rejected"].as_i64()), (Some(4), Some(0)), "{run}");
        // The export into a new shop gives the same catalog.
        let (_, meta) = public_feed(&app, "/shops/round/feeds/meta.csv").await;
        let m2 = merchant(&app, "copy").await;
        shop(&app, &m2.token, "copy", "USD").await;
        let run = import(&app, &m2.token, "copy", meta.into_bytes()).await;
        assert_eq!(run["imported"], 4, "{run}");
        let copied: Vec<Value> = products_of(&app, &m2.token, "copy").await.iter().map(essence).collect();
        let active: Vec<Value> = before.into_iter().filter(|p| p["status"] == "active").collect();
        let mut a = copied.clone();
        let mut b = active.clone();
        a.sort_by_key(|p| p["item_id"].to_string());
        b.sort_by_key(|p| p["item_id"].to_string());
        assert_eq!(a, b);
        // Unknown platform or a format the platform does not take: 404.
        assert_eq!(app.get("/shops/round/feeds/tiktok.xml").await.status(), StatusCode::NOT_FOUND);
        assert_eq!(app.get("/shops/round/feeds/ebay.csv").await.status(), StatusCode::NOT_FOUND);
        assert_eq!(app.get("/shops/nobody/feeds/meta.csv").await.status(), StatusCode::NOT_FOUND);
    }

    async fn exports_leave_out_and_report_what_a_platform_rejects(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "longs").await;
        shop(&app, &m.token, "longs", "USD").await;
        let long_title = "Very long title ".repeat(12);
        let long = product(&app, &m.token, "longs", json!({"title": long_title.trim(), "price": money(1000, "USD"),
            "status": "active", "item_id": "LONG-1", "brand": "B"})).await;
        product(&app, &m.token, "longs", json!({"title": "Short", "price": money(1000, "USD"),
            "status": "active", "item_id": "SHORT-1", "brand": "B"})).await;
        let (status, report) = app.get_json("/api/v1/shops/longs/catalog/export-report?platform=google", Some(&m.token)).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        let problems = report["problems"].as_array().unwrap();
        assert!(problems.iter().any(|p| p["product_id"] == long["id"] && p["field"] == "title"), "{report}");
        let (_, google) = public_feed(&app, "/shops/longs/feeds/google.tsv").await;
        assert!(!google.contains("LONG-1") && google.contains("SHORT-1"));
        // Pinterest allows 500 characters: the same product goes out there.
        let (_, pinterest) = public_feed(&app, "/shops/longs/feeds/pinterest.csv").await;
        assert!(pinterest.contains("LONG-1"));
        let (status, _) = app.get_json("/api/v1/shops/longs/catalog/export-report?platform=myspace", Some(&m.token)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let other = merchant(&app, "nosy").await;
        let (status, _) = app.get_json("/api/v1/shops/longs/catalog/export-report?platform=google", Some(&other.token)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    async fn protected_feeds_need_their_token_and_groups_limit_an_export(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "guard").await;
        shop(&app, &m.token, "guard", "USD").await;
        import(&app, &m.token, "guard", fixture("google_merchant.tsv")).await;
        let (status, settings) = app.call(Method::PUT, "/api/v1/shops/guard/catalog/exports", Some(&m.token),
            Some(&json!({"protected": true}))).await;
        assert_eq!(status, StatusCode::OK, "{settings}");
        assert_eq!(settings["protected"], true);
        let url = settings["links"].as_array().unwrap().iter()
            .find(|l| l["platform"] == "meta" && l["format"] == "csv").unwrap()["url"].as_str().unwrap().to_owned();
        let path = &url[url.find("/shops/").unwrap()..];
        assert!(path.contains("?token=feed_"));
        assert_eq!(app.get("/shops/guard/feeds/meta.csv").await.status(), StatusCode::NOT_FOUND);
        assert_eq!(app.get("/shops/guard/feeds/meta.csv?token=wrong").await.status(), StatusCode::NOT_FOUND);
        let (status, body) = public_feed(&app, path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("MUG-01"));
        // A collection narrows the export.
        let mug = by_item(&products_of(&app, &m.token, "guard").await, "MUG-01").clone();
        let (status, coll) = app.call(Method::POST, "/api/v1/shops/guard/collections", Some(&m.token),
            Some(&json!({"title": "Mugs", "product_ids": [mug["id"]]}))).await;
        assert_eq!(status, StatusCode::CREATED, "{coll}");
        let (_, body) = public_feed(&app, &format!("{path}&group={}", coll["id"])).await;
        assert!(body.contains("MUG-01") && !body.contains("TEE-RED-S"), "{body}");
        // Someone else's collection id is a 404.
        let m2 = merchant(&app, "other").await;
        shop(&app, &m2.token, "other", "USD").await;
        let (_, coll2) = app.call(Method::POST, "/api/v1/shops/other/collections", Some(&m2.token),
            Some(&json!({"title": "Theirs", "product_ids": []}))).await;
        let (status, _) = public_feed(&app, &format!("{path}&group={}", coll2["id"])).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // Public again.
        app.call(Method::PUT, "/api/v1/shops/guard/catalog/exports", Some(&m.token),
            Some(&json!({"protected": false}))).await;
        assert_eq!(app.get("/shops/guard/feeds/meta.csv").await.status(), StatusCode::OK);
    }

    async fn imports_are_for_shop_staff_only(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "owner").await;
        shop(&app, &m.token, "owned", "USD").await;
        let run = import(&app, &m.token, "owned", fixture("meta_catalog.csv")).await;
        let other = merchant(&app, "stranger").await;
        let res = app.browser().post(app.url("/api/v1/shops/owned/catalog/imports?wait=true"))
            .bearer_auth(&other.token).body(fixture("meta_catalog.csv")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let res = app.browser().post(app.url("/api/v1/shops/owned/catalog/imports?wait=true"))
            .body(fixture("meta_catalog.csv")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        for path in [format!("/api/v1/shops/owned/catalog/imports/{}", run["id"]),
            format!("/api/v1/shops/owned/catalog/imports/{}/errors", run["id"]),
            "/api/v1/shops/owned/catalog/imports".to_owned(),
            "/api/v1/shops/owned/catalog/sources".to_owned()] {
            let (status, _) = app.get_json(&path, Some(&other.token)).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        }
        // A run of another shop is not reachable through one's own shop either.
        shop(&app, &other.token, "theirs", "USD").await;
        let (status, _) = app.get_json(&format!("/api/v1/shops/theirs/catalog/imports/{}", run["id"]), Some(&other.token)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    async fn concurrent_imports_into_one_shop_do_not_duplicate_products(backend) {
        let app = TestApp::start(backend).await;
        let m = merchant(&app, "busy").await;
        shop(&app, &m.token, "busy", "USD").await;
        let mut tasks = Vec::new();
        for i in 0..6 {
            let body = if i % 2 == 0 { fixture("google_merchant.tsv") } else { fixture("meta_catalog.csv") };
            let url = app.url("/api/v1/shops/busy/catalog/imports?wait=true");
            let client = app.browser();
            let token = m.token.clone();
            tasks.push(tokio::spawn(async move {
                let res = client.post(url).bearer_auth(token).body(body).send().await.unwrap();
                assert_eq!(res.status(), StatusCode::OK);
                res.json::<Value>().await.unwrap()
            }));
        }
        let mut imported = 0;
        for t in tasks {
            let run = t.await.unwrap();
            assert_eq!(run["status"], "done", "{run}");
            imported += run["imported"].as_i64().unwrap();
        }
        // Google: 7 variant rows, Meta: 4; each created exactly once whatever the interleaving.
        assert_eq!(imported, 11);
        let products = products_of(&app, &m.token, "busy").await;
        assert_eq!(products.len(), 5 + 3, "{}", products.len());
        let mut skus: Vec<String> = products.iter()
            .flat_map(|p| p["variants"].as_array().unwrap().iter().map(|v| v["sku"].as_str().unwrap().to_owned()))
            .collect();
        let n = skus.len();
        skus.sort();
        skus.dedup();
        assert_eq!(skus.len(), n);
        assert_eq!(n, 11);
    }

    async fn data_sources_fetch_through_the_ssrf_guard(backend) {
        // A local feed server; the allow-list lets this test reach it and nothing else private.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(serve_feed(listener, fixture("google_merchant.tsv")));
        let app = TestApp::builder(backend)
            .config(|c| c.fetch.allow_hosts = vec![format!("127.0.0.1:{port}")])
            .start()
            .await;
        let m = merchant(&app, "synced").await;
        shop(&app, &m.token, "synced", "USD").await;
        let (status, src) = app.call(Method::POST, "/api/v1/shops/synced/catalog/sources", Some(&m.token),
            Some(&json!({"name": "Main feed", "url": format!("http://127.0.0.1:{port}/feed.tsv"), "schedule": "daily"}))).await;
        assert_eq!(status, StatusCode::CREATED, "{src}");
        let (status, dup) = app.call(Method::POST, "/api/v1/shops/synced/catalog/sources", Some(&m.token),
            Some(&json!({"url": format!("http://127.0.0.1:{port}/feed.tsv"), "schedule": "daily"}))).await;
        assert_eq!((status, dup["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("source_exists")), "{dup}");
        let (status, bad) = app.call(Method::POST, "/api/v1/shops/synced/catalog/sources", Some(&m.token),
            Some(&json!({"url": "ftp://example.com/feed", "schedule": "sometimes"}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        // The scheduler starts the due source on its own.
        let run = wait_for_source_run(&app, &m.token, "synced", src["id"].as_i64().unwrap()).await;
        assert_eq!(run["status"], "done", "{run}");
        assert_eq!((run["imported"].as_i64(), run["rejected"].as_i64()), (Some(7), Some(4)), "{run}");
        // Fetch now: nothing changed upstream, so nothing changes here.
        let (status, started) = app.call(Method::POST,
            &format!("/api/v1/shops/synced/catalog/sources/{}/run", src["id"]), Some(&m.token), None).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{started}");
        let run = wait_for_run(&app, &m.token, "synced", started["run_id"].as_i64().unwrap()).await;
        assert_eq!((run["imported"].as_i64(), run["unchanged"].as_i64()), (Some(0), Some(7)), "{run}");

        // Without the allow-list a private address is refused and the run says so.
        let (status, local) = app.call(Method::POST, "/api/v1/shops/synced/catalog/sources", Some(&m.token),
            Some(&json!({"url": "http://127.0.0.2:9/feed.csv", "schedule": "hourly"}))).await;
        assert_eq!(status, StatusCode::CREATED, "{local}");
        let run = wait_for_source_run(&app, &m.token, "synced", local["id"].as_i64().unwrap()).await;
        assert_eq!(run["status"], "failed");
        assert_eq!(run["error"]["code"], "address_refused", "{run}");
        let (status, meta) = app.call(Method::POST, "/api/v1/shops/synced/catalog/sources", Some(&m.token),
            Some(&json!({"url": "http://169.254.169.254/latest/meta-data", "schedule": "weekly"}))).await;
        assert_eq!(status, StatusCode::CREATED, "{meta}");
        let run = wait_for_source_run(&app, &m.token, "synced", meta["id"].as_i64().unwrap()).await;
        assert_eq!(run["error"]["code"], "address_refused", "{run}");

        // Pause and delete.
        let (status, paused) = app.call(Method::PATCH,
            &format!("/api/v1/shops/synced/catalog/sources/{}", src["id"]), Some(&m.token),
            Some(&json!({"enabled": false}))).await;
        assert_eq!((status, paused["enabled"].as_bool()), (StatusCode::OK, Some(false)));
        let (status, _) = app.call(Method::DELETE,
            &format!("/api/v1/shops/synced/catalog/sources/{}", src["id"]), Some(&m.token), None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (_, list) = app.get_json("/api/v1/shops/synced/catalog/sources", Some(&m.token)).await;
        assert_eq!(list.as_array().unwrap().len(), 2);
    }
}

async fn wait_for_run(app: &TestApp, token: &str, handle: &str, run: i64) -> Value {
    for _ in 0..300 {
        let (status, body) = app
            .get_json(
                &format!("/api/v1/shops/{handle}/catalog/imports/{run}"),
                Some(token),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if body["status"] == "done" || body["status"] == "failed" {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("run {run} did not finish");
}

async fn wait_for_source_run(app: &TestApp, token: &str, handle: &str, source: i64) -> Value {
    for _ in 0..300 {
        let (_, list) = app
            .get_json(
                &format!("/api/v1/shops/{handle}/catalog/sources"),
                Some(token),
            )
            .await;
        let src = list
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == source)
            .cloned()
            .unwrap();
        if let Some(run) = src["last_run"].as_object()
            && (run["status"] == "done" || run["status"] == "failed")
        {
            return Value::Object(run.clone());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("source {source} did not run");
}

/// Answers every request with the feed, as a static file server would.
async fn serve_feed(listener: tokio::net::TcpListener, body: Vec<u8>) {
    serve_files(listener, body, Vec::new()).await
}

/// A static file server: `/img/…` gets the photo, anything else the feed.
async fn serve_files(listener: tokio::net::TcpListener, feed: Vec<u8>, photo: Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    loop {
        let Ok((mut sock, _)) = listener.accept().await else {
            return;
        };
        let (feed, photo) = (feed.clone(), photo.clone());
        tokio::spawn(async move {
            let mut buf = [0u8; 4096];
            let n = sock.read(&mut buf).await.unwrap_or(0);
            let request = String::from_utf8_lossy(&buf[..n]);
            let (body, kind) = if request.starts_with("GET /img/") {
                (photo, "image/jpeg")
            } else {
                (feed, "text/tab-separated-values")
            };
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = sock.write_all(head.as_bytes()).await;
            let _ = sock.write_all(&body).await;
        });
    }
}
