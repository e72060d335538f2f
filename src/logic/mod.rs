//! Plain logic: no signals, no browser. Everything here is tested with plain `cargo test`.

pub mod bits;
pub mod break_it;
pub mod curves;
pub mod draft;
pub mod endpoints;
pub mod review;
pub mod runs;
pub mod samples;
pub mod saved;
pub mod status;
