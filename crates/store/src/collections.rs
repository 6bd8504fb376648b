//! Collections: manual lists and rule-based product groups.

#[allow(unused_imports)]
use crate::{Conn, StoreResult, on_conn};
