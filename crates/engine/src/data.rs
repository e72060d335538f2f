//! Reading CSV text into a table, and a table into the numeric matrix a model trains on.

use ndarray::{Array1, Array2};

use crate::EngineError;

/// Largest CSV the engine accepts, in bytes. A browser tab holds the whole file in memory.
pub const MAX_BYTES: usize = 20 * 1024 * 1024;
/// Most data rows accepted (the header not counted).
pub const MAX_ROWS: usize = 200_000;
/// Most columns accepted.
pub const MAX_COLUMNS: usize = 500;

/// A CSV file as text cells: the header and the data rows, all of the same width.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Parses CSV text with a header row. Quoting follows RFC 4180; a UTF-8 BOM and blank lines
    /// are ignored; cells are trimmed.
    pub fn parse_csv(text: &str) -> Result<Self, EngineError> {
        if text.len() > MAX_BYTES {
            return Err(EngineError::Data(format!(
                "the file has {} bytes; the limit is {MAX_BYTES}",
                text.len()
            )));
        }
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| csv_error(&e, None))?
            .iter()
            .map(str::to_owned)
            .collect();
        if headers.is_empty() || headers.iter().all(String::is_empty) {
            return Err(EngineError::Csv {
                line: 1,
                column: None,
                message: "the header row is empty".into(),
            });
        }
        if headers.len() > MAX_COLUMNS {
            return Err(EngineError::Data(format!(
                "the file has {} columns; the limit is {MAX_COLUMNS}",
                headers.len()
            )));
        }
        for (i, name) in headers.iter().enumerate() {
            if name.is_empty() {
                return Err(EngineError::Csv {
                    line: 1,
                    column: None,
                    message: format!("column {} has no name in the header", i + 1),
                });
            }
            if headers[..i].contains(name) {
                return Err(EngineError::Csv {
                    line: 1,
                    column: Some(name.clone()),
                    message: "this column name appears twice in the header".into(),
                });
            }
        }
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| csv_error(&e, Some(&headers)))?;
            if rows.len() == MAX_ROWS {
                return Err(EngineError::Data(format!(
                    "the file has more than {MAX_ROWS} data rows"
                )));
            }
            rows.push(record.iter().map(str::to_owned).collect());
        }
        if rows.is_empty() {
            return Err(EngineError::Data(
                "the file has a header but no data rows".into(),
            ));
        }
        Ok(Self { headers, rows })
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }
}

fn csv_error(error: &csv::Error, headers: Option<&[String]>) -> EngineError {
    let line = error.position().map_or(1, csv::Position::line);
    let message = match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("this row has {len} fields; the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "the text is not valid UTF-8".to_owned(),
        _ => error.to_string(),
    };
    let column = match error.kind() {
        csv::ErrorKind::Utf8 { err, .. } => headers.and_then(|h| h.get(err.field())).cloned(),
        _ => None,
    };
    EngineError::Csv {
        line,
        column,
        message,
    }
}

/// What the model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    Regression,
    BinaryClassification,
}

/// Numeric features and target, standardised, ready for training.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub feature_names: Vec<String>,
    pub target_name: String,
    /// Class labels in sorted order; the index of a label is its class number. Empty for
    /// regression.
    pub classes: Vec<String>,
    pub features: Array2<f64>,
    pub target: Array1<f64>,
    pub standardizer: Standardizer,
}

impl Dataset {
    /// Uses every column but `target` as a numeric feature. Features are standardised to zero
    /// mean and unit variance so one learning rate suits every dataset.
    pub fn from_table(table: &Table, target: &str, task: Task) -> Result<Self, EngineError> {
        let target_index = table.column_index(target).ok_or_else(|| {
            EngineError::Data(format!(
                "there is no column `{target}`; the columns are {}",
                table.headers.join(", ")
            ))
        })?;
        let feature_columns: Vec<usize> = (0..table.headers.len())
            .filter(|&c| c != target_index)
            .collect();
        if feature_columns.is_empty() {
            return Err(EngineError::Data(
                "there are no feature columns besides the target".into(),
            ));
        }
        let mut features = Array2::zeros((table.rows.len(), feature_columns.len()));
        for (r, row) in table.rows.iter().enumerate() {
            for (f, &c) in feature_columns.iter().enumerate() {
                features[[r, f]] = parse_number(&row[c], r, &table.headers[c])?;
            }
        }
        let (target_values, classes) = match task {
            Task::Regression => {
                let values = table
                    .rows
                    .iter()
                    .enumerate()
                    .map(|(r, row)| parse_number(&row[target_index], r, target))
                    .collect::<Result<Vec<_>, _>>()?;
                (values, Vec::new())
            }
            Task::BinaryClassification => encode_binary(table, target_index)?,
        };
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
            standardizer,
        })
    }
}

/// Parses one cell; `row` is the 0-based data row, reported as its 1-based file line.
fn parse_number(cell: &str, row: usize, column: &str) -> Result<f64, EngineError> {
    let error = |message: String| EngineError::Csv {
        line: row as u64 + 2,
        column: Some(column.to_owned()),
        message,
    };
    if cell.is_empty() {
        return Err(error("the cell is empty (a missing value)".into()));
    }
    match cell.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(error(format!("`{cell}` is not a finite number"))),
        Err(_) => Err(error(format!("`{cell}` is not a number"))),
    }
}

fn encode_binary(table: &Table, target: usize) -> Result<(Vec<f64>, Vec<String>), EngineError> {
    let mut classes: Vec<String> = table.rows.iter().map(|row| row[target].clone()).collect();
    classes.sort();
    classes.dedup();
    if classes.len() != 2 {
        return Err(EngineError::Data(format!(
            "binary classification needs exactly two target values in `{}`; found {}",
            table.headers[target],
            classes.len()
        )));
    }
    let values = table
        .rows
        .iter()
        .map(|row| if row[target] == classes[1] { 1.0 } else { 0.0 })
        .collect();
    Ok((values, classes))
}

/// Per-column mean and scale, fitted once and applied as `(x - mean) / scale`.
#[derive(Debug, Clone, PartialEq)]
pub struct Standardizer {
    pub mean: Vec<f64>,
    pub scale: Vec<f64>,
}

impl Standardizer {
    /// Population standard deviation; a constant column keeps scale 1 so it stays finite.
    pub fn fit(features: &Array2<f64>) -> Self {
        let n = features.nrows() as f64;
        let mut mean = Vec::with_capacity(features.ncols());
        let mut scale = Vec::with_capacity(features.ncols());
        for column in features.columns() {
            let m = column.iter().sum::<f64>() / n;
            let var = column.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n;
            let sd = libm::sqrt(var);
            mean.push(m);
            scale.push(if sd > 0.0 { sd } else { 1.0 });
        }
        Self { mean, scale }
    }

    pub fn transform(&self, features: &mut Array2<f64>) {
        for mut row in features.rows_mut() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = (*v - self.mean[j]) / self.scale[j];
            }
        }
    }
}
