//! Products, variants and product images.

use crate::batch_json;
use crate::placeholders;
use crate::{Conn, StoreResult, on_conn};
use souk_domain::Timestamp;
use sqlx::Row;

/// A product row. Enumerated columns stay text here; the service parses them into domain types.
#[derive(Debug, Clone)]
pub struct ProductRecord {
    pub id: i64,
    pub shop_id: i64,
    pub item_id: Option<String>,
    pub title: String,
    pub description: String,
    pub brand: String,
    pub condition: String,
    pub product_type: String,
    pub google_category: String,
    pub gender: Option<String>,
    pub age_group: Option<String>,
    /// Comma-separated.
    pub tags: String,
    pub custom_labels: [String; 5],
    pub currency: String,
    pub price_minor: i64,
    pub compare_at_minor: Option<i64>,
    pub status: String,
    pub checkout_mode: Option<String>,
    pub external_url: String,
    pub weight_grams: i64,
    /// JSON array of option axis names.
    pub options: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

const COLUMNS: &str = "p.id, p.shop_id, p.item_id, p.title, p.description, p.brand, p.condition, p.product_type, \
    p.google_category, p.gender, p.age_group, p.tags, p.custom_label_0, p.custom_label_1, p.custom_label_2, \
    p.custom_label_3, p.custom_label_4, p.currency, p.price_minor, p.compare_at_minor, p.status, p.checkout_mode, \
    p.external_url, p.weight_grams, p.options, p.created_at, p.updated_at";

macro_rules! product_row {
    ($r:expr) => {
        ProductRecord {
            id: $r.try_get("id")?,
            shop_id: $r.try_get("shop_id")?,
            item_id: $r.try_get("item_id")?,
            title: $r.try_get("title")?,
            description: $r.try_get("description")?,
            brand: $r.try_get("brand")?,
            condition: $r.try_get("condition")?,
            product_type: $r.try_get("product_type")?,
            google_category: $r.try_get("google_category")?,
            gender: $r.try_get("gender")?,
            age_group: $r.try_get("age_group")?,
            tags: $r.try_get("tags")?,
            custom_labels: [
                $r.try_get("custom_label_0")?,
                $r.try_get("custom_label_1")?,
                $r.try_get("custom_label_2")?,
                $r.try_get("custom_label_3")?,
                $r.try_get("custom_label_4")?,
            ],
            currency: $r.try_get("currency")?,
            price_minor: $r.try_get("price_minor")?,
            compare_at_minor: $r.try_get("compare_at_minor")?,
            status: $r.try_get("status")?,
            checkout_mode: $r.try_get("checkout_mode")?,
            external_url: $r.try_get("external_url")?,
            weight_grams: $r.try_get("weight_grams")?,
            options: $r.try_get("options")?,
            created_at: Timestamp::from_micros($r.try_get("created_at")?),
            updated_at: Timestamp::from_micros($r.try_get("updated_at")?),
        }
    };
}

/// Values bound to a dynamic query, in `$n` order.
#[derive(Debug, Clone)]
pub enum Bind {
    Int(i64),
    Text(String),
}

async fn fetch_products(
    c: Conn<'_>,
    sql: String,
    binds: &[Bind],
) -> StoreResult<Vec<ProductRecord>> {
    let rows = on_conn!(c, c => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in binds {
            q = match b {
                Bind::Int(i) => q.bind(*i),
                Bind::Text(t) => q.bind(t.clone()),
            };
        }
        let rows = q.fetch_all(&mut *c).await?;
        rows.iter()
            .map(|r| Ok::<ProductRecord, sqlx::Error>(product_row!(r)))
            .collect::<Result<Vec<_>, sqlx::Error>>()
    })?;
    Ok(rows)
}

pub async fn by_id(c: Conn<'_>, id: i64) -> StoreResult<Option<ProductRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM products p WHERE p.id = $1");
    Ok(fetch_products(c, sql, &[Bind::Int(id)])
        .await?
        .into_iter()
        .next())
}

