//! Exact linear least squares, `min ‖[X 1] β − y‖₂` (or `‖X β − y‖₂` without an intercept), by
//! Householder QR.
//!
//! * Columns are first scaled to about unit length (equilibration), which keeps QR accurate on
//!   badly scaled data such as NIST's Longley benchmark. The scales are powers of two, so the
//!   scaled columns are exactly the data, only with other exponents.
//! * The condition number of the scaled design is estimated honestly: `‖R‖₁ · ‖R⁻¹‖₁`, with
//!   `‖R⁻¹‖₁` from Hager's estimator as refined by Higham (a handful of triangular solves, never
//!   R⁻¹ itself). The ratio of R's diagonal entries, used before, can be thousands of times too
//!   low. Past [`MAX_CONDITION`] the problem is reported as ill-conditioned instead of solved,
//!   because the answer would be mostly noise.
//! * Every solve takes one step of iterative refinement: the residual of the first answer, with
//!   its sums carried to twice the working precision (error-free transformations, no FMA), is
//!   solved for a correction with the same factors. That lifts hard problems such as NIST's
//!   Wampler5 from 6 to 7+ correct digits.
//!
//! Sums run in a fixed order in plain loops, so every target gets the same bits. Written by
//! hand: no maintained pure-Rust QR crate builds for wasm without pulling in a BLAS-style
//! dispatch layer.

use ndarray::{ArrayView1, ArrayView2};

use crate::EngineError;

/// Condition-number estimate above which we refuse to answer.
const MAX_CONDITION: f64 = 1e12;

/// Whether the fit has an intercept (a constant column of ones beside the features).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intercept {
    Fit,
    /// The fit goes through the origin: `y = X β`.
    None,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LeastSquares {
    pub coefficients: Vec<f64>,
    /// Zero when fitted without an intercept.
    pub intercept: f64,
    /// Estimated condition number of the column-scaled design matrix.
    pub condition_estimate: f64,
}

/// Least squares with an intercept.
pub fn least_squares(x: ArrayView2<f64>, y: ArrayView1<f64>) -> Result<LeastSquares, EngineError> {
    least_squares_with(x, y, Intercept::Fit)
}

pub fn least_squares_with(
    x: ArrayView2<f64>,
    y: ArrayView1<f64>,
    intercept: Intercept,
) -> Result<LeastSquares, EngineError> {
    Factored::new(x, intercept)?.solve(y)
}

/// A design matrix factored once, to solve for several right-hand sides.
#[derive(Debug, Clone)]
pub struct Factored {
    intercept: Intercept,
    rows: usize,
    /// The scaled design's columns, kept for the refinement residual.
    columns: Vec<Vec<f64>>,
    /// Each column's norm before scaling.
    scales: Vec<f64>,
    /// Householder vectors: `reflectors[k]` acts on rows `k..`.
    reflectors: Vec<Vec<f64>>,
    /// R, column by column: `r[j][i]` for `i ≤ j`.
    r: Vec<Vec<f64>>,
    condition_estimate: f64,
}

