//! Carts and their items, for accounts and for logged-out cookie carts.

#[allow(unused_imports)]
use crate::{Conn, StoreResult, on_conn};
