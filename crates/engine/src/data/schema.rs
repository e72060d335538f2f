//! What each column holds ([`ColumnKind`]) and what the model predicts ([`Task`]), guessed from the
//! cells and overridable by the user. Also the one definition of a missing value and of the order
//! labels and categories are sorted in.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::Table;
use super::date::parse_date;
use crate::EngineError;

/// Most classes a classification target may have. More labels than this are far more often a
/// free-text or identifier column chosen by mistake than a real class set.
pub(crate) const MAX_CLASSES: usize = 50;
/// A numeric target with at most this many distinct whole-number values is read as class labels
/// (ratings, grades); with more, as a quantity to regress.
const MAX_NUMERIC_CLASSES: usize = 10;

/// Cells read as missing, compared without regard to case (after trimming).
const MISSING_TOKENS: [&str; 5] = ["", "na", "n/a", "nan", "null"];

/// Pairs of words read as a yes/no column, compared without regard to case.
const BOOLEAN_PAIRS: [[&str; 2]; 5] = [
    ["false", "true"],
    ["no", "yes"],
    ["f", "t"],
    ["n", "y"],
    ["0", "1"],
];

/// What a column holds, which decides how it becomes features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// Numbers: standardised.
    Numeric,
    /// Labels: one-hot encoded.
    Categorical,
    /// Two values such as yes/no or 0/1: one-hot encoded.
    Boolean,
    /// A different value on every row (an `id`): carries no pattern, so it is not a feature.
    Identifier,
    /// Calendar dates (`2024-03-31`, optionally with a time): three numeric features, the days
    /// since 1970-01-01, the month and the day of the week, each standardised.
    Date,
    /// Left out of the model by the author's choice.
    Ignored,
}

impl ColumnKind {
    /// Whether the column becomes model features.
    pub fn is_feature(self) -> bool {
        !matches!(self, ColumnKind::Identifier | ColumnKind::Ignored)
    }
}

/// A column's name and kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ColumnSchema {
    pub name: String,
    pub kind: ColumnKind,
}

/// What the model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Task {
    Regression,
    BinaryClassification,
    MulticlassClassification,
}

impl Task {
    pub fn is_classification(self) -> bool {
        !matches!(self, Task::Regression)
    }
}

/// Whether a (trimmed) cell counts as missing: empty, `NA`, `N/A`, `nan` or `null`, in any case.
pub fn is_missing(cell: &str) -> bool {
    MISSING_TOKENS.iter().any(|t| cell.eq_ignore_ascii_case(t))
}

