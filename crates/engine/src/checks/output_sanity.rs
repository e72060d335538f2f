//! Output sanity: predictions are finite, and probabilities behave like probabilities.

use super::{CheckOutcome, Context, Guide, Metric};
use crate::EngineError;
use crate::model::Head;

pub(super) static GUIDE: Guide = Guide {
    title: "Outputs are well-formed",
    why: "Whatever consumes the model (a threshold, a ranking, an API contract) assumes finite \
          numbers, and for classifiers probabilities between 0 and 1 that add up to 1. Checking \
          the shape and range of outputs is the model-side half of a contract test.",
    does: "Runs the trained model on every validation row and inspects the raw predictions. Every \
           value must be a finite number. For classifiers every probability must lie between 0 and \
           1, and where the model gives one probability per class, each row's probabilities must \
           add up to 1 (within a billionth).",
    when_it_fails: "The last step of the model is off: numbers overflowed, the function that turns \
                    scores into probabilities (sigmoid or softmax) is missing or wrong, or a NaN \
                    crept into the parameters during training and now spreads to every prediction.",
    fix: "Look at the loss curve first: if it ends in NaN or shoots up, training diverged, so \
          lower the learning rate and run again. Otherwise, in a model you wrote yourself, compute \
          softmax the stable way (subtract each row's largest score before taking exponentials) \
          and make sure the output goes through it. Clipping the outputs afterwards only hides the \
          fault.",
    source: "Equal Experts, MLOps playbook, \"Testing through the ML pipeline\": contract tests \
             validate outputs against inputs; Google, Machine Learning Crash Course.",
};

/// Allowed gap between a softmax row's sum and 1.
const SUM_TOLERANCE: f64 = 1e-9;

pub(super) fn run(context: &Context) -> Result<CheckOutcome, EngineError> {
    let predictions = context
        .network
        .predict(&context.trained.params, context.validation.features.view());
    let non_finite = predictions.iter().filter(|v| !v.is_finite()).count();
    let (mut out_of_range, mut worst_sum_gap) = (0usize, 0.0f64);
    if context.network.head() != Head::Identity {
        out_of_range = predictions
            .iter()
            .filter(|p| !(0.0..=1.0).contains(*p))
            .count();
        if context.network.head() == Head::Softmax {
            for row in predictions.rows() {
                worst_sum_gap = worst_sum_gap.max((row.sum() - 1.0).abs());
            }
        }
    }
    let passed = non_finite == 0 && out_of_range == 0 && worst_sum_gap <= SUM_TOLERANCE;
    let summary = if passed {
        format!(
            "All {} validation predictions are finite and well-formed.",
            predictions.nrows()
        )
    } else {
        format!(
            "{non_finite} non-finite values, {out_of_range} probabilities outside [0, 1], rows summing to 1 ± {worst_sum_gap:.1e}."
        )
    };
    Ok(CheckOutcome::new(
        passed,
        summary,
        vec![
            Metric::new("non_finite", non_finite as f64),
            Metric::new("out_of_range", out_of_range as f64),
            Metric::new("largest_sum_gap", worst_sum_gap),
        ],
    ))
}
