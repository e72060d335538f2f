//! Gradient check: the analytic gradient against central finite differences,
//! `(L(θ + h eᵢ) − L(θ − h eᵢ)) / 2h`, parameter by parameter.

use super::{CheckOutcome, Context, Guide, Metric};
use crate::EngineError;
use crate::rng::{SeededRng, Stream};

pub(super) static GUIDE: Guide = Guide {
    title: "Gradients match finite differences",
    why: "A model trained with a wrong gradient can still improve a little, so accuracy alone \
          hides the bug. Comparing each derivative with a numerical estimate tests the maths \
          itself, separately from how well training goes.",
    does: "Takes freshly initialised parameters and the first 8 training rows. For every parameter \
           (a seeded sample of 256 in a large model) it compares the derivative the model computes \
           with a numerical one, found by nudging that parameter up and down by 0.00001 and \
           watching the loss. The worst relative error (the gap between the two, divided by their \
           combined size) must be at most max_relative_error, one in a million by default.",
    when_it_fails: "The formula for the gradient (how the loss changes as each parameter moves, \
                    which training follows downhill) is wrong for at least one parameter: often a \
                    flipped sign, a forgotten term such as the L2 penalty or the bias, or a \
                    derivative taken with respect to the wrong variable. A small miss just above \
                    the bar in a network with ReLU units can instead come from a unit sitting \
                    exactly at its kink, where the slope jumps.",
    fix: "Start from the derivative the summary names and work out its formula again by hand, term \
          by term. Run once with training.l2 at 0 and once above 0: if only the second fails, the \
          penalty's gradient is wrong. If a ReLU network misses only slightly, try another seed; a \
          real bug fails on every seed. On Assay's built-in models a clear failure is a bug: \
          please report it with the spec file.",
    source: "Google, Machine Learning Crash Course, \"Testing for Deploying Machine Learning \
             Models\": test sub-computations of the algorithm separately.",
};

pub(super) const ROWS: usize = 8;
const STEP: f64 = 1e-5;
/// Most derivatives compared; each costs two loss evaluations.
pub(super) const MAX_PROBES: usize = 256;
/// Below this size a gradient counts as zero, so rounding noise is not read as a relative error.
const FLOOR: f64 = 1e-7;

pub(super) fn run(context: &Context, max_relative_error: f64) -> Result<CheckOutcome, EngineError> {
    let rows = ROWS.min(context.train.features.nrows());
    let x = context.train.features.slice(ndarray::s![..rows, ..]);
    let y = context.train.target.slice(ndarray::s![..rows]);
    let mut rng = SeededRng::stream(context.config.seed, Stream::GradientCheck);
    let params = context.network.init(&mut rng);
    let l2 = context.config.l2;
    let (_, analytic) = context.network.loss_and_gradient(&params, x, y, l2);
    // Every parameter of a small model; a seeded sample of a large one, so the cost stays flat.
    let mut indices: Vec<usize> = (0..params.len()).collect();
    if indices.len() > MAX_PROBES {
        for k in 0..MAX_PROBES {
            let j = k + rng.below(indices.len() - k);
            indices.swap(k, j);
        }
        indices.truncate(MAX_PROBES);
        indices.sort_unstable();
    }
    let mut probe = params.clone();
    let (mut worst, mut worst_index) = (0.0f64, 0usize);
    for &i in &indices {
        probe[i] = params[i] + STEP;
        let plus = context.network.loss(&probe, x, y, l2);
        probe[i] = params[i] - STEP;
        let minus = context.network.loss(&probe, x, y, l2);
        probe[i] = params[i];
        let numeric = (plus - minus) / (2.0 * STEP);
        let error = (analytic[i] - numeric).abs() / (analytic[i].abs() + numeric.abs()).max(FLOOR);
        // NaN counts as the worst error.
        if error > worst || error.is_nan() {
            worst = error;
            worst_index = i;
        }
    }
    let passed = worst <= max_relative_error;
    let summary = if passed {
        format!(
            "All {} checked derivatives (of {}) agree with finite differences.",
            indices.len(),
            params.len()
        )
    } else {
        format!(
            "Derivative {} of {} disagrees with its finite difference (relative error {worst:.2e}).",
            worst_index + 1,
            params.len()
        )
    };
    Ok(CheckOutcome::new(
        passed,
        summary,
        vec![
            Metric::new("max_relative_error", worst),
            Metric::new("worst_parameter", worst_index as f64),
            Metric::new("parameters_checked", indices.len() as f64),
        ],
    ))
}
