//! The `souk` binary as operators use it: help and version, migrations, demo data, creating accounts,
//! configuration errors, and `serve` on an empty folder. Commands that touch a database run on SQLite
//! and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use souk_test_support::serde_json::{Value, json};
use souk_test_support::{Backend, backend_tests};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tempfile::TempDir;

fn pg_url() -> String {
    std::env::var("SOUK_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// The binary with a clean environment (nothing from the developer's shell leaks in) and JSON logs.
fn souk_in(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_souk"));
    cmd.current_dir(dir)
        .env_clear()
        .env("SOUK_LOG_FORMAT", "json")
        .env("SOUK_LOG_LEVEL", "warn");
    cmd
}

fn run(cmd: &mut Command, stdin: Option<&str>) -> Output {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(input.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A scratch deployment: a temporary folder plus, on PostgreSQL, a schema of its own that is dropped
/// afterwards.
struct Deployment {
    dir: TempDir,
    backend: Backend,
    schema: String,
}

impl Deployment {
    fn new(backend: Backend) -> Self {
        let schema: String = souk_service::random_token("")
            .bytes()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect();
        Self {
            dir: tempfile::tempdir().unwrap(),
            backend,
            schema: format!("cli_{schema}"),
        }
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `souk ARGS…` pointed at this deployment's database.
    fn souk(&self, args: &[&str]) -> Command {
        let mut cmd = souk_in(self.dir.path());
        match self.backend {
            Backend::Sqlite => {
                cmd.arg("--data-dir").arg(self.data_dir());
            }
            Backend::Postgres => {
                cmd.env("DATABASE_URL", pg_url())
                    .env("SOUK_DATABASE_SCHEMA", &self.schema);
            }
        }
        cmd.args(args);
        cmd
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        run(&mut self.souk(args), stdin)
    }

    async fn count_users(&self) -> i64 {
        use sqlx::Connection;
        match self.backend {
            Backend::Sqlite => {
                let url = format!(
                    "sqlite://{}?mode=ro",
                    self.data_dir().join("souk.db").display()
                );
                let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
                sqlx::query_scalar("SELECT COUNT(*) FROM users")
                    .fetch_one(&mut c)
                    .await
                    .unwrap()
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&pg_url()).await.unwrap();
                let sql = format!("SELECT COUNT(*) FROM {}.users", self.schema);
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_one(&mut c)
                    .await
                    .unwrap()
            }
        }
    }
}

impl Deployment {
    /// Runs one write statement against this deployment's database (to set up states the API never makes).
    async fn execute(&self, sql: &str) {
        use sqlx::{Connection, Executor};
        match self.backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", self.data_dir().join("souk.db").display());
                let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
                c.execute(sqlx::AssertSqlSafe(sql.to_owned()))
                    .await
                    .unwrap();
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&pg_url()).await.unwrap();
                let set = format!("SET search_path TO {}", self.schema);
                c.execute(sqlx::AssertSqlSafe(set)).await.unwrap();
                c.execute(sqlx::AssertSqlSafe(sql.to_owned()))
                    .await
                    .unwrap();
            }
        }
    }
}

impl Drop for Deployment {
    fn drop(&mut self) {
        if self.backend != Backend::Postgres {
            return;
        }
        let schema = self.schema.clone();
        // Its own thread and runtime, so this works from inside a test's runtime too.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                use sqlx::{Connection, Executor};
                if let Ok(mut c) = sqlx::PgConnection::connect(&pg_url()).await {
                    let sql = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
                    let _ = c.execute(sqlx::AssertSqlSafe(sql)).await;
                    let _ = c.close().await;
                }
            });
        })
        .join();
    }
}

/// A `souk serve` child process, stopped (SIGTERM, then SIGKILL) when dropped.
struct Server {
    child: Child,
    base: String,
    stderr: Option<JoinHandle<String>>,
}

