//! Search: keeping the index in step with the database, and answering searches and suggestions with
//! views loaded (and visibility re-checked) from the database.
//!
//! Keeping up to date. The indexer ([`SearchService::sync`]) runs on a timer in `souk serve`. It reads the
//! rows changed since the high-water mark stored with the last index commit (`updated_at` of products,
//! variants, shops, reviews, posts and accounts, minus a few seconds of overlap for transactions that
//! committed late), and every so often a *sweep* compares the index's ids with the searchable ids in the
//! database, which catches what leaves no `updated_at` behind: deleted posts and products, moderation
//! hides, suspensions. Results are always re-loaded through the normal visibility rules, so anything the
//! index still holds for a moment is never shown. `POST /api/v1/admin/search/sync` runs a sync with a
//! sweep at once (operators, and tests that need read-your-writes); `souk search reindex` rebuilds.
//!
//! The outbox (`crate::events`) is read too: any event whose payload names a `product_id`, `post_id`,
//! `user_id` or `hashtag_id` has that row re-read on the next run, and `souk serve` wakes the indexer as
//! soon as events are published, so changes that announce themselves are searchable at once. Nothing
//! depends on every change being announced: the `updated_at` scan and the sweep remain the safety net.
//!
//! Every write to the index goes through one lock, so a sync and a rebuild never interleave.

use crate::catalog::{self, ProductView};
use crate::events::Events;
use crate::social::{PostView, SocialService};
use crate::{ServiceError, ServiceResult, Viewer};
use souk_domain::Timestamp;
use souk_domain::account::Role;
use souk_domain::commerce::ProductStatus;
use souk_search::{
    AccountDoc, Document, HashtagDoc, Kind, PostDoc, PriceBucket, ProductDoc, ProductFilters,
    SearchError, SearchIndex, SearchRequest,
};
use souk_store::Db;
use souk_store::search::{self as store, Select};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub use souk_search::{IndexLocation, TantivyIndex};
pub use store::{AccountCard, HashtagRow};

/// Rows read and written per batch while rebuilding.
const BATCH: i64 = 500;
/// Changes are re-read this far behind the mark: a transaction may commit a row stamped a little before
/// the moment the previous sync read.
const OVERLAP_MICROS: i64 = 10_000_000;
/// A timed sync sweeps for removals every this many runs.
const SWEEP_EVERY: u64 = 10;
const MAX_LIMIT: i64 = 50;
const DEFAULT_LIMIT: i64 = 24;
const MAX_QUERY_CHARS: usize = 200;
/// The indexer's name as an outbox subscriber.
const SUBSCRIBER: &str = "search";
/// Outbox events read per run.
const EVENTS_PER_RUN: usize = 1000;

#[derive(Debug, Clone)]
pub struct SearchConfig {
    /// Folder of the on-disk index.
    pub dir: PathBuf,
    /// Keep the index in memory instead (tests and benchmarks).
    pub in_memory: bool,
    /// Milliseconds between indexer runs in `souk serve`.
    pub sync_interval_ms: u64,
}

/// In memory by default, so a `ServiceConfig::default()` (unit tests) never writes a folder into the
/// working directory; `souk` always configures `<data_dir>/search` (see `[search] dir`).
impl Default for SearchConfig {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("souk-data/search"),
            in_memory: true,
            sync_interval_ms: 2_000,
        }
    }
}

/// What a sync or rebuild did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub indexed: u64,
    pub removed: u64,
    /// The index held no checkpoint (new or reset), so this run rebuilt it.
    pub rebuilt: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchKind {
    Products,
    Posts,
    Users,
    Tags,
}

impl SearchKind {
    pub fn parse(s: Option<&str>) -> ServiceResult<SearchKind> {
        match s.map(str::trim).unwrap_or("") {
            "" | "products" => Ok(SearchKind::Products),
            "posts" => Ok(SearchKind::Posts),
            "users" => Ok(SearchKind::Users),
            "tags" => Ok(SearchKind::Tags),
            _ => Err(ServiceError::field(
                "type",
                "invalid_type",
                "type must be products, posts, users or tags.",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SearchKind::Products => "products",
            SearchKind::Posts => "posts",
            SearchKind::Users => "users",
            SearchKind::Tags => "tags",
        }
    }

    fn index_kind(self) -> Kind {
        match self {
            SearchKind::Products => Kind::Product,
            SearchKind::Posts => Kind::Post,
            SearchKind::Users => Kind::Account,
            SearchKind::Tags => Kind::Hashtag,
        }
    }
}

/// A search as a client asks it. Product filters are ignored for other types.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    pub q: String,
    pub kind: Option<String>,
    /// Shop handle.
    pub shop: Option<String>,
    /// Minor units of `currency` (or of each product's own currency when none is given).
    pub price_min: Option<i64>,
    pub price_max: Option<i64>,
    pub currency: Option<String>,
    pub rating_min: Option<f64>,
    pub in_stock: Option<bool>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Clone)]
