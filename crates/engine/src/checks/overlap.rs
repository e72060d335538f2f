//! Validation rows are new to the model: no validation row has a training row's features.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::text::percent;
use super::{Check, CheckFamily, CheckOutcome, Context, Guide};
use crate::EngineError;
use crate::data::{Prepared, Table};
use crate::metrics::Metric;

/// No validation row also appears in training (leakage), beyond an allowance a reviewer
/// agreed to (a known repeated record, say).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NoTrainValidationOverlap {
    /// Share of validation rows that may repeat a training row's features (0 by default).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub max_fraction: f64,
}

fn is_zero(value: &f64) -> bool {
    *value == 0.0
}

impl Check for NoTrainValidationOverlap {
    fn id(&self) -> &'static str {
        "no_train_validation_overlap"
    }

    fn guide(&self) -> &'static Guide {
        &GUIDE
    }

    fn validate(&self) -> Result<(), EngineError> {
        super::fraction(self.id(), "max_fraction", self.max_fraction)
    }

    fn family(&self) -> CheckFamily {
        CheckFamily::Data
    }

    fn run(&self, context: &Context) -> Result<CheckOutcome, EngineError> {
        Ok(self.on(context.table, context.prepared))
    }
}

static GUIDE: Guide = Guide {
    title: "Validation rows are new to the model",
    why: "The validation split stands in for data the model has never seen. A validation row \
          identical to a training row tests memory, not learning, and inflates every score \
          measured on it.",
    does: "Encodes both splits exactly as the model sees them (numbers rescaled, categories turned \
           into 0/1 columns) and looks for validation rows whose features are identical to a \
           training row's. The target is not compared, and identifier columns are not features. A \
           single such row fails the check, unless max_fraction allows a share of them (a repeated \
           record a reviewer looked at and accepted).",
    when_it_fails: "Some rows the model is scored on are, as far as it can tell, rows it trained \
                    on, so validation scores partly measure memory and look better than they \
                    should. Usually the data holds repeated rows that the random split put on both \
                    sides; sometimes distinct records share every feature value.",
    fix: "Remove repeated rows before splitting (see the repeated rows check). If several rows \
          describe the same thing, such as one patient or one customer, keep one row each so \
          copies cannot end up on both sides. If distinct records collide because the features are \
          coarse, add a feature that tells them apart, or switch the check off in review with a \
          note saying why.",
    source: "Google, Machine Learning Crash Course, \"Testing for Deploying Machine Learning \
             Models\": hold every version to a fixed bar on a validation set, which only works \
             if that set is kept apart from training.",
};

impl NoTrainValidationOverlap {
    /// Fails when any validation row has exactly the same encoded features as a training row: the
    /// validation score would then partly measure memory. `table` is the one `prepared` came from,
    /// used to name lines.
    pub fn on(&self, table: &Table, prepared: &Prepared) -> CheckOutcome {
        let mut train_keys: BTreeMap<Vec<u64>, usize> = BTreeMap::new();
        for (i, row) in prepared.train.features.rows().into_iter().enumerate() {
            train_keys.entry(row_key(row)).or_insert(i);
        }
        let mut overlapping = 0usize;
        let mut example: Option<(usize, usize)> = None;
        for (i, row) in prepared.validation.features.rows().into_iter().enumerate() {
            if let Some(&t) = train_keys.get(&row_key(row)) {
                overlapping += 1;
                example.get_or_insert((i, t));
            }
        }
        let total = prepared.validation.features.nrows();
        let fraction = if total == 0 {
            0.0
        } else {
            overlapping as f64 / total as f64
        };
        let line = |rows: &[usize], i: usize| rows.get(i).map_or(0, |&r| table.line_of(r));
        let summary = match example {
            None => {
                format!(
                    "None of the {total} validation rows has the same features as a training row."
                )
            }
            Some((v, t)) => format!(
                "{overlapping} of {total} validation rows ({}) have the same features as a training \
             row, for example line {} and line {}; {} {} allowed.",
                percent(fraction),
                line(&prepared.validation_rows, v),
                line(&prepared.train_rows, t),
                if fraction <= self.max_fraction {
                    "within the"
                } else {
                    "more than the"
                },
                percent(self.max_fraction)
            ),
        };
        CheckOutcome::new(
            fraction <= self.max_fraction,
            summary,
            vec![
                Metric::new("overlapping_rows", overlapping as f64),
                Metric::new("overlap_fraction", fraction),
            ],
        )
    }
}

/// A row's feature bits, with -0 read as 0 so equal numbers compare equal.
fn row_key(row: ndarray::ArrayView1<f64>) -> Vec<u64> {
    row.iter()
        .map(|&v| if v == 0.0 { 0 } else { v.to_bits() })
        .collect()
}
