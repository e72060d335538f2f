//! Converges to the analytic optimum: for linear regression the best parameters are known
//! exactly (least squares), so gradient descent can be held to them.

use ndarray::{ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::{Check, CheckOutcome, Context, Guide, Plan, non_negative};
use crate::EngineError;
use crate::data::FittedEncoder;
use crate::lstsq::{Factored, Intercept, LeastSquares};
use crate::metrics::Metric;
use crate::model::ModelSpec;
use crate::train::TrainConfig;

/// Linear regression: training reaches the exact least-squares optimum's loss, and its
/// parameters the optimum's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ConvergesToOptimum {
    #[serde(default = "default_max_loss_gap")]
    pub max_loss_gap: f64,
    /// Largest distance of any one parameter from its optimal value, relative to that value.
    #[serde(
        default = "default_max_parameter_distance",
        skip_serializing_if = "is_default_parameter_distance"
    )]
    pub max_parameter_distance: f64,
}

/// The default largest gap between the trained and the least-squares loss, as a fraction.
const DEFAULT_MAX_LOSS_GAP: f64 = 0.01;

fn default_max_loss_gap() -> f64 {
    DEFAULT_MAX_LOSS_GAP
}

/// The default largest relative distance of one trained parameter from its optimal value. A
/// loss within 1% of the optimum on correlated features (diabetes' s1 and s2) can leave a
/// weight some 15% off; a weight a quarter or more off is a real miss (Longley, issue 11).
const DEFAULT_MAX_PARAMETER_DISTANCE: f64 = 0.2;

fn default_max_parameter_distance() -> f64 {
    DEFAULT_MAX_PARAMETER_DISTANCE
}

/// Left out of a spec when default, so specs written before the setting existed re-export
/// unchanged.
fn is_default_parameter_distance(value: &f64) -> bool {
    value.to_bits() == DEFAULT_MAX_PARAMETER_DISTANCE.to_bits()
}

impl Default for ConvergesToOptimum {
    fn default() -> Self {
        Self {
            max_loss_gap: DEFAULT_MAX_LOSS_GAP,
            max_parameter_distance: DEFAULT_MAX_PARAMETER_DISTANCE,
        }
    }
}

impl Check for ConvergesToOptimum {
    fn id(&self) -> &'static str {
        "converges_to_optimum"
    }

    fn guide(&self) -> &'static Guide {
        &GUIDE
    }

    fn validate(&self) -> Result<(), EngineError> {
        non_negative(self.id(), "max_loss_gap", self.max_loss_gap)?;
        non_negative(
            self.id(),
            "max_parameter_distance",
            self.max_parameter_distance,
        )
    }

    /// The exact solve (rows × columns²), then predicting the training rows.
    fn work(&self, plan: &Plan) -> Result<f64, EngineError> {
        applies(plan.model, plan.config)?;
        let columns = plan.features as f64 + 1.0;
        Ok(plan.train_rows as f64 * columns * columns + plan.predicting(plan.train_rows))
    }

    fn suits(&self, model: &ModelSpec) -> bool {
        *model == ModelSpec::LinearRegression
    }

    fn to_shrink(&self) -> &'static str {
        "switch it off, or use fewer rows or feature columns (each category of a categorical \
         column is a column)"
    }

    fn run(&self, context: &Context) -> Result<CheckOutcome, EngineError> {
        run(context, self.max_loss_gap, self.max_parameter_distance)
    }
}

/// The check knows the optimum only of unregularised linear regression.
fn applies(model: &ModelSpec, config: &TrainConfig) -> Result<(), EngineError> {
    if *model != ModelSpec::LinearRegression {
        return Err(EngineError::setting(
            "checks.converges_to_optimum",
            "applies only to linear regression, whose optimum has a closed form",
        ));
    }
    if config.l2 != 0.0 {
        return Err(EngineError::setting(
            "checks.converges_to_optimum",
            "compares with the unregularised optimum: set training.l2 to 0",
        ));
    }
    Ok(())
}

