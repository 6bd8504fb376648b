//! Refunds: full or partial, by line or by amount, never more than was paid, with optional restock.

use souk_store::Db;

#[derive(Clone)]
pub struct RefundService {
    #[allow(dead_code)]
    db: Db,
}

impl RefundService {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}
