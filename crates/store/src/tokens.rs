//! The `auth_tokens` table: hashed bearer secrets for browser sessions, API sessions and personal tokens.

use crate::{Conn, StoreResult, on_conn};
use souk_domain::{AccountKind, Role, Timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Set as the session cookie by the web pages.
    Browser,
    /// Returned by `POST /api/v1/sessions`.
    Api,
    /// Created by the user on the settings page; revocable, optionally expiring.
    Personal,
}

impl TokenKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            TokenKind::Browser => "browser",
            TokenKind::Api => "api",
            TokenKind::Personal => "personal",
        }
    }

    fn from_db(s: &str) -> Self {
        match s {
            "browser" => TokenKind::Browser,
            "api" => TokenKind::Api,
            _ => TokenKind::Personal,
        }
    }
}

/// What a request's token resolves to: enough about the user to authorise and render a page
/// without a second query.
#[derive(Debug, Clone)]
pub struct TokenOwner {
    pub token_id: i64,
    pub token_kind: TokenKind,
    pub last_used_at: Option<Timestamp>,
    pub expires_at: Option<Timestamp>,
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub kind: AccountKind,
    pub role: Role,
    pub locale: Option<String>,
    pub suspended: bool,
}

#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub id: i64,
    pub kind: TokenKind,
    pub name: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub expires_at: Option<Timestamp>,
}

pub async fn insert(
    c: Conn<'_>,
    user_id: i64,
    kind: TokenKind,
    hash: &[u8],
    name: &str,
    now: Timestamp,
    expires_at: Option<Timestamp>,
) -> StoreResult<TokenRecord> {
    const SQL: &str = "INSERT INTO auth_tokens (user_id, kind, token_hash, name, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
    let id: i64 = on_conn!(c, c => sqlx::query_scalar(SQL)
        .bind(user_id)
        .bind(kind.as_str())
        .bind(hash)
        .bind(name)
        .bind(now.as_micros())
        .bind(expires_at.map(Timestamp::as_micros))
        .fetch_one(&mut *c)
        .await)?;
    Ok(TokenRecord {
        id,
        kind,
        name: name.to_owned(),
        created_at: now,
        last_used_at: None,
        expires_at,
    })
}

type OwnerRow = (
    i64,
    String,
    Option<i64>,
    Option<i64>,
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<i64>,
);

pub async fn find_owner(c: Conn<'_>, hash: &[u8]) -> StoreResult<Option<TokenOwner>> {
    const SQL: &str = "SELECT t.id, t.kind, t.last_used_at, t.expires_at, u.id, u.username, u.display_name, u.kind, u.role, u.locale, u.suspended_at \
         FROM auth_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1";
    let row: Option<OwnerRow> =
        on_conn!(c, c => sqlx::query_as(SQL).bind(hash).fetch_optional(&mut *c).await)?;
    Ok(row.map(|r| TokenOwner {
        token_id: r.0,
        token_kind: TokenKind::from_db(&r.1),
        last_used_at: r.2.map(Timestamp::from_micros),
        expires_at: r.3.map(Timestamp::from_micros),
        user_id: r.4,
        username: r.5,
        display_name: r.6,
        kind: AccountKind::parse(&r.7).unwrap_or_default(),
        role: Role::from_db(&r.8),
        locale: r.9,
        suspended: r.10.is_some(),
    }))
}

/// Records that a token was used; callers throttle this so authenticated reads do not each cost a write.
pub async fn touch(c: Conn<'_>, id: i64, now: Timestamp) -> StoreResult<()> {
    on_conn!(c, c => sqlx::query("UPDATE auth_tokens SET last_used_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now.as_micros())
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

type TokenRow = (i64, String, i64, Option<i64>, Option<i64>);

pub async fn list_for_user(
    c: Conn<'_>,
    user_id: i64,
    kind: TokenKind,
) -> StoreResult<Vec<TokenRecord>> {
    const SQL: &str = "SELECT id, name, created_at, last_used_at, expires_at FROM auth_tokens \
         WHERE user_id = $1 AND kind = $2 ORDER BY id DESC";
    let rows: Vec<TokenRow> = on_conn!(c, c => sqlx::query_as(SQL)
        .bind(user_id)
        .bind(kind.as_str())
        .fetch_all(&mut *c)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|r| TokenRecord {
            id: r.0,
            kind,
            name: r.1,
            created_at: Timestamp::from_micros(r.2),
            last_used_at: r.3.map(Timestamp::from_micros),
            expires_at: r.4.map(Timestamp::from_micros),
        })
        .collect())
}

/// Deletes one token if, and only if, it belongs to `user_id`; returns whether it did.
pub async fn delete_owned(c: Conn<'_>, user_id: i64, id: i64) -> StoreResult<bool> {
    let n = on_conn!(c, c => sqlx::query("DELETE FROM auth_tokens WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Ends every browser and API session of a user except `keep`; personal tokens are left alone because
/// integrations should not break when a password changes.
pub async fn delete_sessions_except(
    c: Conn<'_>,
    user_id: i64,
    keep: Option<i64>,
) -> StoreResult<u64> {
    let n = on_conn!(c, c => sqlx::query(
        "DELETE FROM auth_tokens WHERE user_id = $1 AND kind IN ('browser', 'api') AND id <> $2",
    )
    .bind(user_id)
    .bind(keep.unwrap_or(0))
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n)
}
