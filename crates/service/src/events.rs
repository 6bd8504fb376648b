//! Domain events through an outbox (design.md §7): [`publish`] writes an event in the same transaction as
//! the change it describes, so an event exists exactly when its change committed; subscribers read with
//! their own cursor ([`Events::poll`]) and move it on with [`Events::ack`] once they have handled the events.
//!
//! Delivery is at least once: a subscriber that stops between handling and acknowledging sees the same
//! events again, so subscribers must be idempotent (like job handlers).

use crate::{ServiceError, ServiceResult};
use serde_json::Value;
use souk_domain::Timestamp;
use souk_store::{Conn, Db};
use std::sync::Arc;
use tokio::sync::Notify;

/// One domain event, e.g. `order.paid` with `{"order_id": 7}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: i64,
    pub kind: String,
    pub payload: Value,
    pub created_at: Timestamp,
}

/// Writes an event on the caller's connection: inside a transaction it is published only if that
/// transaction commits. Call [`Events::wake`] after committing to let in-process subscribers know at once.
pub async fn publish(c: Conn<'_>, kind: &str, payload: &Value) -> ServiceResult<i64> {
    if kind.is_empty() || kind.len() > 100 {
        return Err(ServiceError::Internal(format!(
            "invalid event kind {kind:?}"
        )));
    }
    Ok(souk_store::events::insert(c, kind, &payload.to_string(), Timestamp::now()).await?)
}

/// Reading the outbox. Cheap to clone; clones share the wake-up signal.
#[derive(Clone)]
pub struct Events {
    db: Db,
    wake: Arc<Notify>,
}

impl Events {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            wake: Arc::new(Notify::new()),
        }
    }

    /// Publishes an event in a transaction of its own (for changes that have already committed).
    pub async fn publish(&self, kind: &str, payload: &Value) -> ServiceResult<i64> {
        let mut tx = self.db.begin().await?;
        let id = publish(tx.conn(), kind, payload).await?;
        tx.commit().await?;
        self.wake();
        Ok(id)
    }

    /// Up to `max` events `subscriber` has not acknowledged yet, oldest first. Polling again without
    /// acknowledging returns the same events.
    pub async fn poll(&self, subscriber: &str, max: usize) -> ServiceResult<Vec<Event>> {
        let limit = i64::try_from(max.clamp(1, 1000)).unwrap_or(1000);
        let mut h = self.db.read().await?;
        let rows = souk_store::events::after_cursor(h.conn(), subscriber, limit).await?;
        Ok(rows
            .into_iter()
            .map(|r| Event {
                id: r.id,
                kind: r.kind,
                // A payload that is not JSON can only come from outside this module; hand it over as text.
                payload: serde_json::from_str(&r.payload).unwrap_or(Value::String(r.payload)),
                created_at: r.created_at,
            })
            .collect())
    }

    /// Marks every event up to and including `last_id` (as returned by [`Events::poll`]) handled by
    /// `subscriber`. Acknowledging an older event again does nothing.
    pub async fn ack(&self, subscriber: &str, last_id: i64) -> ServiceResult<()> {
        let mut tx = self.db.begin().await?;
        let known =
            souk_store::events::ack(tx.conn(), subscriber, last_id, Timestamp::now()).await?;
        tx.commit().await?;
        if known {
            Ok(())
        } else {
            Err(ServiceError::NotFound)
        }
    }

    /// The id of the last event `subscriber` acknowledged (0 before its first).
    pub async fn cursor(&self, subscriber: &str) -> ServiceResult<i64> {
        let mut h = self.db.read().await?;
        Ok(souk_store::events::cursor(h.conn(), subscriber).await?)
    }

    /// Deletes events older than `days` that every subscriber has acknowledged.
    pub async fn purge_delivered(&self, days: i64) -> ServiceResult<u64> {
        let before = Timestamp::now().plus_seconds(-days.max(1) * 86_400);
        let mut tx = self.db.begin().await?;
        let n = souk_store::events::purge_delivered(tx.conn(), before).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Tells in-process subscribers that new events may be there.
    pub fn wake(&self) {
        self.wake.notify_waiters();
    }

    /// Resolves at the next [`Events::wake`]; subscribers wait on this or a poll interval, whichever is first.
    pub async fn notified(&self) {
        self.wake.notified().await;
    }
}
