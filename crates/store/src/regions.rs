//! Shipping regions, their tax rates and shipping rates.

#[allow(unused_imports)]
use crate::{Conn, StoreResult, on_conn};
