//! The jieba dictionary: loaded on the first Chinese text and let go again once nothing has used it for
//! [`IDLE`].
//!
//! It is the largest thing Souk keeps in memory (about 25 MB of trie and word frequencies, plus a
//! decompressed copy of the word list while it loads), and most of the time nothing needs it: the indexer
//! wants it while a batch holds Chinese text, a search while its query does. Keeping it for a while after
//! the last use means a rebuild or a run of searches loads it once; dropping it afterwards gives the
//! memory back to an idle server. Loading it again costs a fraction of a second of CPU.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use tantivy_jieba::jieba_rs::Jieba;

/// How long the dictionary stays loaded after its last use.
pub const IDLE: Duration = Duration::from_secs(30);

#[derive(Default)]
struct Slot {
    jieba: Option<Arc<Jieba>>,
    last_used: Option<Instant>,
    /// A thread is watching for [`IDLE`] to pass.
    watched: bool,
}

static SLOT: Mutex<Slot> = Mutex::new(Slot {
    jieba: None,
    last_used: None,
    watched: false,
});

fn slot() -> MutexGuard<'static, Slot> {
    // The slot holds plain data; a panic elsewhere while it was locked leaves nothing half-done.
    SLOT.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The dictionary, loading it if needed. Callers on other threads wait for one load rather than each
/// loading their own.
pub fn jieba() -> Arc<Jieba> {
    let mut s = slot();
    s.last_used = Some(Instant::now());
    let jieba = match &s.jieba {
        Some(j) => j.clone(),
        None => {
            let started = Instant::now();
            let j = Arc::new(Jieba::new());
            tracing::debug!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                "loaded the jieba dictionary"
            );
            s.jieba = Some(j.clone());
            j
        }
    };
    if !s.watched {
        let spawned = std::thread::Builder::new()
            .name("jieba-idle".into())
            .spawn(watch);
        // Without the watcher the dictionary simply stays loaded, as it always did.
        s.watched = spawned.is_ok();
    }
    jieba
}

/// Drops the dictionary when unused for at least `idle`; true when it did. Searches still holding it
/// finish with their copy.
pub fn release_if_idle(idle: Duration) -> bool {
    let released = {
        let mut s = slot();
        match s.last_used {
            Some(t) if s.jieba.is_some() && t.elapsed() >= idle => s.jieba.take(),
            _ => None,
        }
    };
    released.is_some()
}

pub fn is_loaded() -> bool {
    slot().jieba.is_some()
}

fn watch() {
    loop {
        std::thread::sleep(IDLE / 3);
        if release_if_idle(IDLE) {
            tracing::debug!("released the idle jieba dictionary");
        }
        let mut s = slot();
        if s.jieba.is_none() {
            s.watched = false;
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_the_same_after_a_release() {
        let before = jieba().cut("上海的春天真的太短了", false);
        let before: Vec<&str> = before.iter().map(|w| w.word).collect();
        release_if_idle(Duration::ZERO);
        let again = jieba();
        let after: Vec<&str> = again
            .cut("上海的春天真的太短了", false)
            .iter()
            .map(|w| w.word)
            .collect();
        assert_eq!(after, before);
        assert!(
            !release_if_idle(Duration::from_secs(3600)),
            "kept while recently used"
        );
        assert!(is_loaded());
    }
}
