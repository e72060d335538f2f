//! [`Preprocessing`], the data settings a spec records, and [`prepare`], which applies them the
//! same way at authoring time and on every replay: missing values, the seeded split, and the
//! encoder fitted on the training rows.

use ndarray::Array1;
use serde::{Deserialize, Serialize};

use super::dataset::encode_target;
use super::schema::target_index;
use super::split::check_validation_fraction;
use super::{
    Centring, ColumnKind, ColumnSchema, Dataset, FittedEncoder, Table, Task, effective_schema,
    infer_task, is_missing, split_rows,
};
use crate::EngineError;

/// What to do with a row that has a missing value in the target or a feature column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum MissingValues {
    /// Leave the row out, and report its line in [`Prepared::dropped_rows`].
    #[default]
    DropRows,
    /// Refuse the data, naming the first missing cell.
    Error,
}

/// How a table becomes training and validation data. Recorded in the spec; with the data and
/// the seed it fixes both splits exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Preprocessing {
    pub target: String,
    pub task: Task,
    /// The user's changes to the inferred column kinds; columns not named keep their inferred
    /// kind.
    #[serde(default)]
    pub column_kinds: Vec<ColumnSchema>,
    /// Share of rows held out for validation, strictly between 0 and 1.
    #[serde(default = "default_validation_fraction")]
    pub validation_fraction: f64,
    /// Split each class in proportion. Only classification has classes; regression ignores it.
    #[serde(default = "default_stratify")]
    pub stratify: bool,
    #[serde(default)]
    pub missing: MissingValues,
}

fn default_validation_fraction() -> f64 {
    0.25
}

fn default_stratify() -> bool {
    true
}

impl Preprocessing {
    /// The defaults for `target` and `task`: no overrides, a quarter held out, stratified when
    /// classifying, rows with missing values dropped.
    pub fn new(target: &str, task: Task) -> Self {
        Self {
            target: target.to_owned(),
            task,
            column_kinds: Vec::new(),
            validation_fraction: default_validation_fraction(),
            stratify: task.is_classification(),
            missing: MissingValues::default(),
        }
    }

    /// The defaults, with the task inferred from the target column.
    pub fn infer(table: &Table, target: &str) -> Result<Self, EngineError> {
        Ok(Self::new(target, infer_task(table, target)?))
    }

    /// Ranges the types alone do not ensure.
    pub fn validate(&self) -> Result<(), EngineError> {
        check_validation_fraction(self.validation_fraction)?;
        if self.target.is_empty() {
            return Err(EngineError::setting(
                "preprocessing.target",
                "name the column to predict",
            ));
        }
        Ok(())
    }
}

/// Training and validation data, and everything needed to explain or repeat how they were made.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub train: Dataset,
    pub validation: Dataset,
    pub feature_names: Vec<String>,
    /// Class labels, sorted; empty for regression.
    pub classes: Vec<String>,
    /// Every column's kind as used: inferred, then overridden.
    pub schema: Vec<ColumnSchema>,
    /// 0-based data rows in each split, ascending.
    pub train_rows: Vec<usize>,
    pub validation_rows: Vec<usize>,
    /// File lines (1-based, the header is line 1) of rows left out for missing values.
    pub dropped_rows: Vec<usize>,
    pub encoder: FittedEncoder,
}

/// Applies `settings` to `table`: drops (or refuses) rows with missing values, splits the rest
/// with the seed's split stream, fits the encoder on the training rows only, and encodes both
/// splits with it.
pub fn prepare(
    table: &Table,
    settings: &Preprocessing,
    seed: u64,
) -> Result<Prepared, EngineError> {
    prepare_for_intercept(table, settings, seed, true)
}

/// [`prepare`] for a model that fits an intercept or not (`training.fit_intercept`): without
/// one, numeric features are scaled but not centred, so zero stays zero.
pub(crate) fn prepare_for_intercept(
    table: &Table,
    settings: &Preprocessing,
    seed: u64,
    fit_intercept: bool,
) -> Result<Prepared, EngineError> {
    settings.validate()?;
    let target_column = target_index(table, &settings.target)?;
    let schema = effective_schema(table, &settings.column_kinds)?;
    let feature_columns: Vec<(usize, ColumnKind)> = schema
        .iter()
        .enumerate()
        .filter(|&(c, s)| c != target_column && s.kind != ColumnKind::Identifier)
        .map(|(c, s)| (c, s.kind))
        .collect();
    if feature_columns.is_empty() {
        return Err(EngineError::Data(
            "there are no feature columns besides the target and identifiers".into(),
        ));
    }

    let mut usable = Vec::with_capacity(table.rows.len());
    let mut dropped_rows = Vec::new();
    let used_columns: Vec<usize> = std::iter::once(target_column)
        .chain(feature_columns.iter().map(|&(c, _)| c))
        .collect();
    for r in 0..table.rows.len() {
        let missing = used_columns.iter().find(|&&c| is_missing(table.cell(r, c)));
        match (missing, settings.missing) {
            (None, _) => usable.push(r),
            (Some(_), MissingValues::DropRows) => {
                dropped_rows.push(usize::try_from(table.line_of(r)).unwrap_or(usize::MAX));
            }
            (Some(&c), MissingValues::Error) => {
                let cell = table.cell(r, c);
                return Err(EngineError::Csv {
                    line: table.line_of(r),
                    column: table.headers.get(c).cloned(),
                    message: if cell.is_empty() {
                        "the cell is empty (a missing value)".into()
                    } else {
                        format!("`{cell}` marks a missing value")
                    },
                });
            }
        }
    }
    if usable.is_empty() {
        return Err(EngineError::Data(format!(
            "all {} rows have a missing value in the target or a feature column",
            table.rows.len()
        )));
    }

    let (targets, classes) = encode_target(table, target_column, &usable, settings.task)?;
    let class_of: Option<Vec<usize>> = (settings.task.is_classification() && settings.stratify)
        .then(|| targets.iter().map(|&t| t as usize).collect());
    let split = split_rows(
        &usable,
        class_of.as_deref(),
        settings.validation_fraction,
        seed,
    )?;

    let centring = if fit_intercept {
        Centring::Mean
    } else {
        Centring::None
    };
    let encoder = FittedEncoder::fit_centred(table, &feature_columns, &split.train, centring)?;
    let feature_names = encoder.feature_names();
    // Targets by table row, to pick out each split's in its own order.
    let mut target_by_row = vec![f64::NAN; table.rows.len()];
    for (&r, &t) in usable.iter().zip(&targets) {
        target_by_row[r] = t;
    }
    let dataset = |rows: &[usize]| -> Result<Dataset, EngineError> {
        Ok(Dataset {
            feature_names: feature_names.clone(),
            target_name: settings.target.clone(),
            classes: classes.clone(),
            features: encoder.transform(table, rows)?,
            target: rows
                .iter()
                .map(|&r| target_by_row.get(r).copied().unwrap_or(f64::NAN))
                .collect::<Array1<f64>>(),
        })
    };
    let train = dataset(&split.train)?;
    let validation = dataset(&split.validation)?;
    Ok(Prepared {
        train,
        validation,
        feature_names,
        classes,
        schema,
        train_rows: split.train,
        validation_rows: split.validation,
        dropped_rows,
        encoder,
    })
}
