//! Orders after checkout: the state machine, fulfilment, the shopper's and the merchant's order lists, and
//! releasing stock held by unpaid orders.

use souk_store::Db;

#[derive(Clone)]
pub struct OrderService {
    #[allow(dead_code)]
    db: Db,
}

impl OrderService {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}
