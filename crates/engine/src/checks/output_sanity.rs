//! Output sanity: predictions are finite, and probabilities behave like probabilities.

use ndarray::{Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::{Check, CheckOutcome, Context, Guide, Plan};
use crate::EngineError;
use crate::checks::Verdict;
use crate::metrics::Metric;
use crate::model::{Head, Network};

/// Predictions are finite; probabilities lie in [0, 1] and sum to 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(transform = super::no_parameters))]
#[serde(deny_unknown_fields)]
pub struct OutputSanity {}

impl Check for OutputSanity {
    fn id(&self) -> &'static str {
        "output_sanity"
    }

    fn guide(&self) -> &'static Guide {
        &GUIDE
    }

    fn work(&self, plan: &Plan) -> Result<f64, EngineError> {
        Ok(plan.predicting(plan.validation_rows))
    }

    fn run(&self, context: &Context) -> Result<CheckOutcome, EngineError> {
        run(context)
    }
}

static GUIDE: Guide = Guide {
    title: "Outputs are well-formed",
    why: "Whatever consumes the model (a threshold, a ranking, an API contract) assumes finite \
          numbers, and for classifiers probabilities between 0 and 1 that add up to 1. Checking \
          the shape and range of outputs is the model-side half of a contract test.",
    does: "Runs the trained model on every validation row and inspects the raw predictions. Every \
           value must be a finite number. For classifiers every probability must lie between 0 and \
           1, and where the model gives one probability per class, each row's probabilities must \
           add up to 1 (within a billionth). It then does the same on the validation rows with \
           every feature multiplied by 1000, far outside anything seen in training, where a \
           softmax or sigmoid computed the naive way overflows. Last, the loss recomputed from the \
           predictions must equal the model's own loss on those rows (within a millionth): \
           prediction computes the same model training fitted.",
    when_it_fails: "The last step of the model is off: numbers overflowed, the function that turns \
                    scores into probabilities (sigmoid or softmax) is missing, wrong or unstable, \
                    a NaN crept into the parameters during training and now spreads to every \
                    prediction, or the prediction code builds its inputs differently from \
                    training (a dropped or reordered feature).",
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

/// How far the validation rows are pushed out of range for the second look: every feature
/// times this, far beyond anything seen in training.
const FAR_OUT: f64 = 1000.0;

/// Validation rows scaled [`FAR_OUT`] at a time: small next to the validation set, large enough
/// that a block's prediction call costs nothing extra.
const FAR_OUT_BLOCK: usize = 1024;

/// Allowed relative gap between the loss recomputed from the predictions and the model's own.
const LOSS_TOLERANCE: f64 = 1e-6;

fn run(context: &Context) -> Result<CheckOutcome, EngineError> {
    let (network, params) = (context.network, &context.trained.params);
    let validation = context.validation;
    let predictions = network.predict(params, validation.features.view());
    let outcome = judge_predictions(predictions.view(), network.head());
    if outcome.verdict != Verdict::Pass {
        return Ok(outcome);
    }
    // Far out of range: what a stable sigmoid or softmax survives and a naive one does not.
    let far = far_out_predictions(network, params, validation.features.view());
    let far_outcome = judge_predictions(far.view(), network.head());
    if far_outcome.verdict != Verdict::Pass {
        return Ok(CheckOutcome::new(
            false,
            format!(
                "On the validation rows with every feature times {FAR_OUT}: {}",
                far_outcome.summary
            ),
            far_outcome.metrics,
        ));
    }
    // The predictions must reproduce the loss training minimised: prediction and training
    // compute the same model (no training/serving skew inside the model).
    let from_predictions = loss_of(
        predictions.view(),
        &validation.target.to_vec(),
        network.head(),
    );
    let own = network.loss(
        params,
        validation.features.view(),
        validation.target.view(),
        0.0,
    );
    if (from_predictions - own).abs() > LOSS_TOLERANCE * own.abs().max(1.0) {
        return Ok(CheckOutcome::new(
            false,
            format!(
                "The predictions give a validation loss of {from_predictions:.6}, but the model's \
                 own loss on the same rows is {own:.6}: prediction does not compute the model \
                 training fitted."
            ),
            vec![
                Metric::new("loss_from_predictions", from_predictions),
                Metric::new("model_loss", own),
            ],
        ));
    }
    Ok(outcome)
}

/// The predictions for `features` with every feature times [`FAR_OUT`], a block of rows at a
/// time: a scaled copy of the whole validation set was the largest allocation of a replay's
/// checks (3.4 MB at 100 times the breast cancer sample's rows). A network predicts row by row,
/// so the blocks' predictions are the whole set's, bit for bit.
fn far_out_predictions(
    network: &Network,
    params: &[f64],
    features: ArrayView2<f64>,
) -> Array2<f64> {
    let mut out = Array2::zeros((features.nrows(), network.outputs()));
    let blocks = features.axis_chunks_iter(Axis(0), FAR_OUT_BLOCK);
    for (block, mut target) in blocks.zip(out.axis_chunks_iter_mut(Axis(0), FAR_OUT_BLOCK)) {
        let far = block.mapv(|v| v * FAR_OUT);
        target.assign(&network.predict(params, far.view()));
    }
    out
}

/// The mean loss training minimises, recomputed from predictions: half the squared error, or
/// the negative log of the probability of the true class.
fn loss_of(predictions: ArrayView2<f64>, targets: &[f64], head: Head) -> f64 {
    let mut total = 0.0;
    for (row, &y) in predictions.rows().into_iter().zip(targets) {
        total += match head {
            Head::Identity => 0.5 * (row[0] - y) * (row[0] - y),
            Head::Sigmoid => {
                let p = if y == 1.0 { row[0] } else { 1.0 - row[0] };
                -libm::log(p)
            }
            Head::Softmax => -libm::log(row.get(y as usize).copied().unwrap_or(0.0)),
        };
    }
    total / targets.len().max(1) as f64
}

/// The verdict on a model's raw predictions (one row per example) given its output head.
fn judge_predictions(predictions: ArrayView2<f64>, head: Head) -> CheckOutcome {
    let non_finite = predictions.iter().filter(|v| !v.is_finite()).count();
    let (mut out_of_range, mut worst_sum_gap) = (0usize, 0.0f64);
    if head != Head::Identity {
        out_of_range = predictions
            .iter()
            .filter(|p| !(0.0..=1.0).contains(*p))
            .count();
        if head == Head::Softmax {
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
    CheckOutcome::new(
        passed,
        summary,
        vec![
            Metric::new("non_finite", non_finite as f64),
            Metric::new("out_of_range", out_of_range as f64),
            Metric::new("largest_sum_gap", worst_sum_gap),
        ],
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail loudly by design.
mod tests {
    use ndarray::array;

    use super::*;
    use crate::checks::Verdict;

    /// (passes, non-finite values, out-of-range probabilities, largest gap from a sum of 1).
    fn check(predictions: ArrayView2<f64>, head: Head, expect: (bool, f64, f64, f64)) {
        let outcome = judge_predictions(predictions, head);
        let got = (
            outcome.verdict == Verdict::Pass,
            outcome.metric("non_finite").unwrap(),
            outcome.metric("out_of_range").unwrap(),
            outcome.metric("largest_sum_gap").unwrap(),
        );
        assert_eq!(got, expect, "{head:?} {predictions:?}: {}", outcome.summary);
    }

    #[test]
    fn far_out_predictions_in_blocks_are_the_whole_sets_bit_for_bit() {
        use crate::model::{Activation, ModelSpec};
        use crate::numerics::Numerics;
        use crate::rng::SeededRng;

        let spec = ModelSpec::Mlp {
            hidden_layers: vec![5],
            activation: Activation::Tanh,
        };
        let network = Network::new(&spec, 3, 4, Numerics::LATEST).unwrap();
        let params = network.init(&mut SeededRng::new(7));
        // Two whole blocks and part of a third; the values vary by row and column.
        let rows = 2 * FAR_OUT_BLOCK + 37;
        let features = Array2::from_shape_fn((rows, 3), |(r, c)| {
            ((r * 7 + c * 13) % 101) as f64 / 50.0 - 1.0
        });
        let whole = network.predict(&params, features.mapv(|v| v * FAR_OUT).view());
        let blocks = far_out_predictions(&network, &params, features.view());
        assert_eq!(blocks.dim(), whole.dim());
        let bits = |a: &Array2<f64>| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&blocks), bits(&whole));
    }

    #[test]
    fn regression_outputs_need_only_be_finite() {
        check(
            array![[-5.0], [7.0]].view(),
            Head::Identity,
            (true, 0.0, 0.0, 0.0),
        );
        let broken = array![[f64::NAN], [f64::INFINITY], [1.0]];
        check(broken.view(), Head::Identity, (false, 2.0, 0.0, 0.0));
    }

    #[test]
    fn probabilities_lie_in_0_to_1_inclusive() {
        check(
            array![[0.0], [1.0], [0.5]].view(),
            Head::Sigmoid,
            (true, 0.0, 0.0, 0.0),
        );
        check(
            array![[-0.5], [1.5], [0.5]].view(),
            Head::Sigmoid,
            (false, 0.0, 2.0, 0.0),
        );
        // NaN is both non-finite and outside [0, 1].
        check(
            array![[f64::NAN]].view(),
            Head::Sigmoid,
            (false, 1.0, 1.0, 0.0),
        );
    }

    #[test]
    fn softmax_rows_sum_to_1_within_the_tolerance() {
        check(
            array![[0.25, 0.75], [0.5, 0.5]].view(),
            Head::Softmax,
            (true, 0.0, 0.0, 0.0),
        );
        // Rows summing to 0.75 and 1.25: the largest gap is 0.25 either way.
        check(
            array![[0.25, 0.5], [0.5, 0.75]].view(),
            Head::Softmax,
            (false, 0.0, 0.0, 0.25),
        );
        // A gap of 2⁻³¹ ≈ 4.7e-10 is within 1e-9; 2⁻²⁹ ≈ 1.9e-9 is not.
        let within = libm::ldexp(1.0, -31);
        let beyond = libm::ldexp(1.0, -29);
        check(
            array![[0.5, 0.5 + within]].view(),
            Head::Softmax,
            (true, 0.0, 0.0, within),
        );
        check(
            array![[0.5, 0.5 + beyond]].view(),
            Head::Softmax,
            (false, 0.0, 0.0, beyond),
        );
        // A sigmoid's single column has no sum to check.
        check(array![[0.25]].view(), Head::Sigmoid, (true, 0.0, 0.0, 0.0));
    }
}
