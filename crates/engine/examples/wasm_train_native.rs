//! The native side of `cargo xtask bench`'s wasm training benchmark: the models' names and each
//! training's parameter fingerprint (`fingerprints[numerics][model]`), as one JSON object,
//! computed natively from the same source the wasm module is built from (`wasm_train.rs`).

#[path = "wasm_train.rs"]
mod wasm_train;

use wasm_train::{MODELS, NUMERICS, fingerprint_of};

fn main() {
    let fingerprints: Vec<Vec<String>> = (0..NUMERICS.len())
        .map(|numerics| {
            (0..MODELS.len())
                .map(|model| fingerprint_of(model, numerics))
                .collect()
        })
        .collect();
    let output = serde_json::json!({ "models": MODELS, "fingerprints": fingerprints });
    println!("{output}");
}