pub enum SearchItems {
    Products(Vec<ProductView>),
    Posts(Vec<PostView>),
    Users(Vec<AccountCard>),
    Tags(Vec<HashtagRow>),
}

#[derive(Debug, Clone)]
pub struct ShopFacet {
    pub id: i64,
    pub handle: String,
    pub name: String,
    pub count: u64,
}

#[derive(Debug, Clone)]
pub struct FacetsView {
    pub shops: Vec<ShopFacet>,
    pub prices: Vec<PriceBucket>,
    pub ratings: Vec<(u8, u64)>,
    pub in_stock: u64,
    pub out_of_stock: u64,
}

#[derive(Debug, Clone)]
pub struct SearchPage {
    pub kind: SearchKind,
    pub q: String,
    pub items: SearchItems,
    /// Matches after filters (items a viewer may not see are still counted until the next sync).
    pub total: u64,
    pub next_cursor: Option<String>,
    pub facets: Option<FacetsView>,
}

#[derive(Debug, Clone, Default)]
pub struct Suggestions {
    pub users: Vec<AccountCard>,
    pub tags: Vec<HashtagRow>,
}

#[derive(Clone)]
pub struct SearchService {
    db: Db,
    index: Arc<dyn SearchIndex>,
    social: SocialService,
    /// The outbox, read with this service's own cursor.
    events: Events,
    /// Serialises index writers (sync, rebuild).
    writing: Arc<tokio::sync::Mutex<()>>,
    runs: Arc<AtomicU64>,
    interval: Duration,
}

fn index_error(e: SearchError) -> ServiceError {
    match e {
        SearchError::Locked => ServiceError::refused(
            crate::Refusal::Conflict,
            "search_index_locked",
            "Another Souk process (usually the running server) is writing the search index.",
        ),
        other => ServiceError::Internal(other.to_string()),
    }
}

impl SearchService {
    /// Opens the index the configuration names. Fails only when the folder cannot be created or opened.
    pub fn new(db: Db, social: SocialService, config: &SearchConfig) -> ServiceResult<Self> {
        let location = if config.in_memory {
            IndexLocation::Memory
        } else {
            IndexLocation::Dir(config.dir.clone())
        };
        let index = TantivyIndex::open(&location).map_err(index_error)?;
        Ok(Self::with_index(
            db,
            social,
            Arc::new(index),
            Duration::from_millis(config.sync_interval_ms.max(100)),
        ))
    }

    /// A service over any [`SearchIndex`] (another engine, or a bulk-build index).
    pub fn with_index(
        db: Db,
        social: SocialService,
        index: Arc<dyn SearchIndex>,
        interval: Duration,
    ) -> Self {
        Self {
            events: Events::new(db.clone()),
            db,
            index,
            social,
            writing: Arc::new(tokio::sync::Mutex::new(())),
            runs: Arc::new(AtomicU64::new(0)),
            interval,
        }
    }

    pub fn interval(&self) -> Duration {
        self.interval
    }

