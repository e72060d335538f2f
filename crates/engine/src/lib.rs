//! Assay's engine: everything the browser app and the `assay` CLI compute.
//!
//! The same code is compiled to wasm (for the app) and to native (for CI), and must give
//! bit-identical results on both. Three rules make that hold (see `ARCHITECTURE.md`):
//!
//! * all randomness comes from one seeded ChaCha generator ([`rng::SeededRng`]), drawn in a
//!   documented order;
//! * transcendental functions go through the `libm` crate, never the platform's maths library;
//! * hot loops are plain Rust ([`model::Network`], [`lstsq`]), so no runtime-dispatched SIMD or
//!   FMA kernel can pick a different summation order on a different CPU.
//!
//! The engine does no I/O and never panics on user input: bad input is an [`EngineError`], while a
//! failing check is ordinary data in a [`checks::CheckOutcome`].
//!
//! # Start here
//!
//! * [`spec::Spec::from_json`] reads a spec (the only contract between the app and the CLI);
//!   [`share::from_fragment`] reads one from a share link.
//! * [`replay::Stepper::new`] budgets a spec's whole run and steps it one epoch or one check at
//!   a time (the page's progress and Cancel); [`replay::run`] steps it to the end (the CLI);
//!   [`host::Host`] runs it in the page's Web Worker, keeping the last trained model.
//! * [`replay::compare`] holds a run against the spec's recording: the bit-identity promise;
//!   [`replay::comparison`] gives it value by value ([`comparison::Comparison`]), with the
//!   reviewer's tolerance rule.
//! * [`checks::CheckSpec`] is the catalogue of checks, one file and one [`checks::Check`] each;
//!   [`spec::Spec::authored`] starts a spec as the app does; [`metrics::evaluate`] measures a
//!   model.
//! * [`endpoint::build_request`] and [`endpoint::judge`] are an endpoint case's request and its
//!   verdict; the shells send the request.

pub mod budget;
pub mod checks;
pub mod comparison;
pub mod data;
pub mod endpoint;
pub mod error;
pub mod fingerprint;
pub mod host;
pub mod lstsq;
pub mod metrics;
pub mod model;
pub mod mutate;
pub mod mutation;
pub mod numerics;
pub mod optim;
pub mod replay;
pub mod rng;
pub mod share;
pub mod spec;
pub mod train;

pub use error::EngineError;

/// The engine's version, written into every spec and report.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
