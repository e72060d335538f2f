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
    when_it_fails: "The model learned nothing useful: the features may not carry the signal, the \
                    target may be mislabelled or leaked into a constant, or training stopped too \
                    early. For imbalanced classes, judge by balanced accuracy or F1.",
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
