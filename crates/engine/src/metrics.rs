//! Quality metrics, computed the way scikit-learn defines them so numbers can be cross-checked.
//!
//! Regression: MSE, RMSE, MAE, R² (`1 − SS_res/SS_tot`; 1 for a perfect fit of a constant target,
//! 0 otherwise). Classification: accuracy, balanced accuracy (mean per-class recall), macro
//! precision / recall / F1 over the labels present in truth or predictions (a class never
//! predicted has precision 0), log loss (probabilities
//! clipped to `[ε, 1−ε]`, ε = 2⁻⁵²), ROC AUC for two classes (the Mann–Whitney statistic, ties
//! counted half), and the confusion matrix (rows: true class, columns: predicted).

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::checks::Metric;
use crate::data::Dataset;
use crate::model::{Head, Network};

/// A metric a check can be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum MetricName {
    Mse,
    Rmse,
    Mae,
    R2,
    Accuracy,
    BalancedAccuracy,
    MacroPrecision,
    MacroRecall,
    MacroF1,
    LogLoss,
    RocAuc,
}

impl MetricName {
    pub fn id(self) -> &'static str {
        match self {
            MetricName::Mse => "mse",
            MetricName::Rmse => "rmse",
            MetricName::Mae => "mae",
            MetricName::R2 => "r2",
            MetricName::Accuracy => "accuracy",
            MetricName::BalancedAccuracy => "balanced_accuracy",
            MetricName::MacroPrecision => "macro_precision",
            MetricName::MacroRecall => "macro_recall",
            MetricName::MacroF1 => "macro_f1",
            MetricName::LogLoss => "log_loss",
            MetricName::RocAuc => "roc_auc",
        }
    }

    /// Whether larger values are better (accuracy) or worse (an error).
    pub fn higher_is_better(self) -> bool {
        !matches!(
            self,
            MetricName::Mse | MetricName::Rmse | MetricName::Mae | MetricName::LogLoss
        )
    }
}

/// Metrics of one model on one dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub metrics: Vec<Metric>,
    /// Counts by true class (rows) and predicted class (columns); empty for regression.
    pub confusion: Vec<Vec<u64>>,
}

impl Evaluation {
    pub fn get(&self, name: MetricName) -> Option<f64> {
        self.get_named(name.id())
    }

    pub fn get_named(&self, name: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.value)
    }
}

/// Evaluates `params` on `data` with the metrics that fit the network's head.
pub fn evaluate(network: &Network, params: &[f64], data: &Dataset) -> Evaluation {
    let predictions = network.predict(params, data.features.view());
    let y: Vec<f64> = data.target.to_vec();
    match network.head() {
        Head::Identity => Evaluation {
            metrics: regression(&predictions.column(0).to_vec(), &y),
            confusion: Vec::new(),
        },
        Head::Sigmoid | Head::Softmax => classification(predictions.view(), &y, data.classes.len()),
    }
}

pub fn regression(predicted: &[f64], actual: &[f64]) -> Vec<Metric> {
    let n = actual.len().max(1) as f64;
    let mean = actual.iter().sum::<f64>() / n;
    let (mut squared, mut absolute, mut total) = (0.0, 0.0, 0.0);
    for (p, a) in predicted.iter().zip(actual) {
        squared += (p - a) * (p - a);
        absolute += (p - a).abs();
        total += (a - mean) * (a - mean);
    }
    let mse = squared / n;
    let r2 = if total > 0.0 {
        1.0 - squared / total
    } else if squared == 0.0 {
        1.0
    } else {
        0.0
    };
    vec![
        Metric::new(MetricName::Mse.id(), mse),
        Metric::new(MetricName::Rmse.id(), libm::sqrt(mse)),
        Metric::new(MetricName::Mae.id(), absolute / n),
        Metric::new(MetricName::R2.id(), r2),
    ]
}

/// Probability of each class per row: a sigmoid head gives one column, widened here to two.
fn class_probabilities(predictions: ArrayView2<f64>, classes: usize) -> Vec<Vec<f64>> {
    predictions
        .rows()
        .into_iter()
        .map(|row| {
            if row.len() == 1 && classes == 2 {
                vec![1.0 - row[0], row[0]]
            } else {
                row.to_vec()
            }
        })
        .collect()
}

