//! The app's integration tests, one binary (as ripgrep lays them out), each file a module:
//! `layers.rs` reads the source tree (native); `web.rs` and `charts.rs` mount components in
//! headless Chromium (wasm, `cargo xtask test`).
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod charts;
mod layers;
mod web;
