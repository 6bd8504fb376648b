//! Orders, order lines and the order event log.

#[allow(unused_imports)]
use crate::{Conn, StoreResult, on_conn};