static GUIDE: Guide = Guide {
    title: "Reaches the exact optimum",
    why: "Linear regression has a closed-form best fit. When gradient descent ends far from it, \
          the optimiser, not the model, is the problem, and a check that knows the right answer \
          says so directly.",
    does: "Applies only to linear regression trained without L2. It solves least squares exactly \
           on the training split to find the best possible parameters, then compares their \
           training loss with the loss the trained model reached, which may be at most \
           max_loss_gap above it (1% by default), and each trained parameter with its optimal \
           value, which it may miss by at most max_parameter_distance of that value (20% by \
           default). One level of each categorical column is left out of the exact solve, since \
           with an intercept the levels repeat each other. It also reports a condition \
           estimate, which grows large when some features nearly repeat each other; past 1e12 \
           the exact answer would be noise, and the check refuses to run.",
    when_it_fails: "Gradient descent stopped short of the best fit the data allows, or reached a \
                    loss close to it with parameters far from the best ones. Most often \
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

fn run(
    context: &Context,
    max_loss_gap: f64,
    max_parameter_distance: f64,
) -> Result<CheckOutcome, EngineError> {
    applies(context.model, context.config)?;
    let (x, y) = (context.train.features.view(), context.train.target.view());
    let intercept = if context.config.fit_intercept {
        Intercept::Fit
    } else {
        Intercept::None
    };
    let kept = identifiable_columns(x, &context.prepared.encoder, intercept);
    let reduced = x.select(Axis(1), &kept);
    let factored = Factored::new(reduced.view(), intercept)?;
    let optimum = full_layout(&factored.solve(y)?, &kept, x.ncols());
    let best_loss = context.network.loss(&optimum, x, y, 0.0);
    let trained_loss = context
        .trained
        .loss_curve
        .last()
        .copied()
        .unwrap_or(f64::NAN);
    let gap = loss_gap(trained_loss, best_loss);
    // With columns left out, many parameter vectors give the same predictions; the trained
    // model's own predictions, solved for in the same columns, are the one comparable with the
    // optimum (and reproduce those predictions exactly).
    let trained = if kept.len() == x.ncols() {
        context.trained.params.clone()
    } else {
        let predictions = context.network.predict(&context.trained.params, x);
        full_layout(&factored.solve(predictions.column(0))?, &kept, x.ncols())
    };
    let (distance, farthest) = largest_relative_distance(&trained, &optimum);
    let name = parameter_name(farthest, &context.train.feature_names);
    let gap_ok = within(gap, max_loss_gap);
    let distance_ok = within(distance, max_parameter_distance);
    let summary = format!(
        "Trained loss is {:.3}% above the exact least-squares optimum (allowed {:.3}%); the \
         farthest parameter, {name}, is {:.1}% from its optimal value (allowed {:.1}%).",
        gap * 100.0,
        max_loss_gap * 100.0,
        distance * 100.0,
        max_parameter_distance * 100.0
    );
    Ok(CheckOutcome::new(
        gap_ok && distance_ok,
        summary,
        vec![
            Metric::new("loss_gap", gap),
            Metric::new("optimal_loss", best_loss),
            Metric::new("trained_loss", trained_loss),
            Metric::new("largest_parameter_distance", distance),
            Metric::new("condition_estimate", factored.condition_estimate()),
        ],
    ))
}

/// How far `trained` is above the optimal loss, as a share of it; the trained loss itself when
/// the optimum fits exactly (a share of zero would be infinite).
fn loss_gap(trained: f64, optimal: f64) -> f64 {
    if optimal > 0.0 {
        (trained - optimal) / optimal
    } else {
        trained
    }
}

/// Whether a measured gap is a number no larger than what is allowed.
fn within(value: f64, allowed: f64) -> bool {
    value.is_finite() && value <= allowed
}

/// The feature columns the exact solve can tell apart. A column that is zero on every training
/// row (a constant column, once centred) changes no prediction. A one-hot group that marks every
/// row sums to a column of ones, which the intercept (or an earlier such group) already is, so
/// its first level is left out: the encoding keeps every level, and the solve would otherwise
/// see collinear columns the user never made.
fn identifiable_columns(
    x: ArrayView2<f64>,
    encoder: &FittedEncoder,
    intercept: Intercept,
) -> Vec<usize> {
    let mut keep: Vec<bool> = x
        .columns()
        .into_iter()
        .map(|column| column.iter().any(|v| *v != 0.0))
        .collect();
    let mut has_constant = intercept == Intercept::Fit;
    for group in encoder.one_hot_groups() {
        let marks_every_row = x.rows().into_iter().all(|row| {
            let mut sum = 0.0;
            for v in row.iter().skip(group.start).take(group.len()) {
                sum += v;
            }
            sum == 1.0
        });
        if marks_every_row && !group.is_empty() {
            if has_constant {
                keep[group.start] = false;
            }
            has_constant = true;
        }
    }
    (0..x.ncols()).filter(|&j| keep[j]).collect()
}

/// A solution over the `kept` columns in the network's layout: a weight per feature (zero for
/// those left out), then the bias.
fn full_layout(solution: &LeastSquares, kept: &[usize], features: usize) -> Vec<f64> {
    let mut params = vec![0.0; features + 1];
    for (&j, w) in kept.iter().zip(&solution.coefficients) {
        params[j] = *w;
    }
    params[features] = solution.intercept;
    params
}

/// The largest `|trained − optimal| / |optimal|` over the parameters, and which one it is. A
/// parameter whose optimum is (nearly) zero is measured against 1% of the largest optimal
/// weight instead, so it cannot blow the ratio up, and the intercept's size never shrinks the
/// weights' distances.
fn largest_relative_distance(trained: &[f64], optimum: &[f64]) -> (f64, usize) {
    let weights = &optimum[..optimum.len().saturating_sub(1)];
    let floor = (0.01 * weights.iter().fold(0.0f64, |m, w| m.max(w.abs()))).max(f64::MIN_POSITIVE);
    let mut largest = (0.0, 0);
    for (i, (t, o)) in trained.iter().zip(optimum).enumerate() {
        let distance = (t - o).abs() / o.abs().max(floor);
        if distance > largest.0 || distance.is_nan() {
            largest = (distance, i);
            if distance.is_nan() {
                break;
            }
        }
    }
    largest
}

/// `the weight of <feature>` or `the intercept`, for the summary.
fn parameter_name(index: usize, features: &[String]) -> String {
    features.get(index).map_or_else(
        || "the intercept".to_owned(),
        |f| format!("the weight of `{f}`"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{ColumnKind, Table};

    #[test]
    fn a_category_group_is_left_out_only_where_it_marks_every_row() {
        // One categorical column, `a` or `b`: two one-hot columns that sum to 1 on every row,
        // the same column as the intercept's, so with an intercept its first level goes.
        let table = Table::parse_csv("c,y\na,1\nb,2\na,3\n").unwrap();
        let encoder =
            FittedEncoder::fit(&table, &[(0, ColumnKind::Categorical)], &[0, 1, 2]).unwrap();
        let x = encoder.transform(&table, &[0, 1, 2]).unwrap();
        assert_eq!(
            identifiable_columns(x.view(), &encoder, Intercept::Fit),
            [1]
        );
        assert_eq!(
            identifiable_columns(x.view(), &encoder, Intercept::None),
            [0, 1]
        );
        // A row that marks no level (an unseen category): the group no longer adds up to the
        // intercept's column, so nothing is collinear and both levels stay.
        let mut unseen = x.clone();
        unseen[[2, 0]] = 0.0;
        assert_eq!(
            identifiable_columns(unseen.view(), &encoder, Intercept::Fit),
            [0, 1]
        );
    }

    #[test]
    fn the_optimum_is_known_only_for_unregularised_linear_regression() {
        let plain = TrainConfig::default();
        let ridge = TrainConfig {
            l2: 0.01,
            ..TrainConfig::default()
        };
        assert!(applies(&ModelSpec::LinearRegression, &plain).is_ok());
        assert!(applies(&ModelSpec::LinearRegression, &ridge).is_err());
        assert!(applies(&ModelSpec::LogisticRegression, &plain).is_err());
    }

    #[test]
    fn the_default_parameter_distance_is_left_out_of_a_spec() {
        assert!(is_default_parameter_distance(
            &DEFAULT_MAX_PARAMETER_DISTANCE
        ));
        assert!(!is_default_parameter_distance(&0.25));
    }

    #[test]
    fn the_loss_gap_is_a_share_of_the_optimal_loss() {
        let cases = [
            // (trained, optimal, gap)
            (3.0, 2.0, 0.5),
            (2.0, 2.0, 0.0),
            (1.875, 2.0, -0.0625), // rounding can put the trained loss a hair below
            // An exact fit (optimal loss 0): the trained loss itself, not infinity.
            (0.5, 0.0, 0.5),
            (0.0, 0.0, 0.0),
        ];
        for (trained, optimal, expect) in cases {
            assert_eq!(
                loss_gap(trained, optimal),
                expect,
                "{trained} over {optimal}"
            );
        }
    }

    #[test]
    fn a_gap_passes_up_to_its_allowance_and_never_when_not_a_number() {
        let cases = [
            (0.5, 0.5, true),
            (0.625, 0.5, false),
            (-0.25, 0.0, true),
            (f64::NAN, 1.0, false),
            (f64::INFINITY, 1.0, false),
            (f64::NEG_INFINITY, 1.0, false),
        ];
        for (value, allowed, expect) in cases {
            assert_eq!(within(value, allowed), expect, "{value} within {allowed}");
        }
    }

    #[test]
    fn parameter_distances_are_relative_with_a_floor_for_zero_optima() {
        let check = |trained: &[f64], optimum: &[f64], expect: (f64, usize)| {
            let got = largest_relative_distance(trained, optimum);
            assert!(
                (got.0 - expect.0).abs() < 1e-12 && got.1 == expect.1,
                "{trained:?} vs {optimum:?}: got {got:?}, expected {expect:?}"
            );
        };
        // Weights 1 and 2, intercept 10: distances 0.25, 0 and 5/10 = 0.5.
        check(&[1.25, 2.0, 5.0], &[1.0, 2.0, 10.0], (0.5, 2));
        // A zero optimal weight is measured against 1% of the largest weight, 4:
        // 0.01 / 0.04 = 0.25 (the intercept's 1000 does not enter the floor).
        check(&[0.01, 4.0, 1000.0], &[0.0, 4.0, 1000.0], (0.25, 0));
        // Ties go to the first parameter.
        check(&[2.0, 4.0, 0.0], &[1.0, 2.0, 0.0], (1.0, 0));
        check(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0], (0.0, 0));
        // A NaN parameter is the farthest, whatever comes after it.
        let (distance, index) = largest_relative_distance(&[f64::NAN, 9.0], &[1.0, 2.0]);
        assert!(distance.is_nan());
        assert_eq!(index, 0);
    }

    #[test]
    fn parameters_are_named_by_their_feature_or_as_the_intercept() {
        let features = ["bmi".to_owned(), "age".to_owned()];
        assert_eq!(parameter_name(1, &features), "the weight of `age`");
        assert_eq!(parameter_name(2, &features), "the intercept");
    }
}