pub async fn by_ids(c: Conn<'_>, ids: &[i64]) -> StoreResult<Vec<ProductRecord>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM products p WHERE p.id IN ({})",
        placeholders(1, ids.len())
    );
    let binds: Vec<Bind> = ids.iter().map(|i| Bind::Int(*i)).collect();
    fetch_products(c, sql, &binds).await
}

/// Products matching an extra SQL condition over `p` (built by the caller from fixed text with `$n`
/// placeholders starting at 1), ids below `before`, newest first.
pub async fn search(
    c: Conn<'_>,
    condition: &str,
    binds: Vec<Bind>,
    before: i64,
    limit: i64,
) -> StoreResult<Vec<ProductRecord>> {
    let n = binds.len();
    let sql = format!(
        "SELECT {COLUMNS} FROM products p WHERE {condition} AND p.id < ${} ORDER BY p.id DESC LIMIT ${}",
        n + 1,
        n + 2
    );
    let mut binds = binds;
    binds.push(Bind::Int(before));
    binds.push(Bind::Int(limit));
    fetch_products(c, sql, &binds).await
}

pub async fn insert(c: Conn<'_>, p: &ProductRecord) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO products (shop_id, item_id, item_key, title, description, brand, condition, \
        product_type, google_category, gender, age_group, tags, custom_label_0, custom_label_1, custom_label_2, \
        custom_label_3, custom_label_4, currency, price_minor, compare_at_minor, status, checkout_mode, \
        external_url, weight_grams, options, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
        $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27) RETURNING id";
    let item_key = p.item_id.as_ref().map(|s| s.to_lowercase());
    let id: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(p.shop_id).bind(&p.item_id).bind(&item_key)
        .bind(&p.title).bind(&p.description).bind(&p.brand).bind(&p.condition).bind(&p.product_type)
        .bind(&p.google_category).bind(&p.gender).bind(&p.age_group).bind(&p.tags)
        .bind(&p.custom_labels[0]).bind(&p.custom_labels[1]).bind(&p.custom_labels[2])
        .bind(&p.custom_labels[3]).bind(&p.custom_labels[4]).bind(&p.currency).bind(p.price_minor)
        .bind(p.compare_at_minor).bind(&p.status).bind(&p.checkout_mode).bind(&p.external_url)
        .bind(p.weight_grams).bind(&p.options).bind(p.created_at.as_micros()).bind(p.updated_at.as_micros())
        .fetch_one(&mut *c).await)?;
    Ok(id)
}

