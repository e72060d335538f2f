//! Turning table cells into model features: numbers standardised, labels one-hot encoded. Both
//! are fitted on the training rows only, so nothing about the validation rows leaks into how the
//! training rows are scaled, and then applied unchanged to any rows (validation, a replay, new
//! data).

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use super::date::{DATE_FEATURES, date_features, parse_date};
use super::missing::{CategoricalFill, Imputation, most_frequent_label, numeric_fill};
use super::{ColumnKind, Table, is_missing, label_order};
use crate::EngineError;

/// Most model features one-hot encoding may produce.
const MAX_FEATURES: usize = 2_000;
/// Most numbers an encoded split may hold (rows × features): 200 MB of `f64`.
const MAX_ENCODED_VALUES: usize = 25_000_000;

/// The encoding of column `c` of kind `kind`, fitted on `rows` (none for a column that is not a
/// feature). With `imputation`, each gets the fill its missing cells take.
fn fit_column(
    table: &Table,
    c: usize,
    kind: ColumnKind,
    rows: &[usize],
    imputation: Option<Imputation>,
) -> Result<Option<FeatureEncoding>, EngineError> {
    let column = table.headers.get(c).cloned().unwrap_or_default();
    let present = || rows.iter().filter(|&&r| !is_missing(table.cell(r, c)));
    let nothing_to_impute_from = || {
        EngineError::Data(format!(
            "column `{column}` has no value in the training rows to fill its missing cells \
             with; mark it ignored"
        ))
    };
    Ok(Some(match kind {
        ColumnKind::Identifier | ColumnKind::Ignored => return Ok(None),
        ColumnKind::Numeric | ColumnKind::Date => {
            let fill = match imputation {
                None => None,
                Some(imputation) => {
                    let mut values = present()
                        .map(|&r| match kind {
                            ColumnKind::Date => date_cell(table, r, c),
                            _ => table.number(r, c),
                        })
                        .collect::<Result<Vec<f64>, EngineError>>()?;
                    if values.is_empty() {
                        return Err(nothing_to_impute_from());
                    }
                    Some(numeric_fill(&mut values, imputation.numeric))
                }
            };
            if kind == ColumnKind::Date {
                FeatureEncoding::Date { column, fill }
            } else {
                FeatureEncoding::Numeric { column, fill }
            }
        }
        ColumnKind::Categorical | ColumnKind::Boolean => {
            let mut labels: Vec<&str> = present().map(|&r| table.cell(r, c)).collect();
            let (fill, missing_category) = match imputation.map(|i| i.categorical) {
                None => (None, false),
                Some(CategoricalFill::OwnCategory) => (None, true),
                Some(CategoricalFill::MostFrequent) if labels.is_empty() => {
                    return Err(nothing_to_impute_from());
                }
                Some(CategoricalFill::MostFrequent) => {
                    (Some(most_frequent_label(&mut labels)), false)
                }
            };
            let mut categories: Vec<String> = labels.into_iter().map(str::to_owned).collect();
            categories.sort_by(|a, b| label_order(a, b));
            categories.dedup();
            FeatureEncoding::OneHot {
                column,
                categories,
                fill,
                missing_category,
            }
        }
    }))
}

/// The cell at `row`, `column` as a date's day number, or an error naming its line and column.
fn date_cell(table: &Table, row: usize, column: usize) -> Result<f64, EngineError> {
    let cell = table.cell(row, column);
    parse_date(cell).ok_or_else(|| EngineError::Csv {
        line: table.line_of(row),
        column: table.headers.get(column).cloned(),
        message: if is_missing(cell) {
            "the date is missing".into()
        } else {
            format!("`{cell}` is not a date such as 2024-03-31")
        },
    })
}

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

/// How one table column becomes features. A `fill` is what a missing cell becomes (learnt from
/// the training rows when the spec imputes); without one a missing cell is an error, or for
/// labels sets no category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "encoding", rename_all = "snake_case", deny_unknown_fields)]
pub enum FeatureEncoding {
    /// One feature: the number, standardised.
    Numeric {
        column: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fill: Option<f64>,
    },
    /// Three features, each standardised: the days since 1970-01-01, the month and the day of
    /// the week ([`DATE_FEATURES`]). The fill is a day number.
    Date {
        column: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fill: Option<f64>,
    },
    /// One 0/1 feature per category seen in training, in [`label_order`], then one for a
    /// missing value when missing values are a category of their own. A value not seen in
    /// training (or missing, without a fill or its own category) sets none of them.
    OneHot {
        column: String,
        categories: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fill: Option<String>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        missing_category: bool,
    },
}

