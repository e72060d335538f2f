//! Overfit a tiny batch: with enough capacity and no regularisation, a model must be able to
//! memorise a handful of rows. If it cannot, something is broken before generalisation matters.

use ndarray::{ArrayView1, ArrayView2, s};
use serde::{Deserialize, Serialize};

use super::{Check, CheckOutcome, Context, Guide, Plan, non_negative, refuse};
use crate::EngineError;
use crate::metrics::{Metric, argmax};
use crate::model::Head;
use crate::train::{MAX_EPOCHS, TrainConfig, train};

/// Without regularisation, the model memorises a few training rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct OverfitTinyBatch {
    #[serde(default = "default_rows")]
    pub rows: u32,
    #[serde(default = "default_epochs")]
    pub epochs: u32,
    /// Classification: final log loss; regression: final loss over the loss of the mean.
    #[serde(default = "default_max_loss")]
    pub max_loss: f64,
}

/// Most rows the tiny batch may have: it is meant to be tiny.
const MAX_TINY_ROWS: u32 = 256;

fn default_rows() -> u32 {
    8
}
fn default_epochs() -> u32 {
    500
}
fn default_max_loss() -> f64 {
    0.05
}

impl Default for OverfitTinyBatch {
    fn default() -> Self {
        Self {
            rows: default_rows(),
            epochs: default_epochs(),
            max_loss: default_max_loss(),
        }
    }
}

impl Check for OverfitTinyBatch {
    fn id(&self) -> &'static str {
        "overfit_tiny_batch"
    }

    fn guide(&self) -> &'static Guide {
        &GUIDE
    }

    fn validate(&self) -> Result<(), EngineError> {
        let Self {
            rows,
            epochs,
            max_loss,
        } = *self;
        if rows == 0 || rows > MAX_TINY_ROWS {
            return Err(refuse(
                self.id(),
                "rows",
                format!("must be between 1 and {MAX_TINY_ROWS}; it is {rows}"),
            ));
        }
        if epochs == 0 || epochs > MAX_EPOCHS {
            return Err(refuse(
                self.id(),
                "epochs",
                format!("must be between 1 and {MAX_EPOCHS}"),
            ));
        }
        non_negative(self.id(), "max_loss", max_loss)
    }

    fn work(&self, plan: &Plan) -> Result<f64, EngineError> {
        rows_fit(self.rows, plan.train_rows)?;
        let rows = self.rows as usize;
        Ok(plan.training(rows, self.epochs) + plan.predicting(rows))
    }

    fn to_shrink(&self) -> &'static str {
        "lower its rows or epochs"
    }

    fn run(&self, context: &Context) -> Result<CheckOutcome, EngineError> {
        run(context, self.rows, self.epochs, self.max_loss)
    }
}

static GUIDE: Guide = Guide {
    title: "Memorises a tiny batch",
    why: "A handful of examples is easy to learn by heart. A model that cannot drive its training \
          loss close to zero on them, with regularisation off, has a bug or too little capacity, \
          and more data will not fix either.",
    does: "Takes the first rows of the training split (8 by default) and trains a fresh copy of \
           the model on them alone (500 epochs by default), every row in every step, with the L2 \
           penalty switched off. For classification every row must end up classified correctly, \
           with a log loss (a score that punishes confident wrong answers; 0 is perfect) of at \
           most max_loss, 0.05 by default. For regression the final loss must be at most max_loss \
           times the loss of always predicting those rows' mean, so 5% of it by default.",
    when_it_fails: "The model cannot learn even a handful of examples by heart, which it should \
                    manage long before it has to do well on new data. Usually training is too \
                    short or the steps too small for the tiny batch. Otherwise two of the rows \
                    have the same features but different targets, so no model can get both right, \
                    or the model is too simple for them (a linear model cannot separate points \
                    that no straight line separates).",
    fix: "Look at the loss curve: if it is still falling at the end, raise the check's epochs or \
          the spec's learning rate. Look at the tiny batch for rows with equal features and \
          different labels. If a linear model still fails, try fewer rows, or an MLP with a hidden \
          layer, which can bend around the points: if the larger model passes, the training code \
          is fine and the linear model simply lacks capacity.",
    source: "Google, Machine Learning Crash Course, \"Testing for Deploying Machine Learning \
             Models\": train without regularisation on a small set until the loss nears zero.",
};

