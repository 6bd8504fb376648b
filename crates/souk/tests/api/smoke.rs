//! The app starts, answers health checks and serves its OpenAPI document on both engines.

use souk_test_support::reqwest::StatusCode;
use souk_test_support::serde_json::Value;
use souk_test_support::{TestApp, backend_tests};

backend_tests! {
    async fn health_and_readiness(backend) {
        let app = TestApp::start(backend).await;
        let res = app.get("/healthz").await;
        assert_eq!(res.status(), StatusCode::OK);
        let res = app.get("/readyz").await;
        assert_eq!(res.status(), StatusCode::OK);
        let body: Value = res.json().await.unwrap();
        let expected = match backend {
            souk_test_support::Backend::Sqlite => "sqlite",
            souk_test_support::Backend::Postgres => "postgres",
        };
        assert_eq!(body["database"], expected);
    }

    async fn signup_login_me(backend) {
        let app = TestApp::start(backend).await;
        let user = app.user("Mina_01").await;
        let res = app.get_auth("/api/v1/me", &user.token).await;
        assert_eq!(res.status(), StatusCode::OK);
        let me: Value = res.json().await.unwrap();
        assert_eq!(me["username"], "Mina_01");
        assert_eq!(me["email"], "mina_01@example.com");
        assert_eq!(me["kind"], "personal");
    }
}
