//! A short-lived, in-process cache of resolved bearer tokens, so an authenticated request does not pay a
//! database round trip just to learn who is asking.
//!
//! Entries live for [`TTL`]. Everything on this node that changes what a token resolves to (log-out,
//! revocation, password change, profile or language change, suspension) evicts the affected entries at
//! once; another app node sees such a change within `TTL`. That bound is the price of skipping a query on
//! every request, and it is why the TTL is seconds, not minutes.

use crate::Viewer;
use souk_domain::Timestamp;
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

pub const TTL: Duration = Duration::from_secs(10);
/// Above this many entries the cache is emptied rather than grown: it only has to hold the active sessions
/// of the last few seconds.
const MAX_ENTRIES: usize = 50_000;

struct Entry {
    viewer: Viewer,
    expires_at: Option<Timestamp>,
    cached_at: Instant,
}

#[derive(Default)]
pub struct SessionCache {
    entries: RwLock<HashMap<Vec<u8>, Entry>>,
}

impl SessionCache {
    /// The viewer for a token digest, if cached recently and not expired.
    pub fn get(&self, digest: &[u8], now: Timestamp) -> Option<Viewer> {
        let map = self.entries.read().ok()?;
        let e = map.get(digest)?;
        let fresh = e.cached_at.elapsed() < TTL && e.expires_at.is_none_or(|x| x > now);
        fresh.then(|| e.viewer.clone())
    }

    pub fn put(&self, digest: Vec<u8>, viewer: Viewer, expires_at: Option<Timestamp>) {
        if let Ok(mut map) = self.entries.write() {
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
            map.insert(
                digest,
                Entry {
                    viewer,
                    expires_at,
                    cached_at: Instant::now(),
                },
            );
        }
    }

    /// Evicts every cached session of a user.
    pub fn forget_user(&self, user_id: i64) {
        if let Ok(mut map) = self.entries.write() {
            map.retain(|_, e| e.viewer.user_id != user_id);
        }
    }

    /// Evicts one token by its id.
    pub fn forget_token(&self, token_id: i64) {
        if let Ok(mut map) = self.entries.write() {
            map.retain(|_, e| e.viewer.token_id != token_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use souk_domain::{AccountKind, Role};
    use souk_store::tokens::TokenKind;

    fn viewer(user_id: i64, token_id: i64) -> Viewer {
        Viewer {
            user_id,
            username: format!("u{user_id}"),
            display_name: String::new(),
            kind: AccountKind::Personal,
            role: Role::User,
            locale: None,
            token_id,
            token_kind: TokenKind::Api,
        }
    }

    #[test]
    fn caches_evicts_and_honours_expiry() {
        let cache = SessionCache::default();
        let now = Timestamp::now();
        cache.put(b"a".to_vec(), viewer(1, 10), None);
        cache.put(b"b".to_vec(), viewer(1, 11), None);
        cache.put(b"c".to_vec(), viewer(2, 12), Some(now.plus_seconds(-1)));
        assert_eq!(cache.get(b"a", now).map(|v| v.token_id), Some(10));
        assert!(
            cache.get(b"c", now).is_none(),
            "expired token is not served"
        );
        cache.forget_token(10);
        assert!(cache.get(b"a", now).is_none());
        assert!(cache.get(b"b", now).is_some());
        cache.forget_user(1);
        assert!(cache.get(b"b", now).is_none());
    }
}
