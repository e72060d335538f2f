//! Metric threshold: a fixed quality bar on the validation split.

use super::{Check, CheckOutcome, Context, Guide, Plan, refuse};
use crate::EngineError;
use crate::metrics::{Metric, MetricName};
use serde::{Deserialize, Serialize};

/// A validation metric clears a fixed bar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct MetricThreshold {
    pub metric: MetricName,
    pub threshold: f64,
}

impl Check for MetricThreshold {
    fn id(&self) -> &'static str {
        "metric_threshold"
    }

    fn guide(&self) -> &'static Guide {
        &GUIDE
    }

    /// A bar the metric can never reach or never miss is a typo, not a test (an accuracy of
    /// 1.5, a negative error).
    fn validate(&self) -> Result<(), EngineError> {
        bar_in_range(self.id(), self.metric, self.threshold)
    }

    fn work(&self, plan: &Plan) -> Result<f64, EngineError> {
        plan.measures(self.metric)?;
        Ok(plan.predicting(plan.validation_rows))
    }

    fn run(&self, context: &Context) -> Result<CheckOutcome, EngineError> {
        run(context, self.metric, self.threshold)
    }
}

static GUIDE: Guide = Guide {
    title: "Clears a fixed quality bar",
    why: "Comparing each version only with the last lets quality slide a little at a time. A fixed \
          bar on a held-out set catches the slow decline that many small, individually \
          acceptable drops add up to.",
    does: "Scores the trained model on the validation split with the chosen metric and compares \
           the score with a fixed number. For metrics where higher is better (accuracy, R², F1 and \
           so on) the score must be at least the bar; for error measures (MSE, RMSE, MAE, log \
           loss) at most the bar. New specs start at accuracy 0.8 for classification and R² 0.3 \
           for regression (R² is the share of the target's variation the model explains).",
    when_it_fails: "The model is not as good as the bar the team agreed on. If it used to pass and \
                    the model did not change, the validation data has probably drifted from what \
                    the model learned from.",
    fix: "Compare with the baseline check to see how much the model adds at all. Improve the \
          features, train longer or try a larger model, then run again. If live data has moved, \
          refresh the validation set so it looks like today's data, but keep the bar where it is: \
          lowering it to pass hides exactly the slow decline this check is there to catch.",
    source: "Google, Machine Learning Crash Course, \"Testing for Deploying Machine Learning \
             Models\": validate model quality against a fixed threshold to catch slow degradation.",
};

/// Refuses a bar `threshold` that `metric` can never reach or never miss, as check `id`'s
/// `threshold`.
pub(super) fn bar_in_range(
    id: &str,
    metric: MetricName,
    threshold: f64,
) -> Result<(), EngineError> {
    if !threshold.is_finite() {
        return Err(refuse(id, "threshold", "must be a finite number"));
    }
    let range = metric.range();
    if range.contains(&threshold) {
        return Ok(());
    }
    let bounds = match (range.start().is_finite(), range.end().is_finite()) {
        (true, true) => format!("between {} and {}", range.start(), range.end()),
        (false, _) => format!("at most {}", range.end()),
        (_, false) => format!("at least {}", range.start()),
    };
    Err(refuse(
        id,
        "threshold",
        format!("must be {bounds} for {}; it is {threshold}", metric.id()),
    ))
}

/// Whether `value` clears the bar `threshold`, and the words for which side of it it must be on.
pub(crate) fn clears(value: f64, threshold: f64, higher_is_better: bool) -> (bool, &'static str) {
    if higher_is_better {
        (value >= threshold, "at least")
    } else {
        (value <= threshold, "at most")
    }
}

fn run(context: &Context, metric: MetricName, threshold: f64) -> Result<CheckOutcome, EngineError> {
    let value = context.validation_metric(metric)?;
    let (passed, relation) = clears(value, threshold, metric.higher_is_better());
    Ok(CheckOutcome::new(
        passed,
        format!(
            "Validation {} is {value:.4}; the bar is {relation} {threshold}.",
            metric.id()
        ),
        vec![
            Metric::new(metric.id(), value),
            Metric::new("threshold", threshold),
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check((value, threshold, higher_is_better): (f64, f64, bool), expect: (bool, &str)) {
        assert_eq!(
            clears(value, threshold, higher_is_better),
            expect,
            "value {value}, bar {threshold}, higher is better {higher_is_better}"
        );
    }

    #[test]
    fn the_bar_holds_in_the_metrics_direction_and_exactly_on_it() {
        check((0.9, 0.8, true), (true, "at least"));
        check((0.8, 0.8, true), (true, "at least"));
        check((0.7, 0.8, true), (false, "at least"));
        check((0.9, 1.0, false), (true, "at most"));
        check((1.0, 1.0, false), (true, "at most"));
        check((1.1, 1.0, false), (false, "at most"));
    }
}
