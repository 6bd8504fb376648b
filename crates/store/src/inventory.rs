//! Stock: taking units at checkout with one conditional UPDATE and giving them back.

#[allow(unused_imports)]
use crate::{Conn, StoreResult, on_conn};
