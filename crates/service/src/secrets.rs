//! Random bearer secrets and their storage form: only a SHA-256 digest is kept, so a database leak does not
//! leak usable tokens (the secrets are 256-bit random, so a fast hash is enough).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// `prefix` + 32 random bytes in URL-safe base64. The prefix tells a leaked token's kind at a glance and
/// lets secret scanners recognise it.
pub fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    fill_random(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

pub fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn fill_random(buf: &mut [u8]) {
    // The OS generator failing means the machine cannot do cryptography at all; refusing to run is the
    // only safe answer, and it never happens on a supported platform.
    #[allow(clippy::expect_used)]
    getrandom::fill(buf).expect("operating system random number generator unavailable");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_unique_and_hashed() {
        let a = random_token("souk_pat_");
        let b = random_token("souk_pat_");
        assert!(a.starts_with("souk_pat_"));
        assert_eq!(a.len(), "souk_pat_".len() + 43);
        assert_ne!(a, b);
        assert_eq!(digest(&a).len(), 32);
        assert_eq!(digest(&a), digest(&a));
    }
}