impl Factored {
    /// Scales and factors the design (`x`, plus a column of ones with an intercept), and refuses
    /// it when its condition estimate passes [`MAX_CONDITION`].
    pub fn new(x: ArrayView2<f64>, intercept: Intercept) -> Result<Self, EngineError> {
        let (n, d) = x.dim();
        let p = d + usize::from(intercept == Intercept::Fit);
        if p == 0 {
            return Err(EngineError::Data(
                "least squares needs at least one parameter".into(),
            ));
        }
        if n < p {
            return Err(EngineError::Data(format!(
                "least squares needs at least as many rows as parameters: {n} rows, {p} parameters"
            )));
        }
        let mut columns: Vec<Vec<f64>> = (0..d).map(|j| x.column(j).to_vec()).collect();
        if intercept == Intercept::Fit {
            columns.push(vec![1.0; n]);
        }
        let mut scales = Vec::with_capacity(p);
        for (j, column) in columns.iter_mut().enumerate() {
            let norm = norm2(column);
            if norm == 0.0 || !norm.is_finite() {
                return Err(EngineError::Data(format!(
                    "least squares: feature {} is all zeros or not finite",
                    j + 1
                )));
            }
            // The power of two nearest the norm: dividing by it is exact, so the scaled columns
            // are still the data, which the refinement needs.
            let (_, exponent) = libm::frexp(norm);
            let scale = libm::ldexp(1.0, exponent);
            for v in column.iter_mut() {
                *v /= scale;
            }
            scales.push(scale);
        }
        let mut work = columns.clone();
        let mut reflectors = Vec::with_capacity(p);
        for k in 0..p {
            let v = householder(&work[k][k..]);
            for column in &mut work[k..] {
                reflect(&v, &mut column[k..]);
            }
            reflectors.push(v);
        }
        let r: Vec<Vec<f64>> = work
            .iter()
            .enumerate()
            .map(|(j, column)| column[..=j].to_vec())
            .collect();
        let condition_estimate = condition_1norm(&r);
        if condition_estimate.is_nan() || condition_estimate > MAX_CONDITION {
            return Err(EngineError::Data(format!(
                "least squares: the features are (nearly) collinear, condition number about \
                 {condition_estimate:.1e} (the limit is {MAX_CONDITION:.0e}); drop or combine \
                 redundant columns"
            )));
        }
        Ok(Self {
            intercept,
            rows: n,
            columns,
            scales,
            reflectors,
            r,
            condition_estimate,
        })
    }

    pub fn condition_estimate(&self) -> f64 {
        self.condition_estimate
    }

    /// The least-squares solution for target `y`, refined once.
    pub fn solve(&self, y: ArrayView1<f64>) -> Result<LeastSquares, EngineError> {
        if y.len() != self.rows {
            return Err(EngineError::Data(format!(
                "least squares: {} targets for {} rows",
                y.len(),
                self.rows
            )));
        }
        let y = y.to_vec();
        let mut beta = self.solve_scaled(&y);
        self.refine(&y, &mut beta);
        for (b, s) in beta.iter_mut().zip(&self.scales) {
            *b /= s;
        }
        let intercept = match self.intercept {
            Intercept::Fit => beta.pop().unwrap_or(0.0),
            Intercept::None => 0.0,
        };
        Ok(LeastSquares {
            coefficients: beta,
            intercept,
            condition_estimate: self.condition_estimate,
        })
    }

    /// `R⁻¹ (Qᵀ y)[..p]`: the solution for the scaled columns.
    fn solve_scaled(&self, y: &[f64]) -> Vec<f64> {
        let mut rhs = y.to_vec();
        self.apply_qt(&mut rhs);
        rhs.truncate(self.r.len());
        back_substitute(&self.r, &mut rhs);
        rhs
    }

    /// One step of Björck's refinement of the augmented system `[I A; Aᵀ 0] [r; β] = [y; 0]`,
    /// which, unlike refining `β` alone, also helps when the residual `r` is large (Björck 1967;
    /// Higham, "Accuracy and Stability of Numerical Algorithms", §20.5). Its residuals are summed
    /// in double-double arithmetic; the corrections reuse the factors.
    fn refine(&self, y: &[f64], beta: &mut [f64]) {
        let p = self.r.len();
        let mut r: Vec<f64> = (0..self.rows)
            .map(|i| self.row_residual(y[i], i, beta, 0.0))
            .collect();
        for _ in 0..REFINEMENT_STEPS {
            // f = y − r − A β and g = −Aᵀ r, the augmented system's residuals.
            let mut f: Vec<f64> = (0..self.rows)
                .map(|i| self.row_residual(y[i], i, beta, r[i]))
                .collect();
            let mut g: Vec<f64> = self
                .columns
                .iter()
                .map(|column| {
                    let mut sum = DoubleDouble::from(0.0);
                    for (a, ri) in column.iter().zip(&r) {
                        sum.add_product(-a, *ri);
                    }
                    sum.value()
                })
                .collect();
            // With A = Q [R; 0]: h = R⁻ᵀ g, d = Qᵀ f, δβ = R⁻¹ (d₁ − h), δr = Q [h; d₂].
            forward_substitute_transposed(&self.r, &mut g);
            self.apply_qt(&mut f);
            let mut delta_beta: Vec<f64> = f[..p].iter().zip(&g).map(|(d, h)| d - h).collect();
            back_substitute(&self.r, &mut delta_beta);
            f[..p].copy_from_slice(&g);
            self.apply_q(&mut f);
            // A correction that overflowed (targets near the largest float) is left out.
            if !(delta_beta.iter().chain(&f).all(|v| v.is_finite())) {
                return;
            }
            for (b, d) in beta.iter_mut().zip(&delta_beta) {
                *b += d;
            }
            for (ri, d) in r.iter_mut().zip(&f) {
                *ri += d;
            }
        }
    }

