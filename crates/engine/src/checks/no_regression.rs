//! No regression: the new version is no worse than the previous one on the same data.

use super::{Check, CheckOutcome, Context, Guide, Plan, non_negative};
use crate::EngineError;
use crate::metrics::{Metric, MetricName};
use serde::{Deserialize, Serialize};

/// A validation metric is no worse than the previous revision's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NoRegression {
    pub metric: MetricName,
    #[serde(default)]
    pub tolerance: f64,
    /// Read `tolerance` as a fraction of the previous value.
    #[serde(default)]
    pub relative: bool,
}

impl Check for NoRegression {
    fn id(&self) -> &'static str {
        "no_regression"
    }

    fn guide(&self) -> &'static Guide {
        &GUIDE
    }

    fn validate(&self) -> Result<(), EngineError> {
        non_negative(self.id(), "tolerance", self.tolerance)
    }

    fn work(&self, plan: &Plan) -> Result<f64, EngineError> {
        plan.measures(self.metric)?;
        Ok(plan.predicting(plan.validation_rows))
    }

    fn run(&self, context: &Context) -> Result<CheckOutcome, EngineError> {
        run(context, self.metric, self.tolerance, self.relative)
    }
}

static GUIDE: Guide = Guide {
    title: "No worse than the previous version",
    why: "A sudden drop between two versions on the same validation data is the clearest sign a \
          change broke something. The spec keeps the previous revision's metrics, so the old \
          model is not needed to compare.",
    does: "Scores the trained model on the validation split and compares the score with the same \
           metric recorded by the spec's previous revision. It fails when the new score is worse \
           by more than the tolerance (0 by default), read as an absolute amount, or as a fraction \
           of the previous score when relative is set. With no earlier score recorded it passes, \
           and this run becomes the reference.",
    when_it_fails: "Something that changed between the two revisions made the model worse on the \
                    validation data: the data, the features, the settings or the code. A drop can \
                    also be on purpose, for example after moving to a harder or fairer validation \
                    set.",
    fix: "Put the two revisions side by side and undo their differences one at a time until the \
          score comes back. If the drop is intended and agreed, say why in the revision and raise \
          the tolerance in review. To judge a fair tolerance, see how much the score moves between \
          seeds (extra seeds in the reproducible training check).",
    source: "Google, Machine Learning Crash Course, \"Testing for Deploying Machine Learning \
             Models\": check for sudden degradation against the previous version.",
};

fn run(
    context: &Context,
    metric: MetricName,
    tolerance: f64,
    relative: bool,
) -> Result<CheckOutcome, EngineError> {
    let value = context.validation_metric(metric)?;
    let Some(previous) = context
        .previous
        .iter()
        .find(|m| m.name == metric.id())
        .map(|m| m.value)
    else {
        return Ok(CheckOutcome::new(
            true,
            format!(
                "No earlier revision recorded {}; this run's {value:.4} becomes the reference.",
                metric.id()
            ),
            vec![Metric::new(metric.id(), value)],
        ));
    };
    let allowed = allowed_change(previous, tolerance, relative);
    let passed = no_worse(value, previous, allowed, metric.higher_is_better());
    Ok(CheckOutcome::new(
        passed,
        format!(
            "Validation {}: {value:.4} now, {previous:.4} in the previous revision (allowed change {allowed:.4}).",
            metric.id()
        ),
        vec![
            Metric::new(metric.id(), value),
            Metric::new("previous", previous),
            Metric::new("allowed_change", allowed),
        ],
    ))
}

/// How far the score may move the wrong way: `tolerance` itself, or as a share of `previous`.
pub(crate) fn allowed_change(previous: f64, tolerance: f64, relative: bool) -> f64 {
    if relative {
        tolerance * previous.abs()
    } else {
        tolerance
    }
}

/// Whether `value` is at most `allowed` worse than `previous`, in the metric's direction.
pub(crate) fn no_worse(value: f64, previous: f64, allowed: f64, higher_is_better: bool) -> bool {
    if higher_is_better {
        value >= previous - allowed
    } else {
        value <= previous + allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `value` passes against `previous` with `tolerance`, and the change allowed.
    fn check(
        (value, previous, tolerance, relative, higher_is_better): (f64, f64, f64, bool, bool),
        expect: (bool, f64),
    ) {
        let allowed = allowed_change(previous, tolerance, relative);
        let passed = no_worse(value, previous, allowed, higher_is_better);
        assert_eq!(
            (passed, allowed),
            expect,
            "value {value}, previous {previous}, tolerance {tolerance}, relative {relative}, \
             higher is better {higher_is_better}"
        );
    }

    #[test]
    fn absolute_tolerance_both_directions_exactly_on_the_bar() {
        // Accuracy 0.75 before, 0.25 allowed: the bar is 0.5 (all exact in binary).
        check((0.5, 0.75, 0.25, false, true), (true, 0.25));
        check((0.4375, 0.75, 0.25, false, true), (false, 0.25));
        check((0.75, 0.75, 0.0, false, true), (true, 0.0));
        check((0.5, 0.75, 0.0, false, true), (false, 0.0));
        // RMSE 2 before, 0.5 allowed: the bar is 2.5 and lower is better.
        check((2.5, 2.0, 0.5, false, false), (true, 0.5));
        check((2.625, 2.0, 0.5, false, false), (false, 0.5));
        check((1.0, 2.0, 0.0, false, false), (true, 0.0));
        check((2.0, 2.0, 0.0, false, false), (true, 0.0));
        check((2.125, 2.0, 0.0, false, false), (false, 0.0));
    }

    #[test]
    fn relative_tolerance_is_a_share_of_the_previous_score() {
        // 25% of 0.5 is 0.125: the bar is 0.375 for accuracy.
        check((0.375, 0.5, 0.25, true, true), (true, 0.125));
        check((0.3125, 0.5, 0.25, true, true), (false, 0.125));
        // 50% of RMSE 4 is 2: the bar is 6 for an error.
        check((6.0, 4.0, 0.5, true, false), (true, 2.0));
        check((6.5, 4.0, 0.5, true, false), (false, 2.0));
        // A negative previous score (R² can be below 0): the share is of its size, |−2| · 0.5 = 1.
        check((-3.0, -2.0, 0.5, true, true), (true, 1.0));
        check((-3.5, -2.0, 0.5, true, true), (false, 1.0));
    }
}