/// Writes every editable column of `p` back (the service applies a PATCH to a loaded record first).
pub async fn update(c: Conn<'_>, p: &ProductRecord) -> StoreResult<()> {
    const SQL: &str = "UPDATE products SET item_id = $2, item_key = $3, title = $4, description = $5, brand = $6, \
        condition = $7, product_type = $8, google_category = $9, gender = $10, age_group = $11, tags = $12, \
        custom_label_0 = $13, custom_label_1 = $14, custom_label_2 = $15, custom_label_3 = $16, \
        custom_label_4 = $17, price_minor = $18, compare_at_minor = $19, status = $20, checkout_mode = $21, \
        external_url = $22, weight_grams = $23, options = $24, updated_at = $25 WHERE id = $1";
    let item_key = p.item_id.as_ref().map(|s| s.to_lowercase());
    on_conn!(c, c => sqlx::query(SQL).bind(p.id).bind(&p.item_id).bind(&item_key)
        .bind(&p.title).bind(&p.description).bind(&p.brand).bind(&p.condition).bind(&p.product_type)
        .bind(&p.google_category).bind(&p.gender).bind(&p.age_group).bind(&p.tags)
        .bind(&p.custom_labels[0]).bind(&p.custom_labels[1]).bind(&p.custom_labels[2])
        .bind(&p.custom_labels[3]).bind(&p.custom_labels[4]).bind(p.price_minor)
        .bind(p.compare_at_minor).bind(&p.status).bind(&p.checkout_mode).bind(&p.external_url)
        .bind(p.weight_grams).bind(&p.options).bind(p.updated_at.as_micros())
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn delete(c: Conn<'_>, id: i64) -> StoreResult<bool> {
    const SQL: &str = "DELETE FROM products WHERE id = $1";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Whether another product of the shop already uses this item id (compared case-insensitively).
pub async fn item_id_taken(
    c: Conn<'_>,
    shop_id: i64,
    item_key: &str,
    except_product: i64,
) -> StoreResult<bool> {
    const SQL: &str =
        "SELECT COUNT(*) FROM products WHERE shop_id = $1 AND item_key = $2 AND id <> $3";
    let n: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(shop_id).bind(item_key).bind(except_product)
        .fetch_one(&mut *c).await)?;
    Ok(n > 0)
}

#[derive(Debug, Clone)]
pub struct VariantRecord {
    pub id: i64,
    pub product_id: i64,
    pub shop_id: i64,
    pub sku: String,
    pub options: [String; 3],
    pub price_minor: Option<i64>,
    pub compare_at_minor: Option<i64>,
    pub track_inventory: bool,
    pub stock: i64,
    pub availability: String,
    pub weight_grams: Option<i64>,
    pub position: i32,
    /// Barcode and manufacturer part number as catalog feeds carry them ('' when unknown).
    pub gtin: String,
    pub mpn: String,
}

const VARIANT_COLUMNS: &str = "id, product_id, shop_id, sku, option1, option2, option3, price_minor, \
    compare_at_minor, track_inventory, stock, availability, weight_grams, position, gtin, mpn";

macro_rules! variant_row {
    ($r:expr) => {
        VariantRecord {
            id: $r.try_get("id")?,
            product_id: $r.try_get("product_id")?,
            shop_id: $r.try_get("shop_id")?,
            sku: $r.try_get("sku")?,
            options: [
                $r.try_get("option1")?,
                $r.try_get("option2")?,
                $r.try_get("option3")?,
            ],
            price_minor: $r.try_get("price_minor")?,
            compare_at_minor: $r.try_get("compare_at_minor")?,
            track_inventory: $r.try_get("track_inventory")?,
            stock: $r.try_get("stock")?,
            availability: $r.try_get("availability")?,
            weight_grams: $r.try_get("weight_grams")?,
            position: $r.try_get("position")?,
            gtin: $r.try_get("gtin")?,
            mpn: $r.try_get("mpn")?,
        }
    };
}

async fn fetch_variants(
    c: Conn<'_>,
    sql: String,
    binds: &[i64],
) -> StoreResult<Vec<VariantRecord>> {
    let rows = on_conn!(c, c => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in binds {
            q = q.bind(*b);
        }
        let rows = q.fetch_all(&mut *c).await?;
        rows.iter()
            .map(|r| Ok::<VariantRecord, sqlx::Error>(variant_row!(r)))
            .collect::<Result<Vec<_>, sqlx::Error>>()
    })?;
    Ok(rows)
}

pub async fn variant_by_id(c: Conn<'_>, id: i64) -> StoreResult<Option<VariantRecord>> {
    let sql = format!("SELECT {VARIANT_COLUMNS} FROM variants WHERE id = $1");
    Ok(fetch_variants(c, sql, &[id]).await?.into_iter().next())
}

/// Variants of several products, in each product's order.
pub async fn variants_of(c: Conn<'_>, product_ids: &[i64]) -> StoreResult<Vec<VariantRecord>> {
    if product_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {VARIANT_COLUMNS} FROM variants WHERE product_id IN ({}) ORDER BY product_id, position, id",
        placeholders(1, product_ids.len())
    );
    fetch_variants(c, sql, product_ids).await
}

