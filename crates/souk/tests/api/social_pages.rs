//! The social pages in a browser without JavaScript: feeds, posts, profiles and tags render (with user
//! text escaped and hashtags and mentions linked), the like/follow/comment forms work, the compose page
//! publishes a multipart upload and shows translated errors, infinite scroll gets fragments, notifications
//! are marked read after being shown, and the report queue is for operators only.

use crate::social_support::*;
use crate::support::Browser;
use souk_test_support::reqwest::StatusCode;
use souk_test_support::reqwest::multipart::{Form, Part};
use souk_test_support::serde_json::json;
use souk_test_support::{DEFAULT_PASSWORD, TestApp, backend_tests, jpeg};

fn location(res: &souk_test_support::reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

backend_tests! {
    async fn pages_render_with_escaped_text_and_links(backend) {
        let app = TestApp::start(backend).await;
        let alice = app.user("alice").await;
        app.user("bob").await;
        let post = app
            .create_post(&alice.token, "Tea <script>alert(1)</script> #Matcha with @bob", 2)
            .await;
        let id = post["id"].as_i64().unwrap();

        for path in [
            "/".to_owned(),
            "/discover".to_owned(),
            format!("/p/{id}"),
            "/u/alice".to_owned(),
            "/u/alice/followers".to_owned(),
            "/u/alice/following".to_owned(),
            "/tags/matcha".to_owned(),
            "/tags/matcha?sort=top".to_owned(),
        ] {
            let res = app.get(&path).await;
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            let html = res.text().await.unwrap();
            assert!(!html.contains("<script>alert"), "{path}: user text is escaped");
        }
        let html = app.get(&format!("/p/{id}")).await.text().await.unwrap();
        assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"), "escaped caption shown");
        assert!(html.contains(r#"href="/tags/matcha""#), "hashtag links to its tag page");
        assert!(html.contains(r#"href="/u/bob""#), "mention links to the profile");
        assert!(html.contains("srcset=") && html.contains(r#"loading="lazy""#), "responsive, lazy photos");
        assert_eq!(app.get("/p/999999").await.status(), StatusCode::NOT_FOUND);
        assert_eq!(app.get("/tags/nothing_here").await.status(), StatusCode::NOT_FOUND);

        // Pages for members only send visitors to log in and back.
        for path in ["/new", "/saved", "/notifications"] {
            let res = Browser::new(&app).get(path).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
            assert!(location(&res).starts_with("/login?next="), "{path}");
        }
    }

    async fn like_follow_and_comment_forms_work_without_javascript(backend) {
        let app = TestApp::start(backend).await;
        let alice = app.user("alice").await;
        let bob = app.user("bob").await;
        let id = app.create_post(&alice.token, "hello", 1).await["id"].as_i64().unwrap();
        let browser = Browser::new(&app);
        browser.log_in("bob", DEFAULT_PASSWORD).await;

        let res = browser.submit(&format!("/p/{id}/like"), &[("on", "1"), ("next", "/discover")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/discover");
        let seen = get_ok(&app, Some(&bob.token), &format!("/api/v1/posts/{id}")).await;
        assert_eq!((seen["liked"].as_bool(), seen["like_count"].as_i64()), (Some(true), Some(1)));
        // The same form again is idempotent; "on=0" takes the like back.
        browser.submit(&format!("/p/{id}/like"), &[("on", "1")]).await;
        browser.submit(&format!("/p/{id}/like"), &[("on", "0")]).await;
        let seen = get_ok(&app, Some(&bob.token), &format!("/api/v1/posts/{id}")).await;
        assert_eq!((seen["liked"].as_bool(), seen["like_count"].as_i64()), (Some(false), Some(0)));
        // Off-site `next` values are ignored.
        let res = browser.submit(&format!("/p/{id}/save"), &[("on", "1"), ("next", "//evil.example")]).await;
        assert_eq!(location(&res), "/");

        let res = browser.submit("/u/alice/follow", &[]).await;
        assert_eq!(location(&res), "/u/alice");
        let (_, html) = browser.page("/").await;
        assert!(html.contains(&format!(r#"id="post-{id}""#)), "followed account's post is on home");

        let res = browser.submit(&format!("/p/{id}/comments"), &[("body", "Nice #tea")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, html) = browser.page(&format!("/p/{id}")).await;
        assert!(html.contains("Nice ") && html.contains(r#"href="/tags/tea""#));
        let res = browser.submit(&format!("/p/{id}/comments"), &[("body", "   ")]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(html.contains("Write something first."), "the form comes back with its error");

        // Without the CSRF token nothing happens.
        let res = browser.post_form(&format!("/p/{id}/like"), &[("on", "1")]).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }

    async fn compose_page_publishes_photos_and_translates_errors(backend) {
        let app = TestApp::start(backend).await;
        app.user("alice").await;
        let browser = Browser::new(&app);
        browser.log_in("alice", DEFAULT_PASSWORD).await;
        let csrf = browser.csrf().await;
        let photo = || Part::bytes(jpeg(1, 200, 150)).file_name("p.jpg").mime_str("image/jpeg").unwrap();

        let form = Form::new()
            .text("csrf_token", csrf.clone())
            .text("caption", "From the page #web")
            .text("location", "Seoul")
            .part("images", photo())
            .text("alt_text", "A cup of tea");
        let res = browser.client.post(browser.url("/new")).multipart(form).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let to = location(&res);
        assert!(to.starts_with("/p/"), "{to}");
        let (_, html) = browser.page(&to).await;
        assert!(html.contains(r#"alt="A cup of tea""#) && html.contains("Seoul"));

        // No photo, in Korean: the page comes back with the translated field error.
        let form = Form::new().text("csrf_token", csrf.clone()).text("caption", "no photo");
        let res = browser
            .client
            .post(browser.url("/new"))
            .header("accept-language", "ko")
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(html.contains("사진을 한 장 이상 추가해 주세요."), "translated images_required");
        assert!(html.contains("no photo"), "the caption is kept");

        let bad = Part::bytes(b"not a picture".to_vec()).file_name("x.jpg").mime_str("image/jpeg").unwrap();
        let form = Form::new().text("csrf_token", csrf.clone()).part("images", bad);
        let res = browser.client.post(browser.url("/new")).multipart(form).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text().await.unwrap().contains("Photo 1:"), "names the photo at fault");

        let form = Form::new().text("csrf_token", "wrong").part("images", photo());
        let res = browser.client.post(browser.url("/new")).multipart(form).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }

    async fn settings_sets_profile_photo_and_website(backend) {
        let app = TestApp::start(backend).await;
        app.user("alice").await;
        let browser = Browser::new(&app);
        browser.log_in("alice", DEFAULT_PASSWORD).await;
        let csrf = browser.csrf().await;

        let photo = Part::bytes(jpeg(5, 300, 300)).file_name("me.jpg").mime_str("image/jpeg").unwrap();
        let form = Form::new().text("csrf_token", csrf.clone()).part("image", photo);
        let res = browser.client.post(browser.url("/settings/avatar")).multipart(form).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/settings?saved=photo");
        let (_, html) = browser.page("/u/alice").await;
        assert!(html.contains(r#"class="avatar large photo" src="/media/img/"#), "profile shows the photo");

        // A multipart post from another site is refused even with the right token.
        let photo = Part::bytes(jpeg(6, 300, 300)).file_name("me.jpg").mime_str("image/jpeg").unwrap();
        let form = Form::new().text("csrf_token", csrf.clone()).part("image", photo);
        let res = browser
            .client
            .post(browser.url("/settings/avatar"))
            .header("origin", "https://evil.example")
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);

        // Not an image: the settings page comes back with the error in the photo section.
        let bad = Part::bytes(b"nope".to_vec()).file_name("x.jpg").mime_str("image/jpeg").unwrap();
        let form = Form::new().text("csrf_token", csrf.clone()).part("image", bad);
        let res = browser.client.post(browser.url("/settings/avatar")).multipart(form).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

        let res = browser
            .submit("/settings/profile", &[("display_name", "Alice"), ("bio", ""), ("kind", "creator"), ("locale", ""), ("website", "alice.example.com")])
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, html) = browser.page("/u/alice").await;
        assert!(html.contains("https://alice.example.com"), "website shown on the profile");

        let res = browser.submit("/settings/avatar/remove", &[]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, html) = browser.page("/u/alice").await;
        assert!(!html.contains(r#"class="avatar large photo""#), "back to the letter avatar");
    }

    async fn infinite_scroll_gets_fragments_with_the_next_link(backend) {
        let app = TestApp::start(backend).await;
        let alice = app.user("alice").await;
        for i in 0..22 {
            app.create_post(&alice.token, &format!("post {i}"), 1).await;
        }
        let html = app.get("/discover").await.text().await.unwrap();
        assert_eq!(html.matches("<article class=\"post\"").count(), 20);
        let start = html.find(r#"rel="next" data-more"#).expect("a More link");
        let href_at = html[..start].rfind("href=\"").unwrap() + 6;
        let href = &html[href_at..href_at + html[href_at..].find('"').unwrap()];
        let next = href.replace("&amp;", "&");
        // Without JavaScript the link is a normal page.
        let page2 = app.get(&next).await.text().await.unwrap();
        assert!(page2.contains("<html"), "full page");
        assert_eq!(page2.matches("<article class=\"post\"").count(), 2);
        // Infinite scroll asks for the fragment only.
        let fragment = app.get(&format!("{next}&partial=1")).await.text().await.unwrap();
        assert!(!fragment.contains("<html") && fragment.contains("data-items"));
        assert_eq!(fragment.matches("<article class=\"post\"").count(), 2);
        assert!(!fragment.contains("rel=\"next\""), "last page has no More link");
    }

    async fn notifications_are_marked_read_after_being_shown(backend) {
        let app = TestApp::start(backend).await;
        let alice = app.user("alice").await;
        let bob = app.user("bob").await;
        let id = app.create_post(&alice.token, "hi", 1).await["id"].as_i64().unwrap();
        post(&app, &bob.token, &format!("/api/v1/posts/{id}/like"), json!({})).await;
        post(&app, &bob.token, "/api/v1/users/alice/follow", json!({})).await;
        let browser = Browser::new(&app);
        browser.log_in("alice", DEFAULT_PASSWORD).await;

        let (_, home) = browser.page("/").await;
        assert!(home.contains("data-unread"), "the bell shows a badge");
        let (status, html) = browser.page("/notifications").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("liked your post") && html.contains("started following you"));
        assert!(html.contains("notif kind-like unread"), "new ones are highlighted on this visit");
        let unread = get_ok(&app, Some(&alice.token), "/api/v1/notifications/unread").await;
        assert_eq!(unread["unread"], 0);
        let (_, again) = browser.page("/notifications").await;
        assert!(!again.contains(" unread\""), "seen ones are not highlighted again");
    }

    async fn report_form_and_operator_queue(backend) {
        let app = TestApp::start(backend).await;
        let alice = app.user("alice").await;
        app.user("bob").await;
        app.user("boss").await;
        app.make_admin("boss").await;
        let id = app.create_post(&alice.token, "spammy", 1).await["id"].as_i64().unwrap();
        let bob = Browser::new(&app);
        bob.log_in("bob", DEFAULT_PASSWORD).await;
        let (status, _) = bob.page(&format!("/report?kind=post&target={id}")).await;
        assert_eq!(status, StatusCode::OK);
        let target = id.to_string();
        let res = bob
            .submit("/report", &[("kind", "post"), ("target", &target), ("reason", "spam"), ("note", "")])
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let res = bob.submit("/report", &[("kind", "post"), ("target", &target), ("reason", "nope")]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

        assert_eq!(bob.get("/admin/reports").await.status(), StatusCode::NOT_FOUND, "members get 404");
        assert_eq!(app.get("/admin/reports").await.status(), StatusCode::NOT_FOUND, "visitors get 404");
        let boss = Browser::new(&app);
        boss.log_in("boss", DEFAULT_PASSWORD).await;
        let (status, html) = boss.page("/admin/reports").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(&format!(r#"href="/p/{id}""#)), "links to the reported post");
        let report_id = html
            .split("/admin/reports/")
            .nth(1)
            .and_then(|s| s.split('/').next())
            .unwrap()
            .to_owned();
        let res = boss.submit(&format!("/admin/reports/{report_id}/resolve"), &[("action", "remove")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(app.get(&format!("/p/{id}")).await.status(), StatusCode::NOT_FOUND, "removed");
        let (_, html) = boss.page("/admin/reports").await;
        assert!(!html.contains("/resolve"), "the queue is empty");
    }
}
