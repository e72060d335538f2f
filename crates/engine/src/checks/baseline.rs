//! Beats a trivial baseline: the model must do better than always predicting the majority class
//! (classification) or the training mean (regression).

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use super::{Check, CheckOutcome, Context, Guide, Plan, metric_of, non_negative};
use crate::EngineError;
use crate::metrics::{self, Evaluation, Metric, MetricName};

/// The model beats a trivial predictor on the validation split by a margin.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BeatsBaseline {
    #[serde(default)]
    pub metric: Option<MetricName>,
    #[serde(default)]
    pub margin: f64,
}

impl BeatsBaseline {
    /// The metric compared: the one named, else accuracy for a classifier, RMSE for regression.
    fn metric_for(&self, classification: bool) -> MetricName {
        self.metric.unwrap_or(if classification {
            MetricName::Accuracy
        } else {
            MetricName::Rmse
        })
    }
}

impl Check for BeatsBaseline {
    fn id(&self) -> &'static str {
        "beats_baseline"
    }

    fn guide(&self) -> &'static Guide {
        &GUIDE
    }

    fn validate(&self) -> Result<(), EngineError> {
        non_negative(self.id(), "margin", self.margin)
    }

    /// Two predictions of the validation split and a pass over the training targets.
    fn work(&self, plan: &Plan) -> Result<f64, EngineError> {
        plan.measures(self.metric_for(plan.classes > 0))?;
        Ok(2.0 * plan.predicting(plan.validation_rows) + plan.train_rows as f64)
    }

    fn run(&self, context: &Context) -> Result<CheckOutcome, EngineError> {
        run(
            context,
            self.metric_for(context.is_classification()),
            self.margin,
        )
    }
}

static GUIDE: Guide = Guide {
    title: "Beats a trivial baseline",
    why: "A score means little on its own: when 99% of mail is not spam, a model that always says \
          \"not spam\" is 99% accurate and useless. Comparing with the best constant prediction \
          shows what the model adds.",
    does: "Scores the model on the validation split and compares it with a predictor that ignores \
           the features: for classification, one that gives every row the class shares seen in the \
           training split, so it always picks the most common class; for regression, one that \
           always predicts the training split's mean. The score is accuracy, or RMSE (the typical \
           size of an error) for regression, unless another metric is chosen, and the model must \
           be better by more than margin (0 by default).",
    when_it_fails: "The model adds nothing over a guess that never looks at the data. The features \
                    may not carry the signal, the target may be mislabelled or be the wrong \
                    column, training may have stopped far too early, or one class is so common \
                    that always naming it is hard to beat on accuracy.",
    fix: "Look at the loss and tiny-batch checks first: if they fail, fix training before judging \
          the model. Make sure the target column and its values are right. With imbalanced \
          classes, choose a metric that weighs every class equally, such as balanced_accuracy or \
          macro_f1. If the model still cannot beat the baseline, the features need work before the \
          model does.",
    source: "Google, Machine Learning Crash Course, \"Testing for Deploying Machine Learning \
             Models\": know the baseline a trivial model reaches; Equal Experts, MLOps playbook, \
             \"Testing through the ML pipeline\".",
};

fn run(context: &Context, name: MetricName, margin: f64) -> Result<CheckOutcome, EngineError> {
    let model = context.validation_metric(name)?;
    let baseline = metric_of(
        &baseline_evaluation(
            &context.train.target.to_vec(),
            &context.validation.target.to_vec(),
            context.train.classes.len(),
        ),
        name,
    )?;
    let better = beats(model, baseline, margin, name.higher_is_better());
    let kind = if context.is_classification() {
        "the majority class"
    } else {
        "the training mean"
    };
    let summary = format!(
        "Validation {}: model {model:.4}, always predicting {kind} {baseline:.4}.",
        name.id()
    );
    Ok(CheckOutcome::new(
        better,
        summary,
        vec![
            Metric::new("model", model),
            Metric::new("baseline", baseline),
            Metric::new("margin", margin),
        ],
    ))
}

/// Whether `model` is better than `baseline` by more than `margin`, in the metric's direction.
pub(crate) fn beats(model: f64, baseline: f64, margin: f64, higher_is_better: bool) -> bool {
    if higher_is_better {
        model > baseline + margin
    } else {
        model < baseline - margin
    }
}

