//! [`Preprocessing`], the data settings a spec records, and [`prepare`], which applies them the
//! same way at authoring time and on every replay: missing values, the seeded split, and the
//! encoder fitted on the training rows.

use ndarray::Array1;
use serde::{Deserialize, Serialize};

use super::dataset::encode_target;
use super::date::parse_date;
use super::missing::{MissingCount, MissingValues, count_missing};
use super::schema::target_index;
use super::split::{check_validation_fraction, split_by_time};
use super::{
    Centring, ColumnKind, ColumnSchema, Dataset, FittedEncoder, Table, Task, effective_schema,
    infer_task, is_missing, split_rows,
};
use crate::EngineError;

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
    /// Split by time instead of at random: the rows latest in this date (or numeric) column
    /// validate, the earlier ones train, so validation measures how the model does on data newer
    /// than anything it learnt from. `stratify` does not apply; a row without a time is left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_column: Option<String>,
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
            time_column: None,
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

/// What `settings`' missing-value policy would touch in `table`, counted before training.
pub fn count_missing_values(
    table: &Table,
    settings: &Preprocessing,
) -> Result<MissingCount, EngineError> {
    let columns = Columns::of(table, settings)?;
    let kinds: Vec<ColumnKind> = columns.schema.iter().map(|c| c.kind).collect();
    Ok(count_missing(table, &columns.required, &kinds))
}

/// The columns `settings` uses in `table`.
struct Columns {
    schema: Vec<ColumnSchema>,
    target: usize,
    /// The columns a row cannot do without: the target, then the time column if any.
    required: Vec<usize>,
    /// The feature columns and their kinds, in table order.
    features: Vec<(usize, ColumnKind)>,
}

impl Columns {
    fn of(table: &Table, settings: &Preprocessing) -> Result<Self, EngineError> {
        settings.validate()?;
        let target = target_index(table, &settings.target)?;
        let schema = effective_schema(table, &settings.column_kinds)?;
        let mut required = vec![target];
        if let Some(name) = &settings.time_column {
            let time = table.column_index(name).ok_or_else(|| {
                EngineError::setting(
                    "preprocessing.time_column",
                    format!(
                        "there is no column `{name}`; the columns are {}",
                        table.headers.join(", ")
                    ),
                )
            })?;
            let kind = schema.get(time).map(|c| c.kind);
            if time == target || !matches!(kind, Some(ColumnKind::Date | ColumnKind::Numeric)) {
                return Err(EngineError::setting(
                    "preprocessing.time_column",
                    format!("`{name}` must be a date or numeric column other than the target"),
                ));
            }
            required.push(time);
        }
        let features: Vec<(usize, ColumnKind)> = schema
            .iter()
            .enumerate()
            .filter(|&(c, s)| c != target && s.kind.is_feature())
            .map(|(c, s)| (c, s.kind))
            .collect();
        if features.is_empty() {
            return Err(EngineError::Data(
                "there are no feature columns besides the target, identifiers and ignored \
                 columns"
                    .into(),
            ));
        }
        Ok(Self {
            schema,
            target,
            required,
            features,
        })
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
    /// File lines (1-based, the header is line 1) of rows left out for missing values (any under
    /// `drop_rows`; a missing target or time under `impute`).
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
    let Columns {
        schema,
        target: target_column,
        required,
        features: feature_columns,
    } = Columns::of(table, settings)?;

    let mut usable = Vec::with_capacity(table.row_count());
    let mut dropped_rows = Vec::new();
    let imputing = settings.missing.imputation().is_some();
    for r in 0..table.row_count() {
        let missing_required = required.iter().find(|&&c| is_missing(table.cell(r, c)));
        let missing_feature = feature_columns
            .iter()
            .map(|&(c, _)| c)
            .find(|&c| is_missing(table.cell(r, c)));
        let missing = missing_required
            .copied()
            .or(missing_feature.filter(|_| !imputing));
        match (missing, settings.missing) {
            (None, _) => usable.push(r),
            (Some(c), MissingValues::Error) => {
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
            (Some(_), MissingValues::DropRows | MissingValues::Impute(_)) => {
                dropped_rows.push(usize::try_from(table.line_of(r)).unwrap_or(usize::MAX));
            }
        }
    }
    if usable.is_empty() {
        return Err(EngineError::Data(format!(
            "all {} rows have a missing value in the target or a feature column",
            table.row_count()
        )));
    }

    let (targets, classes) = encode_target(table, target_column, &usable, settings.task)?;
    let class_of: Option<Vec<usize>> = (settings.task.is_classification() && settings.stratify)
        .then(|| targets.iter().map(|&t| t as usize).collect());
    let split = match required.get(1) {
        Some(&time) => {
            let times = usable
                .iter()
                .map(|&r| time_of(table, r, time))
                .collect::<Result<Vec<f64>, EngineError>>()?;
            split_by_time(&usable, &times, settings.validation_fraction)?
        }
        None => split_rows(
            &usable,
            class_of.as_deref(),
            settings.validation_fraction,
            seed,
        )?,
    };

    let centring = if fit_intercept {
        Centring::Mean
    } else {
        Centring::None
    };
    let encoder = FittedEncoder::fit_centred(
        table,
        &feature_columns,
        &split.train,
        centring,
        settings.missing.imputation(),
    )?;
    let feature_names = encoder.feature_names();
    // Targets by table row, to pick out each split's in its own order.
    let mut target_by_row = vec![f64::NAN; table.row_count()];
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

/// The time of row `r` in the time column `c`: a date's day number, or a number.
fn time_of(table: &Table, r: usize, c: usize) -> Result<f64, EngineError> {
    match parse_date(table.cell(r, c)) {
        Some(days) => Ok(days),
        None => table.number(r, c),
    }
}
