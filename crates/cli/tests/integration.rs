//! The CLI's integration tests, one binary (as ripgrep lays them out): each file a module, so the
//! test crate is compiled and linked once. Tests that need outside tools (Chromium, a model
//! server's virtual environment) are `#[ignore]`d; `cargo xtask test` runs them by module, e.g.
//! `cargo test -p assay-cli --test integration -- --ignored browser::`.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

mod common;

mod break_it_page;
mod browser;
mod cli;
mod endpoints;
mod evaluation;
mod evaluation_page;
mod fastapi;
mod golden;
mod hostile;
mod k6;
mod mlflow;
mod mlserver;
mod mutate;
mod relay;
mod serve;
mod servers;
mod stage;
mod wheel;
mod workbench;
