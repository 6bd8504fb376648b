//! Products, variants and product images.

#[allow(unused_imports)]
use crate::{Conn, StoreResult, on_conn};