impl Server {
    /// Starts `cmd` (already carrying `serve …`) and waits, bounded, for its "running at" line.
    fn start(mut cmd: Command) -> Server {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut stderr_pipe = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr_pipe.read_to_string(&mut s);
            s
        });
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Server {
            child,
            base: String::new(),
            stderr: Some(stderr),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.split("Souk is running at ").nth(1) {
                        server.base = rest.split_whitespace().next().unwrap().to_owned();
                        return server;
                    }
                }
                Err(e) => {
                    let (status, log) = server.stop();
                    panic!(
                        "server did not report its address ({e}); exit {status:?}; stderr:\n{log}"
                    );
                }
            }
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Asks the server to stop like an init system would (SIGTERM), waits a bounded time, and returns
    /// its exit status and everything it logged.
    fn stop(&mut self) -> (Option<ExitStatus>, String) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut status = None;
        while Instant::now() < deadline {
            if let Some(s) = self.child.try_wait().unwrap() {
                status = Some(s);
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if status.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let log = self
            .stderr
            .take()
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default();
        (status, log)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.stderr.is_some() {
            let _ = self.stop();
        }
    }
}

/// `(created, existing)` from `souk demo`'s summary line.
fn demo_counts(stdout: &str) -> (u64, u64) {
    let number_before = |marker: &str| -> u64 {
        let line = stdout
            .lines()
            .find(|l| l.contains(marker))
            .unwrap_or_else(|| panic!("{marker:?} in {stdout}"));
        let head = &line[..line.find(marker).unwrap()];
        head.split(|c: char| !c.is_ascii_digit())
            .rfind(|s| !s.is_empty())
            .unwrap()
            .parse()
            .unwrap()
    };
    (
        number_before(" accounts created"),
        number_before(" already there"),
    )
}

