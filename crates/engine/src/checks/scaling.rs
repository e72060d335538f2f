//! Preprocessing fitted on the training rows only: the scaler never saw a validation row.

use serde::{Deserialize, Serialize};

use super::{Check, CheckFamily, CheckOutcome, Context, Guide, Plan};
use crate::EngineError;
use crate::metrics::Metric;
use crate::mutation::standardised_columns;

/// How far a standardised training column's mean may be from 0, and its spread from 1.
const TOLERANCE: f64 = 1e-9;

/// Every standardised feature has mean 0 and standard deviation 1 over the training rows (root
/// mean square 1 when the model fits no intercept), as a scaler fitted on them alone gives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(transform = super::no_parameters))]
#[serde(deny_unknown_fields)]
pub struct PreprocessingFitOnTrainingRows {}

impl Check for PreprocessingFitOnTrainingRows {
    fn id(&self) -> &'static str {
        "preprocessing_fit_on_training_rows"
    }

    fn guide(&self) -> &'static Guide {
        &GUIDE
    }

    fn family(&self) -> CheckFamily {
        CheckFamily::Data
    }

    /// A pass over the training features.
    fn work(&self, plan: &Plan) -> Result<f64, EngineError> {
        Ok((plan.train_rows * plan.features.max(1)) as f64)
    }

    fn run(&self, context: &Context) -> Result<CheckOutcome, EngineError> {
        let train = &context.train.features;
        let centred = context.config.fit_intercept;
        let mut worst = (0.0f64, String::new());
        for ((column, standardised), name) in train
            .columns()
            .into_iter()
            .zip(standardised_columns(context.prepared))
            .zip(&context.train.feature_names)
        {
            if !standardised || column.is_empty() {
                continue;
            }
            let n = column.len() as f64;
            let mean = column.sum() / n;
            let centre = if centred { mean } else { 0.0 };
            let spread = libm::sqrt(
                column
                    .iter()
                    .map(|v| (v - centre) * (v - centre))
                    .sum::<f64>()
                    / n,
            );
            // A constant column is left as it is (scale 1): nothing to judge.
            if spread == 0.0 {
                continue;
            }
            let gap = if centred { mean.abs() } else { 0.0f64 }.max((spread - 1.0).abs());
            if gap > worst.0 {
                worst = (gap, name.clone());
            }
        }
        let (gap, feature) = worst;
        let passed = gap <= TOLERANCE;
        let target = if centred {
            "mean 0 and standard deviation 1"
        } else {
            "root mean square 1"
        };
        let summary = if passed {
            format!("Every standardised feature has {target} over the training rows.")
        } else {
            format!(
                "`{feature}` is off {target} over the training rows by {gap:.2e}: the scaler was \
                 fitted on other rows too (validation rows?), so validation scores are measured on \
                 rows the preprocessing already saw."
            )
        };
        Ok(CheckOutcome::new(
            passed,
            summary,
            vec![Metric::new("largest_gap", gap)],
        ))
    }
}

static GUIDE: Guide = Guide {
    title: "Preprocessing learnt from the training rows only",
    why: "Scaling, filling gaps and encoding learn numbers from data. Learnt on every row, they \
          carry a little of the validation rows into training, and the validation score no longer \
          measures how the model does on data it has never seen. The mistake is easy to make \
          (fit_transform before the split) and invisible in the scores.",
    does: "Looks at the features the model trains on: every standardised column (numbers and \
           dates; not 0/1 category columns) must have mean 0 and standard deviation 1 over the \
           training rows, within a billionth, which is what a scaler fitted on those rows alone \
           gives (root mean square 1 when the model fits no intercept). Constant columns are \
           skipped.",
    when_it_fails: "The scaler's statistics came from other rows as well, usually the whole table \
                    before it was split, or the validation rows were transformed with statistics \
                    refitted on them.",
    fix: "Split first, fit every preprocessing step on the training rows, then apply the fitted \
          steps unchanged to the validation rows (and in serving). A pipeline object that is fitted \
          only inside the training step makes this hard to get wrong.",
    source: "Google, Machine Learning Crash Course, \"Testing for Deploying Machine Learning \
             Models\" (keep validation data apart from training); Equal Experts, MLOps playbook, \
             \"Testing through the ML pipeline\": unit-test each data transformation.",
};
