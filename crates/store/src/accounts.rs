//! The `users` table: account identity, credentials and profile basics.

use crate::{Conn, StoreResult, on_conn};
use souk_domain::{AccountKind, Role, Timestamp};

/// A stored account. Holds the password hash, so it never leaves the service layer.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub password_hash: String,
    pub kind: AccountKind,
    pub role: Role,
    pub display_name: String,
    pub bio: String,
    pub locale: Option<String>,
    pub suspended_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub website: String,
    pub avatar_key: Option<String>,
    pub followers_count: i64,
    pub following_count: i64,
    pub posts_count: i64,
}

type Row = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<i64>,
    i64,
    String,
    Option<String>,
    i64,
    i64,
    i64,
);

const COLUMNS: &str = "id, username, email, password_hash, kind, role, display_name, bio, locale, suspended_at, created_at, \
     website, avatar_key, followers_count, following_count, posts_count";

fn from_row(r: Row) -> UserRecord {
    UserRecord {
        id: r.0,
        username: r.1,
        email: r.2,
        password_hash: r.3,
        kind: AccountKind::parse(&r.4).unwrap_or_default(),
        role: Role::from_db(&r.5),
        display_name: r.6,
        bio: r.7,
        locale: r.8,
        suspended_at: r.9.map(Timestamp::from_micros),
        created_at: Timestamp::from_micros(r.10),
        website: r.11,
        avatar_key: r.12,
        followers_count: r.13,
        following_count: r.14,
        posts_count: r.15,
    }
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub username_key: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub kind: AccountKind,
    pub role: Role,
    pub display_name: &'a str,
    pub bio: &'a str,
    pub locale: Option<&'a str>,
    pub now: Timestamp,
}

pub async fn insert(c: Conn<'_>, u: &NewUser<'_>) -> StoreResult<i64> {
    const SQL: &str = "INSERT INTO users (username, username_key, email, password_hash, kind, role, display_name, bio, locale, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id";
    let id: i64 = on_conn!(c, c => sqlx::query_scalar(SQL)
        .bind(u.username)
        .bind(u.username_key)
        .bind(u.email)
        .bind(u.password_hash)
        .bind(u.kind.as_str())
        .bind(u.role.as_str())
        .bind(u.display_name)
        .bind(u.bio)
        .bind(u.locale)
        .bind(u.now.as_micros())
        .fetch_one(&mut *c)
        .await)?;
    Ok(id)
}

pub async fn find_by_id(c: Conn<'_>, id: i64) -> StoreResult<Option<UserRecord>> {
    let sql = const_format_select("WHERE id = $1");
    let row: Option<Row> = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id)
        .fetch_optional(&mut *c)
        .await)?;
    Ok(row.map(from_row))
}

pub async fn find_by_username(c: Conn<'_>, username_key: &str) -> StoreResult<Option<UserRecord>> {
    let sql = const_format_select("WHERE username_key = $1");
    let row: Option<Row> = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(username_key)
        .fetch_optional(&mut *c)
        .await)?;
    Ok(row.map(from_row))
}

pub async fn find_by_email(c: Conn<'_>, email: &str) -> StoreResult<Option<UserRecord>> {
    let sql = const_format_select("WHERE email = $1");
    let row: Option<Row> = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(email)
        .fetch_optional(&mut *c)
        .await)?;
    Ok(row.map(from_row))
}

/// Newest accounts first, for the home page's "people on Souk" strip.
pub async fn list_recent(c: Conn<'_>, limit: i64) -> StoreResult<Vec<UserRecord>> {
    let sql = const_format_select("WHERE suspended_at IS NULL ORDER BY id DESC LIMIT $1");
    let rows: Vec<Row> = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(limit)
        .fetch_all(&mut *c)
        .await)?;
    Ok(rows.into_iter().map(from_row).collect())
}

fn const_format_select(tail: &str) -> String {
    format!("SELECT {COLUMNS} FROM users {tail}")
}

pub struct ProfileUpdate<'a> {
    pub display_name: Option<&'a str>,
    pub bio: Option<&'a str>,
    pub website: Option<&'a str>,
    pub kind: Option<AccountKind>,
    /// `Some(None)` clears the saved language so the browser's preference applies again.
    pub locale: Option<Option<&'a str>>,
}

pub async fn update_profile(
    c: Conn<'_>,
    id: i64,
    p: &ProfileUpdate<'_>,
    now: Timestamp,
) -> StoreResult<()> {
    // COALESCE keeps a column when its parameter is NULL; the locale flag distinguishes "unchanged" from
    // "clear" because NULL is a meaningful value there.
    const SQL: &str = "UPDATE users SET \
         display_name = COALESCE($2, display_name), \
         bio = COALESCE($3, bio), \
         kind = COALESCE($4, kind), \
         locale = CASE WHEN $5 THEN $6 ELSE locale END, \
         updated_at = $7, \
         website = COALESCE($8, website) \
         WHERE id = $1";
    on_conn!(c, c => sqlx::query(SQL)
        .bind(id)
        .bind(p.display_name)
        .bind(p.bio)
        .bind(p.kind.map(AccountKind::as_str))
        .bind(p.locale.is_some())
        .bind(p.locale.flatten())
        .bind(now.as_micros())
        .bind(p.website)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn set_avatar(c: Conn<'_>, id: i64, key: Option<&str>) -> StoreResult<()> {
    on_conn!(c, c => sqlx::query("UPDATE users SET avatar_key = $2 WHERE id = $1")
        .bind(id).bind(key).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn set_suspended(c: Conn<'_>, id: i64, at: Option<Timestamp>) -> StoreResult<()> {
    on_conn!(c, c => sqlx::query("UPDATE users SET suspended_at = $2 WHERE id = $1")
        .bind(id).bind(at.map(Timestamp::as_micros)).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Ids and usernames for a set of lower-cased usernames (mentions).
pub async fn ids_by_usernames(c: Conn<'_>, keys: &[String]) -> StoreResult<Vec<(i64, String)>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id, username FROM users WHERE suspended_at IS NULL AND username_key IN ({})",
        crate::placeholders(1, keys.len())
    );
    let rows: Vec<(i64, String)> = on_conn!(c, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for k in keys {
            q = q.bind(k.as_str());
        }
        q.fetch_all(&mut *c).await
    })?;
    Ok(rows)
}

/// Users by id (for follower lists and notification actors).
pub async fn by_ids(c: Conn<'_>, ids: &[i64]) -> StoreResult<Vec<UserRecord>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = const_format_select(&format!(
        "WHERE id IN ({})",
        crate::placeholders(1, ids.len())
    ));
    let rows: Vec<Row> = on_conn!(c, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for id in ids {
            q = q.bind(*id);
        }
        q.fetch_all(&mut *c).await
    })?;
    Ok(rows.into_iter().map(from_row).collect())
}

pub async fn set_password_hash(
    c: Conn<'_>,
    id: i64,
    hash: &str,
    now: Timestamp,
) -> StoreResult<()> {
    on_conn!(c, c => sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(hash)
        .bind(now.as_micros())
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}
