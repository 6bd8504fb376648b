//! Catalog feed imports (runs and their per-row reports), scheduled feed sources, and export settings.

use crate::batch_json::{self, JsonRows};
use crate::products::{self, ProductRecord};
use crate::{Conn, StoreResult, on_conn};
use souk_domain::Timestamp;
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct RunRecord {
    pub id: i64,
    pub shop_id: i64,
    pub source_id: Option<i64>,
    pub origin: String,
    pub file_name: String,
    pub format: String,
    pub status: String,
    pub total_rows: i64,
    pub processed_rows: i64,
    pub imported: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub rejected: i64,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// JSON array of strings.
    pub warnings: String,
    pub started_by: Option<i64>,
    pub created_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
}

const RUN_COLUMNS: &str = "id, shop_id, source_id, origin, file_name, format, status, total_rows, processed_rows, \
    imported, updated, unchanged, rejected, error_code, error_message, warnings, started_by, created_at, started_at, \
    finished_at";

macro_rules! run_row {
    ($r:expr) => {
        RunRecord {
            id: $r.try_get("id")?,
            shop_id: $r.try_get("shop_id")?,
            source_id: $r.try_get("source_id")?,
            origin: $r.try_get("origin")?,
            file_name: $r.try_get("file_name")?,
            format: $r.try_get("format")?,
            status: $r.try_get("status")?,
            total_rows: $r.try_get("total_rows")?,
            processed_rows: $r.try_get("processed_rows")?,
            imported: $r.try_get("imported")?,
            updated: $r.try_get("updated")?,
            unchanged: $r.try_get("unchanged")?,
            rejected: $r.try_get("rejected")?,
            error_code: $r.try_get("error_code")?,
            error_message: $r.try_get("error_message")?,
            warnings: $r.try_get("warnings")?,
            started_by: $r.try_get("started_by")?,
            created_at: Timestamp::from_micros($r.try_get("created_at")?),
            started_at: $r
                .try_get::<Option<i64>, _>("started_at")?
                .map(Timestamp::from_micros),
            finished_at: $r
                .try_get::<Option<i64>, _>("finished_at")?
                .map(Timestamp::from_micros),
        }
    };
}

/// A new run waiting to be processed.
pub struct NewRun<'a> {
    pub shop_id: i64,
    pub source_id: Option<i64>,
    pub origin: &'a str,
    pub file_name: &'a str,
    pub format: &'a str,
    pub started_by: Option<i64>,
}

pub async fn insert_run(c: Conn<'_>, run: &NewRun<'_>, now: Timestamp) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO feed_runs (shop_id, source_id, origin, file_name, format, started_by, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
    let id: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(run.shop_id).bind(run.source_id).bind(run.origin)
        .bind(run.file_name).bind(run.format).bind(run.started_by).bind(now.as_micros())
        .fetch_one(&mut *c).await)?;
    Ok(id)
}

pub async fn run_by_id(c: Conn<'_>, id: i64) -> StoreResult<Option<RunRecord>> {
    let sql = format!("SELECT {RUN_COLUMNS} FROM feed_runs WHERE id = $1");
    let row = on_conn!(c, c => {
        match sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *c).await? {
            Some(r) => Ok::<_, sqlx::Error>(Some(run_row!(r))),
            None => Ok(None),
        }
    })?;
    Ok(row)
}

/// A shop's runs, newest first, ids below `before`.
pub async fn runs_of_shop(
    c: Conn<'_>,
    shop_id: i64,
    source_id: Option<i64>,
    before: i64,
    limit: i64,
) -> StoreResult<Vec<RunRecord>> {
    let sql = format!(
        "SELECT {RUN_COLUMNS} FROM feed_runs WHERE shop_id = $1 AND id < $2 \
         AND ($3 = 0 OR source_id = $3) ORDER BY id DESC LIMIT $4"
    );
    let rows = on_conn!(c, c => {
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(shop_id).bind(before)
            .bind(source_id.unwrap_or(0)).bind(limit).fetch_all(&mut *c).await?;
        rows.iter().map(|r| Ok::<_, sqlx::Error>(run_row!(r))).collect::<Result<Vec<_>, _>>()
    })?;
    Ok(rows)
}

