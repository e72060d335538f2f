//! Deterministic dense kernels.
//!
//! Written by hand on purpose: `ndarray`'s matrix products call `matrixmultiply`, which picks an
//! AVX/FMA kernel at run time on x86 and a scalar one on wasm, so sums would be ordered (and
//! rounded) differently. These loops add in index order, with no fused multiply-add, everywhere.

use ndarray::{ArrayView1, ArrayView2};

/// Sum of products in index order.
pub fn dot(a: ArrayView1<f64>, b: &[f64]) -> f64 {
    let mut sum = 0.0;
    for (x, y) in a.iter().zip(b) {
        sum += x * y;
    }
    sum
}

/// `x · w` for every row of `x`.
pub fn matvec(x: ArrayView2<f64>, w: &[f64]) -> Vec<f64> {
    x.rows().into_iter().map(|row| dot(row, w)).collect()
}
