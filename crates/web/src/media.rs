//! Uploaded images under `/media/img/<id>/<variant>.<ext>`. Keys are random and their content never changes
//! (an edit stores a new image under a new key), so responses may be cached forever.

use crate::error::AppError;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use souk_service::ServiceError;
use souk_service::media::content_type_for_key;

/// How long a request waits for a picture another task is drawing (a few hundred ms is usual).
const DRAWING_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/media/{*key}", get(serve))
        .with_state(state)
}

/// Only keys the pipeline writes: `img/` followed by plain path segments (no `..`, no empty segments).
fn servable(key: &str) -> bool {
    key.starts_with("img/")
        && !key.contains('\\')
        && key
            .split('/')
            .all(|s| !s.is_empty() && s != "." && s != "..")
}

async fn serve(State(state): State<AppState>, Path(key): Path<String>) -> Response {
    let content_type = match content_type_for_key(&key) {
        Some(ct) if servable(&key) => ct,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let media = &state.services.media;
    let mut found = media.store.get(&key).await;
    if matches!(found, Ok(None)) && media.pipeline.drawings_pending() > 0 {
        // A demo picture whose row exists before its pixels: draw it now rather than answer 404.
        media.pipeline.ensure_stored(&key, DRAWING_WAIT).await;
        found = media.store.get(&key).await;
    }
    match found {
        Ok(Some(bytes)) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                ),
                (
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => AppError::from(ServiceError::from(e)).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::servable;
    use crate::{AppState, WebConfig};
    use axum::body::{Body, to_bytes};
    use axum::http::{Request, StatusCode};
    use souk_service::media::MediaConfig;
    use souk_service::{ServiceConfig, Services};
    use tower::ServiceExt;

    #[tokio::test]
    async fn serves_stored_images_with_immutable_caching_and_404s_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = souk_store::Db::connect(&url, &Default::default())
            .await
            .unwrap();
        let config = ServiceConfig {
            media: MediaConfig {
                dir: dir.path().join("media"),
                ..MediaConfig::default()
            },
            ..ServiceConfig::default()
        };
        let services = Services::new(db, &config).unwrap();
        let store = services.media.store.clone();
        store
            .put(
                "img/abc/640.jpg",
                axum::body::Bytes::from_static(b"\xFF\xD8\xFFjpeg"),
            )
            .await
            .unwrap();
        std::fs::write(dir.path().join("t.secret"), b"no").unwrap();
        let app = crate::router(AppState::new(services, WebConfig::default(), None));
        let get = |uri: &str| {
            let req = Request::get(uri).body(Body::empty()).unwrap();
            app.clone().oneshot(req)
        };

        let res = get("/media/img/abc/640.jpg").await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let h = res.headers();
        assert_eq!(h["content-type"], "image/jpeg");
        assert_eq!(h["cache-control"], "public, max-age=31536000, immutable");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert!(
            h.get("set-cookie").is_none(),
            "cached publicly, so no cookies"
        );
        let body = to_bytes(res.into_body(), 1024).await.unwrap();
        assert_eq!(&body[..], b"\xFF\xD8\xFFjpeg");

        for uri in [
            "/media/img/abc/1080.jpg",
            "/media/img/nothing/orig.png",
            "/media/img/../t.secret",
            "/media/img/%2E%2E/%2E%2E/t.secret",
            "/media/t.secret",
            "/media/other/abc.jpg",
        ] {
            let res = get(uri).await.unwrap();
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{uri}");
        }
    }

    #[test]
    fn only_plain_image_keys_are_servable() {
        assert!(servable("img/AbC-_9/orig.jpg"));
        assert!(servable("img/x/320.png"));
        for bad in [
            "img/../souk.db",
            "img/x/../../etc/passwd",
            "souk.db",
            "/img/x/orig.jpg",
            "img//orig.jpg",
            "img/./orig.jpg",
            "img\\..\\x.jpg",
            "other/x.jpg",
        ] {
            assert!(!servable(bad), "{bad}");
        }
    }
}
