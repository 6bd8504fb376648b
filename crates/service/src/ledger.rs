//! The double-entry ledger: posting balanced transactions for payments and refunds, and checking balances.

use souk_store::Db;

#[derive(Clone)]
pub struct LedgerService {
    #[allow(dead_code)]
    db: Db,
}

impl LedgerService {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}