    /// `y − r − (A β)ᵢ` for row `i` of the scaled columns, summed in double-double arithmetic so
    /// the cancellation between its terms costs no digits.
    fn row_residual(&self, y: f64, i: usize, beta: &[f64], r: f64) -> f64 {
        let mut sum = DoubleDouble::from(y);
        sum.add_product(-1.0, r);
        for (column, b) in self.columns.iter().zip(beta) {
            sum.add_product(-column[i], *b);
        }
        sum.value()
    }

    /// `x ← Qᵀ x = H_p ⋯ H_1 x`.
    fn apply_qt(&self, x: &mut [f64]) {
        for (k, v) in self.reflectors.iter().enumerate() {
            reflect(v, &mut x[k..]);
        }
    }

    /// `x ← Q x = H_1 ⋯ H_p x`.
    fn apply_q(&self, x: &mut [f64]) {
        for (k, v) in self.reflectors.iter().enumerate().rev() {
            reflect(v, &mut x[k..]);
        }
    }
}

/// Refinement steps per solve: one is what the NIST problems need.
const REFINEMENT_STEPS: usize = 1;

/// The Householder vector `v` (‖v‖ = √2, or zero) with `(I − v vᵀ) a = ∓‖a‖ e₁`.
fn householder(a: &[f64]) -> Vec<f64> {
    let norm = norm2(a);
    let mut v = a.to_vec();
    if norm == 0.0 {
        return v;
    }
    let alpha = if a[0] > 0.0 { -norm } else { norm };
    v[0] -= alpha;
    let v_norm = norm2(&v);
    if v_norm == 0.0 {
        return vec![0.0; a.len()];
    }
    let unit = libm::sqrt(2.0) / v_norm;
    for e in &mut v {
        *e *= unit;
    }
    v
}

/// Applies `I − v vᵀ` to `x` in place.
fn reflect(v: &[f64], x: &mut [f64]) {
    let mut dot = 0.0;
    for (a, b) in x.iter().zip(v) {
        dot += a * b;
    }
    for (a, b) in x.iter_mut().zip(v) {
        *a -= dot * b;
    }
}

/// Solves `R z = b` in place (R upper triangular, stored by columns).
fn back_substitute(r: &[Vec<f64>], b: &mut [f64]) {
    for k in (0..r.len()).rev() {
        b[k] /= r[k][k];
        let zk = b[k];
        for (bi, rik) in b[..k].iter_mut().zip(&r[k][..k]) {
            *bi -= rik * zk;
        }
    }
}

/// Solves `Rᵀ z = b` in place.
fn forward_substitute_transposed(r: &[Vec<f64>], b: &mut [f64]) {
    for k in 0..r.len() {
        let mut sum = b[k];
        for (rik, zi) in r[k][..k].iter().zip(&b[..k]) {
            sum -= rik * zi;
        }
        b[k] = sum / r[k][k];
    }
}

