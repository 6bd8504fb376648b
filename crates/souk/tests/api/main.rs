//! Behaviour tests through the HTTP API and pages, each run on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod smoke;
