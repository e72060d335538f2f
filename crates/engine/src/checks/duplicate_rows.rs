//! No repeated rows: at most a share of rows repeats an earlier row, cell for cell.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::text::percent;
use super::{Check, CheckFamily, CheckOutcome, Context, Guide, fraction};
use crate::EngineError;
use crate::data::{Row, Table};
use crate::metrics::Metric;

/// At most this fraction of rows repeats an earlier row.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NoDuplicateRows {
    #[serde(default)]
    pub max_fraction: f64,
}

impl Check for NoDuplicateRows {
    fn id(&self) -> &'static str {
        "no_duplicate_rows"
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
        Ok(self.on(context.table))
    }
}

static GUIDE: Guide = Guide {
    title: "No repeated rows",
    why: "A row that appears twice counts twice in training, and can land in both training and \
          validation, which makes the model look better than it is.",
    does: "Compares every row with the rows before it, cell for cell as written in the file and \
           target included (so 1 and 1.0 differ), and counts the rows that repeat an earlier one \
           exactly. It fails when those repeats are a larger share of all rows than max_fraction \
           (0 by default: no repeat allowed).",
    when_it_fails: "The same records got into the file more than once, usually because data was \
                    appended twice or a join matched one row to several. Now and then identical \
                    records are real, such as two people who gave the same answers.",
    fix: "The summary names one repeated pair of lines: find the step that copied it and fix that \
          step, or remove the repeats before loading. If identical records are genuine, allow \
          their share with max_fraction, and keep the overlap check on, since genuine copies can \
          still land in both training and validation.",
    source: "Equal Experts, MLOps playbook, \"Testing through the ML pipeline\": unit-test the \
             data transformations that build the training set.",
};

impl NoDuplicateRows {
    /// Fails when the share of rows identical (cell for cell) to an earlier row exceeds
    /// `max_fraction`; with the default 0, when there is any.
    pub fn on(&self, table: &Table) -> CheckOutcome {
        let max_fraction = self.max_fraction;

        let mut first_seen: BTreeMap<Row, usize> = BTreeMap::new();
        let mut duplicates = 0usize;
        let mut example: Option<(usize, usize)> = None;
        for (r, row) in table.rows().enumerate() {
            match first_seen.get(&row) {
                Some(&earlier) => {
                    duplicates += 1;
                    example.get_or_insert((r, earlier));
                }
                None => {
                    first_seen.insert(row, r);
                }
            }
        }
        let rows = table.row_count();
        let fraction = if rows == 0 {
            0.0
        } else {
            duplicates as f64 / rows as f64
        };
        let pass = fraction <= max_fraction;
        let summary = match example {
            None => format!("None of the {rows} rows repeats another."),
            Some((r, earlier)) => format!(
                "Line {} repeats line {}; {duplicates} of {rows} rows ({}) are repeats, {} the {} \
             allowed.",
                table.line_of(r),
                table.line_of(earlier),
                percent(fraction),
                if pass { "within" } else { "more than" },
                percent(max_fraction)
            ),
        };
        CheckOutcome::new(
            pass,
            summary,
            vec![
                Metric::new("duplicate_rows", duplicates as f64),
                Metric::new("duplicate_fraction", fraction),
            ],
        )
    }
}
