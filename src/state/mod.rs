//! Shared state: the signals every panel reads from context, and the jobs that change them.
//! No DOM here: what the page shows is the panels' business.

pub mod break_it;
pub mod endpoints;
pub mod engine_job;
pub mod evaluation;
pub mod job;
pub mod workbench;
