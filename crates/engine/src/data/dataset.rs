//! [`Dataset`]: numeric features and target, the shape models and checks train on.

use ndarray::{Array1, Array2};

use super::schema::target_index;
use super::{MAX_CLASSES, Standardizer, Table, Task, is_missing, label_order};
use crate::EngineError;

/// Numeric features and target, ready for training.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub feature_names: Vec<String>,
    pub target_name: String,
    /// Class labels in [`label_order`]; the index of a label is its class number. Empty for
    /// regression.
    pub classes: Vec<String>,
    pub features: Array2<f64>,
    /// The value for regression; the class number (0, 1, …) as `f64` for classification.
    pub target: Array1<f64>,
}

impl Dataset {
    /// Uses every column but `target` as a numeric feature, every row, and standardises the
    /// features to zero mean and unit variance over all rows so one learning rate suits every
    /// dataset. The quick path with no split; [`super::prepare`] is the full one.
    pub fn from_table(table: &Table, target: &str, task: Task) -> Result<Self, EngineError> {
        let target_column = target_index(table, target)?;
        let feature_columns: Vec<usize> = (0..table.headers.len())
            .filter(|&c| c != target_column)
            .collect();
        if feature_columns.is_empty() {
            return Err(EngineError::Data(
                "there are no feature columns besides the target".into(),
            ));
        }
        let mut features = Array2::zeros((table.row_count(), feature_columns.len()));
        for r in 0..table.row_count() {
            for (f, &c) in feature_columns.iter().enumerate() {
                features[[r, f]] = table.number(r, c)?;
            }
        }
        let rows: Vec<usize> = (0..table.row_count()).collect();
        let (target_values, classes) = encode_target(table, target_column, &rows, task)?;
        let standardizer = Standardizer::fit(&features);
        standardizer.transform(&mut features);
        Ok(Self {
            feature_names: feature_columns
                .iter()
                .map(|&c| table.headers[c].clone())
                .collect(),
            target_name: target.to_owned(),
            classes,
            features,
            target: Array1::from(target_values),
        })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.target.len()
    }

    pub fn is_empty(&self) -> bool {
        self.target.is_empty()
    }
}

/// The target of `rows` as numbers: the value for regression, the class index for
/// classification, with the classes (sorted) that the indices refer to.
pub(super) fn encode_target(
    table: &Table,
    column: usize,
    rows: &[usize],
    task: Task,
) -> Result<(Vec<f64>, Vec<String>), EngineError> {
    if task == Task::Regression {
        let values = rows
            .iter()
            .map(|&r| table.number(r, column))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok((values, Vec::new()));
    }
    let name = table.headers.get(column).map_or("", String::as_str);
    if let Some(&r) = rows.iter().find(|&&r| is_missing(table.cell(r, column))) {
        return Err(EngineError::Csv {
            line: table.line_of(r),
            column: Some(name.to_owned()),
            message: "the target label is missing".into(),
        });
    }
    let mut classes: Vec<&str> = rows.iter().map(|&r| table.cell(r, column)).collect();
    classes.sort_by(|a, b| label_order(a, b));
    classes.dedup();
    let wrong_count = match task {
        Task::BinaryClassification => classes.len() != 2,
        _ => !(2..=MAX_CLASSES).contains(&classes.len()),
    };
    if wrong_count {
        let wanted = match task {
            Task::BinaryClassification => "exactly two".to_owned(),
            _ => format!("between 2 and {MAX_CLASSES}"),
        };
        return Err(EngineError::Data(format!(
            "{} classification needs {wanted} target values in `{name}`; found {}",
            if task == Task::BinaryClassification {
                "binary"
            } else {
                "multiclass"
            },
            classes.len()
        )));
    }
    let values = rows
        .iter()
        .map(|&r| {
            let cell = table.cell(r, column);
            classes
                .binary_search_by(|c| label_order(c, cell))
                .map_or(f64::NAN, |k| k as f64)
        })
        .collect();
    Ok((values, classes.into_iter().map(str::to_owned).collect()))
}
