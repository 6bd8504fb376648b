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
    /// A business rule refused the action: out of stock, an order in the wrong state, a declined card, a
    /// reused idempotency key. `code` is stable; `details` carries data a client can act on (e.g. which lines
    /// changed).
    #[error("{message}")]
    Refused {
        kind: Refusal,
        code: &'static str,
        message: String,
        details: Option<serde_json::Value>,
    },
    #[error("internal error: {0}")]
    Internal(String),
}

/// How a refusal maps to HTTP: a conflict with current state (409), a request that can never succeed as
/// sent (422), a payment that did not go through (402), or an action this kind of account may not take
/// (403, e.g. a personal account opening a shop).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Conflict,
    Unprocessable,
    PaymentRequired,
    Forbidden,
}

impl ServiceError {
    pub fn refused(kind: Refusal, code: &'static str, message: impl Into<String>) -> Self {
        ServiceError::Refused {
            kind,
            code,
            message: message.into(),
            details: None,
        }
    }

    /// Adds client-actionable data to a [`ServiceError::Refused`]; other variants are returned unchanged.
    pub fn with_details(mut self, value: serde_json::Value) -> Self {
        if let ServiceError::Refused { details, .. } = &mut self {
            *details = Some(value);
        }
        self
    }

    /// The stable code of a refusal, for callers that branch on it.
    pub fn refusal_code(&self) -> Option<&'static str> {
        match self {
            ServiceError::Refused { code, .. } => Some(code),
            _ => None,
        }
    }

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
