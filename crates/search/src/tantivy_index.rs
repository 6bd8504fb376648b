//! The embedded tantivy index: one index holding every kind of document, told apart by a `kind` term.
//!
//! Text goes into three weighted fields (title ×3, extra ×2 — brand, tags, shop, author —, body ×1)
//! analysed by [`crate::analysis`]; filters and facets read fast fields. Only what search needs is stored:
//! results are ids, and the caller loads and re-checks them against the database.

use crate::analysis::{
    self, QueryUnit, SUGGEST_TOKENIZER, SoukTokenizer, SuggestTokenizer, TEXT_TOKENIZER,
};
use crate::facets::{Compiled, ProductRow, currency_code};
use crate::{
    Document, Hit, Kind, SearchError, SearchIndex, SearchRequest, SearchResult, SearchResults,
    Suggestion,
};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::directory::MmapDirectory;
use tantivy::index::SegmentReader;
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, TantivyDocument, Term};

/// Bumped whenever the schema or the analysis changes: a new version lives in a new folder, so an old
/// index is never read with the wrong analysis and the indexer simply rebuilds.
const SCHEMA_VERSION: &str = "v1";

/// Where the index lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexLocation {
    /// A folder (created when missing); the index itself goes in a versioned sub-folder.
    Dir(PathBuf),
    /// In memory, for tests.
    Memory,
}

#[derive(Clone, Copy)]
struct Fields {
    key: Field,
    kind: Field,
    title: Field,
    extra: Field,
    body: Field,
    suggest: Field,
    id: Field,
    shop_id: Field,
    price: Field,
    currency: Field,
    rating: Field,
    in_stock: Field,
    popularity: Field,
}

impl Fields {
    /// The full-text fields with their weights.
    fn weighted(&self) -> [(Field, f32); 3] {
        [(self.title, 3.0), (self.extra, 2.0), (self.body, 1.0)]
    }
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |tokenizer: &str, option: IndexRecordOption| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(option),
        )
    };
    let fields = Fields {
        key: b.add_text_field("key", STRING),
        kind: b.add_text_field("kind", STRING),
        title: b.add_text_field("title", text(TEXT_TOKENIZER, IndexRecordOption::WithFreqs)),
        extra: b.add_text_field("extra", text(TEXT_TOKENIZER, IndexRecordOption::WithFreqs)),
        body: b.add_text_field("body", text(TEXT_TOKENIZER, IndexRecordOption::WithFreqs)),
        suggest: b.add_text_field("suggest", text(SUGGEST_TOKENIZER, IndexRecordOption::Basic)),
        id: b.add_i64_field("id", FAST),
        shop_id: b.add_i64_field("shop_id", FAST),
        price: b.add_i64_field("price_minor", FAST),
        currency: b.add_u64_field("currency", FAST),
        rating: b.add_i64_field("rating", FAST),
        in_stock: b.add_u64_field("in_stock", FAST),
        popularity: b.add_i64_field("popularity", FAST),
    };
    (b.build(), fields)
}

pub struct TantivyIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    /// Opened on the first write, so a process that only reads (the CLI beside a running server) never
    /// contends for the lock.
    writer: Mutex<Option<IndexWriter>>,
    writer_threads: usize,
    writer_memory: usize,
}

impl TantivyIndex {
    /// Opens (or creates) the index. A folder holding an unreadable index is cleared and recreated: the
    /// index is derived data and the indexer rebuilds it.
    pub fn open(location: &IndexLocation) -> SearchResult<Self> {
        Self::open_with(location, 1, 32 << 20)
    }

