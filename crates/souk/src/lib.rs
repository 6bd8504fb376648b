//! The `souk` program as a library: configuration, wiring, the CLI commands and demo data. The binary is
//! a thin `main`; tests build the very same app through [`app::App`].

pub mod app;
pub mod cli;
pub mod config;
pub mod demo;
pub mod demo_images;
pub mod telemetry;
