//! The merchant catalog-feed pages on both engines: a fixture uploaded through the hub's multipart form is
//! imported by the in-process job worker, the run page shows its counts and report (filters, pages, CSV
//! download, progress stream), data sources are managed through forms, the export report lists what a
//! platform would reject, every page is 404 for anyone but the shop's staff, and file content is escaped.

use crate::commerce_support::{merchant, shop};
use crate::support::Browser;
use souk_test_support::reqwest::multipart::{Form, Part};
use souk_test_support::reqwest::{StatusCode, header};
use souk_test_support::{TestApp, backend_tests};
use std::time::Duration;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/feeds/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

/// Posts the hub's upload form (token and format before the file, as the page orders them).
async fn post_upload(
    browser: &Browser,
    handle: &str,
    file_name: &str,
    bytes: Vec<u8>,
) -> souk_test_support::reqwest::Response {
    let token = browser.csrf().await;
    let form = Form::new()
        .text("csrf_token", token)
        .text("format", "auto")
        .part(
            "file",
            Part::bytes(bytes)
                .file_name(file_name.to_owned())
                .mime_str("text/plain")
                .unwrap(),
        );
    browser
        .client
        .post(browser.url(&format!("/s/{handle}/catalog/import")))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Uploads a file and returns the run page's path it redirects to.
async fn upload(browser: &Browser, handle: &str, file_name: &str, bytes: Vec<u8>) -> String {
    let res = post_upload(browser, handle, file_name, bytes).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "upload redirects");
    let to = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert!(
        to.starts_with(&format!("/s/{handle}/catalog/runs/")),
        "redirected to the run page, not {to}"
    );
    to
}

/// Polls the run page until the run has finished (the page stops refreshing itself) and returns it.
async fn finished_page(browser: &Browser, run: &str) -> String {
    for _ in 0..300 {
        let (status, html) = browser.page(run).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        if !html.contains("http-equiv=\"refresh\"") {
            return html;
        }
        assert!(html.contains("<progress"), "a progress bar while running");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the import at {run} did not finish within a minute");
}

/// The number shown in a `data-run-count` cell.
fn count(html: &str, name: &str) -> String {
    let marker = format!("data-run-count=\"{name}\">");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} count"));
    let rest = &html[at + marker.len()..];
    rest[..rest.find('<').unwrap()].to_owned()
}

/// Item-id cells of the report table.
fn report_item_ids(html: &str) -> Vec<String> {
    let Some(table) = html.split("class=\"catalog-table catalog-errors\"").nth(1) else {
        return Vec::new();
    };
    table
        .split("data-label=\"Item id\">")
        .skip(1)
        .map(|cell| cell[..cell.find("</td>").unwrap()].to_owned())
        .collect()
}

async fn merchant_browser(app: &TestApp, username: &str, handle: &str) -> Browser {
    let m = merchant(app, username).await;
    shop(app, &m.token, handle, "USD").await;
    let browser = Browser::new(app);
    browser.log_in(&m.username, &m.password).await;
    browser
}

