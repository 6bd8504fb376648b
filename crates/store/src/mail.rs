//! The outgoing mail outbox.

#[allow(unused_imports)]
use crate::{Conn, StoreResult, on_conn};