    pub fn index(&self) -> &Arc<dyn SearchIndex> {
        &self.index
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn SearchIndex) -> Result<T, SearchError> + Send + 'static,
    ) -> ServiceResult<T> {
        let index = self.index.clone();
        tokio::task::spawn_blocking(move || f(index.as_ref()))
            .await
            .map_err(|e| ServiceError::Internal(format!("search task failed: {e}")))?
            .map_err(index_error)
    }

    /// Operators only: a sync with a sweep, now.
    pub async fn sync_as(&self, viewer: &Viewer) -> ServiceResult<SyncReport> {
        require_admin(viewer)?;
        self.sync(true).await
    }

    /// Operators only: rebuilds the whole index from the database.
    pub async fn reindex_as(&self, viewer: &Viewer) -> ServiceResult<SyncReport> {
        require_admin(viewer)?;
        self.reindex().await
    }

    /// Brings the index up to date with what changed since the last run; `sweep` also removes documents
    /// the database no longer has as searchable and adds any that are missing. An index without a
    /// checkpoint is rebuilt.
    pub async fn sync(&self, sweep: bool) -> ServiceResult<SyncReport> {
        let _writing = self.writing.lock().await;
        let checkpoint = self.blocking(|i| i.checkpoint()).await?;
        // The checkpoint is `{"since": micros}`: rows changed after that may not be in the index yet.
        let since = checkpoint
            .as_deref()
            .and_then(|c| serde_json::from_str::<serde_json::Value>(c).ok())
            .and_then(|c| c["since"].as_i64());
        let Some(since) = since else {
            return self.rebuild_locked().await;
        };
        let run = self.runs.fetch_add(1, Ordering::Relaxed);
        let sweep = sweep || run % SWEEP_EVERY == SWEEP_EVERY - 1;
        let started = Timestamp::now().as_micros();
        let after = since - OVERLAP_MICROS;
        let mut report = SyncReport::default();
        let mut changed = {
            let mut h = self.db.read().await?;
            [
                (
                    Kind::Product,
                    store::changed_products(h.conn(), after).await?,
                ),
                (Kind::Post, store::changed_posts(h.conn(), after).await?),
                (
                    Kind::Account,
                    store::changed_accounts(h.conn(), after).await?,
                ),
                (
                    Kind::Hashtag,
                    store::changed_hashtags(h.conn(), after).await?,
                ),
            ]
        };
        let events = self.events.poll(SUBSCRIBER, EVENTS_PER_RUN).await?;
        let last_event = events.last().map(|e| e.id);
        for e in &events {
            for (kind, ids) in changed.iter_mut() {
                if let Some(id) = event_id(&e.payload, *kind) {
                    ids.push(id);
                }
            }
        }
        for (kind, mut ids) in changed {
            ids.sort_unstable();
            ids.dedup();
            self.refresh(kind, &ids, &mut report).await?;
        }
        if sweep {
            for kind in Kind::ALL {
                let wanted = {
                    let mut h = self.db.read().await?;
                    match kind {
                        Kind::Product => store::searchable_product_ids(h.conn()).await?,
                        Kind::Post => store::searchable_post_ids(h.conn()).await?,
                        Kind::Account => store::searchable_account_ids(h.conn()).await?,
                        Kind::Hashtag => store::searchable_hashtag_ids(h.conn()).await?,
                    }
                };
                let have = self.blocking(move |i| i.ids(kind)).await?;
                let (missing, extra) = diff_sorted(&wanted, &have);
                if !extra.is_empty() {
                    report.removed += extra.len() as u64;
                    self.blocking(move |i| i.remove(kind, &extra)).await?;
                }
                self.refresh(kind, &missing, &mut report).await?;
            }
        }
        if report.indexed > 0 || report.removed > 0 {
            let cp = serde_json::json!({ "since": started }).to_string();
            self.blocking(move |i| i.commit(Some(&cp))).await?;
        }
        // Acknowledged only once what they named is committed: delivery stays at least once.
        if let Some(last) = last_event {
            self.events.ack(SUBSCRIBER, last).await?;
        }
        Ok(report)
    }

    /// Re-reads `ids` of a kind: searchable ones are (re)indexed, the rest removed.
    async fn refresh(&self, kind: Kind, ids: &[i64], report: &mut SyncReport) -> ServiceResult<()> {
        for chunk in ids.chunks(BATCH as usize) {
            let docs = self.load(kind, Select::Ids(chunk)).await?;
            let found: Vec<i64> = docs.iter().map(Document::id).collect();
            let gone: Vec<i64> = chunk
                .iter()
                .copied()
                .filter(|id| !found.contains(id))
                .collect();
            report.indexed += docs.len() as u64;
            report.removed += gone.len() as u64;
            self.blocking(move |i| {
                i.upsert(&docs)?;
                i.remove(kind, &gone)
            })
            .await?;
        }
        Ok(())
    }

    async fn load(&self, kind: Kind, select: Select<'_>) -> ServiceResult<Vec<Document>> {
        let mut h = self.db.read().await?;
        Ok(match kind {
            Kind::Product => store::products(h.conn(), select)
                .await?
                .into_iter()
                .map(product_doc)
                .collect(),
            Kind::Post => store::posts(h.conn(), select)
                .await?
                .into_iter()
                .map(|p| {
                    Document::Post(PostDoc {
                        id: p.id,
                        author_username: p.author_username,
                        author_display_name: p.author_display_name,
                        caption: p.caption,
                        hashtags: p.hashtags,
                        engagement: p.engagement,
                    })
                })
                .collect(),
            Kind::Account => store::accounts(h.conn(), select)
                .await?
                .into_iter()
                .map(|a| {
                    Document::Account(AccountDoc {
                        id: a.id,
                        username: a.username,
                        display_name: a.display_name,
                        followers: a.followers,
                    })
                })
                .collect(),
            Kind::Hashtag => store::hashtags(h.conn(), select)
                .await?
                .into_iter()
                .map(|t| {
                    Document::Hashtag(HashtagDoc {
                        id: t.id,
                        tag: t.tag,
                        post_count: t.post_count,
                    })
                })
                .collect(),
        })
    }

    /// Rebuilds the index from the database in batches; searches see the old index until the new one
    /// is committed whole.
    pub async fn reindex(&self) -> ServiceResult<SyncReport> {
        let _writing = self.writing.lock().await;
        self.rebuild_locked().await
    }

    async fn rebuild_locked(&self) -> ServiceResult<SyncReport> {
        let started = Timestamp::now().as_micros();
        self.blocking(|i| i.clear()).await?;
        let mut report = SyncReport {
            rebuilt: true,
            ..SyncReport::default()
        };
        for kind in Kind::ALL {
            let mut after = 0;
            loop {
                let docs = self
                    .load(
                        kind,
                        Select::After {
                            id: after,
                            limit: BATCH,
                        },
                    )
                    .await?;
                let Some(last) = docs.last().map(Document::id) else {
                    break;
                };
                after = last;
                report.indexed += docs.len() as u64;
                self.blocking(move |i| i.upsert(&docs)).await?;
            }
        }
        let cp = serde_json::json!({ "since": started }).to_string();
        self.blocking(move |i| i.commit(Some(&cp))).await?;
        Ok(report)
    }

    /// Runs [`SearchService::sync`] every interval, and as soon as `wake` (the process's shared outbox)
    /// says events were published, until the task is dropped; failures are logged and retried on the
    /// next run.
    pub async fn run_indexer(self, wake: Events) {
        let mut tick = tokio::time::interval(self.interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                () = wake.notified() => {}
            }
            match self.sync(false).await {
                Ok(r) if r.indexed > 0 || r.removed > 0 => {
                    tracing::debug!(
                        indexed = r.indexed,
                        removed = r.removed,
                        rebuilt = r.rebuilt,
                        "search index synced"
                    );
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "search index sync failed"),
            }
        }
    }

    /// Searches one type. Results are loaded through the same rules as everywhere else (active products,
    /// visible posts, unblocked accounts), so the index never shows more than the database allows.
    pub async fn search(
        &self,
        viewer: Option<&Viewer>,
        query: &SearchQuery,
    ) -> ServiceResult<SearchPage> {
        let kind = SearchKind::parse(query.kind.as_deref())?;
        let q: String = query.q.trim().chars().take(MAX_QUERY_CHARS).collect();
        let limit = query.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT) as usize;
        let offset = parse_cursor(query.cursor.as_deref())?;
        let mut filters = ProductFilters::default();
        if kind == SearchKind::Products {
            filters = self.filters(query).await?;
        }
        let shop_filter_set = query.shop.as_deref().is_some_and(|s| !s.trim().is_empty());
        if kind == SearchKind::Products && shop_filter_set && filters.shop_id.is_none() {
            // An unknown shop matches nothing rather than being ignored.
            return Ok(SearchPage {
                kind,
                q,
                items: empty_items(kind),
                total: 0,
                next_cursor: None,
                facets: None,
            });
        }
        let req = SearchRequest {
            kind: kind.index_kind(),
            text: q.clone(),
            filters,
            offset,
            limit,
            facets: kind == SearchKind::Products,
        };
        let results = self.blocking(move |i| i.search(&req)).await?;
        let ids: Vec<i64> = results.hits.iter().map(|h| h.id).collect();
        let next_cursor =
            ((offset + limit) < results.total as usize).then(|| (offset + limit).to_string());
        let items = self.hydrate(viewer, kind, &ids).await?;
        let facets = match results.facets {
            Some(f) => Some(self.facets_view(f).await?),
            None => None,
        };
        Ok(SearchPage {
            kind,
            q,
            items,
            total: results.total,
            next_cursor,
            facets,
        })
    }

    async fn filters(&self, query: &SearchQuery) -> ServiceResult<ProductFilters> {
        let mut errors = Vec::new();
        let mut f = ProductFilters {
            price_min: query.price_min,
            price_max: query.price_max,
            rating_min: query.rating_min,
            in_stock: query.in_stock,
            ..ProductFilters::default()
        };
        if f.price_min.is_some_and(|p| p < 0) {
            errors.push(souk_domain::FieldError::new(
                "price_min",
                "invalid_price",
                "price_min must not be negative.",
            ));
        }
        if f.price_max.is_some_and(|p| p < 0) {
            errors.push(souk_domain::FieldError::new(
                "price_max",
                "invalid_price",
                "price_max must not be negative.",
            ));
        }
        if f.rating_min.is_some_and(|r| !(0.0..=5.0).contains(&r)) {
            errors.push(souk_domain::FieldError::new(
                "rating_min",
                "invalid_rating",
                "rating_min must be between 0 and 5.",
            ));
        }
        if let Some(c) = query.currency.as_deref().filter(|c| !c.trim().is_empty()) {
            match souk_domain::Currency::parse(c) {
                Ok(c) => f.currency = Some(c.code().to_owned()),
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        if let Some(handle) = query.shop.as_deref().filter(|s| !s.trim().is_empty()) {
            let mut h = self.db.read().await?;
            let key = handle.trim().trim_start_matches('@').to_ascii_lowercase();
            f.shop_id = souk_store::shops::by_handle_key(h.conn(), &key)
                .await?
                .map(|s| s.id);
        }
        Ok(f)
    }

    async fn hydrate(
        &self,
        viewer: Option<&Viewer>,
        kind: SearchKind,
        ids: &[i64],
    ) -> ServiceResult<SearchItems> {
        let me = viewer.map(|v| v.user_id).unwrap_or(0);
        Ok(match kind {
            SearchKind::Products => {
                let mut h = self.db.read().await?;
                let rows = souk_store::products::by_ids(h.conn(), ids).await?;
                let views = catalog::views_of(h.conn(), viewer, rows).await?;
                let views = views
                    .into_iter()
                    .filter(|v| v.status == ProductStatus::Active);
                SearchItems::Products(in_order(ids, views, |v| v.product.id))
            }
            SearchKind::Posts => {
                let mut views = Vec::with_capacity(ids.len());
                for id in ids {
                    match self.social.post(viewer, *id).await {
                        Ok(v) => views.push(v),
                        Err(ServiceError::NotFound) => {}
                        Err(e) => return Err(e),
                    }
                }
                SearchItems::Posts(views)
            }
            SearchKind::Users => {
                let mut h = self.db.read().await?;
                let cards = store::account_cards(h.conn(), me, ids).await?;
                SearchItems::Users(in_order(ids, cards, |c| c.id))
            }
            SearchKind::Tags => {
                let mut h = self.db.read().await?;
                let tags = store::hashtags(h.conn(), Select::Ids(ids)).await?;
                SearchItems::Tags(in_order(ids, tags, |t| t.id))
            }
        })
    }

    async fn facets_view(&self, f: souk_search::Facets) -> ServiceResult<FacetsView> {
        let mut shops = Vec::with_capacity(f.shops.len());
        let mut h = self.db.read().await?;
        // Facet lists stay short: the first twenty shops by result count.
        for (id, count) in f.shops.into_iter().take(20) {
            if let Some(s) = souk_store::shops::by_id(h.conn(), id).await? {
                shops.push(ShopFacet {
                    id,
                    handle: s.handle,
                    name: s.name,
                    count,
                });
            }
        }
        Ok(FacetsView {
            shops,
            prices: f.prices,
            ratings: f.ratings,
            in_stock: f.in_stock,
            out_of_stock: f.out_of_stock,
        })
    }

    /// Accounts and hashtags whose names start with `prefix` (autocomplete for the search box and for
    /// @mentions and #tags).
    pub async fn suggest(
        &self,
        viewer: Option<&Viewer>,
        prefix: &str,
        limit: Option<i64>,
    ) -> ServiceResult<Suggestions> {
        let prefix: String = prefix.trim().chars().take(MAX_QUERY_CHARS).collect();
        if prefix.is_empty() {
            return Ok(Suggestions::default());
        }
        let n = limit.unwrap_or(5).clamp(1, 20) as usize;
        let hits = self.blocking(move |i| i.suggest(&prefix, n)).await?;
        let users: Vec<i64> = hits
            .iter()
            .filter(|s| s.kind == Kind::Account)
            .map(|s| s.id)
            .collect();
        let tags: Vec<i64> = hits
            .iter()
            .filter(|s| s.kind == Kind::Hashtag)
            .map(|s| s.id)
            .collect();
        let me = viewer.map(|v| v.user_id).unwrap_or(0);
        let mut h = self.db.read().await?;
        let cards = store::account_cards(h.conn(), me, &users).await?;
        let rows = store::hashtags(h.conn(), Select::Ids(&tags)).await?;
        Ok(Suggestions {
            users: in_order(&users, cards, |c| c.id),
            tags: in_order(&tags, rows, |t| t.id),
        })
    }
}

/// The row of `kind` an outbox event names, if any (`{"product_id": 7}` and the like).
fn event_id(payload: &serde_json::Value, kind: Kind) -> Option<i64> {
    let key = match kind {
        Kind::Product => "product_id",
        Kind::Post => "post_id",
        Kind::Account => "user_id",
        Kind::Hashtag => "hashtag_id",
    };
    payload.get(key).and_then(serde_json::Value::as_i64)
}

fn require_admin(viewer: &Viewer) -> ServiceResult<()> {
    if viewer.role == Role::Admin {
        Ok(())
    } else {
        Err(ServiceError::NotFound)
    }
}

fn empty_items(kind: SearchKind) -> SearchItems {
    match kind {
        SearchKind::Products => SearchItems::Products(Vec::new()),
        SearchKind::Posts => SearchItems::Posts(Vec::new()),
        SearchKind::Users => SearchItems::Users(Vec::new()),
        SearchKind::Tags => SearchItems::Tags(Vec::new()),
    }
}

fn parse_cursor(cursor: Option<&str>) -> ServiceResult<usize> {
    match cursor.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(0),
        Some(c) => c
            .parse::<usize>()
            .ok()
            .filter(|n| *n <= 10_000)
            .ok_or_else(|| {
                ServiceError::field("cursor", "cursor_invalid", "The cursor is not valid.")
            }),
    }
}

