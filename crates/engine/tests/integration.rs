//! The engine's integration tests, one binary (as ripgrep lays them out): each file a module,
//! so the test crate is compiled and linked once. `share.rs` stays its own binary because it
//! measures the heap with a counting global allocator, which other tests running beside it in
//! the same process would disturb.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

mod common;

mod checks;
mod data;
mod endpoint;
mod engine;
mod evaluation;
mod fuzz;
mod hostile;
mod mutate;
mod nist;
mod numerics;
mod optimum;
mod spec_roundtrip;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
