//! Turning table cells into model features: numbers standardised, labels one-hot encoded. Both
//! are fitted on the training rows only, so nothing about the validation rows leaks into how the
//! training rows are scaled, and then applied unchanged to any rows (validation, a replay, new
//! data).

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use super::{ColumnKind, Table, is_missing, label_order};
use crate::EngineError;

/// Most model features one-hot encoding may produce.
const MAX_FEATURES: usize = 2_000;
/// Most numbers an encoded split may hold (rows × features): 200 MB of `f64`.
const MAX_ENCODED_VALUES: usize = 25_000_000;

/// Per-column mean and scale, fitted once and applied as `(x - mean) / scale`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Standardizer {
    pub mean: Vec<f64>,
    pub scale: Vec<f64>,
}

impl Standardizer {
    /// Fits every column: mean and population standard deviation, summed in row order. A
    /// constant column keeps scale 1 so it stays finite.
    pub fn fit(features: &Array2<f64>) -> Self {
        Self::fit_columns(features, &vec![true; features.ncols()], Centring::Mean)
    }

    /// Fits the columns marked `true`; the others get mean 0 and scale 1, which leaves them
    /// exactly as they are (one-hot columns stay 0 and 1).
    fn fit_columns(features: &Array2<f64>, standardise: &[bool], centring: Centring) -> Self {
        let mut mean = Vec::with_capacity(features.ncols());
        let mut scale = Vec::with_capacity(features.ncols());
        for (column, &fit) in features.columns().into_iter().zip(standardise) {
            if !fit || features.nrows() == 0 {
                mean.push(0.0);
                scale.push(1.0);
                continue;
            }
            let (m, s) = match centring {
                Centring::Mean => moments(column.iter()),
                Centring::None => (0.0, root_mean_square(column.iter())),
            };
            mean.push(m);
            scale.push(if s > 0.0 { s } else { 1.0 });
        }
        Self { mean, scale }
    }

    pub fn transform(&self, features: &mut Array2<f64>) {
        for mut row in features.rows_mut() {
            for ((v, m), s) in row.iter_mut().zip(&self.mean).zip(&self.scale) {
                *v = (*v - m) / s;
            }
        }
    }
}

/// Whether standardising subtracts the mean. A model without an intercept must see its features
/// uncentred, or "through the origin" would mean through the features' mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Centring {
    /// `(x − mean) / standard deviation`.
    Mean,
    /// `x / root mean square`: scaled only, so zero stays zero.
    None,
}

/// `√(Σ x² / n)`, a plain sum in the given order.
fn root_mean_square<'a>(values: impl Iterator<Item = &'a f64>) -> f64 {
    let (mut squares, mut n) = (0.0, 0usize);
    for v in values {
        squares += v * v;
        n += 1;
    }
    libm::sqrt(squares / n as f64)
}

/// Mean and population standard deviation, each a plain sum in the given order so every target
/// gets the same bits.
pub(super) fn moments<'a>(values: impl Iterator<Item = &'a f64> + Clone) -> (f64, f64) {
    let (mut sum, mut n) = (0.0, 0usize);
    for v in values.clone() {
        sum += v;
        n += 1;
    }
    let n = n as f64;
    let mean = sum / n;
    let mut squares = 0.0;
    for v in values {
        squares += (v - mean) * (v - mean);
    }
    (mean, libm::sqrt(squares / n))
}

/// How one table column becomes features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "encoding", rename_all = "snake_case", deny_unknown_fields)]
pub enum FeatureEncoding {
    /// One feature: the number, standardised.
    Numeric { column: String },
    /// One 0/1 feature per category seen in training, in [`label_order`]. A value not seen in
    /// training (or missing) sets none of them.
    OneHot {
        column: String,
        categories: Vec<String>,
    },
}

impl FeatureEncoding {
    pub fn column(&self) -> &str {
        match self {
            FeatureEncoding::Numeric { column } | FeatureEncoding::OneHot { column, .. } => column,
        }
    }

    fn width(&self) -> usize {
        match self {
            FeatureEncoding::Numeric { .. } => 1,
            FeatureEncoding::OneHot { categories, .. } => categories.len(),
        }
    }
}

/// The fitted feature encoding: which columns, their categories, and the standardiser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FittedEncoder {
    pub features: Vec<FeatureEncoding>,
    /// One mean and scale per output feature; identity for one-hot features.
    pub standardizer: Standardizer,
}

impl FittedEncoder {
    /// Fits on `rows` (0-based data rows) of `table`: categories are the values those rows hold,
    /// mean and scale those of those rows. `columns` are the feature columns and their kinds;
    /// identifiers are skipped.
    pub fn fit(
        table: &Table,
        columns: &[(usize, ColumnKind)],
        rows: &[usize],
    ) -> Result<Self, EngineError> {
        Self::fit_centred(table, columns, rows, Centring::Mean)
    }

