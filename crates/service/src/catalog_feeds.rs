//! Catalog feeds: importing a shop's catalog from CSV, TSV and RSS/Atom files (uploaded, run from the CLI or
//! fetched from a scheduled feed URL) with a per-row report, and exporting it in each platform's dialect.
//!
//! An import reads the file twice. The first pass only checks that the file as a whole is readable and counts
//! its rows, so a broken file (binary, truncated XML, wrong delimiter) imports nothing at all and the progress
//! bar knows its end. The second pass validates rows on a blocking thread and writes them in batches, each in
//! its own transaction, so memory stays flat for any file size and a crash loses at most one batch, which
//! the retried job writes again: importing the same rows twice changes nothing.

use crate::accounts::Viewer;
use crate::catalog::{CatalogService, StatusFilter};
use crate::fetch::{Expect, Fetcher};
use crate::jobs::{JobHandler, Jobs};
use crate::media::Media;
use crate::shops::{ShopRef, require_staff};
use crate::{ServiceError, ServiceResult};
use futures_util::future::BoxFuture;
use souk_domain::Timestamp;
use souk_domain::commerce::{Availability, ProductStatus};
use souk_domain::feed::{
    ExportIssue, FeedFormat, FeedItem, FeedReader, FeedWriter, FileError, Platform, RowError,
    export_issues, validate,
};
use souk_domain::money::{Currency, Money};
use souk_store::catalog_feeds::{self as store, Counts, ErrorRecord, RunRecord, SourceRecord};
use souk_store::products::{self, ProductImage, ProductRecord, VariantRecord};
use souk_store::shops::{self as shop_store, ShopRecord};
use souk_store::{Backend, Conn, Db};
use std::collections::{HashMap, HashSet};
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Rows written per transaction: large enough that commits are not the cost, small enough that a progress
/// bar moves and a writer lock is never held for long. SQLite's lock stops every writer of the deployment,
/// so its batches stay small; PostgreSQL's only holds the shop's row, and each batch's large array
/// parameters cost a round trip that stalls for tens of milliseconds on a TLS connection (measured: 500-row
/// batches spent most of their time there), so it takes ten times more rows per batch.
fn batch_rows(backend: Backend) -> usize {
    match backend {
        Backend::Sqlite => 500,
        Backend::Postgres => 5_000,
    }
}
/// The option axes a feed can carry, in the order a product lists them.
const AXES: [&str; 4] = ["Color", "Size", "Material", "Pattern"];
/// Photo URLs kept per product from feeds (Souk shows at most ten photos; platforms allow 1 + 10 or 20).
const MAX_FEED_IMAGES: usize = 21;
pub const JOB_IMPORT: &str = "catalog_import";
pub const JOB_IMAGE: &str = "catalog_image";
pub const JOB_SOURCE: &str = "catalog_source";

#[derive(Debug, Clone)]
pub struct FeedConfig {
    /// Where uploaded and fetched files wait for their import job.
    pub import_dir: PathBuf,
    /// Largest file a merchant may upload or a feed URL may return.
    pub max_file_bytes: u64,
}

impl Default for FeedConfig {
    fn default() -> Self {
        Self {
            import_dir: PathBuf::from("souk-data/imports"),
            max_file_bytes: 512 * 1024 * 1024,
        }
    }
}

#[derive(Clone)]
pub struct CatalogFeedService {
    db: Db,
    media: Arc<Media>,
    catalog: CatalogService,
    jobs: Jobs,
    config: FeedConfig,
}

/// Where an import came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Upload,
    Api,
    Cli,
    Source,
}

impl Origin {
    pub const fn as_str(self) -> &'static str {
        match self {
            Origin::Upload => "upload",
            Origin::Api => "api",
            Origin::Cli => "cli",
            Origin::Source => "source",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    Hourly,
    Daily,
    Weekly,
}

impl Schedule {
    pub fn parse(s: &str) -> Option<Schedule> {
        match s.trim().to_ascii_lowercase().as_str() {
            "hourly" => Some(Schedule::Hourly),
            "daily" => Some(Schedule::Daily),
            "weekly" => Some(Schedule::Weekly),
            _ => None,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Schedule::Hourly => "hourly",
            Schedule::Daily => "daily",
            Schedule::Weekly => "weekly",
        }
    }

    pub const fn secs(self) -> i64 {
        match self {
            Schedule::Hourly => 3_600,
            Schedule::Daily => 86_400,
            Schedule::Weekly => 7 * 86_400,
        }
    }
}

/// Which report lines to read: optionally one error code and/or field, after a sequence number.
#[derive(Debug, Clone, Copy)]
pub struct ErrorFilter<'a> {
    pub code: Option<&'a str>,
    pub field: Option<&'a str>,
    pub after: i64,
    pub limit: i64,
}

/// An uploaded catalog file's description. `wait` imports it before answering instead of queueing a job.
#[derive(Debug, Clone, Copy)]
pub struct UploadFile<'a> {
    pub origin: Origin,
    pub file_name: &'a str,
    pub format: Option<FeedFormat>,
    pub wait: bool,
}

/// A run as pages and the API show it.
#[derive(Debug, Clone)]
pub struct RunView {
    pub record: RunRecord,
    pub warnings: Vec<String>,
    pub shop_handle: String,
}

impl RunView {
    pub fn finished(&self) -> bool {
        matches!(self.record.status.as_str(), "done" | "failed")
    }

    /// Whole percent of rows processed, for progress bars.
    pub fn percent(&self) -> i64 {
        if self.record.status == "done" {
            return 100;
        }
        if self.record.total_rows <= 0 {
            return 0;
        }
        (self.record.processed_rows * 100 / self.record.total_rows).clamp(0, 100)
    }
}

/// A data source as pages and the API show it, with its last run.
#[derive(Debug, Clone)]
pub struct SourceView {
    pub record: SourceRecord,
    pub last_run: Option<RunRecord>,
}

/// One item an export leaves out, and why.
#[derive(Debug, Clone)]
pub struct ExportProblem {
    pub product_id: i64,
    pub title: String,
    pub issue: ExportIssue,
}

/// Called after each written batch with the running totals and the file's row count (the CLI's bar).
pub type Progress = dyn Fn(&Counts, i64) + Send + Sync;

/// One page of an export.
#[derive(Debug, Clone)]
pub struct ExportPage {
    pub items: Vec<FeedItem>,
    pub problems: Vec<ExportProblem>,
    pub next_cursor: Option<String>,
}

/// What the check pass learned about a file.
struct Checked {
    format: FeedFormat,
    rows: u64,
    warnings: Vec<String>,
}

/// Reads the whole file once without keeping anything, so file-level errors surface before any row is
/// written.
fn check_file(path: &Path, format: Option<FeedFormat>) -> Result<Checked, FileError> {
    let file = std::fs::File::open(path).map_err(|e| FileError {
        code: "unreadable_file",
        message: format!("The file could not be opened: {e}."),
        line: None,
    })?;
    let mut reader = FeedReader::new(BufReader::with_capacity(256 * 1024, file), format)?;
    let mut rows = 0u64;
    for row in reader.by_ref() {
        row?;
        rows += 1;
    }
    if rows == 0 {
        return Err(FileError {
            code: "no_rows",
            message: "The file has a header but no product rows.".into(),
            line: None,
        });
    }
    Ok(Checked {
        format: reader.format(),
        rows,
        warnings: reader.warnings().to_vec(),
    })
}

/// One parsed row on its way from the reader thread to the writer.
struct Parsed {
    line: u64,
    item: Result<FeedItem, Vec<RowError>>,
}

enum Batch {
    Rows(Vec<Parsed>),
    Failed(FileError),
}

/// What became of one valid row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Imported,
    Updated,
    Unchanged,
}

/// The option axis a product option name stands for, if a feed has a column for it.
fn axis_of(option_name: &str) -> Option<usize> {
    match option_name.trim().to_ascii_lowercase().as_str() {
        "color" | "colour" => Some(0),
        "size" => Some(1),
        "material" => Some(2),
        "pattern" => Some(3),
        _ => None,
    }
}

fn axis_values(item: &FeedItem) -> [&str; 4] {
    [
        item.color.as_str(),
        item.size.as_str(),
        item.material.as_str(),
        item.pattern.as_str(),
    ]
}

