//! Follows and blocks: idempotent follows, counters that match the follower rows under concurrency,
//! cursor paging of follower lists, and blocks hiding both people from each other.

use crate::social_support::*;
use souk_test_support::futures_util::future::join_all;
use souk_test_support::reqwest::StatusCode;
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{TestApp, TestUser, backend_tests};

async fn profile(app: &TestApp, token: Option<&str>, username: &str) -> Value {
    get_ok(app, token, &format!("/api/v1/users/{username}")).await
}

fn counts(p: &Value) -> (i64, i64) {
    (
        p["followers_count"].as_i64().unwrap(),
        p["following_count"].as_i64().unwrap(),
    )
}

async fn follow(app: &TestApp, who: &TestUser, whom: &str) -> (StatusCode, Value) {
    post(
        app,
        &who.token,
        &format!("/api/v1/users/{whom}/follow"),
        json!({}),
    )
    .await
}

async fn unfollow(app: &TestApp, who: &TestUser, whom: &str) -> (StatusCode, Value) {
    delete(app, &who.token, &format!("/api/v1/users/{whom}/follow")).await
}

backend_tests! {
    async fn follows_are_idempotent(backend) {
        let app = TestApp::start(backend).await;
        let alice = app.user("alice").await;
        let bob = app.user("bob").await;

        for _ in 0..2 {
            let (status, p) = follow(&app, &alice, "bob").await;
            assert_eq!(status, StatusCode::OK, "{p}");
            assert_eq!(p["username"], "bob");
            assert_eq!(p["followed_by_me"], true);
            assert_eq!(counts(&p), (1, 0));
        }
        assert_eq!(counts(&profile(&app, None, "alice").await), (0, 1));
        let seen_by_bob = profile(&app, Some(&bob.token), "alice").await;
        assert_eq!((seen_by_bob["follows_me"].as_bool(), seen_by_bob["followed_by_me"].as_bool()), (Some(true), Some(false)));

        for _ in 0..2 {
            let (status, p) = unfollow(&app, &alice, "BOB").await;
            assert_eq!(status, StatusCode::OK, "{p}");
            assert_eq!(p["followed_by_me"], false);
            assert_eq!(counts(&p), (0, 0));
        }
        assert_eq!(counts(&profile(&app, None, "alice").await), (0, 0));

        let (status, err) = follow(&app, &alice, "alice").await;
        assert_field_error(status, &err, "username", "cannot_follow_self");
        let (status, err) = follow(&app, &alice, "nobody_here").await;
        assert_error(status, &err, StatusCode::NOT_FOUND, "not_found");
        let (status, _) = app.call(souk_test_support::reqwest::Method::POST, "/api/v1/users/bob/follow", None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(counts(&profile(&app, None, "alice").await), (0, 0));
    }

    async fn follower_counts_match_follower_rows_under_concurrency(backend) {
        let app = TestApp::start(backend).await;
        app.user("star").await;
        let fans = app.users("fan", 20).await;

        // All 20 follow at once; the first 10 unfollow as soon as their own follow is through, while the
        // others are still following.
        let runs = fans.iter().enumerate().map(|(i, f)| {
            let app = &app;
            async move {
                let (status, body) = follow(app, f, "star").await;
                assert_eq!(status, StatusCode::OK, "{body}");
                if i < 10 {
                    let (status, body) = unfollow(app, f, "star").await;
                    assert_eq!(status, StatusCode::OK, "{body}");
                }
            }
        });
        join_all(runs).await;
        // The remaining ten follow again, concurrently: nothing changes.
        join_all(fans[10..].iter().map(|f| follow(&app, f, "star"))).await;

        let star = profile(&app, None, "star").await;
        let followers = all_pages(&app, None, "/api/v1/users/star/followers", 3).await;
        let names = usernames(&followers);
        assert_unique(&names);
        assert_eq!(star["followers_count"].as_i64().unwrap(), names.len() as i64, "{star} vs {names:?}");
        let mut names = names;
        names.sort();
        let mut expected: Vec<String> = fans[10..].iter().map(|f| f.username.clone()).collect();
        expected.sort();
        assert_eq!(names, expected);
        for (i, f) in fans.iter().enumerate() {
            let p = profile(&app, None, &f.username).await;
            assert_eq!(p["following_count"], i64::from(i >= 10), "{p}");
            let following = all_pages(&app, None, &format!("/api/v1/users/{}/following", f.username), 5).await;
            assert_eq!(following.len(), usize::from(i >= 10));
        }
    }

    async fn follower_lists_page_by_cursor(backend) {
        let app = TestApp::start(backend).await;
        app.user("star").await;
        let fans = app.users("fan", 12).await;
        for f in &fans {
            follow(&app, f, "star").await;
        }
        // Newest first, each exactly once, whatever the page size.
        let expected: Vec<String> = fans.iter().rev().map(|f| f.username.clone()).collect();
        for limit in [1, 5, 12, 50] {
            let names = usernames(&all_pages(&app, None, "/api/v1/users/star/followers", limit).await);
            assert_eq!(names, expected, "limit {limit}");
        }
        let first = get_ok(&app, None, "/api/v1/users/star/followers?limit=5").await;
        assert_eq!(first["items"].as_array().unwrap().len(), 5);
        assert!(first["next_cursor"].is_string());

        for bad in ["nonsense", "12", "x_y"] {
            let (status, err) = app.get_json(&format!("/api/v1/users/star/followers?cursor={bad}"), None).await;
            assert_field_error(status, &err, "cursor", "cursor_invalid");
        }
        assert_eq!(status_of(&app, None, "/api/v1/users/nobody_here/followers").await, StatusCode::NOT_FOUND);
    }

    async fn blocks_hide_both_people_from_each_other(backend) {
        let app = TestApp::start(backend).await;
        let alice = app.user("alice").await;
        let bob = app.user("bob").await;
        let carol = app.user("carol").await;
        follow(&app, &alice, "bob").await;
        follow(&app, &bob, "alice").await;
        let bobs = id(&app.create_post(&bob.token, "Bob's bowl #glaze", 1).await);
        let carols = id(&app.create_post(&carol.token, "Carol's cup #glaze", 1).await);
        let alices = id(&app.create_post(&alice.token, "Alice's plate", 1).await);

        let (status, _) = post(&app, &bob.token, "/api/v1/users/alice/block", json!({})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        // Follows both ways are gone, with the counters.
        assert_eq!(counts(&profile(&app, None, "alice").await), (0, 0));
        assert_eq!(counts(&profile(&app, None, "bob").await), (0, 0));
        assert!(all_pages(&app, None, "/api/v1/users/bob/followers", 10).await.is_empty());

        // For alice, bob and everything of his is gone.
        let a = Some(alice.token.as_str());
        for path in [
            "/api/v1/users/bob".to_owned(),
            "/api/v1/users/bob/posts".to_owned(),
            "/api/v1/users/bob/followers".to_owned(),
            format!("/api/v1/posts/{bobs}"),
            format!("/api/v1/posts/{bobs}/comments"),
        ] {
            let (status, err) = app.get_json(&path, a).await;
            assert_error(status, &err, StatusCode::NOT_FOUND, "not_found");
        }
        let (status, _) = follow(&app, &alice, "bob").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        for action in ["like", "save", "share"] {
            let (status, _) = post(&app, &alice.token, &format!("/api/v1/posts/{bobs}/{action}"), json!({})).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{action}");
        }
        let (status, _) = post(&app, &alice.token, &format!("/api/v1/posts/{bobs}/comments"), json!({"body": "hi"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let discover = ids(&get_ok(&app, a, "/api/v1/feed/discover").await);
        assert!(!discover.contains(&bobs) && discover.contains(&carols), "{discover:?}");
        let tag = ids(&get_ok(&app, a, "/api/v1/tags/glaze").await);
        assert_eq!(tag, vec![carols]);

        // Bob sees that he blocked alice but cannot see her posts or follow her either.
        let p = profile(&app, Some(&bob.token), "alice").await;
        assert_eq!(p["blocked_by_me"], true);
        let (status, _) = app.get_json(&format!("/api/v1/posts/{alices}"), Some(&bob.token)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = follow(&app, &bob, "alice").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // Others still see both.
        assert_eq!(post_json(&app, None, bobs).await["id"], bobs);
        assert_eq!(ids(&get_ok(&app, Some(&carol.token), "/api/v1/tags/glaze").await).len(), 2);

        // Unblocking restores visibility, not the old follows.
        let (status, _) = delete(&app, &bob.token, "/api/v1/users/alice/block").await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let p = profile(&app, a, "bob").await;
        assert_eq!((p["followed_by_me"].as_bool(), p["follows_me"].as_bool()), (Some(false), Some(false)));
        assert_eq!(post_json(&app, a, bobs).await["id"], bobs);
        assert!(ids(&get_ok(&app, a, "/api/v1/feed/discover").await).contains(&bobs));
        assert_eq!(ids(&get_ok(&app, a, "/api/v1/tags/glaze").await), vec![carols, bobs]);
        let (status, p) = follow(&app, &alice, "bob").await;
        assert_eq!((status, p["followers_count"].as_i64()), (StatusCode::OK, Some(1)));
        let (status, _) = post(&app, &alice.token, &format!("/api/v1/posts/{bobs}/like"), json!({})).await;
        assert_eq!(status, StatusCode::OK);

        let (status, err) = post(&app, &alice.token, "/api/v1/users/alice/block", json!({})).await;
        assert_field_error(status, &err, "username", "cannot_block_self");
    }
}