    /// Like [`TantivyIndex::open`] with the writer's thread count and memory budget (bytes, at least
    /// 15 MB per thread); bulk builds go faster with more of both.
    pub fn open_with(
        location: &IndexLocation,
        writer_threads: usize,
        writer_memory: usize,
    ) -> SearchResult<Self> {
        let (schema, fields) = schema();
        let index = match location {
            IndexLocation::Memory => Index::create_in_ram(schema),
            IndexLocation::Dir(dir) => open_dir(&dir.join(SCHEMA_VERSION), schema)?,
        };
        index
            .tokenizers()
            .register(TEXT_TOKENIZER, TextAnalyzer::builder(SoukTokenizer).build());
        index.tokenizers().register(
            SUGGEST_TOKENIZER,
            TextAnalyzer::builder(SuggestTokenizer).build(),
        );
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            index,
            reader,
            fields,
            writer: Mutex::new(None),
            writer_threads: writer_threads.max(1),
            writer_memory: writer_memory.max(15 << 20) * writer_threads.max(1),
        })
    }

    fn with_writer<T>(
        &self,
        f: impl FnOnce(&mut IndexWriter) -> SearchResult<T>,
    ) -> SearchResult<T> {
        let mut guard = self
            .writer
            .lock()
            .map_err(|_| SearchError::Index("writer lock poisoned".into()))?;
        if guard.is_none() {
            // One merge thread instead of four: the index is small, and each idle thread keeps its own
            // allocator cache for the life of the server.
            let options = tantivy::indexer::IndexWriterOptions::builder()
                .num_worker_threads(self.writer_threads)
                .memory_budget_per_thread(self.writer_memory / self.writer_threads)
                .num_merge_threads(1)
                .build();
            let w = self.index.writer_with_options(options)?;
            *guard = Some(w);
        }
        match guard.as_mut() {
            Some(w) => f(w),
            None => Err(SearchError::Index("no index writer".into())),
        }
    }

    fn key(&self, kind: Kind, id: i64) -> Term {
        Term::from_field_text(self.fields.key, &format!("{}:{id}", kind.as_str()))
    }

    fn kind_query(&self, kind: Kind) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(self.fields.kind, kind.as_str()),
            IndexRecordOption::Basic,
        ))
    }

    fn to_tantivy(&self, doc: &Document) -> TantivyDocument {
        let f = &self.fields;
        let mut d = TantivyDocument::new();
        d.add_text(f.key, format!("{}:{}", doc.kind().as_str(), doc.id()));
        d.add_text(f.kind, doc.kind().as_str());
        d.add_i64(f.id, doc.id());
        match doc {
            Document::Product(p) => {
                d.add_text(f.title, &p.title);
                d.add_text(
                    f.extra,
                    [
                        p.brand.as_str(),
                        &p.tags.join(" "),
                        &p.product_type,
                        &p.shop_name,
                        &p.shop_handle,
                    ]
                    .join(" \n "),
                );
                d.add_text(f.body, &p.description);
                d.add_i64(f.shop_id, p.shop_id);
                d.add_i64(f.price, p.price_minor);
                d.add_u64(f.currency, currency_code(&p.currency));
                d.add_i64(f.rating, (p.rating * 100.0).round() as i64);
                d.add_u64(f.in_stock, u64::from(p.in_stock));
                d.add_i64(f.popularity, 0);
            }
            Document::Post(p) => {
                d.add_text(f.title, p.hashtags.join(" "));
                d.add_text(
                    f.extra,
                    format!("{} {}", p.author_username, p.author_display_name),
                );
                d.add_text(f.body, &p.caption);
                d.add_i64(f.popularity, p.engagement);
            }
            Document::Account(a) => {
                d.add_text(f.title, &a.display_name);
                d.add_text(f.extra, &a.username);
                d.add_text(f.suggest, &a.username);
                if !a.display_name.trim().is_empty() {
                    d.add_text(f.suggest, &a.display_name);
                }
                d.add_i64(f.popularity, a.followers);
            }
            Document::Hashtag(h) => {
                d.add_text(f.title, &h.tag);
                d.add_text(f.suggest, &h.tag);
                d.add_i64(f.popularity, h.post_count);
            }
        }
        d
    }

    /// One field's match for a term, weighted.
    fn term_in(&self, field: Field, text: &str, boost: f32) -> Box<dyn Query> {
        let q = TermQuery::new(
            Term::from_field_text(field, text),
            IndexRecordOption::WithFreqs,
        );
        Box::new(BoostQuery::new(Box::new(q), boost))
    }

    /// A term in any of the weighted fields.
    fn term_anywhere(&self, text: &str) -> Box<dyn Query> {
        let clauses = self
            .fields
            .weighted()
            .iter()
            .map(|(field, w)| (Occur::Should, self.term_in(*field, text, *w)))
            .collect();
        Box::new(BooleanQuery::new(clauses))
    }

    fn all_of(&self, terms: &[String]) -> Box<dyn Query> {
        Box::new(BooleanQuery::new(
            terms
                .iter()
                .map(|t| (Occur::Must, self.term_anywhere(t)))
                .collect(),
        ))
    }

    /// The full-text part of a query: every unit must match (see [`analysis::query_units`]). `None` when
    /// the text has nothing searchable in it.
    fn text_query(&self, text: &str) -> Option<Box<dyn Query>> {
        let units = analysis::query_units(text);
        if units.is_empty() {
            return None;
        }
        let mut musts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for unit in units {
            let mut shoulds: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            match unit {
                QueryUnit::Word { word, stem, fuzzy } => {
                    shoulds.push((Occur::Should, self.term_anywhere(&stem)));
                    if word != stem {
                        shoulds.push((Occur::Should, self.term_anywhere(&word)));
                    }
                    if fuzzy > 0 {
                        // A typo scores below an exact match: fuzzy matches score a constant, boosted low.
                        for (field, _) in self.fields.weighted() {
                            let mut forms = vec![word.clone()];
                            if stem != word {
                                forms.push(stem.clone());
                            }
                            for form in forms {
                                let q = FuzzyTermQuery::new(
                                    Term::from_field_text(field, &form),
                                    fuzzy,
                                    true,
                                );
                                shoulds.push((
                                    Occur::Should,
                                    Box::new(BoostQuery::new(Box::new(q), 0.3)),
                                ));
                            }
                        }
                    }
                }
                QueryUnit::Cjk { words, grams } => {
                    if !words.is_empty() {
                        shoulds.push((
                            Occur::Should,
                            Box::new(BoostQuery::new(self.all_of(&words), 1.5)),
                        ));
                    }
                    if grams != words {
                        shoulds.push((Occur::Should, self.all_of(&grams)));
                    }
                }
            }
            musts.push((Occur::Must, Box::new(BooleanQuery::new(shoulds))));
        }
        Some(Box::new(BooleanQuery::new(musts)))
    }

    fn prefix_query(&self, prefix: &str) -> Box<dyn Query> {
        Box::new(FuzzyTermQuery::new_prefix(
            Term::from_field_text(self.fields.suggest, prefix),
            0,
            false,
        ))
    }

    fn build_query(&self, req: &SearchRequest) -> Option<Box<dyn Query>> {
        let text = self.text_query(&req.text);
        let names = matches!(req.kind, Kind::Account | Kind::Hashtag);
        let prefix = analysis::suggest_prefix(&req.text);
        let matcher: Box<dyn Query> = match (text, names && !prefix.is_empty()) {
            // People and hashtags are found by what their name starts with, too ("min" finds "mina").
            (Some(t), true) => Box::new(BooleanQuery::new(vec![
                (Occur::Should, t),
                (
                    Occur::Should,
                    Box::new(BoostQuery::new(self.prefix_query(&prefix), 2.0)),
                ),
            ])),
            (None, true) => self.prefix_query(&prefix),
            (Some(t), false) => t,
            (None, false) if req.text.trim().is_empty() => Box::new(AllQuery),
            (None, false) => return None,
        };
        Some(Box::new(BooleanQuery::new(vec![
            (Occur::Must, self.kind_query(req.kind)),
            (Occur::Must, matcher),
        ])))
    }

    fn collect(&self, query: &dyn Query, products: bool) -> SearchResult<Vec<Match>> {
        let searcher = self.reader.searcher();
        Ok(searcher.search(query, &MatchCollector { products })?)
    }
}

