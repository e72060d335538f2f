//! The `assay` a Python project gets from the wheel `cargo xtask wheel` builds, installed by
//! `cargo xtask test` into a fresh virtual environment (`ASSAY_WHEEL_VENV`): it is this
//! workspace's `assay`, and it validates and replays a golden spec to the recorded bits.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::cli::{scratch, text, write};
use serde_json::Value;

const GOLDEN: &str = include_str!("specs/softmax_iris.assay.json");

/// The venv's own `assay` (the wheel's binary, not a link to this build's).
fn installed_assay() -> PathBuf {
    let assay = common::server::venv("ASSAY_WHEEL_VENV").join("bin/assay");
    let metadata = std::fs::symlink_metadata(&assay).unwrap();
    assert!(metadata.is_file(), "{} is a file", assay.display());
    assay
}

fn run(args: &[&Path]) -> Output {
    Command::new(installed_assay())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
#[ignore = "needs the wheel installed by `cargo xtask test`"]
fn the_wheel_installs_this_workspaces_assay() {
    let output = run(&[Path::new("--version")]);
    assert!(output.status.success());
    assert_eq!(
        text(&output.stdout).trim(),
        format!("assay {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
#[ignore = "needs the wheel installed by `cargo xtask test`"]
fn the_wheels_assay_validates_and_replays_a_golden_spec_to_the_recorded_bits() {
    let dir = scratch("golden");
    let spec = write(&dir, "softmax_iris.assay.json", GOLDEN);

    let validated = run(&[Path::new("validate"), &spec]);
    assert!(validated.status.success(), "{}", text(&validated.stderr));
    assert!(text(&validated.stdout).contains(": valid (format 1, numerics 1, 17 checks"));

    let report = dir.join("report.json");
    let replayed = run(&[Path::new("run"), &spec, Path::new("--json"), &report]);
    assert_eq!(
        replayed.status.code(),
        Some(0),
        "{}",
        text(&replayed.stdout)
    );
    let report: Value = serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    let recorded: Value = serde_json::from_str(GOLDEN).unwrap();
    assert_eq!(report[0]["status"], "pass");
    assert_eq!(report[0]["replay"], "bit_identical");
    assert_eq!(
        report[0]["parameter_fingerprint"],
        recorded["recorded"]["parameter_fingerprint"]
    );
    assert_eq!(
        report[0]["checks"].as_array().unwrap().len(),
        recorded["checks"].as_array().unwrap().len()
    );
}

#[test]
#[ignore = "needs the wheel installed by `cargo xtask test`"]
fn the_wheels_assay_refuses_a_tampered_spec_in_one_line() {
    let dir = scratch("tampered");
    let spec = write(
        &dir,
        "tampered.assay.json",
        &GOLDEN.replacen("5.1,3.5,1.4,0.2", "5.1,3.5,1.4,0.3", 1),
    );
    let output = run(&[Path::new("run"), &spec]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("assay: error:"), "{stderr}");
    assert!(stderr.contains("SHA-256"), "{stderr}");
}