/// The name of the feature a missing label sets when missing values are a category of their own.
pub const MISSING_CATEGORY: &str = "(missing)";

impl FeatureEncoding {
    pub fn column(&self) -> &str {
        match self {
            FeatureEncoding::Numeric { column, .. }
            | FeatureEncoding::Date { column, .. }
            | FeatureEncoding::OneHot { column, .. } => column,
        }
    }

    pub(crate) fn width(&self) -> usize {
        match self {
            FeatureEncoding::Numeric { .. } => 1,
            FeatureEncoding::Date { .. } => DATE_FEATURES.len(),
            FeatureEncoding::OneHot {
                categories,
                missing_category,
                ..
            } => categories.len() + usize::from(*missing_category),
        }
    }

    /// Whether its features are standardised (numbers and dates) rather than left 0/1.
    pub(crate) fn is_standardised(&self) -> bool {
        !matches!(self, FeatureEncoding::OneHot { .. })
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
        Self::fit_centred(table, columns, rows, Centring::Mean, None)
    }

    /// [`FittedEncoder::fit`], with numeric features centred or only scaled, and missing cells
    /// filled by `imputation` when given.
    pub(crate) fn fit_centred(
        table: &Table,
        columns: &[(usize, ColumnKind)],
        rows: &[usize],
        centring: Centring,
        imputation: Option<Imputation>,
    ) -> Result<Self, EngineError> {
        let mut features = Vec::new();
        for &(c, kind) in columns {
            features.extend(fit_column(table, c, kind, rows, imputation)?);
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
            .flat_map(|f| std::iter::repeat_n(f.is_standardised(), f.width()))
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
            if !f.is_standardised() {
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

    /// Model feature names: a numeric column's own name, `column:days` (`:month`, `:weekday`)
    /// for a date, `column=category` for one-hot features (`column=(missing)` for a missing
    /// value's own category).
    pub fn feature_names(&self) -> Vec<String> {
        let mut names = Vec::with_capacity(self.width());
        for f in &self.features {
            match f {
                FeatureEncoding::Numeric { column, .. } => names.push(column.clone()),
                FeatureEncoding::Date { column, .. } => {
                    names.extend(DATE_FEATURES.iter().map(|part| format!("{column}:{part}")));
                }
                FeatureEncoding::OneHot {
                    column,
                    categories,
                    missing_category,
                    ..
                } => {
                    names.extend(categories.iter().map(|c| format!("{column}={c}")));
                    if *missing_category {
                        names.push(format!("{column}={MISSING_CATEGORY}"));
                    }
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
                let cell = table.cell(r, c);
                match f {
                    FeatureEncoding::Numeric { fill, .. } => {
                        out[[i, j]] = match fill {
                            Some(fill) if is_missing(cell) => *fill,
                            _ => table.number(r, c)?,
                        };
                    }
                    FeatureEncoding::Date { fill, .. } => {
                        let days = match fill {
                            Some(fill) if is_missing(cell) => *fill,
                            _ => date_cell(table, r, c)?,
                        };
                        for (k, value) in date_features(days).into_iter().enumerate() {
                            out[[i, j + k]] = value;
                        }
                    }
                    FeatureEncoding::OneHot {
                        categories,
                        fill,
                        missing_category,
                        ..
                    } => {
                        let missing = is_missing(cell);
                        let value = match fill {
                            Some(fill) if missing => fill.as_str(),
                            _ => cell,
                        };
                        if *missing_category && missing {
                            out[[i, j + categories.len()]] = 1.0;
                        } else if let Ok(k) = categories.binary_search_by(|x| label_order(x, value))
                        {
                            out[[i, j + k]] = 1.0;
                        }
                    }
                }
                j += f.width();
            }
        }
        Ok(out)
    }
}
