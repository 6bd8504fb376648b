//! Shipping regions, their tax rates and shipping rates.
//!
//! Countries are stored as one comma-separated list of ISO 3166 alpha-2 codes (`"US,CA"`); a region is
//! small and always read whole.

use crate::{Conn, StoreResult, on_conn};

#[derive(Debug, Clone)]
pub struct RegionRecord {
    pub id: i64,
    pub shop_id: i64,
    pub name: String,
    pub countries: Vec<String>,
    pub tax_bps: i64,
    pub rates: Vec<RateRecord>,
}

#[derive(Debug, Clone)]
pub struct RateRecord {
    pub id: i64,
    pub region_id: i64,
    pub name: String,
    pub kind: String,
    pub min_grams: Option<i64>,
    pub max_grams: Option<i64>,
    pub amount_minor: i64,
    pub free_over_minor: Option<i64>,
}

/// What a new rate looks like.
#[derive(Debug, Clone)]
pub struct NewRate {
    pub name: String,
    pub kind: String,
    pub min_grams: Option<i64>,
    pub max_grams: Option<i64>,
    pub amount_minor: i64,
    pub free_over_minor: Option<i64>,
}

type RateRow = (
    i64,
    i64,
    String,
    String,
    Option<i64>,
    Option<i64>,
    i64,
    Option<i64>,
);
type RegionRow = (i64, i64, String, String, i64);

fn rate(r: RateRow) -> RateRecord {
    RateRecord {
        id: r.0,
        region_id: r.1,
        name: r.2,
        kind: r.3,
        min_grams: r.4,
        max_grams: r.5,
        amount_minor: r.6,
        free_over_minor: r.7,
    }
}

fn split_countries(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Every region of a shop with its rates, oldest first.
pub async fn list(c: Conn<'_>, shop_id: i64) -> StoreResult<Vec<RegionRecord>> {
    const REGIONS: &str = "SELECT id, shop_id, name, countries, tax_bps FROM shop_regions WHERE shop_id = $1 ORDER BY id";
    const RATES: &str = "SELECT r.id, r.region_id, r.name, r.kind, r.min_grams, r.max_grams, r.amount_minor, \
        r.free_over_minor FROM shipping_rates r JOIN shop_regions g ON g.id = r.region_id \
        WHERE g.shop_id = $1 ORDER BY r.amount_minor, r.id";
    let (regions, rates): (Vec<RegionRow>, Vec<RateRow>) = on_conn!(c, c => {
        // The body sends two statements; on_conn! counted one.
        crate::stats::statement();
        let regions = sqlx::query_as(REGIONS).bind(shop_id).fetch_all(&mut *c).await?;
        let rates = sqlx::query_as(RATES).bind(shop_id).fetch_all(&mut *c).await?;
        Ok::<_, sqlx::Error>((regions, rates))
    })?;
    let rates: Vec<RateRecord> = rates.into_iter().map(rate).collect();
    Ok(regions
        .into_iter()
        .map(|(id, shop_id, name, countries, tax_bps)| RegionRecord {
            id,
            shop_id,
            name,
            countries: split_countries(&countries),
            tax_bps,
            rates: rates
                .iter()
                .filter(|r| r.region_id == id)
                .cloned()
                .collect(),
        })
        .collect())
}

/// The shop a region belongs to.
pub async fn shop_of(c: Conn<'_>, region_id: i64) -> StoreResult<Option<i64>> {
    const SQL: &str = "SELECT shop_id FROM shop_regions WHERE id = $1";
    let id: Option<i64> =
        on_conn!(c, c => sqlx::query_scalar(SQL).bind(region_id).fetch_optional(&mut *c).await)?;
    Ok(id)
}

pub async fn insert(
    c: Conn<'_>,
    shop_id: i64,
    name: &str,
    countries: &[String],
    tax_bps: i64,
    now_us: i64,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO shop_regions (shop_id, name, countries, tax_bps, created_at) \
        VALUES ($1, $2, $3, $4, $5) RETURNING id";
    let joined = countries.join(",");
    let id: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(shop_id).bind(name).bind(&joined)
        .bind(tax_bps).bind(now_us).fetch_one(&mut *c).await)?;
    Ok(id)
}

/// Adds one shipping rate to a region.
pub async fn add_rate(c: Conn<'_>, region_id: i64, r: &NewRate) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO shipping_rates (region_id, name, kind, min_grams, max_grams, amount_minor, \
        free_over_minor) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
    let id: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(region_id).bind(&r.name).bind(&r.kind)
        .bind(r.min_grams).bind(r.max_grams).bind(r.amount_minor).bind(r.free_over_minor)
        .fetch_one(&mut *c).await)?;
    Ok(id)
}

/// Replaces a region's name, countries and tax, and removes its rates (the caller adds the new ones).
pub async fn update(
    c: Conn<'_>,
    region_id: i64,
    name: &str,
    countries: &[String],
    tax_bps: i64,
) -> StoreResult<()> {
    const SQL: &str =
        "UPDATE shop_regions SET name = $2, countries = $3, tax_bps = $4 WHERE id = $1";
    const CLEAR: &str = "DELETE FROM shipping_rates WHERE region_id = $1";
    let joined = countries.join(",");
    on_conn!(c, c => {
        // The body sends two statements; on_conn! counted one.
        crate::stats::statement();
        sqlx::query(SQL).bind(region_id).bind(name).bind(&joined).bind(tax_bps).execute(&mut *c).await?;
        sqlx::query(CLEAR).bind(region_id).execute(&mut *c).await?;
        Ok::<(), sqlx::Error>(())
    })?;
    Ok(())
}

pub async fn delete(c: Conn<'_>, region_id: i64) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM shop_regions WHERE id = $1";
    on_conn!(c, c => sqlx::query(SQL).bind(region_id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}
