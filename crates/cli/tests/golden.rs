//! Golden spec files, one per model family and check family, replayed by the CLI as CI would.
//! They are the compatibility promise: a spec written today must replay bit for bit later.
//!
//! Regenerate them (only for a deliberate change of format or maths, said in the commit) with
//! `cargo test -p assay-cli --test integration -- --ignored golden::regenerate`.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use std::path::{Path, PathBuf};
use std::process::Command;

use assay_engine::checks::CheckSpec;
use assay_engine::model::{Activation, ModelSpec};
use assay_engine::numerics::Numerics;
use assay_engine::optim::Optimizer;
use assay_engine::replay;
use assay_engine::spec::Spec;
use assay_engine::train::TrainConfig;

fn specs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("specs")
}

/// The golden specs as the app would author them: name, data, target, model, training, and
/// changes to the default checks.
fn golden_specs() -> Vec<(String, Spec)> {
    let sample = |file: &str| {
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../public/samples")
                .join(file),
        )
        .unwrap()
    };
    let author = |name: &str, file: &str, target: &str, model: ModelSpec, training: TrainConfig| {
        Spec::authored(name, (file, &sample(file)), target, model, training).unwrap()
    };
    let adam = TrainConfig {
        optimizer: Optimizer::adam(),
        learning_rate: 0.01,
        ..TrainConfig::default()
    };

    let logistic = author(
        "breast cancer, logistic regression",
        "breast_cancer.csv",
        "diagnosis",
        ModelSpec::LogisticRegression,
        TrainConfig::default(),
    );

    let linear = author(
        "diabetes, linear regression",
        "diabetes.csv",
        "progression",
        ModelSpec::LinearRegression,
        TrainConfig {
            epochs: 300,
            learning_rate: 0.01,
            optimizer: Optimizer::Sgd { momentum: 0.9 },
            ..TrainConfig::default()
        },
    );

    let mut softmax = author(
        "iris, softmax regression",
        "iris.csv",
        "species",
        ModelSpec::SoftmaxRegression,
        adam.clone(),
    );
    // Iris repeats one flower (lines 103 and 144): allow that one duplicate in 150, and the
    // one validation row it makes repeat a training row (1 of 39).
    for check in &mut softmax.checks {
        match check {
            CheckSpec::NoDuplicateRows(c) => c.max_fraction = 0.01,
            CheckSpec::NoTrainValidationOverlap(c) => c.max_fraction = 0.03,
            _ => {}
        }
    }

    let mlp = author(
        "breast cancer, MLP",
        "breast_cancer.csv",
        "diagnosis",
        ModelSpec::Mlp {
            hidden_layers: vec![16],
            activation: Activation::Tanh,
        },
        adam,
    );

    let specs = [
        ("logistic_breast_cancer", logistic),
        ("linear_diabetes", linear),
        ("softmax_iris", softmax),
        ("mlp_breast_cancer", mlp),
    ];
    // Each in numerics 1, as specs were recorded before numerics versions (and replay for good),
    // and in numerics 2, as a new spec records it.
    let mut golden = Vec::new();
    for (file, spec) in specs {
        let mut first = spec.clone();
        first.training.numerics = Numerics::RowOrder;
        golden.push((file.to_owned(), first));
        let mut second = spec;
        second.training.numerics = Numerics::FourLanes;
        second.name.push_str(" (numerics 2)");
        golden.push((format!("numerics2_{file}"), second));
    }
    golden
}

#[test]
#[ignore = "writes the golden specs; run it only to regenerate them"]
fn regenerate() {
    for (file, mut spec) in golden_specs() {
        let csv = spec.dataset.csv.clone().unwrap();
        spec.recorded = Some(replay::run(&spec, &csv).unwrap().to_recorded());
        let spec = spec.revise(None, "2026-11-22T00:00:00Z");
        std::fs::write(
            specs_dir().join(format!("{file}.assay.json")),
            spec.to_json(),
        )
        .unwrap();
    }
}

#[test]
fn every_golden_spec_replays_bit_identically() {
    for (file, _) in golden_specs() {
        let path = specs_dir().join(format!("{file}.assay.json"));
        let output = Command::new(env!("CARGO_BIN_EXE_assay"))
            .arg("run")
            .arg(&path)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains("reproduced bit-identically"), "{stdout}");
        assert_eq!(output.status.code(), Some(0), "{stdout}");
    }
}

#[test]
fn the_golden_specs_are_what_the_current_engine_authors() {
    // Same settings and checks as committed (recordings are compared by the replay test).
    for (file, spec) in golden_specs() {
        let text = std::fs::read_to_string(specs_dir().join(format!("{file}.assay.json"))).unwrap();
        let committed = Spec::from_json(&text).unwrap();
        assert_eq!(committed.checks, spec.checks, "{file}");
        assert_eq!(committed.training, spec.training, "{file}");
        assert_eq!(committed.preprocessing, spec.preprocessing, "{file}");
    }
}

#[test]
fn a_replay_says_which_numerics_it_added_in_and_each_version_keeps_its_own_bits() {
    use crate::common::cli::{assay, assert_one_line_error, scratch, text, write};
    let dir = scratch("numerics");
    let first = specs_dir().join("mlp_breast_cancer.assay.json");
    let second = specs_dir().join("numerics2_mlp_breast_cancer.assay.json");
    let report = dir.join("report.json");
    let output = assay(&[
        Path::new("run"),
        &first,
        &second,
        Path::new("--json"),
        &report,
    ]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(", numerics 1 (sums in row order)"),
        "{stdout}"
    );
    assert!(
        stdout.contains(", numerics 2 (sums in four fixed lanes)"),
        "{stdout}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let versions: Vec<_> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["numerics"].clone())
        .collect();
    assert_eq!(versions, [1, 2]);

    // The recording of one version is not what the other version computes: the field matters.
    let text_of = |path: &Path| std::fs::read_to_string(path).unwrap();
    assert!(
        !text_of(&first).contains("\"numerics\""),
        "numerics 1 is what a spec without it means"
    );
    let swapped = write(
        &dir,
        "swapped.assay.json",
        &text_of(&first).replace("\"optimizer\": {", "\"numerics\": 2,\n    \"optimizer\": {"),
    );
    let output = assay(&[Path::new("run"), &swapped]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    assert!(
        text(&output.stdout).contains("DIFFERS"),
        "{}",
        text(&output.stdout)
    );

    // A version this Assay does not know is unusable input, said in one line.
    let unknown = write(
        &dir,
        "unknown.assay.json",
        &text_of(&second).replace("\"numerics\": 2", "\"numerics\": 3"),
    );
    let output = assay(&[Path::new("run"), &unknown]);
    assert_one_line_error(&output, "numerics 1 and 2, not 3");
}
