//! Shops: opening one, settings, branding drafts and publishing, staff, and the one permission check every
//! shop-scoped action goes through.

use souk_store::Db;

#[derive(Clone)]
pub struct ShopService {
    #[allow(dead_code)]
    db: Db,
}

impl ShopService {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}
