//! The double-entry ledger: transactions and their balanced entries.

#[allow(unused_imports)]
use crate::{Conn, StoreResult, on_conn};
