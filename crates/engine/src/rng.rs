//! The single source of randomness: a seeded ChaCha8 stream.
//!
//! Nothing else in the engine may create randomness. Floats are made from the integer stream with
//! exact arithmetic only (no platform maths), so a seed gives the same numbers on every target.
//! Normal draws use the Box–Muller transform through `libm`, written here rather than taken from
//! `rand_distr`, whose ziggurat tails call the platform's `ln`/`exp`.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// A seeded, portable random stream. Draw order is part of the spec's meaning: changing the order
/// in which a caller draws changes every recorded fingerprint.
#[derive(Debug, Clone)]
pub struct SeededRng {
    inner: ChaCha8Rng,
}

impl SeededRng {
    pub fn new(seed: u64) -> Self {
        Self {
            inner: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// Uniform in [0, 1), with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        const SCALE: f64 = 1.0 / (1u64 << 53) as f64;
        (self.inner.next_u64() >> 11) as f64 * SCALE
    }

    /// Standard normal draw; consumes exactly two uniforms.
    pub fn normal(&mut self) -> f64 {
        // 1 - u lies in (0, 1], so the logarithm is finite.
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * core::f64::consts::PI * u2)
    }

    /// Uniform integer in `0..n` without modulo bias (Lemire's method). `n` must be non-zero.
    pub fn below(&mut self, n: usize) -> usize {
        debug_assert!(n > 0);
        let n = n as u64;
        let threshold = n.wrapping_neg() % n;
        loop {
            let product = u128::from(self.inner.next_u64()) * u128::from(n);
            if (product as u64) >= threshold {
                return (product >> 64) as usize;
            }
        }
    }

    /// Fisher–Yates shuffle, from the last element down.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}
