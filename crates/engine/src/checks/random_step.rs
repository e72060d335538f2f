//! One gradient step on random input: the cheapest test that the training code runs at all.

use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use super::{Check, CheckOutcome, Context, Guide, Plan};
use crate::EngineError;
use crate::metrics::Metric;
use crate::optim::OptimizerState;
use crate::rng::{SeededRng, Stream};

/// One gradient step on seeded random rows runs and keeps everything finite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(transform = super::no_parameters))]
#[serde(deny_unknown_fields)]
pub struct GradientStepOnRandomInput {}

impl Check for GradientStepOnRandomInput {
    fn id(&self) -> &'static str {
        "gradient_step_on_random_input"
    }

    fn guide(&self) -> &'static Guide {
        &GUIDE
    }

    fn work(&self, plan: &Plan) -> Result<f64, EngineError> {
        Ok(3.0 * plan.predicting(ROWS))
    }

    fn to_shrink(&self) -> &'static str {
        "switch it off or use a smaller model"
    }

    fn run(&self, context: &Context) -> Result<CheckOutcome, EngineError> {
        run(context)
    }
}

static GUIDE: Guide = Guide {
    title: "One step on random data runs clean",
    why: "Before spending minutes on real training, one update on made-up data shows in a fraction \
          of a second whether the training code runs at all, so a broken change is caught cheaply.",
    does: "Makes up 16 rows of random numbers with as many columns as the training features, with \
           random valid labels (random targets for regression). From freshly initialised \
           parameters it takes one training step with the spec's optimiser, learning rate and L2 \
           penalty. It passes when the loss before and after the step, the gradient and the new \
           parameters are all finite numbers, and at least one parameter changed.",
    when_it_fails: "A NaN (not a number) or an infinity means the maths breaks before any real \
                    data is involved: a division by zero, an exponential that overflows, or a step \
                    so large it throws the parameters far off. If the step ran but no parameter \
                    moved, the learning rate is zero or the gradient never reaches the parameters.",
    fix: "Look at the two losses it reports. If the loss before the step is already not finite, \
          the fault is in how the model computes its predictions or its loss; if only the loss \
          after is, lower the learning rate. Make sure the learning rate is above zero. After any \
          change to the training code, run this check first: it catches a crash in a fraction of a \
          second instead of after a long run.",
    source: "Google, Machine Learning Crash Course, \"Testing for Deploying Machine Learning \
             Models\": test changes to the training code with random input and a single step.",
};

/// Random rows drawn for the step.
const ROWS: usize = 16;

fn run(context: &Context) -> Result<CheckOutcome, EngineError> {
    // A stream of its own, so this check never shifts other draws.
    let mut rng = SeededRng::stream(context.config.seed, Stream::RandomInput);
    // Standardised features are roughly N(0, 1).
    let x = Array2::from_shape_fn((ROWS, context.train.features.ncols()), |_| rng.normal());
    let classes = context.train.classes.len();
    let y = Array1::from_shape_fn(ROWS, |_| random_target(&mut rng, classes));
    let before = context.network.init(&mut rng);
    let (loss_before, gradient) =
        context
            .network
            .loss_and_gradient(&before, x.view(), y.view(), context.config.l2);
    let mut after = before.clone();
    OptimizerState::new(&context.config.optimizer, after.len()).step(
        &mut after,
        &gradient,
        context.config.learning_rate,
    );
    let loss_after = context
        .network
        .loss(&after, x.view(), y.view(), context.config.l2);
    Ok(judge_step(
        (loss_before, loss_after),
        &gradient,
        &before,
        &after,
    ))
}

/// One made-up target: a valid label of `classes` classes, or an N(0, 1) value for regression
/// (`classes` 0).
fn random_target(rng: &mut SeededRng, classes: usize) -> f64 {
    if classes > 0 {
        rng.below(classes) as f64
    } else {
        rng.normal()
    }
}