/// Marks a queued (or interrupted) run as running with the row count the check pass found. Returns false
/// when the run is already finished, so a retried job does not import the file a second time.
pub async fn start_run(
    c: Conn<'_>,
    id: i64,
    total_rows: i64,
    format: &str,
    warnings: &str,
    now: Timestamp,
) -> StoreResult<bool> {
    const SQL: &str = "UPDATE feed_runs SET status = 'running', total_rows = $2, format = $3, warnings = $4, \
        processed_rows = 0, imported = 0, updated = 0, unchanged = 0, rejected = 0, started_at = $5 \
        WHERE id = $1 AND status IN ('queued', 'running')";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(id).bind(total_rows).bind(format).bind(warnings)
        .bind(now.as_micros()).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Running totals of a run, written with each batch so a progress bar on another node can read them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub processed: i64,
    pub imported: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub rejected: i64,
}

pub async fn set_progress(c: Conn<'_>, id: i64, n: &Counts) -> StoreResult<()> {
    const SQL: &str = "UPDATE feed_runs SET processed_rows = $2, imported = $3, updated = $4, unchanged = $5, \
        rejected = $6 WHERE id = $1";
    on_conn!(c, c => sqlx::query(SQL).bind(id).bind(n.processed).bind(n.imported).bind(n.updated)
        .bind(n.unchanged).bind(n.rejected).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn finish_run(
    c: Conn<'_>,
    id: i64,
    error: Option<(&str, &str)>,
    now: Timestamp,
) -> StoreResult<()> {
    const SQL: &str = "UPDATE feed_runs SET status = $2, error_code = $3, error_message = $4, finished_at = $5 \
        WHERE id = $1";
    let status = if error.is_some() { "failed" } else { "done" };
    on_conn!(c, c => sqlx::query(SQL).bind(id).bind(status).bind(error.map(|e| e.0)).bind(error.map(|e| e.1))
        .bind(now.as_micros()).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Forgets a run's earlier report before it is (re)processed.
pub async fn clear_errors(c: Conn<'_>, run_id: i64) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM feed_run_errors WHERE run_id = $1";
    on_conn!(c, c => sqlx::query(SQL).bind(run_id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorRecord {
    pub seq: i64,
    /// `error` (the row was rejected) or `warning` (imported anyway).
    pub severity: String,
    pub line: i64,
    pub item_id: Option<String>,
    pub field: String,
    pub code: String,
    pub message: String,
}

pub async fn add_errors(c: Conn<'_>, run_id: i64, errors: &[ErrorRecord]) -> StoreResult<()> {
    if errors.is_empty() {
        return Ok(());
    }
    // Several rows per statement: a file with many bad rows should not cost one round trip per problem.
    let mut c = c;
    let n = rows_per_insert(&c, 8);
    for chunk in errors.chunks(n) {
        let values = row_placeholders(chunk.len(), 8);
        let sql = format!(
            "INSERT INTO feed_run_errors (run_id, seq, line, item_id, field, code, message, severity) VALUES {values}"
        );
        on_conn!(&mut c, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for e in chunk {
                q = q.bind(run_id).bind(e.seq).bind(e.line).bind(&e.item_id).bind(&e.field)
                    .bind(&e.code).bind(&e.message).bind(&e.severity);
            }
            q.execute(&mut **c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

/// Rows per multi-row INSERT with `cols` values each. PostgreSQL gains from few round trips; SQLite runs
/// in-process and its driver maps every numbered parameter by name, which grows with the square of the
/// parameters in one statement, so it gets small statements.
pub fn rows_per_insert(c: &Conn<'_>, cols: usize) -> usize {
    let params = match c {
        Conn::Sqlite(_) => 200,
        Conn::Postgres(_) => 8_000,
    };
    (params / cols).max(1)
}

/// `($1, …, $cols), ($cols+1, …), …` for a multi-row INSERT of `rows` rows.
fn row_placeholders(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|i| {
            let list = (1..=cols)
                .map(|k| format!("${}", i * cols + k))
                .collect::<Vec<_>>()
                .join(", ");
            format!("({list})")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A run's report lines in file order, optionally only one error code and/or field.
pub async fn errors_of(
    c: Conn<'_>,
    run_id: i64,
    code: Option<&str>,
    field: Option<&str>,
    after_seq: i64,
    limit: i64,
) -> StoreResult<Vec<ErrorRecord>> {
    const SQL: &str = "SELECT seq, line, item_id, field, code, message, severity FROM feed_run_errors \
        WHERE run_id = $1 AND seq > $2 AND ($3 = '' OR code = $3) AND ($4 = '' OR field = $4) \
        ORDER BY seq LIMIT $5";
    type Row = (i64, i64, Option<String>, String, String, String, String);
    let rows: Vec<Row> = on_conn!(c, c => sqlx::query_as(SQL)
        .bind(run_id).bind(after_seq).bind(code.unwrap_or("")).bind(field.unwrap_or("")).bind(limit)
        .fetch_all(&mut *c).await)?;
    Ok(rows
        .into_iter()
        .map(|r| ErrorRecord {
            seq: r.0,
            line: r.1,
            item_id: r.2,
            field: r.3,
            code: r.4,
            message: r.5,
            severity: r.6,
        })
        .collect())
}

/// How many report lines each error code and each field has, for the report's filter chips.
pub async fn error_facets(
    c: Conn<'_>,
    run_id: i64,
) -> StoreResult<(Vec<(String, i64)>, Vec<(String, i64)>)> {
    const CODES: &str =
        "SELECT code, COUNT(*) FROM feed_run_errors WHERE run_id = $1 GROUP BY code ORDER BY code";
    const FIELDS: &str = "SELECT field, COUNT(*) FROM feed_run_errors WHERE run_id = $1 GROUP BY field ORDER BY field";
    let mut c = c;
    let codes: Vec<(String, i64)> = on_conn!(&mut c, c => sqlx::query_as(CODES).bind(run_id)
        .fetch_all(&mut **c).await)?;
    let fields: Vec<(String, i64)> = on_conn!(&mut c, c => sqlx::query_as(FIELDS).bind(run_id)
        .fetch_all(&mut **c).await)?;
    Ok((codes, fields))
}

/// Serialises imports into one shop: the row lock (PostgreSQL) or the write lock (SQLite) is held until the
/// batch commits, so two imports of the same new item id cannot both insert it.
pub async fn lock_shop(c: Conn<'_>, shop_id: i64) -> StoreResult<()> {
    const SQL: &str = "UPDATE shops SET product_count = product_count WHERE id = $1";
    on_conn!(c, c => sqlx::query(SQL).bind(shop_id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Refreshes the planner statistics of the tables an import grows, when `inserted` new rows are a
/// substantial part of them (more than a tenth, as autovacuum's default, or they were never analysed);
/// returns whether it did. PostgreSQL plans the import's look-ups from these statistics: tables that grew
/// from empty without them (autovacuum off, or not yet run) were planned as if still empty, and the SKU
/// look-up then read every variant of the shop and compared it with each key, so each batch cost more
/// than the last. Small imports into large tables skip it, since sampling them costs more than the import.
/// SQLite's planner prefers the unique indexes without statistics, so it has nothing to refresh.
pub async fn analyze_catalog_if_grown(c: Conn<'_>, inserted: i64) -> StoreResult<bool> {
    let Conn::Postgres(c) = c else {
        return Ok(false);
    };
    const TUPLES: &str = "SELECT reltuples FROM pg_class WHERE oid = 'variants'::regclass";
    let tuples: f32 = sqlx::query_scalar(TUPLES).fetch_one(&mut *c).await?;
    let grown = tuples < 0.0 || inserted as f64 > 0.1 * f64::from(tuples);
    if grown {
        sqlx::query("ANALYZE products, variants")
            .execute(&mut *c)
            .await?;
    }
    Ok(grown)
}

/// Products of a shop with any of these item keys (lower-cased item ids).
pub async fn products_by_keys(
    c: Conn<'_>,
    shop_id: i64,
    keys: &[String],
) -> StoreResult<Vec<ProductRecord>> {
    products::by_item_keys(c, shop_id, keys).await
}

/// Which of these (product, source URL) images already exist, so a re-import does not fetch them again.
pub async fn image_sources_of(c: Conn<'_>, product_ids: &[i64]) -> StoreResult<Vec<(i64, String)>> {
    if product_ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = (0..product_ids.len())
        .map(|i| format!("${}", i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT product_id, source_url FROM product_images WHERE source_url IS NOT NULL AND product_id IN ({list})"
    );
    let rows: Vec<(i64, String)> = on_conn!(c, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for id in product_ids {
            q = q.bind(*id);
        }
        q.fetch_all(&mut *c).await
    })?;
    Ok(rows)
}

/// The feed photo URLs of these products (JSON arrays). The ids travel as one array, as in
/// `products::variants_by_sku_keys`.
pub async fn feed_images_of(c: Conn<'_>, product_ids: &[i64]) -> StoreResult<Vec<(i64, String)>> {
    if product_ids.is_empty() {
        return Ok(Vec::new());
    }
    const PG: &str = "SELECT id, feed_images FROM products WHERE id = ANY($1)";
    const SQLITE: &str =
        "SELECT id, feed_images FROM products WHERE id IN (SELECT value FROM json_each($1))";
    let rows: Vec<(i64, String)> = match c {
        Conn::Sqlite(c) => {
            sqlx::query_as(SQLITE)
                .bind(batch_json::int_array(product_ids))
                .fetch_all(&mut *c)
                .await?
        }
        Conn::Postgres(c) => {
            sqlx::query_as(PG)
                .bind(product_ids)
                .fetch_all(&mut *c)
                .await?
        }
    };
    Ok(rows)
}

pub async fn set_feed_images(c: Conn<'_>, product_id: i64, json: &str) -> StoreResult<()> {
    const SQL: &str = "UPDATE products SET feed_images = $2 WHERE id = $1";
    on_conn!(c, c => sqlx::query(SQL).bind(product_id).bind(json).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Inserts new products with their feed photo URLs in multi-row statements; returns each new id with its
/// item key (imports give every product an item id).
pub async fn insert_products(
    c: Conn<'_>,
    rows: &[(ProductRecord, String)],
) -> StoreResult<Vec<(i64, String)>> {
    match c {
        Conn::Postgres(pg) => insert_products_pg(pg, rows).await,
        Conn::Sqlite(lite) => insert_products_sqlite(lite, rows).await,
    }
}

/// SQLite takes a whole batch as one JSON text (see `batch_json`): one statement per batch.
async fn insert_products_sqlite(
    c: &mut sqlx::SqliteConnection,
    rows: &[(ProductRecord, String)],
) -> StoreResult<Vec<(i64, String)>> {
    const SQL: &str = "INSERT INTO products (shop_id, item_id, item_key, title, description, brand, condition, \
        product_type, google_category, gender, age_group, tags, custom_label_0, custom_label_1, custom_label_2, \
        custom_label_3, custom_label_4, currency, price_minor, compare_at_minor, status, checkout_mode, \
        external_url, weight_grams, options, created_at, updated_at, feed_images) \
        SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7, \
        value->>8, value->>9, value->>10, value->>11, value->>12, value->>13, value->>14, value->>15, \
        value->>16, value->>17, value->>18, value->>19, value->>20, value->>21, value->>22, value->>23, \
        value->>24, value->>25, value->>26, value->>27 FROM json_each($1) RETURNING id, item_key";
    let mut json = JsonRows::with_capacity(rows.len() * 512);
    for (p, images) in rows {
        let key = p.item_id.as_ref().map(|s| s.to_lowercase());
        json.row(|r| {
            r.int(p.shop_id)
                .opt_text(p.item_id.as_deref())
                .opt_text(key.as_deref())
                .text(&p.title)
                .text(&p.description)
                .text(&p.brand)
                .text(&p.condition)
                .text(&p.product_type)
                .text(&p.google_category)
                .opt_text(p.gender.as_deref())
                .opt_text(p.age_group.as_deref())
                .text(&p.tags)
                .text(&p.custom_labels[0])
                .text(&p.custom_labels[1])
                .text(&p.custom_labels[2])
                .text(&p.custom_labels[3])
                .text(&p.custom_labels[4])
                .text(&p.currency)
                .int(p.price_minor)
                .opt_int(p.compare_at_minor)
                .text(&p.status)
                .opt_text(p.checkout_mode.as_deref())
                .text(&p.external_url)
                .int(p.weight_grams)
                .text(&p.options)
                .int(p.created_at.as_micros())
                .int(p.updated_at.as_micros())
                .text(images);
        });
    }
    let got: Vec<(i64, Option<String>)> = sqlx::query_as(SQL)
        .bind(json.finish())
        .fetch_all(&mut *c)
        .await?;
    Ok(got
        .into_iter()
        .map(|(id, key)| (id, key.unwrap_or_default()))
        .collect())
}

/// Inserts new variants in multi-row statements.
pub async fn insert_variants(
    c: Conn<'_>,
    rows: &[products::VariantRecord],
    now: Timestamp,
) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    match c {
        Conn::Postgres(pg) => insert_variants_pg(pg, rows, now).await,
        Conn::Sqlite(lite) => insert_variants_sqlite(lite, rows, now).await,
    }
}

async fn insert_variants_sqlite(
    c: &mut sqlx::SqliteConnection,
    rows: &[products::VariantRecord],
    now: Timestamp,
) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO variants (product_id, shop_id, sku, sku_key, option1, option2, option3, \
        price_minor, compare_at_minor, track_inventory, stock, availability, weight_grams, position, gtin, mpn, \
        created_at, updated_at) \
        SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7, \
        value->>8, value->>9, value->>10, value->>11, value->>12, value->>13, value->>14, value->>15, $2, $2 \
        FROM json_each($1)";
    let mut json = JsonRows::with_capacity(rows.len() * 160);
    for v in rows {
        let key = v.sku.to_lowercase();
        json.row(|r| {
            r.int(v.product_id)
                .int(v.shop_id)
                .text(&v.sku)
                .text(&key)
                .text(&v.options[0])
                .text(&v.options[1])
                .text(&v.options[2])
                .opt_int(v.price_minor)
                .opt_int(v.compare_at_minor)
                .bool(v.track_inventory)
                .int(v.stock)
                .text(&v.availability)
                .opt_int(v.weight_grams)
                .int(i64::from(v.position))
                .text(&v.gtin)
                .text(&v.mpn);
        });
    }
    sqlx::query(SQL)
        .bind(json.finish())
        .bind(now.as_micros())
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// PostgreSQL takes a whole batch as one array per column: one short statement that is prepared once,
/// where a VALUES list with thousands of parameters is parsed and described again for every size.
async fn insert_products_pg(
    c: &mut sqlx::PgConnection,
    rows: &[(ProductRecord, String)],
) -> StoreResult<Vec<(i64, String)>> {
    const SQL: &str = "INSERT INTO products (shop_id, item_id, item_key, title, description, brand, condition, \
        product_type, google_category, gender, age_group, tags, custom_label_0, custom_label_1, custom_label_2, \
        custom_label_3, custom_label_4, currency, price_minor, compare_at_minor, status, checkout_mode, \
        external_url, weight_grams, options, created_at, updated_at, feed_images) \
        SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
        $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], \
        $15::text[], $16::text[], $17::text[], $18::text[], $19::bigint[], $20::bigint[], $21::text[], \
        $22::text[], $23::text[], $24::bigint[], $25::text[], $26::bigint[], $27::bigint[], $28::text[]) \
        RETURNING id, item_key";
    let col =
        |f: &dyn Fn(&ProductRecord) -> String| rows.iter().map(|(p, _)| f(p)).collect::<Vec<_>>();
    let opt = |f: &dyn Fn(&ProductRecord) -> Option<String>| {
        rows.iter().map(|(p, _)| f(p)).collect::<Vec<_>>()
    };
    let int =
        |f: &dyn Fn(&ProductRecord) -> i64| rows.iter().map(|(p, _)| f(p)).collect::<Vec<_>>();
    let got: Vec<(i64, Option<String>)> = sqlx::query_as(SQL)
        .bind(int(&|p| p.shop_id))
        .bind(opt(&|p| p.item_id.clone()))
        .bind(opt(&|p| p.item_id.as_ref().map(|s| s.to_lowercase())))
        .bind(col(&|p| p.title.clone()))
        .bind(col(&|p| p.description.clone()))
        .bind(col(&|p| p.brand.clone()))
        .bind(col(&|p| p.condition.clone()))
        .bind(col(&|p| p.product_type.clone()))
        .bind(col(&|p| p.google_category.clone()))
        .bind(opt(&|p| p.gender.clone()))
        .bind(opt(&|p| p.age_group.clone()))
        .bind(col(&|p| p.tags.clone()))
        .bind(col(&|p| p.custom_labels[0].clone()))
        .bind(col(&|p| p.custom_labels[1].clone()))
        .bind(col(&|p| p.custom_labels[2].clone()))
        .bind(col(&|p| p.custom_labels[3].clone()))
        .bind(col(&|p| p.custom_labels[4].clone()))
        .bind(col(&|p| p.currency.clone()))
        .bind(int(&|p| p.price_minor))
        .bind(
            rows.iter()
                .map(|(p, _)| p.compare_at_minor)
                .collect::<Vec<_>>(),
        )
        .bind(col(&|p| p.status.clone()))
        .bind(opt(&|p| p.checkout_mode.clone()))
        .bind(col(&|p| p.external_url.clone()))
        .bind(int(&|p| p.weight_grams))
        .bind(col(&|p| p.options.clone()))
        .bind(int(&|p| p.created_at.as_micros()))
        .bind(int(&|p| p.updated_at.as_micros()))
        .bind(rows.iter().map(|(_, i)| i.clone()).collect::<Vec<_>>())
        .fetch_all(&mut *c)
        .await?;
    Ok(got
        .into_iter()
        .map(|(id, key)| (id, key.unwrap_or_default()))
        .collect())
}

async fn insert_variants_pg(
    c: &mut sqlx::PgConnection,
    rows: &[products::VariantRecord],
    now: Timestamp,
) -> StoreResult<()> {
    const SIMPLE: &str = "INSERT INTO variants (product_id, shop_id, sku, sku_key, option1, option2, option3, \
        price_minor, compare_at_minor, track_inventory, stock, availability, weight_grams, position, gtin, mpn, \
        created_at, updated_at) \
        SELECT u.*, $17::bigint, $17::bigint FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[], \
        $5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[], $10::boolean[], $11::bigint[], \
        $12::text[], $13::bigint[], $14::integer[], $15::text[], $16::text[]) AS u";
    let text =
        |f: &dyn Fn(&products::VariantRecord) -> String| rows.iter().map(f).collect::<Vec<_>>();
    sqlx::query(SIMPLE)
        .bind(rows.iter().map(|v| v.product_id).collect::<Vec<_>>())
        .bind(rows.iter().map(|v| v.shop_id).collect::<Vec<_>>())
        .bind(text(&|v| v.sku.clone()))
        .bind(text(&|v| v.sku.to_lowercase()))
        .bind(text(&|v| v.options[0].clone()))
        .bind(text(&|v| v.options[1].clone()))
        .bind(text(&|v| v.options[2].clone()))
        .bind(rows.iter().map(|v| v.price_minor).collect::<Vec<_>>())
        .bind(rows.iter().map(|v| v.compare_at_minor).collect::<Vec<_>>())
        .bind(rows.iter().map(|v| v.track_inventory).collect::<Vec<_>>())
        .bind(rows.iter().map(|v| v.stock).collect::<Vec<_>>())
        .bind(text(&|v| v.availability.clone()))
        .bind(rows.iter().map(|v| v.weight_grams).collect::<Vec<_>>())
        .bind(rows.iter().map(|v| v.position).collect::<Vec<_>>())
        .bind(text(&|v| v.gtin.clone()))
        .bind(text(&|v| v.mpn.clone()))
        .bind(now.as_micros())
        .execute(&mut *c)
        .await?;
    Ok(())
}

pub async fn set_feed_token(c: Conn<'_>, shop_id: i64, token: Option<&str>) -> StoreResult<()> {
    const SQL: &str = "UPDATE shops SET feed_token = $2 WHERE id = $1";
    on_conn!(c, c => sqlx::query(SQL).bind(shop_id).bind(token).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn feed_token(c: Conn<'_>, shop_id: i64) -> StoreResult<Option<String>> {
    const SQL: &str = "SELECT feed_token FROM shops WHERE id = $1";
    let t: Option<Option<String>> = on_conn!(c, c => sqlx::query_scalar(SQL).bind(shop_id)
        .fetch_optional(&mut *c).await)?;
    Ok(t.flatten())
}

#[derive(Debug, Clone)]
pub struct SourceRecord {
    pub id: i64,
    pub shop_id: i64,
    pub name: String,
    pub url: String,
    pub format: String,
    pub schedule: String,
    pub enabled: bool,
    pub next_run_at: Timestamp,
    pub last_run_id: Option<i64>,
    pub created_at: Timestamp,
}

const SOURCE_COLUMNS: &str =
    "id, shop_id, name, url, format, schedule, enabled, next_run_at, last_run_id, created_at";

type SourceRow = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    bool,
    i64,
    Option<i64>,
    i64,
);

fn source(r: SourceRow) -> SourceRecord {
    SourceRecord {
        id: r.0,
        shop_id: r.1,
        name: r.2,
        url: r.3,
        format: r.4,
        schedule: r.5,
        enabled: r.6,
        next_run_at: Timestamp::from_micros(r.7),
        last_run_id: r.8,
        created_at: Timestamp::from_micros(r.9),
    }
}

pub struct NewSource<'a> {
    pub shop_id: i64,
    pub name: &'a str,
    pub url: &'a str,
    pub format: &'a str,
    pub schedule: &'a str,
    pub created_by: i64,
}

pub async fn insert_source(
    c: Conn<'_>,
    s: &NewSource<'_>,
    next_run_at: Timestamp,
    now: Timestamp,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO feed_sources (shop_id, name, url, format, schedule, next_run_at, created_by, \
        created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id";
    let id: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(s.shop_id).bind(s.name).bind(s.url).bind(s.format)
        .bind(s.schedule).bind(next_run_at.as_micros()).bind(s.created_by).bind(now.as_micros())
        .fetch_one(&mut *c).await)?;
    Ok(id)
}

pub async fn sources_of_shop(c: Conn<'_>, shop_id: i64) -> StoreResult<Vec<SourceRecord>> {
    let sql = format!("SELECT {SOURCE_COLUMNS} FROM feed_sources WHERE shop_id = $1 ORDER BY id");
    let rows: Vec<SourceRow> = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(shop_id)
        .fetch_all(&mut *c).await)?;
    Ok(rows.into_iter().map(source).collect())
}

pub async fn source_by_id(c: Conn<'_>, id: i64) -> StoreResult<Option<SourceRecord>> {
    let sql = format!("SELECT {SOURCE_COLUMNS} FROM feed_sources WHERE id = $1");
    let row: Option<SourceRow> = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id)
        .fetch_optional(&mut *c).await)?;
    Ok(row.map(source))
}

pub async fn delete_source(c: Conn<'_>, id: i64) -> StoreResult<bool> {
    const SQL: &str = "DELETE FROM feed_sources WHERE id = $1";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn update_source(
    c: Conn<'_>,
    id: i64,
    name: &str,
    schedule: &str,
    enabled: bool,
    next_run_at: Timestamp,
    now: Timestamp,
) -> StoreResult<()> {
    const SQL: &str = "UPDATE feed_sources SET name = $2, schedule = $3, enabled = $4, next_run_at = $5, \
        updated_at = $6 WHERE id = $1";
    on_conn!(c, c => sqlx::query(SQL).bind(id).bind(name).bind(schedule).bind(enabled)
        .bind(next_run_at.as_micros()).bind(now.as_micros()).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Claims a due source for one run: moves its next run forward and records the run, in one conditional
/// update so two nodes polling at once never both start it. Returns false when another node won.
pub async fn claim_source(
    c: Conn<'_>,
    id: i64,
    seen_next_run_at: Timestamp,
    next_run_at: Timestamp,
    run_id: i64,
) -> StoreResult<bool> {
    const SQL: &str = "UPDATE feed_sources SET next_run_at = $3, last_run_id = $4 \
        WHERE id = $1 AND next_run_at = $2 AND enabled";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(id).bind(seen_next_run_at.as_micros())
        .bind(next_run_at.as_micros()).bind(run_id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn due_sources(
    c: Conn<'_>,
    now: Timestamp,
    limit: i64,
) -> StoreResult<Vec<SourceRecord>> {
    let sql = format!(
        "SELECT {SOURCE_COLUMNS} FROM feed_sources WHERE enabled AND next_run_at <= $1 ORDER BY next_run_at LIMIT $2"
    );
    let rows: Vec<SourceRow> = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(now.as_micros())
        .bind(limit).fetch_all(&mut *c).await)?;
    Ok(rows.into_iter().map(source).collect())
}
