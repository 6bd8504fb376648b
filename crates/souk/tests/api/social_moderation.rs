//! Reports and the operators' queue: filing reports, operator-only access, removing posts and suspending
//! accounts.

use crate::social_support::*;
use souk_test_support::reqwest::StatusCode;
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{DEFAULT_PASSWORD, TestApp, backend_tests};

async fn report(
    app: &TestApp,
    token: &str,
    kind: &str,
    target: &str,
    reason: &str,
) -> (StatusCode, Value) {
    post(
        app,
        token,
        "/api/v1/reports",
        json!({"target_kind": kind, "target": target, "reason": reason, "note": "see photo 2"}),
    )
    .await
}

async fn queue(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    get_ok(app, Some(token), &format!("/api/v1/admin/reports{query}"))
        .await
        .as_array()
        .unwrap()
        .clone()
}

backend_tests! {
    async fn reports_are_validated_and_only_operators_see_them(backend) {
        let app = TestApp::start(backend).await;
        let alice = app.user("alice").await;
        let bob = app.user("bob").await;
        let pid = id(&app.create_post(&alice.token, "Totally genuine bags", 1).await);

        let (status, created) = report(&app, &bob.token, "post", &pid.to_string(), "spam").await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert!(created["id"].is_i64());
        let (status, err) = report(&app, &bob.token, "post", &pid.to_string(), "meh").await;
        assert_field_error(status, &err, "reason", "report_reason_invalid");
        let (status, err) = report(&app, &bob.token, "planet", "earth", "spam").await;
        assert_field_error(status, &err, "target_kind", "report_target_invalid");
        let (status, err) = report(&app, &bob.token, "post", "999999", "spam").await;
        assert_error(status, &err, StatusCode::NOT_FOUND, "not_found");
        let (status, _) = report(&app, &bob.token, "account", "alice", "scam").await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, _) = app
            .call(souk_test_support::reqwest::Method::POST, "/api/v1/reports", None, Some(&json!({"target_kind": "post", "target": pid.to_string(), "reason": "spam"})))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        for token in [&bob.token, &alice.token] {
            let (status, err) = app.get_json("/api/v1/admin/reports", Some(token)).await;
            assert_error(status, &err, StatusCode::NOT_FOUND, "not_found");
            let (status, _) = post(&app, token, &format!("/api/v1/admin/reports/{}/resolve", id(&created)), json!({"action": "remove"})).await;
            assert_eq!(status, StatusCode::NOT_FOUND);
        }
        assert_eq!(status_of(&app, None, "/api/v1/admin/reports").await, StatusCode::UNAUTHORIZED);
        assert_eq!(post_json(&app, None, pid).await["id"], pid, "nothing happened to the post");

        let admin = app.user("ops_mina").await;
        app.make_admin("ops_mina").await;
        let open = queue(&app, &admin.token, "").await;
        assert_eq!(open.len(), 2, "{open:?}");
        let r = &open[0];
        assert_eq!(r["id"], created["id"]);
        assert_eq!((r["reporter"].as_str(), r["target_kind"].as_str(), r["reason"].as_str()), (Some("bob"), Some("post"), Some("spam")));
        assert_eq!((r["target_id"].as_i64(), r["note"].as_str()), (Some(pid), Some("see photo 2")));
        assert!(r["resolution"].is_null());
        let (status, err) = post(&app, &admin.token, &format!("/api/v1/admin/reports/{}/resolve", id(r)), json!({"action": "nuke"})).await;
        assert_field_error(status, &err, "action", "report_action_invalid");
        let (status, _) = post(&app, &admin.token, "/api/v1/admin/reports/999999/resolve", json!({"action": "dismiss"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    async fn removing_a_reported_post_hides_it_from_everyone(backend) {
        let app = TestApp::start(backend).await;
        let alice = app.user("alice").await;
        let bob = app.user("bob").await;
        let admin = app.user("ops_mina").await;
        app.make_admin("ops_mina").await;
        post(&app, &bob.token, "/api/v1/users/alice/follow", json!({})).await;
        let bad = id(&app.create_post(&alice.token, "Fake #sneakers", 1).await);
        let fine = id(&app.create_post(&alice.token, "Real #sneakers", 1).await);
        let (_, first) = report(&app, &bob.token, "post", &bad.to_string(), "counterfeit").await;
        let (_, second) = report(&app, &admin.token, "post", &bad.to_string(), "scam").await;

        let (status, _) = post(&app, &admin.token, &format!("/api/v1/admin/reports/{}/resolve", id(&first)), json!({"action": "remove"})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        for token in [None, Some(alice.token.as_str()), Some(bob.token.as_str()), Some(admin.token.as_str())] {
            let (status, err) = app.get_json(&format!("/api/v1/posts/{bad}"), token).await;
            assert_error(status, &err, StatusCode::NOT_FOUND, "not_found");
        }
        assert_eq!(ids(&get_ok(&app, None, "/api/v1/users/alice/posts").await), vec![fine]);
        assert_eq!(ids(&get_ok(&app, Some(&bob.token), "/api/v1/feed/home").await), vec![fine]);
        assert_eq!(ids(&get_ok(&app, None, "/api/v1/tags/sneakers").await), vec![fine]);
        assert!(!ids(&get_ok(&app, None, "/api/v1/feed/discover").await).contains(&bad));
        let (status, _) = post(&app, &bob.token, &format!("/api/v1/posts/{bad}/like"), json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // One decision resolves every open report on the post.
        assert!(queue(&app, &admin.token, "").await.is_empty());
        let all = queue(&app, &admin.token, "?status=all").await;
        for r in [&first, &second] {
            let row = all.iter().find(|x| x["id"] == r["id"]).unwrap();
            assert_eq!(row["resolution"], "removed");
        }
    }

    async fn suspending_an_author_locks_them_out_and_hides_their_posts(backend) {
        let app = TestApp::start(backend).await;
        let alice = app.user("alice").await;
        let bob = app.user("bob").await;
        let admin = app.user("ops_mina").await;
        app.make_admin("ops_mina").await;
        post(&app, &bob.token, "/api/v1/users/alice/follow", json!({})).await;
        let pid = id(&app.create_post(&alice.token, "Send me your card number #deal", 1).await);
        let bobs = id(&app.create_post(&bob.token, "Honest #deal", 1).await);
        comment(&app, &alice.token, bobs, "DM me", None).await;
        let (_, r) = report(&app, &bob.token, "post", &pid.to_string(), "scam").await;

        let (status, _) = post(&app, &admin.token, &format!("/api/v1/admin/reports/{}/resolve", id(&r)), json!({"action": "suspend"})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);

        // Locked out: no new session, and the old token stops working.
        let res = app.post_json("/api/v1/sessions", &json!({"login": "alice", "password": DEFAULT_PASSWORD})).await;
        let (status, err) = souk_test_support::json_response(res).await;
        assert_error(status, &err, StatusCode::FORBIDDEN, "account_suspended");
        let (status, _) = app.get_json("/api/v1/me", Some(&alice.token)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = post(&app, &alice.token, &format!("/api/v1/posts/{bobs}/like"), json!({})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        // Gone from profile, post page, feeds, hashtags, counters' lists and comments.
        for path in ["/api/v1/users/alice".to_owned(), "/api/v1/users/alice/posts".to_owned(), format!("/api/v1/posts/{pid}")] {
            for token in [None, Some(bob.token.as_str())] {
                let (status, err) = app.get_json(&path, token).await;
                assert_error(status, &err, StatusCode::NOT_FOUND, "not_found");
            }
        }
        assert_eq!(ids(&get_ok(&app, Some(&bob.token), "/api/v1/feed/home").await), vec![bobs]);
        assert!(!ids(&get_ok(&app, None, "/api/v1/feed/discover").await).contains(&pid));
        assert_eq!(ids(&get_ok(&app, None, "/api/v1/tags/deal").await), vec![bobs]);
        assert!(usernames(&all_pages(&app, None, "/api/v1/users/bob/following", 10).await).is_empty());
        assert!(comments(&app, None, bobs).await.is_empty());
        let (status, _) = post(&app, &bob.token, "/api/v1/users/alice/follow", json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let all = queue(&app, &admin.token, "?status=all").await;
        assert_eq!(all[0]["resolution"], "suspended");
        // Operators cannot lock themselves out.
        let (_, own) = report(&app, &bob.token, "account", "ops_mina", "other").await;
        let (status, err) = post(&app, &admin.token, &format!("/api/v1/admin/reports/{}/resolve", id(&own)), json!({"action": "suspend"})).await;
        assert_field_error(status, &err, "action", "cannot_suspend_self");
    }
}
