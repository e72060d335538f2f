//! Fuzzing kept in the project: every public entry point that takes user text (spec JSON, CSV,
//! share links, server answers) gets arbitrary and mutated input, and must neither panic nor
//! return something unbounded. `cargo test` runs a few hundred cases per entry point;
//! `cargo xtask fuzz [SECONDS]` runs the `#[ignore]`d `fuzz_for_a_while` for a time budget.
//! Native only (proptest's runner wants threads and a file system).
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

#[allow(unused_imports)] // `both` is for tests that also run as wasm.
use crate::common;

use std::time::{Duration, Instant};

use assay_engine::budget::MAX_SPEC_WORK;
use assay_engine::checks::CheckSpec;
use assay_engine::data::{CsvOptions, MAX_COLUMNS, MAX_ROWS, Table};
use assay_engine::endpoint::{
    EndpointSpec, Expectation, MlflowFormat, Protocol, Response, SmokeCase, build_request,
    health_request, judge, judge_health, judge_metadata, metadata_request,
};
use assay_engine::model::ModelSpec;
use assay_engine::replay::Stepper;
use assay_engine::share;
use assay_engine::spec::{MAX_SPEC_BYTES, Spec};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::json;

/// Longest summary a judged answer may carry, in characters, whatever the server sent.
const MAX_SUMMARY_CHARS: usize = 1500;

/// Bits of text that matter to the parsers, spliced into otherwise valid input.
const TOKENS: &[&str] = &[
    "\"",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "-1",
    "0",
    "1e309",
    "-1e309",
    "1e-400",
    "\"NaN\"",
    "\"Infinity\"",
    "null",
    "true",
    "4294967296",
    "18446744073709551616",
    "-9223372036854775809",
    "\u{feff}",
    "\\u0000",
    "\\ud800",
    "\n",
    "\r\n",
    "\t",
    ";",
    "NA",
    "\u{1b}[2J",
    "é",
    "\"format_version\": 2",
    "\"extra_seeds\": 20",
    "\"epochs\": 10000",
    "spec1.",
    "#",
];

/// A sample spec with every default check, as the app would export it.
fn sample() -> Spec {
    let model = ModelSpec::LinearRegression;
    common::sample_spec(model.clone(), common::default_checks(&model))
}

/// Edits to a valid input: flip a byte, cut a range, splice a token, or repeat a piece.
fn edits() -> impl Strategy<Value = Vec<(prop::sample::Index, u8, prop::sample::Index, u8)>> {
    proptest::collection::vec(
        (
            any::<prop::sample::Index>(),
            0u8..4,
            any::<prop::sample::Index>(),
            any::<u8>(),
        ),
        1..6,
    )
}

fn mutate(base: &[u8], edits: &[(prop::sample::Index, u8, prop::sample::Index, u8)]) -> Vec<u8> {
    let mut bytes = base.to_vec();
    for (at, kind, other, byte) in edits {
        let len = bytes.len().max(1);
        let i = at.index(len).min(bytes.len());
        match kind {
            0 if i < bytes.len() => bytes[i] ^= byte.max(&1),
            1 => {
                let end = (i + usize::from(*byte)).min(bytes.len());
                bytes.drain(i..end);
            }
            2 => {
                let token = TOKENS[other.index(TOKENS.len())];
                bytes.splice(i..i, token.bytes());
            }
            _ => {
                let end = (i + usize::from(*byte) * 4).min(bytes.len());
                let piece = bytes[i..end].to_vec();
                bytes.splice(i..i, piece);
            }
        }
    }
    bytes
}

/// A spec the engine accepted must be writable again within the limit, read back the same, and
/// either refused by the run's setup or within the work budget (setup never trains).
fn check_spec(text: &str) {
    let Ok(spec) = Spec::from_json(text) else {
        return;
    };
    let written = spec.to_json();
    assert!(written.len() <= MAX_SPEC_BYTES);
    assert_eq!(Spec::from_json(&written).unwrap().to_json(), written);
    if let Some(csv) = &spec.dataset.csv
        && let Ok(stepper) = Stepper::new(&spec, csv)
    {
        assert!(stepper.budget().total <= MAX_SPEC_WORK);
    }
}

/// A table the reader accepted keeps its promises: within the limits, rectangular, and numbered
/// by increasing file lines.
fn check_csv(bytes: &[u8]) {
    let Ok(table) = Table::parse_csv_with(bytes, &CsvOptions::default()) else {
        return;
    };
    assert!(!table.headers.is_empty() && table.headers.len() <= MAX_COLUMNS);
    assert!(table.row_count() > 0 && table.row_count() <= MAX_ROWS);
    assert!(
        table
            .rows()
            .all(|r| r.cells().count() == table.headers.len())
    );
    assert_eq!(table.lines.len(), table.row_count());
    assert!(table.lines.windows(2).all(|w| w[0] < w[1]) && table.lines[0] >= 2);
}

