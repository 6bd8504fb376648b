//! The catalog: products with variants and images, their states, and collections.

use souk_store::Db;

#[derive(Clone)]
pub struct CatalogService {
    #[allow(dead_code)]
    db: Db,
}

impl CatalogService {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}