/// The best constant predictor fitted on the training targets, scored on the validation ones
/// (`classes` is 0 for regression).
pub(crate) fn baseline_evaluation(train: &[f64], validation: &[f64], classes: usize) -> Evaluation {
    let n = validation.len();
    if classes == 0 {
        let mean = train.iter().sum::<f64>() / train.len().max(1) as f64;
        return Evaluation {
            metrics: metrics::regression(&vec![mean; n], validation),
            confusion: Vec::new(),
        };
    }
    let mut prior = vec![0.0; classes];
    for &t in train {
        prior[(t as usize).min(classes - 1)] += 1.0;
    }
    let total = train.len().max(1) as f64;
    let prior: Vec<f64> = prior.into_iter().map(|c| c / total).collect();
    let predictions = Array2::from_shape_fn((n, classes), |(_, k)| prior[k]);
    metrics::classification(predictions.view(), validation, classes)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail loudly by design.
mod tests {
    use super::*;

    /// The baseline's `metric` for these targets, against a value worked by hand.
    fn check(train: &[f64], validation: &[f64], classes: usize, metric: MetricName, expect: f64) {
        let got = baseline_evaluation(train, validation, classes)
            .get(metric)
            .unwrap();
        assert!(
            (got - expect).abs() < 1e-12,
            "{train:?} -> {validation:?}, {}: got {got}, expected {expect}",
            metric.id()
        );
    }

    #[test]
    fn regression_predicts_the_training_mean() {
        // Training mean (1 + 2 + 6) / 3 = 3. Validation 3 and 7: errors 0 and 4,
        // MSE (0 + 16) / 2 = 8, MAE (0 + 4) / 2 = 2.
        check(&[1.0, 2.0, 6.0], &[3.0, 7.0], 0, MetricName::Mse, 8.0);
        check(&[1.0, 2.0, 6.0], &[3.0, 7.0], 0, MetricName::Mae, 2.0);
        // Validation 3, 3: the mean is exactly right.
        check(&[1.0, 2.0, 6.0], &[3.0, 3.0], 0, MetricName::Rmse, 0.0);
        // Training 10, 20 (mean 15) against validation 0: RMSE 15, not the validation mean's 0.
        check(&[10.0, 20.0], &[0.0], 0, MetricName::Rmse, 15.0);
    }

    #[test]
    fn classification_uses_the_training_prior_whatever_class_is_most_common() {
        // Class 2 is the training majority (3 of 5): every validation row is called 2.
        let train = [2.0, 0.0, 2.0, 1.0, 2.0];
        check(&train, &[2.0, 2.0, 0.0, 1.0], 3, MetricName::Accuracy, 0.5);
        // Log loss: −(ln 0.6 + ln 0.6 + ln 0.2 + ln 0.2) / 4 = (1.021651… + 3.218876…) / 4.
        let log_loss = -(2.0 * 0.6f64.ln() + 2.0 * 0.2f64.ln()) / 4.0;
        check(
            &train,
            &[2.0, 2.0, 0.0, 1.0],
            3,
            MetricName::LogLoss,
            log_loss,
        );
        // Binary with class 1 the majority (2 of 3): right on the two 1s of three rows.
        check(
            &[1.0, 0.0, 1.0],
            &[1.0, 0.0, 1.0],
            2,
            MetricName::Accuracy,
            2.0 / 3.0,
        );
    }

    #[test]
    fn a_label_past_the_last_class_counts_as_the_last_rather_than_panicking() {
        // Training labels 1, 7 (7 read as class 1) with 2 classes: the prior is (0, 1).
        check(&[1.0, 7.0], &[1.0, 0.0], 2, MetricName::Accuracy, 0.5);
    }

    #[test]
    fn the_model_must_beat_the_baseline_by_more_than_the_margin() {
        let cases = [
            // (model, baseline, margin, higher is better, beats)
            (0.9, 0.6, 0.0, true, true),
            (0.6, 0.6, 0.0, true, false), // equal is not better
            (0.5, 0.6, 0.0, true, false),
            (0.85, 0.6, 0.25, true, false), // 0.6 + 0.25 = 0.85 exactly: not more
            (0.86, 0.6, 0.25, true, true),
            (2.0, 3.0, 0.0, false, true), // an error: lower is better
            (3.0, 3.0, 0.0, false, false),
            (4.0, 3.0, 0.0, false, false),
            (2.0, 3.0, 1.0, false, false), // 3 − 1 = 2 exactly: not more
            (1.5, 3.0, 1.0, false, true),
        ];
        for (model, baseline, margin, higher, expect) in cases {
            assert_eq!(
                beats(model, baseline, margin, higher),
                expect,
                "model {model}, baseline {baseline}, margin {margin}, higher is better {higher}"
            );
        }
    }
}