/// Variants of a shop with any of these SKU keys (lower-cased SKUs). The keys travel as one array (one JSON
/// text on SQLite): one prepared statement whatever their number, where an `IN ($2, …)` list is a new
/// statement, and on PostgreSQL a new generic plan, for every length.
pub async fn variants_by_sku_keys(
    c: Conn<'_>,
    shop_id: i64,
    keys: &[String],
) -> StoreResult<Vec<VariantRecord>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    const PG: &str = "SELECT id, product_id, shop_id, sku, option1, option2, option3, price_minor, \
        compare_at_minor, track_inventory, stock, availability, weight_grams, position, gtin, mpn \
        FROM variants WHERE shop_id = $1 AND sku_key = ANY($2)";
    const SQLITE: &str = "SELECT id, product_id, shop_id, sku, option1, option2, option3, price_minor, \
        compare_at_minor, track_inventory, stock, availability, weight_grams, position, gtin, mpn \
        FROM variants WHERE shop_id = $1 AND sku_key IN (SELECT value FROM json_each($2))";
    let rows = match c {
        Conn::Sqlite(c) => {
            let rows = sqlx::query(SQLITE)
                .bind(shop_id)
                .bind(batch_json::text_array(keys))
                .fetch_all(&mut *c)
                .await?;
            rows.iter()
                .map(|r| Ok::<VariantRecord, sqlx::Error>(variant_row!(r)))
                .collect::<Result<Vec<_>, sqlx::Error>>()
        }
        Conn::Postgres(c) => {
            let rows = sqlx::query(PG)
                .bind(shop_id)
                .bind(keys)
                .fetch_all(&mut *c)
                .await?;
            rows.iter()
                .map(|r| Ok::<VariantRecord, sqlx::Error>(variant_row!(r)))
                .collect::<Result<Vec<_>, sqlx::Error>>()
        }
    }?;
    Ok(rows)
}

/// Products of a shop with any of these item keys (lower-cased item ids), in no particular order; the keys
/// travel as one array like [`variants_by_sku_keys`].
pub async fn by_item_keys(
    c: Conn<'_>,
    shop_id: i64,
    keys: &[String],
) -> StoreResult<Vec<ProductRecord>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let rows = match c {
        Conn::Sqlite(c) => {
            let sql = format!(
                "SELECT {COLUMNS} FROM products p WHERE p.shop_id = $1 \
                 AND p.item_key IN (SELECT value FROM json_each($2))"
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(shop_id)
                .bind(batch_json::text_array(keys))
                .fetch_all(&mut *c)
                .await?;
            rows.iter()
                .map(|r| Ok::<ProductRecord, sqlx::Error>(product_row!(r)))
                .collect::<Result<Vec<_>, sqlx::Error>>()
        }
        Conn::Postgres(c) => {
            let sql = format!(
                "SELECT {COLUMNS} FROM products p WHERE p.shop_id = $1 AND p.item_key = ANY($2)"
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(shop_id)
                .bind(keys)
                .fetch_all(&mut *c)
                .await?;
            rows.iter()
                .map(|r| Ok::<ProductRecord, sqlx::Error>(product_row!(r)))
                .collect::<Result<Vec<_>, sqlx::Error>>()
        }
    }?;
    Ok(rows)
}

pub async fn insert_variant(c: Conn<'_>, v: &VariantRecord, now: Timestamp) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO variants (product_id, shop_id, sku, sku_key, option1, option2, option3, \
        price_minor, compare_at_minor, track_inventory, stock, availability, weight_grams, position, gtin, mpn, \
        created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $16, $17, \
        $15, $15) RETURNING id";
    let id: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(v.product_id).bind(v.shop_id).bind(&v.sku)
        .bind(v.sku.to_lowercase()).bind(&v.options[0]).bind(&v.options[1]).bind(&v.options[2])
        .bind(v.price_minor).bind(v.compare_at_minor).bind(v.track_inventory).bind(v.stock)
        .bind(&v.availability).bind(v.weight_grams).bind(v.position).bind(now.as_micros())
        .bind(&v.gtin).bind(&v.mpn).fetch_one(&mut *c).await)?;
    Ok(id)
}

