//! Souk's use cases. Services take validated command structs, own transactions, and return domain errors;
//! they know nothing about HTTP.

pub mod accounts;
pub mod attribution;
pub mod cart;
pub mod catalog;
pub mod catalog_feeds;
pub mod checkout;
pub mod dashboard;
mod error;
pub mod events;
pub mod fetch;
pub mod idempotency;
pub mod jobs;
pub mod ledger;
pub mod mail;
pub mod markdown;
pub mod media;
pub mod orders;
mod passwords;
pub mod payments;
pub mod rate_limit;
pub mod refunds;
pub mod reputation;
pub mod reviews;
pub mod search;
mod secrets;
pub mod shops;
pub mod social;
pub mod tags;
pub mod ugc;

pub use accounts::{AccountService, Viewer};
pub use error::{Refusal, ServiceError, ServiceResult};
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
    pub shops: shops::ShopService,
    pub catalog: catalog::CatalogService,
    pub cart: cart::CartService,
    pub checkout: checkout::CheckoutService,
    pub orders: orders::OrderService,
    pub idempotency: idempotency::IdempotencyService,
    pub payments: payments::PaymentService,
    pub refunds: refunds::RefundService,
    pub ledger: ledger::LedgerService,
    pub mail: mail::MailService,
    pub dashboard: dashboard::DashboardService,
    /// Background jobs: enqueue, register handlers, and the worker `souk serve` runs.
    pub jobs: jobs::Jobs,
    /// The domain-event outbox and its subscribers' cursors.
    pub events: events::Events,
    /// The SSRF-guarded HTTP client for merchant-supplied URLs.
    pub fetcher: Arc<fetch::Fetcher>,
    pub reviews: reviews::ReviewService,
    /// Catalog imports from files and feed URLs, and per-platform exports.
    pub catalog_feeds: catalog_feeds::CatalogFeedService,
    /// Full-text search over products, posts, accounts and hashtags, and its indexer.
    pub search: search::SearchService,
    /// Which posts and creators sold what: tag clicks, order attribution and the shop's report.
    pub attribution: attribution::AttributionService,
    /// Customer photos: the product gallery and shopper posts featured with the author's consent.
    pub ugc: ugc::UgcService,
    /// Product tags on posts and the creators a shop lets tag its products.
    pub tags: tags::TagService,
    /// Reputation alerts: the negative-feedback check, its settings and alerts.
    pub reputation: reputation::ReputationService,
}

#[derive(Debug, Clone, Default)]
pub struct ServiceConfig {
    pub rate_limits: RateLimitConfig,
    pub discover: souk_domain::social::DiscoverWeights,
    pub media: media::MediaConfig,
    pub commerce: CommerceConfig,
    pub jobs: jobs::JobsConfig,
    pub fetch: fetch::FetchConfig,
    pub feeds: catalog_feeds::FeedConfig,
    pub search: search::SearchConfig,
}

/// Settings for selling: fees, how long checkout holds stock, payment and mail options.
#[derive(Debug, Clone)]
pub struct CommerceConfig {
    /// Souk's fee on each payment in basis points (1 % = 100), booked to `platform_fees` in the ledger.
    pub platform_fee_bps: i64,
    /// How long a pending (unpaid) order holds its stock before the release job cancels it.
    pub reservation_secs: i64,
    /// How long an order paid by bank transfer or cash on delivery holds its stock while the merchant waits
    /// for the money.
    pub manual_reservation_secs: i64,
    /// Whether the offline test card provider is available. On by default so a fresh install can sell end
    /// to end; a real deployment turns it off.
    pub test_payments: bool,
    /// Shared secret the test payment provider signs its webhooks with.
    pub test_webhook_secret: String,
    /// Outgoing mail: the From address, and the folder development mail is written to.
    pub mail_from: String,
    pub mail_dir: std::path::PathBuf,
    /// How long an Idempotency-Key is remembered (design.md §5: 24 hours).
    pub idempotency_ttl_secs: i64,
}

