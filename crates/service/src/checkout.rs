//! Checkout: re-validating a shop's cart lines, shipping and tax, taking stock, creating the order, and the
//! website and order-by-message modes.

use souk_store::Db;

#[derive(Clone)]
pub struct CheckoutService {
    #[allow(dead_code)]
    db: Db,
}

impl CheckoutService {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}