/// `items` in the order of `ids` (the ranking), dropping ids that did not load.
fn in_order<T>(ids: &[i64], items: impl IntoIterator<Item = T>, id: impl Fn(&T) -> i64) -> Vec<T> {
    let mut by_id: HashMap<i64, T> = items.into_iter().map(|t| (id(&t), t)).collect();
    ids.iter().filter_map(|i| by_id.remove(i)).collect()
}

/// Ids in `wanted` but not `have`, and in `have` but not `wanted` (both sorted ascending).
fn diff_sorted(wanted: &[i64], have: &[i64]) -> (Vec<i64>, Vec<i64>) {
    let (mut missing, mut extra) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < wanted.len() || j < have.len() {
        match (wanted.get(i), have.get(j)) {
            (Some(w), Some(h)) if w == h => {
                i += 1;
                j += 1;
            }
            (Some(w), Some(h)) if w < h => {
                missing.push(*w);
                i += 1;
            }
            (Some(w), None) => {
                missing.push(*w);
                i += 1;
            }
            (_, Some(h)) => {
                extra.push(*h);
                j += 1;
            }
            (None, None) => break,
        }
    }
    (missing, extra)
}

fn product_doc(p: store::ProductRow) -> Document {
    let rating = if p.rating_count > 0 {
        p.rating_sum as f64 / p.rating_count as f64
    } else {
        0.0
    };
    Document::Product(ProductDoc {
        id: p.id,
        shop_id: p.shop_id,
        shop_handle: p.shop_handle,
        shop_name: p.shop_name,
        title: p.title,
        description: p.description,
        brand: p.brand,
        tags: p
            .tags
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        product_type: p.product_type,
        price_minor: p.price_minor,
        currency: p.currency,
        rating,
        in_stock: p.in_stock,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_sorted_id_lists() {
        let (missing, extra) = diff_sorted(&[1, 2, 4, 7], &[2, 3, 4, 8, 9]);
        assert_eq!(missing, vec![1, 7]);
        assert_eq!(extra, vec![3, 8, 9]);
    }

    #[test]
    fn reads_ids_from_event_payloads() {
        let p = serde_json::json!({"product_id": 7, "user_id": 2});
        assert_eq!(event_id(&p, Kind::Product), Some(7));
        assert_eq!(event_id(&p, Kind::Account), Some(2));
        assert_eq!(event_id(&p, Kind::Post), None);
    }

    #[test]
    fn keeps_the_ranking_order() {
        let v = in_order(&[3, 1, 2], vec![1, 2, 3, 4], |x| *x);
        assert_eq!(v, vec![3, 1, 2]);
    }
}