fn open_dir(dir: &Path, schema: Schema) -> SearchResult<Index> {
    std::fs::create_dir_all(dir)
        .map_err(|e| SearchError::Index(format!("cannot create {}: {e}", dir.display())))?;
    let open = || -> tantivy::Result<Index> {
        let directory = MmapDirectory::open(dir)?;
        Index::open_or_create(directory, schema.clone())
    };
    match open() {
        Ok(index) => Ok(index),
        Err(e) => {
            tracing::warn!(error = %e, dir = %dir.display(), "search index unreadable; starting a new one");
            std::fs::remove_dir_all(dir)
                .and_then(|()| std::fs::create_dir_all(dir))
                .map_err(|e| SearchError::Index(format!("cannot reset {}: {e}", dir.display())))?;
            Ok(open()?)
        }
    }
}

/// One matching document with what ordering and facets need.
#[derive(Debug, Clone, Copy)]
struct Match {
    score: Score,
    id: i64,
    popularity: i64,
    product: Option<ProductRow>,
}

/// Collects every match (not a top-k): facets need all of them, and result sets are bounded by the
/// catalogue size.
struct MatchCollector {
    products: bool,
}

struct Columns {
    shop_id: Column<i64>,
    price: Column<i64>,
    currency: Column<u64>,
    rating: Column<i64>,
    in_stock: Column<u64>,
}

