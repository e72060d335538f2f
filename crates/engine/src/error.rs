//! The one error type of the engine: input that cannot be used, said with where it is.

use thiserror::Error;

/// Why the engine could not use its input. A failing check is *not* an error: it is a verdict.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum EngineError {
    /// The CSV text could not be read. `line` is the 1-based line in the file (the header is line 1).
    #[error("CSV line {line}{}: {message}", column.as_ref().map(|c| format!(", column `{c}`")).unwrap_or_default())]
    Csv {
        line: u64,
        column: Option<String>,
        message: String,
    },
    /// The data can be read but not used as asked (no rows, a missing target column, limits).
    #[error("dataset: {0}")]
    Data(String),
    /// A setting is out of its range; `field` names it as the spec does.
    #[error("setting `{field}`: {message}")]
    Setting { field: String, message: String },
    /// The spec file is not one this engine can replay.
    #[error("spec: {0}")]
    Spec(String),
}

impl EngineError {
    pub(crate) fn setting(field: &str, message: impl Into<String>) -> Self {
        EngineError::Setting {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}