/// The tiny batch is taken from the training rows, so there must be enough of them.
fn rows_fit(rows: u32, available: usize) -> Result<(), EngineError> {
    if rows == 0 || rows as usize > available {
        return Err(EngineError::setting(
            "checks.rows",
            format!("must be between 1 and the {available} training rows; it is {rows}"),
        ));
    }
    Ok(())
}

fn run(
    context: &Context,
    rows: u32,
    epochs: u32,
    max_loss: f64,
) -> Result<CheckOutcome, EngineError> {
    rows_fit(rows, context.train.features.nrows())?;
    let n = rows as usize;
    let x = context.train.features.slice(s![..n, ..]);
    let y = context.train.target.slice(s![..n]);
    let model = train(
        context.network,
        x,
        y,
        &tiny_config(context.config, rows, epochs),
    )?;
    let loss = model.loss_curve.last().copied().unwrap_or(f64::NAN);

    let (score, passed, summary) = if context.network.head() == Head::Identity {
        let relative = relative_to_mean(loss, y);
        let passed = relative <= max_loss;
        (
            relative,
            passed,
            format!(
                "Training loss on {n} rows reached {:.2}% of the mean predictor's.",
                relative * 100.0
            ),
        )
    } else {
        let wrong = misclassified(context.network.predict(&model.params, x).view(), y);
        let (passed, summary) = memorised(wrong, n, loss, max_loss);
        (loss, passed, summary)
    };
    let mut outcome = CheckOutcome::new(
        passed && loss.is_finite(),
        summary,
        vec![
            Metric::new("final_loss", loss),
            Metric::new("score", score),
            Metric::new("rows", n as f64),
        ],
    );
    outcome.loss_curve = model.loss_curve;
    Ok(outcome)
}

/// The spec's training settings for the tiny batch: `epochs` full-batch epochs over `rows` rows,
/// without the L2 penalty, which would keep the loss from reaching zero.
fn tiny_config(config: &TrainConfig, rows: u32, epochs: u32) -> TrainConfig {
    TrainConfig {
        epochs,
        batch_size: rows,
        l2: 0.0,
        ..config.clone()
    }
}

/// Whether a classifier memorised its `n` rows: every one right and the loss at most `max_loss`.
fn memorised(wrong: usize, n: usize, loss: f64, max_loss: f64) -> (bool, String) {
    let summary = if wrong > 0 {
        format!("{wrong} of {n} memorised rows are still misclassified.")
    } else {
        format!("All {n} rows are classified correctly; log loss {loss:.4}.")
    };
    (wrong == 0 && loss <= max_loss, summary)
}

/// `loss` relative to predicting the batch mean, whose loss is half the variance (the loss
/// itself when the targets are all equal).
fn relative_to_mean(loss: f64, y: ArrayView1<f64>) -> f64 {
    let n = y.len() as f64;
    let mean = y.sum() / n;
    let mean_loss = y.iter().map(|v| 0.5 * (v - mean) * (v - mean)).sum::<f64>() / n;
    if mean_loss > 0.0 {
        loss / mean_loss
    } else {
        loss
    }
}

