//! Store errors: constraint violations the service layer turns into user-facing codes, everything else opaque.

use thiserror::Error;

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Error)]
pub enum StoreError {
    /// A UNIQUE constraint rejected the write. Holds the constraint name (PostgreSQL) or the failing
    /// `table.column` text (SQLite); callers match on the column name, which both contain.
    #[error("unique constraint violated: {0}")]
    Unique(String),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("invalid database configuration: {0}")]
    Config(String),
}

impl StoreError {
    /// True when a unique violation concerns the named column or constraint fragment.
    pub fn is_unique_on(&self, fragment: &str) -> bool {
        matches!(self, StoreError::Unique(what) if what.contains(fragment))
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e
            && db.is_unique_violation()
        {
            let what = db
                .constraint()
                .map(str::to_owned)
                .unwrap_or_else(|| db.message().to_owned());
            return StoreError::Unique(what);
        }
        StoreError::Database(e)
    }
}