/// The product title for a row of a variant group: "Organic Cotton Tee - Red / S" becomes "Organic Cotton
/// Tee" when the part after the last " - " names the row's own colour or size, since platforms want the
/// variant in each row's title but a shop shows it once as an option.
fn group_title(item: &FeedItem) -> String {
    if item.item_group_id.is_none() {
        return item.title.clone();
    }
    if let Some((head, tail)) = item.title.rsplit_once(" - ") {
        let tail = tail.to_lowercase();
        let words: Vec<&str> = tail
            .split(|c: char| c.is_whitespace() || matches!(c, '/' | ',' | '|' | '-' | '(' | ')'))
            .filter(|w| !w.is_empty())
            .collect();
        // Whole words only: size "S" must not match "Summer".
        let names_variant = axis_values(item).iter().any(|v| {
            let v = v.trim().to_lowercase();
            !v.is_empty()
                && if v.contains(' ') {
                    tail.contains(&v)
                } else {
                    words.contains(&v.as_str())
                }
        });
        if names_variant && !head.trim().is_empty() {
            return head.trim().to_owned();
        }
    }
    item.title.clone()
}

/// The effective price and the struck-through price of a row: a sale price sells at the sale price with
/// the regular price shown as compare-at.
fn row_prices(item: &FeedItem) -> (i64, Option<i64>) {
    match item.sale_price {
        Some(sale) => (sale.amount_minor, Some(item.price.amount_minor)),
        None => (item.price.amount_minor, None),
    }
}

fn options_json(names: &[String]) -> String {
    serde_json::to_string(names).unwrap_or_else(|_| "[]".into())
}

fn options_of(p: &ProductRecord) -> Vec<String> {
    serde_json::from_str(&p.options).unwrap_or_default()
}

/// Product-level fields a row sets. Status, checkout mode, tags and weight are Souk's own and are left
/// alone on update.
fn apply_product_fields(p: &mut ProductRecord, item: &FeedItem) {
    let (price, compare_at) = row_prices(item);
    p.title = group_title(item);
    p.description = item.description.clone();
    p.brand = item.brand.clone();
    p.condition = item.condition.as_str().to_owned();
    p.product_type = item.product_type.clone();
    p.google_category = item.google_product_category.clone();
    p.gender = item.gender.map(|g| g.as_str().to_owned());
    p.age_group = item.age_group.map(|a| a.as_str().to_owned());
    p.custom_labels = item.custom_labels.clone();
    p.price_minor = price;
    p.compare_at_minor = compare_at;
    p.external_url = item.link.clone();
}

fn same_product(a: &ProductRecord, b: &ProductRecord) -> bool {
    a.title == b.title
        && a.description == b.description
        && a.brand == b.brand
        && a.condition == b.condition
        && a.product_type == b.product_type
        && a.google_category == b.google_category
        && a.gender == b.gender
        && a.age_group == b.age_group
        && a.custom_labels == b.custom_labels
        && a.price_minor == b.price_minor
        && a.compare_at_minor == b.compare_at_minor
        && a.external_url == b.external_url
        && a.options == b.options
}

fn same_variant(a: &VariantRecord, b: &VariantRecord) -> bool {
    a.sku == b.sku
        && a.options == b.options
        && a.price_minor == b.price_minor
        && a.compare_at_minor == b.compare_at_minor
        && a.track_inventory == b.track_inventory
        && (!a.track_inventory || a.stock == b.stock)
        && a.availability == b.availability
        && a.gtin == b.gtin
        && a.mpn == b.mpn
}

fn row_error(
    line: u64,
    item_id: &str,
    field: &str,
    code: &'static str,
    message: String,
) -> RowError {
    RowError {
        line,
        item_id: Some(item_id.to_owned()),
        field: field.to_owned(),
        code,
        message,
    }
}

/// Per-import state that outlives one batch: which variant groups this file has already set the product
/// fields for (later rows of a group only add or update their variant).
#[derive(Default)]
struct ImportState {
    seen_groups: HashSet<String>,
    counts: Counts,
    error_seq: i64,
    /// Products and variants this import has inserted, and how many of them the last `ANALYZE` saw.
    inserted: i64,
    analyzed_at: i64,
    checked_stats: bool,
}

impl CatalogFeedService {
    pub fn new(
        db: Db,
        media: Arc<Media>,
        catalog: CatalogService,
        jobs: Jobs,
        config: FeedConfig,
    ) -> Self {
        Self {
            db,
            media,
            catalog,
            jobs,
            config,
        }
    }

    pub fn config(&self) -> &FeedConfig {
        &self.config
    }

