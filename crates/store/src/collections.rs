//! Collections: manual lists and rule-based product groups.

use crate::{Conn, StoreResult, on_conn};
use souk_domain::Timestamp;

#[derive(Debug, Clone)]
pub struct CollectionRecord {
    pub id: i64,
    pub shop_id: i64,
    pub title: String,
    /// `manual` or `rule`.
    pub kind: String,
    /// JSON list of `{field, value}` conditions (rule collections).
    pub rules: String,
    /// Position among the shop home's sections; None = not featured.
    pub featured_position: Option<i32>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

type Row = (i64, i64, String, String, String, Option<i32>, i64, i64);

fn from_row(r: Row) -> CollectionRecord {
    CollectionRecord {
        id: r.0,
        shop_id: r.1,
        title: r.2,
        kind: r.3,
        rules: r.4,
        featured_position: r.5,
        created_at: Timestamp::from_micros(r.6),
        updated_at: Timestamp::from_micros(r.7),
    }
}

const SELECT: &str = "SELECT id, shop_id, title, kind, rules, featured_position, created_at, updated_at \
    FROM collections";

pub async fn by_id(c: Conn<'_>, id: i64) -> StoreResult<Option<CollectionRecord>> {
    const SQL: &str = "SELECT id, shop_id, title, kind, rules, featured_position, created_at, updated_at \
        FROM collections WHERE id = $1";
    let row: Option<Row> =
        on_conn!(c, c => sqlx::query_as(SQL).bind(id).fetch_optional(&mut *c).await)?;
    Ok(row.map(from_row))
}

/// A shop's collections: featured ones first in their order, then the rest by title.
pub async fn by_shop(c: Conn<'_>, shop_id: i64) -> StoreResult<Vec<CollectionRecord>> {
    let sql = format!(
        "{SELECT} WHERE shop_id = $1 ORDER BY CASE WHEN featured_position IS NULL THEN 1 ELSE 0 END, \
         featured_position, title, id"
    );
    let rows: Vec<Row> = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(shop_id)
        .fetch_all(&mut *c).await)?;
    Ok(rows.into_iter().map(from_row).collect())
}

pub async fn insert(
    c: Conn<'_>,
    shop_id: i64,
    title: &str,
    kind: &str,
    rules: &str,
    now: Timestamp,
) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO collections (shop_id, title, kind, rules, created_at, updated_at) \
        VALUES ($1, $2, $3, $4, $5, $5) RETURNING id";
    let id: i64 = on_conn!(c, c => sqlx::query_scalar(SQL).bind(shop_id).bind(title).bind(kind).bind(rules)
        .bind(now.as_micros()).fetch_one(&mut *c).await)?;
    Ok(id)
}

pub async fn update(
    c: Conn<'_>,
    id: i64,
    title: &str,
    rules: &str,
    now: Timestamp,
) -> StoreResult<()> {
    const SQL: &str =
        "UPDATE collections SET title = $2, rules = $3, updated_at = $4 WHERE id = $1";
    on_conn!(c, c => sqlx::query(SQL).bind(id).bind(title).bind(rules).bind(now.as_micros())
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn delete(c: Conn<'_>, id: i64) -> StoreResult<bool> {
    const SQL: &str = "DELETE FROM collections WHERE id = $1";
    let n = on_conn!(c, c => sqlx::query(SQL).bind(id).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Replaces a manual collection's products with `product_ids` in that order.
pub async fn set_products(c: Conn<'_>, id: i64, product_ids: &[i64]) -> StoreResult<()> {
    const CLEAR: &str = "DELETE FROM collection_products WHERE collection_id = $1";
    const ADD: &str =
        "INSERT INTO collection_products (collection_id, product_id, position) VALUES ($1, $2, $3)";
    on_conn!(c, c => {
        // The body sends two statements; on_conn! counted one.
        crate::stats::statement();
        sqlx::query(CLEAR).bind(id).execute(&mut *c).await?;
        for (i, p) in product_ids.iter().enumerate() {
            let pos = i32::try_from(i).unwrap_or(i32::MAX);
            sqlx::query(ADD).bind(id).bind(*p).bind(pos).execute(&mut *c).await?;
        }
        Ok::<(), sqlx::Error>(())
    })?;
    Ok(())
}

/// A manual collection's product ids in order.
pub async fn product_ids(c: Conn<'_>, id: i64) -> StoreResult<Vec<i64>> {
    const SQL: &str = "SELECT product_id FROM collection_products WHERE collection_id = $1 ORDER BY position, product_id";
    let ids: Vec<i64> =
        on_conn!(c, c => sqlx::query_scalar(SQL).bind(id).fetch_all(&mut *c).await)?;
    Ok(ids)
}

/// The product ids of several manual collections in one statement: (collection id, product id), each
/// collection's in its own order.
pub async fn product_ids_of(c: Conn<'_>, ids: &[i64]) -> StoreResult<Vec<(i64, i64)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT collection_id, product_id FROM collection_products WHERE collection_id IN ({}) \
         ORDER BY collection_id, position, product_id",
        crate::placeholders(1, ids.len())
    );
    crate::fetch_for_ids(c, sql, None, ids).await
}

/// Makes exactly `ids` the shop's featured collections, in that order.
pub async fn set_featured(c: Conn<'_>, shop_id: i64, ids: &[i64]) -> StoreResult<()> {
    const CLEAR: &str = "UPDATE collections SET featured_position = NULL WHERE shop_id = $1";
    const SET: &str =
        "UPDATE collections SET featured_position = $3 WHERE shop_id = $1 AND id = $2";
    on_conn!(c, c => {
        // The body sends two statements; on_conn! counted one.
        crate::stats::statement();
        sqlx::query(CLEAR).bind(shop_id).execute(&mut *c).await?;
        for (i, id) in ids.iter().enumerate() {
            let pos = i32::try_from(i).unwrap_or(i32::MAX);
            sqlx::query(SET).bind(shop_id).bind(*id).bind(pos).execute(&mut *c).await?;
        }
        Ok::<(), sqlx::Error>(())
    })?;
    Ok(())
}
