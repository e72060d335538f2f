//! The single source of randomness: a seeded ChaCha8 stream.
//!
//! Nothing else in the engine may create randomness. Floats are made from the integer stream with
//! exact arithmetic only (no platform maths), so a seed gives the same numbers on every target.
//! Normal draws use the Box–Muller transform through `libm`, written here rather than taken from
//! `rand_distr`, whose ziggurat tails call the platform's `ln`/`exp`.
//!
//! One seed feeds several independent streams, one per purpose, so that changing how much one
//! part draws (say, more epochs) never moves the numbers another part sees (the train/validation
//! split). ChaCha takes a 64-bit stream number beside its key; the key comes from the seed and
//! the stream number from [`Stream`]:
//!
//! | stream | purpose | drawn by |
//! |---|---|---|
//! | 0 | training: initial parameters, then one shuffle per epoch | `train::Trainer` (via [`SeededRng::new`]) |
//! | 1 | the train/validation split | `data::split_rows` |
//!
//! Stream numbers are part of what a recorded seed means: never renumber, only add.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// A seeded, portable random stream. Draw order is part of the spec's meaning: changing the order
/// in which a caller draws changes every recorded fingerprint.
#[derive(Debug, Clone)]
pub struct SeededRng {
    inner: ChaCha8Rng,
}

/// What a stream of random numbers is for; the value is ChaCha's stream number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Initial parameters and per-epoch shuffles. The same as [`SeededRng::new`].
    Training = 0,
    /// Which rows go to training and which to validation.
    Split = 1,
    /// The made-up rows and parameters of the one-step-on-random-input check.
    RandomInput = 2,
    /// The parameters at which the gradient check compares derivatives.
    GradientCheck = 3,
}

impl SeededRng {
    /// The training stream (stream 0) of `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            inner: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// The stream of `seed` for one purpose, independent of every other purpose's stream.
    pub fn stream(seed: u64, stream: Stream) -> Self {
        let mut inner = ChaCha8Rng::seed_from_u64(seed);
        inner.set_stream(stream as u64);
        Self { inner }
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