    /// The shop a staff member manages (404 for anyone else).
    pub async fn staff_shop(&self, viewer: &Viewer, handle: &str) -> ServiceResult<ShopRecord> {
        let mut h = self.db.read().await?;
        let access = require_staff(h.conn(), viewer, ShopRef::Handle(handle), false).await?;
        shop_store::by_id(h.conn(), access.shop_id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// The shop by handle for operator commands (the CLI), without a viewer.
    pub async fn shop_by_handle(&self, handle: &str) -> ServiceResult<ShopRecord> {
        let mut h = self.db.read().await?;
        shop_store::by_handle_key(h.conn(), &handle.trim().to_ascii_lowercase())
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// Where a run's file waits for its job.
    pub fn run_file(&self, run_id: i64) -> PathBuf {
        self.config.import_dir.join(format!("run-{run_id}.feed"))
    }

    /// Records a new import; the caller puts the file at [`Self::run_file`] and then processes the run or
    /// enqueues its job.
    pub async fn create_run(
        &self,
        shop_id: i64,
        origin: Origin,
        file_name: &str,
        format: Option<FeedFormat>,
        started_by: Option<i64>,
        source_id: Option<i64>,
    ) -> ServiceResult<i64> {
        let mut tx = self.db.begin().await?;
        let name: String = file_name.trim().chars().take(200).collect();
        let id = store::insert_run(
            tx.conn(),
            &store::NewRun {
                shop_id,
                source_id,
                origin: origin.as_str(),
                file_name: &name,
                format: format.map_or("auto", |f| f.as_str()),
                started_by,
            },
            Timestamp::now(),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Takes an uploaded file (page or API) for a shop its viewer manages: records the run, streams the
    /// body to disk within the size limit, and queues the import (or, with `wait`, imports it now and
    /// returns when done). A body over the limit fails the run with `file_too_large` and keeps nothing.
    pub async fn upload<S, E>(
        &self,
        viewer: &Viewer,
        handle: &str,
        file: &UploadFile<'_>,
        body: S,
    ) -> ServiceResult<RunView>
    where
        S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let shop = self.staff_shop(viewer, handle).await?;
        let run_id = self
            .create_run(
                shop.id,
                file.origin,
                file.file_name,
                file.format,
                Some(viewer.user_id),
                None,
            )
            .await?;
        let path = self.run_file(run_id);
        match self.save_stream(&path, body).await {
            Ok(_) => {}
            Err(e) => {
                let _ = tokio::fs::remove_file(&path).await;
                let fe = match &e {
                    ServiceError::Refused { code, message, .. } => FileError {
                        code,
                        message: message.clone(),
                        line: None,
                    },
                    _ => FileError {
                        code: "upload_failed",
                        message: "The upload did not complete.".into(),
                        line: None,
                    },
                };
                self.fail_run(run_id, &fe).await?;
                return Err(e);
            }
        }
        if file.wait {
            let out = self.process_run(run_id, &path, None).await;
            let _ = tokio::fs::remove_file(&path).await;
            out?;
        } else {
            self.enqueue_run(run_id).await?;
        }
        self.run(viewer, handle, run_id).await
    }

    /// Writes a byte stream to `path`, refusing more than the configured maximum.
    pub async fn save_stream<S, E>(&self, path: &Path, mut body: S) -> ServiceResult<u64>
    where
        S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        use futures_util::StreamExt;
        use tokio::io::AsyncWriteExt;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| ServiceError::Internal(format!("import folder: {e}")))?;
        }
        let mut file = tokio::fs::File::create(path)
            .await
            .map_err(|e| ServiceError::Internal(format!("import file: {e}")))?;
        let mut total = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| {
                ServiceError::refused(
                    crate::Refusal::Unprocessable,
                    "upload_failed",
                    format!("The upload did not complete: {e}"),
                )
            })?;
            total += chunk.len() as u64;
            if total > self.config.max_file_bytes {
                return Err(ServiceError::refused(
                    crate::Refusal::Unprocessable,
                    "file_too_large",
                    format!(
                        "Catalog files can be at most {} MB.",
                        self.config.max_file_bytes / (1024 * 1024)
                    ),
                ));
            }
            file.write_all(&chunk)
                .await
                .map_err(|e| ServiceError::Internal(format!("import file: {e}")))?;
        }
        file.flush()
            .await
            .map_err(|e| ServiceError::Internal(format!("import file: {e}")))?;
        Ok(total)
    }

    /// Queues a run's import as a background job (uploads and feed URLs).
    pub async fn enqueue_run(&self, run_id: i64) -> ServiceResult<()> {
        let mut tx = self.db.begin().await?;
        let payload = serde_json::json!({ "run_id": run_id }).to_string();
        souk_store::jobs::enqueue(
            tx.conn(),
            JOB_IMPORT,
            Some(&run_id.to_string()),
            &payload,
            Timestamp::now(),
        )
        .await?;
        tx.commit().await?;
        self.jobs.wake();
        Ok(())
    }

    /// Imports a run's file. Safe to call again for the same run (a retried job): a finished run is left
    /// alone, and an interrupted one starts over, which rewrites nothing that is already up to date.
    pub async fn process_run(
        &self,
        run_id: i64,
        path: &Path,
        progress: Option<&Progress>,
    ) -> ServiceResult<RunRecord> {
        let run = {
            let mut h = self.db.read().await?;
            store::run_by_id(h.conn(), run_id)
                .await?
                .ok_or(ServiceError::NotFound)?
        };
        if matches!(run.status.as_str(), "done" | "failed") {
            return Ok(run);
        }
        let hint = FeedFormat::parse(&run.format);
        let check_path = path.to_owned();
        let checked = tokio::task::spawn_blocking(move || check_file(&check_path, hint))
            .await
            .map_err(|e| ServiceError::Internal(format!("feed check task: {e}")))?;
        let checked = match checked {
            Ok(c) => c,
            Err(e) => {
                self.fail_run(run_id, &e).await?;
                return self.run_record(run_id).await;
            }
        };
        {
            let mut tx = self.db.begin().await?;
            let warnings = serde_json::to_string(&checked.warnings).unwrap_or_else(|_| "[]".into());
            let started = store::start_run(
                tx.conn(),
                run_id,
                i64::try_from(checked.rows).unwrap_or(i64::MAX),
                checked.format.as_str(),
                &warnings,
                Timestamp::now(),
            )
            .await?;
            store::clear_errors(tx.conn(), run_id).await?;
            tx.commit().await?;
            if !started {
                return self.run_record(run_id).await;
            }
        }
        let total = i64::try_from(checked.rows).unwrap_or(i64::MAX);
        let result = self
            .import_rows(&run, path, checked.format, total, progress)
            .await;
        match result {
            Ok(()) => {
                let mut tx = self.db.begin().await?;
                store::finish_run(tx.conn(), run_id, None, Timestamp::now()).await?;
                tx.commit().await?;
            }
            Err(ImportFailure::File(e)) => self.fail_run(run_id, &e).await?,
            Err(ImportFailure::Service(e)) => return Err(e),
        }
        self.run_record(run_id).await
    }

    async fn run_record(&self, run_id: i64) -> ServiceResult<RunRecord> {
        let mut h = self.db.read().await?;
        store::run_by_id(h.conn(), run_id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    async fn fail_run(&self, run_id: i64, e: &FileError) -> ServiceResult<()> {
        let message = match e.line {
            Some(line) => format!("{} (line {line})", e.message),
            None => e.message.clone(),
        };
        let mut tx = self.db.begin().await?;
        store::finish_run(
            tx.conn(),
            run_id,
            Some((e.code, &message)),
            Timestamp::now(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn import_rows(
        &self,
        run: &RunRecord,
        path: &Path,
        format: FeedFormat,
        total: i64,
        progress: Option<&Progress>,
    ) -> Result<(), ImportFailure> {
        let (tx_rows, mut rx_rows) = tokio::sync::mpsc::channel::<Batch>(4);
        let path = path.to_owned();
        let batch = batch_rows(self.db.backend());
        let reader =
            tokio::task::spawn_blocking(move || read_batches(&path, format, batch, &tx_rows));
        let mut state = ImportState::default();
        let shop = {
            let mut h = self.db.read().await.map_err(ServiceError::from)?;
            shop_store::by_id(h.conn(), run.shop_id)
                .await
                .map_err(ServiceError::from)?
                .ok_or(ServiceError::NotFound)?
        };
        while let Some(batch) = rx_rows.recv().await {
            let rows = match batch {
                Batch::Rows(rows) => rows,
                Batch::Failed(e) => return Err(ImportFailure::File(e)),
            };
            self.write_batch(run.id, &shop, rows, &mut state).await?;
            // Once after the first batch that inserts, so tables that started empty are planned with real
            // statistics (the plan shape then holds as they grow: PostgreSQL scales the row estimates by
            // the table's current size), and once at the end; sampling in between cost more than it saved.
            if !state.checked_stats && state.inserted > 0 {
                state.checked_stats = true;
                self.analyze_catalog(&mut state).await?;
            }
            if let Some(p) = progress {
                p(&state.counts, total);
            }
        }
        reader
            .await
            .map_err(|e| ServiceError::Internal(format!("feed reader task: {e}")))?;
        if state.inserted > state.analyzed_at {
            self.analyze_catalog(&mut state).await?;
        }
        if state.inserted > 0 {
            // Batches add what they created to the shop's count; one exact count at the end corrects any drift
            // from a product created or deleted elsewhere while the import ran.
            let mut tx = self.db.begin().await.map_err(ServiceError::from)?;
            shop_store::recount_products(tx.conn(), shop.id)
                .await
                .map_err(ServiceError::from)?;
            tx.commit().await.map_err(ServiceError::from)?;
        }
        Ok(())
    }

    async fn analyze_catalog(&self, state: &mut ImportState) -> ServiceResult<()> {
        let mut h = self.db.read().await?;
        if store::analyze_catalog_if_grown(h.conn(), state.inserted - state.analyzed_at).await? {
            state.analyzed_at = state.inserted;
        }
        Ok(())
    }

    async fn write_batch(
        &self,
        run_id: i64,
        shop: &ShopRecord,
        rows: Vec<Parsed>,
        state: &mut ImportState,
    ) -> ServiceResult<()> {
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        store::lock_shop(tx.conn(), shop.id).await?;
        let mut product_keys = HashSet::new();
        let mut sku_keys = HashSet::new();
        for r in &rows {
            if let Ok(item) = &r.item {
                product_keys.insert(product_key(item));
                sku_keys.insert(item.id.to_lowercase());
            }
        }
        let product_keys: Vec<String> = product_keys.into_iter().collect();
        let sku_keys: Vec<String> = sku_keys.into_iter().collect();
        let mut by_key: HashMap<String, ProductRecord> = HashMap::new();
        for chunk in product_keys.chunks(5_000) {
            for p in store::products_by_keys(tx.conn(), shop.id, chunk).await? {
                if let Some(k) = p.item_id.as_ref().map(|s| s.to_lowercase()) {
                    by_key.insert(k, p);
                }
            }
        }
        let mut by_sku: HashMap<String, VariantRecord> = HashMap::new();
        for chunk in sku_keys.chunks(5_000) {
            for v in products::variants_by_sku_keys(tx.conn(), shop.id, chunk).await? {
                by_sku.insert(v.sku.to_lowercase(), v);
            }
        }
        let known_ids: Vec<i64> = by_key.values().map(|p| p.id).collect();
        let mut images: HashMap<i64, Vec<String>> = HashMap::new();
        for chunk in known_ids.chunks(5_000) {
            for (id, json) in store::feed_images_of(tx.conn(), chunk).await? {
                images.insert(id, serde_json::from_str(&json).unwrap_or_default());
            }
        }
        let mut errors: Vec<RowError> = Vec::new();
        let mut warnings: Vec<RowError> = Vec::new();
        let mut pending = Pending::default();
        for row in rows {
            state.counts.processed += 1;
            let item = match row.item {
                Ok(item) => item,
                Err(errs) => {
                    state.counts.rejected += 1;
                    errors.extend(errs);
                    continue;
                }
            };
            let mut w = RowWriter {
                c: tx.conn(),
                shop,
                now,
                by_key: &mut by_key,
                by_sku: &mut by_sku,
                images: &mut images,
                seen_groups: &mut state.seen_groups,
                warnings: &mut warnings,
                pending: &mut pending,
            };
            match w.write(row.line, &item).await? {
                Ok((outcome, _created)) => match outcome {
                    Outcome::Imported => state.counts.imported += 1,
                    Outcome::Updated => state.counts.updated += 1,
                    Outcome::Unchanged => state.counts.unchanged += 1,
                },
                Err(e) => {
                    state.counts.rejected += 1;
                    errors.push(e);
                }
            }
        }
        let active_added = pending
            .products
            .iter()
            .filter(|p| p.status == ProductStatus::Active.as_str())
            .count();
        let active_added = i64::try_from(active_added).unwrap_or(i64::MAX);
        state.inserted +=
            i64::try_from(pending.products.len() + pending.variants.len()).unwrap_or(i64::MAX);
        let mut touched = pending.flush(tx.conn(), &images, now).await?;
        // Every product the batch wrote or found, whether or not it changed: re-indexing is idempotent.
        touched.extend(by_key.values().map(|p| p.id).filter(|id| *id > 0));
        crate::search::products_changed(tx.conn(), "product.imported", &touched).await?;
        if active_added > 0 {
            shop_store::add_to_product_count(tx.conn(), shop.id, active_added).await?;
        }
        let mut tagged: Vec<(RowError, &str)> = errors.into_iter().map(|e| (e, "error")).collect();
        tagged.extend(warnings.into_iter().map(|w| (w, "warning")));
        tagged.sort_by_key(|(e, _)| e.line);
        let records: Vec<ErrorRecord> = tagged
            .into_iter()
            .map(|(e, severity)| {
                state.error_seq += 1;
                ErrorRecord {
                    seq: state.error_seq,
                    severity: severity.to_owned(),
                    line: i64::try_from(e.line).unwrap_or(i64::MAX),
                    item_id: e.item_id,
                    field: e.field,
                    code: e.code.to_owned(),
                    message: e.message,
                }
            })
            .collect();
        store::add_errors(tx.conn(), run_id, &records).await?;
        store::set_progress(tx.conn(), run_id, &state.counts).await?;
        tx.commit().await?;
        // Photo jobs were queued in the batch.
        self.jobs.wake();
        Ok(())
    }

    // ---- reading runs and reports ----

    pub async fn run(&self, viewer: &Viewer, handle: &str, run_id: i64) -> ServiceResult<RunView> {
        let shop = self.staff_shop(viewer, handle).await?;
        let run = self.run_record(run_id).await?;
        if run.shop_id != shop.id {
            return Err(ServiceError::NotFound);
        }
        Ok(run_view(run, &shop.handle))
    }

    /// A run by id for the CLI.
    pub async fn run_by_id(&self, run_id: i64) -> ServiceResult<RunView> {
        let run = self.run_record(run_id).await?;
        let mut h = self.db.read().await?;
        let shop = shop_store::by_id(h.conn(), run.shop_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        Ok(run_view(run, &shop.handle))
    }

    pub async fn runs(
        &self,
        viewer: &Viewer,
        handle: &str,
        before: Option<i64>,
        limit: i64,
    ) -> ServiceResult<Vec<RunView>> {
        let shop = self.staff_shop(viewer, handle).await?;
        let mut h = self.db.read().await?;
        let runs = store::runs_of_shop(
            h.conn(),
            shop.id,
            None,
            before.unwrap_or(i64::MAX),
            limit.clamp(1, 100),
        )
        .await?;
        Ok(runs
            .into_iter()
            .map(|r| run_view(r, &shop.handle))
            .collect())
    }

    /// A page of a run's report, optionally filtered by error code and field.
    pub async fn run_errors(
        &self,
        viewer: &Viewer,
        handle: &str,
        run_id: i64,
        filter: &ErrorFilter<'_>,
    ) -> ServiceResult<Vec<ErrorRecord>> {
        self.run(viewer, handle, run_id).await?;
        let mut h = self.db.read().await?;
        Ok(store::errors_of(
            h.conn(),
            run_id,
            filter.code,
            filter.field,
            filter.after,
            filter.limit.clamp(1, 10_000),
        )
        .await?)
    }

    /// How many report lines each code and each field has.
    pub async fn error_facets(
        &self,
        viewer: &Viewer,
        handle: &str,
        run_id: i64,
    ) -> ServiceResult<(Vec<(String, i64)>, Vec<(String, i64)>)> {
        self.run(viewer, handle, run_id).await?;
        let mut h = self.db.read().await?;
        Ok(store::error_facets(h.conn(), run_id).await?)
    }

    /// Every report line of a run, for the CLI's `--report` file.
    pub async fn all_errors(&self, run_id: i64) -> ServiceResult<Vec<ErrorRecord>> {
        let mut out = Vec::new();
        let mut after = 0;
        loop {
            let mut h = self.db.read().await?;
            let page = store::errors_of(h.conn(), run_id, None, None, after, 5_000).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            out.extend(page);
        }
        Ok(out)
    }

    // ---- data sources ----

    pub async fn sources(&self, viewer: &Viewer, handle: &str) -> ServiceResult<Vec<SourceView>> {
        let shop = self.staff_shop(viewer, handle).await?;
        let mut h = self.db.read().await?;
        let mut out = Vec::new();
        for s in store::sources_of_shop(h.conn(), shop.id).await? {
            let last_run = match s.last_run_id {
                Some(id) => store::run_by_id(h.conn(), id).await?,
                None => None,
            };
            out.push(SourceView {
                record: s,
                last_run,
            });
        }
        Ok(out)
    }

    /// Registers a feed URL; its first run is due at once.
    pub async fn add_source(
        &self,
        viewer: &Viewer,
        handle: &str,
        name: &str,
        url: &str,
        format: Option<&str>,
        schedule: &str,
    ) -> ServiceResult<SourceRecord> {
        let shop = self.staff_shop(viewer, handle).await?;
        let mut errors = Vec::new();
        let url = match crate::shops::parse_http_url(url, "url") {
            Ok(u) if !u.is_empty() => u,
            Ok(_) => {
                errors.push(souk_domain::FieldError::new(
                    "url",
                    "required",
                    "A feed URL is required.",
                ));
                String::new()
            }
            Err(e) => {
                errors.push(e);
                String::new()
            }
        };
        let schedule = Schedule::parse(schedule);
        if schedule.is_none() {
            errors.push(souk_domain::FieldError::new(
                "schedule",
                "invalid_schedule",
                "Schedule must be hourly, daily or weekly.",
            ));
        }
        let format = match format
            .map(str::trim)
            .filter(|f| !f.is_empty() && *f != "auto")
        {
            None => "auto",
            Some(f) => match FeedFormat::parse(f) {
                Some(f) => f.as_str(),
                None => {
                    errors.push(souk_domain::FieldError::new(
                        "format",
                        "invalid_format",
                        "Format must be auto, csv, tsv or xml.",
                    ));
                    "auto"
                }
            },
        };
        let name: String = name.trim().chars().take(100).collect();
        let name = if name.is_empty() { url.clone() } else { name };
        let Some(schedule) = schedule.filter(|_| errors.is_empty()) else {
            return Err(ServiceError::Validation(errors));
        };
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        let id = match store::insert_source(
            tx.conn(),
            &store::NewSource {
                shop_id: shop.id,
                name: &name,
                url: &url,
                format,
                schedule: schedule.as_str(),
                created_by: viewer.user_id,
            },
            now,
            now,
        )
        .await
        {
            Ok(id) => id,
            Err(e) if e.is_unique_on("url") => {
                return Err(ServiceError::Conflict(souk_domain::FieldError::new(
                    "url",
                    "source_exists",
                    "This shop already has a data source with that URL.",
                )));
            }
            Err(e) => return Err(e.into()),
        };
        let rec = store::source_by_id(tx.conn(), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        tx.commit().await?;
        Ok(rec)
    }

    async fn staff_source(
        &self,
        viewer: &Viewer,
        handle: &str,
        id: i64,
    ) -> ServiceResult<(ShopRecord, SourceRecord)> {
        let shop = self.staff_shop(viewer, handle).await?;
        let mut h = self.db.read().await?;
        let s = store::source_by_id(h.conn(), id)
            .await?
            .filter(|s| s.shop_id == shop.id)
            .ok_or(ServiceError::NotFound)?;
        Ok((shop, s))
    }

    pub async fn delete_source(&self, viewer: &Viewer, handle: &str, id: i64) -> ServiceResult<()> {
        self.staff_source(viewer, handle, id).await?;
        let mut tx = self.db.begin().await?;
        store::delete_source(tx.conn(), id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Pauses or resumes a source, or changes its schedule.
    pub async fn update_source(
        &self,
        viewer: &Viewer,
        handle: &str,
        id: i64,
        schedule: Option<&str>,
        enabled: Option<bool>,
    ) -> ServiceResult<SourceRecord> {
        let (_, s) = self.staff_source(viewer, handle, id).await?;
        let schedule = match schedule {
            Some(text) => Schedule::parse(text).ok_or_else(|| {
                ServiceError::Validation(vec![souk_domain::FieldError::new(
                    "schedule",
                    "invalid_schedule",
                    "Schedule must be hourly, daily or weekly.",
                )])
            })?,
            None => Schedule::parse(&s.schedule).unwrap_or(Schedule::Daily),
        };
        let now = Timestamp::now();
        let enabled = enabled.unwrap_or(s.enabled);
        let next = if s.schedule != schedule.as_str() {
            Timestamp::from_micros(now.as_micros() + schedule.secs() * 1_000_000)
        } else {
            s.next_run_at
        };
        let mut tx = self.db.begin().await?;
        store::update_source(
            tx.conn(),
            id,
            &s.name,
            schedule.as_str(),
            enabled,
            next,
            now,
        )
        .await?;
        let rec = store::source_by_id(tx.conn(), id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        tx.commit().await?;
        Ok(rec)
    }

    /// Starts a run of a source now (the "Fetch now" button); the schedule carries on from now.
    pub async fn run_source_now(
        &self,
        viewer: &Viewer,
        handle: &str,
        id: i64,
    ) -> ServiceResult<i64> {
        let (_, s) = self.staff_source(viewer, handle, id).await?;
        self.start_source_run(&s, Some(viewer.user_id))
            .await?
            .ok_or_else(|| {
                ServiceError::refused(
                    crate::Refusal::Conflict,
                    "source_busy",
                    "This data source is already being fetched.",
                )
            })
    }

    /// Claims a source for one run and queues its fetch. `None` when another node claimed it first.
    async fn start_source_run(
        &self,
        s: &SourceRecord,
        started_by: Option<i64>,
    ) -> ServiceResult<Option<i64>> {
        let schedule = Schedule::parse(&s.schedule).unwrap_or(Schedule::Daily);
        let now = Timestamp::now();
        let mut tx = self.db.begin().await?;
        let name: String = s.name.chars().take(200).collect();
        let run_id = store::insert_run(
            tx.conn(),
            &store::NewRun {
                shop_id: s.shop_id,
                source_id: Some(s.id),
                origin: Origin::Source.as_str(),
                file_name: &name,
                format: &s.format,
                started_by,
            },
            now,
        )
        .await?;
        let next = Timestamp::from_micros(now.as_micros() + schedule.secs() * 1_000_000);
        if !store::claim_source(tx.conn(), s.id, s.next_run_at, next, run_id).await? {
            return Ok(None);
        }
        let payload = serde_json::json!({ "source_id": s.id, "run_id": run_id }).to_string();
        souk_store::jobs::enqueue(
            tx.conn(),
            JOB_SOURCE,
            Some(&run_id.to_string()),
            &payload,
            now,
        )
        .await?;
        tx.commit().await?;
        self.jobs.wake();
        Ok(Some(run_id))
    }

    /// Starts every source whose time has come; returns how many runs were queued.
    pub async fn start_due_sources(&self) -> ServiceResult<usize> {
        let due = {
            let mut h = self.db.read().await?;
            store::due_sources(h.conn(), Timestamp::now(), 50).await?
        };
        let mut n = 0;
        for s in due {
            if self.start_source_run(&s, None).await?.is_some() {
                n += 1;
            }
        }
        Ok(n)
    }

    /// The source fetch job: downloads the feed through the SSRF-guarded fetcher and imports it. A refused
    /// or failed fetch fails the run with the fetcher's code; the next scheduled run tries again.
    pub async fn fetch_source_run(
        &self,
        fetcher: &Fetcher,
        source_id: i64,
        run_id: i64,
    ) -> ServiceResult<RunRecord> {
        let source = {
            let mut h = self.db.read().await?;
            store::source_by_id(h.conn(), source_id).await?
        };
        let Some(source) = source else {
            self.fail_run(
                run_id,
                &FileError {
                    code: "source_deleted",
                    message: "The data source was deleted.".into(),
                    line: None,
                },
            )
            .await?;
            return self.run_record(run_id).await;
        };
        let path = self.run_file(run_id);
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| ServiceError::Internal(format!("import folder: {e}")))?;
        }
        let fetched = fetcher.get_to_file(&source.url, Expect::Feed, &path).await;
        let out = match fetched {
            Ok(_) => self.process_run(run_id, &path, None).await,
            Err(e) => {
                self.fail_run(
                    run_id,
                    &FileError {
                        code: e.code,
                        message: e.message.clone(),
                        line: None,
                    },
                )
                .await?;
                self.run_record(run_id).await
            }
        };
        let _ = tokio::fs::remove_file(&path).await;
        out
    }

    /// The image job: fetches one photo of an imported product and attaches it, unless the product is gone
    /// or already has a photo from that URL (so the job can run twice).
    pub async fn attach_image(
        &self,
        fetcher: &Fetcher,
        product_id: i64,
        url: &str,
    ) -> ServiceResult<()> {
        {
            let mut h = self.db.read().await?;
            if products::by_id(h.conn(), product_id).await?.is_none() {
                return Ok(());
            }
            let have = store::image_sources_of(h.conn(), &[product_id]).await?;
            if have.iter().any(|(_, u)| u == url) {
                return Ok(());
            }
        }
        let fetched = match fetcher.get(url, Expect::Image).await {
            Ok(f) => f,
            // A slow or unreachable server may answer later: the job is retried with backoff.
            Err(e) if matches!(e.code, "timeout" | "connect_failed") => {
                return Err(ServiceError::Internal(format!("image fetch: {}", e.code)));
            }
            Err(e) => {
                // A photo the fetcher refuses will be refused next time too; the product stays without it.
                tracing::info!(product_id, code = e.code, "catalog image not fetched");
                return Ok(());
            }
        };
        let stored = match self.media.pipeline.ingest(&fetched.body).await {
            Ok(s) => s,
            Err(e) => {
                tracing::info!(product_id, error = %e, "catalog image not usable");
                return Ok(());
            }
        };
        let mut tx = self.db.begin().await?;
        if products::by_id(tx.conn(), product_id).await?.is_none()
            || store::image_sources_of(tx.conn(), &[product_id])
                .await?
                .iter()
                .any(|(_, u)| u == url)
        {
            return Ok(());
        }
        products::add_image(
            tx.conn(),
            &ProductImage {
                product_id,
                position: 0,
                media_key: stored.original_key(),
                width: i32::try_from(stored.width).unwrap_or(i32::MAX),
                height: i32::try_from(stored.height).unwrap_or(i32::MAX),
                alt_text: String::new(),
                source_url: Some(url.to_owned()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- export ----

    /// Turns an export on or off behind a secret token; returns the new token (None: public).
    pub async fn set_protection(
        &self,
        viewer: &Viewer,
        handle: &str,
        protected: bool,
    ) -> ServiceResult<Option<String>> {
        let shop = self.staff_shop(viewer, handle).await?;
        let token = protected.then(|| crate::random_token("feed_"));
        let mut tx = self.db.begin().await?;
        store::set_feed_token(tx.conn(), shop.id, token.as_deref()).await?;
        tx.commit().await?;
        Ok(token)
    }

    pub async fn feed_token(&self, shop_id: i64) -> ServiceResult<Option<String>> {
        let mut h = self.db.read().await?;
        Ok(store::feed_token(h.conn(), shop_id).await?)
    }

    /// Checks a public export request: the shop exists and, when protected, the token matches. Anything
    /// else is a 404 so a protected feed does not reveal itself.
    pub async fn export_shop(
        &self,
        handle: &str,
        token: Option<&str>,
    ) -> ServiceResult<ShopRecord> {
        let shop = self.shop_by_handle(handle).await?;
        if let Some(expected) = self.feed_token(shop.id).await? {
            let given = token.unwrap_or("");
            // Digests are compared so the comparison's timing says nothing about the token.
            if crate::secrets::digest(given) != crate::secrets::digest(&expected) {
                return Err(ServiceError::NotFound);
            }
        }
        Ok(shop)
    }

    /// One page of a shop's active catalog (or of one of its collections) as feed items: the items the
    /// platform accepts, the problems of those it would reject, and the cursor of the next page. Exports
    /// stream page by page so a large catalog never sits in memory.
    pub async fn export_page(
        &self,
        shop: &ShopRecord,
        platform: Platform,
        group: Option<i64>,
        base_url: &str,
        cursor: Option<&str>,
    ) -> ServiceResult<ExportPage> {
        let page = match group {
            Some(id) => {
                self.check_group(shop, id).await?;
                self.catalog
                    .collection_products(None, id, cursor, Some(100))
                    .await?
            }
            None => {
                self.catalog
                    .shop_products(
                        None,
                        &shop.handle,
                        StatusFilter::Only(ProductStatus::Active),
                        cursor,
                        Some(100),
                    )
                    .await?
            }
        };
        let ids: Vec<i64> = page.items.iter().map(|v| v.product.id).collect();
        let feed_images: HashMap<i64, Vec<String>> = {
            let mut h = self.db.read().await?;
            store::feed_images_of(h.conn(), &ids)
                .await?
                .into_iter()
                .map(|(id, json)| (id, serde_json::from_str(&json).unwrap_or_default()))
                .collect()
        };
        let mut items = Vec::new();
        let mut problems = Vec::new();
        for view in &page.items {
            let urls = feed_images
                .get(&view.product.id)
                .map(Vec::as_slice)
                .unwrap_or_default();
            for item in feed_items(view, base_url, urls) {
                let issues = export_issues(platform, &item);
                if issues.is_empty() {
                    items.push(item);
                } else {
                    problems.extend(issues.into_iter().map(|issue| ExportProblem {
                        product_id: view.product.id,
                        title: view.product.title.clone(),
                        issue,
                    }));
                }
            }
        }
        Ok(ExportPage {
            items,
            problems,
            next_cursor: page.next_cursor,
        })
    }

    /// A product group (collection) to limit an export to must belong to the shop; anything else is a 404.
    pub async fn check_group(&self, shop: &ShopRecord, group: i64) -> ServiceResult<()> {
        let c = self.catalog.collection(None, group).await?;
        if c.shop_id != shop.id {
            return Err(ServiceError::NotFound);
        }
        Ok(())
    }

    async fn export_pages<F>(
        &self,
        shop: &ShopRecord,
        platform: Platform,
        group: Option<i64>,
        base_url: &str,
        mut each: F,
    ) -> ServiceResult<()>
    where
        F: FnMut(ExportPage) -> ServiceResult<()>,
    {
        let mut cursor: Option<String> = None;
        loop {
            let mut page = self
                .export_page(shop, platform, group, base_url, cursor.as_deref())
                .await?;
            let next = page.next_cursor.take();
            each(page)?;
            match next {
                Some(c) => cursor = Some(c),
                None => return Ok(()),
            }
        }
    }

    /// Writes a whole export into `out` (the CLI and tests); pages stream with [`Self::export_pages`].
    pub async fn export_to<W: std::io::Write>(
        &self,
        shop: &ShopRecord,
        platform: Platform,
        format: FeedFormat,
        group: Option<i64>,
        base_url: &str,
        out: W,
    ) -> ServiceResult<Vec<ExportProblem>> {
        let mut writer = FeedWriter::new(out, platform, format).map_err(export_error)?;
        let mut problems = Vec::new();
        self.export_pages(shop, platform, group, base_url, |page| {
            for item in &page.items {
                writer.write(item).map_err(export_error)?;
            }
            problems.extend(page.problems);
            Ok(())
        })
        .await?;
        writer.finish().map_err(export_error)?;
        Ok(problems)
    }

    /// What a platform would reject from this shop's catalog, for the merchant's export report.
    pub async fn export_report(
        &self,
        viewer: &Viewer,
        handle: &str,
        platform: Platform,
        group: Option<i64>,
        base_url: &str,
    ) -> ServiceResult<(usize, Vec<ExportProblem>)> {
        let shop = self.staff_shop(viewer, handle).await?;
        let mut ok = 0;
        let mut problems = Vec::new();
        self.export_pages(&shop, platform, group, base_url, |page| {
            ok += page.items.len();
            problems.extend(page.problems);
            Ok(())
        })
        .await?;
        Ok((ok, problems))
    }
}

/// Registers the import, photo and data-source jobs with the worker.
pub fn register_jobs(jobs: &Jobs, feeds: &CatalogFeedService, fetcher: &Arc<Fetcher>) {
    jobs.register(Arc::new(ImportJob {
        feeds: feeds.clone(),
    }));
    jobs.register(Arc::new(ImageJob {
        feeds: feeds.clone(),
        fetcher: fetcher.clone(),
    }));
    jobs.register(Arc::new(SourceJob {
        feeds: feeds.clone(),
        fetcher: fetcher.clone(),
    }));
}

fn payload_id(payload: &serde_json::Value, name: &str) -> ServiceResult<i64> {
    payload
        .get(name)
        .and_then(serde_json::Value::as_i64)
        .ok_or_else(|| ServiceError::Internal(format!("job payload lacks {name}")))
}

/// Imports an uploaded file. Idempotent: a finished run is skipped, and re-importing rows changes nothing.
struct ImportJob {
    feeds: CatalogFeedService,
}

impl JobHandler for ImportJob {
    fn kind(&self) -> &'static str {
        JOB_IMPORT
    }

    fn run<'a>(&'a self, payload: &'a serde_json::Value) -> BoxFuture<'a, ServiceResult<()>> {
        Box::pin(async move {
            let run_id = payload_id(payload, "run_id")?;
            let path = self.feeds.run_file(run_id);
            if !path.exists() {
                // The file is deleted only after the run finished; without it there is nothing left to do.
                let run = self.feeds.run_record(run_id).await?;
                if !matches!(run.status.as_str(), "done" | "failed") {
                    self.feeds
                        .fail_run(
                            run_id,
                            &FileError {
                                code: "file_missing",
                                message: "The uploaded file is no longer on this server.".into(),
                                line: None,
                            },
                        )
                        .await?;
                }
                return Ok(());
            }
            self.feeds.process_run(run_id, &path, None).await?;
            let _ = tokio::fs::remove_file(&path).await;
            Ok(())
        })
    }
}

/// Fetches and attaches one product photo.
struct ImageJob {
    feeds: CatalogFeedService,
    fetcher: Arc<Fetcher>,
}

impl JobHandler for ImageJob {
    fn kind(&self) -> &'static str {
        JOB_IMAGE
    }

    fn run<'a>(&'a self, payload: &'a serde_json::Value) -> BoxFuture<'a, ServiceResult<()>> {
        Box::pin(async move {
            let product_id = payload_id(payload, "product_id")?;
            let url = payload
                .get("url")
                .and_then(serde_json::Value::as_str)
                .ok_or_else(|| ServiceError::Internal("job payload lacks url".into()))?;
            self.feeds
                .attach_image(&self.fetcher, product_id, url)
                .await
        })
    }
}

/// Fetches a data source's feed and imports it.
struct SourceJob {
    feeds: CatalogFeedService,
    fetcher: Arc<Fetcher>,
}

impl JobHandler for SourceJob {
    fn kind(&self) -> &'static str {
        JOB_SOURCE
    }

    fn run<'a>(&'a self, payload: &'a serde_json::Value) -> BoxFuture<'a, ServiceResult<()>> {
        Box::pin(async move {
            let source_id = payload_id(payload, "source_id")?;
            let run_id = payload_id(payload, "run_id")?;
            self.feeds
                .fetch_source_run(&self.fetcher, source_id, run_id)
                .await?;
            Ok(())
        })
    }
}

fn export_error(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(format!("feed export: {e}"))
}

fn run_view(record: RunRecord, handle: &str) -> RunView {
    let warnings = serde_json::from_str(&record.warnings).unwrap_or_default();
    RunView {
        record,
        warnings,
        shop_handle: handle.to_owned(),
    }
}

enum ImportFailure {
    File(FileError),
    Service(ServiceError),
}

impl From<ServiceError> for ImportFailure {
    fn from(e: ServiceError) -> Self {
        ImportFailure::Service(e)
    }
}

/// The reader thread: validates rows and hands them over in batches. Stops early when the writer is gone.
fn read_batches(
    path: &Path,
    format: FeedFormat,
    batch_rows: usize,
    out: &tokio::sync::mpsc::Sender<Batch>,
) {
    let reader = std::fs::File::open(path)
        .map_err(|e| FileError {
            code: "unreadable_file",
            message: format!("The file could not be opened: {e}."),
            line: None,
        })
        .and_then(|f| FeedReader::new(BufReader::with_capacity(256 * 1024, f), Some(format)));
    let reader = match reader {
        Ok(r) => r,
        Err(e) => {
            let _ = out.blocking_send(Batch::Failed(e));
            return;
        }
    };
    let mut batch = Vec::with_capacity(batch_rows);
    for row in reader {
        match row {
            Ok(raw) => batch.push(Parsed {
                line: raw.line,
                item: validate(&raw),
            }),
            Err(e) => {
                let _ = out.blocking_send(Batch::Failed(e));
                return;
            }
        }
        if batch.len() == batch_rows {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(batch_rows));
            if out.blocking_send(Batch::Rows(full)).is_err() {
                return;
            }
        }
    }
    if !batch.is_empty() {
        let _ = out.blocking_send(Batch::Rows(batch));
    }
}

fn product_key(item: &FeedItem) -> String {
    item.item_group_id
        .as_deref()
        .unwrap_or(&item.id)
        .to_lowercase()
}

/// Writes one valid row inside a batch's transaction.
struct RowWriter<'a, 'c> {
    c: Conn<'c>,
    shop: &'a ShopRecord,
    now: Timestamp,
    by_key: &'a mut HashMap<String, ProductRecord>,
    by_sku: &'a mut HashMap<String, VariantRecord>,
    /// Each product's feed photo URLs as stored (or as this batch left them).
    images: &'a mut HashMap<i64, Vec<String>>,
    seen_groups: &'a mut HashSet<String>,
    /// Notes about rows that were imported anyway.
    warnings: &'a mut Vec<RowError>,
    /// New rows, written together once the batch is planned.
    pending: &'a mut Pending,
}

/// What a batch adds: new products (with temporary negative ids until inserted), new variants, and photo
/// jobs. Writing them in multi-row statements instead of one round trip per row is what makes an import
/// into PostgreSQL fast.
#[derive(Default)]
struct Pending {
    next_temp_id: i64,
    products: Vec<ProductRecord>,
    variants: Vec<VariantRecord>,
    jobs: Vec<(i64, String)>,
}

impl Pending {
    async fn flush(
        &mut self,
        mut c: Conn<'_>,
        images: &HashMap<i64, Vec<String>>,
        now: Timestamp,
    ) -> ServiceResult<Vec<i64>> {
        let mut real: HashMap<i64, i64> = HashMap::new();
        if !self.products.is_empty() {
            let rows: Vec<(ProductRecord, String)> = self
                .products
                .iter()
                .map(|p| {
                    let urls = images.get(&p.id).cloned().unwrap_or_default();
                    let json = serde_json::to_string(&urls).unwrap_or_else(|_| "[]".into());
                    (p.clone(), json)
                })
                .collect();
            let temp_by_key: HashMap<String, i64> = self
                .products
                .iter()
                .map(|p| (p.item_id.as_deref().unwrap_or("").to_lowercase(), p.id))
                .collect();
            for (id, key) in store::insert_products(reborrow(&mut c), &rows).await? {
                if let Some(temp) = temp_by_key.get(&key) {
                    real.insert(*temp, id);
                }
            }
        }
        let resolve = |id: i64| {
            if id < 0 {
                real.get(&id).copied()
            } else {
                Some(id)
            }
        };
        let mut variants = std::mem::take(&mut self.variants);
        for v in &mut variants {
            v.product_id = resolve(v.product_id)
                .ok_or_else(|| ServiceError::Internal("imported product id missing".into()))?;
        }
        store::insert_variants(reborrow(&mut c), &variants, now).await?;
        let jobs: Vec<(String, String)> = std::mem::take(&mut self.jobs)
            .into_iter()
            .filter_map(|(pid, url)| {
                let pid = resolve(pid)?;
                let payload = serde_json::json!({ "product_id": pid, "url": url }).to_string();
                Some((format!("{pid}:{url}"), payload))
            })
            .collect();
        souk_store::jobs::enqueue_many(c, JOB_IMAGE, &jobs, now).await?;
        self.products.clear();
        // The new products' ids, for the search event.
        Ok(real.into_values().collect())
    }
}

fn reborrow<'a>(c: &'a mut Conn<'_>) -> Conn<'a> {
    match c {
        Conn::Sqlite(c) => Conn::Sqlite(c),
        Conn::Postgres(c) => Conn::Postgres(c),
    }
}

impl RowWriter<'_, '_> {
    fn conn(&mut self) -> Conn<'_> {
        match &mut self.c {
            Conn::Sqlite(c) => Conn::Sqlite(c),
            Conn::Postgres(c) => Conn::Postgres(c),
        }
    }

    /// `Ok(Err(_))` is a row the report rejects; `Err(_)` is a database failure that aborts the batch.
    async fn write(
        &mut self,
        line: u64,
        item: &FeedItem,
    ) -> ServiceResult<Result<(Outcome, bool), RowError>> {
        let now = self.now;
        let key = product_key(item);
        let currency = item.price.currency;
        let sku_key = item.id.to_lowercase();
        let first_of_group = match &item.item_group_id {
            Some(_) => self.seen_groups.insert(key.clone()),
            None => true,
        };
        let mut changed = false;
        let mut created = false;
        // The product: found by its item id (the group id for variant groups), else created.
        let mut product = match self.by_key.get(&key) {
            Some(p) => {
                if p.currency != currency.code() {
                    return Ok(Err(row_error(
                        line,
                        &item.id,
                        "price",
                        "currency_mismatch",
                        format!(
                            "The product {} is priced in {}, this row in {}.",
                            p.item_id.as_deref().unwrap_or(""),
                            p.currency,
                            currency.code()
                        ),
                    )));
                }
                p.clone()
            }
            None => {
                let shop_currency = Currency::parse(&self.shop.currency).ok();
                // A product priced in another currency than the shop's cannot go through its checkout, so it
                // waits as a draft for the merchant to re-price it.
                let status = if shop_currency == Some(currency) {
                    ProductStatus::Active
                } else {
                    self.warnings.push(row_error(
                        line,
                        &item.id,
                        "price",
                        "saved_as_draft",
                        format!(
                            "Priced in {}, but the shop sells in {}: saved as a draft.",
                            currency.code(),
                            self.shop.currency
                        ),
                    ));
                    ProductStatus::Draft
                };
                let mut p = ProductRecord {
                    id: 0,
                    shop_id: self.shop.id,
                    item_id: Some(
                        item.item_group_id
                            .clone()
                            .unwrap_or_else(|| item.id.clone()),
                    ),
                    title: String::new(),
                    description: String::new(),
                    brand: String::new(),
                    condition: String::new(),
                    product_type: String::new(),
                    google_category: String::new(),
                    gender: None,
                    age_group: None,
                    tags: String::new(),
                    custom_labels: Default::default(),
                    currency: currency.code().to_owned(),
                    price_minor: 0,
                    compare_at_minor: None,
                    status: status.as_str().to_owned(),
                    checkout_mode: None,
                    external_url: String::new(),
                    weight_grams: 0,
                    options: "[]".into(),
                    created_at: self.now,
                    updated_at: self.now,
                };
                apply_product_fields(&mut p, item);
                p.options = options_json(&axes_for(&[], item));
                self.pending.next_temp_id -= 1;
                p.id = self.pending.next_temp_id;
                self.pending.products.push(p.clone());
                created = true;
                self.by_key.insert(key.clone(), p.clone());
                p
            }
        };
        if !created {
            let mut desired = product.clone();
            if first_of_group {
                apply_product_fields(&mut desired, item);
            }
            desired.options = options_json(&axes_for(&options_of(&product), item));
            if !same_product(&desired, &product) {
                desired.updated_at = self.now;
                if desired.id < 0 {
                    // Created earlier in this batch: change the row still to be inserted.
                    // Temporary ids count down from -1 in insertion order, so the id is the index.
                    let index = usize::try_from(-1 - desired.id).unwrap_or(usize::MAX);
                    if let Some(slot) = self
                        .pending
                        .products
                        .get_mut(index)
                        .filter(|p| p.id == desired.id)
                    {
                        *slot = desired.clone();
                    }
                } else {
                    products::update(self.conn(), &desired).await?;
                }
                changed = true;
                self.by_key.insert(key.clone(), desired.clone());
                product = desired;
            }
        }
        // The variant: found by SKU (the row's id).
        let names = options_of(&product);
        let values = axis_values(item);
        let mut options: [String; 3] = Default::default();
        for (slot, name) in options.iter_mut().zip(&names) {
            if let Some(a) = axis_of(name) {
                *slot = values[a].to_owned();
            }
        }
        let (price, compare_at) = row_prices(item);
        let desired = VariantRecord {
            id: 0,
            product_id: product.id,
            shop_id: self.shop.id,
            sku: item.id.clone(),
            options,
            price_minor: (price != product.price_minor).then_some(price),
            compare_at_minor: if compare_at == product.compare_at_minor {
                None
            } else {
                compare_at
            },
            track_inventory: item.quantity.is_some(),
            stock: item.quantity.unwrap_or(0),
            availability: item.availability.as_str().to_owned(),
            weight_grams: None,
            position: 0,
            gtin: item.gtin.clone(),
            mpn: item.mpn.clone(),
        };
        let outcome = match self.by_sku.get(&sku_key).cloned() {
            Some(existing) if existing.product_id != product.id => {
                return Ok(Err(row_error(
                    line,
                    &item.id,
                    "id",
                    "sku_in_other_product",
                    format!(
                        "The id {} is already the SKU of a variant of another product in this shop.",
                        item.id
                    ),
                )));
            }
            Some(existing) => {
                if same_variant(&desired, &existing) {
                    if changed {
                        Outcome::Updated
                    } else {
                        Outcome::Unchanged
                    }
                } else if existing.id == 0 {
                    // Added earlier in this batch (the file repeats an id): the last row wins.
                    if let Some(slot) = self
                        .pending
                        .variants
                        .iter_mut()
                        .find(|v| v.sku.to_lowercase() == sku_key)
                    {
                        *slot = desired.clone();
                    }
                    self.by_sku.insert(sku_key, desired);
                    Outcome::Updated
                } else {
                    let v = VariantRecord {
                        id: existing.id,
                        position: existing.position,
                        weight_grams: existing.weight_grams,
                        ..desired
                    };
                    let set_stock = v.track_inventory;
                    products::update_variant(self.conn(), &v, set_stock, now).await?;
                    self.by_sku.insert(sku_key, v);
                    Outcome::Updated
                }
            }
            None => {
                self.pending.variants.push(desired.clone());
                self.by_sku.insert(sku_key, desired);
                Outcome::Imported
            }
        };
        // The product keeps every photo URL its rows named (new ones are appended, so the rows of a group
        // in any order give the same list); each new URL gets a fetch job.
        let known = self.images.entry(product.id).or_default();
        let mut added = Vec::new();
        for url in std::iter::once(&item.image_link).chain(&item.additional_image_links) {
            if !url.is_empty() && !known.contains(url) && known.len() < MAX_FEED_IMAGES {
                known.push(url.clone());
                added.push(url.clone());
            }
        }
        let outcome = if added.is_empty() {
            outcome
        } else {
            if product.id > 0 {
                let json = serde_json::to_string(&*known).unwrap_or_else(|_| "[]".into());
                store::set_feed_images(self.conn(), product.id, &json).await?;
            }
            for url in added {
                self.pending.jobs.push((product.id, url));
            }
            if outcome == Outcome::Unchanged {
                Outcome::Updated
            } else {
                outcome
            }
        };
        Ok(Ok((outcome, created)))
    }
}

/// The option axes a product should have after this row: the ones it has, plus any axis the row fills that
/// it lacks (at most three, as everywhere in Souk).
fn axes_for(current: &[String], item: &FeedItem) -> Vec<String> {
    let mut names: Vec<String> = current.to_vec();
    let values = axis_values(item);
    for (i, axis) in AXES.iter().enumerate() {
        if values[i].is_empty() || names.len() >= 3 {
            continue;
        }
        if !names.iter().any(|n| axis_of(n) == Some(i)) {
            names.push((*axis).to_owned());
        }
    }
    names
}

/// The feed rows for one product: one per variant, the variant's options in the title as platforms want.
pub fn feed_items(
    view: &crate::catalog::ProductView,
    base_url: &str,
    feed_images: &[String],
) -> Vec<FeedItem> {
    let p = &view.product;
    let base = base_url.trim_end_matches('/');
    // Attached photos first (by the URL they came from, so a platform sees the same link again), then feed
    // URLs whose fetch has not attached them (yet).
    let mut urls: Vec<String> = view
        .images
        .iter()
        .map(|img| match &img.source_url {
            Some(u) => u.clone(),
            None => format!("{base}/media/{}", img.media_key),
        })
        .collect();
    for u in feed_images {
        if !urls.contains(u) {
            urls.push(u.clone());
        }
    }
    let image_link = urls.first().cloned().unwrap_or_default();
    let additional: Vec<String> = urls.iter().skip(1).cloned().collect();
    let link = if p.external_url.is_empty() {
        format!("{base}/p/{}", p.id)
    } else {
        p.external_url.clone()
    };
    let grouped = view.variants.len() > 1
        || view
            .variants
            .first()
            .is_some_and(|v| p.item_id.as_deref() != Some(v.record.sku.as_str()));
    let group_id = p.item_id.clone().unwrap_or_else(|| format!("P{}", p.id));
    view.variants
        .iter()
        .map(|v| {
            let mut axes = ["", "", "", ""];
            for (name, value) in view.options.iter().zip(&v.options) {
                if let Some(a) = axis_of(name) {
                    axes[a] = value.as_str();
                }
            }
            let (price, sale_price) = match v.compare_at {
                Some(was) => (was, Some(v.price)),
                None => (v.price, None),
            };
            let title = if grouped && !v.title.is_empty() {
                format!("{} - {}", p.title, v.title)
            } else {
                p.title.clone()
            };
            FeedItem {
                id: v.record.sku.clone(),
                title,
                description: p.description.clone(),
                link: link.clone(),
                image_link: image_link.clone(),
                additional_image_links: additional.clone(),
                availability: if v.availability == Availability::InStock
                    || v.availability == Availability::OutOfStock
                {
                    v.availability
                } else {
                    Availability::parse(&v.record.availability, "availability")
                        .unwrap_or(v.availability)
                },
                price: Money::new(price.amount_minor, price.currency),
                sale_price,
                brand: p.brand.clone(),
                gtin: v.record.gtin.clone(),
                mpn: v.record.mpn.clone(),
                condition: souk_domain::commerce::Condition::parse(&p.condition, "condition")
                    .unwrap_or(souk_domain::commerce::Condition::New),
                item_group_id: grouped.then(|| group_id.clone()),
                color: axes[0].to_owned(),
                size: axes[1].to_owned(),
                material: axes[2].to_owned(),
                pattern: axes[3].to_owned(),
                gender: p
                    .gender
                    .as_deref()
                    .and_then(|g| souk_domain::commerce::Gender::parse(g, "gender").ok()),
                age_group: p
                    .age_group
                    .as_deref()
                    .and_then(|g| souk_domain::commerce::AgeGroup::parse(g, "age_group").ok()),
                google_product_category: p.google_category.clone(),
                product_type: p.product_type.clone(),
                custom_labels: p.custom_labels.clone(),
                quantity: v.stock(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn item(title: &str, group: Option<&str>, color: &str, size: &str) -> FeedItem {
        let usd = Currency::parse("USD").unwrap();
        FeedItem {
            id: "X".into(),
            title: title.into(),
            description: String::new(),
            link: String::new(),
            image_link: String::new(),
            additional_image_links: Vec::new(),
            availability: Availability::InStock,
            price: Money::new(100, usd),
            sale_price: None,
            brand: String::new(),
            gtin: String::new(),
            mpn: String::new(),
            condition: souk_domain::commerce::Condition::New,
            item_group_id: group.map(str::to_owned),
            color: color.into(),
            size: size.into(),
            material: String::new(),
            pattern: String::new(),
            gender: None,
            age_group: None,
            google_product_category: String::new(),
            product_type: String::new(),
            custom_labels: Default::default(),
            quantity: None,
        }
    }

    #[test]
    fn group_titles_drop_the_variant_suffix_only_when_it_names_the_variant() {
        let i = item("Organic Cotton Tee - Red / S", Some("TEE"), "Red", "S");
        assert_eq!(group_title(&i), "Organic Cotton Tee");
        let i = item("Tee - Summer Edition", Some("TEE"), "Red", "S");
        assert_eq!(group_title(&i), "Tee - Summer Edition");
        let i = item("Mug - Sand", None, "Sand", "");
        assert_eq!(group_title(&i), "Mug - Sand");
    }

    #[test]
    fn axes_keep_existing_names_and_add_missing_ones_up_to_three() {
        let i = item("t", Some("G"), "Red", "M");
        assert_eq!(axes_for(&[], &i), vec!["Color", "Size"]);
        assert_eq!(axes_for(&["Colour".into()], &i), vec!["Colour", "Size"]);
        let mut i = item("t", Some("G"), "Red", "M");
        i.material = "Wool".into();
        i.pattern = "Plaid".into();
        assert_eq!(axes_for(&[], &i), vec!["Color", "Size", "Material"]);
    }

    #[test]
    fn sale_price_sells_at_the_sale_with_the_regular_price_struck_through() {
        let usd = Currency::parse("USD").unwrap();
        let mut i = item("t", None, "", "");
        i.price = Money::new(1900, usd);
        i.sale_price = Some(Money::new(1500, usd));
        assert_eq!(row_prices(&i), (1500, Some(1900)));
    }
}
