//! No regression: the new version is no worse than the previous one on the same data.

use super::{CheckOutcome, Context, Guide, Metric};
use crate::EngineError;
use crate::metrics::MetricName;

pub(super) static GUIDE: Guide = Guide {
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

pub(super) fn run(
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
    let allowed = if relative {
        tolerance * previous.abs()
    } else {
        tolerance
    };
    let passed = if metric.higher_is_better() {
        value >= previous - allowed
    } else {
        value <= previous + allowed
    };
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
