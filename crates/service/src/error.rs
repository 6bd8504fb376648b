//! Error policy: services return [`ServiceError`]. Variants that a user can cause carry what the user needs
//! to fix it and map to a stable code at the edge; `Internal` wraps store failures and is logged, never shown.

use souk_domain::FieldError;
use souk_store::StoreError;
use thiserror::Error;

pub type ServiceResult<T> = Result<T, ServiceError>;

#[derive(Debug, Error)]
pub enum ServiceError {
    /// One or more fields are invalid; each carries its own stable code.
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    /// The value is valid but already used by someone else (username, email).
    #[error("{0}")]
    Conflict(FieldError),
    /// Wrong login or password, deliberately silent about which.
    #[error("invalid login or password")]
    InvalidCredentials,
    #[error("account suspended")]
    AccountSuspended,
    #[error("too many attempts")]
    RateLimited { retry_after_secs: u64 },
    #[error("authentication required")]
    Unauthenticated,
    #[error("not found")]
    NotFound,
    #[error("not allowed")]
    Forbidden,
    #[error("internal error: {0}")]
    Internal(String),
}

impl ServiceError {
    pub fn field(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        ServiceError::Validation(vec![FieldError::new(field, code, message)])
    }
}

impl From<FieldError> for ServiceError {
    fn from(e: FieldError) -> Self {
        ServiceError::Validation(vec![e])
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        ServiceError::Internal(e.to_string())
    }
}
