//! Assay's browser app: a Leptos single-page app over the engine.
//!
//! Logic lives in plain types ([`session`] for the author, [`review`] for the reviewer);
//! components only wire signals to it, so most of the app is tested with ordinary Rust tests and
//! the components with a few browser tests.

mod app;
mod browser;
pub mod chart;
mod checks_panel;
mod data_panel;
mod download;
pub mod draft;
pub mod endpoints;
mod endpoints_panel;
mod export_panel;
mod fetch;
pub mod job;
mod model_panel;
pub mod review;
mod review_panel;
pub mod samples;
pub mod session;
mod storage;
pub mod workbench;

pub use app::App;