fn check_fragment(text: &str) {
    if let Ok(spec) = share::from_fragment(text) {
        assert!(spec.to_json().len() <= MAX_SPEC_BYTES);
    }
}

/// One endpoint per protocol, with a case of every expectation.
fn endpoints() -> Vec<(EndpointSpec, Vec<SmokeCase>)> {
    let protocols = [
        Protocol::OpenInference {
            output: None,
            input_name: None,
            input_datatype: None,
        },
        Protocol::OpenInference {
            output: Some("predict_proba".into()),
            input_name: Some("float_input".into()),
            input_datatype: Some("FP32".into()),
        },
        Protocol::TfServing { columnar: false },
        Protocol::TfServing { columnar: true },
        Protocol::Mlflow {
            format: MlflowFormat::DataframeSplit,
        },
        Protocol::Mlflow {
            format: MlflowFormat::Inputs,
        },
        Protocol::Mlflow {
            format: MlflowFormat::InputsColumns,
        },
        Protocol::GenericJson {
            path: "/predict".into(),
            request: json!({"rows": "{{row}}"}),
            prediction_pointer: "/result/0".into(),
            readiness_path: Some("/health".into()),
        },
    ];
    let expectations = [
        Expectation::Exact { value: json!(1) },
        Expectation::Absolute {
            value: 1.0,
            tolerance: 0.5,
        },
        Expectation::Relative {
            value: 1.0,
            tolerance: 0.1,
        },
        Expectation::Range { min: 0.0, max: 2.0 },
        Expectation::ClassLabel { label: json!("a") },
        Expectation::ClassProbability {
            class: 1,
            at_least: 0.5,
        },
    ];
    protocols
        .into_iter()
        .map(|protocol| {
            let endpoint = EndpointSpec {
                name: "fuzz".into(),
                base_url: "http://127.0.0.1:9/".into(),
                protocol,
                model: "m".into(),
                version: None,
                headers: vec![],
                timeout_ms: 1000,
                features: vec!["x".into()],
                cases: vec![],
                load: None,
                evaluation: None,
                serve: None,
            };
            let cases = expectations
                .iter()
                .map(|expect| SmokeCase {
                    name: "case".into(),
                    input: vec![json!(1.0)],
                    expect: expect.clone(),
                    max_latency_ms: Some(500),
                })
                .collect();
            (endpoint, cases)
        })
        .collect()
}

/// Whatever the server answers, judging it neither panics nor returns an unbounded summary.
fn check_answer(status: u16, content_type: Option<String>, body: &str, latency_ms: f64) {
    let response = Response {
        status,
        content_type,
        body: body.to_owned(),
        latency_ms,
        // A redirect's target is the server's text too.
        location: (300..400).contains(&status).then(|| body.to_owned()),
    };
    for (endpoint, cases) in endpoints() {
        let probes = [metadata_request(&endpoint), health_request(&endpoint)];
        if let Some(request) = &probes[0] {
            let metadata = judge_metadata(&endpoint, request, &response);
            assert!(
                metadata.summary.chars().count() <= MAX_SUMMARY_CHARS,
                "{}",
                metadata.summary
            );
        }
        if let Some(request) = &probes[1] {
            let health = judge_health(&endpoint, request, &response);
            assert!(
                health.summary.chars().count() <= MAX_SUMMARY_CHARS,
                "{}",
                health.summary
            );
        }
        for case in &cases {
            let request = build_request(&endpoint, case);
            let outcome = judge(&endpoint, case, &request, &response);
            assert!(
                outcome.summary.chars().count() <= MAX_SUMMARY_CHARS,
                "{}",
                outcome.summary
            );
        }
    }
}

/// Answers shaped like the protocols' (so most get past JSON parsing), with arbitrary or very
/// large values where the prediction goes.
fn answer_body() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        any::<f64>().prop_map(|v| json!(v)),
        ".{0,20}".prop_map(|s| json!(s)),
        (0usize..50_000).prop_map(|n| json!(vec![0.25; n])),
        (0usize..2_000).prop_map(|n| json!(vec!["label"; n])),
        Just(json!(null)),
        Just(json!({"nested": [1, [2, [3]]]})),
    ];
    prop_oneof![
        ".{0,200}",
        value
            .clone()
            .prop_map(|v| json!({"outputs": [{"name": "predict", "data": [v]}]}).to_string()),
        value
            .clone()
            .prop_map(|v| json!({"predictions": [v]}).to_string()),
        value
            .clone()
            .prop_map(|v| json!({"result": [v]}).to_string()),
        value.prop_map(|v| json!({"name": "m", "outputs": v, "inputs": []}).to_string()),
        Just("{\"predictions\": [NaN]}".to_owned()),
        "[0-9a-z \n]{0,5000}",
    ]
}