#[test]
fn version_and_help() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(souk_in(dir.path()).arg("--version"), None);
    assert!(out.status.success());
    let version = text(&out.stdout);
    assert!(version.contains(env!("CARGO_PKG_VERSION")), "{version}");
    assert!(version.starts_with("souk"), "{version}");

    let out = run(souk_in(dir.path()).arg("--help"), None);
    assert!(out.status.success());
    let help = text(&out.stdout);
    for command in ["serve", "migrate", "demo", "user"] {
        assert!(
            help.lines().any(|l| l.trim_start().starts_with(command)),
            "--help lists {command}:\n{help}"
        );
    }
    let out = run(souk_in(dir.path()).args(["user", "create", "--help"]), None);
    assert!(out.status.success());
    let help = text(&out.stdout);
    assert!(
        help.contains("--password-stdin") && help.contains("--admin"),
        "{help}"
    );

    // Usage errors exit with 2 and explain themselves on stderr.
    for args in [
        &[][..],
        &["frobnicate"][..],
        &["user", "create", "x", "--email", "x@example.com"][..],
    ] {
        let out = run(souk_in(dir.path()).args(args), None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            text(&out.stderr).to_lowercase().contains("usage"),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    assert!(
        !dir.path().join("souk-data").exists(),
        "nothing is created for help or usage errors"
    );
}

/// A configuration mistake: description, environment, `souk.toml` contents, the key the error must name.
type ConfigCase = (
    &'static str,
    Vec<(&'static str, &'static str)>,
    Option<&'static str>,
    &'static str,
);

#[test]
fn configuration_errors_name_the_key() {
    let cases: Vec<ConfigCase> = vec![
        (
            "bad listen address",
            vec![("SOUK_LISTEN", "notanaddress")],
            None,
            "listen",
        ),
        (
            "bad database scheme",
            vec![("DATABASE_URL", "mysql://db/souk")],
            None,
            "database_url",
        ),
        (
            "bad rate",
            vec![("SOUK_RATE_LIMITS__LOGIN_PER_IP", "lots")],
            None,
            "login_per_ip",
        ),
        (
            "bad number in file",
            vec![],
            Some("max_body_bytes = \"x\"\n"),
            "max_body_bytes",
        ),
        (
            "negative discover weight",
            vec![("SOUK_DISCOVER__LIKE", "-1")],
            None,
            "discover.like",
        ),
        (
            "zero age offset in file",
            vec![],
            Some("[discover]\nage_offset_hours = 0\n"),
            "discover.age_offset_hours",
        ),
        (
            "unknown key in file",
            vec![],
            Some("colour = \"red\"\n"),
            "colour",
        ),
        (
            "unknown nested key",
            vec![],
            Some("[rate_limits]\nlogin_per_planet = \"1/min\"\n"),
            "login_per_planet",
        ),
        (
            "too small body limit",
            vec![],
            Some("max_body_bytes = 10\n"),
            "max_body_bytes",
        ),
        (
            "bad schema name",
            vec![("SOUK_DATABASE_SCHEMA", "Robert'); DROP")],
            None,
            "database_schema",
        ),
    ];
    for (case, env, file, key) in cases {
        let dir = tempfile::tempdir().unwrap();
        if let Some(contents) = file {
            std::fs::write(dir.path().join("souk.toml"), contents).unwrap();
        }
        let mut cmd = souk_in(dir.path());
        cmd.arg("migrate");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = run(&mut cmd, None);
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "{case}: should fail");
        assert_ne!(out.status.code(), Some(0), "{case}");
        assert!(
            stderr.contains(key),
            "{case}: stderr names {key}:\n{stderr}"
        );
        assert!(
            !dir.path().join("souk-data").exists(),
            "{case}: nothing created on a config error"
        );
    }
    // An explicit config file that does not exist is an error, not silently ignored.
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        souk_in(dir.path()).args(["--config", "missing.toml", "migrate"]),
        None,
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("missing.toml"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn configuration_layers_override_in_order() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("souk.toml"), "data_dir = \"from-file\"\n").unwrap();
    let migrate = |envs: &[(&str, &str)], flags: &[&str]| {
        let mut cmd = souk_in(dir.path());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        cmd.args(flags).arg("migrate");
        let out = run(&mut cmd, None);
        assert!(out.status.success(), "{}", text(&out.stderr));
    };
    migrate(&[], &[]);
    assert!(
        dir.path().join("from-file/souk.db").exists(),
        "souk.toml beats the default"
    );
    migrate(&[("SOUK_DATA_DIR", "from-env")], &[]);
    assert!(
        dir.path().join("from-env/souk.db").exists(),
        "environment beats souk.toml"
    );
    migrate(
        &[("SOUK_DATA_DIR", "from-env")],
        &["--data-dir", "from-flag"],
    );
    assert!(
        dir.path().join("from-flag/souk.db").exists(),
        "flags beat the environment"
    );
    migrate(&[("DATABASE_URL", "sqlite://custom/place.db")], &[]);
    assert!(
        dir.path().join("custom/place.db").exists(),
        "DATABASE_URL picks the file"
    );
    assert!(
        !dir.path().join("souk-data").exists(),
        "the default folder was never used"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_on_an_empty_folder() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = souk_in(dir.path());
    cmd.env("SOUK_LOG_LEVEL", "info")
        .args(["serve", "--listen", "127.0.0.1:0"]);
    let mut server = Server::start(cmd);
    assert!(
        server.base.starts_with("http://127.0.0.1:"),
        "{}",
        server.base
    );
    assert!(
        dir.path().join("souk-data/souk.db").is_file(),
        "database file created"
    );
    assert!(
        dir.path().join("souk-data/media").is_dir(),
        "media folder created"
    );

    let client = souk_test_support::reqwest::Client::new();
    let res = client.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let res = client.get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["database"], "sqlite");
    let res = client.get(server.url("/")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);

    // SIGTERM drains and exits cleanly; logs are JSON lines as configured.
    let (status, log) = server.stop();
    assert!(
        status.is_some_and(|s| s.success()),
        "clean exit on SIGTERM: {status:?}\n{log}"
    );
    let lines: Vec<Value> = log
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            souk_test_support::serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))
        })
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["message"] == "Souk is listening" && l["database"] == "sqlite"),
        "{log}"
    );
}

