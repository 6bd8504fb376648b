//! Configuration: defaults < `souk.toml` < `SOUK_*` environment (and `DATABASE_URL`) < command-line flags.
//! A bad value stops start-up with a message that names the key and where it came from.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use souk_service::media::MediaConfig;
use souk_service::{Rate, RateLimitConfig};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Pretty on a terminal, JSON otherwise.
    Auto,
    Pretty,
    Json,
}

/// A rate such as `10/min`, readable from TOML and environment strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateSetting(pub Rate);

impl Serialize for RateSetting {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for RateSetting {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map(RateSetting).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimits {
    pub login_per_ip: RateSetting,
    pub login_per_account: RateSetting,
    pub signup_per_ip: RateSetting,
}

impl Default for RateLimits {
    fn default() -> Self {
        let d = RateLimitConfig::default();
        Self {
            login_per_ip: RateSetting(d.login_per_ip),
            login_per_account: RateSetting(d.login_per_account),
            signup_per_ip: RateSetting(d.signup_per_ip),
        }
    }
}

/// Discover ranking: `(1 + like·likes + comment·comments + share·shares + save·saves)
/// / (age_hours + age_offset_hours) ^ gravity`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscoverSettings {
    pub like: f64,
    pub comment: f64,
    pub share: f64,
    pub save: f64,
    pub age_offset_hours: f64,
    pub gravity: f64,
}

impl Default for DiscoverSettings {
    fn default() -> Self {
        let d = souk_domain::social::DiscoverWeights::default();
        Self {
            like: d.like,
            comment: d.comment,
            share: d.share,
            save: d.save,
            age_offset_hours: d.age_offset_hours,
            gravity: d.gravity,
        }
    }
}

/// Selling: Souk's fee, how long an unpaid order holds stock, payment and mail settings (`[commerce]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommerceSettings {
    /// Platform fee on each payment, in basis points (1 % = 100).
    pub platform_fee_bps: i64,
    /// Minutes a pending (unpaid) order holds its stock before it is cancelled.
    pub reservation_minutes: i64,
    /// Hours an order paid by bank transfer or cash on delivery holds its stock.
    pub manual_reservation_hours: i64,
    /// Offer the offline test card provider (turn off in production).
    pub test_payments: bool,
    /// Secret the offline test payment provider signs its webhooks with.
    pub test_webhook_secret: String,
    /// From address of order e-mails.
    pub mail_from: String,
    /// Folder development mail is written to; empty means `<data_dir>/mail`.
    pub mail_dir: PathBuf,
    /// Seconds an Idempotency-Key is remembered (24 hours by default).
    pub idempotency_ttl_secs: i64,
}

impl Default for CommerceSettings {
    fn default() -> Self {
        let d = souk_service::CommerceConfig::default();
        Self {
            platform_fee_bps: d.platform_fee_bps,
            reservation_minutes: d.reservation_secs / 60,
            manual_reservation_hours: d.manual_reservation_secs / 3600,
            test_payments: d.test_payments,
            test_webhook_secret: d.test_webhook_secret,
            mail_from: d.mail_from,
            mail_dir: PathBuf::new(),
            idempotency_ttl_secs: d.idempotency_ttl_secs,
        }
    }
}

/// Search (`[search]`): where the index lives and how often the indexer looks for changes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchSettings {
    /// Folder of the search index; empty means `<data_dir>/search`. It is derived data: delete it and
    /// the server rebuilds it (or run `souk search reindex`).
    pub dir: PathBuf,
    /// Milliseconds between indexer runs in `souk serve` (at least 100).
    pub sync_interval_ms: u64,
    /// This node's name for its outbox cursor (`search@<node_id>`). Every node keeps its own index, so
    /// give each a different one when several serve the same database; empty on a single node.
    pub node_id: String,
}

impl Default for SearchSettings {
    fn default() -> Self {
        Self {
            dir: PathBuf::new(),
            sync_interval_ms: souk_service::search::SearchConfig::default().sync_interval_ms,
            node_id: String::new(),
        }
    }
}

/// Background jobs (`[jobs]`): how often the worker polls, how many jobs run at once, the lease.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobsSettings {
    /// Milliseconds between looks for due jobs when idle (an enqueue in this process wakes it at once).
    pub poll_ms: u64,
    /// Jobs run at the same time by `souk serve`; 0 runs none in this process.
    pub concurrency: usize,
    /// Seconds a claimed job is reserved for its worker; renewed while it runs.
    pub lease_secs: i64,
    /// First retry delay in seconds, doubled per attempt up to `backoff_max_secs`.
    pub backoff_base_secs: i64,
    pub backoff_max_secs: i64,
    /// Days finished jobs are kept for the admin page.
    pub keep_done_days: i64,
    /// Seconds between reputation checks of every shop (at least 60). Each serving node schedules them; the
    /// queue's dedupe key (shop + time slot) runs each check once.
    pub reputation_check_secs: u64,
}

