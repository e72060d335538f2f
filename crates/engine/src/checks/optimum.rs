//! Converges to the analytic optimum: for linear regression the best parameters are known
//! exactly (least squares), so gradient descent can be held to them.

use super::{CheckOutcome, Context, Guide, Metric};
use crate::EngineError;
use crate::lstsq::least_squares;

pub(super) static GUIDE: Guide = Guide {
    title: "Reaches the exact optimum",
    why: "Linear regression has a closed-form best fit. When gradient descent ends far from it, \
          the optimiser, not the model, is the problem, and a check that knows the right answer \
          says so directly.",
    does: "Applies only to linear regression trained without L2. It solves least squares exactly \
           on the training split to find the best possible parameters, then compares their \
           training loss with the loss the trained model reached, which may be at most \
           max_loss_gap above it (1% by default). It also reports how far the trained parameters \
           are from the best ones, and a condition estimate, which grows large when some features \
           nearly repeat each other.",
    when_it_fails: "Gradient descent stopped short of the best fit the data allows. Most often \
                    training was too short or its steps too small, so the loss was still falling; \
                    sometimes the steps are so large they keep overshooting the bottom; or some \
                    features nearly duplicate each other (a large condition estimate), which turns \
                    the bottom into a long, flat valley that is slow to cross.",
    fix: "If the loss curve is still going down at the end, raise the epochs or the learning rate, \
          or add momentum or switch to Adam. If it zig-zags, lower the learning rate. If the \
          condition estimate is large, drop or merge features that say the same thing. An Error \
          verdict means the check does not apply: it needs linear regression with training.l2 set \
          to 0.",
    source: "Google, Machine Learning Crash Course, \"Testing for Deploying Machine Learning \
             Models\": test algorithmic correctness, not only final quality.",
};

pub(super) fn run(context: &Context, max_loss_gap: f64) -> Result<CheckOutcome, EngineError> {
    super::plan::optimum_applies(context.model, context.config)?;
    let (x, y) = (context.train.features.view(), context.train.target.view());
    let exact = least_squares(x, y)?;
    let optimum = exact.parameters();
    let best_loss = context.network.loss(&optimum, x, y, 0.0);
    let trained_loss = context
        .trained
        .loss_curve
        .last()
        .copied()
        .unwrap_or(f64::NAN);
    let gap = if best_loss > 0.0 {
        (trained_loss - best_loss) / best_loss
    } else {
        trained_loss
    };
    let scale = optimum
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    let distance = context
        .trained
        .params
        .iter()
        .zip(&optimum)
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()))
        / scale;
    let passed = gap.is_finite() && gap <= max_loss_gap;
    Ok(CheckOutcome::new(
        passed,
        format!(
            "Trained loss is {:.3}% above the exact least-squares optimum (allowed {:.3}%).",
            gap * 100.0,
            max_loss_gap * 100.0
        ),
        vec![
            Metric::new("loss_gap", gap),
            Metric::new("optimal_loss", best_loss),
            Metric::new("trained_loss", trained_loss),
            Metric::new("largest_parameter_distance", distance),
            Metric::new("condition_estimate", exact.condition_estimate),
        ],
    ))
}