/// The order of labels and categories: numbers by value (so `2` comes before `10`), then text by
/// its bytes; two spellings of one number (`1`, `1.0`) by their text. A total order, so sorting
/// with it is deterministic.
pub(crate) fn label_order(a: &str, b: &str) -> Ordering {
    match (parse_finite(a), parse_finite(b)) {
        (Some(x), Some(y)) => x.total_cmp(&y).then_with(|| a.cmp(b)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

fn parse_finite(cell: &str) -> Option<f64> {
    cell.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Guesses every column's kind from its non-missing cells:
///
/// * Boolean: its values are one of the pairs true/false, yes/no, t/f, y/n or 0/1 (any case);
/// * Identifier: text with a different value on every row, or whole numbers different on every
///   row in a column named like an id (`id`, `…_id`, `…Id`);
/// * Numeric: every value parses as a number;
/// * Categorical: anything else, including a column with no values at all.
pub fn infer_schema(table: &Table) -> Vec<ColumnSchema> {
    table.inferred_schema().to_vec()
}

/// [`infer_schema`] worked out from the cells; [`Table`] keeps the answer.
pub(super) fn infer_from_cells(table: &Table) -> Vec<ColumnSchema> {
    (0..table.headers.len())
        .map(|c| ColumnSchema {
            name: table.headers[c].clone(),
            kind: infer_kind(table, c),
        })
        .collect()
}

/// One pass over the column's cells, without copying them: a replay infers every column of
/// the whole table, so this is where a large CSV's time went.
fn infer_kind(table: &Table, column: usize) -> ColumnKind {
    let values = || table.column(column).filter(|v| !is_missing(v));
    let Some(first) = values().next() else {
        return ColumnKind::Categorical;
    };
    // Boolean: every value (in any case) is one of the same pair.
    let is_boolean = BOOLEAN_PAIRS
        .iter()
        .any(|pair| values().all(|v| pair.iter().any(|p| v.eq_ignore_ascii_case(p))));
    // A column of only `0` or only `1` is a constant number, not a yes/no column.
    let only_digit = (first == "0" || first == "1") && values().all(|v| v == first);
    if is_boolean && !only_digit {
        return ColumnKind::Boolean;
    }
    let unique_per_row = || {
        let mut cells: Vec<&str> = values().collect();
        cells.sort_unstable();
        cells.len() >= 2 && cells.windows(2).all(|pair| pair[0] != pair[1])
    };
    let mut whole = true;
    let numeric = values().all(|v| match v.parse::<f64>() {
        Ok(x) => {
            whole &= x.is_finite() && x.fract() == 0.0;
            true
        }
        Err(_) => false,
    });
    if numeric {
        if whole && named_like_id(&table.headers[column]) && unique_per_row() {
            ColumnKind::Identifier
        } else {
            ColumnKind::Numeric
        }
    } else if unique_per_row() {
        ColumnKind::Identifier
    } else {
        ColumnKind::Categorical
    }
}

fn named_like_id(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "id"
        || ["_id", "-id", " id"].iter().any(|s| lower.ends_with(s))
        || (name.ends_with("Id") && name.len() > 2)
}

/// The overrides a new spec should start with: [`ColumnKind::Date`] for every column whose values
/// are all dates ([`parse_date`]). Inference itself never says Date, so a spec recorded before
/// dates were read keeps the features it was recorded with; a new spec records the choice.
pub fn suggested_kinds(table: &Table) -> Vec<ColumnSchema> {
    (0..table.headers.len())
        .filter(|&c| {
            let mut values = table.column(c).filter(|v| !is_missing(v)).peekable();
            values.peek().is_some() && values.all(|v| parse_date(v).is_some())
        })
        .map(|c| ColumnSchema {
            name: table.headers[c].clone(),
            kind: ColumnKind::Date,
        })
        .collect()
}

/// Each column's kind: from `schema` by name, inferred for a column it does not name.
pub(crate) fn kinds_with(table: &Table, schema: &[ColumnSchema]) -> Vec<ColumnKind> {
    infer_schema(table)
        .into_iter()
        .map(|c| {
            schema
                .iter()
                .find(|s| s.name == c.name)
                .map_or(c.kind, |s| s.kind)
        })
        .collect()
}

/// The inferred schema with the user's overrides applied. An override naming no column is an
/// error, so a typo cannot silently leave a column as it was.
pub fn effective_schema(
    table: &Table,
    overrides: &[ColumnSchema],
) -> Result<Vec<ColumnSchema>, EngineError> {
    let mut schema = infer_schema(table);
    for o in overrides {
        let Some(column) = schema.iter_mut().find(|c| c.name == o.name) else {
            return Err(EngineError::setting(
                "preprocessing.column_kinds",
                format!(
                    "there is no column `{}`; the columns are {}",
                    o.name,
                    table.headers.join(", ")
                ),
            ));
        };
        column.kind = o.kind;
    }
    Ok(schema)
}

/// Guesses the task from the target column's non-missing values: two values make a binary task;
/// numbers with many distinct values (or any fractions) a regression; a few whole numbers or up
/// to [`MAX_CLASSES`] labels a multiclass task.
pub fn infer_task(table: &Table, target: &str) -> Result<Task, EngineError> {
    let column = target_index(table, target)?;
    let values: Vec<&str> = table.column(column).filter(|v| !is_missing(v)).collect();
    let distinct: BTreeSet<&str> = values.iter().copied().collect();
    if distinct.len() < 2 {
        return Err(EngineError::Data(format!(
            "the target `{target}` has {} distinct value{}; a model needs at least two to learn from",
            distinct.len(),
            if distinct.len() == 1 { "" } else { "s" }
        )));
    }
    if distinct.len() == 2 {
        return Ok(Task::BinaryClassification);
    }
    let numbers: Option<Vec<f64>> = distinct.iter().map(|v| parse_finite(v)).collect();
    match numbers {
        Some(numbers) => {
            let whole = numbers.iter().all(|v| v.fract() == 0.0);
            if whole && distinct.len() <= MAX_NUMERIC_CLASSES {
                Ok(Task::MulticlassClassification)
            } else {
                Ok(Task::Regression)
            }
        }
        None if distinct.len() <= MAX_CLASSES => Ok(Task::MulticlassClassification),
        None => Err(EngineError::Data(format!(
            "the target `{target}` has {} distinct labels that are not all numbers; \
             classification allows at most {MAX_CLASSES} classes",
            distinct.len()
        ))),
    }
}

/// The target's column index, or an error listing the columns there are.
pub(super) fn target_index(table: &Table, target: &str) -> Result<usize, EngineError> {
    table.column_index(target).ok_or_else(|| {
        EngineError::Data(format!(
            "there is no column `{target}`; the columns are {}",
            table.headers.join(", ")
        ))
    })
}
