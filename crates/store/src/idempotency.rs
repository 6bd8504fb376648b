//! Idempotency-Key records for money-moving POSTs.

#[allow(unused_imports)]
use crate::{Conn, StoreResult, on_conn};
