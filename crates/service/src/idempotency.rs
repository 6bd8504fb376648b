//! Idempotency keys: claiming a key for a request, replaying its stored response, and expiring old keys.
//!
//! A key belongs to one account. The first request with it claims it (insert-or-nothing, then read, in one
//! transaction, so concurrent duplicates cannot both win), runs, and stores its response; later requests
//! with the same key and the same request get that response back, a different request with the same key
//! is refused, and a duplicate arriving while the first still runs is told to wait.

use crate::{Refusal, ServiceError, ServiceResult};
use sha2::{Digest, Sha256};
use souk_domain::Timestamp;
use souk_store::Db;

#[derive(Clone)]
pub struct IdempotencyService {
    db: Db,
    ttl_secs: i64,
}

/// What the caller should do with its request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This request owns the key: run it, then [`IdempotencyService::complete`] or `release`.
    Claimed(i64),
    /// The same request already finished: answer with its stored response.
    Replay { status: u16, body: String },
}

impl IdempotencyService {
    pub fn new(db: Db, ttl_secs: i64) -> Self {
        Self { db, ttl_secs }
    }

    /// Claims `key` for `user_id`. `scope` names the endpoint (method and path) and `request` is the body;
    /// both go into the fingerprint that tells a replay from a reuse.
    pub async fn claim(
        &self,
        user_id: i64,
        key: &str,
        scope: &str,
        request: &[u8],
    ) -> ServiceResult<Claim> {
        let mut h = Sha256::new();
        h.update(scope.as_bytes());
        h.update([0u8]);
        h.update(request);
        let hash = h.finalize().to_vec();
        let now = Timestamp::now().as_micros();
        let expires = Timestamp::now().plus_seconds(self.ttl_secs).as_micros();
        let mut tx = self.db.begin().await?;
        souk_store::idempotency::delete_expired(tx.conn(), user_id, key, now).await?;
        if let Some(id) =
            souk_store::idempotency::claim(tx.conn(), user_id, key, scope, &hash, now, expires)
                .await?
        {
            tx.commit().await?;
            return Ok(Claim::Claimed(id));
        }
        let row = souk_store::idempotency::get(tx.conn(), user_id, key).await?;
        tx.commit().await?;
        // Gone between the insert and the read: the first request failed and released it. Asking the
        // client to retry is simpler and as correct as looping here.
        let Some(row) = row else {
            return Err(in_progress());
        };
        if row.request_hash != hash || row.scope != scope {
            return Err(ServiceError::refused(
                Refusal::Unprocessable,
                "idempotency_key_reused",
                "This Idempotency-Key was already used for a different request.",
            ));
        }
        match (row.response_status, row.response_body) {
            (Some(status), Some(body)) => Ok(Claim::Replay {
                status: u16::try_from(status).unwrap_or(200),
                body,
            }),
            _ => Err(in_progress()),
        }
    }

    /// Stores the response of a claimed request so replays get it.
    pub async fn complete(&self, id: i64, status: u16, body: &str) -> ServiceResult<()> {
        let mut tx = self.db.begin().await?;
        souk_store::idempotency::complete(tx.conn(), id, i32::from(status), body).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Gives a claimed key back (the request failed on our side), so the client may retry with it.
    pub async fn release(&self, id: i64) -> ServiceResult<()> {
        let mut tx = self.db.begin().await?;
        souk_store::idempotency::release(tx.conn(), id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes expired keys; run by the housekeeping loop.
    pub async fn purge_expired(&self) -> ServiceResult<u64> {
        let mut tx = self.db.begin().await?;
        let n =
            souk_store::idempotency::purge_expired(tx.conn(), Timestamp::now().as_micros()).await?;
        tx.commit().await?;
        Ok(n)
    }
}

fn in_progress() -> ServiceError {
    ServiceError::refused(
        Refusal::Conflict,
        "idempotency_request_in_progress",
        "A request with this Idempotency-Key is still being processed. Retry shortly.",
    )
}
