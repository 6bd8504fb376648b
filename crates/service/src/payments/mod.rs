//! Payments behind the `PaymentProvider` trait: the manual provider, the offline test card provider, and
//! webhook confirmation.

use souk_store::Db;

#[derive(Clone)]
pub struct PaymentService {
    #[allow(dead_code)]
    db: Db,
}

impl PaymentService {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}
