//! Background jobs: a table-backed queue in the application database (design.md §7), the handler registry,
//! and the worker that runs due jobs with a lease, retries failures with exponential backoff and gives up
//! after `max_attempts`.
//!
//! Delivery is at least once. A job can run more than once: its worker may die after the work but before
//! recording success (the lease then runs out and another worker takes it), or a handler may fail half-way
//! and be retried. Handlers must therefore be idempotent — see [`JobHandler`].

use crate::{ServiceError, ServiceResult, Viewer};
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use serde_json::Value;
use souk_domain::{Role, Timestamp};
use souk_store::jobs::{ClaimedJob, JobRecord, NewJob};
use souk_store::{Conn, Db, StoreError};
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;

pub use souk_store::jobs::DEFAULT_MAX_ATTEMPTS;

/// Runs one kind of job.
///
/// # Contract
/// - **Idempotent**: running the same payload twice must leave the same result as running it once. Jobs are
///   delivered at least once (a worker can die after doing the work but before recording it, and failures
///   are retried), so check whether the work is already done, upsert instead of insert, and key external
///   side effects (a webhook delivery, an e-mail) so a repeat is recognised.
/// - **Retry by returning `Err`**: the job runs again after an exponential backoff until it has used its
///   `max_attempts`, then stays `failed` with the error text for an operator. Return `Ok` for outcomes that a
///   retry cannot change (e.g. the record the job was about no longer exists).
/// - **No secrets in errors**: the error text is stored and shown on the admin page.
/// - A handler that runs long keeps its lease: the worker renews it while the future is pending. A panic
///   counts as a failed attempt.
pub trait JobHandler: Send + Sync + 'static {
    /// The job kind this handler runs, e.g. `"catalog.fetch_source"`.
    fn kind(&self) -> &'static str;
    fn run<'a>(&'a self, payload: &'a Value) -> BoxFuture<'a, ServiceResult<()>>;
}

/// Settings of the job worker (`[jobs]` in the configuration).
#[derive(Debug, Clone)]
pub struct JobsConfig {
    /// How often an idle worker looks for due jobs; an in-process enqueue wakes it at once.
    pub poll_ms: u64,
    /// Jobs one process runs at the same time. 0 turns the in-process worker off (for a node that only
    /// serves HTTP).
    pub concurrency: usize,
    /// How long a claimed job is reserved for its worker before another may take it over. The worker renews
    /// the lease while the handler runs, so this only bounds how long a dead worker's job waits.
    pub lease_secs: i64,
    /// First retry delay; each further attempt doubles it, up to `backoff_max_secs`.
    pub backoff_base_secs: i64,
    pub backoff_max_secs: i64,
    /// Finished jobs are deleted after this many days; failed ones stay until retried.
    pub keep_done_days: i64,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            poll_ms: 1000,
            concurrency: 2,
            lease_secs: 300,
            backoff_base_secs: 10,
            backoff_max_secs: 3600,
            keep_done_days: 7,
        }
    }
}

/// Options for [`Jobs::enqueue_with`].
#[derive(Debug, Clone)]
pub struct EnqueueOptions<'a> {
    pub kind: &'a str,
    pub key: Option<&'a str>,
    pub payload: &'a Value,
    pub run_at: Timestamp,
    pub max_attempts: i64,
}

/// Adds a job on the caller's connection — inside a transaction it commits or rolls back with the change
/// that asked for it. Returns `None` when a job of the same kind and key is already queued or running.
/// Call [`Jobs::wake`] after committing to start it without waiting for the next poll.
pub async fn enqueue_in(
    c: Conn<'_>,
    kind: &str,
    key: Option<&str>,
    payload: &Value,
    run_at: Timestamp,
) -> ServiceResult<Option<i64>> {
    Ok(souk_store::jobs::enqueue(c, kind, key, &payload.to_string(), run_at).await?)
}

/// The queue, its handlers and its worker. Cheap to clone; clones share the handler registry.
#[derive(Clone)]
pub struct Jobs {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    config: JobsConfig,
    handlers: RwLock<HashMap<&'static str, Arc<dyn JobHandler>>>,
    wake: Notify,
}

/// How a claimed job ended, for the caller's tally and for tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Retrying,
    Failed,
    /// The lease had passed to another worker before this one recorded its result.
    LostLease,
}

