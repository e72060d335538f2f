//! Loss decreases: training must make the training loss fall.

use super::{Check, CheckOutcome, Context, Guide, Plan, fraction, refuse};
use crate::EngineError;
use crate::metrics::Metric;
use serde::{Deserialize, Serialize};

/// Training loss falls by at least this fraction from start to end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct LossDecreases {
    #[serde(default = "default_min_relative_drop")]
    pub min_relative_drop: f64,
    /// The largest rise of the loss from one epoch to the next, as a fraction of the starting
    /// loss: a step size far too large makes the loss jump about even while it falls overall.
    #[serde(default = "default_max_rise")]
    pub max_rise: f64,
}

fn default_min_relative_drop() -> f64 {
    0.05
}

fn default_max_rise() -> f64 {
    0.1
}

impl Default for LossDecreases {
    fn default() -> Self {
        Self {
            min_relative_drop: default_min_relative_drop(),
            max_rise: default_max_rise(),
        }
    }
}

impl Check for LossDecreases {
    fn id(&self) -> &'static str {
        "loss_decreases"
    }

    fn guide(&self) -> &'static Guide {
        &GUIDE
    }

    fn validate(&self) -> Result<(), EngineError> {
        if self.min_relative_drop >= 1.0 {
            return Err(refuse(self.id(), "min_relative_drop", "must be below 1"));
        }
        fraction(self.id(), "min_relative_drop", self.min_relative_drop)?;
        if !(self.max_rise.is_finite() && self.max_rise >= 0.0) {
            return Err(refuse(self.id(), "max_rise", "must be zero or positive"));
        }
        Ok(())
    }

    /// It reads the curve training recorded: one unit an epoch.
    fn work(&self, plan: &Plan) -> Result<f64, EngineError> {
        Ok(f64::from(plan.config.epochs))
    }

    fn run(&self, context: &Context) -> Result<CheckOutcome, EngineError> {
        Ok(judge_curve(
            &context.trained.loss_curve,
            self.min_relative_drop,
            self.max_rise,
        ))
    }
}

static GUIDE: Guide = Guide {
    title: "Training lowers the loss",
    why: "The first sign that learning works at all: after some iterations the loss on the \
          training data should be clearly lower than where it started.",
    does: "Reads the training loss of the spec's own training run (the average error on the \
           training split, plus the L2 penalty) before the first epoch and after the last. It \
           passes when the loss fell by at least min_relative_drop of its starting value (5% by \
           default), ended as a finite number, and never rose from one epoch to the next by more \
           than max_rise of its starting value (10% by default): a loss that falls overall while \
           jumping about means a step size far too large. It also counts the epochs in which the \
           loss went up.",
    when_it_fails: "Training is not learning. Most often the step size is wrong: too large and the \
                    loss jumps about or explodes, too small and it barely moves. Otherwise the \
                    gradient is wrong (see the gradient check), or the targets do not belong to \
                    the rows they sit on.",
    fix: "Look at the loss curve. If it jumps or ends in NaN, lower the learning rate (a tenth is \
          a good first try) or switch to Adam. If it creeps down slowly, raise the learning rate \
          or the number of epochs. If it stays flat whatever you do, run the gradient check, and \
          make sure the target column is the one you meant and its values were not shuffled apart \
          from their rows.",
    source: "Google, Machine Learning Crash Course, \"Testing for Deploying Machine Learning \
             Models\": train a few iterations and verify that the loss decreases.",
};

