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

use crate::data::{Dataset, Task};
use crate::model::{Head, Network};

/// A named number of evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Metric {
    pub name: String,
    #[serde(with = "crate::spec::float")]
    #[cfg_attr(feature = "schema", schemars(with = "crate::spec::float::FloatValue"))]
    pub value: f64,
}

impl Metric {
    pub fn new(name: &str, value: f64) -> Self {
        Self {
            name: name.to_owned(),
            value,
        }
    }
}

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
    /// The metrics an evaluation reports for `task`, in the order a user is offered them (ROC
    /// AUC also needs both classes in the validation split, which only a run finds out).
    pub fn for_task(task: Task) -> &'static [MetricName] {
        use MetricName::*;
        match task {
            Task::Regression => &[R2, Rmse, Mse, Mae],
            Task::BinaryClassification => &[
                Accuracy,
                BalancedAccuracy,
                MacroF1,
                MacroPrecision,
                MacroRecall,
                RocAuc,
                LogLoss,
            ],
            Task::MulticlassClassification => &[
                Accuracy,
                BalancedAccuracy,
                MacroF1,
                MacroPrecision,
                MacroRecall,
                LogLoss,
            ],
        }
    }

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
    pub(crate) fn higher_is_better(self) -> bool {
        !matches!(
            self,
            MetricName::Mse | MetricName::Rmse | MetricName::Mae | MetricName::LogLoss
        )
    }

    /// The values the metric can take: scores lie in [0, 1], R² at most 1, errors at least 0.
    pub(crate) fn range(self) -> std::ops::RangeInclusive<f64> {
        match self {
            MetricName::R2 => f64::NEG_INFINITY..=1.0,
            MetricName::Mse | MetricName::Rmse | MetricName::Mae | MetricName::LogLoss => {
                0.0..=f64::INFINITY
            }
            _ => 0.0..=1.0,
        }
    }
}

/// Metrics of one model on one dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub metrics: Vec<Metric>,
    /// Counts by true class (rows) and predicted class (columns); empty for regression.
    pub confusion: Vec<Vec<u64>>,
}

impl Evaluation {
    pub fn get(&self, name: MetricName) -> Option<f64> {
        self.get_named(name.id())
    }