struct MatchSegmentCollector {
    id: Option<Column<i64>>,
    popularity: Option<Column<i64>>,
    product: Option<Columns>,
    out: Vec<Match>,
}

impl Collector for MatchCollector {
    type Fruit = Vec<Match>;
    type Child = MatchSegmentCollector;

    fn for_segment(
        &self,
        _segment_local_id: u32,
        segment: &SegmentReader,
    ) -> tantivy::Result<MatchSegmentCollector> {
        let ff = segment.fast_fields();
        let product = if self.products {
            match (
                ff.column_opt::<i64>("shop_id")?,
                ff.column_opt::<i64>("price_minor")?,
                ff.column_opt::<u64>("currency")?,
                ff.column_opt::<i64>("rating")?,
                ff.column_opt::<u64>("in_stock")?,
            ) {
                (Some(shop_id), Some(price), Some(currency), Some(rating), Some(in_stock)) => {
                    Some(Columns {
                        shop_id,
                        price,
                        currency,
                        rating,
                        in_stock,
                    })
                }
                _ => None,
            }
        } else {
            None
        };
        Ok(MatchSegmentCollector {
            id: ff.column_opt("id")?,
            popularity: ff.column_opt("popularity")?,
            product,
            out: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<Match>>) -> tantivy::Result<Vec<Match>> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for MatchSegmentCollector {
    type Fruit = Vec<Match>;

    fn collect(&mut self, doc: DocId, score: Score) {
        let Some(id) = self.id.as_ref().and_then(|c| c.first(doc)) else {
            return;
        };
        let popularity = self
            .popularity
            .as_ref()
            .and_then(|c| c.first(doc))
            .unwrap_or(0);
        let product = self.product.as_ref().map(|c| ProductRow {
            shop_id: c.shop_id.first(doc).unwrap_or(0),
            price_minor: c.price.first(doc).unwrap_or(0),
            currency: c.currency.first(doc).unwrap_or(0),
            rating: c.rating.first(doc).unwrap_or(0),
            in_stock: c.in_stock.first(doc).unwrap_or(0) == 1,
        });
        self.out.push(Match {
            score,
            id,
            popularity,
            product,
        });
    }

    fn harvest(self) -> Vec<Match> {
        self.out
    }
}

/// Best first: score, then popularity, then newest; with no query text, newest first.
fn order(by_score: bool) -> impl Fn(&Match, &Match) -> std::cmp::Ordering {
    move |a, b| {
        let s = if by_score {
            b.score.total_cmp(&a.score)
        } else {
            std::cmp::Ordering::Equal
        };
        s.then(b.popularity.cmp(&a.popularity))
            .then(b.id.cmp(&a.id))
    }
}

impl SearchIndex for TantivyIndex {
    fn upsert(&self, docs: &[Document]) -> SearchResult<()> {
        self.with_writer(|w| {
            for doc in docs {
                w.delete_term(self.key(doc.kind(), doc.id()));
                w.add_document(self.to_tantivy(doc))?;
            }
            Ok(())
        })
    }

    fn remove(&self, kind: Kind, ids: &[i64]) -> SearchResult<()> {
        self.with_writer(|w| {
            for id in ids {
                w.delete_term(self.key(kind, *id));
            }
            Ok(())
        })
    }

    fn clear(&self) -> SearchResult<()> {
        self.with_writer(|w| {
            w.delete_all_documents()?;
            Ok(())
        })
    }

    fn commit(&self, checkpoint: Option<&str>) -> SearchResult<()> {
        let keep = match checkpoint {
            Some(c) => Some(c.to_owned()),
            None => self.checkpoint()?,
        };
        self.with_writer(|w| {
            let mut prepared = w.prepare_commit()?;
            if let Some(c) = &keep {
                prepared.set_payload(c);
            }
            prepared.commit()?;
            Ok(())
        })?;
        self.reader.reload()?;
        Ok(())
    }

    fn checkpoint(&self) -> SearchResult<Option<String>> {
        Ok(self.index.load_metas()?.payload)
    }

    fn ids(&self, kind: Kind) -> SearchResult<Vec<i64>> {
        let mut ids: Vec<i64> = self
            .collect(self.kind_query(kind).as_ref(), false)?
            .into_iter()
            .map(|m| m.id)
            .collect();
        ids.sort_unstable();
        Ok(ids)
    }

    fn search(&self, req: &SearchRequest) -> SearchResult<SearchResults> {
        let Some(query) = self.build_query(req) else {
            return Ok(SearchResults::default());
        };
        let products = req.kind == Kind::Product;
        let mut matches = self.collect(query.as_ref(), products)?;
        let mut facets = None;
        if products {
            let filters = Compiled::new(&req.filters);
            if req.facets {
                let rows: Vec<ProductRow> = matches.iter().filter_map(|m| m.product).collect();
                facets = Some(filters.facets(&rows));
            }
            if !filters.is_empty() {
                matches.retain(|m| m.product.is_some_and(|p| filters.accepts(&p)));
            }
        }
        let total = matches.len() as u64;
        let cmp = order(!req.text.trim().is_empty());
        let end = req.offset.saturating_add(req.limit).min(matches.len());
        // Only the requested page needs sorting: partition around its end first.
        if end > 0 && end < matches.len() {
            matches.select_nth_unstable_by(end - 1, &cmp);
            matches.truncate(end);
        }
        matches.sort_by(&cmp);
        let hits = matches
            .into_iter()
            .skip(req.offset)
            .take(req.limit)
            .map(|m| Hit {
                id: m.id,
                score: m.score,
            })
            .collect();
        Ok(SearchResults {
            hits,
            total,
            facets,
        })
    }

    fn suggest(&self, prefix: &str, limit: usize) -> SearchResult<Vec<Suggestion>> {
        let prefix = analysis::suggest_prefix(prefix);
        if prefix.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for kind in [Kind::Account, Kind::Hashtag] {
            let q = BooleanQuery::new(vec![
                (Occur::Must, self.kind_query(kind)),
                (Occur::Must, self.prefix_query(&prefix)),
            ]);
            let mut matches = self.collect(&q, false)?;
            matches.sort_by(order(false));
            out.extend(
                matches
                    .into_iter()
                    .take(limit)
                    .map(|m| Suggestion { kind, id: m.id }),
            );
        }
        Ok(out)
    }

    fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::{AccountDoc, HashtagDoc, PostDoc, ProductDoc, ProductFilters};

    fn product(id: i64, title: &str) -> Document {
        Document::Product(ProductDoc {
            id,
            shop_id: 1,
            shop_handle: "acme".into(),
            shop_name: "Acme".into(),
            title: title.into(),
            price_minor: 1_000 * id,
            currency: "USD".into(),
            in_stock: true,
            ..ProductDoc::default()
        })
    }

    fn index(docs: &[Document]) -> TantivyIndex {
        let idx = TantivyIndex::open(&IndexLocation::Memory).unwrap();
        idx.upsert(docs).unwrap();
        idx.commit(Some("c1")).unwrap();
        idx
    }

    fn find(idx: &TantivyIndex, kind: Kind, text: &str) -> Vec<i64> {
        idx.search(&SearchRequest {
            kind,
            text: text.into(),
            filters: ProductFilters::default(),
            offset: 0,
            limit: 50,
            facets: false,
        })
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.id)
        .collect()
    }

    fn catalogue() -> TantivyIndex {
        index(&[
            product(1, "護膚精華液 保濕"),
            product(2, "夏季碎花连衣裙"),
            product(3, "비타민세럼 30ml"),
            product(4, "Hydrating face serum"),
            product(5, "Silk scarf"),
            product(6, "Linen summer dress 夏天 連衣裙"),
            product(7, "护肤套装"),
        ])
    }

    #[test]
    fn simplified_finds_traditional_and_back() {
        let idx = catalogue();
        assert_eq!(find(&idx, Kind::Product, "护肤"), vec![7, 1]);
        let mut t = find(&idx, Kind::Product, "護膚");
        t.sort();
        assert_eq!(t, vec![1, 7]);
        let mut d = find(&idx, Kind::Product, "连衣裙");
        d.sort();
        assert_eq!(d, vec![2, 6]);
        let mut d = find(&idx, Kind::Product, "連衣裙");
        d.sort();
        assert_eq!(d, vec![2, 6]);
    }

    #[test]
    fn korean_partial_words() {
        let idx = catalogue();
        assert_eq!(find(&idx, Kind::Product, "세럼"), vec![3]);
        assert_eq!(find(&idx, Kind::Product, "비타민"), vec![3]);
        assert_eq!(find(&idx, Kind::Product, "비타민세럼"), vec![3]);
    }

    #[test]
    fn english_stems_and_typos() {
        let idx = catalogue();
        assert_eq!(find(&idx, Kind::Product, "serums"), vec![4]);
        assert_eq!(find(&idx, Kind::Product, "HYDRATING"), vec![4]);
        // Five letters and more: one typo is forgiven.
        assert_eq!(find(&idx, Kind::Product, "serun"), vec![4]);
        assert_eq!(find(&idx, Kind::Product, "scraf"), vec![5]);
        assert_eq!(find(&idx, Kind::Product, "hydratign"), vec![4]);
        // Shorter words must be spelt right.
        assert!(find(&idx, Kind::Product, "slik").is_empty());
        assert!(find(&idx, Kind::Product, "drss").is_empty());
        assert_eq!(find(&idx, Kind::Product, "silk"), vec![5]);
    }

    #[test]
    fn mixed_latin_and_cjk() {
        let idx = catalogue();
        assert_eq!(find(&idx, Kind::Product, "summer 连衣裙"), vec![6]);
        assert_eq!(find(&idx, Kind::Product, "세럼 30ml"), vec![3]);
        assert!(find(&idx, Kind::Product, "serum 连衣裙").is_empty());
    }

    #[test]
    fn upsert_replaces_and_remove_deletes() {
        let idx = catalogue();
        idx.upsert(&[product(5, "Wool scarf")]).unwrap();
        idx.remove(Kind::Product, &[4]).unwrap();
        idx.commit(Some("c2")).unwrap();
        assert!(find(&idx, Kind::Product, "silk").is_empty());
        assert_eq!(find(&idx, Kind::Product, "wool"), vec![5]);
        assert!(find(&idx, Kind::Product, "serum").is_empty());
        assert_eq!(idx.checkpoint().unwrap().as_deref(), Some("c2"));
        assert_eq!(idx.ids(Kind::Product).unwrap(), vec![1, 2, 3, 5, 6, 7]);
    }

    #[test]
    fn kinds_are_separate_and_names_suggest() {
        let idx = index(&[
            product(1, "Mina's favourite serum"),
            Document::Post(PostDoc {
                id: 1,
                author_username: "mina".into(),
                caption: "New serum day #护肤".into(),
                hashtags: vec!["护肤".into()],
                ..PostDoc::default()
            }),
            Document::Account(AccountDoc {
                id: 9,
                username: "mina_kim".into(),
                display_name: "김민아".into(),
                followers: 3,
            }),
            Document::Hashtag(HashtagDoc {
                id: 4,
                tag: "護膚".into(),
                post_count: 7,
            }),
            Document::Hashtag(HashtagDoc {
                id: 5,
                tag: "护肤品".into(),
                post_count: 9,
            }),
        ]);
        assert_eq!(find(&idx, Kind::Post, "serum"), vec![1]);
        assert_eq!(find(&idx, Kind::Post, "護膚"), vec![1]);
        assert_eq!(find(&idx, Kind::Account, "min"), vec![9]);
        assert_eq!(find(&idx, Kind::Account, "김민"), vec![9]);
        assert_eq!(find(&idx, Kind::Hashtag, "#护"), vec![5, 4]);
        let s = idx.suggest("护", 5).unwrap();
        assert_eq!(
            s.iter().map(|s| (s.kind, s.id)).collect::<Vec<_>>(),
            vec![(Kind::Hashtag, 5), (Kind::Hashtag, 4)]
        );
        let s = idx.suggest("@MINA", 5).unwrap();
        assert_eq!(
            s,
            vec![Suggestion {
                kind: Kind::Account,
                id: 9
            }]
        );
    }

    #[test]
    fn filters_facets_and_paging() {
        let idx = catalogue();
        let req = SearchRequest {
            kind: Kind::Product,
            text: String::new(),
            filters: ProductFilters {
                price_min: Some(2_000),
                price_max: Some(5_000),
                ..ProductFilters::default()
            },
            offset: 0,
            limit: 2,
            facets: true,
        };
        let r = idx.search(&req).unwrap();
        assert_eq!(r.total, 3);
        assert_eq!(r.hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![4, 3]);
        let r2 = idx
            .search(&SearchRequest {
                offset: 2,
                ..req.clone()
            })
            .unwrap();
        assert_eq!(r2.hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![2]);
        let f = r.facets.unwrap();
        assert_eq!(f.shops, vec![(1, 3)]);
        // Price buckets ignore the price filter: 1000 and 2000 below 25.00, 3000 and 4000 up to 50.00,
        // 5000 to 7000 up to 100.00.
        let counts: Vec<_> = f.prices.iter().map(|b| (b.min_minor, b.count)).collect();
        assert_eq!(counts, vec![(0, 2), (2_500, 2), (5_000, 3)]);
    }

    #[test]
    fn persists_in_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        let loc = IndexLocation::Dir(dir.path().to_path_buf());
        {
            let idx = TantivyIndex::open(&loc).unwrap();
            idx.upsert(&[product(1, "Linen shirt")]).unwrap();
            idx.commit(Some("{\"at\":1}")).unwrap();
        }
        let idx = TantivyIndex::open(&loc).unwrap();
        assert_eq!(find(&idx, Kind::Product, "shirts"), vec![1]);
        assert_eq!(idx.checkpoint().unwrap().as_deref(), Some("{\"at\":1}"));
    }
}
