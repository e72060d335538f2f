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
//!   `(l0 + l1) + (l2 + l3)`. Four independent sums keep the adder busy instead of waiting on
//!   each addition, which is most of a dot product's time; new specs record it.
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
        let whole = out.len() / 4 * 4;
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

fn dot_in_four_lanes(a: &[f64], b: &[f64]) -> f64 {
    let mut lanes = [0.0; 4];
    let (a_blocks, b_blocks) = (a.chunks_exact(4), b.chunks_exact(4));
    let (a_rest, b_rest) = (a_blocks.remainder(), b_blocks.remainder());
    for (x, y) in a_blocks.zip(b_blocks) {
        for k in 0..4 {
            lanes[k] += x[k] * y[k];
        }
    }
    for (k, (x, y)) in a_rest.iter().zip(b_rest).enumerate() {
        lanes[k] += x * y;
    }
    (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
}

fn four_dots_in_row_order(input: &[f64], w: [&[f64]; 4]) -> [f64; 4] {
    let mut sums = [0.0; 4];
    for (i, x) in input.iter().enumerate() {
        for j in 0..4 {
            sums[j] += x * w[j][i];
        }
    }
    sums
}

fn four_dots_in_four_lanes(input: &[f64], w: [&[f64]; 4]) -> [f64; 4] {
    let mut lanes = [[0.0; 4]; 4];
    let blocks = input.len() / 4 * 4;
    for start in (0..blocks).step_by(4) {
        let x = &input[start..start + 4];
        for j in 0..4 {
            let wj = &w[j][start..start + 4];
            for k in 0..4 {
                lanes[j][k] += x[k] * wj[k];
            }
        }
    }
    for (k, i) in (blocks..input.len()).enumerate() {
        for j in 0..4 {
            lanes[j][k] += input[i] * w[j][i];
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
