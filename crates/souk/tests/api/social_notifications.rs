//! Notifications: one kind per action, likes grouped per post, read state, and silence from blocked people.

use crate::social_support::*;
use souk_test_support::futures_util::future::join_all;
use souk_test_support::reqwest::StatusCode;
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{TestApp, backend_tests};

/// The single group of `kind`, panicking when there is none or several.
fn only<'a>(groups: &'a [Value], kind: &str) -> &'a Value {
    let found: Vec<&Value> = groups.iter().filter(|g| g["kind"] == kind).collect();
    assert_eq!(found.len(), 1, "one {kind} group expected in {groups:?}");
    found[0]
}

fn actor(group: &Value) -> &str {
    group["actors"][0]["username"].as_str().unwrap()
}

backend_tests! {
    async fn each_action_notifies_with_its_kind(backend) {
        let app = TestApp::start(backend).await;
        let alice = app.user("alice").await;
        let bob = app.user("bob").await;
        let carol = app.user("carol").await;
        let dave = app.user("dave").await;
        let erin = app.user("erin").await;
        let pid = id(&app.create_post(&alice.token, "Spring stock is in", 1).await);

        post(&app, &bob.token, "/api/v1/users/alice/follow", json!({})).await;
        post(&app, &bob.token, &format!("/api/v1/posts/{pid}/like"), json!({})).await;
        let top = comment(&app, &bob.token, pid, "Pre-ordering!", None).await;
        let reply = comment(&app, &carol.token, pid, "Same here", Some(id(&top))).await;
        let (status, _) = post(&app, &dave.token, &format!("/api/v1/posts/{pid}/share"), json!({"comment": "go look"})).await;
        assert_eq!(status, StatusCode::CREATED);
        let mentioning = id(&app.create_post(&erin.token, "Loving what @alice makes", 1).await);

        let n = notifications(&app, &alice.token).await;
        let follow = only(&n, "follow");
        assert_eq!((actor(follow), follow["post_id"].is_null()), ("bob", true));
        let like = only(&n, "like");
        assert_eq!((actor(like), like["post_id"].as_i64()), ("bob", Some(pid)));
        let share = only(&n, "share");
        assert_eq!((actor(share), share["post_id"].as_i64()), ("dave", Some(pid)));
        let mention = only(&n, "mention");
        assert_eq!((actor(mention), mention["post_id"].as_i64()), ("erin", Some(mentioning)));
        let comments: Vec<&Value> = n.iter().filter(|g| g["kind"] == "comment").collect();
        assert_eq!(comments.len(), 2, "bob's comment and carol's reply both reach the post's author: {n:?}");
        assert_eq!((actor(comments[0]), comments[0]["comment_id"].clone()), ("carol", reply["id"].clone()));
        assert_eq!((actor(comments[1]), comments[1]["comment_id"].clone()), ("bob", top["id"].clone()));
        assert!(n.iter().all(|g| g["unread"] == true && g["actor_count"] == 1), "{n:?}");
        assert_eq!(n.len(), 6, "{n:?}");
        assert_eq!(unread(&app, &alice.token).await, 6);

        // Bob hears about the reply to his comment.
        let b = notifications(&app, &bob.token).await;
        let r = only(&b, "reply");
        assert_eq!((actor(r), r["post_id"].as_i64(), r["comment_id"].clone()), ("carol", Some(pid), reply["id"].clone()));
        assert_eq!(b.len(), 1, "{b:?}");
        // Nobody is told about their own actions.
        alice_acts_on_own_post(&app, &alice.token, pid).await;
        assert_eq!(unread(&app, &alice.token).await, 6);
        assert_eq!(status_of(&app, None, "/api/v1/notifications").await, StatusCode::UNAUTHORIZED);
    }

    async fn likes_group_per_post_and_read_state_clears(backend) {
        let app = TestApp::start(backend).await;
        let alice = app.user("alice").await;
        let pid = id(&app.create_post(&alice.token, "Group me", 1).await);
        let fans = app.users("fan", 3).await;
        let like = format!("/api/v1/posts/{pid}/like");
        join_all(fans.iter().map(|f| post(&app, &f.token, &like, json!({})))).await;
        // Taking a like back and giving it again does not count twice.
        delete(&app, &fans[0].token, &like).await;
        post(&app, &fans[0].token, &like, json!({})).await;

        let n = notifications(&app, &alice.token).await;
        assert_eq!(n.len(), 1, "{n:?}");
        assert_eq!((n[0]["kind"].as_str(), n[0]["post_id"].as_i64()), (Some("like"), Some(pid)));
        assert_eq!(n[0]["actor_count"], 3);
        let mut actors: Vec<&str> = n[0]["actors"].as_array().unwrap().iter().map(|a| a["username"].as_str().unwrap()).collect();
        actors.sort_unstable();
        assert_eq!(actors, vec!["fan0", "fan1", "fan2"]);
        assert_eq!(n[0]["unread"], true);
        assert!(unread(&app, &alice.token).await >= 3);

        let (status, _) = post(&app, &alice.token, "/api/v1/notifications/read", json!({})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(unread(&app, &alice.token).await, 0);
        assert!(notifications(&app, &alice.token).await.iter().all(|g| g["unread"] == false));

        let late = app.user("late").await;
        post(&app, &late.token, "/api/v1/users/alice/follow", json!({})).await;
        assert_eq!(unread(&app, &alice.token).await, 1);
        let n = notifications(&app, &alice.token).await;
        assert_eq!((n[0]["kind"].as_str(), n[0]["unread"].as_bool()), (Some("follow"), Some(true)));
        assert_eq!(n[1]["unread"], false);
    }

    async fn blocked_people_cannot_notify(backend) {
        let app = TestApp::start(backend).await;
        let alice = app.user("alice").await;
        let mallory = app.user("mallory").await;
        let carol = app.user("carol").await;
        let alices = id(&app.create_post(&alice.token, "Mine", 1).await);
        let carols = id(&app.create_post(&carol.token, "Open thread", 1).await);
        let alices_comment = comment(&app, &alice.token, carols, "I like it", None).await;

        // Mallory was already active before the block.
        post(&app, &mallory.token, &format!("/api/v1/posts/{alices}/like"), json!({})).await;
        assert_eq!(unread(&app, &alice.token).await, 1);
        let (status, _) = post(&app, &alice.token, "/api/v1/users/mallory/block", json!({})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert!(notifications(&app, &alice.token).await.is_empty(), "a blocked person's past actions are hidden");
        assert_eq!(unread(&app, &alice.token).await, 0, "and the unread count agrees with the list");

        // Nothing mallory tries now reaches alice.
        let (status, _) = post(&app, &mallory.token, "/api/v1/users/alice/follow", json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = post(&app, &mallory.token, &format!("/api/v1/posts/{alices}/like"), json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = post(&app, &mallory.token, &format!("/api/v1/posts/{alices}/comments"), json!({"body": "hey"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        app.create_post(&mallory.token, "Look @alice", 1).await;
        comment(&app, &mallory.token, carols, "@alice over here", None).await;
        // Alice's comment is hidden from mallory, so replying to it fails as if it were gone.
        let (status, err) = post(
            &app,
            &mallory.token,
            &format!("/api/v1/posts/{carols}/comments"),
            json!({"body": "answering you", "parent_id": id(&alices_comment)}),
        )
        .await;
        assert_field_error(status, &err, "parent_id", "parent_not_found");
        assert!(!comments(&app, Some(&mallory.token), carols).await.iter().any(|c| c["id"] == alices_comment["id"]));
        let (status, _) = post(&app, &mallory.token, &format!("/api/v1/comments/{}/like", id(&alices_comment)), json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        assert!(notifications(&app, &alice.token).await.is_empty());
        assert_eq!(unread(&app, &alice.token).await, 0);
        // Carol, who blocked nobody, still hears from mallory.
        assert!(notifications(&app, &carol.token).await.iter().any(|g| actor(g) == "mallory"));
    }
}

/// The author liking, commenting on and mentioning themselves on their own post.
async fn alice_acts_on_own_post(app: &TestApp, token: &str, pid: i64) {
    post(app, token, &format!("/api/v1/posts/{pid}/like"), json!({})).await;
    let c = comment(app, token, pid, "Thanks all, says @alice", None).await;
    comment(app, token, pid, "me again", Some(id(&c))).await;
    let (status, _) = post(app, token, &format!("/api/v1/posts/{pid}/share"), json!({})).await;
    assert_eq!(status, StatusCode::CREATED);
}
