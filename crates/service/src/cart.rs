//! Carts: adding, changing and removing items, logged-out cookie carts and merging them on login.

use souk_store::Db;

#[derive(Clone)]
pub struct CartService {
    #[allow(dead_code)]
    db: Db,
}

impl CartService {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}