    /// [`FittedEncoder::fit`], with numeric features centred or only scaled.
    pub(crate) fn fit_centred(
        table: &Table,
        columns: &[(usize, ColumnKind)],
        rows: &[usize],
        centring: Centring,
    ) -> Result<Self, EngineError> {
        let mut features = Vec::new();
        for &(c, kind) in columns {
            let column = table.headers.get(c).cloned().unwrap_or_default();
            match kind {
                ColumnKind::Identifier => {}
                ColumnKind::Numeric => features.push(FeatureEncoding::Numeric { column }),
                ColumnKind::Categorical | ColumnKind::Boolean => {
                    let mut categories: Vec<String> = rows
                        .iter()
                        .map(|&r| table.cell(r, c))
                        .filter(|v| !is_missing(v))
                        .map(str::to_owned)
                        .collect();
                    categories.sort_by(|a, b| label_order(a, b));
                    categories.dedup();
                    features.push(FeatureEncoding::OneHot { column, categories });
                }
            }
        }
        let mut encoder = Self {
            features,
            standardizer: Standardizer {
                mean: Vec::new(),
                scale: Vec::new(),
            },
        };
        let width = encoder.width();
        if width == 0 {
            return Err(EngineError::Data(
                "there are no feature columns besides the target and identifiers".into(),
            ));
        }
        if width > MAX_FEATURES {
            return Err(EngineError::Data(format!(
                "one-hot encoding makes {width} features; the limit is {MAX_FEATURES}. \
                 Mark columns with many distinct labels as `identifier` to leave them out"
            )));
        }
        let raw = encoder.encode_raw(table, rows)?;
        let standardise: Vec<bool> = encoder
            .features
            .iter()
            .flat_map(|f| {
                let numeric = matches!(f, FeatureEncoding::Numeric { .. });
                std::iter::repeat_n(numeric, f.width())
            })
            .collect();
        encoder.standardizer = Standardizer::fit_columns(&raw, &standardise, centring);
        let names = encoder.feature_names();
        let standardizer = &encoder.standardizer;
        for ((m, s), name) in standardizer
            .mean
            .iter()
            .zip(&standardizer.scale)
            .zip(&names)
        {
            if !(m.is_finite() && s.is_finite()) {
                return Err(EngineError::Data(format!(
                    "column `{name}` has values too large to standardise"
                )));
            }
        }
        Ok(encoder)
    }

    /// The model feature columns of each one-hot encoded column, in feature order.
    pub(crate) fn one_hot_groups(&self) -> Vec<std::ops::Range<usize>> {
        let mut groups = Vec::new();
        let mut start = 0;
        for f in &self.features {
            let end = start + f.width();
            if matches!(f, FeatureEncoding::OneHot { .. }) {
                groups.push(start..end);
            }
            start = end;
        }
        groups
    }

    /// Number of model features.
    pub fn width(&self) -> usize {
        self.features.iter().map(FeatureEncoding::width).sum()
    }

    /// Model feature names: a numeric column's own name, `column=category` for one-hot features.
    pub fn feature_names(&self) -> Vec<String> {
        let mut names = Vec::with_capacity(self.width());
        for f in &self.features {
            match f {
                FeatureEncoding::Numeric { column } => names.push(column.clone()),
                FeatureEncoding::OneHot { column, categories } => {
                    names.extend(categories.iter().map(|c| format!("{column}={c}")));
                }
            }
        }
        names
    }

    /// Encodes and standardises `rows` of `table` (any table with the fitted columns).
    pub fn transform(&self, table: &Table, rows: &[usize]) -> Result<Array2<f64>, EngineError> {
        let mut features = self.encode_raw(table, rows)?;
        self.standardizer.transform(&mut features);
        Ok(features)
    }

    /// Numbers as they are and one-hot 0/1, before standardising.
    fn encode_raw(&self, table: &Table, rows: &[usize]) -> Result<Array2<f64>, EngineError> {
        let width = self.width();
        if rows.len().saturating_mul(width) > MAX_ENCODED_VALUES {
            return Err(EngineError::Data(format!(
                "{} rows × {width} features is more than the {MAX_ENCODED_VALUES} values the \
                 engine holds",
                rows.len()
            )));
        }
        let mut sources = Vec::with_capacity(self.features.len());
        for f in &self.features {
            let c = table.column_index(f.column()).ok_or_else(|| {
                EngineError::Data(format!("the data has no column `{}`", f.column()))
            })?;
            sources.push(c);
        }
        let mut out = Array2::zeros((rows.len(), width));
        for (i, &r) in rows.iter().enumerate() {
            let mut j = 0;
            for (f, &c) in self.features.iter().zip(&sources) {
                match f {
                    FeatureEncoding::Numeric { .. } => {
                        out[[i, j]] = table.number(r, c)?;
                        j += 1;
                    }
                    FeatureEncoding::OneHot { categories, .. } => {
                        let cell = table.cell(r, c);
                        if let Ok(k) = categories.binary_search_by(|x| label_order(x, cell)) {
                            out[[i, j + k]] = 1.0;
                        }
                        j += categories.len();
                    }
                }
            }
        }
        Ok(out)
    }
}
