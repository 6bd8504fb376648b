//! Feeds and hashtags: home composition and cursor stability, Discover's audience and ranking, page size
//! caps and cursor errors, hashtags in any script, and mentions.

use crate::social_support::*;
use souk_test_support::futures_util::future::join_all;
use souk_test_support::reqwest::StatusCode;
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{TestApp, backend_tests};

fn captions(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["caption"].as_str().unwrap().to_owned())
        .collect()
}

backend_tests! {
    async fn home_shows_own_and_followed_posts_newest_first(backend) {
        let app = TestApp::start(backend).await;
        let alice = app.user("alice").await;
        let bob = app.user("bob").await;
        let carol = app.user("carol").await;
        post(&app, &alice.token, "/api/v1/users/bob/follow", json!({})).await;
        app.create_post(&carol.token, "carol 1", 1).await;
        app.create_post(&bob.token, "bob 1", 1).await;
        app.create_post(&alice.token, "alice 1", 1).await;
        app.create_post(&bob.token, "bob 2", 1).await;

        let home = get_ok(&app, Some(&alice.token), "/api/v1/feed/home").await;
        assert_eq!(captions(&home), vec!["bob 2", "alice 1", "bob 1"]);
        assert!(home["next_cursor"].is_null());
        let carols_home = get_ok(&app, Some(&carol.token), "/api/v1/feed/home").await;
        assert_eq!(captions(&carols_home), vec!["carol 1"]);

        delete(&app, &alice.token, "/api/v1/users/bob/follow").await;
        let home = get_ok(&app, Some(&alice.token), "/api/v1/feed/home").await;
        assert_eq!(captions(&home), vec!["alice 1"]);
        assert_eq!(status_of(&app, None, "/api/v1/feed/home").await, StatusCode::UNAUTHORIZED);
    }

    async fn home_paging_is_stable_while_new_posts_arrive(backend) {
        let app = TestApp::start(backend).await;
        let author = app.user("author").await;
        let reader = app.user("reader").await;
        post(&app, &reader.token, "/api/v1/users/author/follow", json!({})).await;
        let mut originals = Vec::new();
        for i in 0..25 {
            originals.push(id(&app.create_post(&author.token, &format!("original {i}"), 1).await));
        }

        let mut seen: Vec<i64> = Vec::new();
        let mut cursor: Option<String> = None;
        let mut fresh = 0;
        loop {
            let path = match &cursor {
                None => "/api/v1/feed/home?limit=7".to_owned(),
                Some(c) => format!("/api/v1/feed/home?limit=7&cursor={c}"),
            };
            let page = get_ok(&app, Some(&reader.token), &path).await;
            assert!(page["items"].as_array().unwrap().len() <= 7);
            seen.extend(ids(&page));
            let Some(next) = page["next_cursor"].as_str() else { break };
            cursor = Some(next.to_owned());
            // New posts land between page requests.
            for _ in 0..2 {
                if fresh < 5 {
                    app.create_post(&author.token, &format!("fresh {fresh}"), 1).await;
                    fresh += 1;
                }
            }
        }
        assert_eq!(fresh, 5, "all five new posts were published mid-paging");
        assert_unique(&seen);
        let mut expected = originals.clone();
        expected.reverse();
        assert_eq!(seen, expected, "each original exactly once, newest first, and nothing else");
        // The new ones are at the top of a fresh first page.
        let top = get_ok(&app, Some(&reader.token), "/api/v1/feed/home?limit=5").await;
        assert_eq!(captions(&top), vec!["fresh 4", "fresh 3", "fresh 2", "fresh 1", "fresh 0"]);
    }

    async fn discover_weights_come_from_configuration(backend) {
        // Liked post first with the default weights; with likes weighted 0 the commented one wins.
        for (like_weight, liked_first) in [(1.0, true), (0.0, false)] {
            let app = TestApp::builder(backend)
                .config(|c| c.discover.like = like_weight)
                .start()
                .await;
            let author = app.user("author").await;
            let liked = id(&app.create_post(&author.token, "liked", 1).await);
            let commented = id(&app.create_post(&author.token, "commented", 1).await);
            let fans = app.users("fan", 3).await;
            for f in &fans {
                post(&app, &f.token, &format!("/api/v1/posts/{liked}/like"), json!({})).await;
            }
            comment(&app, &fans[0].token, commented, "nice", None).await;
            let got = ids(&get_ok(&app, None, "/api/v1/feed/discover").await);
            let pos = |p: i64| got.iter().position(|x| *x == p).unwrap();
            assert_eq!(pos(liked) < pos(commented), liked_first, "like weight {like_weight}: {got:?}");
        }
    }

    async fn discover_ranks_strangers_by_engagement(backend) {
        let app = TestApp::start(backend).await;
        let viewer = app.user("viewer").await;
        let friend = app.user("friend").await;
        let blocked = app.user("blocked").await;
        let blocker = app.user("blocker").await;
        let stranger = app.user("stranger").await;
        let other = app.user("other").await;
        post(&app, &viewer.token, "/api/v1/users/friend/follow", json!({})).await;
        post(&app, &viewer.token, "/api/v1/users/blocked/block", json!({})).await;
        post(&app, &blocker.token, "/api/v1/users/viewer/block", json!({})).await;

        let own = id(&app.create_post(&viewer.token, "mine", 1).await);
        let followed = id(&app.create_post(&friend.token, "friend's", 1).await);
        let hidden_1 = id(&app.create_post(&blocked.token, "blocked's", 1).await);
        let hidden_2 = id(&app.create_post(&blocker.token, "blocker's", 1).await);
        // The popular post is older than the quiet one; only engagement can put it first.
        let popular = id(&app.create_post(&stranger.token, "popular", 1).await);
        let quiet = id(&app.create_post(&other.token, "quiet", 1).await);
        let likers = app.users("liker", 6).await;
        let like = format!("/api/v1/posts/{popular}/like");
        join_all(likers.iter().map(|l| post(&app, &l.token, &like, json!({})))).await;
        // A share is not a discover candidate of its own.
        let (_, share) = post(&app, &other.token, &format!("/api/v1/posts/{popular}/share"), json!({})).await;

        let got = ids(&get_ok(&app, Some(&viewer.token), "/api/v1/feed/discover").await);
        for absent in [own, followed, hidden_1, hidden_2, id(&share)] {
            assert!(!got.contains(&absent), "{absent} should not be in {got:?}");
        }
        let pos = |p: i64| got.iter().position(|x| *x == p).unwrap_or_else(|| panic!("{p} missing from {got:?}"));
        assert!(pos(popular) < pos(quiet), "{got:?}");

        // Anonymous visitors see everyone's originals.
        let anon = ids(&get_ok(&app, None, "/api/v1/feed/discover").await);
        for p in [own, followed, hidden_1, hidden_2, popular, quiet] {
            assert!(anon.contains(&p), "{p} missing from {anon:?}");
        }
        assert_eq!(anon[0], popular);
    }

    async fn page_sizes_are_capped_and_bad_cursors_refused(backend) {
        let app = TestApp::start(backend).await;
        let author = app.user("author").await;
        let reader = app.user("reader").await;
        post(&app, &reader.token, "/api/v1/users/author/follow", json!({})).await;
        for i in 0..51 {
            app.create_post(&author.token, &format!("bulk {i} #bulk"), 1).await;
        }
        let r = Some(reader.token.as_str());
        for path in [
            "/api/v1/feed/home?limit=500",
            "/api/v1/users/author/posts?limit=500",
            "/api/v1/tags/bulk?limit=500",
        ] {
            let page = get_ok(&app, r, path).await;
            assert_eq!(page["items"].as_array().unwrap().len(), 50, "{path}");
            assert!(page["next_cursor"].is_string(), "{path}");
            let rest = get_ok(&app, r, &format!("{path}&cursor={}", page["next_cursor"].as_str().unwrap())).await;
            assert_eq!(rest["items"].as_array().unwrap().len(), 1, "{path}");
            assert!(rest["next_cursor"].is_null(), "{path}");
        }
        let discover = get_ok(&app, None, "/api/v1/feed/discover?limit=500").await;
        assert_eq!(discover["items"].as_array().unwrap().len(), 50);
        assert_eq!(get_ok(&app, None, "/api/v1/tags/bulk").await["post_count"], 51);
        assert_eq!(get_ok(&app, None, "/api/v1/feed/discover").await["items"].as_array().unwrap().len(), 20, "default page size");

        for path in [
            "/api/v1/feed/home?cursor=abc",
            "/api/v1/feed/home?cursor=-5",
            "/api/v1/feed/discover?cursor=abc",
            "/api/v1/tags/bulk?cursor=%F0%9F%8D%B5",
            "/api/v1/tags/bulk?sort=top&cursor=1.5",
            "/api/v1/users/author/posts?cursor=abc",
            "/api/v1/me/saved?cursor=abc",
            "/api/v1/notifications?cursor=abc",
        ] {
            let (status, err) = app.get_json(path, r).await;
            assert_field_error(status, &err, "cursor", "cursor_invalid");
            assert_eq!(err["error"]["code"], "validation_failed", "{path}");
        }
    }

    async fn hashtags_work_in_any_script(backend) {
        let app = TestApp::start(backend).await;
        let mina = app.user("mina").await;
        let pid = id(&app.create_post(&mina.token, "봄 코디 #春季穿搭 #데일리룩 ＃Ｓｐｒｉｎｇ", 1).await);
        let other = id(&app.create_post(&mina.token, "unrelated #autumn", 1).await);
        assert_eq!(post_json(&app, None, pid).await["hashtags"], json!(["春季穿搭", "데일리룩", "Ｓｐｒｉｎｇ"]));

        for (tag, display) in [
            ("春季穿搭", "春季穿搭"),
            ("데일리룩", "데일리룩"),
            ("spring", "Ｓｐｒｉｎｇ"),
            ("SPRING", "Ｓｐｒｉｎｇ"),
            ("Ｓｐｒｉｎｇ", "Ｓｐｒｉｎｇ"),
            ("#spring", "Ｓｐｒｉｎｇ"),
        ] {
            let page = get_ok(&app, None, &format!("/api/v1/tags/{}", encode(tag))).await;
            assert_eq!(page["post_count"], 1, "{tag}: {page}");
            assert_eq!(page["tag"], display, "{tag}");
            assert_eq!(ids(&page), vec![pid], "{tag}");
        }
        assert_eq!(ids(&get_ok(&app, None, "/api/v1/tags/autumn").await), vec![other]);
        for unknown in ["nothing_here", "春", "데일리"] {
            let (status, err) = app.get_json(&format!("/api/v1/tags/{}", encode(unknown)), None).await;
            assert_error(status, &err, StatusCode::NOT_FOUND, "not_found");
        }
    }

    async fn top_hashtag_posts_order_by_engagement(backend) {
        let app = TestApp::start(backend).await;
        let author = app.user("author").await;
        let fans = app.users("fan", 3).await;
        let none = id(&app.create_post(&author.token, "a #matcha", 1).await);
        let most = id(&app.create_post(&author.token, "b #matcha", 1).await);
        let some = id(&app.create_post(&author.token, "c #matcha", 1).await);
        for f in &fans {
            post(&app, &f.token, &format!("/api/v1/posts/{most}/like"), json!({})).await;
        }
        post(&app, &fans[0].token, &format!("/api/v1/posts/{some}/like"), json!({})).await;

        assert_eq!(ids(&get_ok(&app, None, "/api/v1/tags/matcha").await), vec![some, most, none]);
        assert_eq!(ids(&get_ok(&app, None, "/api/v1/tags/matcha?sort=newest").await), vec![some, most, none]);
        assert_eq!(ids(&get_ok(&app, None, "/api/v1/tags/matcha?sort=top").await), vec![most, some, none]);
        let top = all_pages(&app, None, "/api/v1/tags/matcha?sort=top", 2).await;
        assert_eq!(top.iter().map(id).collect::<Vec<_>>(), vec![most, some, none]);
        // A comment counts double: the unliked post overtakes the one with a single like.
        comment(&app, &fans[1].token, none, "first!", None).await;
        assert_eq!(ids(&get_ok(&app, None, "/api/v1/tags/matcha?sort=top").await), vec![most, none, some]);
    }

    async fn mentions_notify_the_people_named(backend) {
        let app = TestApp::start(backend).await;
        let alice = app.user("alice").await;
        let bob = app.user("bob").await;
        let carol = app.user("carol").await;

        let pid = id(&app.create_post(&bob.token, "Thanks @alice and @Alice! (and me, @bob; not @nobody_known)", 1).await);
        let n = notifications(&app, &alice.token).await;
        assert_eq!(n.len(), 1, "{n:?}");
        assert_eq!((n[0]["kind"].as_str(), n[0]["post_id"].as_i64()), (Some("mention"), Some(pid)));
        assert_eq!(n[0]["actors"][0]["username"], "bob");
        assert!(notifications(&app, &bob.token).await.is_empty(), "mentioning yourself notifies nobody");

        let c = comment(&app, &carol.token, pid, "@alice you should see this", None).await;
        let n = notifications(&app, &alice.token).await;
        assert_eq!(n.len(), 2, "{n:?}");
        assert_eq!(n[0]["kind"], "mention");
        assert_eq!(n[0]["comment_id"], c["id"]);
        assert_eq!(n[0]["actors"][0]["username"], "carol");
        // Bob hears about the comment on his post, not a mention.
        let kinds: Vec<Value> = notifications(&app, &bob.token).await.iter().map(|g| g["kind"].clone()).collect();
        assert_eq!(kinds, vec![json!("comment")]);

        comment(&app, &carol.token, pid, "talking to myself, @carol", None).await;
        assert!(notifications(&app, &carol.token).await.is_empty());
    }
}
