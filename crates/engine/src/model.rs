//! The models Assay trains, each a flat parameter vector with a loss and its analytic gradient.
//!
//! Parameters are stored flat (`[w_1, …, w_d, b]`) so that optimisers, gradient checks and
//! fingerprints treat every model alike.
//!
//! * Linear regression: `ŷ = w·x + b`, loss `L = 1/(2n) Σ (ŷ − y)² + λ/2 ‖w‖²`.
//! * Logistic regression: `p = σ(w·x + b)`, loss `L = 1/n Σ [softplus(z) − y z] + λ/2 ‖w‖²`
//!   (the log loss written in a form that cannot overflow).

use ndarray::{ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::data::Task;
use crate::linalg;
use crate::rng::SeededRng;

/// Which model to train.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    LinearRegression,
    LogisticRegression,
}

impl ModelKind {
    pub const ALL: [ModelKind; 2] = [ModelKind::LinearRegression, ModelKind::LogisticRegression];

    pub fn task(self) -> Task {
        match self {
            ModelKind::LinearRegression => Task::Regression,
            ModelKind::LogisticRegression => Task::BinaryClassification,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ModelKind::LinearRegression => "Linear regression",
            ModelKind::LogisticRegression => "Logistic regression",
        }
    }

    pub fn parameter_count(self, n_features: usize) -> usize {
        n_features + 1
    }

    /// Weights drawn from N(0, 0.01²) in feature order, then the bias set to zero. This draw
    /// order is fixed: it is part of what a seed means.
    pub fn init(self, n_features: usize, rng: &mut SeededRng) -> Vec<f64> {
        let mut params: Vec<f64> = (0..n_features).map(|_| 0.01 * rng.normal()).collect();
        params.push(0.0);
        params
    }

    /// Mean loss over the rows of `x` and its gradient with respect to `params`.
    pub fn loss_and_gradient(
        self,
        params: &[f64],
        x: ArrayView2<f64>,
        y: ArrayView1<f64>,
        l2: f64,
    ) -> (f64, Vec<f64>) {
        let d = x.ncols();
        let (weights, bias) = (&params[..d], params[d]);
        let n = x.nrows() as f64;
        let mut gradient = vec![0.0; d + 1];
        let mut loss = 0.0;
        for (row, &target) in x.rows().into_iter().zip(y) {
            let z = linalg::dot(row, weights) + bias;
            let residual = match self {
                ModelKind::LinearRegression => {
                    let r = z - target;
                    loss += 0.5 * r * r;
                    r
                }
                ModelKind::LogisticRegression => {
                    loss += softplus(z) - target * z;
                    sigmoid(z) - target
                }
            };
            for (g, xj) in gradient[..d].iter_mut().zip(row) {
                *g += residual * xj;
            }
            gradient[d] += residual;
        }
        loss /= n;
        for g in &mut gradient {
            *g /= n;
        }
        let mut penalty = 0.0;
        for (g, w) in gradient[..d].iter_mut().zip(weights) {
            *g += l2 * w;
            penalty += w * w;
        }
        (loss + 0.5 * l2 * penalty, gradient)
    }

    /// Predictions: the value for regression, the probability of class 1 for classification.
    pub fn predict(self, params: &[f64], x: ArrayView2<f64>) -> Vec<f64> {
        let d = x.ncols();
        let scores = linalg::matvec(x, &params[..d]);
        scores
            .into_iter()
            .map(|s| {
                let z = s + params[d];
                match self {
                    ModelKind::LinearRegression => z,
                    ModelKind::LogisticRegression => sigmoid(z),
                }
            })
            .collect()
    }
}

/// `σ(z) = 1 / (1 + e^{−z})`, evaluated on the side that cannot overflow.
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + libm::exp(-z))
    } else {
        let e = libm::exp(z);
        e / (1.0 + e)
    }
}

/// `ln(1 + e^z)` without overflow.
pub fn softplus(z: f64) -> f64 {
    z.max(0.0) + libm::log1p(libm::exp(-z.abs()))
}
