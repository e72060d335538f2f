//! Fingerprints: short, exact identities for numbers and files.
//!
//! A parameter fingerprint hashes the IEEE-754 bits of each value, so two models share one only
//! when every parameter is bit-identical; that is the promise between the browser and CI.

use sha2::{Digest, Sha256};

/// SHA-256 of bytes, lower-case hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// SHA-256 of the little-endian bit patterns of `values`, lower-case hex.
pub fn of_values(values: &[f64]) -> String {
    let mut hasher = Sha256::new();
    for &v in values {
        hasher.update(canonical_bits(v).to_le_bytes());
    }
    hex(&hasher.finalize())
}

/// The bits of `v`, with every NaN as one value: a NaN's sign and payload are not portable
/// (x86 and wasm differ), so fingerprints and replay comparisons treat all NaNs alike.
pub fn canonical_bits(v: f64) -> u64 {
    if v.is_nan() {
        f64::NAN.to_bits()
    } else {
        v.to_bits()
    }
}

fn hex(bytes: &[u8]) -> String {
    use core::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
