//! Shops, their staff, and branding (owned by the shops/catalog work).

#[allow(unused_imports)]
use crate::{Conn, StoreResult, on_conn};
