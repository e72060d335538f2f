//! One gradient step on random input: the cheapest test that the training code runs at all.

use ndarray::{Array1, Array2};

use super::{CheckOutcome, Context, Guide, Metric};
use crate::EngineError;
use crate::optim::OptimizerState;
use crate::rng::{SeededRng, Stream};

pub(super) static GUIDE: Guide = Guide {
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
pub(super) const ROWS: usize = 16;

pub(super) fn run(context: &Context) -> Result<CheckOutcome, EngineError> {
    // A stream of its own, so this check never shifts other draws.
    let mut rng = SeededRng::stream(context.config.seed, Stream::RandomInput);
    let features = context.train.features.ncols();
    // Standardised features are roughly N(0, 1); targets are valid labels or N(0, 1) values.
    let x = Array2::from_shape_fn((ROWS, features), |_| rng.normal());
    let classes = context.train.classes.len();
    let y = Array1::from_shape_fn(ROWS, |_| {
        if classes > 0 {
            rng.below(classes) as f64
        } else {
            rng.normal()
        }
    });
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

    let finite = loss_before.is_finite()
        && loss_after.is_finite()
        && gradient.iter().chain(&after).all(|v| v.is_finite());
    let moved = before
        .iter()
        .zip(&after)
        .filter(|(a, b)| a.to_bits() != b.to_bits())
        .count();
    let summary = if !finite {
        "The step produced a non-finite loss, gradient or parameter."
    } else if moved == 0 {
        "The step ran but no parameter changed."
    } else {
        "One step on random rows ran; loss and parameters stayed finite and the parameters moved."
    };
    Ok(CheckOutcome::new(
        finite && moved > 0,
        summary,
        vec![
            Metric::new("loss_before", loss_before),
            Metric::new("loss_after", loss_after),
            Metric::new("parameters_changed", moved as f64),
            Metric::new("parameters", after.len() as f64),
        ],
    ))
}
