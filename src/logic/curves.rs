//! ROC and precision–recall curves of a binary classifier, from its validation scores: the
//! model's probability of the second class for each validation row, as the run computed it.

use assay_engine::replay::{self, Run};
use assay_engine::spec::Spec;

/// Both curves of one trained binary model, and what they are about.
#[derive(Debug, Clone, PartialEq)]
pub struct BinaryCurves {
    /// (false-positive rate, true-positive rate), from (0, 0) to (1, 1).
    pub roc: Vec<(f64, f64)>,
    /// (recall, precision), from (0, 1) on.
    pub precision_recall: Vec<(f64, f64)>,
    /// The class the scores are the probability of.
    pub positive: String,
    /// Share of validation rows in the positive class: a model that guesses has this precision.
    pub base_rate: f64,
}

/// The model of `run` (a run of `spec` on `csv`) scored on its validation rows, when it is a
/// binary classifier and the rows hold both classes; `None` otherwise (or if the data no longer
/// is the data it ran on).
pub fn binary_curves(spec: &Spec, csv: &str, run: &Run) -> Option<BinaryCurves> {
    if run.classes.len() != 2 {
        return None;
    }
    let (_, prepared) = replay::load(spec, csv).ok()?;
    let validation = &prepared.validation;
    let network = replay::network(spec, &prepared).ok()?;
    let predictions = network.predict(&run.model.params, validation.features.view());
    // A sigmoid head gives one column (class 1); a softmax head one per class.
    let column = predictions.ncols().checked_sub(1)?;
    let scores = predictions.column(column).to_vec();
    let actual = validation.target.to_vec();
    let positives = actual.iter().filter(|&&a| a == 1.0).count();
    Some(BinaryCurves {
        roc: roc_curve(&scores, &actual)?,
        precision_recall: precision_recall_curve(&scores, &actual)?,
        positive: run.classes.get(1)?.clone(),
        base_rate: positives as f64 / actual.len().max(1) as f64,
    })
}

/// True and false positives as the threshold falls through the scores, one point per distinct
/// score (tied rows move together), highest score first. Non-finite scores are left out.
fn counts_by_threshold(scores: &[f64], actual: &[f64]) -> Vec<(usize, usize)> {
    let mut rows: Vec<(f64, bool)> = scores
        .iter()
        .zip(actual)
        .filter(|(s, _)| s.is_finite())
        .map(|(&s, &a)| (s, a == 1.0))
        .collect();
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut tp, mut fp) = (0, 0);
    let mut counts = Vec::new();
    for (i, &(score, positive)) in rows.iter().enumerate() {
        if positive {
            tp += 1;
        } else {
            fp += 1;
        }
        if rows.get(i + 1).is_none_or(|next| next.0 != score) {
            counts.push((tp, fp));
        }
    }
    counts
}

/// The ROC curve: (false-positive rate, true-positive rate) at every threshold, starting at
/// (0, 0). `None` when either class is missing, since a rate over no rows means nothing.
pub fn roc_curve(scores: &[f64], actual: &[f64]) -> Option<Vec<(f64, f64)>> {
    let counts = counts_by_threshold(scores, actual);
    let &(positives, negatives) = counts.last()?;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let rate = |n: usize, of: usize| n as f64 / of as f64;
    Some(
        std::iter::once((0.0, 0.0))
            .chain(
                counts
                    .into_iter()
                    .map(|(tp, fp)| (rate(fp, negatives), rate(tp, positives))),
            )
            .collect(),
    )
}

/// The precision–recall curve: (recall, precision) at every threshold, starting at (0, 1) as
/// scikit-learn draws it. `None` without a positive row.
pub fn precision_recall_curve(scores: &[f64], actual: &[f64]) -> Option<Vec<(f64, f64)>> {
    let counts = counts_by_threshold(scores, actual);
    let &(positives, _) = counts.last()?;
    if positives == 0 {
        return None;
    }
    Some(
        std::iter::once((0.0, 1.0))
            .chain(
                counts
                    .into_iter()
                    .map(|(tp, fp)| (tp as f64 / positives as f64, tp as f64 / (tp + fp) as f64)),
            )
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::{precision_recall_curve, roc_curve};

    // scikit-learn's roc_curve documentation example (drop_intermediate=False).
    const SCORES: [f64; 4] = [0.1, 0.4, 0.35, 0.8];
    const ACTUAL: [f64; 4] = [0.0, 0.0, 1.0, 1.0];

    #[test]
    fn roc_steps_through_each_threshold_from_the_origin_to_the_corner() {
        assert_eq!(
            roc_curve(&SCORES, &ACTUAL).unwrap(),
            vec![(0.0, 0.0), (0.0, 0.5), (0.5, 0.5), (0.5, 1.0), (1.0, 1.0)]
        );
    }

    #[test]
    fn precision_recall_starts_at_full_precision_and_ends_at_the_base_rate() {
        assert_eq!(
            precision_recall_curve(&SCORES, &ACTUAL).unwrap(),
            vec![
                (0.0, 1.0),
                (0.5, 1.0),
                (0.5, 0.5),
                (1.0, 2.0 / 3.0),
                (1.0, 0.5)
            ]
        );
    }

    #[test]
    fn tied_scores_move_together_and_non_finite_ones_are_left_out() {
        let curve = roc_curve(&[0.5, 0.5, f64::NAN, 0.9], &[0.0, 1.0, 1.0, 1.0]).unwrap();
        assert_eq!(curve, vec![(0.0, 0.0), (0.0, 0.5), (1.0, 1.0)]);
    }

    #[test]
    fn a_missing_class_gives_no_curve() {
        assert_eq!(roc_curve(&[0.2, 0.7], &[1.0, 1.0]), None);
        assert_eq!(roc_curve(&[], &[]), None);
        assert_eq!(precision_recall_curve(&[0.2, 0.7], &[0.0, 0.0]), None);
        assert!(precision_recall_curve(&[0.2, 0.7], &[1.0, 1.0]).is_some());
    }
}
