//! Numerical building blocks against reference values: gradients, optimisers, metrics and the
//! exact least-squares solver. Runs natively and as wasm in headless Chromium.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use crate::common;

use assay_engine::lstsq::least_squares;
use assay_engine::metrics::{self, MetricName};
use assay_engine::model::{Activation, ModelSpec, Network};
use assay_engine::numerics::Numerics;
use assay_engine::optim::{Optimizer, OptimizerState};
use assay_engine::rng::SeededRng;
use common::both;
use ndarray::{Array1, Array2, array};

/// x, x², …, x^degree on 50 equally spaced points of [1, 2], powers by repeated multiplication.
fn polynomial_design(degree: usize) -> Array2<f64> {
    Array2::from_shape_fn((50, degree), |(r, c)| {
        let x = 1.0 + r as f64 / 49.0;
        let mut power = 1.0;
        for _ in 0..=c {
            power *= x;
        }
        power
    })
}

/// burn-style closeness: `|a − b| ≤ max(rel · |a + b|, abs)`.
fn close(a: f64, b: f64, rel: f64, abs: f64) -> bool {
    (a - b).abs() <= (rel * (a + b).abs()).max(abs)
}

both! {
    /// Property: on random shapes, data and parameters, every model's analytic gradient agrees
    /// with central finite differences.
    fn analytic_gradients_match_finite_differences_for_every_model() {
        let mut rng = SeededRng::new(2024);
        for case in 0..40 {
            let inputs = 1 + rng.below(4);
            let rows = 1 + rng.below(6);
            let (model, classes) = match case % 6 {
                0 => (ModelSpec::LinearRegression, 0),
                1 => (ModelSpec::LogisticRegression, 2),
                2 => (ModelSpec::SoftmaxRegression, 2 + rng.below(3)),
                3 => (ModelSpec::Mlp { hidden_layers: vec![3], activation: Activation::Tanh }, 0),
                4 => (ModelSpec::Mlp { hidden_layers: vec![4, 3], activation: Activation::Tanh }, 3),
                _ => (ModelSpec::Mlp { hidden_layers: vec![5], activation: Activation::Relu }, 2),
            };
            // Both numerics versions, each on every model.
            let numerics = if (case / 6) % 2 == 0 { Numerics::RowOrder } else { Numerics::FourLanes };
            let network = Network::new(&model, inputs, classes, numerics).unwrap();
            let x = Array2::from_shape_fn((rows, inputs), |_| rng.normal());
            let y = Array1::from_shape_fn(rows, |_| {
                if classes == 0 { rng.normal() } else { rng.below(classes) as f64 }
            });
            // Random, not tiny, parameters so every term matters.
            let params: Vec<f64> = (0..network.parameter_count()).map(|_| 0.5 * rng.normal()).collect();
            let l2 = 0.1 * rng.uniform();
            let (_, analytic) = network.loss_and_gradient(&params, x.view(), y.view(), l2);
            let loss = |p: &[f64]| network.loss(p, x.view(), y.view(), l2);
            for i in 0..params.len() {
                let h = 1e-6;
                let (mut plus, mut minus) = (params.clone(), params.clone());
                plus[i] += h;
                minus[i] -= h;
                let numeric = (loss(&plus) - loss(&minus)) / (2.0 * h);
                assert!(
                    close(analytic[i], numeric, 1e-6, 1e-8),
                    "case {case} {model:?}: parameter {i}: analytic {} numeric {numeric}",
                    analytic[i]
                );
            }
        }
    }

    fn the_loss_from_loss_and_gradient_equals_the_forward_only_loss() {
        let mut rng = SeededRng::new(5);
        let model = ModelSpec::Mlp { hidden_layers: vec![6, 4], activation: Activation::Relu };
        let network = Network::new(&model, 3, 4, Numerics::LATEST).unwrap();
        let x = Array2::from_shape_fn((7, 3), |_| rng.normal());
        let y = Array1::from_shape_fn(7, |_| rng.below(4) as f64);
        let params = network.init(&mut rng);
        let (with_gradient, _) = network.loss_and_gradient(&params, x.view(), y.view(), 0.01);
        assert_eq!(with_gradient.to_bits(), network.loss(&params, x.view(), y.view(), 0.01).to_bits());
    }

    fn softmax_probabilities_sum_to_one_even_for_huge_scores() {
        let network = Network::new(&ModelSpec::SoftmaxRegression, 1, 3, Numerics::LATEST).unwrap();
        // Weights 1000, -1000, 0 and biases 0: scores ±1000 would overflow a naive softmax.
        let predictions = network.predict(&[1000.0, -1000.0, 0.0, 0.0, 0.0, 0.0], array![[1.0]].view());
        let row = predictions.row(0);
        assert_eq!(row.to_vec(), vec![1.0, 0.0, 0.0]);
    }

    fn model_settings_that_make_no_sense_are_refused_with_their_field() {
        let error = Network::new(&ModelSpec::LogisticRegression, 3, 3, Numerics::LATEST).unwrap_err().to_string();
        assert!(error.contains("exactly two classes"), "{error}");
        let wide = ModelSpec::Mlp { hidden_layers: vec![10_000], activation: Activation::Relu };
        let error = Network::new(&wide, 3, 0, Numerics::LATEST).unwrap_err().to_string();
        assert!(error.starts_with("setting `model.hidden_layers`"), "{error}");
        let deep = ModelSpec::Mlp { hidden_layers: vec![2, 2, 2], activation: Activation::Tanh };
        assert!(Network::new(&deep, 3, 0, Numerics::LATEST).is_err());
    }

    fn sgd_with_momentum_accumulates_velocity() {
        // v₁ = 1, θ₁ = 1 − 0.1·1 = 0.9; v₂ = 0.9·1 + 1 = 1.9, θ₂ = 0.9 − 0.1·1.9 = 0.71.
        let mut state = OptimizerState::new(&Optimizer::Sgd { momentum: 0.9 }, 1);
        let mut params = [1.0];
        state.step(&mut params, &[1.0], 0.1);
        assert!(close(params[0], 0.9, 1e-15, 0.0));
        state.step(&mut params, &[1.0], 0.1);
        assert!(close(params[0], 0.71, 1e-15, 0.0), "{}", params[0]);
    }

    fn adams_first_step_is_the_learning_rate_times_the_gradients_sign() {
        // m̂ = g, v̂ = g², so the first update is η g / (|g| + ε) (Kingma & Ba 2015, §2.1).
        let mut state = OptimizerState::new(&Optimizer::adam(), 2);
        let mut params = [1.0, 1.0];
        state.step(&mut params, &[0.5, -2.0], 0.1);
        assert!(close(params[0], 1.0 - 0.1 * 0.5 / (0.5 + 1e-8), 1e-15, 0.0), "{}", params[0]);
        assert!(close(params[1], 1.0 + 0.1 * 2.0 / (2.0 + 1e-8), 1e-15, 0.0), "{}", params[1]);
    }

    fn regression_metrics_match_scikit_learn() {
        // scikit-learn's documented example: mean_squared_error = 0.375,
        // mean_absolute_error = 0.5, r2_score = 0.9486081370449679.
        let m = metrics::regression(&[2.5, 0.0, 2.0, 8.0], &[3.0, -0.5, 2.0, 7.0]);
        let get = |name: MetricName| m.iter().find(|x| x.name == name.id()).unwrap().value;
        assert!(close(get(MetricName::Mse), 0.375, 1e-15, 0.0));
        assert!(close(get(MetricName::Rmse), 0.375f64.sqrt(), 1e-15, 0.0));
        assert!(close(get(MetricName::Mae), 0.5, 1e-15, 0.0));
        assert!(close(get(MetricName::R2), 0.9486081370449679, 1e-14, 0.0));
    }

    fn classification_metrics_match_hand_computed_values() {
        // y = [0,1,1,0,1], P(1) = [.1,.8,.4,.4,.9] → predicted [0,1,0,0,1], confusion
        // [[2,0],[1,2]]. Recalls 1 and 2/3, precisions 2/3 and 1, F1 0.8 each. AUC: of the 6
        // positive–negative pairs, 5 ordered right and 1 tie → 5.5/6. Log loss:
        // −(ln .9 + ln .8 + ln .4 + ln .6 + ln .9)/5. (scikit-learn gives the same values.)
        let probabilities = array![[0.1], [0.8], [0.4], [0.4], [0.9]];
        let e = metrics::classification(probabilities.view(), &[0.0, 1.0, 1.0, 0.0, 1.0], 2);
        assert_eq!(e.confusion, vec![vec![2, 0], vec![1, 2]]);
        assert!(close(e.get(MetricName::Accuracy).unwrap(), 0.8, 1e-15, 0.0));
        assert!(close(e.get(MetricName::BalancedAccuracy).unwrap(), 5.0 / 6.0, 1e-15, 0.0));
        assert!(close(e.get(MetricName::MacroPrecision).unwrap(), 5.0 / 6.0, 1e-15, 0.0));
        assert!(close(e.get(MetricName::MacroF1).unwrap(), 0.8, 1e-15, 0.0));
        assert!(close(e.get(MetricName::RocAuc).unwrap(), 5.5 / 6.0, 1e-15, 0.0));
        let log_loss = -(0.9f64.ln() + 0.8f64.ln() + 0.4f64.ln() + 0.6f64.ln() + 0.9f64.ln()) / 5.0;
        assert!(close(e.get(MetricName::LogLoss).unwrap(), log_loss, 1e-14, 0.0));
    }

    /// Property: metrics do not depend on the order of the rows.
    fn metrics_are_invariant_under_shuffling() {
        let mut rng = SeededRng::new(11);
        let n = 50;
        let probabilities: Vec<[f64; 3]> = (0..n)
            .map(|_| {
                let a = [rng.uniform(), rng.uniform(), rng.uniform()];
                let s = a[0] + a[1] + a[2];
                [a[0] / s, a[1] / s, a[2] / s]
            })
            .collect();
        let labels: Vec<f64> = (0..n).map(|_| rng.below(3) as f64).collect();
        let evaluate = |order: &[usize]| {
            let p = Array2::from_shape_fn((n, 3), |(r, k)| probabilities[order[r]][k]);
            let y: Vec<f64> = order.iter().map(|&i| labels[i]).collect();
            metrics::classification(p.view(), &y, 3).metrics
        };
        let identity: Vec<usize> = (0..n).collect();
        let mut shuffled = identity.clone();
        rng.shuffle(&mut shuffled);
        for (a, b) in evaluate(&identity).iter().zip(evaluate(&shuffled)) {
            assert!(close(a.value, b.value, 1e-12, 1e-15), "{}: {} vs {}", a.name, a.value, b.value);
        }
    }

    /// NIST StRD "Longley" (higher difficulty). Certified values from NIST, reproduced exactly by
    /// solving the normal equations in rational arithmetic over `fixtures/longley.csv`:
    ///
    /// ```python
    /// import csv; from fractions import Fraction as F
    /// rows = list(csv.DictReader(open("longley.csv")))
    /// X = [[F(1)] + [F(r[c]) for c in rows[0] if c != "totemp"] for r in rows]
    /// y = [F(r["totemp"]) for r in rows]
    /// # β = (XᵀX)⁻¹ Xᵀy by exact Gauss–Jordan elimination
    /// ```
    fn least_squares_matches_nist_certified_longley() {
        let text = include_str!("fixtures/longley.csv");
        let mut lines = text.lines().skip(1);
        let rows: Vec<Vec<f64>> = lines
            .by_ref()
            .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
            .collect();
        let x = Array2::from_shape_fn((rows.len(), 6), |(r, c)| rows[r][c]);
        let y = Array1::from_shape_fn(rows.len(), |r| rows[r][6]);
        let fit = least_squares(x.view(), y.view()).unwrap();
        let certified_intercept = -3482258.63459582;
        let certified = [
            15.0618722713733,
            -0.358191792925910e-01,
            -2.02022980381683,
            -1.03322686717359,
            -0.511041056535807e-01,
            1829.15146461355,
        ];
        let digits = |a: f64, b: f64| -((a - b).abs() / b.abs()).log10();
        assert!(digits(fit.intercept, certified_intercept) >= 9.0, "intercept {}", fit.intercept);
        for (got, want) in fit.coefficients.iter().zip(certified) {
            assert!(digits(*got, want) >= 9.0, "{got} vs certified {want}");
        }
    }

    /// The condition estimate is the design's true condition within a small factor. The designs
    /// are x, x², …, x^d and an intercept on 50 points of [1, 2], columns scaled to unit length;
    /// their 2-norm condition numbers come from an 80-digit SVD (mpmath 1.3):
    ///
    /// ```python
    /// import mpmath as mp; mp.mp.dps = 80
    /// xs = [mp.mpf(1 + i / 49) for i in range(50)]
    /// A = mp.matrix([[x**k for k in range(1, d + 1)] + [1] for x in xs])
    /// # scale each column of A to unit norm, then
    /// S = mp.svd_r(A, compute_uv=False); max(S) / min(S)
    /// ```
    ///
    /// The ratio of R's largest to smallest diagonal entry, used before, was 150 to 2,000 times
    /// too low on these.
    fn the_condition_estimate_is_honest() {
        let true_condition = [(6, 3.4091e6), (7, 4.502e7), (8, 5.9981e8), (9, 8.0577e9), (10, 1.091e11)];
        for (degree, truth) in true_condition {
            let x = polynomial_design(degree);
            let y = Array1::from_shape_fn(50, |r| r as f64);
            let estimate = least_squares(x.view(), y.view()).unwrap().condition_estimate;
            assert!(
                estimate >= truth / 3.0 && estimate <= truth * 3.0,
                "degree {degree}: estimate {estimate:.3e}, true condition {truth:.3e}"
            );
        }
    }

    /// Past the 1e12 limit the solver refuses rather than answer with a few correct digits:
    /// degree 12 has condition 2.0e13, degree 16 7.9e17 (computed as above).
    fn a_design_past_the_condition_limit_is_refused() {
        for degree in [12, 16] {
            let x = polynomial_design(degree);
            let y = Array1::from_shape_fn(50, |r| r as f64);
            let error = least_squares(x.view(), y.view()).unwrap_err().to_string();
            assert!(error.contains("collinear"), "degree {degree}: {error}");
        }
    }

    fn collinear_features_are_reported_not_solved() {
        // The third column is the sum of the first two.
        let x = Array2::from_shape_fn((10, 3), |(r, c)| {
            let (a, b) = (r as f64, (r * r) as f64);
            [a, b, a + b][c]
        });
        let y = Array1::from_shape_fn(10, |r| r as f64);
        let error = least_squares(x.view(), y.view()).unwrap_err().to_string();
        assert!(error.contains("collinear"), "{error}");
    }
}

both! {
    fn relu_passes_nan_on_so_divergence_is_not_hidden() {
        let network = Network::new(&ModelSpec::Mlp { hidden_layers: vec![2], activation: Activation::Relu }, 1, 0, Numerics::LATEST).unwrap();
        let mut params = vec![0.0; network.parameter_count()];
        params[0] = f64::NAN;
        let prediction = network.predict(&params, array![[1.0]].view());
        assert!(prediction[[0, 0]].is_nan());
    }
}