/// `‖R‖₁ · ‖R⁻¹‖₁` with `‖R⁻¹‖₁` estimated by Hager's method with Higham's safeguards (Higham,
/// "Accuracy and Stability of Numerical Algorithms", 2nd ed., Algorithm 15.4): a lower bound that
/// is exact or within a small factor in practice. A singular R gives infinity (or NaN, which
/// callers treat alike).
fn condition_1norm(r: &[Vec<f64>]) -> f64 {
    let p = r.len();
    let norm_r = r
        .iter()
        .map(|column| column.iter().map(|v| v.abs()).sum::<f64>())
        .fold(0.0, f64::max);
    if r.iter().enumerate().any(|(k, column)| column[k] == 0.0) {
        return f64::INFINITY;
    }
    let norm1 = |v: &[f64]| v.iter().map(|x| x.abs()).sum::<f64>();
    let mut x = vec![1.0 / p as f64; p];
    let mut estimate = 0.0;
    let mut previous_j = usize::MAX;
    for _ in 0..5 {
        let mut y = x.clone();
        back_substitute(r, &mut y);
        estimate = norm1(&y);
        let mut z: Vec<f64> = y
            .iter()
            .map(|v| if *v >= 0.0 { 1.0 } else { -1.0 })
            .collect();
        forward_substitute_transposed(r, &mut z);
        let mut dot = 0.0;
        for (a, b) in z.iter().zip(&x) {
            dot += a * b;
        }
        let (j, largest) =
            z.iter().enumerate().fold(
                (0, 0.0f64),
                |(j, m), (i, v)| if v.abs() > m { (i, v.abs()) } else { (j, m) },
            );
        if largest <= dot || largest.is_nan() || j == previous_j {
            break;
        }
        previous_j = j;
        x = vec![0.0; p];
        x[j] = 1.0;
    }
    // Higham's alternating vector catches matrices where the iteration stalls early.
    let mut b: Vec<f64> = (0..p)
        .map(|i| {
            let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
            let step = if p > 1 {
                i as f64 / (p - 1) as f64
            } else {
                0.0
            };
            sign * (1.0 + step)
        })
        .collect();
    back_substitute(r, &mut b);
    let alternative = 2.0 * norm1(&b) / (3.0 * p as f64);
    norm_r * estimate.max(alternative)
}

/// A sum carried as an unevaluated pair `hi + lo` (Dekker 1971; Ogita, Rump & Oishi 2005), built
/// from plain additions and multiplications only, so it needs no FMA and gives the same bits
/// everywhere.
#[derive(Debug, Clone, Copy)]
struct DoubleDouble {
    hi: f64,
    lo: f64,
}

impl DoubleDouble {
    fn from(v: f64) -> Self {
        Self { hi: v, lo: 0.0 }
    }

    /// Adds `a · b` exactly, but for the final rounding of the low part.
    fn add_product(&mut self, a: f64, b: f64) {
        let (p, p_err) = two_product(a, b);
        let (s, s_err) = two_sum(self.hi, p);
        self.hi = s;
        self.lo += s_err + p_err;
    }

    fn value(self) -> f64 {
        self.hi + self.lo
    }
}

/// `a + b = s + e` exactly (Knuth).
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// `a · b = p + e` exactly, by Veltkamp splitting (Dekker), barring overflow.
fn two_product(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    let (a_hi, a_lo) = split(a);
    let (b_hi, b_lo) = split(b);
    let e = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo;
    (p, e)
}

