//! Profile basics beyond sign-up: the website link and the profile photo, through the API.

use souk_test_support::reqwest::StatusCode;
use souk_test_support::reqwest::multipart::{Form, Part};
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{TestApp, backend_tests, jpeg, json_response};

async fn upload_avatar(app: &TestApp, token: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let form = Form::new().part("image", Part::bytes(bytes).file_name("me.jpg"));
    let res = app
        .client
        .post(app.url("/api/v1/me/avatar"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    json_response(res).await
}

backend_tests! {
    async fn website_is_normalised_and_validated(backend) {
        let app = TestApp::start(backend).await;
        let u = app.user("site_owner").await;
        let res = app
            .client
            .patch(app.url("/api/v1/me"))
            .bearer_auth(&u.token)
            .json(&json!({"website": "shop.example.com/about"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let (_, profile) = app.get_json("/api/v1/users/site_owner", None).await;
        assert_eq!(profile["website"], "https://shop.example.com/about");

        for bad in ["javascript:alert(1)", "https://no-dot", "https://a b.com"] {
            let res = app
                .client
                .patch(app.url("/api/v1/me"))
                .bearer_auth(&u.token)
                .json(&json!({"website": bad}))
                .send()
                .await
                .unwrap();
            let (status, body) = json_response(res).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
            assert_eq!(body["error"]["details"]["fields"][0]["code"], "website_invalid", "{bad}");
        }
        // A rejected value leaves the saved one untouched; an empty string removes it.
        let (_, profile) = app.get_json("/api/v1/users/site_owner", None).await;
        assert_eq!(profile["website"], "https://shop.example.com/about");
        app.client
            .patch(app.url("/api/v1/me"))
            .bearer_auth(&u.token)
            .json(&json!({"website": ""}))
            .send()
            .await
            .unwrap();
        let (_, profile) = app.get_json("/api/v1/users/site_owner", None).await;
        assert_eq!(profile["website"], "");
    }

    async fn profile_photo_upload_replace_and_remove(backend) {
        let app = TestApp::start(backend).await;
        let u = app.user("photo_owner").await;
        let (_, before) = app.get_json("/api/v1/users/photo_owner", None).await;
        assert_eq!(before["avatar_url"], Value::Null);

        let (status, profile) = upload_avatar(&app, &u.token, jpeg(1, 600, 600)).await;
        assert_eq!(status, StatusCode::OK, "{profile}");
        let first = profile["avatar_url"].as_str().unwrap().to_owned();
        let res = app.get(&first).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "image/jpeg");

        // Smaller than the avatar display size: served at its own size.
        let (status, profile) = upload_avatar(&app, &u.token, jpeg(2, 120, 120)).await;
        assert_eq!(status, StatusCode::OK);
        let second = profile["avatar_url"].as_str().unwrap().to_owned();
        assert_ne!(first, second);
        assert_eq!(app.get(&second).await.status(), StatusCode::OK);
        // The replaced photo's files are gone.
        assert_eq!(app.get(&first).await.status(), StatusCode::NOT_FOUND);

        let (status, body) = upload_avatar(&app, &u.token, b"not an image".to_vec()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["error"]["details"]["fields"][0]["field"], "avatar");
        assert_eq!(body["error"]["details"]["fields"][0]["code"], "image_unsupported_format");

        let res = app.delete_auth("/api/v1/me/avatar", &u.token).await;
        assert_eq!(res.status(), StatusCode::OK);
        let (_, profile) = app.get_json("/api/v1/users/photo_owner", None).await;
        assert_eq!(profile["avatar_url"], Value::Null);
        assert_eq!(app.get(&second).await.status(), StatusCode::NOT_FOUND);

        // Without a token there is no upload.
        let form = Form::new().part("image", Part::bytes(jpeg(3, 100, 100)).file_name("x.jpg"));
        let res = app.client.post(app.url("/api/v1/me/avatar")).multipart(form).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
}