impl Default for JobsSettings {
    fn default() -> Self {
        let d = souk_service::jobs::JobsConfig::default();
        Self {
            poll_ms: d.poll_ms,
            concurrency: d.concurrency,
            lease_secs: d.lease_secs,
            backoff_base_secs: d.backoff_base_secs,
            backoff_max_secs: d.backoff_max_secs,
            keep_done_days: d.keep_done_days,
            reputation_check_secs: 600,
        }
    }
}

/// Fetching merchant-supplied URLs (`[fetch]`): limits, and hosts exempt from the private-address guard.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FetchSettings {
    /// `host:port` entries that may be fetched although they are not public addresses (tests, a trusted
    /// mirror). Empty by default.
    pub allow_hosts: Vec<String>,
    /// Largest response body in bytes.
    pub max_bytes: u64,
    /// Seconds for a whole fetch, redirects and body included.
    pub timeout_secs: u64,
    pub max_redirects: u32,
}

impl Default for FetchSettings {
    fn default() -> Self {
        let d = souk_service::fetch::FetchConfig::default();
        Self {
            allow_hosts: d.allow_hosts,
            max_bytes: d.max_bytes,
            timeout_secs: d.timeout_secs,
            max_redirects: d.max_redirects,
        }
    }
}

/// Catalog feed imports (`[catalog]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogSettings {
    /// Largest catalog file a merchant may upload or a feed URL may return, in MiB.
    pub max_file_mb: u64,
}

impl Default for CatalogSettings {
    fn default() -> Self {
        Self { max_file_mb: 512 }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Folder for the SQLite database and media when no other location is configured.
    pub data_dir: PathBuf,
    /// `sqlite://PATH` or `postgres://…`; empty means `sqlite://<data_dir>/souk.db`.
    pub database_url: String,
    /// PostgreSQL schema to use (created if missing); empty means the server's default search path.
    pub database_schema: String,
    pub database_max_connections: u32,
    pub log_format: LogFormat,
    /// `tracing` filter, e.g. `info` or `souk=debug,tower_http=debug`; `RUST_LOG` wins when set.
    pub log_level: String,
    /// Public base URL (e.g. `https://shop.example`); an https URL turns on `Secure` cookies.
    pub public_url: String,
    /// Trust `X-Forwarded-For` for client addresses (only behind your own reverse proxy).
    pub trust_proxy: bool,
    pub max_body_bytes: usize,
    pub request_timeout_secs: u64,
    /// Answer every request with `X-Souk-Statements`: how many SQL statements it ran. For the statement
    /// budget tests and for profiling; it tells a client about the server's work, so it is off by default.
    pub statement_header: bool,
    pub rate_limits: RateLimits,
    /// Weights of the Discover ranking.
    pub discover: DiscoverSettings,
    /// Folder for uploaded images; empty means `<data_dir>/media`.
    pub media_dir: PathBuf,
    /// Largest accepted image upload, in bytes (one file; a request may carry several).
    pub max_upload_bytes: usize,
    /// Largest accepted image in pixels (width × height), checked before decoding.
    pub max_image_pixels: u64,
    pub commerce: CommerceSettings,
    pub search: SearchSettings,
    pub jobs: JobsSettings,
    pub fetch: FetchSettings,
    pub catalog: CatalogSettings,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("souk-data"),
            database_url: String::new(),
            database_schema: String::new(),
            database_max_connections: 16,
            log_format: LogFormat::Auto,
            log_level: "info".into(),
            public_url: String::new(),
            trust_proxy: false,
            max_body_bytes: 1024 * 1024,
            request_timeout_secs: 30,
            statement_header: false,
            rate_limits: RateLimits::default(),
            discover: DiscoverSettings::default(),
            media_dir: PathBuf::new(),
            max_upload_bytes: MediaConfig::default().max_upload_bytes,
            max_image_pixels: MediaConfig::default().max_image_pixels,
            commerce: CommerceSettings::default(),
            search: SearchSettings::default(),
            jobs: JobsSettings::default(),
            fetch: FetchSettings::default(),
            catalog: CatalogSettings::default(),
        }
    }
}

/// Settings given as command-line flags; `None` leaves lower layers in charge.
#[derive(Debug, Default, Serialize)]
pub struct FlagOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
}