fn split(a: f64) -> (f64, f64) {
    const FACTOR: f64 = 134_217_729.0; // 2²⁷ + 1
    let c = FACTOR * a;
    let hi = c - (c - a);
    (hi, a - hi)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: &[f64], expect: &[f64]) {
        assert_eq!(got.len(), expect.len(), "{got:?} vs {expect:?}");
        for (g, e) in got.iter().zip(expect) {
            assert!(
                (g - e).abs() <= 1e-14 * e.abs().max(1.0),
                "{got:?} vs {expect:?}"
            );
        }
    }

    #[test]
    fn error_free_sums_and_products_keep_what_rounding_drops() {
        // 1 + 2⁻⁶⁰ rounds to 1; the pair keeps the 2⁻⁶⁰.
        let tiny = libm::ldexp(1.0, -60);
        assert_eq!(two_sum(1.0, tiny), (1.0, tiny));
        assert_eq!(two_sum(tiny, 1.0), (1.0, tiny));
        assert_eq!(two_sum(-1.0, 1.0), (0.0, 0.0));
        // (1 + 2⁻³⁰)² = 1 + 2⁻²⁹ + 2⁻⁶⁰: the product rounds to 1 + 2⁻²⁹, the error is 2⁻⁶⁰.
        let e = libm::ldexp(1.0, -30);
        assert_eq!(two_product(1.0 + e, 1.0 + e), (1.0 + 2.0 * e, tiny));
        assert_eq!(two_product(1.0 - e, 1.0 + e), (1.0, -tiny));
        // Veltkamp's split: 26 high bits and the rest, adding up to the number.
        let a = 1.0 + libm::ldexp(1.0, -40);
        assert_eq!(split(a), (1.0, libm::ldexp(1.0, -40)));
        // Far from 1 too: 2⁴⁰ + 1 spans 41 bits, the high 26 are 2⁴⁰, the rest 1.
        let big = libm::ldexp(1.0, 40);
        assert_eq!(split(big + 1.0), (big, 1.0));
        assert_eq!(split(-big - 1.0), (-big, -1.0));
        // High parts other than 1, so each cross term counts: (3 + 3·2⁻³⁰)² = 9 + 9·2⁻²⁹ +
        // 9·2⁻⁶⁰, and (3 + 3·2⁻³⁰)(1 + 2⁻³⁰) = 3 + 6·2⁻³⁰ + 3·2⁻⁶⁰; the last term is the error.
        let t = 3.0 + 3.0 * e;
        assert_eq!(
            two_product(t, t),
            (9.0 + 9.0 * libm::ldexp(1.0, -29), 9.0 * tiny)
        );
        assert_eq!(two_product(t, 1.0 + e), (3.0 + 6.0 * e, 3.0 * tiny));
        let mut sum = DoubleDouble::from(1.0);
        sum.add_product(1.0 + e, 1.0 + e); // 2 + 2⁻²⁹ + 2⁻⁶⁰
        sum.add_product(-1.0, 2.0 + 2.0 * e); // leaves 2⁻⁶⁰
        assert_eq!(sum.value(), tiny);
    }

    #[test]
    fn norms_scale_to_avoid_overflow() {
        let cases: [(&[f64], f64); 5] = [
            (&[3.0, 4.0], 5.0),
            (&[-3.0, 4.0], 5.0),
            (&[3e300, 4e300], 5e300),
            (&[0.0, 0.0], 0.0),
            (&[], 0.0),
        ];
        for (values, expect) in cases {
            close(&[norm2(values)], &[expect]);
        }
    }

    #[test]
    fn a_householder_reflection_maps_a_vector_onto_the_first_axis() {
        for (a, expect) in [
            ([3.0, 4.0], [-5.0, 0.0]),
            ([-3.0, 4.0], [5.0, 0.0]),
            ([0.0, 2.0], [2.0, 0.0]),
        ] {
            let v = householder(&a);
            close(&[norm2(&v)], &[libm::sqrt(2.0)]);
            let mut x = a;
            reflect(&v, &mut x);
            close(&x, &expect);
        }
        assert_eq!(householder(&[0.0, 0.0]), vec![0.0, 0.0]);
    }

    #[test]
    fn triangular_solves_by_hand() {
        // R = [[2, 1], [0, 4]], stored by columns.
        let r = vec![vec![2.0, 0.0], vec![1.0, 4.0]];
        // R z = (4, 8): z₁ = 8/4 = 2, z₀ = (4 − 1·2)/2 = 1.
        let mut b = [4.0, 8.0];
        back_substitute(&r, &mut b);
        assert_eq!(b, [1.0, 2.0]);
        // Rᵀ z = (4, 10): z₀ = 4/2 = 2, z₁ = (10 − 1·2)/4 = 2.
        let mut b = [4.0, 10.0];
        forward_substitute_transposed(&r, &mut b);
        assert_eq!(b, [2.0, 2.0]);
    }

    #[test]
    fn condition_numbers_by_hand() {
        let cases = [
            // diag(2, 1/8): ‖R‖₁ = 2, ‖R⁻¹‖₁ = 8.
            (vec![vec![2.0, 0.0], vec![0.0, 0.125]], 16.0),
            // [[1, 1], [0, 1]]: ‖R‖₁ = 2; R⁻¹ = [[1, −1], [0, 1]], ‖R⁻¹‖₁ = 2, which the
            // estimator (a lower bound) misses: from x = (½, ½), R⁻¹x = (0, ½), then x = e₀ gives
            // ‖R⁻¹e₀‖₁ = 1 and stops; the alternating vector (1, −2) gives R⁻¹b = (3, −2),
            // 2·5/(3·2) = 5/3. So 2 · max(1, 5/3) = 10/3.
            (vec![vec![1.0, 0.0], vec![1.0, 1.0]], 10.0 / 3.0),
            // [[1, −3], [0, 1]]: ‖R‖₁ = 4; R⁻¹ = [[1, 3], [0, 1]], ‖R⁻¹‖₁ = 4, found on the
            // second step (x = e₁, R⁻¹x = (3, 1)); the alternating vector gives only 7/3.
            (vec![vec![1.0, 0.0], vec![-3.0, 1.0]], 16.0),
            (vec![vec![4.0]], 1.0),
            // [[2, −1], [0, −1]]: ‖R‖₁ = 2; R⁻¹ = [[½, −½], [0, −1]], ‖R⁻¹‖₁ = 3/2. The start
            // x = (½, ½) is already a stationary point: R⁻¹x = (0, −½) (norm ½), signs (1, −1)
            // (zero counts as positive), R⁻ᵀ(1, −1) = (½, ½), whose largest entry ½ is not above
            // its dot product with x, ½: stop. The alternating vector (1, −2) gives
            // R⁻¹b = (3/2, 2), 2·(7/2)/(3·2) = 7/6. So 2 · max(½, 7/6) = 7/3.
            (vec![vec![2.0, 0.0], vec![-1.0, -1.0]], 7.0 / 3.0),
            // [[2, 0, 0], [0, −2, 3], [0, 0, 4]]: ‖R‖₁ = 7; R⁻¹ = [[½, 0, 0], [0, −½, 3/8],
            // [0, 0, ¼]], ‖R⁻¹‖₁ = 5/8, so κ₁ = 35/8, which the estimator finds: from x = ⅓ 1,
            // R⁻¹x = (1/6, −1/24, 1/12), signs (1, −1, 1), R⁻ᵀ of them = (½, ½, −⅛): the largest
            // entry, ½, is tied between 0 and 1, and the first, 0, is taken (above the dot
            // product 7/24); R⁻¹e₀ = (½, 0, 0), signs all 1, R⁻ᵀ 1 = (½, −½, 5/8): on to e₂;
            // R⁻¹e₂ = (0, 3/8, ¼), norm 5/8, the same z, 5/8 is not above z₂: stop. (Taking the
            // tie's last index, e₁, gives ½ and stops there.) The alternating vector
            // (1, −3/2, 2) gives R⁻¹b = (½, 3/2, ½), 2·(5/2)/9 = 5/9, below 5/8.
            (
                vec![
                    vec![2.0, 0.0, 0.0],
                    vec![0.0, -2.0, 0.0],
                    vec![0.0, 3.0, 4.0],
                ],
                35.0 / 8.0,
            ),
            // The identity, κ₁ = 1: Higham's alternating vector bᵢ = ±(1 + i/(p − 1)) has
            // ‖b‖₁ = 3p/2 whatever p, so its estimate 2‖b‖₁/(3p) is exactly 1 too.
            (
                vec![
                    vec![1.0, 0.0, 0.0],
                    vec![0.0, 1.0, 0.0],
                    vec![0.0, 0.0, 1.0],
                ],
                1.0,
            ),
            (
                vec![
                    vec![1.0, 0.0, 0.0, 0.0],
                    vec![0.0, 1.0, 0.0, 0.0],
                    vec![0.0, 0.0, 1.0, 0.0],
                    vec![0.0, 0.0, 0.0, 1.0],
                ],
                1.0,
            ),
        ];
        for (r, expect) in cases {
            close(&[condition_1norm(&r)], &[expect]);
        }
        let singular = vec![vec![1.0, 0.0], vec![1.0, 0.0]];
        assert_eq!(condition_1norm(&singular), f64::INFINITY);
    }

    #[test]
    fn a_factored_design_reports_the_condition_number_of_its_scaled_columns() {
        fn check(x: ndarray::Array2<f64>, intercept: Intercept, expect: f64) {
            let factored = Factored::new(x.view(), intercept).unwrap();
            close(&[factored.condition_estimate()], &[expect]);
            let y = ndarray::Array1::from_elem(x.nrows(), 1.0);
            close(
                &[factored.solve(y.view()).unwrap().condition_estimate],
                &[expect],
            );
        }
        // Columns (1, 0, 0) and (0, 3, 0) are scaled by the powers of two at or above their norms,
        // 2 and 4, to (½, 0, 0) and (0, ¾, 0): R = diag(∓½, ∓¾), κ₁ = ¾ · 2 = 3/2, which the
        // estimator finds exactly for a diagonal R.
        check(
            ndarray::array![[1.0, 0.0], [0.0, 3.0], [0.0, 0.0]],
            Intercept::None,
            1.5,
        );
        // The feature (1, −1) and the intercept's ones are orthogonal and of one length: κ₁ = 1.
        check(ndarray::array![[1.0], [-1.0]], Intercept::Fit, 1.0);
    }

    /// The design `x = (0, 1, 2, 3)` with an intercept, and `y = (1, 3, 2, 5)`: the least-squares
    /// line is y = 1.1 x + 1.1 (x̄ = 1.5, ȳ = 2.75, Sxy = 5.5, Sxx = 5; numpy.linalg.lstsq gives
    /// the same). Both columns are scaled by 4 (norms √14 and 2), so the scaled solution is
    /// (4.4, 4.4).
    fn line_design() -> (Factored, [f64; 4]) {
        let x = ndarray::array![[0.0], [1.0], [2.0], [3.0]];
        (
            Factored::new(x.view(), Intercept::Fit).unwrap(),
            [1.0, 3.0, 2.0, 5.0],
        )
    }

    #[test]
    fn one_refinement_step_reaches_the_solution_from_any_start() {
        // Refinement is a Newton step on the linear augmented system, so from any β (and its
        // residual r = y − Aβ) one step lands on the solution: with f = y − r − Aβ = 0 and
        // g = −Aᵀr, δβ = R⁻¹(Q₁ᵀ r) = β* − β.
        let (factored, y) = line_design();
        for start in [[0.0, 0.0], [1.0, -2.0], [4.4, 4.4], [-10.0, 3.0]] {
            let mut beta = start;
            factored.refine(&y, &mut beta);
            close(&beta, &[4.4, 4.4]);
        }
        let fit = factored.solve(ndarray::ArrayView1::from(&y)).unwrap();
        close(&fit.coefficients, &[1.1]);
        close(&[fit.intercept], &[1.1]);
    }

    #[test]
    fn q_transposed_triangularises_the_design_and_q_undoes_it() {
        let (factored, y) = line_design();
        // Qᵀ maps each scaled column onto R's column above zeros.
        for (column, r) in factored.columns.iter().zip(&factored.r) {
            let mut image = column.clone();
            factored.apply_qt(&mut image);
            let mut expect = r.clone();
            expect.resize(column.len(), 0.0);
            close(&image, &expect);
        }
        // Q is orthogonal: Q Qᵀ y = y, and Qᵀ keeps the length, √(1 + 9 + 4 + 25) = √39.
        let mut image = y;
        factored.apply_qt(&mut image);
        close(&[norm2(&image)], &[libm::sqrt(39.0)]);
        assert_ne!(image, y);
        factored.apply_q(&mut image);
        close(&image, &y);
    }
}
