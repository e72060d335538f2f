//! The data layer: CSV text in, a typed schema, a profile for the app to draw, and the seeded,
//! train-fitted preprocessing that turns a table into the numeric matrices a model trains on.
//!
//! The path through it, each step in its own file:
//!
//! 1. [`Table::parse_csv`] reads text into trimmed string cells (`table`);
//! 2. [`infer_schema`] and [`infer_task`] guess each column's kind and the task (`schema`);
//! 3. [`profile`] summarises each column (`profile`), and [`advice`] says what looks like a
//!    mistake before training (`advice`);
//! 4. [`prepare`] drops, refuses or fills missing values (`missing`), splits rows with the
//!    seeded split stream or by time (`split`), reads dates as numbers (`date`), fits the one-hot encoder and standardiser on the training rows only (`encode`)
//!    and returns both splits as [`Dataset`]s (`prepare`, `dataset`).
//!
//! Everything here is deterministic: the same text, settings and seed give the same bits on every
//! target.

mod advice;
mod dataset;
mod date;
mod encode;
mod missing;
mod prepare;
mod profile;
mod schema;
mod split;
mod table;

pub use advice::advice;
pub use dataset::Dataset;
pub use date::parse_date;
pub(crate) use encode::Centring;
pub use encode::{FeatureEncoding, FittedEncoder, MISSING_CATEGORY, Standardizer};
pub use missing::{CategoricalFill, Imputation, MissingCount, MissingValues, NumericFill};
pub(crate) use prepare::prepare_for_intercept;
pub use prepare::{Prepared, Preprocessing, count_missing_values, prepare};
pub use profile::{CategoryCount, ColumnProfile, profile};
pub use schema::{
    ColumnKind, ColumnSchema, Task, effective_schema, infer_schema, infer_task, is_missing,
    suggested_kinds,
};
pub(crate) use schema::{MAX_CLASSES, kinds_with, label_order};
pub use split::{Split, split_by_time, split_rows};
pub use table::{CsvOptions, MAX_BYTES, MAX_COLUMNS, MAX_ROWS, Row, Table, detect_delimiter};
