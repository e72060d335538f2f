//! Every class has enough rows: for classification, the rarest class has at least a share of
//! the labelled rows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::text::percent;
use super::{Check, CheckFamily, CheckOutcome, Context, Guide, fraction};
use crate::EngineError;
use crate::data::{Table, Task, is_missing};
use crate::metrics::Metric;

/// Classification: the rarest class has at least this share of rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ClassBalance {
    #[serde(default = "default_min_fraction")]
    pub min_fraction: f64,
}

/// The rarest class must be at least 5% of the rows by default.
fn default_min_fraction() -> f64 {
    0.05
}

impl Default for ClassBalance {
    fn default() -> Self {
        Self {
            min_fraction: default_min_fraction(),
        }
    }
}

impl Check for ClassBalance {
    fn id(&self) -> &'static str {
        "class_balance"
    }

    fn guide(&self) -> &'static Guide {
        &GUIDE
    }

    fn family(&self) -> CheckFamily {
        CheckFamily::Data
    }

    fn validate(&self) -> Result<(), EngineError> {
        fraction(self.id(), "min_fraction", self.min_fraction)
    }

    fn run(&self, context: &Context) -> Result<CheckOutcome, EngineError> {
        Ok(self.on(
            context.table,
            &context.preprocessing.target,
            context.preprocessing.task,
        ))
    }
}

static GUIDE: Guide = Guide {
    title: "Every class has enough rows",
    why: "When one class is rare, a model can score high accuracy by never predicting it. Knowing \
          the balance up front says which metrics can be trusted and what a trivial model would \
          score.",
    does: "For classification, counts the labels in the target column over the whole table, \
           leaving out missing cells, and finds the rarest class. It fails when that class is less \
           than min_fraction of the labelled rows (5% by default). Regression has no classes, so \
           it passes.",
    when_it_fails: "One class is rare. The model sees few examples of it and can score high \
                    accuracy while never predicting it, so accuracy stops being a fair measure. \
                    Sometimes the rare class is a typo: a misspelt label that forms a class of its \
                    own.",
    fix: "Check the rare label is spelt like the class it belongs to. If the imbalance is real, \
          collect more examples of the rare class if you can, and judge the model with \
          balanced_accuracy or macro_f1 rather than accuracy, in the baseline and threshold checks \
          too. Lower min_fraction only when the imbalance is understood and the metrics allow for \
          it.",
    source: "Google, Machine Learning Crash Course, \"Testing for Deploying Machine Learning \
             Models\": accuracy alone misleads when one class dominates; compare with the \
             baseline a trivial model reaches.",
};

impl ClassBalance {
    /// For classification, fails when the rarest label of `target` (non-missing cells) makes up
    /// less than `min_fraction` of the labelled rows. Regression has no classes and passes.
    pub fn on(&self, table: &Table, target: &str, task: Task) -> CheckOutcome {
        let min_fraction = self.min_fraction;

        if !task.is_classification() {
            return CheckOutcome::new(
                true,
                "Class balance applies to classification; this task is a regression.",
                Vec::new(),
            );
        }
        let Some(column) = table.column_index(target) else {
            return CheckOutcome::new(
                false,
                format!("There is no target column `{target}` to count classes in."),
                Vec::new(),
            );
        };
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for cell in table.column(column).filter(|v| !is_missing(v)) {
            *counts.entry(cell).or_insert(0) += 1;
        }
        let total: usize = counts.values().sum();
        // The rarest and the commonest; the first in text order among equals.
        let rarest = counts
            .iter()
            .fold(None, |best: Option<(&str, usize)>, (&k, &n)| {
                if best.is_none_or(|(_, b)| n < b) {
                    Some((k, n))
                } else {
                    best
                }
            });
        let largest = counts.values().copied().max().unwrap_or(0);
        let share = |n: usize| {
            if total == 0 {
                0.0
            } else {
                n as f64 / total as f64
            }
        };
        let (rare_label, rare_count) = rarest.unwrap_or(("", 0));
        let smallest = share(rare_count);
        let pass = total > 0 && smallest >= min_fraction;
        let summary = if total == 0 {
            format!("The target `{target}` has no labelled rows.")
        } else {
            format!(
                "The rarest class, `{rare_label}`, is {} of the rows ({rare_count} of {total}), {} \
             the {} asked for.",
                percent(smallest),
                if pass { "at least" } else { "below" },
                percent(min_fraction)
            )
        };
        CheckOutcome::new(
            pass,
            summary,
            vec![
                Metric::new("classes", counts.len() as f64),
                Metric::new("smallest_class_fraction", smallest),
                Metric::new("largest_class_fraction", share(largest)),
            ],
        )
    }
}
