//! Beats a trivial baseline: the model must do better than always predicting the majority class
//! (classification) or the training mean (regression).

use ndarray::Array2;

use super::{CheckOutcome, Context, Guide, Metric, metric_of};
use crate::EngineError;
use crate::metrics::{self, Evaluation, MetricName};

pub(super) static GUIDE: Guide = Guide {
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

pub(super) fn run(
    context: &Context,
    metric: Option<MetricName>,
    margin: f64,
) -> Result<CheckOutcome, EngineError> {
    let name = metric.unwrap_or(if context.is_classification() {
        MetricName::Accuracy
    } else {
        MetricName::Rmse
    });
    let model = context.validation_metric(name)?;
    let baseline = metric_of(&baseline_evaluation(context), name)?;
    let better = if name.higher_is_better() {
        model > baseline + margin
    } else {
        model < baseline - margin
    };
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

/// The best constant predictor fitted on the training split, scored on validation.
fn baseline_evaluation(context: &Context) -> Evaluation {
    let train = &context.train.target;
    let validation = context.validation.target.to_vec();
    let n = validation.len();
    let classes = context.train.classes.len();
    if classes == 0 {
        let mean = train.sum() / train.len().max(1) as f64;
        return Evaluation {
            metrics: metrics::regression(&vec![mean; n], &validation),
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
    metrics::classification(predictions.view(), &validation, classes)
}
