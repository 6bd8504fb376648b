//! Wiring: configuration in, a running Souk out. `serve`, the CLI commands and the test harness all build
//! the application here so they cannot drift apart.

use crate::config::Config;
use anyhow::Context;
use souk_service::{ServiceConfig, Services};
use souk_store::{ConnectOptions, Db};
use souk_web::{AppState, WebConfig};
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;

pub struct App {
    pub config: Config,
    pub db: Db,
    pub services: Services,
}

impl App {
    /// Opens the database (creating the data folder for SQLite) and, when asked, applies migrations.
    pub async fn open(config: Config, migrate: bool) -> anyhow::Result<App> {
        let url = config.database_url();
        if url.starts_with("sqlite://") {
            std::fs::create_dir_all(&config.data_dir).with_context(|| {
                format!("cannot create data folder {}", config.data_dir.display())
            })?;
        }
        let opts = ConnectOptions {
            max_connections: config.database_max_connections,
            pg_schema: (!config.database_schema.is_empty()).then(|| config.database_schema.clone()),
            ..ConnectOptions::default()
        };
        let db = Db::connect(&url, &opts)
            .await
            .with_context(|| format!("cannot open database {}", redact(&url)))?;
        if migrate {
            souk_store::migrate(&db)
                .await
                .context("database migration failed")?;
        }
        let services = Services::new(
            db.clone(),
            &ServiceConfig {
                rate_limits: config.rate_limits(),
                discover: config.discover(),
                media: config.media(),
                commerce: config.commerce(),
                search: config.search(),
                jobs: config.jobs(),
                fetch: config.fetch(),
                feeds: config.feeds(),
            },
        )
        .context("cannot open the media store")?;
        Ok(App {
            config,
            db,
            services,
        })
    }

    pub fn router(&self) -> axum::Router {
        let web = WebConfig {
            secure_cookies: self.config.public_url.starts_with("https://"),
            trust_proxy: self.config.trust_proxy,
            max_body_bytes: self.config.max_body_bytes,
            request_timeout: Duration::from_secs(self.config.request_timeout_secs),
            public_url: self.config.public_url.clone(),
            statement_header: self.config.statement_header,
        };
        souk_web::router(AppState::new(
            self.services.clone(),
            web,
            crate::telemetry::metrics(),
        ))
    }

    /// Serves HTTP on `listener` until `shutdown` resolves, then drains in-flight requests.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let router = self.router();
        let services = self.services.clone();
        let housekeeping = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                services.accounts.rate_limiter().housekeeping();
            }
        });
        // Stock held by unpaid orders goes back once their reservation runs out; the job is idempotent
        // and each cancellation is a guarded transition, so a payment arriving meanwhile wins or loses
        // cleanly. Expired idempotency keys are purged on the same beat.
        let services = self.services.clone();
        let release = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(30));
            loop {
                tick.tick().await;
                if let Err(e) = services
                    .orders
                    .release_expired(souk_domain::Timestamp::now())
                    .await
                {
                    tracing::warn!(error = %e, "releasing expired reservations failed");
                }
                if let Err(e) = services.idempotency.purge_expired().await {
                    tracing::warn!(error = %e, "purging expired idempotency keys failed");
                }
            }
        });
        // Order e-mail waits in the outbox (written in the same transaction as the order change) until
        // this loop delivers it; claims are guarded, so an operator's "send now" cannot double-send.
        let services = self.services.clone();
        let mail = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(10));
            loop {
                tick.tick().await;
                if let Err(e) = services.mail.send_pending().await {
                    tracing::warn!(error = %e, "sending queued mail failed");
                }
            }
        });
        // Catalog data sources whose time has come get a run queued; the claim is a conditional update, so
        // several nodes polling at once start each run once.
        let services = self.services.clone();
        let sources = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(5));
            loop {
                tick.tick().await;
                if let Err(e) = services.catalog_feeds.start_due_sources().await {
                    tracing::warn!(error = %e, "starting due catalog data sources failed");
                }
            }
        });
        // Reputation checks: one job per shop each interval, keyed by shop and time slot so several nodes
        // scheduling at once queue each check once (the check itself is idempotent through its cooldown).
        let services = self.services.clone();
        let every = self.config.jobs.reputation_check_secs.max(60);
        let reputation = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(every));
            let slot = i64::try_from(every).unwrap_or(600);
            loop {
                tick.tick().await;
                if let Err(e) = services
                    .reputation
                    .enqueue_due(souk_domain::Timestamp::now(), slot)
                    .await
                {
                    tracing::warn!(error = %e, "queueing reputation checks failed");
                }
            }
        });
        // Background jobs run in this process unless `jobs.concurrency` is 0. After HTTP has drained, the
        // worker stops claiming and gives running jobs a moment to finish; any it abandons run again once
        // their lease expires, which is safe because handlers are idempotent.
        let (stop_jobs, jobs_stopped) = tokio::sync::watch::channel(false);
        let jobs = self.services.jobs.clone();
        let worker = tokio::spawn(async move {
            jobs.work(jobs_stopped, Duration::from_secs(10)).await;
        });
        // The search indexer follows the database; how it finds changes is in souk_service::search.
        let indexer = tokio::spawn(
            self.services
                .search
                .clone()
                .run_indexer(self.services.events.clone()),
        );
        let result = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        let _ = stop_jobs.send(true);
        if tokio::time::timeout(Duration::from_secs(15), worker)
            .await
            .is_err()
        {
            tracing::warn!("the job worker did not stop in time");
        }
        housekeeping.abort();
        indexer.abort();
        mail.abort();
        release.abort();
        sources.abort();
        reputation.abort();
        self.db.close().await;
        result.context("HTTP server failed")
    }

    /// Runs background jobs only (`souk worker`) until `shutdown` resolves, then lets running jobs finish
    /// (those still running after the grace period run again once their lease expires).
    pub async fn work(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let jobs = self.services.jobs.clone();
        let worker = tokio::spawn(async move {
            jobs.work(stopped, Duration::from_secs(30)).await;
        });
        shutdown.await;
        let _ = stop.send(true);
        worker.await.context("the job worker failed")?;
        self.db.close().await;
        Ok(())
    }
}

/// A database URL with any password replaced, safe for logs and error messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let creds = &url[scheme_end + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Resolves on Ctrl-C or SIGTERM, whichever comes first.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("postgres://souk:s3cret@db:5432/souk"),
            "postgres://souk:***@db:5432/souk"
        );
        assert_eq!(redact("postgres://souk@db/souk"), "postgres://souk@db/souk");
        assert_eq!(
            redact("sqlite://souk-data/souk.db"),
            "sqlite://souk-data/souk.db"
        );
    }
}
