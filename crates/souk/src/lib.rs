//! The `souk` program as a library: configuration, wiring, the CLI commands and demo data. The binary is
//! a thin `main`; tests build the very same app through [`app::App`].

pub mod app;
pub mod cli;
mod cli_catalog;
pub mod config;
pub mod demo;
mod demo_reviews;
mod demo_shops;
mod demo_tags;
pub mod telemetry;

/// Pictures for the demo feed (a separate crate so it can be optimised in debug builds).
pub use souk_demo_art as demo_images;
