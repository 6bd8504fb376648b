//! The `Idempotency-Key` wrapper for money-moving POSTs (design.md §5): the first request with a key runs
//! and its response is stored; a retry with the same key and body gets that response again (marked with
//! `Idempotent-Replayed: true`); the same key with another body is 422 `idempotency_key_reused`; a
//! duplicate while the first still runs is 409 `idempotency_request_in_progress`. Server errors (5xx) are
//! not stored: the key is released so the client can retry.

use crate::error::AppError;
use crate::state::AppState;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use souk_service::Viewer;
use souk_service::idempotency::Claim;
use std::future::Future;

pub const HEADER: &str = "idempotency-key";
/// Stored responses are JSON bodies of ordinary size; anything larger is not worth replaying.
const MAX_STORED_BODY: usize = 1024 * 1024;

/// The key from the request, validated: 1–255 visible ASCII characters.
pub fn key_from(headers: &HeaderMap) -> Result<String, AppError> {
    let Some(raw) = headers.get(HEADER) else {
        return Err(AppError::bad_request(
            "idempotency_key_required",
            "Send an Idempotency-Key header (a unique value per intended operation).",
        ));
    };
    let key = raw.to_str().unwrap_or("");
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(AppError::bad_request(
            "invalid_idempotency_key",
            "The Idempotency-Key must be 1 to 255 visible ASCII characters.",
        ));
    }
    Ok(key.to_owned())
}

/// Gives the key back if the request is abandoned mid-way (client gone), so it does not stay "in
/// progress" until it expires.
struct ReleaseOnDrop {
    state: Option<(AppState, i64)>,
}

impl Drop for ReleaseOnDrop {
    fn drop(&mut self) {
        if let Some((state, id)) = self.state.take()
            && let Ok(rt) = tokio::runtime::Handle::try_current()
        {
            rt.spawn(async move {
                let _ = state.services.idempotency.release(id).await;
            });
        }
    }
}

/// Runs `run` at most once per (viewer, key). `scope` names the endpoint, e.g. `POST /api/v1/checkout`;
/// `body` is the raw request body the fingerprint is taken from.
pub async fn idempotent<F, Fut>(
    state: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    scope: &str,
    body: &[u8],
    run: F,
) -> Response
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Response>,
{
    let key = match key_from(headers) {
        Ok(k) => k,
        Err(e) => return e.into_response(),
    };
    let claim = match state
        .services
        .idempotency
        .claim(viewer.user_id, &key, scope, body)
        .await
    {
        Ok(c) => c,
        Err(e) => return AppError::from(e).into_response(),
    };
    let id = match claim {
        Claim::Replay { status, body } => return replay(status, body),
        Claim::Claimed(id) => id,
    };
    let mut guard = ReleaseOnDrop {
        state: Some((state.clone(), id)),
    };
    let res = run().await;
    if res.status().is_server_error() {
        // The guard releases the key.
        return res;
    }
    let (parts, body) = res.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_STORED_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return AppError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "The response could not be stored.",
            )
            .into_response();
        }
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    match state
        .services
        .idempotency
        .complete(id, parts.status.as_u16(), &text)
        .await
    {
        Ok(()) => guard.state = None,
        Err(e) => tracing::error!(error = %e, "could not store an idempotent response"),
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn replay(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut res = (status, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res.headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    // A stored error body is already in Souk's envelope; mark it final so the error middleware does not
    // replace it with a generic one.
    res.extensions_mut().insert(crate::error::RenderedPage);
    res
}
