//! Shared state handed to every handler: services, web settings, the metrics registry.

use metrics_exporter_prometheus::PrometheusHandle;
use souk_service::Services;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when Souk is served over https, directly or behind a proxy).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy you control).
    pub trust_proxy: bool,
    /// Largest accepted request body for ordinary JSON and form requests.
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
    /// How people reach this site (`https://souk.example`), for links they copy; empty: the request's host.
    pub public_url: String,
    /// Add `X-Souk-Statements` (SQL statements the request ran) to every response.
    pub statement_header: bool,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            trust_proxy: false,
            max_body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            public_url: String::new(),
            statement_header: false,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    pub config: Arc<WebConfig>,
    pub metrics: Option<PrometheusHandle>,
}

impl AppState {
    pub fn new(services: Services, config: WebConfig, metrics: Option<PrometheusHandle>) -> Self {
        Self {
            services,
            config: Arc::new(config),
            metrics,
        }
    }
}
