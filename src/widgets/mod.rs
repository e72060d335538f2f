//! View pieces the panels share: controls, headings, the file drop zone and the charts. They
//! read no shared state; what they show comes in as arguments.

pub mod alert;
pub mod chart;
pub mod choice;
pub mod file_drop;
pub mod heading;
pub mod words;
