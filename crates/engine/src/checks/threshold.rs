//! Metric threshold: a fixed quality bar on the validation split.

use super::{CheckOutcome, Context, Guide, Metric};
use crate::EngineError;
use crate::metrics::MetricName;

pub(super) static GUIDE: Guide = Guide {
    title: "Clears a fixed quality bar",
    why: "Comparing each version only with the last lets quality slide a little at a time. A fixed \
          bar on a held-out set catches the slow decline that many small, individually \
          acceptable drops add up to.",
    when_it_fails: "The model is not good enough for the bar, or the validation data has drifted \
                    from what the model learned. Refresh the validation set when live data moves, \
                    but keep the bar.",
    source: "Google, Machine Learning Crash Course, \"Testing for Deploying Machine Learning \
             Models\": validate model quality against a fixed threshold to catch slow degradation.",
};

pub(super) fn run(
    context: &Context,
    metric: MetricName,
    threshold: f64,
) -> Result<CheckOutcome, EngineError> {
    let value = context.validation_metric(metric)?;
    let (passed, relation) = if metric.higher_is_better() {
        (value >= threshold, "at least")
    } else {
        (value <= threshold, "at most")
    };
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