impl Jobs {
    pub fn new(db: Db, config: JobsConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                config,
                handlers: RwLock::new(HashMap::new()),
                wake: Notify::new(),
            }),
        }
    }

    pub fn config(&self) -> &JobsConfig {
        &self.inner.config
    }

    /// Registers the handler for its kind, replacing any earlier one for the same kind.
    pub fn register(&self, handler: Arc<dyn JobHandler>) {
        let mut map = match self.inner.handlers.write() {
            Ok(m) => m,
            // A panic while holding the lock cannot leave the map half-written (insert is atomic).
            Err(poisoned) => poisoned.into_inner(),
        };
        map.insert(handler.kind(), handler);
    }

    fn handler(&self, kind: &str) -> Option<Arc<dyn JobHandler>> {
        let map = match self.inner.handlers.read() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        map.get(kind).cloned()
    }

    /// Queues a job to run after `delay_secs` (0: as soon as a worker is free), deduplicated by `key`.
    pub async fn enqueue(
        &self,
        kind: &str,
        key: Option<&str>,
        payload: &Value,
        delay_secs: i64,
    ) -> ServiceResult<Option<i64>> {
        self.enqueue_with(&EnqueueOptions {
            kind,
            key,
            payload,
            run_at: Timestamp::now().plus_seconds(delay_secs.max(0)),
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        })
        .await
    }

    pub async fn enqueue_with(&self, o: &EnqueueOptions<'_>) -> ServiceResult<Option<i64>> {
        let payload = o.payload.to_string();
        let mut tx = self.inner.db.begin().await?;
        let id = souk_store::jobs::enqueue_job(
            tx.conn(),
            &NewJob {
                kind: o.kind,
                key: o.key,
                payload: &payload,
                run_at: o.run_at,
                max_attempts: o.max_attempts,
            },
        )
        .await?;
        tx.commit().await?;
        if id.is_some() {
            self.wake();
        }
        Ok(id)
    }

    /// Wakes this process's worker (after a job was enqueued inside a transaction that has committed).
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Claims up to `max` jobs due now and runs them concurrently; returns how many ran.
    pub async fn run_due(&self, max: usize) -> ServiceResult<usize> {
        self.run_due_at(Timestamp::now(), max).await
    }

    /// [`Jobs::run_due`] as if the clock read `now` (tests and operators run the queue at a chosen time).
    pub async fn run_due_at(&self, now: Timestamp, max: usize) -> ServiceResult<usize> {
        let (token, jobs) = self.claim(now, max).await?;
        let n = jobs.len();
        let runs = jobs
            .into_iter()
            .map(|job| self.run_claimed(job, &token, now));
        futures_util::future::join_all(runs).await;
        Ok(n)
    }

    async fn claim(&self, now: Timestamp, max: usize) -> ServiceResult<(String, Vec<ClaimedJob>)> {
        if max == 0 {
            return Ok((String::new(), Vec::new()));
        }
        // A fresh token per claim: if this claim's lease runs out and the same process takes the job again,
        // the older attempt can no longer record its result over the newer one's.
        let token = crate::random_token("w_");
        let lease_until = now.plus_seconds(self.inner.config.lease_secs.max(1));
        let limit = i64::try_from(max).unwrap_or(i64::MAX);
        // Look on a read connection first: an idle queue then never takes the write lock (SQLite has one
        // writer, which requests need more than an idle poll does).
        {
            let mut h = self.inner.db.read().await?;
            if !souk_store::jobs::any_due(h.conn(), now).await? {
                return Ok((token, Vec::new()));
            }
        }
        let mut tx = self.inner.db.begin().await?;
        let jobs = souk_store::jobs::claim(tx.conn(), now, lease_until, &token, limit).await?;
        tx.commit().await?;
        Ok((token, jobs))
    }

    /// Runs one claimed job and records its outcome. `now` is the clock the claim used; time spent running
    /// is added to it, so a test running the queue "an hour later" keeps a consistent clock.
    async fn run_claimed(&self, job: ClaimedJob, token: &str, now: Timestamp) -> Outcome {
        let started = Instant::now();
        let clock = move || {
            let elapsed = i64::try_from(started.elapsed().as_micros()).unwrap_or(i64::MAX);
            Timestamp::from_micros(now.as_micros().saturating_add(elapsed))
        };
        let label = self
            .handler(&job.kind)
            .map(|h| h.kind())
            .unwrap_or("unknown");
        let result: Result<(), (String, bool)> = if job.attempts > job.max_attempts {
            // Only reachable through lease expiry: the last allowed attempt's worker vanished.
            Err((
                format!(
                    "gave up after {} attempts (the last worker stopped before finishing)",
                    job.max_attempts
                ),
                false,
            ))
        } else {
            match (
                self.handler(&job.kind),
                serde_json::from_str::<Value>(&job.payload),
            ) {
                (None, _) => Err((
                    format!("no handler is registered for job kind `{}`", job.kind),
                    false,
                )),
                (Some(_), Err(e)) => Err((format!("payload is not valid JSON: {e}"), false)),
                (Some(h), Ok(payload)) => self
                    .run_with_lease(h.as_ref(), &payload, job.id, token, &clock)
                    .await
                    .map_err(|e| (e, true)),
            }
        };
        let outcome = self.record(&job, token, result, clock()).await;
        match outcome {
            Ok(o) => {
                match o {
                    Outcome::Done => {
                        metrics::counter!("souk_jobs_done_total", "kind" => label).increment(1)
                    }
                    Outcome::Retrying => {
                        metrics::counter!("souk_jobs_retried_total", "kind" => label).increment(1)
                    }
                    Outcome::Failed => {
                        metrics::counter!("souk_jobs_failed_total", "kind" => label).increment(1)
                    }
                    Outcome::LostLease => {}
                }
                o
            }
            Err(e) => {
                // The lease runs out and the job is retried; nothing else to do here.
                tracing::warn!(job = job.id, kind = %job.kind, error = %e, "recording a job outcome failed");
                Outcome::LostLease
            }
        }
    }

    /// Runs the handler, renewing the lease while it works; a panic is reported as an error.
    async fn run_with_lease(
        &self,
        handler: &dyn JobHandler,
        payload: &Value,
        id: i64,
        token: &str,
        clock: &(dyn Fn() -> Timestamp + Sync),
    ) -> Result<(), String> {
        let lease = self.inner.config.lease_secs.max(1);
        let renew_every = Duration::from_secs(u64::try_from(lease / 3).unwrap_or(1).max(1));
        let mut fut = AssertUnwindSafe(handler.run(payload)).catch_unwind();
        let mut renew =
            tokio::time::interval_at(tokio::time::Instant::now() + renew_every, renew_every);
        loop {
            tokio::select! {
                result = &mut fut => {
                    return match result {
                        Ok(Ok(())) => Ok(()),
                        Ok(Err(e)) => Err(error_text(&e)),
                        Err(_) => Err("the job handler panicked".into()),
                    };
                }
                _ = renew.tick() => {
                    let until = clock().plus_seconds(lease);
                    let renewed = async {
                        let mut h = self.inner.db.begin().await?;
                        let ok = souk_store::jobs::extend_lease(h.conn(), id, token, until).await?;
                        h.commit().await?;
                        Ok::<bool, StoreError>(ok)
                    }.await;
                    if let Err(e) = renewed {
                        tracing::warn!(job = id, error = %e, "renewing a job lease failed");
                    }
                }
            }
        }
    }

    /// Writes the outcome: done, queued again after a backoff, or failed for good.
    async fn record(
        &self,
        job: &ClaimedJob,
        token: &str,
        result: Result<(), (String, bool)>,
        now: Timestamp,
    ) -> ServiceResult<Outcome> {
        let mut tx = self.inner.db.begin().await?;
        let (ok, outcome) = match result {
            Ok(()) => (
                souk_store::jobs::complete(tx.conn(), job.id, token, now).await?,
                Outcome::Done,
            ),
            Err((error, retryable)) if retryable && job.attempts < job.max_attempts => {
                let run_at = now.plus_seconds(self.backoff_secs(job.attempts));
                tracing::info!(job = job.id, kind = %job.kind, attempt = job.attempts, error = %error, "job failed; will retry");
                (
                    souk_store::jobs::reschedule(tx.conn(), job.id, token, run_at, &error, now)
                        .await?,
                    Outcome::Retrying,
                )
            }
            Err((error, _)) => {
                tracing::warn!(job = job.id, kind = %job.kind, attempts = job.attempts, error = %error, "job failed for good");
                (
                    souk_store::jobs::fail(tx.conn(), job.id, token, &error, now).await?,
                    Outcome::Failed,
                )
            }
        };
        tx.commit().await?;
        Ok(if ok { outcome } else { Outcome::LostLease })
    }

    /// Delay before the next attempt after `attempts` failures: base · 2^(attempts−1), capped.
    pub fn backoff_secs(&self, attempts: i64) -> i64 {
        let c = &self.inner.config;
        let exp = u32::try_from((attempts - 1).clamp(0, 30)).unwrap_or(30);
        c.backoff_base_secs
            .max(1)
            .saturating_mul(1_i64 << exp)
            .min(c.backoff_max_secs.max(1))
    }

    /// The worker: claims due jobs while it has free slots (`concurrency`), waits for a wake-up, a finished
    /// job or the poll interval, and stops when `stop` turns true — letting running jobs finish for up to
    /// `grace`, after which they are abandoned and their leases make them run again later.
    pub async fn work(&self, mut stop: watch::Receiver<bool>, grace: Duration) {
        let concurrency = self.inner.config.concurrency;
        if concurrency == 0 {
            return;
        }
        let slots = Arc::new(Semaphore::new(concurrency));
        let poll = Duration::from_millis(self.inner.config.poll_ms.max(10));
        let mut running: JoinSet<()> = JoinSet::new();
        let mut last_purge: Option<Instant> = None;
        loop {
            if *stop.borrow() {
                break;
            }
            while running.try_join_next().is_some() {}
            let free = slots.available_permits();
            if free > 0 {
                let now = Timestamp::now();
                match self.claim(now, free).await {
                    Ok((token, jobs)) => {
                        for job in jobs {
                            let Ok(permit) = slots.clone().acquire_owned().await else {
                                break;
                            };
                            let me = self.clone();
                            let token = token.clone();
                            running.spawn(async move {
                                me.run_claimed(job, &token, now).await;
                                drop(permit);
                            });
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "claiming jobs failed"),
                }
            }
            if last_purge.is_none_or(|t| t.elapsed() > Duration::from_secs(3600)) {
                last_purge = Some(Instant::now());
                if let Err(e) = self.purge_done().await {
                    tracing::warn!(error = %e, "purging finished jobs failed");
                }
            }
            tokio::select! {
                () = self.inner.wake.notified() => {}
                () = tokio::time::sleep(poll) => {}
                Some(_) = running.join_next(), if !running.is_empty() => {}
                changed = stop.changed() => {
                    // The sender is gone: nobody can stop us any more, so stop now.
                    if changed.is_err() {
                        break;
                    }
                }
            }
        }
        let drained = tokio::time::timeout(grace, async {
            while running.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                jobs = running.len(),
                "stopping with jobs still running; they will run again when their lease runs out"
            );
            running.abort_all();
        }
    }

    async fn purge_done(&self) -> ServiceResult<u64> {
        let before =
            Timestamp::now().plus_seconds(-self.inner.config.keep_done_days.max(1) * 86_400);
        let mut tx = self.inner.db.begin().await?;
        let n = souk_store::jobs::purge_done(tx.conn(), before).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Recent jobs, optionally in one status (operators only; others 404).
    pub async fn list(
        &self,
        viewer: &Viewer,
        status: Option<&str>,
        limit: i64,
    ) -> ServiceResult<Vec<JobRecord>> {
        require_admin(viewer)?;
        let status = match status.filter(|s| !s.is_empty()) {
            Some(s) if souk_store::jobs::STATUSES.contains(&s) => Some(s),
            Some(_) => {
                return Err(ServiceError::field(
                    "status",
                    "invalid_status",
                    "status must be queued, running, done or failed",
                ));
            }
            None => None,
        };
        let mut h = self.inner.db.read().await?;
        Ok(souk_store::jobs::list(h.conn(), status, limit.clamp(1, 500)).await?)
    }

    /// How many jobs are in each status (operators only).
    pub async fn counts(&self, viewer: &Viewer) -> ServiceResult<Vec<(String, i64)>> {
        require_admin(viewer)?;
        let mut h = self.inner.db.read().await?;
        Ok(souk_store::jobs::counts(h.conn()).await?)
    }

    /// One job (operators only).
    pub async fn get(&self, viewer: &Viewer, id: i64) -> ServiceResult<JobRecord> {
        require_admin(viewer)?;
        let mut h = self.inner.db.read().await?;
        souk_store::jobs::get(h.conn(), id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// An operator queues a failed job again with fresh attempts. Refused with `job_not_failed` unless it
    /// failed, and `job_already_queued` when another job with its key is waiting or running.
    pub async fn retry(&self, viewer: &Viewer, id: i64) -> ServiceResult<JobRecord> {
        require_admin(viewer)?;
        let mut tx = self.inner.db.begin().await?;
        let Some(job) = souk_store::jobs::get(tx.conn(), id).await? else {
            return Err(ServiceError::NotFound);
        };
        match souk_store::jobs::retry_failed(tx.conn(), id, Timestamp::now()).await {
            Ok(true) => {}
            Ok(false) => {
                return Err(ServiceError::refused(
                    crate::Refusal::Conflict,
                    "job_not_failed",
                    format!(
                        "job {id} is {}, only failed jobs can be retried",
                        job.status
                    ),
                ));
            }
            Err(e) if e.is_unique_on("dedupe") || e.is_unique_on("jobs") => {
                return Err(ServiceError::refused(
                    crate::Refusal::Conflict,
                    "job_already_queued",
                    "a job with the same key is already queued or running",
                ));
            }
            Err(e) => return Err(e.into()),
        }
        let job = souk_store::jobs::get(tx.conn(), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        tx.commit().await?;
        self.wake();
        Ok(job)
    }
}

/// The text stored as `last_error`: the error's message, bounded so a huge error cannot bloat the table.
fn error_text(e: &ServiceError) -> String {
    let text = match e {
        ServiceError::Validation(fields) => fields
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    };
    truncate(&text, 2000)
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

fn require_admin(viewer: &Viewer) -> ServiceResult<()> {
    if viewer.role == Role::Admin {
        Ok(())
    } else {
        Err(ServiceError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_on_char_boundaries() {
        assert_eq!(truncate("abc", 5), "abc");
        assert_eq!(truncate("가나다", 4), "가…");
    }
}
