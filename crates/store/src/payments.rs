//! Payments recorded per order and provider.

#[allow(unused_imports)]
use crate::{Conn, StoreResult, on_conn};