/// Writes a variant's editable columns. Stock is written only when `set_stock` is true, so editing a price
/// never overwrites units a concurrent checkout just took.
pub async fn update_variant(
    c: Conn<'_>,
    v: &VariantRecord,
    set_stock: bool,
    now: Timestamp,
) -> StoreResult<()> {
    const SQL: &str = "UPDATE variants SET sku = $2, sku_key = $3, option1 = $4, option2 = $5, option3 = $6, \
        price_minor = $7, compare_at_minor = $8, track_inventory = $9, \
        stock = CASE WHEN $10 THEN $11 ELSE stock END, availability = $12, weight_grams = $13, position = $14, \
        updated_at = $15, gtin = $16, mpn = $17 WHERE id = $1";
    on_conn!(c, c => sqlx::query(SQL).bind(v.id).bind(&v.sku).bind(v.sku.to_lowercase())
        .bind(&v.options[0]).bind(&v.options[1]).bind(&v.options[2]).bind(v.price_minor)
        .bind(v.compare_at_minor).bind(v.track_inventory).bind(set_stock).bind(v.stock)
        .bind(&v.availability).bind(v.weight_grams).bind(v.position).bind(now.as_micros())
        .bind(&v.gtin).bind(&v.mpn).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn delete_variant(c: Conn<'_>, id: i64) -> StoreResult<bool> {
    const SQL: &str = "DELETE FROM variants WHERE id = $1";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Whether another variant of the shop already uses this SKU (compared case-insensitively).
pub async fn sku_taken(
    c: Conn<'_>,
    shop_id: i64,
    sku_key: &str,
    except_variant: i64,
) -> StoreResult<bool> {
    const SQL: &str =
        "SELECT COUNT(*) FROM variants WHERE shop_id = $1 AND sku_key = $2 AND id <> $3";
    let n: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(shop_id).bind(sku_key).bind(except_variant)
        .fetch_one(&mut *c).await)?;
    Ok(n > 0)
}

#[derive(Debug, Clone)]
pub struct ProductImage {
    pub product_id: i64,
    pub position: i32,
    pub media_key: String,
    pub width: i32,
    pub height: i32,
    pub alt_text: String,
    /// The URL a catalog import fetched it from; None for uploads.
    pub source_url: Option<String>,
}

/// Images of several products, each product's in position order.
pub async fn images_of(c: Conn<'_>, product_ids: &[i64]) -> StoreResult<Vec<ProductImage>> {
    if product_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT product_id, position, media_key, width, height, alt_text, source_url FROM product_images \
         WHERE product_id IN ({}) ORDER BY product_id, position",
        placeholders(1, product_ids.len())
    );
    type Row = (i64, i32, String, i32, i32, String, Option<String>);
    let rows: Vec<Row> = on_conn!(c, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for id in product_ids {
            q = q.bind(*id);
        }
        q.fetch_all(&mut *c).await
    })?;
    Ok(rows
        .into_iter()
        .map(|r| ProductImage {
            product_id: r.0,
            position: r.1,
            media_key: r.2,
            width: r.3,
            height: r.4,
            alt_text: r.5,
            source_url: r.6,
        })
        .collect())
}

/// Appends an image after the product's last one; returns its position.
pub async fn add_image(c: Conn<'_>, img: &ProductImage) -> StoreResult<i32> {
    const SQL: &str = "INSERT INTO product_images (product_id, position, media_key, width, height, alt_text, \
        source_url) VALUES ($1, (SELECT COALESCE(MAX(position), -1) + 1 FROM product_images WHERE product_id = $1), \
        $2, $3, $4, $5, $6) RETURNING position";
    let pos: i32 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(img.product_id).bind(&img.media_key)
        .bind(img.width).bind(img.height).bind(&img.alt_text).bind(&img.source_url).fetch_one(&mut *c).await)?;
    Ok(pos)
}

/// Removes one image; returns its media key so the files can be deleted after the commit.
pub async fn delete_image(
    c: Conn<'_>,
    product_id: i64,
    position: i32,
) -> StoreResult<Option<String>> {
    const SQL: &str =
        "DELETE FROM product_images WHERE product_id = $1 AND position = $2 RETURNING media_key";
    let key = on_conn!(c, c => sqlx::query_scalar(SQL).bind(product_id).bind(position)
        .fetch_optional(&mut *c).await)?;
    Ok(key)
}
