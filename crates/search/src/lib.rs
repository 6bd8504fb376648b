//! Full-text search over products, posts, accounts and hashtags: the [`SearchIndex`] trait the service
//! layer talks to, and its embedded tantivy implementation ([`TantivyIndex`]).
//!
//! The index is a derived copy of the database, never the source of truth: it holds only what is needed
//! to find and facet documents (no stored text), so callers load what they show from the database and
//! apply visibility there. It can always be thrown away and rebuilt.

pub mod analysis;
pub mod dictionary;
mod facets;
mod tantivy_index;

pub use facets::{PriceBucket, price_edges};
pub use tantivy_index::{IndexLocation, TantivyIndex};

/// The kinds of documents in the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Product,
    Post,
    Account,
    Hashtag,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Product, Kind::Post, Kind::Account, Kind::Hashtag];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Product => "product",
            Kind::Post => "post",
            Kind::Account => "account",
            Kind::Hashtag => "hashtag",
        }
    }
}

/// A product as search sees it. `rating` is the average star rating (0 while unrated).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProductDoc {
    pub id: i64,
    pub shop_id: i64,
    pub shop_handle: String,
    pub shop_name: String,
    pub title: String,
    pub description: String,
    pub brand: String,
    pub tags: Vec<String>,
    pub product_type: String,
    pub price_minor: i64,
    pub currency: String,
    pub rating: f64,
    pub in_stock: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostDoc {
    pub id: i64,
    pub author_username: String,
    pub author_display_name: String,
    pub caption: String,
    pub hashtags: Vec<String>,
    /// Likes and comments, for ordering equally relevant posts.
    pub engagement: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountDoc {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub followers: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HashtagDoc {
    pub id: i64,
    pub tag: String,
    pub post_count: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Document {
    Product(ProductDoc),
    Post(PostDoc),
    Account(AccountDoc),
    Hashtag(HashtagDoc),
}

impl Document {
    pub fn kind(&self) -> Kind {
        match self {
            Document::Product(_) => Kind::Product,
            Document::Post(_) => Kind::Post,
            Document::Account(_) => Kind::Account,
            Document::Hashtag(_) => Kind::Hashtag,
        }
    }

    pub fn id(&self) -> i64 {
        match self {
            Document::Product(d) => d.id,
            Document::Post(d) => d.id,
            Document::Account(d) => d.id,
            Document::Hashtag(d) => d.id,
        }
    }
}

/// Product filters; each is also a facet whose counts ignore its own filter (so choosing one shop still
/// shows how many results the other shops have).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProductFilters {
    pub shop_id: Option<i64>,
    /// Only products in this currency (upper-case ISO code).
    pub currency: Option<String>,
    /// Inclusive lower and exclusive upper bound in minor units of the product's currency.
    pub price_min: Option<i64>,
    pub price_max: Option<i64>,
    /// Average rating at least this (1–5).
    pub rating_min: Option<f64>,
    pub in_stock: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchRequest {
    pub kind: Kind,
    /// What the person typed; empty lists every document of the kind (newest first).
    pub text: String,
    pub filters: ProductFilters,
    pub offset: usize,
    pub limit: usize,
    /// Compute product facets (ignored for other kinds).
    pub facets: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub id: i64,
    pub score: f32,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facets {
    /// (shop id, count), most results first.
    pub shops: Vec<(i64, u64)>,
    pub prices: Vec<PriceBucket>,
    /// (minimum stars, count of results rated at least that), for 4, 3, 2 and 1 stars.
    pub ratings: Vec<(u8, u64)>,
    pub in_stock: u64,
    pub out_of_stock: u64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchResults {
    pub hits: Vec<Hit>,
    /// Matches after filters, for "N results".
    pub total: u64,
    pub facets: Option<Facets>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suggestion {
    pub kind: Kind,
    pub id: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(String),
    /// Another process (usually the running server) holds the index's write lock.
    #[error("the search index is locked by another process")]
    Locked,
}

impl From<tantivy::TantivyError> for SearchError {
    fn from(e: tantivy::TantivyError) -> Self {
        match e {
            tantivy::TantivyError::LockFailure(..) => SearchError::Locked,
            other => SearchError::Index(other.to_string()),
        }
    }
}

pub type SearchResult<T> = Result<T, SearchError>;

/// A search backend. Every method blocks (call from a blocking thread in async code). Writes are
/// invisible until [`SearchIndex::commit`]; a rebuild is `clear`, `upsert` in batches, then one commit,
/// so searches see the old index until the new one is complete.
pub trait SearchIndex: Send + Sync {
    /// Adds documents, replacing any with the same kind and id.
    fn upsert(&self, docs: &[Document]) -> SearchResult<()>;
    fn remove(&self, kind: Kind, ids: &[i64]) -> SearchResult<()>;
    /// Removes every document (a rebuild starts here).
    fn clear(&self) -> SearchResult<()>;
    /// Makes pending writes visible, durably storing `checkpoint` (the indexer's progress marker) with
    /// them so the marker can never run ahead of what is in the index.
    fn commit(&self, checkpoint: Option<&str>) -> SearchResult<()>;
    /// The checkpoint stored by the last commit.
    fn checkpoint(&self) -> SearchResult<Option<String>>;
    /// Every id of a kind in the committed index (to find what the database no longer has).
    fn ids(&self, kind: Kind) -> SearchResult<Vec<i64>>;
    fn search(&self, req: &SearchRequest) -> SearchResult<SearchResults>;
    /// Accounts and hashtags whose name (or a word of it) starts with `prefix`, most followed / most
    /// used first, at most `limit` of each kind.
    fn suggest(&self, prefix: &str, limit: usize) -> SearchResult<Vec<Suggestion>>;
    /// Committed documents.
    fn num_docs(&self) -> u64;
}