    fn get_named(&self, name: &str) -> Option<f64> {
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

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail loudly by design.
mod tests {
    use ndarray::Array2;

    use super::*;

    #[test]
    fn the_metrics_offered_for_a_task_are_those_its_evaluation_reports() {
        let names = |metrics: &[Metric]| -> Vec<String> {
            let mut names: Vec<String> = metrics.iter().map(|m| m.name.clone()).collect();
            names.sort();
            names
        };
        let offered = |task| -> Vec<String> {
            let mut ids: Vec<String> = MetricName::for_task(task)
                .iter()
                .map(|m| m.id().to_owned())
                .collect();
            ids.sort();
            ids
        };
        let regression = regression(&[1.0, 2.0, 4.0], &[1.5, 2.0, 3.0]);
        assert_eq!(names(&regression), offered(Task::Regression));
        // Two classes, as P(class 1); three as one probability per class.
        let binary = ndarray::array![[0.2], [0.7], [0.6]];
        let binary = classification(binary.view(), &[0.0, 1.0, 0.0], 2);
        assert_eq!(names(&binary.metrics), offered(Task::BinaryClassification));
        let three = ndarray::array![[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6]];
        let three = classification(three.view(), &[0.0, 1.0, 1.0], 3);
        assert_eq!(
            names(&three.metrics),
            offered(Task::MulticlassClassification)
        );
    }

    /// Each `(metric, value)` of `evaluation`, to 1e-12.
    fn check(evaluation: &Evaluation, expect: &[(MetricName, f64)]) {
        for &(name, value) in expect {
            let got = evaluation.get(name).unwrap();
            assert!(
                (got - value).abs() < 1e-12,
                "{}: got {got}, expected {value}",
                name.id()
            );
        }
    }

    fn regression_of(predicted: &[f64], actual: &[f64]) -> Evaluation {
        Evaluation {
            metrics: regression(predicted, actual),
            confusion: Vec::new(),
        }
    }

    fn classified(rows: &[&[f64]], actual: &[f64], classes: usize) -> Evaluation {
        let width = rows[0].len();
        let flat: Vec<f64> = rows.iter().flat_map(|r| r.iter().copied()).collect();
        let predictions = Array2::from_shape_vec((rows.len(), width), flat).unwrap();
        classification(predictions.view(), actual, classes)
    }

    #[test]
    fn regression_metrics_by_hand() {
        // Actual 1, 2, 3 (mean 2, SS_tot 2); predicted 1, 2, 4 (errors 0, 0, 1, SS_res 1).
        check(
            &regression_of(&[1.0, 2.0, 4.0], &[1.0, 2.0, 3.0]),
            &[
                (MetricName::Mse, 1.0 / 3.0),
                (MetricName::Rmse, (1.0f64 / 3.0).sqrt()),
                (MetricName::Mae, 1.0 / 3.0),
                (MetricName::R2, 0.5),
            ],
        );
        // Errors −2 and +2 cancel in a sum but not in MSE (4) or MAE (2); R² 1 − 8/2 = −3.
        check(
            &regression_of(&[-1.0, 5.0], &[1.0, 3.0]),
            &[
                (MetricName::Mse, 4.0),
                (MetricName::Mae, 2.0),
                (MetricName::R2, -3.0),
            ],
        );
    }

    #[test]
    fn r2_on_a_constant_target_is_1_for_a_perfect_fit_and_0_otherwise() {
        // scikit-learn's r2_score (force_finite=True) gives the same two values.
        check(
            &regression_of(&[2.0, 2.0], &[2.0, 2.0]),
            &[(MetricName::R2, 1.0)],
        );
        check(
            &regression_of(&[1.0, 3.0], &[2.0, 2.0]),
            &[(MetricName::R2, 0.0)],
        );
    }

    #[test]
    fn ties_go_to_the_lowest_class() {
        let cases: [(&[f64], usize); 5] = [
            (&[0.5, 0.5], 0),
            (&[0.2, 0.4, 0.4], 1),
            (&[0.1, 0.2, 0.7], 2),
            (&[0.9, 0.05, 0.05], 0),
            (&[], 0),
        ];
        for (probabilities, expect) in cases {
            assert_eq!(argmax(probabilities), expect, "{probabilities:?}");
        }
    }

    #[test]
    fn a_class_never_predicted_or_never_present_counts_as_scikit_learn_does() {
        // Truth 0, 0, 1, 1; predicted 0, 0, 0, 2; class 3 neither predicted nor present.
        // Confusion rows (truth): [2 0 0 0], [1 0 1 0]. Per class (precision, recall, F1):
        // 0: (2/3, 1, 0.8); 1 never predicted: (0, 0, 0); 2 never present: (0, 0, 0).
        // Averages over the 3 classes seen; balanced accuracy over the 2 present.
        // scikit-learn (zero_division=0) agrees: precision 2/9, recall 1/3, F1 0.8/3.
        let evaluation = classified(
            &[
                &[0.5, 0.25, 0.125, 0.125],
                &[0.5, 0.25, 0.125, 0.125],
                &[0.5, 0.25, 0.25, 0.0],
                &[0.125, 0.25, 0.625, 0.0],
            ],
            &[0.0, 0.0, 1.0, 1.0],
            4,
        );
        check(
            &evaluation,
            &[
                (MetricName::Accuracy, 0.5),
                (MetricName::BalancedAccuracy, 0.5),
                (MetricName::MacroPrecision, 2.0 / 9.0),
                (MetricName::MacroRecall, 1.0 / 3.0),
                (MetricName::MacroF1, 0.8 / 3.0),
                // −(ln 0.5 + ln 0.5 + ln 0.25 + ln 0.25) / 4 = (2 ln 2 + 4 ln 2) / 4 = 1.5 ln 2.
                (MetricName::LogLoss, 1.5 * std::f64::consts::LN_2),
            ],
        );
        assert_eq!(
            evaluation.confusion,
            vec![vec![2, 0, 0, 0], vec![1, 0, 1, 0], vec![0; 4], vec![0; 4]]
        );
        assert!(evaluation.metrics.iter().all(|m| m.value.is_finite()));
        assert_eq!(
            evaluation.get(MetricName::RocAuc),
            None,
            "AUC is for two classes"
        );
    }

    #[test]
    fn f1_is_the_harmonic_mean_of_precision_and_recall() {
        // Truth 0, 0, 1, 1; predicted 0, 1, 1, 1. Class 0: precision 1, recall 1/2, F1 2/3;
        // class 1: precision 2/3, recall 1, F1 0.8. scikit-learn's macro F1: (2/3 + 0.8) / 2.
        let evaluation = classified(
            &[&[0.25], &[0.75], &[0.75], &[0.75]],
            &[0.0, 0.0, 1.0, 1.0],
            2,
        );
        check(
            &evaluation,
            &[
                (MetricName::MacroPrecision, (1.0 + 2.0 / 3.0) / 2.0),
                (MetricName::MacroRecall, 0.75),
                (MetricName::MacroF1, (2.0 / 3.0 + 0.8) / 2.0),
            ],
        );
    }

    #[test]
    fn averages_count_the_classes_seen_not_the_classes_declared() {
        // Truth 0, 1; both predicted 0. Class 0: precision 1/2, recall 1; class 1: 0, 0.
        // Over the 2 classes seen (scikit-learn): precision 1/4, recall 1/2, balanced 1/2,
        // whether a third class is declared (and never seen) or not.
        let expect = [
            (MetricName::MacroPrecision, 0.25),
            (MetricName::MacroRecall, 0.5),
            (MetricName::BalancedAccuracy, 0.5),
        ];
        let three = classified(&[&[0.75, 0.25, 0.0], &[0.75, 0.25, 0.0]], &[0.0, 1.0], 3);
        check(&three, &expect);
        check(&classified(&[&[0.25], &[0.25]], &[0.0, 1.0], 2), &expect);
    }

    #[test]
    fn a_sigmoid_column_is_the_probability_of_class_1() {
        // P(1) 0.75 and 0.25 for truth 1 and 0: both right, log loss −ln 0.75, AUC 1.
        let evaluation = classified(&[&[0.75], &[0.25]], &[1.0, 0.0], 2);
        check(
            &evaluation,
            &[
                (MetricName::Accuracy, 1.0),
                (MetricName::LogLoss, -(0.75f64.ln())),
                (MetricName::RocAuc, 1.0),
            ],
        );
        assert_eq!(evaluation.confusion, vec![vec![1, 0], vec![0, 1]]);
    }

    #[test]
    fn a_label_or_prediction_past_the_last_class_counts_as_the_last() {
        // Truth 4 with 2 classes is read as class 1; a third probability column as class 1 too.
        let evaluation = classified(&[&[0.25, 0.75, 0.0], &[0.0, 0.25, 0.75]], &[4.0, 1.0], 2);
        assert_eq!(evaluation.confusion, vec![vec![0, 0], vec![0, 2]]);
    }

    #[test]
    fn log_loss_clips_probabilities_to_epsilon_as_scikit_learn_does() {
        // scikit-learn clips to [ε, 1 − ε] with ε = 2⁻⁵²: a certain right answer costs
        // −ln(1 − ε) rather than 0, a certain wrong one −ln ε ≈ 36.04 rather than infinity.
        let right = classified(&[&[0.0, 1.0]], &[1.0], 2);
        assert_eq!(
            right.get(MetricName::LogLoss),
            Some(-libm::log(1.0 - f64::EPSILON))
        );
        let wrong = classified(&[&[1.0, 0.0]], &[1.0], 2);
        assert_eq!(
            wrong.get(MetricName::LogLoss),
            Some(-libm::log(f64::EPSILON))
        );
    }

    #[test]
    fn errors_are_lower_is_better_and_scores_higher() {
        use MetricName::*;
        let cases = [
            (Mse, false),
            (Rmse, false),
            (Mae, false),
            (LogLoss, false),
            (R2, true),
            (Accuracy, true),
            (BalancedAccuracy, true),
            (MacroPrecision, true),
            (MacroRecall, true),
            (MacroF1, true),
            (RocAuc, true),
        ];
        for (name, higher) in cases {
            assert_eq!(name.higher_is_better(), higher, "{}", name.id());
        }
    }

    #[test]
    fn roc_auc_counts_ties_half_and_needs_both_classes() {
        // scikit-learn's roc_auc_score documentation example: 0.75.
        assert_eq!(
            roc_auc(&[0.1, 0.4, 0.35, 0.8], &[0.0, 0.0, 1.0, 1.0]),
            Some(0.75)
        );
        // Pairs (positive, negative): 0.5 vs 0.5 twice (half each), 0.9 beats both: 3/4.
        assert_eq!(
            roc_auc(&[0.5, 0.5, 0.5, 0.9], &[0.0, 1.0, 0.0, 1.0]),
            Some(0.75)
        );
        // One positive and one negative tied: half a win, whatever their order (scikit-learn 0.5).
        assert_eq!(roc_auc(&[0.5, 0.5], &[1.0, 0.0]), Some(0.5));
        assert_eq!(roc_auc(&[0.5, 0.5], &[0.0, 1.0]), Some(0.5));
        // Every positive below every negative.
        assert_eq!(roc_auc(&[0.9, 0.8, 0.1], &[0.0, 0.0, 1.0]), Some(0.0));
        assert_eq!(roc_auc(&[0.1, 0.9], &[1.0, 1.0]), None);
        assert_eq!(roc_auc(&[0.1, 0.9], &[0.0, 0.0]), None);
    }
}
