//! Souk's use cases. Services take validated command structs, own transactions, and return domain errors;
//! they know nothing about HTTP.

pub mod accounts;
mod error;
pub mod media;
mod passwords;
pub mod rate_limit;
mod secrets;
pub mod social;

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
    pub social: social::SocialService,
    /// Image uploads: storage, the processing pipeline and its limits.
    pub media: Arc<media::Media>,
}

#[derive(Debug, Clone, Default)]
pub struct ServiceConfig {
    pub rate_limits: RateLimitConfig,
    pub discover: souk_domain::social::DiscoverWeights,
    pub media: media::MediaConfig,
}

impl Services {
    /// Fails only when the media folder cannot be created or opened.
    pub fn new(db: Db, config: &ServiceConfig) -> ServiceResult<Self> {
        let limiter = Arc::new(RateLimiter::new(&config.rate_limits));
        let media = Arc::new(media::Media::new(config.media.clone())?);
        Ok(Self {
            accounts: AccountService::new(db.clone(), limiter),
            social: social::SocialService::new(db.clone(), config.discover, media.clone()),
            media,
            db,
        })
    }
}