backend_tests! {
    async fn migrate_twice_is_harmless(backend) {
        let d = Deployment::new(backend);
        for round in 1..=2 {
            let out = d.run(&["migrate"], None);
            assert!(out.status.success(), "round {round}: {}", text(&out.stderr));
            let stdout = text(&out.stdout);
            let engine = match backend {
                Backend::Sqlite => "sqlite",
                Backend::Postgres => "postgres",
            };
            assert!(stdout.contains("up to date") && stdout.contains(engine), "round {round}: {stdout}");
        }
        if backend == Backend::Sqlite {
            assert!(d.data_dir().join("souk.db").is_file());
        }
        assert_eq!(d.count_users().await, 0);
    }

    async fn demo_twice_creates_nothing_new(backend) {
        let d = Deployment::new(backend);
        let first = d.run(&["demo"], None);
        assert!(first.status.success(), "{}", text(&first.stderr));
        let (created, existing) = demo_counts(&text(&first.stdout));
        assert!(created > 0, "{}", text(&first.stdout));
        assert_eq!(existing, 0);
        assert!(text(&first.stdout).contains("/login"), "tells how to log in");
        let after_first = d.count_users().await;
        assert_eq!(u64::try_from(after_first).unwrap(), created);

        let second = d.run(&["demo"], None);
        assert!(second.status.success(), "{}", text(&second.stderr));
        let stdout = text(&second.stdout);
        assert_eq!(demo_counts(&stdout), (0, created), "{stdout}");
        if stdout.contains("posts added") {
            assert!(stdout.contains(" 0 posts added"), "no duplicate posts: {stdout}");
        }
        assert_eq!(d.count_users().await, after_first, "account count unchanged");
    }

    async fn user_create_makes_operators(backend) {
        let d = Deployment::new(backend);
        let password = "operator passphrase";
        let out = d.run(
            &["user", "create", "admin_op", "--email", "op@example.com", "--admin", "--password-stdin"],
            Some(&format!("{password}\n")),
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(stdout.contains("@admin_op") && stdout.contains("op@example.com"), "{stdout}");
        assert!(!stdout.contains(password) && !text(&out.stderr).contains(password), "password never printed");

        // Refusals exit with 2 and name the code.
        let refusals: [(&[&str], &str, &str); 6] = [
            (&["user", "create", "ADMIN_OP", "--email", "other@example.com", "--password-stdin"], "long enough pass\n", "username_taken"),
            (&["user", "create", "someone", "--email", "OP@example.com", "--password-stdin"], "long enough pass\n", "email_taken"),
            (&["user", "create", "shorty", "--email", "s@example.com", "--password-stdin"], "short\n", "password_too_short"),
            (&["user", "create", "nopass", "--email", "n@example.com", "--password-stdin"], "", "password_required"),
            (&["user", "create", "bad.name", "--email", "b@example.com", "--password-stdin"], "long enough pass\n", "username_invalid_chars"),
            (&["user", "create", "admin", "--email", "a@example.com", "--password-stdin"], "long enough pass\n", "username_reserved"),
        ];
        for (args, stdin, code) in refusals {
            let out = d.run(args, Some(stdin));
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{code}: {stderr}");
            assert!(stderr.contains(code), "{code}: {stderr}");
        }
        // A password line ending in CRLF works, and the kind flag is honoured.
        let out = d.run(
            &["user", "create", "shop_owner", "--email", "shop@example.com", "--kind", "business", "--password-stdin"],
            Some("windows line end\r\n"),
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(d.count_users().await, 2, "refused commands created nothing");

        // Over HTTP the operator is an admin and the password is exactly the line read.
        let mut cmd = d.souk(&["serve", "--listen", "127.0.0.1:0"]);
        cmd.env("SOUK_LOG_LEVEL", "warn");
        let server = Server::start(cmd);
        let client = souk_test_support::reqwest::Client::new();
        let login = |login: &'static str, password: &'static str| {
            client
                .post(server.url("/api/v1/sessions"))
                .json(&json!({"login": login, "password": password}))
                .send()
        };
        let res = login("admin_op", "operator passphrase").await.unwrap();
        assert_eq!(res.status().as_u16(), 201);
        let session: Value = res.json().await.unwrap();
        let me: Value = client
            .get(server.url("/api/v1/me"))
            .bearer_auth(session["token"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["role"], "admin");
        assert_eq!(me["email"], "op@example.com");
        let res = login("shop_owner", "windows line end").await.unwrap();
        assert_eq!(res.status().as_u16(), 201);
        let res = client.get(server.url("/api/v1/users/shop_owner")).send().await.unwrap();
        let profile: Value = res.json().await.unwrap();
        assert_eq!(profile["kind"], "business");
    }

    async fn ledger_check_exits_1_when_the_books_do_not_balance(backend) {
        let d = Deployment::new(backend);
        let out = d.run(&["ledger", "check"], None);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(stdout.contains("0 transactions") && stdout.contains("OK"), "{stdout}");

        // A transaction whose debits are not matched by credits, written behind the service's back.
        d.execute("INSERT INTO ledger_transactions (kind, memo, created_at) VALUES ('payment', 'broken', 0)").await;
        d.execute("INSERT INTO ledger_entries (transaction_id, account, currency, debit_minor, credit_minor) \
            VALUES ((SELECT MAX(id) FROM ledger_transactions), 'shopper_payments', 'USD', 1250, 0)").await;
        let out = d.run(&["ledger", "check"], None);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(stdout.contains("UNBALANCED") && stdout.contains("12.50") && stdout.contains("FAILED"), "{stdout}");
    }

    async fn shop_create_and_catalog_import_and_export_from_a_shell(backend) {
        let d = Deployment::new(backend);
        let out = d.run(&["user", "create", "kettle", "--email", "k@example.com", "--kind", "business", "--password-stdin"],
            Some("kettle passphrase\n"));
        assert!(out.status.success(), "{}", text(&out.stderr));
        let out = d.run(&["shop", "create", "kettle", "--name", "Kettle & Loom", "--owner", "kettle", "--currency", "USD"], None);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains("/s/kettle"), "{}", text(&out.stdout));
        // Refusals exit 2 with the code.
        let out = d.run(&["shop", "create", "kettle", "--name", "Again", "--owner", "kettle", "--currency", "USD"], None);
        assert_eq!(out.status.code(), Some(2));
        let out = d.run(&["shop", "create", "ghost", "--name", "Ghost", "--owner", "nobody", "--currency", "USD"], None);
        assert_eq!(out.status.code(), Some(2));

        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds");
        let feed = fixtures.join("google_merchant.tsv");
        let report = d.dir.path().join("report.json");
        let out = d.run(&["catalog", "import", "--shop", "kettle", "--file", feed.to_str().unwrap(),
            "--format", "google", "--report", report.to_str().unwrap()], None);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let summary = text(&out.stdout);
        assert_eq!(summary.trim().lines().last().unwrap(), "imported=7 updated=0 rejected=4", "{summary}");
        let report: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
        assert_eq!(report["rejected"], 4);
        assert!(report["problems"].as_array().unwrap().iter().any(|p| p["code"] == "price_missing_currency" && p["line"] == 9));
        let out = d.run(&["catalog", "import", "--shop", "kettle", "--file", feed.to_str().unwrap()], None);
        assert_eq!(text(&out.stdout).trim().lines().last().unwrap(), "imported=0 updated=0 rejected=4");

        // A file that cannot be read at all: non-zero exit, nothing imported.
        let empty = d.dir.path().join("empty.csv");
        std::fs::write(&empty, "").unwrap();
        let out = d.run(&["catalog", "import", "--shop", "kettle", "--file", empty.to_str().unwrap()], None);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains("empty_file"), "{}", text(&out.stderr));

        let out_file = d.dir.path().join("meta.csv");
        let out = d.run(&["catalog", "export", "--shop", "kettle", "--platform", "meta", "--out", out_file.to_str().unwrap()], None);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let csv = std::fs::read_to_string(&out_file).unwrap();
        assert!(csv.starts_with("id,") && csv.contains("TEE-BLU-M") && csv.contains("out of stock"), "{csv}");
        let out = d.run(&["catalog", "export", "--shop", "kettle", "--platform", "tiktok", "--format", "xml"], None);
        assert_eq!(out.status.code(), Some(2));
    }
}
