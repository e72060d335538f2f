//! The engine under hostile input: text that only looks like a spec, specs that ask for more
//! work than a replay may do, and oversized specs.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

mod common;

use assay_engine::checks::CheckSpec;
use assay_engine::model::ModelSpec;
use assay_engine::spec::{MAX_SPEC_BYTES, Spec};
use common::{both, sample_spec};

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

both! {
    /// Editors on Windows save JSON with a byte-order mark; serde_json alone refuses it with
    /// "expected value at line 1 column 1".
    fn a_spec_with_a_utf8_byte_order_mark_is_read() {
        let spec = sample_spec(ModelSpec::LinearRegression, vec![CheckSpec::OutputSanity]);
        let read = Spec::from_json(&format!("\u{feff}{}", spec.to_json())).unwrap();
        assert_eq!(read, spec);
    }
}

/// A spec is accepted only if Assay can write it out again: its pretty form (what the app
/// exports and what a share link packs) within the limit. A minified spec under the limit whose
/// pretty form is over it was read, then refused on its own re-export.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn a_spec_is_refused_when_its_pretty_form_would_be_over_the_limit() {
    let mut spec = sample_spec(ModelSpec::LinearRegression, vec![CheckSpec::OutputSanity]);
    spec.recorded = Some(
        assay_engine::replay::run(&spec, common::DIABETES)
            .unwrap()
            .to_recorded(),
    );
    // A loss curve is one number per line when pretty-printed: `0,` becomes `        0.0,\n`.
    let curve = format!("\"loss_curve\":[{}0]", "0,".repeat(3_000_000));
    let minified = serde_json::to_string(&spec).unwrap().replacen(
        "\"check\":\"output_sanity\",",
        &format!("\"check\":\"output_sanity\",{curve},"),
        2,
    );
    assert!(minified.len() < MAX_SPEC_BYTES, "{}", minified.len());
    let Err(error) = Spec::from_json(&minified) else {
        panic!("a spec whose pretty form is over the limit was accepted");
    };
    let error = error.to_string();
    assert!(error.contains("written out"), "{error}");
    assert!(error.contains(&MAX_SPEC_BYTES.to_string()), "{error}");
}
