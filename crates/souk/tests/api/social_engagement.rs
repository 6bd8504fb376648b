//! Likes, saves, shares and comments: idempotent, and counters exact under concurrent requests.

use crate::social_support::*;
use souk_test_support::futures_util::future::join_all;
use souk_test_support::reqwest::StatusCode;
use souk_test_support::serde_json::json;
use souk_test_support::{TestApp, backend_tests};

backend_tests! {
    async fn likes_count_once_per_person_even_when_concurrent(backend) {
        let app = TestApp::start(backend).await;
        let alice = app.user("alice").await;
        let bob = app.user("bob").await;
        let pid = id(&app.create_post(&alice.token, "Like me", 1).await);
        let like = format!("/api/v1/posts/{pid}/like");

        for _ in 0..2 {
            let (status, p) = post(&app, &bob.token, &like, json!({})).await;
            assert_eq!(status, StatusCode::OK, "{p}");
            assert_eq!((p["like_count"].as_i64(), p["liked"].as_bool()), (Some(1), Some(true)), "{p}");
        }
        assert_eq!(post_json(&app, Some(&bob.token), pid).await["liked"], true);
        let anon = post_json(&app, None, pid).await;
        assert_eq!((anon["like_count"].as_i64(), anon["liked"].as_bool()), (Some(1), Some(false)));
        for _ in 0..2 {
            let (status, p) = delete(&app, &bob.token, &like).await;
            assert_eq!(status, StatusCode::OK, "{p}");
            assert_eq!((p["like_count"].as_i64(), p["liked"].as_bool()), (Some(0), Some(false)), "{p}");
        }
        let (status, _) = app.call(souk_test_support::reqwest::Method::POST, &like, None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = post(&app, &bob.token, "/api/v1/posts/999999/like", json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // 25 people like at once, then 12 of them take it back at once.
        let fans = app.users("fan", 25).await;
        let liked = join_all(fans.iter().map(|f| post(&app, &f.token, &like, json!({})))).await;
        assert!(liked.iter().all(|(s, _)| *s == StatusCode::OK), "{liked:?}");
        assert_eq!(post_json(&app, None, pid).await["like_count"], 25);
        let unliked = join_all(fans[..12].iter().map(|f| delete(&app, &f.token, &like))).await;
        assert!(unliked.iter().all(|(s, _)| *s == StatusCode::OK), "{unliked:?}");
        assert_eq!(post_json(&app, None, pid).await["like_count"], 13);
        // Everyone who still likes it likes it again, concurrently: nothing changes.
        join_all(fans[12..].iter().map(|f| post(&app, &f.token, &like, json!({})))).await;
        assert_eq!(post_json(&app, None, pid).await["like_count"], 13);
        assert_eq!(post_json(&app, Some(&fans[0].token), pid).await["liked"], false);
        assert_eq!(post_json(&app, Some(&fans[24].token), pid).await["liked"], true);
    }

    async fn saves_are_private_and_idempotent(backend) {
        let app = TestApp::start(backend).await;
        let alice = app.user("alice").await;
        let bob = app.user("bob").await;
        let first = id(&app.create_post(&alice.token, "Recipe one", 1).await);
        let second = id(&app.create_post(&alice.token, "Recipe two", 1).await);

        for _ in 0..2 {
            let (status, p) = post(&app, &bob.token, &format!("/api/v1/posts/{first}/save"), json!({})).await;
            assert_eq!(status, StatusCode::OK, "{p}");
            assert_eq!((p["save_count"].as_i64(), p["saved"].as_bool()), (Some(1), Some(true)), "{p}");
        }
        post(&app, &bob.token, &format!("/api/v1/posts/{second}/save"), json!({})).await;
        let saved = get_ok(&app, Some(&bob.token), "/api/v1/me/saved").await;
        let mut got = ids(&saved);
        got.sort_unstable();
        assert_eq!(got, vec![first, second]);
        assert!(saved["items"].as_array().unwrap().iter().all(|p| p["saved"] == true));
        assert!(ids(&get_ok(&app, Some(&alice.token), "/api/v1/me/saved").await).is_empty());
        assert_eq!(status_of(&app, None, "/api/v1/me/saved").await, StatusCode::UNAUTHORIZED);

        for _ in 0..2 {
            let (status, p) = delete(&app, &bob.token, &format!("/api/v1/posts/{first}/save")).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!((p["save_count"].as_i64(), p["saved"].as_bool()), (Some(0), Some(false)), "{p}");
        }
        assert_eq!(ids(&get_ok(&app, Some(&bob.token), "/api/v1/me/saved").await), vec![second]);
    }

    async fn shares_reach_the_sharers_followers(backend) {
        let app = TestApp::start(backend).await;
        let alice = app.user("alice").await;
        let bob = app.user("bob").await;
        let carol = app.user("carol").await;
        let original = id(&app.create_post(&alice.token, "Hand-thrown bowls", 2).await);
        let (status, _) = post(&app, &carol.token, "/api/v1/users/bob/follow", json!({})).await;
        assert_eq!(status, StatusCode::OK);

        let (status, share) = post(
            &app,
            &bob.token,
            &format!("/api/v1/posts/{original}/share"),
            json!({"comment": "Look at these #ceramics"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{share}");
        assert_eq!(share["is_share"], true);
        assert_eq!(share["author"]["username"], "bob");
        assert_eq!(share["caption"], "Look at these #ceramics");
        assert_eq!(share["shared_post"]["id"], original);
        assert_eq!(share["shared_post"]["images"].as_array().unwrap().len(), 2);
        assert_eq!(post_json(&app, None, original).await["share_count"], 1);

        let home = get_ok(&app, Some(&carol.token), "/api/v1/feed/home").await;
        let item = home["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == share["id"])
            .unwrap_or_else(|| panic!("share missing from a follower's home feed: {home}"));
        assert_eq!(item["shared_post"]["id"], original);
        assert_eq!(item["is_share"], true);
        assert!(!ids(&home).contains(&original), "carol does not follow alice");

        // Sharing a share shares the original; an empty body shares without a comment.
        let res = app
            .client
            .post(app.url(&format!("/api/v1/posts/{}/share", id(&share))))
            .bearer_auth(&carol.token)
            .send()
            .await
            .unwrap();
        let (status, again) = souk_test_support::json_response(res).await;
        assert_eq!(status, StatusCode::CREATED, "{again}");
        assert_eq!(again["shared_post"]["id"], original);
        assert_eq!(post_json(&app, None, original).await["share_count"], 2);
    }

    async fn comment_threads_and_counts_stay_exact(backend) {
        let app = TestApp::start(backend).await;
        let alice = app.user("alice").await;
        let bob = app.user("bob").await;
        let carol = app.user("carol").await;
        let dave = app.user("dave").await;
        let pid = id(&app.create_post(&alice.token, "Opinions welcome", 1).await);

        let top = comment(&app, &bob.token, pid, "Lovely glaze", None).await;
        assert!(top["parent_id"].is_null());
        assert_eq!(top["author"]["username"], "bob");
        let reply = comment(&app, &carol.token, pid, "Agreed!", Some(id(&top))).await;
        assert_eq!(reply["parent_id"], top["id"]);
        let nested = comment(&app, &dave.token, pid, "Me too", Some(id(&reply))).await;
        assert_eq!(nested["parent_id"], top["id"], "a reply to a reply joins the top-level thread");
        let other = comment(&app, &carol.token, pid, "Price?", None).await;
        assert_eq!(post_json(&app, None, pid).await["comment_count"], 4);
        let listed = comments(&app, None, pid).await;
        let listed_ids: Vec<i64> = listed.iter().map(id).collect();
        assert_eq!(listed_ids, vec![id(&top), id(&reply), id(&nested), id(&other)]);

        // Empty comments are refused and count for nothing.
        for body in ["", "   \n "] {
            let (status, err) = post(&app, &bob.token, &format!("/api/v1/posts/{pid}/comments"), json!({"body": body})).await;
            assert_field_error(status, &err, "body", "comment_empty");
        }
        assert_eq!(post_json(&app, None, pid).await["comment_count"], 4);

        // Comment likes are idempotent too.
        for _ in 0..2 {
            let (status, l) = post(&app, &carol.token, &format!("/api/v1/comments/{}/like", id(&top)), json!({})).await;
            assert_eq!((status, l["like_count"].as_i64()), (StatusCode::OK, Some(1)), "{l}");
        }
        let seen = comments(&app, Some(&carol.token), pid).await;
        assert_eq!((seen[0]["like_count"].as_i64(), seen[0]["liked"].as_bool()), (Some(1), Some(true)));
        let (_, l) = delete(&app, &carol.token, &format!("/api/v1/comments/{}/like", id(&top))).await;
        assert_eq!(l["like_count"], 0);

        // A third party may not delete carol's comment; the post's author may.
        let (status, err) = delete(&app, &dave.token, &format!("/api/v1/comments/{}", id(&other))).await;
        assert_error(status, &err, StatusCode::FORBIDDEN, "forbidden");
        let (status, err) = delete(&app, &bob.token, &format!("/api/v1/comments/{}", id(&reply))).await;
        assert_error(status, &err, StatusCode::FORBIDDEN, "forbidden");

        // Bob deletes his own comment: its two replies go with it.
        let (status, _) = delete(&app, &bob.token, &format!("/api/v1/comments/{}", id(&top))).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(post_json(&app, None, pid).await["comment_count"], 1);
        let left: Vec<i64> = comments(&app, None, pid).await.iter().map(id).collect();
        assert_eq!(left, vec![id(&other)]);
        let (status, err) = post(
            &app,
            &dave.token,
            &format!("/api/v1/posts/{pid}/comments"),
            json!({"body": "late reply", "parent_id": id(&reply)}),
        )
        .await;
        assert_field_error(status, &err, "parent_id", "parent_not_found");

        let (status, _) = delete(&app, &alice.token, &format!("/api/v1/comments/{}", id(&other))).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(post_json(&app, None, pid).await["comment_count"], 0);
        assert!(comments(&app, None, pid).await.is_empty());
        let (status, _) = delete(&app, &alice.token, &format!("/api/v1/comments/{}", id(&other))).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    async fn deleting_a_shared_post_keeps_counters_true(backend) {
        let app = TestApp::start(backend).await;
        let alice = app.user("alice").await;
        let bob = app.user("bob").await;
        let carol = app.user("carol").await;
        post(&app, &carol.token, "/api/v1/users/bob/follow", json!({})).await;
        let original = id(&app.create_post(&alice.token, "Last batch #pottery", 1).await);
        let (status, share) = post(&app, &bob.token, &format!("/api/v1/posts/{original}/share"), json!({"comment": "Grab one #wow"})).await;
        assert_eq!(status, StatusCode::CREATED, "{share}");
        comment(&app, &carol.token, id(&share), "thanks for sharing", None).await;
        assert_eq!(get_ok(&app, None, "/api/v1/users/bob").await["posts_count"], 1);

        let (status, _) = delete(&app, &alice.token, &format!("/api/v1/posts/{original}")).await;
        assert_eq!(status, StatusCode::NO_CONTENT);

        // Whatever becomes of the share, bob's counter and the tag's counter match what is listed.
        let listed = get_ok(&app, None, "/api/v1/users/bob/posts").await;
        let profile = get_ok(&app, None, "/api/v1/users/bob").await;
        assert_eq!(profile["posts_count"].as_i64().unwrap(), ids(&listed).len() as i64, "{profile} vs {listed}");
        let (status, tag) = app.get_json("/api/v1/tags/wow", None).await;
        if status == StatusCode::OK {
            assert_eq!(tag["post_count"].as_i64().unwrap(), ids(&tag).len() as i64, "{tag}");
        } else {
            assert_eq!(status, StatusCode::NOT_FOUND);
        }
        for p in listed["items"].as_array().unwrap() {
            assert!(p["shared_post"].is_null(), "the deleted original is not shown: {p}");
        }
        let home = get_ok(&app, Some(&carol.token), "/api/v1/feed/home").await;
        assert!(home["items"].as_array().unwrap().iter().all(|p| p["shared_post"].is_null()), "{home}");
    }
}
