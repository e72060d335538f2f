//! Assay's browser app: a Leptos single-page app over the engine.
//!
//! The app is in layers, one rule per folder; `tests/layers.rs` holds every file to them.
//!
//! | folder | what it holds | may use of the app |
//! |---|---|---|
//! | [`logic`] | plain Rust: the draft, the review, the endpoint form and cases, labels; no signals, no browser, tested with plain `cargo test` | nothing else |
//! | [`browser`] | the only place that calls `web-sys`, `js-sys` or `wasm-bindgen`: files, clipboard, storage, clock, requests | `logic` |
//! | [`state`] | signals and jobs, no DOM: the shared [`Workbench`](state::workbench::Workbench) and the one job runner | `logic`, `browser` |
//! | [`widgets`] | view pieces the panels share (controls, headings, the file drop zone, charts) | `logic`, `browser` |
//! | [`panels`] | one component per step, each reading the shared state from context, and the root [`App`] | all of the above |
//!
//! No import runs back up: `logic` knows nothing of the page, `state` nothing of the view,
//! `widgets` nothing of the shared state.

pub mod browser;
pub mod logic;
pub mod panels;
pub mod state;
pub mod widgets;

pub use panels::app::App;