backend_tests! {
    async fn a_fixture_uploaded_through_the_page_reports_its_rows(backend) {
        let app = TestApp::start(backend).await;
        let browser = merchant_browser(&app, "feedmerchant", "feedshop").await;

        let (s, hub) = browser.page("/s/feedshop/catalog").await;
        assert_eq!(s, StatusCode::OK, "{hub}");
        assert!(hub.contains("action=\"/s/feedshop/catalog/import\""));
        assert!(hub.contains("enctype=\"multipart/form-data\""));
        // Every platform's links, absolute, with copy hooks.
        for file in ["google.csv", "google.tsv", "google.xml", "meta.xml", "pinterest.tsv", "tiktok.csv"] {
            let url = format!("value=\"{}\"", app.url(&format!("/shops/feedshop/feeds/{file}")));
            assert!(hub.contains(&url), "export link {file} in {hub}");
        }
        assert!(!hub.contains("/feeds/tiktok.xml"), "TikTok takes no XML");
        assert!(hub.contains("data-catalog-copy"));
        // The dashboard links here.
        let (_, dash) = browser.page("/s/feedshop/dashboard").await;
        assert!(dash.contains("href=\"/s/feedshop/catalog\""));

        let run = upload(&browser, "feedshop", "google_merchant.tsv", fixture("google_merchant.tsv")).await;
        let html = finished_page(&browser, &run).await;
        assert_eq!(count(&html, "imported"), "7", "{html}");
        assert_eq!(count(&html, "rejected"), "4", "{html}");
        assert_eq!(count(&html, "processed"), "11");
        assert!(html.contains("value=\"100\""), "the bar is full");
        for code in ["price_missing_currency", "invalid_availability", "invalid_url", "missing_field"] {
            assert!(html.contains(&format!("<code>{code}</code>")), "{code} in {html}");
        }
        let mut ids = report_item_ids(&html);
        ids.sort();
        assert!(ids.contains(&"BAD-PRICE".to_owned()), "{ids:?}");
        assert!(ids.contains(&"BAD-AVAIL".to_owned()), "{ids:?}");
        assert!(ids.contains(&"BAD-LINK".to_owned()), "{ids:?}");
        assert!(html.contains("/errors.csv"));

        // The hub lists the run with its counts.
        let (_, hub) = browser.page("/s/feedshop/catalog").await;
        assert!(hub.contains(&format!("href=\"{run}\"")), "{hub}");
        assert!(hub.contains("google_merchant.tsv"));

        // Filters narrow the table to one code, or one field.
        let (_, only) = browser.page(&format!("{run}?code=invalid_availability")).await;
        assert_eq!(report_item_ids(&only), vec!["BAD-AVAIL".to_owned()], "{only}");
        assert!(only.contains("aria-current=\"true\""));
        let (_, by_field) = browser.page(&format!("{run}?field=link")).await;
        assert_eq!(report_item_ids(&by_field), vec!["BAD-LINK".to_owned()]);
        let (_, none) = browser.page(&format!("{run}?code=no_such_code")).await;
        assert!(report_item_ids(&none).is_empty());

        // The CSV download: a header and one line per report row, in file order.
        let res = browser.get(&format!("{run}/errors.csv")).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/csv"));
        assert!(res.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment"));
        let text = res.text().await.unwrap();
        let text = text.trim_start_matches('\u{feff}');
        let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(lines[0], "line,item_id,field,code,message");
        assert_eq!(lines.len() - 1, ids.len(), "every report row (the id-less one too): {text}");
        assert!(lines.iter().any(|l| l.starts_with("10,,id,missing_field,")), "{text}");
        assert!(lines.iter().any(|l| l.contains(",BAD-PRICE,price,price_missing_currency,")), "{text}");
        let filtered = browser.get(&format!("{run}/errors.csv?code=invalid_url")).await.text().await.unwrap();
        assert_eq!(filtered.trim_end().split("\r\n").count(), 2, "{filtered}");

        // The progress stream of a finished run sends one last event and ends.
        let res = browser.get(&format!("{run}/events")).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/event-stream"));
        let body = tokio::time::timeout(Duration::from_secs(10), res.text()).await.unwrap().unwrap();
        assert!(body.contains("event: progress"), "{body}");
        assert!(body.contains("\"status\":\"done\""), "{body}");
        assert!(body.contains("\"percent\":100"), "{body}");
        assert!(body.contains("\"imported\":7"), "{body}");

        // Re-importing the same file changes nothing.
        let again = upload(&browser, "feedshop", "google_merchant.tsv", fixture("google_merchant.tsv")).await;
        let html = finished_page(&browser, &again).await;
        assert_eq!(count(&html, "imported"), "0", "{html}");
        assert_eq!(count(&html, "unchanged"), "7");
    }

    async fn a_missing_or_unreadable_file_is_explained(backend) {
        let app = TestApp::start(backend).await;
        let browser = merchant_browser(&app, "emptymerchant", "emptyshop").await;
        // A form sent without choosing a file.
        let token = browser.csrf().await;
        let form = Form::new()
            .text("csrf_token", token)
            .text("format", "auto")
            .part("file", Part::bytes(Vec::new()).file_name(""));
        let res = browser
            .client
            .post(browser.url("/s/emptyshop/catalog/import"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(html.contains("Choose a file to upload."), "{html}");
        // Without the token nothing is read.
        let form = Form::new()
            .text("format", "auto")
            .part("file", Part::bytes(fixture("meta_catalog.csv")).file_name("meta_catalog.csv"));
        let res = browser
            .client
            .post(browser.url("/s/emptyshop/catalog/import"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        // A binary file fails as a whole, with its code, and imports nothing.
        let run = upload(&browser, "emptyshop", "garbage.csv", vec![0u8, 159, 146, 150, 0, 1, 2, 3]).await;
        let html = finished_page(&browser, &run).await;
        assert!(html.contains("catalog-file-error"), "{html}");
        assert!(html.contains("<code>binary_file</code>") || html.contains("<code>invalid_utf8</code>"), "{html}");
        assert_eq!(count(&html, "imported"), "0");
    }

    async fn an_unfinished_run_refreshes_itself_and_streams_progress(backend) {
        // No job worker in this process: the upload stays queued.
        let app = TestApp::builder(backend)
            .config(|c| c.jobs.concurrency = 0)
            .start()
            .await;
        let browser = merchant_browser(&app, "waitmerchant", "waitshop").await;
        let run = upload(&browser, "waitshop", "pinterest_rss.xml", fixture("pinterest_rss.xml")).await;
        let (s, html) = browser.page(&run).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("<meta http-equiv=\"refresh\" content=\"2\">"), "{html}");
        assert!(html.contains(&format!("data-run-events=\"{run}/events\"")), "{html}");
        assert!(html.contains("<progress max=\"100\" value=\"0\""), "{html}");
        assert!(html.contains("run-queued"));
        assert!(!html.contains("catalog-summary"), "no summary before the end");
        // The stream answers at once with the current state and stays open.
        let mut res = browser.get(&format!("{run}/events")).await;
        assert_eq!(res.status(), StatusCode::OK);
        let chunk = tokio::time::timeout(Duration::from_secs(5), res.chunk())
            .await
            .expect("a first event without waiting")
            .unwrap()
            .unwrap();
        let text = String::from_utf8_lossy(&chunk);
        assert!(text.contains("event: progress"), "{text}");
        assert!(text.contains("\"status\":\"queued\""), "{text}");
        assert!(text.contains("\"percent\":0"), "{text}");
        let (_, hub) = browser.page("/s/waitshop/catalog").await;
        assert!(hub.contains("run-queued"), "{hub}");
    }

    async fn a_long_report_is_paged_by_sequence(backend) {
        let app = TestApp::start(backend).await;
        let browser = merchant_browser(&app, "pagemerchant", "pageshop").await;
        let mut file = String::from("id\ttitle\tdescription\tlink\timage_link\tavailability\tprice\n");
        for i in 0..60 {
            file.push_str(&format!(
                "BAD-{i:02}\tItem {i}\tD.\thttps://a.example/p/{i}\thttps://a.example/i/{i}.jpg\tin_stock\t{i}.00\n"
            ));
        }
        let run = upload(&browser, "pageshop", "sixty.tsv", file.into_bytes()).await;
        let first = finished_page(&browser, &run).await;
        assert_eq!(count(&first, "rejected"), "60");
        let ids = report_item_ids(&first);
        assert_eq!(ids.len(), 50);
        assert_eq!(ids[0], "BAD-00");
        let next = first
            .split("href=\"")
            .find(|h| h.contains("after="))
            .map(|h| h[..h.find('"').unwrap()].replace("&amp;", "&"))
            .expect("a next-page link");
        let (_, second) = browser.page(&next).await;
        let ids = report_item_ids(&second);
        assert_eq!(ids.len(), 10, "{second}");
        assert_eq!(ids[0], "BAD-50");
        let pager = second.split("class=\"catalog-pager\"").nth(1).unwrap();
        let pager = &pager[..pager.find("</nav>").unwrap()];
        assert!(!pager.contains("after="), "no page after the last: {pager}");
        assert!(pager.contains(&format!("href=\"{run}#report\"")), "a link back to the first page: {pager}");
        // The CSV holds all sixty, whatever page the table shows.
        let csv = browser.get(&format!("{run}/errors.csv")).await.text().await.unwrap();
        assert_eq!(csv.trim_end().split("\r\n").count(), 61);
    }

    async fn a_file_over_the_limit_is_refused_on_the_hub(backend) {
        let app = TestApp::builder(backend)
            .config(|c| c.catalog.max_file_mb = 1)
            .start()
            .await;
        let browser = merchant_browser(&app, "bigmerchant", "bigshop").await;
        let mut big = b"id\ttitle\tdescription\tlink\timage_link\tavailability\tprice\n".to_vec();
        while big.len() < 1536 * 1024 {
            big.extend_from_slice(b"X-1\tA title\tA description\thttps://a.example/p\thttps://a.example/i.jpg\tin_stock\t1.00 USD\n");
        }
        let res = post_upload(&browser, "bigshop", "big.tsv", big).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(html.contains("larger than the upload limit"), "{html}");
        assert!(html.contains("Up to 1 MB."));
        // The refused upload is listed as a failed run with its code.
        let (_, hub) = browser.page("/s/bigshop/catalog").await;
        assert!(hub.contains("run-failed"), "{hub}");
    }

    async fn catalog_pages_are_for_the_shop_staff_only(backend) {
        let app = TestApp::start(backend).await;
        let owner = merchant_browser(&app, "ownerm", "ownshop").await;
        let run = upload(&owner, "ownshop", "meta_catalog.csv", fixture("meta_catalog.csv")).await;
        finished_page(&owner, &run).await;
        let res = owner
            .submit("/s/ownshop/catalog/sources", &[("name", "Main"), ("url", "https://feeds.example.com/a.csv"), ("format", "csv"), ("schedule", "weekly")])
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, hub) = owner.page("/s/ownshop/catalog").await;
        let source_id: String = hub
            .split("/catalog/sources/")
            .nth(1)
            .unwrap()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();

        let other = merchant_browser(&app, "otherm", "othershop").await;
        let shopper = Browser::new(&app);
        let plain = app.user("plainuser").await;
        shopper.log_in(&plain.username, &plain.password).await;
        for b in [&other, &shopper] {
            for path in [
                "/s/ownshop/catalog".to_owned(),
                run.clone(),
                format!("{run}/events"),
                format!("{run}/errors.csv"),
                "/s/ownshop/catalog/export-report?platform=google".to_owned(),
                // A run id under another shop's address is not found either.
                run.replace("/s/ownshop/", "/s/othershop/"),
            ] {
                let res = b.get(&path).await;
                assert_eq!(res.status(), StatusCode::NOT_FOUND, "GET {path}");
            }
            for (path, fields) in [
                ("/s/ownshop/catalog/sources".to_owned(), vec![("url", "https://evil.example.com/x.csv"), ("schedule", "daily")]),
                (format!("/s/ownshop/catalog/sources/{source_id}/run"), vec![]),
                (format!("/s/ownshop/catalog/sources/{source_id}/toggle"), vec![("enabled", "0")]),
                (format!("/s/ownshop/catalog/sources/{source_id}/delete"), vec![]),
                ("/s/ownshop/catalog/protection".to_owned(), vec![("protected", "1")]),
            ] {
                let res = b.submit(&path, &fields).await;
                assert_eq!(res.status(), StatusCode::NOT_FOUND, "POST {path}");
            }
            let res = post_upload(b, "ownshop", "meta_catalog.csv", fixture("meta_catalog.csv")).await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "upload into another shop");
        }
        // The source is still there and still enabled, the feed still public.
        let (_, hub) = owner.page("/s/ownshop/catalog").await;
        assert!(hub.contains("feeds.example.com"));
        assert!(!hub.contains("evil.example.com"));
        assert!(!hub.contains("token="));
        // Logged out: the log-in page.
        let res = app.get("/s/ownshop/catalog").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(res.headers()[header::LOCATION].to_str().unwrap().starts_with("/login"));
    }

    async fn data_sources_are_added_paused_and_deleted_through_forms(backend) {
        let app = TestApp::start(backend).await;
        let b = merchant_browser(&app, "srcmerchant", "srcshop").await;
        let (_, hub) = b.page("/s/srcshop/catalog").await;
        assert!(hub.contains("action=\"/s/srcshop/catalog/sources\""));

        // A bad URL re-renders the form with the reason and the input kept.
        let res = b
            .submit("/s/srcshop/catalog/sources", &[("name", "Spring line"), ("url", "javascript:alert(1)"), ("format", "auto"), ("schedule", "daily")])
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(html.contains("field-error"), "{html}");
        assert!(html.contains("value=\"Spring line\""));

        let res = b
            .submit("/s/srcshop/catalog/sources", &[("name", "Spring line"), ("url", "https://feeds.example.com/spring.xml"), ("format", "xml"), ("schedule", "hourly")])
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let to = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
        assert!(to.starts_with("/s/srcshop/catalog?done=source_added"), "{to}");
        let (_, hub) = b.page(&to).await;
        assert!(hub.contains("Data source added."), "{hub}");
        assert!(hub.contains("Spring line"));
        assert!(hub.contains("feeds.example.com"));
        assert!(hub.contains("Every hour"));
        let id: String = hub
            .split("/catalog/sources/")
            .nth(1)
            .unwrap()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();

        // The same URL twice is refused with a reason.
        let res = b
            .submit("/s/srcshop/catalog/sources", &[("name", "Again"), ("url", "https://feeds.example.com/spring.xml"), ("schedule", "daily")])
            .await;
        assert_eq!(res.status(), StatusCode::CONFLICT);
        assert!(res.text().await.unwrap().contains("already has a data source"));

        // Pause, then resume.
        let res = b.submit(&format!("/s/srcshop/catalog/sources/{id}/toggle"), &[("enabled", "0")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, hub) = b.page("/s/srcshop/catalog").await;
        assert!(hub.contains("catalog-source paused"), "{hub}");
        assert!(hub.contains(">Resume<"));
        let res = b.submit(&format!("/s/srcshop/catalog/sources/{id}/toggle"), &[("enabled", "1")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, hub) = b.page("/s/srcshop/catalog").await;
        assert!(!hub.contains("catalog-source paused"));
        assert!(hub.contains(">Pause<"));

        // Protection adds a token to every export link, and can be removed again.
        let res = b.submit("/s/srcshop/catalog/protection", &[("protected", "1")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, hub) = b.page("/s/srcshop/catalog").await;
        assert!(hub.contains("/feeds/google.tsv?token="), "{hub}");
        b.submit("/s/srcshop/catalog/protection", &[("protected", "0")]).await;
        let (_, hub) = b.page("/s/srcshop/catalog").await;
        assert!(!hub.contains("token="));

        // Delete.
        let res = b.submit(&format!("/s/srcshop/catalog/sources/{id}/delete"), &[]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, hub) = b.page("/s/srcshop/catalog").await;
        assert!(!hub.contains("Spring line"), "{hub}");
        // A form without the CSRF token is refused.
        let res = b.post_form("/s/srcshop/catalog/sources", &[("url", "https://feeds.example.com/b.csv"), ("schedule", "daily")]).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }

    async fn export_report_lists_long_titles_and_file_text_is_escaped(backend) {
        let app = TestApp::start(backend).await;
        let b = merchant_browser(&app, "xssmerchant", "xssshop").await;
        let long_title = format!("<script>alert('t')</script> {}", "Long ".repeat(40));
        let file = format!(
            "id\ttitle\tdescription\tlink\timage_link\tavailability\tprice\tbrand\n\
             LONG-1\t{long_title}\tA tee.\thttps://shop.example.com/p/1\thttps://shop.example.com/i/1.jpg\tin_stock\t10.00 USD\tSouk\n\
             OK-1\tShort tee\tA tee.\thttps://shop.example.com/p/2\thttps://shop.example.com/i/2.jpg\tin_stock\t10.00 USD\tSouk\n\
             <img src=x onerror=alert(2)>\tBad\tA tee.\thttps://shop.example.com/p/3\thttps://shop.example.com/i/3.jpg\t<b>maybe</b>\t10.00 USD\tSouk\n"
        );
        let run = upload(&b, "xssshop", "<i>evil</i>.tsv", file.into_bytes()).await;
        let html = finished_page(&b, &run).await;
        assert_eq!(count(&html, "imported"), "2", "{html}");
        assert_eq!(count(&html, "rejected"), "1");
        assert!(!html.contains("<img src=x"), "item id escaped");
        assert!(!html.contains("<b>maybe"), "message escaped");
        assert!(!html.contains("<i>evil"), "file name escaped");
        assert!(html.contains("&#60;img src=x"), "{html}");
        let (_, hub) = b.page("/s/xssshop/catalog").await;
        assert!(!hub.contains("<i>evil"));

        let (s, report) = b.page("/s/xssshop/catalog/export-report?platform=google").await;
        assert_eq!(s, StatusCode::OK, "{report}");
        assert!(report.contains("<code>too_long</code>"), "{report}");
        assert!(report.contains("&#60;script&#62;alert("), "title escaped: {report}");
        assert!(!report.contains("<script>alert("));
        assert!(report.contains("/products/"), "links to the product");
        assert!(!report.contains("Short tee"), "the short title is fine");
        assert!(report.contains("data-exportable>1<"), "{report}");
        // Every platform has a tab; an unknown platform is a 400.
        for p in ["google", "meta", "pinterest", "tiktok"] {
            assert!(report.contains(&format!("export-report?platform={p}\"")), "{p}");
        }
        let (s, _) = b.page("/s/xssshop/catalog/export-report?platform=myspace").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
    }
}