impl Default for CommerceConfig {
    fn default() -> Self {
        Self {
            platform_fee_bps: 0,
            reservation_secs: 15 * 60,
            manual_reservation_secs: 3 * 86_400,
            test_payments: true,
            test_webhook_secret: "souk-test-webhook-secret".into(),
            mail_from: "Souk <no-reply@souk.localhost>".into(),
            mail_dir: std::path::PathBuf::from("souk-data/mail"),
            idempotency_ttl_secs: 24 * 60 * 60,
        }
    }
}

impl Services {
    /// Checkout as one use case: places the order for one shop's cart lines (stock taken, order pending),
    /// then starts payment. A declined card cancels the order, gives the stock back and answers
    /// `payment_declined`; a pending payment (bank transfer, a card awaiting its webhook) leaves it pending.
    pub async fn checkout_and_pay(
        &self,
        viewer: &Viewer,
        cmd: &checkout::CheckoutCommand,
    ) -> ServiceResult<orders::OrderView> {
        let method = match &cmd.payment {
            checkout::PaymentChoice::Manual => payments::PaymentMethod::Manual,
            checkout::PaymentChoice::Test { card_number } => payments::PaymentMethod::TestCard {
                card_number: card_number.clone(),
            },
        };
        // Refused before any stock is taken, so a disabled provider never leaves a stranded order.
        self.payments.ensure_available(&method)?;
        if self.payments.is_local(&method) {
            return self
                .checkout
                .place_and_pay(viewer, cmd, &self.payments, method)
                .await;
        }
        let placed = self.checkout.place_order(viewer, cmd).await?;
        self.payments.pay(placed.order_id, method).await?;
        self.orders.get_for_viewer(viewer, placed.order_id).await
    }

    /// Fails only when the media folder cannot be created or opened.
    pub fn new(db: Db, config: &ServiceConfig) -> ServiceResult<Self> {
        let limiter = Arc::new(RateLimiter::new(&config.rate_limits));
        let media = Arc::new(media::Media::new(config.media.clone())?);
        // Refunds go back through the provider that took the money, so both share one registry.
        let payments = payments::PaymentService::new(db.clone(), &config.commerce);
        let jobs = jobs::Jobs::new(db.clone(), config.jobs.clone());
        let fetcher = Arc::new(fetch::Fetcher::new(config.fetch.clone()));
        let feeds = catalog_feeds::CatalogFeedService::new(
            db.clone(),
            media.clone(),
            catalog::CatalogService::new(db.clone(), media.clone()),
            jobs.clone(),
            config.feeds.clone(),
        );
        catalog_feeds::register_jobs(&jobs, &feeds, &fetcher);
        let reputation_service = reputation::ReputationService::new(db.clone(), jobs.clone());
        reputation::register_jobs(&jobs, &reputation_service);
        let search_service = search::SearchService::new(
            db.clone(),
            social::SocialService::new(db.clone(), config.discover, media.clone()),
            &config.search,
        )?;
        Ok(Self {
            accounts: AccountService::new(db.clone(), limiter),
            social: social::SocialService::new(db.clone(), config.discover, media.clone()),
            shops: shops::ShopService::new(db.clone(), media.clone()),
            catalog: catalog::CatalogService::new(db.clone(), media.clone()),
            catalog_feeds: feeds.clone(),
            reviews: reviews::ReviewService::new(db.clone(), media.clone()),
            media,
            cart: cart::CartService::new(db.clone()),
            checkout: checkout::CheckoutService::new(db.clone(), config.commerce.clone()),
            orders: orders::OrderService::new(db.clone(), config.commerce.clone()),
            idempotency: idempotency::IdempotencyService::new(
                db.clone(),
                config.commerce.idempotency_ttl_secs,
            ),
            refunds: refunds::RefundService::new(db.clone(), payments.providers()),
            payments,
            ledger: ledger::LedgerService::new(db.clone()),
            mail: mail::MailService::new(db.clone(), &config.commerce),
            dashboard: dashboard::DashboardService::new(db.clone()),
            jobs,
            events: events::Events::new(db.clone()),
            fetcher,
            search: search_service,
            attribution: attribution::AttributionService::new(db.clone()),
            ugc: ugc::UgcService::new(db.clone()),
            tags: tags::TagService::new(db.clone()),
            reputation: reputation_service,
            db,
        })
    }
}