/// The predicted class: the most probable, the lowest index on ties.
pub fn argmax(probabilities: &[f64]) -> usize {
    let mut best = 0;
    for (k, &p) in probabilities.iter().enumerate() {
        if p > probabilities[best] {
            best = k;
        }
    }
    best
}

pub fn classification(predictions: ArrayView2<f64>, actual: &[f64], classes: usize) -> Evaluation {
    let probabilities = class_probabilities(predictions, classes);
    let classes = classes.max(1);
    let mut confusion = vec![vec![0u64; classes]; classes];
    let mut log_loss = 0.0;
    const EPSILON: f64 = f64::EPSILON;
    for (probs, &a) in probabilities.iter().zip(actual) {
        let truth = (a as usize).min(classes - 1);
        confusion[truth][argmax(probs).min(classes - 1)] += 1;
        let p = probs
            .get(truth)
            .copied()
            .unwrap_or(0.0)
            .clamp(EPSILON, 1.0 - EPSILON);
        log_loss -= libm::log(p);
    }
    let n = actual.len().max(1) as f64;
    let correct: u64 = (0..classes).map(|k| confusion[k][k]).sum();
    let (mut precision_sum, mut recall_sum, mut f1_sum) = (0.0, 0.0, 0.0);
    // scikit-learn averages over labels seen in truth or predictions; balanced accuracy over
    // labels seen in truth.
    let (mut seen, mut present) = (0usize, 0usize);
    #[allow(clippy::needless_range_loop)] // k indexes both rows and columns.
    for k in 0..classes {
        let true_k: u64 = confusion[k].iter().sum();
        let predicted_k: u64 = (0..classes).map(|t| confusion[t][k]).sum();
        let hit = confusion[k][k] as f64;
        let precision = if predicted_k > 0 {
            hit / predicted_k as f64
        } else {
            0.0
        };
        let recall = if true_k > 0 { hit / true_k as f64 } else { 0.0 };
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        precision_sum += precision;
        recall_sum += recall;
        f1_sum += f1;
        if true_k > 0 {
            present += 1;
        }
        if true_k > 0 || predicted_k > 0 {
            seen += 1;
        }
    }
    let k = seen.max(1) as f64;
    let mut metrics = vec![
        Metric::new(MetricName::Accuracy.id(), correct as f64 / n),
        // Balanced accuracy averages recall over the classes present in the data.
        Metric::new(
            MetricName::BalancedAccuracy.id(),
            recall_sum / present.max(1) as f64,
        ),
        Metric::new(MetricName::MacroPrecision.id(), precision_sum / k),
        Metric::new(MetricName::MacroRecall.id(), recall_sum / k),
        Metric::new(MetricName::MacroF1.id(), f1_sum / k),
        Metric::new(MetricName::LogLoss.id(), log_loss / n),
    ];
    if classes == 2 {
        let scores: Vec<f64> = probabilities
            .iter()
            .map(|p| p.get(1).copied().unwrap_or(0.0))
            .collect();
        if let Some(auc) = roc_auc(&scores, actual) {
            metrics.push(Metric::new(MetricName::RocAuc.id(), auc));
        }
    }
    Evaluation { metrics, confusion }
}

/// Area under the ROC curve: the chance a random positive scores above a random negative,
/// ties counting half. `None` when one class is absent.
pub fn roc_auc(scores: &[f64], actual: &[f64]) -> Option<f64> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Average ranks (1-based) over tied scores.
    let mut ranks = vec![0.0; scores.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && scores[order[end]] == scores[order[start]] {
            end += 1;
        }
        let rank = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = rank;
        }
        start = end;
    }
    let positives = actual.iter().filter(|&&a| a == 1.0).count();
    let negatives = actual.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let positive_rank_sum: f64 = ranks
        .iter()
        .zip(actual)
        .filter(|(_, a)| **a == 1.0)
        .map(|(r, _)| r)
        .sum();
    let p = positives as f64;
    Some((positive_rank_sum - p * (p + 1.0) / 2.0) / (p * negatives as f64))
}
