//! Background jobs and the event outbox on both engines: a job runs once, failures retry with growing
//! delays and end `failed` with their error, keys dedupe, two workers never run one job twice, a job whose
//! worker died runs again once its lease expires, the serve-style worker wakes on enqueue and stops
//! cleanly; events published in a rolled-back transaction never appear and each subscriber's cursor moves
//! on its own. Jobs are run through a second `App` on the test's database, whose worker is switched off in
//! the served app so it cannot take the test's jobs.

use souk::app::App;
use souk_domain::Timestamp;
use souk_service::jobs::{EnqueueOptions, JobHandler, Jobs};
use souk_service::{ServiceError, ServiceResult};
use souk_test_support::futures_util::future::BoxFuture;
use souk_test_support::reqwest::StatusCode;
use souk_test_support::serde_json::{Value, json};
use souk_test_support::{Backend, TestApp, backend_tests};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A served app without an in-process worker, and a second handle on its database to run jobs with.
async fn start(backend: Backend) -> (TestApp, App) {
    let app = TestApp::builder(backend)
        .config(|c| c.jobs.concurrency = 0)
        .start()
        .await;
    let direct = App::open(app.config.clone(), false).await.unwrap();
    (app, direct)
}

/// Counts runs per payload `n`, optionally failing every run or sleeping a little first.
struct Counter {
    kind: &'static str,
    runs: Arc<Mutex<HashMap<i64, u32>>>,
    fail: bool,
    pause_ms: u64,
}

impl Counter {
    fn new(kind: &'static str) -> (Arc<Self>, Arc<Mutex<HashMap<i64, u32>>>) {
        let runs = Arc::new(Mutex::new(HashMap::new()));
        let c = Arc::new(Self {
            kind,
            runs: runs.clone(),
            fail: false,
            pause_ms: 0,
        });
        (c, runs)
    }
}

impl JobHandler for Counter {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn run<'a>(&'a self, payload: &'a Value) -> BoxFuture<'a, ServiceResult<()>> {
        Box::pin(async move {
            if self.pause_ms > 0 {
                tokio::time::sleep(Duration::from_millis(self.pause_ms)).await;
            }
            let n = payload["n"].as_i64().unwrap_or(-1);
            *self.runs.lock().unwrap().entry(n).or_default() += 1;
            if self.fail {
                return Err(ServiceError::Internal(format!("upstream said no to {n}")));
            }
            Ok(())
        })
    }
}

async fn job(app: &App, id: i64) -> souk_store::jobs::JobRecord {
    let mut h = app.db.read().await.unwrap();
    souk_store::jobs::get(h.conn(), id).await.unwrap().unwrap()
}

