//! Loss decreases: training must make the training loss fall.

use super::{CheckOutcome, Context, Guide, Metric};
use crate::EngineError;

pub(super) static GUIDE: Guide = Guide {
    title: "Training lowers the loss",
    why: "The first sign that learning works at all: after some iterations the loss on the \
          training data should be clearly lower than where it started.",
    when_it_fails: "The learning rate is too high (the loss jumps or explodes) or too low (it \
                    barely moves), the data and labels are misaligned, or the gradient is wrong \
                    (see the gradient check).",
    source: "Google, Machine Learning Crash Course, \"Testing for Deploying Machine Learning \
             Models\": train a few iterations and verify that the loss decreases.",
};

pub(super) fn run(context: &Context, min_relative_drop: f64) -> Result<CheckOutcome, EngineError> {
    let curve = &context.trained.loss_curve;
    let first = curve.first().copied().unwrap_or(f64::NAN);
    let last = curve.last().copied().unwrap_or(f64::NAN);
    // A loss already at zero cannot fall; count that as no drop rather than 0/0.
    let drop = if first == 0.0 {
        0.0
    } else {
        (first - last) / first.abs()
    };
    let rises = curve
        .windows(2)
        .filter(|w| w[1] > w[0] || w[1].is_nan())
        .count();
    let passed = last.is_finite() && drop >= min_relative_drop;
    let summary = if !last.is_finite() {
        "Training diverged: the loss became infinite or NaN.".to_owned()
    } else if passed {
        format!(
            "The loss fell by {:.1}% over {} epochs.",
            drop * 100.0,
            curve.len() - 1
        )
    } else {
        format!(
            "The loss fell by only {:.1}%; at least {:.1}% was required.",
            drop * 100.0,
            min_relative_drop * 100.0
        )
    };
    let mut outcome = CheckOutcome::new(
        passed,
        summary,
        vec![
            Metric::new("initial_loss", first),
            Metric::new("final_loss", last),
            Metric::new("relative_drop", drop),
            Metric::new("epochs_where_loss_rose", rises as f64),
        ],
    );
    outcome.loss_curve = curve.clone();
    Ok(outcome)
}
