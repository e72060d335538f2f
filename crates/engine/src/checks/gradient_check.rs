//! Gradient check: the analytic gradient against central finite differences,
//! `(L(θ + h eᵢ) − L(θ − h eᵢ)) / 2h`, parameter by parameter.

use super::{Check, CheckOutcome, Context, Guide, Plan, refuse};
use crate::EngineError;
use crate::metrics::Metric;
use crate::rng::{SeededRng, Stream};
use serde::{Deserialize, Serialize};

/// Analytic gradients agree with central finite differences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct GradientCheck {
    #[serde(default = "default_max_relative_error")]
    pub max_relative_error: f64,
}

fn default_max_relative_error() -> f64 {
    1e-6
}

impl Default for GradientCheck {
    fn default() -> Self {
        Self {
            max_relative_error: default_max_relative_error(),
        }
    }
}

impl Check for GradientCheck {
    fn id(&self) -> &'static str {
        "gradient_check"
    }

    fn guide(&self) -> &'static Guide {
        &GUIDE
    }

    fn validate(&self) -> Result<(), EngineError> {
        if self.max_relative_error.is_finite() && self.max_relative_error > 0.0 {
            Ok(())
        } else {
            Err(refuse(self.id(), "max_relative_error", "must be positive"))
        }
    }

    fn work(&self, plan: &Plan) -> Result<f64, EngineError> {
        let probes = plan.parameters.min(MAX_PROBES) as f64;
        Ok((2.0 * probes + 2.0) * plan.predicting(plan.train_rows.min(ROWS)))
    }

    fn to_shrink(&self) -> &'static str {
        "switch it off or use a smaller model"
    }

    fn run(&self, context: &Context) -> Result<CheckOutcome, EngineError> {
        run(context, self.max_relative_error)
    }
}

static GUIDE: Guide = Guide {
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

const ROWS: usize = 8;
const STEP: f64 = 1e-5;
/// Most derivatives compared; each costs two loss evaluations.
const MAX_PROBES: usize = 256;
/// Below this size a gradient counts as zero, so rounding noise is not read as a relative error.
const FLOOR: f64 = 1e-7;

fn run(context: &Context, max_relative_error: f64) -> Result<CheckOutcome, EngineError> {
    let rows = ROWS.min(context.train.features.nrows());
    let x = context.train.features.slice(ndarray::s![..rows, ..]);
    let y = context.train.target.slice(ndarray::s![..rows]);
    let mut rng = SeededRng::stream(context.config.seed, Stream::GradientCheck);
    let params = context.network.init(&mut rng);
    let l2 = context.config.l2;
    let (_, analytic) = context.network.loss_and_gradient(&params, x, y, l2);
    let indices = probe_indices(params.len(), &mut rng);
    let mut probe = params.clone();
    let errors = indices.iter().map(|&i| {
        probe[i] = params[i] + STEP;
        let plus = context.network.loss(&probe, x, y, l2);
        probe[i] = params[i] - STEP;
        let minus = context.network.loss(&probe, x, y, l2);
        probe[i] = params[i];
        let numeric = (plus - minus) / (2.0 * STEP);
        (i, relative_error(analytic[i], numeric))
    });
    let (worst, worst_index) = worst_of(errors);
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

/// The parameters whose derivatives are compared, in increasing order: every parameter of a
/// small model; a seeded sample of [`MAX_PROBES`] of a large one, so the cost stays flat.
fn probe_indices(count: usize, rng: &mut SeededRng) -> Vec<usize> {
    let mut indices: Vec<usize> = (0..count).collect();
    if indices.len() > MAX_PROBES {
        // The first MAX_PROBES steps of a Fisher–Yates shuffle draw a uniform sample.
        for k in 0..MAX_PROBES {
            let j = k + rng.below(indices.len() - k);
            indices.swap(k, j);
        }
        indices.truncate(MAX_PROBES);
        indices.sort_unstable();
    }
    indices
}

/// How far apart two derivatives are, relative to their combined size; both below [`FLOOR`]
/// count as agreeing up to rounding noise rather than as a large relative error.
fn relative_error(analytic: f64, numeric: f64) -> f64 {
    (analytic - numeric).abs() / (analytic.abs() + numeric.abs()).max(FLOOR)
}

/// The largest error and its parameter (the first on ties); a NaN error is the worst of all.
fn worst_of(errors: impl Iterator<Item = (usize, f64)>) -> (f64, usize) {
    let (mut worst, mut worst_index) = (0.0f64, 0usize);
    for (i, error) in errors {
        if error > worst || error.is_nan() {
            worst = error;
            worst_index = i;
        }
    }
    (worst, worst_index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_relative_error_is_the_gap_over_the_combined_size() {
        let cases = [
            // (analytic, numeric, expected)
            (1.0, 1.0, 0.0),
            (1.0, 0.5, 0.5 / 1.5),
            (0.5, 1.0, 0.5 / 1.5),
            (3.0, -1.0, 1.0), // opposite signs: the largest relative error there is
            (-2.0, -2.0, 0.0),
            // Both below the floor: the gap is measured against 1e-7, not their tiny sum.
            (2e-8, 0.0, 0.2),
            (0.0, 0.0, 0.0),
        ];
        for (analytic, numeric, expect) in cases {
            let got = relative_error(analytic, numeric);
            assert!(
                (got - expect).abs() < 1e-15,
                "{analytic} vs {numeric}: got {got}, expected {expect}"
            );
        }
    }

    #[test]
    fn the_worst_error_is_the_largest_the_first_on_ties_and_nan_beats_all() {
        let check = |errors: &[(usize, f64)], expect: (f64, usize)| {
            assert_eq!(worst_of(errors.iter().copied()), expect, "{errors:?}");
        };
        check(&[(0, 0.25), (3, 0.5), (5, 0.125)], (0.5, 3));
        check(&[(2, 0.5), (7, 0.5)], (0.5, 2));
        check(&[(4, 0.0), (6, 0.0)], (0.0, 0));
        check(&[], (0.0, 0));
        check(&[(0, 0.75), (1, 0.25)], (0.75, 0));
        // A NaN is kept however large the errors after it.
        let (worst, index) = worst_of([(0, 0.5), (1, f64::NAN), (2, 0.75)].into_iter());
        assert!(worst.is_nan());
        assert_eq!(index, 1);
    }

    #[test]
    fn a_small_model_is_probed_whole_and_a_large_one_by_a_sorted_sample() {
        let mut rng = SeededRng::stream(7, Stream::GradientCheck);
        assert_eq!(probe_indices(10, &mut rng), (0..10).collect::<Vec<_>>());
        assert_eq!(
            probe_indices(MAX_PROBES, &mut rng),
            (0..MAX_PROBES).collect::<Vec<_>>()
        );
        let sample = probe_indices(300, &mut rng);
        assert_eq!(sample.len(), MAX_PROBES);
        // Strictly increasing (so no index twice) and within the 300 parameters.
        assert!(sample.windows(2).all(|w| w[0] < w[1]), "{sample:?}");
        assert!(sample.iter().all(|&i| i < 300), "{sample:?}");
        // A sample, not the first 256: some index past 255 is drawn.
        assert!(sample[MAX_PROBES - 1] >= MAX_PROBES, "{sample:?}");
    }
}
