//! Pictures made by code (the demo's drawings), stored after the rows that show them.
//!
//! Drawing and re-encoding the demo's few hundred photos takes half a minute of CPU; the rows that show
//! them take a few seconds. A drawing's size is known before its pixels, so the pipeline hands out its
//! key at once and queues the work: a background worker stores each picture, and a request for one that
//! is still queued draws it on the spot instead of waiting its turn. The queue is a stack, so the most
//! recently added pictures (the newest posts and products, what the first pages show) come first.
//!
//! The queue lives in memory: pictures still queued when the process stops are never stored. `souk demo`
//! therefore waits for [`super::ImagePipeline::settled`] before it exits.

use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::watch;

/// A picture whose pixels come later. `draw` returns encoded JPEG or PNG bytes of exactly
/// `width` × `height` pixels, with no orientation tag.
pub struct Drawing {
    pub width: u32,
    pub height: u32,
    pub draw: Box<dyn FnOnce() -> Vec<u8> + Send>,
}

impl Drawing {
    pub fn new(width: u32, height: u32, draw: impl FnOnce() -> Vec<u8> + Send + 'static) -> Self {
        Self {
            width,
            height,
            draw: Box::new(draw),
        }
    }
}

impl std::fmt::Debug for Drawing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Drawing({}×{})", self.width, self.height)
    }
}

/// What an image is made from: uploaded bytes, processed before the call returns, or a [`Drawing`],
/// stored in the background.
#[derive(Debug)]
pub enum ImageSource {
    Bytes(Vec<u8>),
    Drawing(Drawing),
}

impl From<Vec<u8>> for ImageSource {
    fn from(bytes: Vec<u8>) -> Self {
        ImageSource::Bytes(bytes)
    }
}

impl From<Drawing> for ImageSource {
    fn from(d: Drawing) -> Self {
        ImageSource::Drawing(d)
    }
}

pub(super) struct Job {
    pub prefix: String,
    pub drawing: Drawing,
    pub done: watch::Sender<bool>,
}

/// What [`Queue::claim`] found for a key prefix.
pub(super) enum Claim {
    /// Still queued: the caller now owns it and must run it.
    Run(Job),
    /// A worker is on it; resolves (to `true`, or errors if the worker died) once stored.
    Wait(watch::Receiver<bool>),
    /// Not a queued drawing (stored already, or never one).
    None,
}

#[derive(Default)]
struct State {
    /// Last in, first out.
    jobs: Vec<Job>,
    /// Every prefix queued or being drawn.
    pending: HashMap<String, watch::Receiver<bool>>,
    workers: usize,
}

pub(super) struct Queue {
    state: Mutex<State>,
    /// Pending count, for [`Queue::settled`].
    count: watch::Sender<usize>,
    max_workers: usize,
}

impl Queue {
    pub fn new(max_workers: usize) -> Self {
        Self {
            state: Mutex::new(State::default()),
            count: watch::Sender::new(0),
            max_workers: max_workers.max(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind; the queue stays usable.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Queues a job; true when the caller should start another worker.
    pub fn push(&self, prefix: String, drawing: Drawing) -> bool {
        let (done, rx) = watch::channel(false);
        let mut s = self.lock();
        s.pending.insert(prefix.clone(), rx);
        s.jobs.push(Job {
            prefix,
            drawing,
            done,
        });
        self.count.send_modify(|n| *n += 1);
        if s.workers < self.max_workers {
            s.workers += 1;
            true
        } else {
            false
        }
    }

    /// The next job for a worker; `None` retires the worker.
    pub fn next(&self) -> Option<Job> {
        let mut s = self.lock();
        let job = s.jobs.pop();
        if job.is_none() {
            s.workers = s.workers.saturating_sub(1);
        }
        job
    }

    pub fn claim(&self, prefix: &str) -> Claim {
        let mut s = self.lock();
        if let Some(at) = s.jobs.iter().position(|j| j.prefix == prefix) {
            return Claim::Run(s.jobs.remove(at));
        }
        match s.pending.get(prefix) {
            Some(rx) => Claim::Wait(rx.clone()),
            None => Claim::None,
        }
    }

    /// Marks a job finished (stored or failed) and wakes whoever waits for it.
    pub fn finish(&self, job: Job) {
        self.lock().pending.remove(&job.prefix);
        let _ = job.done.send(true);
        self.count.send_modify(|n| *n = n.saturating_sub(1));
    }

    pub fn len(&self) -> usize {
        *self.count.borrow()
    }

    /// Resolves once nothing is queued or being drawn.
    pub async fn settled(&self) {
        let mut rx = self.count.subscribe();
        let _ = rx.wait_for(|n| *n == 0).await;
    }
}
