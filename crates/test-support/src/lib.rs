//! Test harness: starts the real Souk app on a random port against a fresh SQLite file or a fresh
//! PostgreSQL schema, and offers HTTP helpers. Behaviour tests use [`backend_tests!`] so every test runs
//! on both engines.
//!
//! `SOUK_TEST_BACKENDS` picks the engines (default `sqlite,postgres`). When it names `postgres`
//! explicitly, an unreachable server fails the test; by default such tests are skipped with a note.
//! `SOUK_TEST_DATABASE_URL` points at the Postgres server (default the local `test` database).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use souk::app::App;
use souk::config::{Config, RateSetting};
use std::net::SocketAddr;
use std::time::Duration;
use tempfile::TempDir;
use tokio::sync::oneshot;

pub use reqwest;
pub use serde_json;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const DEFAULT_PASSWORD: &str = "correct horse battery";

fn pg_url() -> String {
    std::env::var("SOUK_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

impl Backend {
    /// Whether this engine should run, per `SOUK_TEST_BACKENDS`; panics when Postgres is required but
    /// unreachable, so CI cannot silently skip it.
    pub async fn enabled(self) -> bool {
        let list = std::env::var("SOUK_TEST_BACKENDS").ok();
        let named = |b: &str| list.as_deref().map(|l| l.split(',').any(|x| x.trim() == b));
        match self {
            Backend::Sqlite => named("sqlite").unwrap_or(true),
            Backend::Postgres => match named("postgres") {
                Some(false) => false,
                Some(true) => {
                    assert!(
                        pg_reachable().await,
                        "SOUK_TEST_BACKENDS requires postgres but {} is unreachable",
                        pg_url()
                    );
                    true
                }
                None => {
                    let up = pg_reachable().await;
                    if !up {
                        eprintln!(
                            "note: PostgreSQL at {} unreachable; skipping the postgres variant",
                            pg_url()
                        );
                    }
                    up
                }
            },
        }
    }
}

async fn pg_reachable() -> bool {
    use sqlx::Connection;
    tokio::time::timeout(
        Duration::from_secs(3),
        sqlx::PgConnection::connect(&pg_url()),
    )
    .await
    .map(|r| r.is_ok())
    .unwrap_or(false)
}

pub struct TestAppBuilder {
    backend: Backend,
    config: Config,
}

impl TestAppBuilder {
    /// Overrides log-in and sign-up limits (tests otherwise get limits high enough never to trip).
    pub fn rate_limits(
        mut self,
        login_per_ip: &str,
        login_per_account: &str,
        signup_per_ip: &str,
    ) -> Self {
        let r = |s: &str| RateSetting(s.parse().unwrap());
        self.config.rate_limits.login_per_ip = r(login_per_ip);
        self.config.rate_limits.login_per_account = r(login_per_account);
        self.config.rate_limits.signup_per_ip = r(signup_per_ip);
        self
    }

    pub fn config(mut self, f: impl FnOnce(&mut Config)) -> Self {
        f(&mut self.config);
        self
    }

    pub async fn start(self) -> TestApp {
        let tmp = tempfile::tempdir().unwrap();
        let mut config = self.config;
        config.data_dir = tmp.path().join("data");
        let mut schema = None;
        match self.backend {
            Backend::Sqlite => config.database_url = String::new(),
            Backend::Postgres => {
                let name = format!("t_{}", souk_service_token());
                config.database_url = pg_url();
                config.database_schema = name.clone();
                config.database_max_connections = 8;
                schema = Some(name);
            }
        }
        let app = App::open(config.clone(), true).await.expect("app starts");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            app.serve(listener, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        TestApp {
            backend: self.backend,
            addr,
            config,
            client: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            _tmp: tmp,
            schema,
            shutdown: Some(tx),
            server: Some(server),
        }
    }
}

/// A random lowercase hex name part, valid in a Postgres identifier.
fn souk_service_token() -> String {
    souk_service::random_token("")
        .bytes()
        .take(10)
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub struct TestApp {
    pub backend: Backend,
    pub addr: SocketAddr,
    pub config: Config,
    /// A client without a cookie store that does not follow redirects.
    pub client: Client,
    _tmp: TempDir,
    schema: Option<String>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

/// A signed-up user with an API token.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub username: String,
    pub password: String,
    pub token: String,
    pub id: i64,
}

impl TestApp {
    pub fn builder(backend: Backend) -> TestAppBuilder {
        let mut config = Config::default();
        let generous = RateSetting("100000/min".parse().unwrap());
        config.rate_limits.login_per_ip = generous;
        config.rate_limits.login_per_account = generous;
        config.rate_limits.signup_per_ip = generous;
        config.log_level = "warn".into();
        TestAppBuilder { backend, config }
    }

    pub async fn start(backend: Backend) -> TestApp {
        Self::builder(backend).start().await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A client with its own cookie jar, like one browser.
    pub fn browser(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_auth(&self, path: &str, token: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_json_auth(&self, path: &str, token: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete_auth(&self, path: &str, token: &str) -> Response {
        self.client
            .delete(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// Signs up through the API (personal account) and logs in; panics on failure.
    pub async fn user(&self, username: &str) -> TestUser {
        self.user_of_kind(username, "personal").await
    }

    pub async fn user_of_kind(&self, username: &str, kind: &str) -> TestUser {
        let res = self
            .post_json(
                "/api/v1/accounts",
                &json!({
                    "username": username,
                    "email": format!("{}@example.com", username.to_lowercase()),
                    "password": DEFAULT_PASSWORD,
                    "kind": kind,
                }),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED, "sign-up of {username}");
        let body: Value = res.json().await.unwrap();
        let token = self.login(username, DEFAULT_PASSWORD).await;
        TestUser {
            username: username.into(),
            password: DEFAULT_PASSWORD.into(),
            token,
            id: body["id"].as_i64().unwrap(),
        }
    }

    /// Logs in through the API and returns the bearer token; panics on failure.
    pub async fn login(&self, login: &str, password: &str) -> String {
        let res = self
            .post_json(
                "/api/v1/sessions",
                &json!({"login": login, "password": password}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED, "login of {login}");
        let body: Value = res.json().await.unwrap();
        body["token"].as_str().unwrap().to_owned()
    }

    /// Stops the server and waits for it, so tests can reopen the same database (e.g. migrations twice).
    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(schema) = self.schema.take() {
            // Dropping the schema needs async IO; do it on a separate thread with its own runtime so it
            // works from inside the test's runtime too.
            let url = pg_url();
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(rt) = rt {
                    rt.block_on(async move {
                        use sqlx::{Connection, Executor};
                        if let Ok(mut c) = sqlx::PgConnection::connect(&url).await {
                            let sql = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
                            let _ = c.execute(sqlx::AssertSqlSafe(sql)).await;
                            let _ = c.close().await;
                        }
                    });
                }
            })
            .join();
        }
    }
}

/// Reads a JSON error envelope's code.
pub async fn error_code(res: Response) -> (StatusCode, String) {
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    (
        status,
        body["error"]["code"].as_str().unwrap_or("").to_owned(),
    )
}

/// Declares tests that run once per database engine. Each body receives the [`Backend`] and usually starts
/// with `let app = TestApp::start(backend).await;`.
///
/// ```ignore
/// backend_tests! {
///     async fn signs_up(backend) { let app = TestApp::start(backend).await; /* ... */ }
/// }
/// ```
#[macro_export]
macro_rules! backend_tests {
    ($(async fn $name:ident($backend:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn body($backend: $crate::Backend) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    if $crate::Backend::Sqlite.enabled().await {
                        body($crate::Backend::Sqlite).await
                    }
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if $crate::Backend::Postgres.enabled().await {
                        body($crate::Backend::Postgres).await
                    }
                }
            }
        )*
    };
}
