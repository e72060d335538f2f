//! Missing values: the policy a spec records ([`MissingValues`]), the fill values imputation
//! learns from the training rows, and the count of what a policy touches, shown before training.

use serde::{Deserialize, Serialize};

use super::{ColumnKind, Table, is_missing, label_order};

/// What to do with a missing value (an empty cell, NA, N/A, nan or null) in the target or a
/// feature column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum MissingValues {
    /// Leave the row out, and report its line.
    #[default]
    DropRows,
    /// Refuse the data, naming the first missing cell.
    Error,
    /// Keep the row and fill each missing feature cell with a value learnt from the training rows
    /// only. A row whose target (or time column) is missing is still left out: there is nothing
    /// to learn from or to order it by.
    Impute(Imputation),
}

/// How missing feature cells are filled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Imputation {
    /// For numeric and date columns.
    #[serde(default)]
    pub numeric: NumericFill,
    /// For categorical and yes/no columns.
    #[serde(default)]
    pub categorical: CategoricalFill,
}

/// The value a missing number (or date) becomes, from the column's training values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum NumericFill {
    /// Their mean (summed in row order).
    #[default]
    Mean,
    /// Their median (the mean of the middle two for an even count).
    Median,
    /// Their most frequent value (the smallest of equally frequent ones).
    MostFrequent,
}

/// What a missing label becomes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CategoricalFill {
    /// The most frequent label in the training rows (the first in label order of equally
    /// frequent ones).
    #[default]
    MostFrequent,
    /// A category of its own, `column=(missing)`: that a value is missing may itself predict.
    OwnCategory,
}

impl MissingValues {
    /// The imputation, when the policy fills cells.
    pub fn imputation(self) -> Option<Imputation> {
        match self {
            MissingValues::Impute(imputation) => Some(imputation),
            MissingValues::DropRows | MissingValues::Error => None,
        }
    }
}

/// The fill for numbers `values` (not empty) under `rule`.
pub(super) fn numeric_fill(values: &mut [f64], rule: NumericFill) -> f64 {
    match rule {
        NumericFill::Mean => values.iter().sum::<f64>() / values.len() as f64,
        NumericFill::Median => {
            values.sort_by(f64::total_cmp);
            let middle = values.len() / 2;
            if values.len() % 2 == 1 {
                values[middle]
            } else {
                (values[middle - 1] + values[middle]) / 2.0
            }
        }
        NumericFill::MostFrequent => {
            values.sort_by(f64::total_cmp);
            let mut best = (values[0], 0usize);
            for run in values.chunk_by(|a, b| a == b) {
                if run.len() > best.1 {
                    best = (run[0], run.len());
                }
            }
            best.0
        }
    }
}

/// The most frequent of `labels` (not empty), the first in label order among equals.
pub(super) fn most_frequent_label(labels: &mut [&str]) -> String {
    labels.sort_by(|a, b| label_order(a, b));
    let mut best = ("", 0usize);
    for run in labels.chunk_by(|a, b| a == b) {
        if run.len() > best.1 {
            best = (run[0], run.len());
        }
    }
    best.0.to_owned()
}

/// What a missing-value policy would touch, counted before anything trains.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MissingCount {
    /// Rows with a missing target (or time column): left out under every policy but `Error`.
    pub rows_without_target: usize,
    /// Other rows with at least one missing feature cell: left out when dropping rows, filled
    /// when imputing.
    pub rows_with_missing_features: usize,
    /// Missing feature cells in those rows, per column with any, in column order.
    pub cells_by_column: Vec<(String, usize)>,
}

impl MissingCount {
    pub fn cells(&self) -> usize {
        self.cells_by_column.iter().map(|(_, n)| n).sum()
    }

    /// Rows the policy leaves out of training and validation.
    pub fn rows_left_out(&self, policy: MissingValues) -> usize {
        match policy {
            MissingValues::DropRows => self.rows_without_target + self.rows_with_missing_features,
            MissingValues::Impute(_) => self.rows_without_target,
            MissingValues::Error => 0,
        }
    }
}

/// Counts missing cells of `table`: `required` are the columns a row cannot do without (the
/// target, a time column), `kinds` every column's kind.
pub(super) fn count_missing(
    table: &Table,
    required: &[usize],
    kinds: &[ColumnKind],
) -> MissingCount {
    let mut count = MissingCount::default();
    let mut by_column = vec![0usize; table.headers.len()];
    for r in 0..table.row_count() {
        if required.iter().any(|&c| is_missing(table.cell(r, c))) {
            count.rows_without_target += 1;
            continue;
        }
        let mut any = false;
        for (c, kind) in kinds.iter().enumerate() {
            if kind.is_feature() && !required.contains(&c) && is_missing(table.cell(r, c)) {
                by_column[c] += 1;
                any = true;
            }
        }
        count.rows_with_missing_features += usize::from(any);
    }
    count.cells_by_column = table
        .headers
        .iter()
        .zip(by_column)
        .filter(|&(_, n)| n > 0)
        .map(|(name, n)| (name.clone(), n))
        .collect();
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_fills() {
        let fill = |values: &[f64], rule| numeric_fill(&mut values.to_vec(), rule);
        assert_eq!(fill(&[1.0, 2.0, 6.0], NumericFill::Mean), 3.0);
        assert_eq!(fill(&[6.0, 1.0, 2.0], NumericFill::Median), 2.0);
        assert_eq!(fill(&[6.0, 1.0, 2.0, 4.0], NumericFill::Median), 3.0);
        assert_eq!(
            fill(&[5.0, 1.0, 5.0, 1.0, 2.0], NumericFill::MostFrequent),
            1.0
        );
        assert_eq!(fill(&[5.0, 1.0, 5.0, 2.0], NumericFill::MostFrequent), 5.0);
        assert_eq!(fill(&[7.0], NumericFill::Median), 7.0);
    }

    #[test]
    fn the_most_frequent_label_and_its_tie_break() {
        assert_eq!(most_frequent_label(&mut ["b", "a", "b", "c"]), "b");
        assert_eq!(most_frequent_label(&mut ["b", "a", "b", "a"]), "a");
        assert_eq!(most_frequent_label(&mut ["10", "2", "10", "2"]), "2");
    }
}
