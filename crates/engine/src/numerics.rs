//! Which order the engine adds in: a spec's numerics version.
//!
//! Floating-point addition is not associative, so the order of a sum is part of the result. Each
//! version fixes that order in plain Rust, which every target (SSE2, AVX2, wasm, wasm simd128)
//! evaluates to the same bits: Rust never fuses `a * b + c`, and LLVM may vectorise independent
//! lanes but never reorder a float sum.
//!
//! * **1, row order**: a dot product adds its terms one after another. What every spec recorded
//!   before versions existed uses, and replays with, for good.
//! * **2, four lanes**: term `i` goes to lane `i mod 4`, and the lanes are folded as
//!   `(l0 + l1) + (l2 + l3)`. Four independent sums need not wait on each addition; new specs
//!   record it. Measured, it gains 5-10 % natively on one-output models and little elsewhere,
//!   since `Numerics::dots` already runs four sums side by side in both versions (README,
//!   Benchmarks).
//!
//! Only the dot products of a network's forward pass differ between versions; everything else
//! (element-wise updates, the back-propagated sums, losses and metrics) adds in one order in both.

use serde::{Deserialize, Serialize};

use crate::EngineError;

/// A spec's numerics version (`training.numerics`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub enum Numerics {
    /// Version 1: sums in row order.
    RowOrder,
    /// Version 2: sums in four fixed lanes.
    FourLanes,
}

impl Numerics {
    /// What a new spec records.
    pub const LATEST: Numerics = Numerics::FourLanes;
    /// What a spec without the field was recorded with.
    pub const FIRST: Numerics = Numerics::RowOrder;

    pub fn version(self) -> u32 {
        match self {
            Numerics::RowOrder => 1,
            Numerics::FourLanes => 2,
        }
    }

    /// The version and its summation order in words, for reports and the page.
    pub fn label(self) -> &'static str {
        match self {
            Numerics::RowOrder => "numerics 1 (sums in row order)",
            Numerics::FourLanes => "numerics 2 (sums in four fixed lanes)",
        }
    }

    pub(crate) fn is_first(&self) -> bool {
        *self == Self::FIRST
    }

    /// `Σ a_i b_i` in this version's order; `a` and `b` have the same length.
    #[inline]
    pub(crate) fn dot(self, a: &[f64], b: &[f64]) -> f64 {
        match self {
            Numerics::RowOrder => dot_in_row_order(a, b),
            Numerics::FourLanes => dot_in_four_lanes(a, b),
        }
    }

    /// `out[o] = Σ_i input[i] · weights[o · n + i]` (`n` = `input.len()`, weights row-major), each
    /// sum exactly as [`Numerics::dot`] adds it. Outputs go four at a time so that four sums
    /// advance side by side, sharing each input they read: the order within every sum is the
    /// same, so are the bits, and the adder waits on none of them.
    pub(crate) fn dots(self, input: &[f64], weights: &[f64], out: &mut [f64]) {
        let n = input.len();
        let row = |o: usize| &weights[o * n..(o + 1) * n];
        // Sixteen sums at once need more registers than a wasm engine gives them.
        let blocked = self == Numerics::RowOrder || !cfg!(target_arch = "wasm32");
        let whole = if blocked { out.len() / 4 * 4 } else { 0 };
        for start in (0..whole).step_by(4) {
            let w: [&[f64]; 4] = std::array::from_fn(|j| row(start + j));
            out[start..start + 4].copy_from_slice(&match self {
                Numerics::RowOrder => four_dots_in_row_order(input, w),
                Numerics::FourLanes => four_dots_in_four_lanes(input, w),
            });
        }
        for (o, out) in out.iter_mut().enumerate().skip(whole) {
            *out = self.dot(input, row(o));
        }
    }
}

impl TryFrom<u32> for Numerics {
    type Error = EngineError;

    fn try_from(version: u32) -> Result<Self, EngineError> {
        match version {
            1 => Ok(Numerics::RowOrder),
            2 => Ok(Numerics::FourLanes),
            other => Err(EngineError::setting(
                "training.numerics",
                format!(
                    "this Assay knows numerics 1 and 2, not {other}: replay the spec with the \
                     Assay that wrote it, or a newer one"
                ),
            )),
        }
    }
}

impl From<Numerics> for u32 {
    fn from(numerics: Numerics) -> u32 {
        numerics.version()
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Numerics {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Numerics".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "The numerics version: the order sums are added in. 1 (row order) when \
                            absent; new specs record 2 (four fixed lanes).",
            "type": "integer",
            "enum": [1, 2]
        })
    }
}

fn dot_in_row_order(a: &[f64], b: &[f64]) -> f64 {
    let mut sum = 0.0;
    for (x, y) in a.iter().zip(b) {
        sum += x * y;
    }
    sum
}

// The kernels below keep their sums in named variables rather than arrays and loops over them:
// the page's wasm is built for size (no unrolling), and an array of sums then lives in memory.