/// The verdict on one step from `before` to `after` with `gradient`: everything finite and at
/// least one parameter moved.
fn judge_step(
    (loss_before, loss_after): (f64, f64),
    gradient: &[f64],
    before: &[f64],
    after: &[f64],
) -> CheckOutcome {
    let finite = loss_before.is_finite()
        && loss_after.is_finite()
        && gradient.iter().chain(after).all(|v| v.is_finite());
    let moved = before
        .iter()
        .zip(after)
        .filter(|(a, b)| a.to_bits() != b.to_bits())
        .count();
    let summary = if !finite {
        "The step produced a non-finite loss, gradient or parameter."
    } else if moved == 0 {
        "The step ran but no parameter changed."
    } else {
        "One step on random rows ran; loss and parameters stayed finite and the parameters moved."
    };
    CheckOutcome::new(
        finite && moved > 0,
        summary,
        vec![
            Metric::new("loss_before", loss_before),
            Metric::new("loss_after", loss_after),
            Metric::new("parameters_changed", moved as f64),
            Metric::new("parameters", after.len() as f64),
        ],
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail loudly by design.
mod tests {
    use super::*;
    use crate::checks::Verdict;

    /// The verdict, the parameters counted as moved and the start of the summary.
    fn check(
        losses: (f64, f64),
        gradient: &[f64],
        (before, after): (&[f64], &[f64]),
        expect: (Verdict, f64, &str),
    ) {
        let outcome = judge_step(losses, gradient, before, after);
        let got = (
            outcome.verdict,
            outcome.metric("parameters_changed").unwrap(),
        );
        assert_eq!(
            got,
            (expect.0, expect.1),
            "{losses:?} {gradient:?} {before:?} -> {after:?}"
        );
        assert!(
            outcome.summary.starts_with(expect.2),
            "{losses:?} {gradient:?}: {}",
            outcome.summary
        );
        let reported = outcome.metric("loss_before").map(f64::to_bits);
        assert_eq!(reported, Some(losses.0.to_bits()), "NaN included");
        assert_eq!(outcome.metric("parameters"), Some(after.len() as f64));
    }

    #[test]
    fn a_step_passes_when_all_is_finite_and_a_parameter_moved() {
        use Verdict::{Fail, Pass};
        let (moved, ran) = ("One step", "The step ran but");
        let broken = "The step produced a non-finite";
        // One of two parameters moved (0.5 → 0.25), the other stayed.
        check(
            (2.0, 1.0),
            &[0.5, 0.0],
            (&[0.5, 1.0], &[0.25, 1.0]),
            (Pass, 1.0, moved),
        );
        // Nothing moved: a zero gradient or learning rate.
        check(
            (2.0, 2.0),
            &[0.0, 0.0],
            (&[0.5, 1.0], &[0.5, 1.0]),
            (Fail, 0.0, ran),
        );
        // Each non-finite part alone fails the step, though parameters moved.
        let step = (&[0.5, 1.0][..], &[0.25, 1.0][..]);
        check((f64::NAN, 1.0), &[0.5, 0.0], step, (Fail, 1.0, broken));
        check((2.0, f64::INFINITY), &[0.5, 0.0], step, (Fail, 1.0, broken));
        check((2.0, 1.0), &[0.5, f64::NAN], step, (Fail, 1.0, broken));
        check(
            (2.0, 1.0),
            &[0.5, 0.0],
            (&[0.5, 1.0], &[0.25, f64::NEG_INFINITY]),
            (Fail, 2.0, broken),
        );
    }

    #[test]
    fn random_targets_are_valid_labels_or_real_values() {
        let mut rng = SeededRng::stream(3, Stream::RandomInput);
        let y: Vec<f64> = (0..ROWS).map(|_| random_target(&mut rng, 3)).collect();
        // Three classes: every label is 0, 1 or 2, and 16 draws see more than one of them.
        assert!(y.iter().all(|&t| t == 0.0 || t == 1.0 || t == 2.0), "{y:?}");
        assert!(y.iter().any(|&t| t != y[0]), "{y:?}");
        // Regression: N(0, 1) targets, which are not whole numbers.
        let y: Vec<f64> = (0..ROWS).map(|_| random_target(&mut rng, 0)).collect();
        assert!(
            y.iter().all(|&t| t.is_finite() && t.fract() != 0.0),
            "{y:?}"
        );
    }
}
