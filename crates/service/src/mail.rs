//! Outgoing mail: rendering order e-mails into the outbox and sending them with lettre.

use souk_store::Db;

#[derive(Clone)]
pub struct MailService {
    #[allow(dead_code)]
    db: Db,
}

impl MailService {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}
