//! Error policy for HTTP: every failure becomes a status and a stable snake_case code.
//!
//! API responses carry `{"error":{"code","message","details"}}`. Page routes get the same code rendered as a
//! localized error page by the `html_errors` middleware, which finds the [`ErrorInfo`] this type leaves in
//! the response. Internal errors are logged with the request id and answered without internals.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};
use souk_domain::FieldError;
use souk_service::ServiceError;
use utoipa::ToSchema;

#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: Vec<FieldError>,
    pub details: Option<Value>,
    pub retry_after: Option<u64>,
}

/// Left in response extensions so page middleware can render the same error as HTML.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub status: StatusCode,
    pub code: &'static str,
    pub retry_after: Option<u64>,
}

/// Left in response extensions by pages that render their own error (a form shown again with its
/// problems), so the middleware keeps them instead of swapping in the generic error page.
#[derive(Debug, Clone, Copy)]
pub struct RenderedPage;

/// The JSON error envelope, for the OpenAPI document.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable code such as `validation_failed` or `rate_limited`.
    pub code: String,
    /// Human-readable English explanation.
    pub message: String,
    /// Extra data; for `validation_failed` and conflicts: `{"fields":[{"field","code","message"}]}`.
    #[schema(value_type = Option<Object>)]
    pub details: Option<Value>,
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
            details: None,
            retry_after: None,
        }
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "Nothing here.")
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Log in or send a valid bearer token.",
        )
    }

    pub fn csrf() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "csrf_failed",
            "The form expired or came from another site. Reload the page and try again.",
        )
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    fn with_fields(mut self, fields: Vec<FieldError>) -> Self {
        self.fields = fields;
        self
    }

    /// `details` as sent: the rejected fields, if any, plus any extra data.
    fn details_json(&self) -> Option<Value> {
        match (&self.details, self.fields.is_empty()) {
            (None, true) => None,
            (Some(d), true) => Some(d.clone()),
            (extra, false) => {
                let mut d = extra.clone().unwrap_or_else(|| json!({}));
                d["fields"] = json!(self.fields);
                Some(d)
            }
        }
    }
}

impl From<ServiceError> for AppError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Validation(fields) => {
                let message = fields
                    .iter()
                    .map(|f| f.message.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                AppError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                    message,
                )
                .with_fields(fields)
            }
            ServiceError::Conflict(field) => {
                AppError::new(StatusCode::CONFLICT, field.code, field.message.clone())
                    .with_fields(vec![field])
            }
            ServiceError::InvalidCredentials => AppError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "The login or password is incorrect.",
            ),
            ServiceError::AccountSuspended => AppError::new(
                StatusCode::FORBIDDEN,
                "account_suspended",
                "This account is suspended.",
            ),
            ServiceError::RateLimited { retry_after_secs } => {
                let mut err = AppError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    format!("Too many attempts. Try again in {retry_after_secs} seconds."),
                );
                err.retry_after = Some(retry_after_secs);
                err.details = Some(json!({ "retry_after_seconds": retry_after_secs }));
                err
            }
            ServiceError::Unauthenticated => AppError::unauthenticated(),
            ServiceError::NotFound => AppError::not_found(),
            ServiceError::Forbidden => AppError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "You are not allowed to do that.",
            ),
            ServiceError::Refused {
                kind,
                code,
                message,
                details,
            } => {
                let status = match kind {
                    souk_service::Refusal::Conflict => StatusCode::CONFLICT,
                    souk_service::Refusal::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
                    souk_service::Refusal::PaymentRequired => StatusCode::PAYMENT_REQUIRED,
                    souk_service::Refusal::Forbidden => StatusCode::FORBIDDEN,
                };
                let mut err = AppError::new(status, code, message);
                err.details = details;
                err
            }
            ServiceError::Internal(detail) => {
                // The request span carries the request id, so this line and the client's report match up.
                tracing::error!(error = %detail, "internal error");
                AppError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Something went wrong on our side. It has been logged.",
                )
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let info = ErrorInfo {
            status: self.status,
            code: self.code,
            retry_after: self.retry_after,
        };
        let body = json!({
            "error": { "code": self.code, "message": self.message, "details": self.details_json() }
        });
        let mut res = (self.status, Json(body)).into_response();
        set_retry_after(&mut res, self.retry_after);
        res.extensions_mut().insert(info);
        res
    }
}

pub type ApiResult<T> = Result<T, AppError>;

/// Adds `Retry-After: SECS` when the error carries a wait time.
pub fn set_retry_after(res: &mut Response, secs: Option<u64>) {
    if let Some(v) = secs.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
}