/// Polls until `n` events are there: on PostgreSQL an event is readable only once every older transaction
/// on the server has finished, and other tests share the server.
async fn poll_n(
    events: &souk_service::events::Events,
    subscriber: &str,
    n: usize,
) -> Vec<souk_service::events::Event> {
    let started = std::time::Instant::now();
    loop {
        let got = events.poll(subscriber, 100).await.unwrap();
        if got.len() >= n || started.elapsed() > Duration::from_secs(20) {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn runs(map: &Arc<Mutex<HashMap<i64, u32>>>, n: i64) -> u32 {
    map.lock().unwrap().get(&n).copied().unwrap_or(0)
}

backend_tests! {
    async fn a_job_runs_once(backend) {
        let (_app, d) = start(backend).await;
        let jobs = &d.services.jobs;
        let (handler, counts) = Counter::new("test.count");
        jobs.register(handler);
        let id = jobs.enqueue("test.count", None, &json!({"n": 1}), 0).await.unwrap().unwrap();
        assert_eq!(job(&d, id).await.status, "queued");
        assert_eq!(jobs.run_due(10).await.unwrap(), 1);
        assert_eq!(jobs.run_due(10).await.unwrap(), 0, "nothing left");
        assert_eq!(runs(&counts, 1), 1);
        let j = job(&d, id).await;
        assert_eq!((j.status.as_str(), j.attempts, j.last_error.as_str()), ("done", 1, ""));
        assert!(j.locked_until.is_none());

        // A delayed job waits for its time.
        let later = jobs.enqueue("test.count", None, &json!({"n": 2}), 60).await.unwrap().unwrap();
        assert_eq!(jobs.run_due(10).await.unwrap(), 0);
        assert_eq!(jobs.run_due_at(Timestamp::now().plus_seconds(61), 10).await.unwrap(), 1);
        assert_eq!((job(&d, later).await.status.as_str(), runs(&counts, 2)), ("done", 1));
    }

    async fn failures_retry_with_backoff_then_fail(backend) {
        let (_app, d) = start(backend).await;
        let jobs = &d.services.jobs;
        let runs_map = Arc::new(Mutex::new(HashMap::new()));
        jobs.register(Arc::new(Counter { kind: "test.flaky", runs: runs_map.clone(), fail: true, pause_ms: 0 }));
        let t0 = Timestamp::now();
        let id = jobs
            .enqueue_with(&EnqueueOptions { kind: "test.flaky", key: None, payload: &json!({"n": 7}), run_at: t0, max_attempts: 3 })
            .await.unwrap().unwrap();
        let base = jobs.config().backoff_base_secs;

        assert_eq!(jobs.run_due_at(t0, 10).await.unwrap(), 1);
        let j = job(&d, id).await;
        assert_eq!((j.status.as_str(), j.attempts), ("queued", 1));
        assert!(j.last_error.contains("upstream said no to 7"), "{}", j.last_error);
        let first_delay = j.run_at.as_micros() - t0.as_micros();
        assert!(first_delay >= base * 1_000_000 && first_delay < (base + 5) * 1_000_000, "{first_delay}");
        assert_eq!(jobs.run_due_at(t0, 10).await.unwrap(), 0, "not due before its backoff");

        let t1 = j.run_at;
        assert_eq!(jobs.run_due_at(t1, 10).await.unwrap(), 1);
        let j = job(&d, id).await;
        assert_eq!((j.status.as_str(), j.attempts), ("queued", 2));
        let second_delay = j.run_at.as_micros() - t1.as_micros();
        assert!(second_delay >= 2 * base * 1_000_000 && second_delay < (2 * base + 5) * 1_000_000, "doubles: {second_delay}");

        assert_eq!(jobs.run_due_at(j.run_at, 10).await.unwrap(), 1);
        let j = job(&d, id).await;
        assert_eq!((j.status.as_str(), j.attempts), ("failed", 3), "gives up after max_attempts");
        assert!(j.last_error.contains("upstream said no"), "{}", j.last_error);
        assert_eq!(jobs.run_due_at(t0.plus_seconds(86_400 * 30), 10).await.unwrap(), 0, "a failed job stays failed");
        assert_eq!(runs(&runs_map, 7), 3);
    }

    async fn unknown_kinds_fail_with_a_clear_error(backend) {
        let (_app, d) = start(backend).await;
        let jobs = &d.services.jobs;
        let id = jobs.enqueue("test.nobody_handles_this", None, &json!({}), 0).await.unwrap().unwrap();
        assert_eq!(jobs.run_due(10).await.unwrap(), 1);
        let j = job(&d, id).await;
        assert_eq!(j.status, "failed");
        assert!(j.last_error.contains("no handler") && j.last_error.contains("test.nobody_handles_this"), "{}", j.last_error);
    }

    async fn keys_dedupe_while_queued_or_running(backend) {
        let (_app, d) = start(backend).await;
        let jobs = &d.services.jobs;
        let (handler, counts) = Counter::new("test.dedupe");
        jobs.register(handler);
        let first = jobs.enqueue("test.dedupe", Some("source-9"), &json!({"n": 9}), 0).await.unwrap();
        assert!(first.is_some());
        assert_eq!(jobs.enqueue("test.dedupe", Some("source-9"), &json!({"n": 9}), 0).await.unwrap(), None);
        // Another kind with the same key, and no key at all, are separate jobs.
        assert!(jobs.enqueue("test.other", Some("source-9"), &json!({}), 3600).await.unwrap().is_some());
        assert!(jobs.enqueue("test.dedupe", None, &json!({"n": 10}), 3600).await.unwrap().is_some());

        // Enqueued inside a transaction that rolls back: no job.
        {
            let mut tx = d.db.begin().await.unwrap();
            let id = souk_service::jobs::enqueue_in(tx.conn(), "test.dedupe", Some("rolled-back"), &json!({}), Timestamp::now())
                .await.unwrap();
            assert!(id.is_some());
        }
        let mut tx = d.db.begin().await.unwrap();
        assert!(souk_store::jobs::enqueue(tx.conn(), "test.dedupe", Some("rolled-back"), "{}", Timestamp::now()).await.unwrap().is_some(),
            "the rolled-back job left no trace");
        tx.commit().await.unwrap();

        assert_eq!(jobs.run_due(10).await.unwrap(), 2);
        assert_eq!(runs(&counts, 9), 1, "deduplicated jobs ran once");
        // Once done, the same key can be queued again.
        assert!(jobs.enqueue("test.dedupe", Some("source-9"), &json!({"n": 9}), 0).await.unwrap().is_some());
        assert_eq!(jobs.run_due(10).await.unwrap(), 1);
        assert_eq!(runs(&counts, 9), 2);
    }

    async fn two_workers_never_run_one_job_twice(backend) {
        let (app, d) = start(backend).await;
        let other = App::open(app.config.clone(), false).await.unwrap();
        let runs_map = Arc::new(Mutex::new(HashMap::new()));
        for a in [&d, &other] {
            a.services.jobs.register(Arc::new(Counter { kind: "test.race", runs: runs_map.clone(), fail: false, pause_ms: 5 }));
        }
        const N: i64 = 40;
        for n in 0..N {
            d.services.jobs.enqueue("test.race", None, &json!({"n": n}), 0).await.unwrap();
        }
        let mut workers = Vec::new();
        for jobs in [&d.services.jobs, &d.services.jobs, &other.services.jobs, &other.services.jobs] {
            let jobs: Jobs = jobs.clone();
            workers.push(tokio::spawn(async move {
                let mut ran = 0;
                loop {
                    let n = jobs.run_due(3).await.unwrap();
                    if n == 0 { break ran; }
                    ran += n;
                }
            }));
        }
        let mut total = 0;
        for w in workers {
            total += w.await.unwrap();
        }
        assert_eq!(total, N as usize, "every job claimed exactly once");
        let map = runs_map.lock().unwrap().clone();
        assert_eq!(map.len(), N as usize);
        assert!(map.values().all(|&c| c == 1), "a job ran twice: {map:?}");
        let (_, list) = (0, souk_store::jobs::list(d.db.read().await.unwrap().conn(), Some("done"), 100).await.unwrap());
        assert_eq!(list.len(), N as usize);
    }

    async fn an_expired_lease_runs_the_job_again(backend) {
        let (_app, d) = start(backend).await;
        let jobs = &d.services.jobs;
        let (handler, counts) = Counter::new("test.stuck");
        jobs.register(handler);
        let id = jobs.enqueue("test.stuck", None, &json!({"n": 3}), 0).await.unwrap().unwrap();
        // A worker claims it and dies without recording anything.
        let now = Timestamp::now();
        let lease = jobs.config().lease_secs;
        let mut tx = d.db.begin().await.unwrap();
        let claimed = souk_store::jobs::claim(tx.conn(), now, now.plus_seconds(lease), "dead-worker", 10).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(job(&d, id).await.status, "running");

        assert_eq!(jobs.run_due_at(now.plus_seconds(lease - 1), 10).await.unwrap(), 0, "leased to the other worker");
        assert_eq!(jobs.run_due_at(now.plus_seconds(lease + 1), 10).await.unwrap(), 1, "lease expired: taken over");
        let j = job(&d, id).await;
        assert_eq!((j.status.as_str(), j.attempts), ("done", 2));
        assert_eq!(runs(&counts, 3), 1);
        // The dead worker waking up cannot overwrite the newer attempt.
        let mut tx = d.db.begin().await.unwrap();
        assert!(!souk_store::jobs::fail(tx.conn(), id, "dead-worker", "late", Timestamp::now()).await.unwrap());
        tx.commit().await.unwrap();
        assert_eq!(job(&d, id).await.status, "done");

        // A job whose last allowed attempt's worker died is failed, not run a further time.
        let id = jobs
            .enqueue_with(&EnqueueOptions { kind: "test.stuck", key: None, payload: &json!({"n": 4}), run_at: now, max_attempts: 1 })
            .await.unwrap().unwrap();
        let mut tx = d.db.begin().await.unwrap();
        souk_store::jobs::claim(tx.conn(), now, now.plus_seconds(lease), "dead-worker", 10).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(jobs.run_due_at(now.plus_seconds(lease + 1), 10).await.unwrap(), 1);
        let j = job(&d, id).await;
        assert_eq!(j.status, "failed");
        assert!(j.last_error.contains("gave up"), "{}", j.last_error);
        assert_eq!(runs(&counts, 4), 0);
    }

    async fn the_worker_wakes_on_enqueue_and_stops_cleanly(backend) {
        let (_app, d) = start(backend).await;
        let jobs = souk_service::jobs::Jobs::new(d.db.clone(), souk_service::jobs::JobsConfig {
            poll_ms: 60_000,
            concurrency: 2,
            ..Default::default()
        });
        let (handler, counts) = Counter::new("test.wake");
        jobs.register(handler);
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let worker = tokio::spawn({
            let jobs = jobs.clone();
            async move { jobs.work(stopped, Duration::from_secs(5)).await }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        jobs.enqueue("test.wake", None, &json!({"n": 1}), 0).await.unwrap();
        // The poll interval is a minute, so only the wake-up can have started it this soon.
        let started = std::time::Instant::now();
        while runs(&counts, 1) == 0 && started.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(runs(&counts, 1), 1);
        stop.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(10), worker).await.expect("worker stops").unwrap();
    }

    async fn a_worker_only_process_runs_jobs_until_stopped(backend) {
        // `souk worker`: the same app without HTTP.
        let (app, d) = start(backend).await;
        let id = d.services.jobs.enqueue("test.worker_unknown", None, &json!({}), 0).await.unwrap().unwrap();
        let mut config = app.config.clone();
        config.jobs.concurrency = 1;
        config.jobs.poll_ms = 50;
        let worker_app = App::open(config, false).await.unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let worker = tokio::spawn(worker_app.work(async move {
            let _ = stopped.await;
        }));
        let started = std::time::Instant::now();
        while job(&d, id).await.status != "failed" && started.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(job(&d, id).await.status, "failed", "the worker ran it (and found no handler)");
        stop.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(10), worker).await.expect("worker stops").unwrap().unwrap();
        // Outcomes are counted for /metrics.
        let text = app.get("/metrics").await.text().await.unwrap();
        assert!(text.contains("souk_jobs_failed_total"), "{text}");
    }

    async fn outbox_events_follow_their_transaction_and_cursors(backend) {
        let (_app, d) = start(backend).await;
        let events = &d.services.events;
        {
            let mut tx = d.db.begin().await.unwrap();
            souk_service::events::publish(tx.conn(), "order.paid", &json!({"order_id": 1})).await.unwrap();
            // Dropped without commit: rolled back.
        }
        assert!(events.poll("mailer", 10).await.unwrap().is_empty(), "a rolled-back event is never seen");

        let mut tx = d.db.begin().await.unwrap();
        for n in 2..5 {
            souk_service::events::publish(tx.conn(), "order.paid", &json!({"order_id": n})).await.unwrap();
        }
        tx.commit().await.unwrap();
        let got = poll_n(events, "mailer", 3).await;
        let ids: Vec<i64> = got.iter().map(|e| e.payload["order_id"].as_i64().unwrap()).collect();
        assert_eq!(ids, vec![2, 3, 4]);
        assert_eq!(got[0].kind, "order.paid");
        assert_eq!(events.poll("mailer", 10).await.unwrap().len(), 3, "unacknowledged events come again");
        assert_eq!(events.poll("mailer", 2).await.unwrap().len(), 2, "max is honoured");

        events.ack("mailer", got[1].id).await.unwrap();
        let rest = events.poll("mailer", 10).await.unwrap();
        assert_eq!(rest.iter().map(|e| e.id).collect::<Vec<_>>(), vec![got[2].id]);
        assert_eq!(events.cursor("mailer").await.unwrap(), got[1].id);
        // Acknowledging an older event does not move the cursor back.
        events.ack("mailer", got[0].id).await.unwrap();
        assert_eq!(events.cursor("mailer").await.unwrap(), got[1].id);
        // Another subscriber has its own cursor.
        assert_eq!(poll_n(events, "webhooks", 3).await.len(), 3);
        assert!(matches!(events.ack("mailer", 999_999).await, Err(ServiceError::NotFound)));

        let id = events.publish("shop.updated", &json!({"shop_id": 5})).await.unwrap();
        let rest = poll_n(events, "mailer", 2).await;
        assert_eq!(rest.last().map(|e| e.id), Some(id));
        events.ack("mailer", id).await.unwrap();
        assert!(events.poll("mailer", 10).await.unwrap().is_empty());
    }

    async fn admin_jobs_page_lists_filters_and_retries(backend) {
        let (app, d) = start(backend).await;
        let jobs = &d.services.jobs;
        let ok = jobs.enqueue("test.page_ok", None, &json!({}), 0).await.unwrap().unwrap();
        let bad = jobs.enqueue("test.page_missing", None, &json!({}), 0).await.unwrap().unwrap();
        let (handler, _) = Counter::new("test.page_ok");
        jobs.register(handler);
        assert_eq!(jobs.run_due(10).await.unwrap(), 2);

        let member = app.user("member").await;
        let (s, _) = app.get_json("/api/v1/admin/jobs", Some(&member.token)).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "operators only");
        let page = app.client.get(app.url("/admin/jobs")).bearer_auth(&member.token).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::NOT_FOUND);

        let admin = app.user("ops").await;
        app.make_admin("ops").await;
        let (s, list) = app.get_json("/api/v1/admin/jobs", Some(&admin.token)).await;
        assert_eq!(s, StatusCode::OK, "{list}");
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 2, "{list}");
        let (s, failed) = app.get_json("/api/v1/admin/jobs?status=failed", Some(&admin.token)).await;
        assert_eq!(s, StatusCode::OK);
        let failed = failed["items"].as_array().unwrap();
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0]["id"], bad);
        assert_eq!(failed[0]["kind"], "test.page_missing");
        assert!(failed[0]["last_error"].as_str().unwrap().contains("no handler"));
        assert_eq!(failed[0]["attempts"], 1);
        let (s, e) = app.get_json("/api/v1/admin/jobs?status=bogus", Some(&admin.token)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");

        // The page, through a browser session with CSRF.
        let browser = crate::support::Browser::new(&app);
        browser.log_in(&admin.username, &admin.password).await;
        let (s, html) = browser.page("/admin/jobs?status=failed").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("test.page_missing") && !html.contains("test.page_ok"), "filtered: {html}");
        assert!(html.contains(&format!("/admin/jobs/{bad}/retry")), "retry button: {html}");
        let res = browser.submit(&format!("/admin/jobs/{ok}/retry"), &[]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(res.headers()["location"].to_str().unwrap().contains("error=job_not_failed"), "only failed jobs are retried");
        assert_eq!(job(&d, ok).await.status, "done");
        // Without the CSRF token the retry is refused.
        let res = browser.post_form(&format!("/admin/jobs/{bad}/retry"), &[]).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert_eq!(job(&d, bad).await.status, "failed");
        let res = browser.submit(&format!("/admin/jobs/{bad}/retry"), &[]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let j = job(&d, bad).await;
        assert_eq!((j.status.as_str(), j.attempts), ("queued", 0), "queued again with fresh attempts");
        // Unfiltered, both are listed.
        let (s, html) = browser.page("/admin/jobs").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("test.page_ok") && html.contains("test.page_missing"));
        assert!(!html.contains("jobs.admin."), "every string translated: {html}");
        // Each language has its own strings.
        for (lang, title) in [("ko", "백그라운드 작업"), ("zh-CN", "后台任务"), ("zh-TW", "背景工作"), ("en", "Background jobs")] {
            let res = browser.client.get(browser.url("/admin/jobs")).header("accept-language", lang).send().await.unwrap();
            let html = res.text().await.unwrap();
            assert!(html.contains(title) && !html.contains("jobs.admin."), "{lang}: {html}");
        }
    }
}
