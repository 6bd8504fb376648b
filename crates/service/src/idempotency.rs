//! Idempotency keys: claiming a key for a request, replaying its stored response, and expiring old keys.

use souk_store::Db;

#[derive(Clone)]
pub struct IdempotencyService {
    #[allow(dead_code)]
    db: Db,
}

impl IdempotencyService {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}