/// The verdict on a loss curve (one loss per epoch, the first before any training).
fn judge_curve(curve: &[f64], min_relative_drop: f64, max_rise: f64) -> CheckOutcome {
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
    let largest_rise = curve.windows(2).map(|w| w[1] - w[0]).fold(0.0f64, f64::max)
        / if first == 0.0 { 1.0 } else { first.abs() };
    let steady = largest_rise <= max_rise;
    let passed = last.is_finite() && drop >= min_relative_drop && steady;
    let summary = if !last.is_finite() {
        "Training diverged: the loss became infinite or NaN.".to_owned()
    } else if drop >= min_relative_drop && !steady {
        format!(
            "The loss fell by {:.1}% overall but jumped up by {:.1}% of its starting value in \
             one epoch; at most {:.1}% is allowed: the step size is too large.",
            drop * 100.0,
            largest_rise * 100.0,
            max_rise * 100.0
        )
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
            Metric::new("largest_rise", largest_rise),
        ],
    );
    outcome.loss_curve = curve.to_vec();
    outcome
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail loudly by design.
mod tests {
    use super::*;
    use crate::checks::Verdict;

    /// The verdict, relative drop and rises on `curve`, against values worked by hand.
    fn check(curve: &[f64], min_relative_drop: f64, expect: (Verdict, f64, f64)) {
        let outcome = judge_curve(curve, min_relative_drop, 1.0);
        let got = (
            outcome.verdict,
            outcome.metric("relative_drop").unwrap(),
            outcome.metric("epochs_where_loss_rose").unwrap(),
        );
        assert_eq!(
            got, expect,
            "{curve:?} at {min_relative_drop}: {}",
            outcome.summary
        );
        assert_eq!(outcome.loss_curve, curve);
        assert_eq!(outcome.metric("initial_loss"), curve.first().copied());
        assert_eq!(outcome.metric("final_loss"), curve.last().copied());
    }

    #[test]
    fn the_loss_must_fall_by_the_share_asked_exactly_or_more() {
        use Verdict::{Fail, Pass};
        // (2 − 1) / 2 = 0.5: on the bar passes, just above it fails.
        check(&[2.0, 1.5, 1.0], 0.5, (Pass, 0.5, 0.0));
        check(&[2.0, 1.5, 1.0], 0.5625, (Fail, 0.5, 0.0));
        // One rise on the way down: (2 − 1.5) / 2 = 0.25.
        check(&[2.0, 2.5, 1.5], 0.25, (Pass, 0.25, 1.0));
        // A loss that grew: (1 − 3) / 1 = −2.
        check(&[1.0, 2.0, 3.0], 0.0, (Fail, -2.0, 2.0));
        // Negative losses fall by a share of their size: (−2 − (−3)) / 2 = 0.5.
        check(&[-2.0, -3.0], 0.5, (Pass, 0.5, 0.0));
        // Already zero: no drop rather than 0/0.
        check(&[0.0, 0.0], 0.0, (Pass, 0.0, 0.0));
        check(&[0.0, 0.0], 0.125, (Fail, 0.0, 0.0));
    }

    #[test]
    fn the_summary_says_by_how_much_over_how_many_epochs() {
        // Three losses are two epochs of training.
        let passed = judge_curve(&[2.0, 1.5, 1.0], 0.5, 1.0);
        assert_eq!(passed.summary, "The loss fell by 50.0% over 2 epochs.");
        let failed = judge_curve(&[2.0, 1.5, 1.0], 0.75, 1.0);
        assert_eq!(
            failed.summary,
            "The loss fell by only 50.0%; at least 75.0% was required."
        );
    }

    #[test]
    fn a_diverged_loss_fails_whatever_the_bar() {
        let outcome = judge_curve(&[2.0, f64::INFINITY], -10.0, 1.0);
        assert_eq!(outcome.verdict, Verdict::Fail);
        assert!(outcome.summary.contains("diverged"), "{}", outcome.summary);
        assert_eq!(outcome.metric("epochs_where_loss_rose"), Some(1.0));
        let outcome = judge_curve(&[2.0, 1.0, f64::NAN], -10.0, 1.0);
        assert_eq!(outcome.verdict, Verdict::Fail);
        assert_eq!(
            outcome.metric("epochs_where_loss_rose"),
            Some(1.0),
            "NaN counts as a rise"
        );
        assert_eq!(judge_curve(&[], 0.0, 1.0).verdict, Verdict::Fail);
    }
}
