//! Exact linear least squares, `min ‖[X 1] β − y‖₂`, by Householder QR.
//!
//! Columns are first scaled to unit length (equilibration), which keeps QR accurate on badly
//! scaled data such as NIST's Longley benchmark. The ratio of the largest to the smallest
//! diagonal entry of R estimates the condition number; past [`MAX_CONDITION`] the problem is
//! reported as ill-conditioned instead of solved, because the answer would be mostly noise.
//! Written by hand: no maintained pure-Rust QR crate builds for wasm without pulling in a
//! BLAS-style dispatch layer, and this is forty lines.

use ndarray::{ArrayView1, ArrayView2};

use crate::EngineError;

/// Condition-number estimate above which we refuse to answer.
pub const MAX_CONDITION: f64 = 1e12;

#[derive(Debug, Clone, PartialEq)]
pub struct LeastSquares {
    pub coefficients: Vec<f64>,
    pub intercept: f64,
    /// Estimated condition number of the column-scaled design matrix.
    pub condition_estimate: f64,
}

impl LeastSquares {
    /// In the linear-regression parameter layout: weights, then the bias.
    pub fn parameters(&self) -> Vec<f64> {
        let mut params = self.coefficients.clone();
        params.push(self.intercept);
        params
    }
}

pub fn least_squares(x: ArrayView2<f64>, y: ArrayView1<f64>) -> Result<LeastSquares, EngineError> {
    let (n, d) = x.dim();
    let p = d + 1;
    if n < p {
        return Err(EngineError::Data(format!(
            "least squares needs at least as many rows as parameters: {n} rows, {p} parameters"
        )));
    }
    // Column-major copy of [X 1], each column scaled to unit norm.
    let mut columns: Vec<Vec<f64>> = (0..d).map(|j| x.column(j).to_vec()).collect();
    columns.push(vec![1.0; n]);
    let mut scales = Vec::with_capacity(p);
    for (j, column) in columns.iter_mut().enumerate() {
        let norm = norm2(column);
        if norm == 0.0 || !norm.is_finite() {
            return Err(EngineError::Data(format!(
                "least squares: feature {} is all zeros or not finite",
                j + 1
            )));
        }
        for v in column.iter_mut() {
            *v /= norm;
        }
        scales.push(norm);
    }
    let mut rhs: Vec<f64> = y.to_vec();
    for k in 0..p {
        let alpha = {
            let norm = norm2(&columns[k][k..]);
            if columns[k][k] > 0.0 { -norm } else { norm }
        };
        let mut v: Vec<f64> = columns[k][k..].to_vec();
        v[0] -= alpha;
        let v_norm = norm2(&v);
        if v_norm == 0.0 {
            continue;
        }
        for e in &mut v {
            *e /= v_norm;
        }
        // Apply H = I − 2 v vᵀ to the remaining columns and to the right-hand side.
        for column in columns[k..].iter_mut().chain(std::iter::once(&mut rhs)) {
            let mut dot = 0.0;
            for (a, b) in column[k..].iter().zip(&v) {
                dot += a * b;
            }
            for (a, b) in column[k..].iter_mut().zip(&v) {
                *a -= 2.0 * dot * b;
            }
        }
    }
    let diagonal: Vec<f64> = (0..p).map(|k| columns[k][k].abs()).collect();
    let largest = diagonal.iter().copied().fold(0.0, f64::max);
    let smallest = diagonal.iter().copied().fold(f64::INFINITY, f64::min);
    let condition_estimate = if smallest > 0.0 {
        largest / smallest
    } else {
        f64::INFINITY
    };
    if condition_estimate > MAX_CONDITION || condition_estimate.is_nan() {
        return Err(EngineError::Data(format!(
            "least squares: the features are (nearly) collinear, condition number about {condition_estimate:.1e}; \
             drop or combine redundant columns"
        )));
    }
    // Back substitution R β' = Qᵀ y, then undo the column scaling.
    let mut beta = vec![0.0; p];
    for k in (0..p).rev() {
        let mut sum = rhs[k];
        for j in k + 1..p {
            sum -= columns[j][k] * beta[j];
        }
        beta[k] = sum / columns[k][k];
    }
    for (b, s) in beta.iter_mut().zip(&scales) {
        *b /= s;
    }
    let intercept = beta.pop().unwrap_or(0.0);
    Ok(LeastSquares {
        coefficients: beta,
        intercept,
        condition_estimate,
    })
}

/// Euclidean norm, scaled to avoid overflow.
fn norm2(values: &[f64]) -> f64 {
    let scale = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if scale == 0.0 || !scale.is_finite() {
        return scale;
    }
    let mut sum = 0.0;
    for v in values {
        let s = v / scale;
        sum += s * s;
    }
    scale * libm::sqrt(sum)
}
