//! Search: keeping the index in step with the database, and answering searches and suggestions with
//! views loaded (and visibility re-checked) from the database.
//!
//! Keeping up to date. Every write that changes what search shows publishes an outbox event in its own
//! transaction (the helpers at the end of this module: `product.created|updated|archived|deleted`, one
//! `product.imported` per catalog import batch, `post.created|shared|edited|deleted|hidden`,
//! `account.created|updated|suspended`, `shop.updated`). Payloads only name ids: `product_id(s)`,
//! `post_id(s)`, `user_id(s)`, `hashtag_id(s)`, `shop_id(s)`. The indexer ([`SearchService::sync`]) reads
//! the events after its cursor in batches, re-reads the current rows of the ids they name (an account
//! event also reaches the account's posts, a post event the hashtags it had and has, a shop event the
//! shop's products), upserts what is still searchable and deletes the rest, commits the index, and only
//! then acknowledges the batch. A crash in between re-applies the batch, which is harmless because a
//! document is always rebuilt from the row as it is now. Events that name nothing searchable (orders,
//! payments) are acknowledged without touching the index.
//!
//! Which cursor. Every node of a multi-node setup keeps its own index in a local folder, so each needs
//! its own position in the outbox: the cursor is the `event_cursors` row of subscriber `search`, or
//! `search@<node_id>` when `[search] node_id` is set (set it on every node when there are several; a
//! node taken out of service should have its row deleted, or it holds back `purge_delivered`). The index
//! commit stores the subscriber name with the last event it applied; an index whose checkpoint names no
//! or another subscriber (a new folder, an index copied from another node, a format from before the
//! outbox) is rebuilt on the next run rather than trusted.
//!
//! Rebuilding (`souk search reindex`, or a missing index) first notes the outbox horizon (the last event
//! readable now), then reads every searchable row, commits, and moves the cursor to that horizon: every
//! event up to it describes a change the rebuild has read, and later ones are applied by the next sync.
//!
//! What is not announced and so only refreshed by the next event for the same row or by a rebuild:
//! counters that only rank results (likes, comments, followers, a hashtag's use count beyond the post
//! that changed it), stock reaching zero through orders, and review ratings. Results are always
//! re-loaded through the normal visibility rules, so a stale document is never shown beyond what the
//! database allows.
//!
//! `POST /api/v1/admin/search/sync` runs the indexer at once and waits until every event committed
//! before the call is applied (operators, and tests that need read-your-writes); `souk serve` runs it
//! every `sync_interval_ms`, and at once when this process wakes the outbox (`Events::publish`). Every
//! write to the index goes through one lock, so a sync and a rebuild never interleave.

use crate::catalog::{self, ProductView};
use crate::events::{self, Event, Events};
use crate::ledger::rb;
use crate::social::{PostView, SocialService};
use crate::{ServiceError, ServiceResult, Viewer};
use serde_json::{Value, json};
use souk_domain::account::Role;
use souk_domain::commerce::ProductStatus;
use souk_search::{
    AccountDoc, Document, HashtagDoc, Kind, PostDoc, PriceBucket, ProductDoc, ProductFilters,
    SearchError, SearchIndex, SearchRequest,
};
use souk_store::search::{self as store, Select};
use souk_store::{Conn, Db};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use souk_search::{IndexLocation, TantivyIndex};
pub use store::{AccountCard, HashtagRow};

/// Rows read and written per batch (rebuilds, and ids re-read per query while syncing).
const BATCH: i64 = 500;
const MAX_LIMIT: i64 = 50;
const DEFAULT_LIMIT: i64 = 24;
const MAX_QUERY_CHARS: usize = 200;
/// The indexer's name as an outbox subscriber; `search@<node_id>` on a named node.
const SUBSCRIBER: &str = "search";
/// Outbox events read, applied and acknowledged together.
const EVENTS_PER_BATCH: usize = 1000;
/// How long an operator's sync waits for events committed before it started to become readable (on
/// PostgreSQL an event is readable once every older transaction has finished).
const CATCH_UP_WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub struct SearchConfig {
    /// Folder of the on-disk index.
    pub dir: PathBuf,
    /// Keep the index in memory instead (tests and benchmarks).
    pub in_memory: bool,
    /// Milliseconds between indexer runs in `souk serve`.
    pub sync_interval_ms: u64,
    /// Names this node's outbox cursor when several nodes each keep their own index; empty on a single
    /// node (see the module note).
    pub node_id: String,
}

