//! No missing values: every numeric cell is finite, every date a date, and no column misses a larger share of
//! its cells than allowed.

use serde::{Deserialize, Serialize};

use super::text::{percent, plural};
use super::{Check, CheckFamily, CheckOutcome, Context, Guide, fraction};
use crate::EngineError;
use crate::data::{ColumnKind, ColumnSchema, Table, is_missing, kinds_with, parse_date};
use crate::metrics::Metric;

/// Every numeric cell is finite, and no column has a larger share of missing cells.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NoMissingValues {
    #[serde(default)]
    pub max_fraction: f64,
}

impl Check for NoMissingValues {
    fn id(&self) -> &'static str {
        "no_missing_values"
    }

    fn guide(&self) -> &'static Guide {
        &GUIDE
    }

    fn family(&self) -> CheckFamily {
        CheckFamily::Data
    }

    fn validate(&self) -> Result<(), EngineError> {
        fraction(self.id(), "max_fraction", self.max_fraction)
    }

    fn run(&self, context: &Context) -> Result<CheckOutcome, EngineError> {
        Ok(self.on(context.table, &context.prepared.schema))
    }
}

static GUIDE: Guide = Guide {
    title: "No missing or non-finite values",
    why: "A model cannot learn from a blank cell or an infinite number. Rows quietly dropped or \
          filled in change what the model sees, so it is better to know how many there are \
          before training than to find out from a strange result.",
    does: "Looks at every cell of the table as read, before any row is dropped or filled. A cell \
           counts as missing when it is empty or says NA, N/A, nan or null, in upper or lower \
           case. The check fails if a cell in a numeric column is neither missing nor a finite \
           number (inf, or stray text), or one in a date column is not a date, or if any column \
           has a larger share of missing cells than max_fraction (0 by default: none allowed). \
           Ignored columns are not looked at.",
    when_it_fails: "The data has gaps or broken numbers. Typical causes are an export that writes \
                    blanks or NA for unknown values, a join that found no match for some rows, a \
                    unit or a word typed into a number column, or a number too large to store.",
    fix: "The summary names the first bad cell and its line: start there, and fix the export or \
          join that made it if you can. If some gaps are expected, decide what happens to them on \
          purpose: choose in the Data step whether rows with gaps are left out or their cells \
          filled (with the training rows' mean, median or most frequent value, or a category of \
          its own), and raise max_fraction to the share you accept, so a worse export still fails. \
          Text or inf in a number or date column has to be corrected; a larger share does not \
          allow it.",
    source: "Equal Experts, MLOps playbook, \"Testing through the ML pipeline\": test the data \
             preparation steps on their own, before they feed training.",
};

impl NoMissingValues {
    /// Fails when any numeric cell is not a finite number (`inf`, or text in a numeric column), or
    /// when some column has a larger share of missing cells (see [`is_missing`]) than
    /// `max_fraction`.
    pub fn on(&self, table: &Table, schema: &[ColumnSchema]) -> CheckOutcome {
        let max_fraction = self.max_fraction;

        let kinds = kinds_with(table, schema);
        let rows = table.row_count();
        let (mut missing_cells, mut non_finite_cells) = (0usize, 0usize);
        let mut first_non_finite: Option<(usize, usize)> = None;
        // The column with the largest share of missing cells; the first of equals.
        let mut worst: Option<(usize, usize)> = None;
        for (c, kind) in kinds.iter().enumerate() {
            if *kind == ColumnKind::Ignored {
                continue;
            }
            let mut missing = 0;
            for (r, cell) in table.column(c).enumerate() {
                let unreadable = match kind {
                    ColumnKind::Numeric => !cell.parse::<f64>().is_ok_and(f64::is_finite),
                    ColumnKind::Date => parse_date(cell).is_none(),
                    _ => false,
                };
                if is_missing(cell) {
                    missing += 1;
                } else if unreadable {
                    non_finite_cells += 1;
                    first_non_finite.get_or_insert((r, c));
                }
            }
            missing_cells += missing;
            if worst.is_none_or(|(_, m)| missing > m) {
                worst = Some((c, missing));
            }
        }
        let (worst_column, worst_missing) = worst.unwrap_or((0, 0));
        let worst_fraction = if rows == 0 {
            0.0
        } else {
            worst_missing as f64 / rows as f64
        };
        let name = |c: usize| table.headers.get(c).map_or("", String::as_str);
        // A NaN limit allows nothing.
        let too_many_missing = worst_fraction > max_fraction || max_fraction.is_nan();
        let summary = if let Some((r, c)) = first_non_finite {
            format!(
                "{non_finite_cells} numeric cell{} {} not a finite number, the first `{}` in column \
             `{}` on line {}.",
                plural(non_finite_cells),
                if non_finite_cells == 1 { "is" } else { "are" },
                table.cell(r, c),
                name(c),
                table.line_of(r)
            )
        } else if too_many_missing {
            format!(
                "Column `{}` misses {worst_missing} of {rows} values ({}), more than the {} allowed.",
                name(worst_column),
                percent(worst_fraction),
                percent(max_fraction)
            )
        } else if missing_cells == 0 {
            "No cell is missing and every number is finite.".to_owned()
        } else {
            format!(
                "The most incomplete column, `{}`, misses {} of its values, within the {} allowed.",
                name(worst_column),
                percent(worst_fraction),
                percent(max_fraction)
            )
        };
        CheckOutcome::new(
            non_finite_cells == 0 && !too_many_missing,
            summary,
            vec![
                Metric::new("missing_cells", missing_cells as f64),
                Metric::new("non_finite_cells", non_finite_cells as f64),
                Metric::new("worst_column_missing_fraction", worst_fraction),
            ],
        )
    }
}
