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

pub use futures_util;
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
        // Statement budget tests read X-Souk-Statements; see [`statements`].
        config.statement_header = true;
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
/// How many SQL statements the server ran for this response (the `X-Souk-Statements` header that test
/// apps turn on).
pub fn statements(res: &Response) -> u32 {
    res.headers()
        .get("x-souk-statements")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("test apps answer with X-Souk-Statements")
}

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

/// Helpers for the social API: photos, posts, JSON requests in one call, many users at once, operators.
impl TestApp {
    /// Sends `method path` with an optional bearer token and JSON body; returns the status and the parsed
    /// body (`Null` when the body is empty, as for 204).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        json_response(req.send().await.unwrap()).await
    }

    /// `GET path` as `token` (anonymous when `None`): status and JSON body.
    pub async fn get_json(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.call(reqwest::Method::GET, path, token, None).await
    }

    /// Signs up `{prefix}{i}` for `i` in `0..n` concurrently; returned in index order.
    pub async fn users(&self, prefix: &str, n: usize) -> Vec<TestUser> {
        let names: Vec<String> = (0..n).map(|i| format!("{prefix}{i}")).collect();
        futures_util::future::join_all(names.iter().map(|u| self.user(u))).await
    }

    /// `POST /api/v1/posts` with a ready multipart form.
    pub async fn publish(&self, token: &str, form: reqwest::multipart::Form) -> Response {
        self.client
            .post(self.url("/api/v1/posts"))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// `POST /api/v1/posts` with a caption, one `images` part per photo and one `alt_text` part per alt.
    pub async fn publish_photos(
        &self,
        token: &str,
        caption: &str,
        photos: Vec<Vec<u8>>,
        alts: &[&str],
    ) -> Response {
        self.publish(token, post_form(caption, photos, alts)).await
    }

    /// Publishes a post with `n_images` small test photos; panics unless it is created (201). Returns the
    /// post JSON.
    pub async fn create_post(&self, token: &str, caption: &str, n_images: usize) -> Value {
        let photos = (0..n_images).map(|i| jpeg(i as u64, 120, 90)).collect();
        let res = self.publish_photos(token, caption, photos, &[]).await;
        let (status, body) = json_response(res).await;
        assert_eq!(status, StatusCode::CREATED, "publish {caption:?}: {body}");
        body
    }

    /// Makes `username` an operator (`role = 'admin'`) directly in this app's database, the way an
    /// operator would with the CLI; tokens already issued pick the role up on their next request.
    pub async fn make_admin(&self, username: &str) {
        use souk_store::{ConnectOptions, Db};
        let opts = ConnectOptions {
            max_connections: 1,
            pg_schema: self.schema.clone(),
            ..ConnectOptions::default()
        };
        let db = Db::connect(&self.config.database_url(), &opts)
            .await
            .unwrap();
        const SQL: &str = "UPDATE users SET role = 'admin' WHERE username_key = $1";
        let key = username.to_ascii_lowercase();
        let changed = match &db {
            Db::Sqlite { write, .. } => sqlx::query(SQL)
                .bind(&key)
                .execute(write)
                .await
                .map(|r| r.rows_affected()),
            Db::Postgres(pool) => sqlx::query(SQL)
                .bind(&key)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()),
        };
        db.close().await;
        assert_eq!(changed.unwrap(), 1, "no user {username}");
    }
}

/// Status and JSON body of a response (`Null` for an empty body); panics on a non-JSON body.
pub async fn json_response(res: Response) -> (StatusCode, Value) {
    let status = res.status();
    let text = res.text().await.unwrap();
    if text.is_empty() {
        return (status, Value::Null);
    }
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("not JSON ({e}), status {status}: {text}"));
    (status, body)
}

/// A JPEG photo for uploads: the demo tea still life drawn from `seed` at `width` × `height`.
pub fn jpeg(seed: u64, width: u32, height: u32) -> Vec<u8> {
    souk::demo_images::draw(seed, souk::demo_images::Motif::Tea, width, height)
}

/// The multipart form `POST /api/v1/posts` takes: `caption`, then `images` once per photo, then
/// `alt_text` once per alt (matched to photos in order).
pub fn post_form(caption: &str, photos: Vec<Vec<u8>>, alts: &[&str]) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new().text("caption", caption.to_owned());
    for (i, bytes) in photos.into_iter().enumerate() {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(format!("photo{i}.jpg"))
            .mime_str("image/jpeg")
            .unwrap();
        form = form.part("images", part);
    }
    for alt in alts {
        form = form.text("alt_text", (*alt).to_owned());
    }
    form
}
