//! A summary of each column for the app to draw: counts, missing values, and either the
//! numbers' range, moments and histogram or the most common labels.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::encode::moments;
use super::{ColumnKind, ColumnSchema, Table, infer_schema, is_missing, label_order};

/// Equal-width bins in a numeric column's histogram.
pub(crate) const HISTOGRAM_BINS: usize = 10;
/// Most labels listed for a categorical column.
pub(crate) const TOP_CATEGORIES: usize = 10;

/// A label and how many rows hold it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryCount {
    pub value: String,
    pub count: usize,
}

/// One column, summarised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnProfile {
    pub name: String,
    pub kind: ColumnKind,
    /// Cells holding a value.
    pub count: usize,
    /// Cells that are empty or a missing-value token (see [`super::is_missing`]).
    pub missing: usize,
    /// Different values among the `count` cells, compared as text.
    pub distinct: usize,
    /// Numeric columns: over the finite values; `None` for other kinds or with no finite value.
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub mean: Option<f64>,
    /// Population standard deviation.
    pub std: Option<f64>,
    /// Numeric columns: rows per bin. [`HISTOGRAM_BINS`] equal-width bins from `min` to `max`,
    /// the last closed on the right; a single bin when every value is the same.
    pub histogram: Vec<u32>,
    /// The bins' edges, one more than bins.
    pub bin_edges: Vec<f64>,
    /// Categorical and boolean columns: the most common labels, most common first, ties in
    /// label order.
    pub top_categories: Vec<CategoryCount>,
}

/// Profiles every column of `table`, with kinds from `schema` (matched by name); a column the
/// schema does not name gets its inferred kind.
pub fn profile(table: &Table, schema: &[ColumnSchema]) -> Vec<ColumnProfile> {
    let inferred = infer_schema(table);
    inferred
        .into_iter()
        .enumerate()
        .map(|(c, column)| {
            let kind = schema
                .iter()
                .find(|s| s.name == column.name)
                .map_or(column.kind, |s| s.kind);
            profile_column(table, c, column.name, kind)
        })
        .collect()
}

fn profile_column(table: &Table, column: usize, name: String, kind: ColumnKind) -> ColumnProfile {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut missing = 0;
    for cell in table.column(column) {
        if is_missing(cell) {
            missing += 1;
        } else {
            *counts.entry(cell).or_insert(0) += 1;
        }
    }
    let count = table.row_count() - missing;
    let mut profile = ColumnProfile {
        name,
        kind,
        count,
        missing,
        distinct: counts.len(),
        min: None,
        max: None,
        mean: None,
        std: None,
        histogram: Vec::new(),
        bin_edges: Vec::new(),
        top_categories: Vec::new(),
    };
    match kind {
        ColumnKind::Numeric => {
            let values: Vec<f64> = table
                .column(column)
                .filter_map(|cell| cell.parse::<f64>().ok())
                .filter(|v| v.is_finite())
                .collect();
            add_numeric_summary(&mut profile, &values);
        }
        ColumnKind::Categorical | ColumnKind::Boolean => {
            let mut top: Vec<CategoryCount> = counts
                .into_iter()
                .map(|(value, count)| CategoryCount {
                    value: value.to_owned(),
                    count,
                })
                .collect();
            top.sort_by(|a, b| {
                b.count
                    .cmp(&a.count)
                    .then_with(|| label_order(&a.value, &b.value))
            });
            top.truncate(TOP_CATEGORIES);
            profile.top_categories = top;
        }
        ColumnKind::Identifier | ColumnKind::Date | ColumnKind::Ignored => {}
    }
    profile
}

fn add_numeric_summary(profile: &mut ColumnProfile, values: &[f64]) {
    let Some(&first) = values.first() else {
        return;
    };
    let (mut min, mut max) = (first, first);
    for &v in values {
        min = min.min(v);
        max = max.max(v);
    }
    let (mean, std) = moments(values.iter());
    profile.min = Some(min);
    profile.max = Some(max);
    profile.mean = Some(mean).filter(|m| m.is_finite());
    profile.std = Some(std).filter(|s| s.is_finite());
    if max > min {
        // Each edge a weighted mean of the ends, which stays finite even near the limits of f64.
        let edges: Vec<f64> = (0..=HISTOGRAM_BINS)
            .map(|i| match i {
                0 => min,
                HISTOGRAM_BINS => max,
                _ => {
                    let t = i as f64 / HISTOGRAM_BINS as f64;
                    min * (1.0 - t) + max * t
                }
            })
            .collect();
        // Bins are [left, right) except the last, which also holds `max`. Counting against the
        // edges themselves keeps a value that sits on an edge in the bin the edges show.
        let interior = &edges[1..HISTOGRAM_BINS];
        let mut histogram = vec![0u32; HISTOGRAM_BINS];
        for &v in values {
            let bin = interior.partition_point(|&e| e <= v);
            if let Some(count) = histogram.get_mut(bin) {
                *count = count.saturating_add(1);
            }
        }
        profile.histogram = histogram;
        profile.bin_edges = edges;
    } else {
        profile.histogram = vec![u32::try_from(values.len()).unwrap_or(u32::MAX)];
        profile.bin_edges = vec![min, max];
    }
}
