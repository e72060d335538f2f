//! No target leakage: no single feature predicts the target almost perfectly.

use serde::{Deserialize, Serialize};

use super::{Check, CheckFamily, CheckOutcome, Context, Guide, Plan, fraction};
use crate::EngineError;
use crate::metrics::Metric;

/// No training feature is associated with the target beyond `max_association`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NoTargetLeakage {
    /// The largest association allowed between one feature and the target: |Pearson r| for
    /// regression and two classes, the correlation ratio η for more classes.
    #[serde(default = "default_max_association")]
    pub max_association: f64,
}

fn default_max_association() -> f64 {
    0.98
}

impl Default for NoTargetLeakage {
    fn default() -> Self {
        Self {
            max_association: default_max_association(),
        }
    }
}

impl Check for NoTargetLeakage {
    fn id(&self) -> &'static str {
        "no_target_leakage"
    }

    fn guide(&self) -> &'static Guide {
        &GUIDE
    }

    fn family(&self) -> CheckFamily {
        CheckFamily::Data
    }

    fn validate(&self) -> Result<(), EngineError> {
        fraction(self.id(), "max_association", self.max_association)
    }

    /// A pass over the training features.
    fn work(&self, plan: &Plan) -> Result<f64, EngineError> {
        Ok((plan.train_rows * plan.features.max(1)) as f64)
    }

    fn run(&self, context: &Context) -> Result<CheckOutcome, EngineError> {
        let train = context.train;
        let classes = train.classes.len();
        let y: Vec<f64> = train.target.to_vec();
        let mut strongest = (0.0f64, String::new());
        for (column, name) in train
            .features
            .columns()
            .into_iter()
            .zip(&train.feature_names)
        {
            let x: Vec<f64> = column.to_vec();
            let association = if classes > 2 {
                correlation_ratio(&x, &y, classes)
            } else {
                pearson(&x, &y).abs()
            };
            if association > strongest.0 {
                strongest = (association, name.clone());
            }
        }
        let (value, feature) = strongest;
        let measure = if classes > 2 {
            "correlation ratio η"
        } else {
            "|correlation|"
        };
        let passed = value < self.max_association;
        let summary = if feature.is_empty() {
            "No feature varies with the target.".into()
        } else if passed {
            format!(
                "The feature most tied to the target is `{feature}` ({measure} {value:.3}), below \
                 {}.",
                self.max_association
            )
        } else {
            format!(
                "`{feature}` predicts the target almost perfectly ({measure} {value:.3}, at least \
                 {}): it may be the target in disguise, or known only after the outcome.",
                self.max_association
            )
        };
        Ok(CheckOutcome::new(
            passed,
            summary,
            vec![Metric::new("largest_association", value)],
        ))
    }
}

/// Pearson's r, 0 when either side is constant.
fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().max(1) as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx > 0.0 && syy > 0.0 {
        sxy / libm::sqrt(sxx * syy)
    } else {
        0.0
    }
}

/// η = √(between-class sum of squares / total sum of squares) of `x` grouped by class `y`.
fn correlation_ratio(x: &[f64], y: &[f64], classes: usize) -> f64 {
    let n = x.len().max(1) as f64;
    let mean = x.iter().sum::<f64>() / n;
    let (mut sums, mut counts) = (vec![0.0; classes], vec![0.0; classes]);
    for (a, &c) in x.iter().zip(y) {
        let k = (c as usize).min(classes - 1);
        sums[k] += a;
        counts[k] += 1.0;
    }
    let total: f64 = x.iter().map(|a| (a - mean) * (a - mean)).sum();
    let between: f64 = sums
        .iter()
        .zip(&counts)
        .filter(|&(_, &c)| c > 0.0)
        .map(|(&s, &c)| c * (s / c - mean) * (s / c - mean))
        .sum();
    if total > 0.0 {
        libm::sqrt((between / total).min(1.0))
    } else {
        0.0
    }
}

static GUIDE: Guide = Guide {
    title: "No feature gives the answer away",
    why: "A feature that predicts the target almost perfectly is usually not a discovery but a \
          leak: the target itself under another name, or something recorded only after the \
          outcome. Validation scores then look superb, and the model fails in production, where \
          that column is not known yet.",
    does: "On the training rows, measures how tightly each feature follows the target: the \
           absolute Pearson correlation for regression and two classes, the correlation ratio η \
           (how much of the feature's spread the classes explain) for more classes. It fails \
           when any feature reaches max_association (0.98 by default), naming it.",
    when_it_fails: "One column is, or is computed from, the target: a duplicate of the label, an \
                    outcome code, a date or amount filled in only after the event.",
    fix: "Ask where the named column comes from and when it is known. If it is only known after \
          the outcome, drop it (set its kind to ignored). If it truly predicts the target, raise \
          max_association in review with a note saying why.",
    source: "Google, Machine Learning Crash Course, \"Testing for Deploying Machine Learning \
             Models\" (a model that seems too good usually learnt something it will not have in \
             production); Equal Experts, MLOps playbook, \"Testing through the ML pipeline\".",
};

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn association_is_measured_as_documented() {
        // y = 2x: r = 1; y = −x: r = −1; constant x: 0.
        assert!((pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]) - 1.0).abs() < 1e-12);
        assert!((pearson(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
        assert_eq!(pearson(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), 0.0);
        // Worked by hand: x = 1, 2, 4, 5, y = 0, 0, 1, 1: r = 0.9486832980505138.
        assert!(
            (pearson(&[1.0, 2.0, 4.0, 5.0], &[0.0, 0.0, 1.0, 1.0]) - 0.9486832980505138).abs()
                < 1e-12
        );
        // Classes explain all of x: η = 1; none of it: 0. Classes 0 and 1 with x 1, 3 | 2, 2:
        // mean 2, total 2, class means 2 and 2, so η = 0.
        assert!(
            (correlation_ratio(&[0.0, 0.0, 5.0, 5.0], &[0.0, 0.0, 1.0, 1.0], 3) - 1.0).abs()
                < 1e-12
        );
        assert_eq!(
            correlation_ratio(&[1.0, 3.0, 2.0, 2.0], &[0.0, 0.0, 1.0, 1.0], 2),
            0.0
        );
        // x = 0, 2, 3, 5 in classes 0, 0, 1, 1: means 1 and 4, grand 2.5; between 2·2.25 + 2·2.25
        // = 9, total 6.25 + 0.25 + 0.25 + 6.25 = 13: η = √(9/13).
        let eta = correlation_ratio(&[0.0, 2.0, 3.0, 5.0], &[0.0, 0.0, 1.0, 1.0], 2);
        assert!((eta - (9.0f64 / 13.0).sqrt()).abs() < 1e-12);
    }
}
