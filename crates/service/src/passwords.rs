//! Password hashing with Argon2id at OWASP's recommended cost (19 MiB, 2 passes, 1 lane), off the async
//! threads because each hash takes tens of milliseconds of CPU by design.

use crate::{ServiceError, ServiceResult};
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::OnceLock;

fn hasher() -> Argon2<'static> {
    // Params::DEFAULT is m=19456 KiB, t=2, p=1: the OWASP Password Storage Cheat Sheet's first choice.
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::DEFAULT)
}

pub async fn hash(password: String) -> ServiceResult<String> {
    tokio::task::spawn_blocking(move || {
        hasher()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| ServiceError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| ServiceError::Internal(format!("hashing task failed: {e}")))?
}

/// Verifies against `stored`; with `None` it verifies against a fixed dummy hash so that an unknown login
/// costs the same time as a wrong password and response timing does not reveal which accounts exist.
pub async fn verify(password: String, stored: Option<String>) -> ServiceResult<bool> {
    tokio::task::spawn_blocking(move || {
        let (hash, real) = match stored {
            Some(h) => (h, true),
            None => (dummy_hash().to_owned(), false),
        };
        let ok = hasher()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok();
        ok && real
    })
    .await
    .map_err(|e| ServiceError::Internal(format!("verify task failed: {e}")))
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hasher()
            .hash_password(b"souk-timing-equaliser")
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_with_argon2id_owasp_params_and_verifies() {
        let h = hash("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(
            verify("correct horse".into(), Some(h.clone()))
                .await
                .unwrap()
        );
        assert!(!verify("wrong horse".into(), Some(h)).await.unwrap());
        assert!(!verify("souk-timing-equaliser".into(), None).await.unwrap());
    }
}
