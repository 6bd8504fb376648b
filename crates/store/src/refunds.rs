//! Refunds and the order lines they return.

#[allow(unused_imports)]
use crate::{Conn, StoreResult, on_conn};