/// Rows whose predicted class is not the target: a single column is P(class 1), cut at 0.5.
fn misclassified(predictions: ArrayView2<f64>, y: ArrayView1<f64>) -> usize {
    predictions
        .rows()
        .into_iter()
        .zip(y)
        .filter(|(p, t)| {
            let class = if p.len() == 1 {
                usize::from(p[0] >= 0.5)
            } else {
                argmax(&p.to_vec())
            };
            class != **t as usize
        })
        .count()
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;

    #[test]
    fn regression_loss_is_measured_against_the_mean_predictor() {
        // Targets 1, 3, 5: mean 3, half squared deviations 2, 0, 2, mean loss 4/3.
        let y = array![1.0, 3.0, 5.0];
        let cases = [(0.0, 0.0), (4.0 / 3.0, 1.0), (1.0 / 3.0, 0.25)];
        for (loss, expect) in cases {
            let got = relative_to_mean(loss, y.view());
            assert!(
                (got - expect).abs() < 1e-15,
                "loss {loss}: got {got}, expected {expect}"
            );
        }
        // All targets equal: nothing to compare with, the loss as it is.
        assert_eq!(relative_to_mean(0.5, array![2.0, 2.0].view()), 0.5);
    }

    #[test]
    fn the_tiny_batch_takes_one_to_all_of_the_training_rows() {
        let cases = [
            (1, 10, true),
            (10, 10, true),
            (11, 10, false),
            (0, 10, false),
        ];
        for (rows, available, fits) in cases {
            match rows_fit(rows, available) {
                Ok(()) => assert!(fits, "{rows} of {available} accepted"),
                Err(error) => {
                    assert!(!fits, "{rows} of {available} refused: {error}");
                    let message = error.to_string();
                    assert!(
                        message.contains("checks.rows")
                            && message
                                .contains(&format!("the {available} training rows; it is {rows}")),
                        "{message}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_tiny_batch_trains_full_batch_for_its_epochs_without_l2() {
        let spec = TrainConfig {
            seed: 7,
            epochs: 30,
            batch_size: 32,
            learning_rate: 0.25,
            l2: 0.5,
            ..TrainConfig::default()
        };
        let tiny = tiny_config(&spec, 8, 500);
        assert_eq!(
            (tiny.epochs, tiny.batch_size, tiny.l2),
            (500, 8, 0.0),
            "{tiny:?}"
        );
        // The rest is the spec's own.
        assert_eq!((tiny.seed, tiny.learning_rate), (7, 0.25));
    }

    #[test]
    fn a_classifier_memorised_its_rows_when_all_are_right_and_the_loss_is_low() {
        let cases = [
            // (wrong, loss, max_loss, passes, summary starts)
            (
                0,
                0.05,
                0.05,
                true,
                "All 8 rows are classified correctly; log loss 0.0500.",
            ),
            (
                0,
                0.0625,
                0.05,
                false,
                "All 8 rows are classified correctly",
            ),
            (
                1,
                0.0,
                0.05,
                false,
                "1 of 8 memorised rows are still misclassified.",
            ),
            (3, 0.5, 0.05, false, "3 of 8"),
        ];
        for (wrong, loss, max_loss, passes, says) in cases {
            let (passed, summary) = memorised(wrong, 8, loss, max_loss);
            assert_eq!(passed, passes, "{wrong} wrong, loss {loss}: {summary}");
            assert!(summary.starts_with(says), "{summary}");
        }
    }

    #[test]
    fn misclassified_rows_are_counted_with_the_cut_at_one_half() {
        let cases = [
            // P(class 1), 0.5 itself counting as class 1.
            (array![[0.5], [0.25], [0.75]], array![1.0, 0.0, 1.0], 0),
            (array![[0.5], [0.5], [0.25]], array![0.0, 1.0, 1.0], 2),
        ];
        for (predictions, y, expect) in cases {
            assert_eq!(
                misclassified(predictions.view(), y.view()),
                expect,
                "{predictions:?}"
            );
        }
        // Three classes by argmax, ties to the lower class.
        let predictions = array![[0.25, 0.5, 0.25], [0.5, 0.5, 0.0], [0.0, 0.25, 0.75]];
        assert_eq!(
            misclassified(predictions.view(), array![1.0, 1.0, 2.0].view()),
            1
        );
    }
}