fn dot_in_four_lanes(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let (mut l0, mut l1, mut l2, mut l3) = (0.0, 0.0, 0.0, 0.0);
    let whole = n / 4 * 4;
    let mut i = 0;
    while i < whole {
        l0 += a[i] * b[i];
        l1 += a[i + 1] * b[i + 1];
        l2 += a[i + 2] * b[i + 2];
        l3 += a[i + 3] * b[i + 3];
        i += 4;
    }
    // The last terms, fewer than four, go to lanes 0, 1, 2 in turn.
    if i < n {
        l0 += a[i] * b[i];
    }
    if i + 1 < n {
        l1 += a[i + 1] * b[i + 1];
    }
    if i + 2 < n {
        l2 += a[i + 2] * b[i + 2];
    }
    (l0 + l1) + (l2 + l3)
}

fn four_dots_in_row_order(input: &[f64], w: [&[f64]; 4]) -> [f64; 4] {
    let (mut s0, mut s1, mut s2, mut s3) = (0.0, 0.0, 0.0, 0.0);
    let n = input.len();
    let (w0, w1, w2, w3) = (&w[0][..n], &w[1][..n], &w[2][..n], &w[3][..n]);
    for i in 0..n {
        let x = input[i];
        s0 += x * w0[i];
        s1 += x * w1[i];
        s2 += x * w2[i];
        s3 += x * w3[i];
    }
    [s0, s1, s2, s3]
}

fn four_dots_in_four_lanes(input: &[f64], w: [&[f64]; 4]) -> [f64; 4] {
    let n = input.len();
    let w = w.map(|row| &row[..n]);
    let mut lanes = [[0.0; 4]; 4];
    let whole = n / 4 * 4;
    let mut i = 0;
    while i < whole {
        let x = [input[i], input[i + 1], input[i + 2], input[i + 3]];
        for (lane, row) in lanes.iter_mut().zip(w) {
            for k in 0..4 {
                lane[k] += x[k] * row[i + k];
            }
        }
        i += 4;
    }
    // The last terms, fewer than four, go to lanes 0, 1, 2 in turn.
    for (k, i) in (whole..n).enumerate() {
        for (lane, row) in lanes.iter_mut().zip(w) {
            lane[k] += input[i] * row[i];
        }
    }
    lanes.map(|l| (l[0] + l[1]) + (l[2] + l[3]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_lanes_add_term_i_to_lane_i_mod_4_then_fold_the_pairs() {
        // Chosen so the orders differ: 1e17 swallows a lone 1.0.
        let a = [1e17, 1.0, -1e17, 1.0, 1.0];
        let b = [1.0; 5];
        // Lanes: [1e17 + 1, 1, -1e17, 1] = [1e17, 1, -1e17, 1], folded (1e17 + 1) + (-1e17 + 1) = 0.
        assert_eq!(Numerics::FourLanes.dot(&a, &b), 0.0);
        // In row order: ((((1e17 + 1) - 1e17) + 1) + 1) = 2.
        assert_eq!(Numerics::RowOrder.dot(&a, &b), 2.0);
        assert_eq!(Numerics::FourLanes.dot(&[], &[]), 0.0);
        assert_eq!(Numerics::FourLanes.dot(&[2.0, 3.0], &[4.0, 5.0]), 23.0);
    }

    #[test]
    fn many_outputs_at_once_add_each_sum_exactly_as_one_dot_product_does() {
        let mut rng = crate::rng::SeededRng::new(7);
        for (inputs, outputs) in [(0, 3), (1, 1), (3, 4), (5, 9), (30, 32), (13, 6)] {
            let input: Vec<f64> = (0..inputs).map(|_| 1e3 * rng.normal()).collect();
            let weights: Vec<f64> = (0..inputs * outputs).map(|_| rng.normal()).collect();
            for numerics in [Numerics::RowOrder, Numerics::FourLanes] {
                let mut out = vec![f64::NAN; outputs];
                numerics.dots(&input, &weights, &mut out);
                for (o, value) in out.iter().enumerate() {
                    let one = numerics.dot(&input, &weights[o * inputs..(o + 1) * inputs]);
                    assert_eq!(
                        value.to_bits(),
                        one.to_bits(),
                        "{numerics:?} {inputs}×{outputs} #{o}"
                    );
                }
            }
        }
    }

    #[test]
    fn versions_are_numbers_in_the_spec_and_unknown_ones_are_refused() {
        assert_eq!(serde_json::to_string(&Numerics::FourLanes).unwrap(), "2");
        assert_eq!(
            serde_json::from_str::<Numerics>("1").unwrap(),
            Numerics::RowOrder
        );
        let error = serde_json::from_str::<Numerics>("3")
            .unwrap_err()
            .to_string();
        assert!(error.contains("numerics 1 and 2, not 3"), "{error}");
    }
}