fn content_type() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(Some("application/json".to_owned())),
        Just(None),
        ".{0,30}".prop_map(Some),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn specs_never_panic_and_what_is_accepted_goes_out_again(edits in edits()) {
        let base = sample().to_json();
        check_spec(&String::from_utf8_lossy(&mutate(base.as_bytes(), &edits)));
    }

    #[test]
    fn arbitrary_text_as_a_spec_never_panics(text in ".{0,300}") {
        check_spec(&text);
    }

    #[test]
    fn csv_never_panics_and_accepted_tables_keep_their_promises(edits in edits(), raw in proptest::collection::vec(any::<u8>(), 0..300)) {
        check_csv(&mutate(common::DIABETES.as_bytes(), &edits));
        check_csv(&mutate(b"a,b,c\n1,\"x\"\"y\",3\n4,5,6\n", &edits));
        check_csv(&raw);
    }

    #[test]
    fn share_links_never_panic(edits in edits(), text in ".{0,200}") {
        let fragment = share::to_fragment(&sample());
        check_fragment(&String::from_utf8_lossy(&mutate(fragment.as_bytes(), &edits)));
        check_fragment(&text);
    }

    #[test]
    fn server_answers_never_panic_and_summaries_stay_short(
        status in prop_oneof![Just(200u16), Just(500u16), any::<u16>()],
        content_type in content_type(),
        body in answer_body(),
        latency in prop_oneof![0.0f64..2000.0, any::<f64>()],
    ) {
        check_answer(status, content_type, &body, latency);
    }
}

/// `cargo xtask fuzz [SECONDS]`: every entry point above, round after round with fresh random
/// seeds, until `ASSAY_FUZZ_SECONDS` (default 60) have passed. Stops at the first failure,
/// which proptest shrinks and prints.
#[test]
#[ignore = "runs for a time budget: cargo xtask fuzz [SECONDS]"]
fn fuzz_for_a_while() {
    let seconds = std::env::var("ASSAY_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let base_spec = sample().to_json();
    let fragment = share::to_fragment(&sample());
    let config = Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    };
    let mut rounds = 0u64;
    while Instant::now() < deadline {
        let mut runner = TestRunner::new(config.clone());
        let mutated = runner.run(&edits(), |edits| {
            check_spec(&String::from_utf8_lossy(&mutate(
                base_spec.as_bytes(),
                &edits,
            )));
            check_csv(&mutate(common::DIABETES.as_bytes(), &edits));
            check_fragment(&String::from_utf8_lossy(&mutate(
                fragment.as_bytes(),
                &edits,
            )));
            Ok(())
        });
        let answers = runner.run(
            &(any::<u16>(), content_type(), answer_body(), any::<f64>()),
            |(status, content_type, body, latency)| {
                check_answer(status, content_type, &body, latency);
                Ok(())
            },
        );
        let arbitrary = runner.run(
            &(".{0,400}", proptest::collection::vec(any::<u8>(), 0..400)),
            |(text, bytes)| {
                check_spec(&text);
                check_fragment(&text);
                check_csv(&bytes);
                Ok(())
            },
        );
        let failure = [
            mutated.err().map(|e| e.to_string()),
            answers.err().map(|e| e.to_string()),
            arbitrary.err().map(|e| e.to_string()),
        ]
        .into_iter()
        .flatten()
        .next();
        if let Some(failure) = failure {
            panic!("after {rounds} rounds: {failure}");
        }
        rounds += 1;
    }
    println!("fuzzed {rounds} rounds of 3 × 256 cases in {seconds} s without a failure");
}

#[test]
fn the_sample_spec_has_every_default_check() {
    // Guards the fuzzing's starting point: mutations start from a spec that uses every check.
    assert!(
        sample()
            .checks
            .iter()
            .any(|c| matches!(c, CheckSpec::GradientCheck(_)))
    );
}

/// Overflow checks are on where tests run (`Cargo.toml` keeps them on), so a wrap in the engine
/// fails a test instead of giving a wrong number.
#[test]
fn integer_overflow_fails_in_tests() {
    let max = std::hint::black_box(u64::MAX);
    assert!(std::panic::catch_unwind(|| max + 1).is_err());
}