/// Top-level keys that may come from `SOUK_*` variables; other `SOUK_` variables (test harness switches,
/// for instance) are not configuration and are ignored.
const ENV_KEYS: &[&str] = &[
    "listen",
    "data_dir",
    "database_url",
    "database_schema",
    "database_max_connections",
    "log_format",
    "log_level",
    "public_url",
    "trust_proxy",
    "max_body_bytes",
    "request_timeout_secs",
    "statement_header",
    "rate_limits",
    "discover",
    "media_dir",
    "max_upload_bytes",
    "max_image_pixels",
    "commerce",
    "search",
    "jobs",
    "fetch",
    "catalog",
];

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(String);

impl Config {
    /// Loads every layer. `file`: an explicit `--config` path (must exist); otherwise `./souk.toml` if present.
    pub fn load(file: Option<&Path>, flags: FlagOverrides) -> Result<Config, ConfigError> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) if !path.exists() => {
                return Err(ConfigError(format!(
                    "config file {} does not exist",
                    path.display()
                )));
            }
            Some(path) => fig = fig.merge(Toml::file_exact(path)),
            None => fig = fig.merge(Toml::file("souk.toml")),
        }
        fig = fig
            .merge(Env::prefixed("SOUK_").split("__").filter(|k| {
                let k = k.as_str().to_ascii_lowercase();
                ENV_KEYS.iter().any(|known| k.starts_with(known))
            }))
            .merge(Env::raw().only(&["DATABASE_URL"]))
            .merge(Serialized::defaults(flags));
        let config: Config = fig.extract().map_err(|e| ConfigError(describe(e)))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let d = &self.discover;
        for (key, value) in [
            ("discover.like", d.like),
            ("discover.comment", d.comment),
            ("discover.share", d.share),
            ("discover.save", d.save),
            ("discover.gravity", d.gravity),
        ] {
            if !value.is_finite() || value < 0.0 {
                return Err(ConfigError(format!(
                    "invalid value for key `{key}`: must be a number of at least 0"
                )));
            }
        }
        if !d.age_offset_hours.is_finite() || d.age_offset_hours <= 0.0 {
            return Err(ConfigError(
                "invalid value for key `discover.age_offset_hours`: must be greater than 0".into(),
            ));
        }
        let url = self.database_url.trim();
        if !url.is_empty()
            && !["sqlite://", "postgres://", "postgresql://"]
                .iter()
                .any(|p| url.starts_with(p))
        {
            return Err(ConfigError(
                "invalid value for key `database_url`: must start with sqlite:// or postgres://"
                    .into(),
            ));
        }
        if !self
            .database_schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(ConfigError(
                "invalid value for key `database_schema`: use lowercase letters, digits and underscores".into(),
            ));
        }
        if self.max_body_bytes < 1024 {
            return Err(ConfigError(
                "invalid value for key `max_body_bytes`: must be at least 1024".into(),
            ));
        }
        if self.database_max_connections == 0 {
            return Err(ConfigError(
                "invalid value for key `database_max_connections`: must be at least 1".into(),
            ));
        }
        if self.max_upload_bytes < 1024 {
            return Err(ConfigError(
                "invalid value for key `max_upload_bytes`: must be at least 1024".into(),
            ));
        }
        if !(0..=5000).contains(&self.commerce.platform_fee_bps) {
            return Err(ConfigError(
                "invalid value for key `commerce.platform_fee_bps`: must be 0 to 5000".into(),
            ));
        }
        if self.commerce.manual_reservation_hours < 1 {
            return Err(ConfigError(
                "invalid value for key `commerce.manual_reservation_hours`: must be at least 1"
                    .into(),
            ));
        }
        if self.commerce.reservation_minutes < 1 {
            return Err(ConfigError(
                "invalid value for key `commerce.reservation_minutes`: must be at least 1".into(),
            ));
        }
        if self.max_image_pixels < 10_000 {
            return Err(ConfigError(
                "invalid value for key `max_image_pixels`: must be at least 10000".into(),
            ));
        }
        let url_ok = self.public_url.is_empty()
            || self.public_url.starts_with("http://")
            || self.public_url.starts_with("https://");
        if !url_ok {
            return Err(ConfigError(
                "invalid value for key `public_url`: must start with http:// or https://".into(),
            ));
        }
        if self.jobs.poll_ms < 10 || self.jobs.lease_secs < 5 || self.jobs.backoff_base_secs < 1 {
            return Err(ConfigError(
                "invalid value in `[jobs]`: poll_ms must be at least 10, lease_secs at least 5 and backoff_base_secs at least 1".into(),
            ));
        }
        if self.fetch.timeout_secs < 1 || self.fetch.max_bytes < 1024 {
            return Err(ConfigError(
                "invalid value in `[fetch]`: timeout_secs must be at least 1 and max_bytes at least 1024"
                    .into(),
            ));
        }
        if let Some(bad) = self.fetch.allow_hosts.iter().find(|h| {
            h.rsplit_once(':')
                .is_none_or(|(host, port)| host.is_empty() || port.parse::<u16>().is_err())
        }) {
            return Err(ConfigError(format!(
                "invalid value for key `fetch.allow_hosts`: {bad:?} is not host:port"
            )));
        }
        Ok(())
    }

    pub fn database_url(&self) -> String {
        if self.database_url.trim().is_empty() {
            format!("sqlite://{}", self.data_dir.join("souk.db").display())
        } else {
            self.database_url.trim().to_owned()
        }
    }

    pub fn media_dir(&self) -> PathBuf {
        if self.media_dir.as_os_str().is_empty() {
            self.data_dir.join("media")
        } else {
            self.media_dir.clone()
        }
    }

    pub fn commerce(&self) -> souk_service::CommerceConfig {
        let c = &self.commerce;
        souk_service::CommerceConfig {
            platform_fee_bps: c.platform_fee_bps,
            reservation_secs: c.reservation_minutes * 60,
            manual_reservation_secs: c.manual_reservation_hours * 3600,
            test_payments: c.test_payments,
            test_webhook_secret: c.test_webhook_secret.clone(),
            mail_from: c.mail_from.clone(),
            mail_dir: if c.mail_dir.as_os_str().is_empty() {
                self.data_dir.join("mail")
            } else {
                c.mail_dir.clone()
            },
            idempotency_ttl_secs: c.idempotency_ttl_secs,
        }
    }

    pub fn media(&self) -> MediaConfig {
        MediaConfig {
            max_upload_bytes: self.max_upload_bytes,
            max_image_pixels: self.max_image_pixels,
            dir: self.media_dir(),
        }
    }

    pub fn search(&self) -> souk_service::search::SearchConfig {
        souk_service::search::SearchConfig {
            dir: if self.search.dir.as_os_str().is_empty() {
                self.data_dir.join("search")
            } else {
                self.search.dir.clone()
            },
            in_memory: false,
            sync_interval_ms: self.search.sync_interval_ms.max(100),
            node_id: self.search.node_id.clone(),
        }
    }

    pub fn feeds(&self) -> souk_service::catalog_feeds::FeedConfig {
        souk_service::catalog_feeds::FeedConfig {
            import_dir: self.data_dir.join("imports"),
            max_file_bytes: self.catalog.max_file_mb.saturating_mul(1024 * 1024),
        }
    }

    pub fn jobs(&self) -> souk_service::jobs::JobsConfig {
        let j = &self.jobs;
        souk_service::jobs::JobsConfig {
            poll_ms: j.poll_ms,
            concurrency: j.concurrency,
            lease_secs: j.lease_secs,
            backoff_base_secs: j.backoff_base_secs,
            backoff_max_secs: j.backoff_max_secs.max(j.backoff_base_secs),
            keep_done_days: j.keep_done_days,
        }
    }

    pub fn fetch(&self) -> souk_service::fetch::FetchConfig {
        let f = &self.fetch;
        souk_service::fetch::FetchConfig {
            allow_hosts: f.allow_hosts.clone(),
            max_bytes: f.max_bytes,
            timeout_secs: f.timeout_secs,
            max_redirects: f.max_redirects,
        }
    }

    pub fn discover(&self) -> souk_domain::social::DiscoverWeights {
        let d = &self.discover;
        souk_domain::social::DiscoverWeights {
            like: d.like,
            comment: d.comment,
            share: d.share,
            save: d.save,
            age_offset_hours: d.age_offset_hours,
            gravity: d.gravity,
        }
    }

    pub fn rate_limits(&self) -> RateLimitConfig {
        RateLimitConfig {
            login_per_ip: self.rate_limits.login_per_ip.0,
            login_per_account: self.rate_limits.login_per_account.0,
            signup_per_ip: self.rate_limits.signup_per_ip.0,
        }
    }
}

/// figment's errors name the key and its source (file path or environment variable); keep all of them.
fn describe(e: figment::Error) -> String {
    e.into_iter()
        .map(|err| {
            let key = if err.path.is_empty() {
                String::new()
            } else {
                format!(" for key `{}`", err.path.join("."))
            };
            let source = err
                .metadata
                .as_ref()
                .map(|m| match &m.source {
                    Some(src) => format!(" (from {} {src})", m.name),
                    None => format!(" (from {})", m.name),
                })
                .unwrap_or_default();
            format!("invalid value{key}{source}: {}", err.kind)
        })
        .collect::<Vec<_>>()
        .join("; ")
}
