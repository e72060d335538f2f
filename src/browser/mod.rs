//! The browser: the only part of the app that calls `web-sys`, `js-sys` or `wasm-bindgen`.
//! Everything else asks these functions, so the rest reads as plain Rust and the plain parts
//! test natively.

pub mod clock;
pub mod download;
pub mod fetch;
pub mod files;
pub mod page;
pub mod schedule;
pub mod storage;
pub mod worker;
