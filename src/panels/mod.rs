//! The page: the root component and one component per step, each reading the shared
//! [`Workbench`](crate::state::workbench::Workbench) from context.

pub mod app;
pub mod break_it;
pub mod checks;
pub mod data;
pub mod endpoints;
pub mod evaluation;
pub mod export;
pub mod model;
pub mod preparation;
pub mod review;
pub mod slices;
