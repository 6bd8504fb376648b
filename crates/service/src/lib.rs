//! Souk's use cases. Services take validated command structs, own transactions, and return domain errors;
//! they know nothing about HTTP.

pub mod accounts;
mod error;
mod passwords;
pub mod rate_limit;
mod secrets;

pub use accounts::{AccountService, Viewer};
pub use error::{ServiceError, ServiceResult};
pub use rate_limit::{Rate, RateLimitConfig, RateLimiter};
pub use secrets::random_token;

use souk_store::Db;
use std::sync::Arc;

/// Everything a front end (HTTP, CLI, jobs) needs, cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub db: Db,
    pub accounts: AccountService,
}

#[derive(Debug, Clone, Default)]
pub struct ServiceConfig {
    pub rate_limits: RateLimitConfig,
}

impl Services {
    pub fn new(db: Db, config: &ServiceConfig) -> Self {
        let limiter = Arc::new(RateLimiter::new(&config.rate_limits));
        Self {
            accounts: AccountService::new(db.clone(), limiter),
            db,
        }
    }
}