/// In memory by default, so a `ServiceConfig::default()` (unit tests) never writes a folder into the
/// working directory; `souk` always configures `<data_dir>/search` (see `[search] dir`).
impl Default for SearchConfig {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("souk-data/search"),
            in_memory: true,
            sync_interval_ms: 2_000,
            node_id: String::new(),
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
    /// The outbox, read with this node's cursor.
    events: Events,
    /// This node's subscriber name in `event_cursors`.
    subscriber: Arc<str>,
    /// Serialises index writers (sync, rebuild).
    writing: Arc<tokio::sync::Mutex<()>>,
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
            &subscriber_name(&config.node_id),
        ))
    }

    /// A service over any [`SearchIndex`] (another engine, or a bulk-build index), reading the outbox
    /// as `subscriber`.
    pub fn with_index(
        db: Db,
        social: SocialService,
        index: Arc<dyn SearchIndex>,
        interval: Duration,
        subscriber: &str,
    ) -> Self {
        Self {
            events: Events::new(db.clone()),
            subscriber: Arc::from(subscriber),
            db,
            index,
            social,
            writing: Arc::new(tokio::sync::Mutex::new(())),
            interval,
        }
    }

    pub fn interval(&self) -> Duration {
        self.interval
    }

    pub fn index(&self) -> &Arc<dyn SearchIndex> {
        &self.index
    }

    /// This node's name in `event_cursors`.
    pub fn subscriber(&self) -> &str {
        &self.subscriber
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

    /// Operators only: applies every outbox event committed before the call, waiting (up to
    /// [`CATCH_UP_WAIT`]) for those PostgreSQL does not let readers see yet.
    pub async fn sync_as(&self, viewer: &Viewer) -> ServiceResult<SyncReport> {
        require_admin(viewer)?;
        let target = {
            let mut h = self.db.read().await?;
            souk_store::events::latest_id(h.conn()).await?
        };
        let deadline = tokio::time::Instant::now() + CATCH_UP_WAIT;
        let mut report = SyncReport::default();
        loop {
            let r = self.sync().await?;
            report.indexed += r.indexed;
            report.removed += r.removed;
            report.rebuilt |= r.rebuilt;
            let pending = {
                let mut h = self.db.read().await?;
                souk_store::events::pending_through(h.conn(), &self.subscriber, target).await?
            };
            if !pending {
                return Ok(report);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ServiceError::refused(
                    crate::Refusal::Conflict,
                    "search_sync_behind",
                    "Some changes could not be read yet because another database transaction is still \
                     running; the indexer will apply them shortly.",
                ));
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Operators only: rebuilds the whole index from the database.
    pub async fn reindex_as(&self, viewer: &Viewer) -> ServiceResult<SyncReport> {
        require_admin(viewer)?;
        self.reindex().await
    }

    /// Applies the outbox events after this node's cursor, a batch at a time, until none are left. An
    /// index that has no checkpoint of this subscriber is rebuilt instead.
    pub async fn sync(&self) -> ServiceResult<SyncReport> {
        let _writing = self.writing.lock().await;
        let checkpoint = self.blocking(|i| i.checkpoint()).await?;
        let ours = checkpoint
            .as_deref()
            .and_then(|c| serde_json::from_str::<serde_json::Value>(c).ok())
            .is_some_and(|c| c["subscriber"].as_str() == Some(&*self.subscriber));
        if !ours {
            return self.rebuild_locked().await;
        }
        let mut report = SyncReport::default();
        loop {
            let events = self.events.poll(&self.subscriber, EVENTS_PER_BATCH).await?;
            let Some(last) = events.last().map(|e| e.id) else {
                break;
            };
            let touched = self.expand(Touched::of(&events)).await?;
            let before = report;
            for (kind, ids) in touched.by_kind() {
                self.refresh(kind, &ids, &mut report).await?;
            }
            if report != before {
                let cp = self.checkpoint(last);
                self.blocking(move |i| i.commit(Some(&cp))).await?;
            }
            // Acknowledged only once what they named is committed: delivery stays at least once.
            self.events.ack(&self.subscriber, last).await?;
            if events.len() < EVENTS_PER_BATCH {
                break;
            }
        }
        Ok(report)
    }

    /// `{"subscriber": …, "event": …}`: whose cursor the index follows, and the last event it applied.
    fn checkpoint(&self, event: i64) -> String {
        serde_json::json!({ "subscriber": &*self.subscriber, "event": event }).to_string()
    }

    /// Adds the rows the named ones reach: an account's posts (suspension hides them, the display name
    /// is in them), the hashtags posts now link, a shop's products (they carry its handle and name).
    async fn expand(&self, mut t: Touched) -> ServiceResult<Touched> {
        let mut h = self.db.read().await?;
        for chunk in t.authors.chunks(BATCH as usize) {
            let posts = store::post_ids_by_authors(h.conn(), chunk).await?;
            t.posts.extend(posts);
        }
        for chunk in t.shops.chunks(BATCH as usize) {
            let products = store::product_ids_of_shops(h.conn(), chunk).await?;
            t.products.extend(products);
        }
        t.posts.sort_unstable();
        t.posts.dedup();
        for chunk in t.posts.chunks(BATCH as usize) {
            let tags = store::hashtag_ids_of_posts(h.conn(), chunk).await?;
            t.hashtags.extend(tags);
        }
        Ok(t)
    }

    /// Re-reads `ids` of a kind: searchable ones are (re)indexed, the rest removed.
    async fn refresh(&self, kind: Kind, ids: &[i64], report: &mut SyncReport) -> ServiceResult<()> {
        for chunk in ids.chunks(BATCH as usize) {
            let docs = self.load(kind, Select::Ids(chunk)).await?;
            let found: HashSet<i64> = docs.iter().map(Document::id).collect();
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
        // Noted before any row is read: every event up to here describes a change the rows below
        // already show, so the cursor may skip them once the rebuild is committed.
        let horizon = {
            let mut h = self.db.read().await?;
            souk_store::events::horizon(h.conn()).await?
        };
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
        let cp = self.checkpoint(horizon.unwrap_or(0));
        self.blocking(move |i| i.commit(Some(&cp))).await?;
        if let Some(last) = horizon {
            self.events.ack(&self.subscriber, last).await?;
        }
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
            match self.sync().await {
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
                let views = self.social.posts_by_ids(viewer, ids).await?;
                SearchItems::Posts(in_order(ids, views, |v| v.post.id))
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
        // Facet lists stay short: the first twenty shops by result count, loaded in one statement.
        let top: Vec<(i64, u64)> = f.shops.into_iter().take(20).collect();
        let ids: Vec<i64> = top.iter().map(|(id, _)| *id).collect();
        let mut records: HashMap<i64, souk_store::shops::ShopRecord> =
            souk_store::shops::by_ids(h.conn(), &ids)
                .await?
                .into_iter()
                .map(|s| (s.id, s))
                .collect();
        for (id, count) in top {
            if let Some(s) = records.remove(&id) {
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

fn subscriber_name(node_id: &str) -> String {
    match node_id.trim() {
        "" => SUBSCRIBER.to_owned(),
        node => format!("{SUBSCRIBER}@{node}"),
    }
}

/// The ids a batch of outbox events names, by what they are.
#[derive(Debug, Default, PartialEq)]
struct Touched {
    products: Vec<i64>,
    posts: Vec<i64>,
    accounts: Vec<i64>,
    hashtags: Vec<i64>,
    /// Accounts whose posts are re-read too.
    authors: Vec<i64>,
    /// Shops whose products are re-read.
    shops: Vec<i64>,
}

impl Touched {
    fn of(events: &[Event]) -> Self {
        let mut t = Touched::default();
        for e in events {
            let p = &e.payload;
            ids_at(p, "product", &mut t.products);
            ids_at(p, "post", &mut t.posts);
            ids_at(p, "user", &mut t.accounts);
            ids_at(p, "hashtag", &mut t.hashtags);
            // Only these kinds reach further: an order naming its buyer or shop must not re-index all
            // their posts or products.
            if e.kind.starts_with("account.") {
                ids_at(p, "user", &mut t.authors);
            }
            if e.kind.starts_with("shop.") {
                ids_at(p, "shop", &mut t.shops);
            }
        }
        t
    }

    /// Sorted, distinct ids per kind.
    fn by_kind(self) -> [(Kind, Vec<i64>); 4] {
        let clean = |mut v: Vec<i64>| {
            v.sort_unstable();
            v.dedup();
            v
        };
        [
            (Kind::Product, clean(self.products)),
            (Kind::Post, clean(self.posts)),
            (Kind::Account, clean(self.accounts)),
            (Kind::Hashtag, clean(self.hashtags)),
        ]
    }
}

/// Collects `{name}_id` and every number in `{name}_ids` from an event payload.
fn ids_at(payload: &Value, name: &str, out: &mut Vec<i64>) {
    if let Some(id) = payload.get(format!("{name}_id")).and_then(Value::as_i64) {
        out.push(id);
    }
    if let Some(ids) = payload.get(format!("{name}_ids")).and_then(Value::as_array) {
        out.extend(ids.iter().filter_map(Value::as_i64));
    }
}

// ---- announcing changes ----
//
// Called by the services that change what search shows, on their transaction's connection, so the
// event exists exactly when the change committed. Payloads stay small: the kind and the ids.

/// `product.created|updated|archived|deleted` for one product.
pub async fn product_changed(c: Conn<'_>, kind: &str, product_id: i64) -> ServiceResult<()> {
    events::publish(c, kind, &json!({ "product_id": product_id })).await?;
    Ok(())
}

/// One event for many products (a catalog import batch); nothing when the list is empty.
pub async fn products_changed(c: Conn<'_>, kind: &str, product_ids: &[i64]) -> ServiceResult<()> {
    if !product_ids.is_empty() {
        events::publish(c, kind, &json!({ "product_ids": product_ids })).await?;
    }
    Ok(())
}

/// `post.created|shared|edited|hidden` for one post, naming the hashtags it links now. Call it before
/// an edit unlinks the old hashtags (their counts drop; the indexer finds the new ones itself).
pub async fn post_changed(mut c: Conn<'_>, kind: &str, post_id: i64) -> ServiceResult<()> {
    let tags = store::hashtag_ids_of_posts(rb(&mut c), &[post_id]).await?;
    post_event(c, kind, &[post_id], &tags).await
}

/// `post.deleted`, naming the post, its shares (deleted with it) and their hashtags; call it before
/// anything is deleted, while those can still be read.
pub async fn post_deleted(mut c: Conn<'_>, post_id: i64) -> ServiceResult<()> {
    let mut ids = vec![post_id];
    let shares = souk_store::posts::shares_of(rb(&mut c), post_id).await?;
    ids.extend(shares.into_iter().map(|(share, _)| share));
    let tags = store::hashtag_ids_of_posts(rb(&mut c), &ids).await?;
    post_event(c, "post.deleted", &ids, &tags).await
}

async fn post_event(
    c: Conn<'_>,
    kind: &str,
    post_ids: &[i64],
    hashtag_ids: &[i64],
) -> ServiceResult<()> {
    let mut payload = match post_ids {
        [one] => json!({ "post_id": one }),
        many => json!({ "post_ids": many }),
    };
    if !hashtag_ids.is_empty() {
        payload["hashtag_ids"] = json!(hashtag_ids);
    }
    events::publish(c, kind, &payload).await?;
    Ok(())
}

/// `account.created|updated|suspended`; the indexer also re-reads the account's posts.
pub async fn account_changed(c: Conn<'_>, kind: &str, user_id: i64) -> ServiceResult<()> {
    events::publish(c, kind, &json!({ "user_id": user_id })).await?;
    Ok(())
}

/// `shop.updated`: the shop's products carry its handle and name.
pub async fn shop_changed(c: Conn<'_>, kind: &str, shop_id: i64) -> ServiceResult<()> {
    events::publish(c, kind, &json!({ "shop_id": shop_id })).await?;
    Ok(())
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
    use souk_domain::Timestamp;

    fn event(kind: &str, payload: Value) -> Event {
        Event {
            id: 1,
            kind: kind.to_owned(),
            payload,
            created_at: Timestamp::from_micros(0),
        }
    }

    #[test]
    fn reads_ids_from_event_payloads() {
        let t = Touched::of(&[
            event("product.imported", json!({"product_ids": [9, 7]})),
            event(
                "post.deleted",
                json!({"post_ids": [3, 4], "hashtag_ids": [5]}),
            ),
            event(
                "order.paid",
                json!({"order_id": 1, "user_id": 2, "shop_id": 8}),
            ),
            event("account.suspended", json!({"user_id": 6})),
            event("shop.updated", json!({"shop_id": 8, "product_id": 7})),
        ]);
        assert_eq!(t.authors, vec![6]);
        assert_eq!(t.shops, vec![8]);
        let [products, posts, accounts, hashtags] = t.by_kind();
        assert_eq!(products, (Kind::Product, vec![7, 9]));
        assert_eq!(posts, (Kind::Post, vec![3, 4]));
        assert_eq!(accounts, (Kind::Account, vec![2, 6]));
        assert_eq!(hashtags, (Kind::Hashtag, vec![5]));
    }

    #[test]
    fn names_the_cursor_per_node() {
        assert_eq!(subscriber_name(""), "search");
        assert_eq!(subscriber_name(" eu-1 "), "search@eu-1");
    }

    #[test]
    fn keeps_the_ranking_order() {
        let v = in_order(&[3, 1, 2], vec![1, 2, 3, 4], |x| *x);
        assert_eq!(v, vec![3, 1, 2]);
    }
}
