//! The `assay` binary as CI runs it: real spec files on disk, exit codes, one-line errors.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use crate::common;

use std::path::Path;
use std::process::Command;

use assay_engine::replay;
use common::cli::{DIABETES, assay, assert_one_line_error, recorded_spec, scratch, text, write};

#[test]
fn a_recorded_spec_replays_bit_identically_and_exits_0() {
    let dir = scratch("pass");
    let spec = recorded_spec();
    let path = write(&dir, "diabetes.assay.json", &spec.to_json());
    let output = assay(&[Path::new("run"), &path]);
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        text(&output.stderr)
    );
    assert!(stdout.contains("PASS  reproducible_training"), "{stdout}");
    assert!(stdout.contains("reproduced bit-identically"), "{stdout}");
    let fingerprint = &spec.recorded.unwrap().parameter_fingerprint;
    assert!(stdout.contains(fingerprint.as_str()), "{stdout}");
}

#[test]
fn a_replay_that_differs_from_the_recording_exits_1() {
    let dir = scratch("differs");
    let mut spec = recorded_spec();
    let recorded = spec.recorded.as_mut().unwrap();
    recorded.checks[0].metrics[0].value += 1e-12;
    let path = write(&dir, "tampered.assay.json", &spec.to_json());
    let output = assay(&[Path::new("run"), &path]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("DIFFERS check 1 (reproducible_training) final_loss"),
        "{stdout}"
    );
    assert!(stdout.contains("differs from the recording"), "{stdout}");
}

#[test]
fn a_dataset_beside_the_spec_is_read_by_its_relative_path() {
    let dir = scratch("external");
    let mut spec = recorded_spec();
    spec.dataset.csv = None;
    spec.dataset.path = Some("data/diabetes.csv".into());
    std::fs::create_dir_all(dir.join("data")).unwrap();
    write(&dir, "data/diabetes.csv", DIABETES);
    let path = write(&dir, "external.assay.json", &spec.to_json());
    assert_eq!(assay(&[Path::new("run"), &path]).status.code(), Some(0));

    write(
        &dir,
        "data/diabetes.csv",
        &DIABETES.replacen("59,2,32.1", "59,2,32.2", 1),
    );
    assert_one_line_error(&assay(&[Path::new("run"), &path]), "the data changed");
}

#[test]
fn unusable_input_exits_2_with_one_line_saying_what_and_where() {
    let dir = scratch("unusable");
    let missing = dir.join("missing.assay.json");
    assert_one_line_error(
        &assay(&[Path::new("run"), &missing]),
        "missing.assay.json: cannot read the spec",
    );

    let bad_json = write(&dir, "bad.assay.json", "{\"format_version\": 1,");
    assert_one_line_error(&assay(&[Path::new("run"), &bad_json]), "not valid JSON");

    let newer =
        recorded_spec()
            .to_json()
            .replacen("\"format_version\": 1", "\"format_version\": 2", 1);
    let newer = write(&dir, "newer.assay.json", &newer);
    assert_one_line_error(
        &assay(&[Path::new("run"), &newer]),
        "reads format versions up to 1",
    );
}

#[test]
fn every_spec_is_replayed_and_the_worst_status_wins() {
    let dir = scratch("several");
    let good = write(&dir, "good.assay.json", &recorded_spec().to_json());
    let missing = dir.join("missing.assay.json");
    let output = assay(&[Path::new("run"), &missing, &good]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stdout).contains("reproduced bit-identically"));
}

#[test]
fn usage_errors_exit_2() {
    let output = Command::new(env!("CARGO_BIN_EXE_assay"))
        .arg("run")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("Usage"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn junit_and_json_reports_parse_back_and_count_what_happened() {
    let dir = scratch("reports");
    let good = write(&dir, "good.assay.json", &recorded_spec().to_json());
    let mut tampered = recorded_spec();
    tampered.recorded.as_mut().unwrap().parameter_fingerprint = "0".repeat(64);
    let tampered = write(&dir, "tampered.assay.json", &tampered.to_json());
    let missing = dir.join("missing.assay.json");
    let (junit, json) = (dir.join("report.xml"), dir.join("report.json"));
    let output = Command::new(env!("CARGO_BIN_EXE_assay"))
        .arg("run")
        .args([&good, &tampered, &missing])
        .arg("--junit")
        .arg(&junit)
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));

    let xml = std::fs::read_to_string(&junit).unwrap();
    let document = roxmltree::Document::parse(&xml).unwrap();
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    // Per readable spec: one case for the check and one for the replay; one error case for the
    // missing file.
    assert_eq!(root.attribute("tests"), Some("5"));
    assert_eq!(root.attribute("failures"), Some("1"));
    assert_eq!(root.attribute("errors"), Some("1"));
    let failure = document
        .descendants()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    assert!(
        failure
            .attribute("message")
            .unwrap()
            .contains("1 differences")
    );

    let reports: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let statuses: Vec<&str> = reports
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["pass", "fail", "error"]);
    assert_eq!(reports[0]["replay"], "bit_identical");
    assert_eq!(
        reports[1]["differences"][0]["item"],
        "parameter fingerprint"
    );
}

/// The JSON report carries each difference typed: a float as a number with its bits, and
/// whether the app's review would call it reproduced within tolerance (`assay run` does not).
#[test]
fn the_json_report_types_each_difference_a_float_with_its_bits() {
    let dir = scratch("typed");
    let mut spec = recorded_spec();
    let metric = &mut spec.recorded.as_mut().unwrap().checks[0].metrics[0];
    let replayed = metric.value;
    metric.value = replayed.next_up();
    let (name, recorded) = (metric.name.clone(), metric.value);
    let path = write(&dir, "last-bit.assay.json", &spec.to_json());
    let json = dir.join("report.json");
    let output = assay(&[Path::new("run"), &path, Path::new("--json"), &json]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "bit for bit: a last-bit change differs"
    );
    let reports: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(reports[0]["differences_total"], 1);
    assert_eq!(
        reports[0]["differences"][0],
        serde_json::json!({
            "item": format!("check 1 (reproducible_training) {name}"),
            "recorded": {"float": recorded, "bits": format!("{:016x}", recorded.to_bits())},
            "replayed": {"float": replayed, "bits": format!("{:016x}", replayed.to_bits())},
            "match": "within_tolerance",
        })
    );
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains(&format!(
            "DIFFERS check 1 (reproducible_training) {name}: recorded {recorded:?} (bits {:016x}), replayed {replayed:?}",
            recorded.to_bits()
        )),
        "{stdout}"
    );
}

#[test]
fn validate_accepts_a_good_spec_and_names_what_is_wrong_with_a_bad_one() {
    let dir = scratch("validate");
    let good = write(&dir, "good.assay.json", &recorded_spec().to_json());
    let output = assay(&[Path::new("validate"), &good]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains("valid (format 1"),
        "{}",
        text(&output.stdout)
    );

    let mut external = recorded_spec();
    external.dataset.csv = None;
    external.dataset.path = Some("absent.csv".into());
    let external = write(&dir, "external.assay.json", &external.to_json());
    assert_one_line_error(
        &assay(&[Path::new("validate"), &external]),
        "cannot read the dataset",
    );

    let wrong_type =
        recorded_spec()
            .to_json()
            .replacen("\"epochs\": 30", "\"epochs\": \"thirty\"", 1);
    let wrong_type = write(&dir, "wrong.assay.json", &wrong_type);
    assert_one_line_error(
        &assay(&[Path::new("validate"), &wrong_type]),
        "invalid type",
    );
}

/// A spec names its dataset relative to itself; it may not reach outside its folder.
#[test]
fn a_dataset_path_outside_the_spec_folder_is_refused() {
    let dir = scratch("escape");
    for path in ["/etc/passwd", "../outside.csv"] {
        let mut spec = recorded_spec();
        spec.dataset.csv = None;
        spec.dataset.path = Some(path.into());
        let file = write(&dir, "escape.assay.json", &spec.to_json());
        assert_one_line_error(
            &assay(&[Path::new("run"), &file]),
            "must be a relative path inside",
        );
    }
}

/// The committed schema is what the types generate; regenerate it with
/// `cargo run -p assay-cli -- schema > schema/assay-spec.v1.schema.json`.
#[test]
fn the_committed_json_schema_matches_the_spec_types() {
    let output = Command::new(env!("CARGO_BIN_EXE_assay"))
        .arg("schema")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let committed = include_str!("../../../schema/assay-spec.v1.schema.json");
    assert!(
        text(&output.stdout) == committed,
        "schema/assay-spec.v1.schema.json is stale: regenerate it with `cargo run -p assay-cli -- schema`"
    );
    let schema: serde_json::Value = serde_json::from_str(committed).unwrap();
    assert_eq!(
        schema["additionalProperties"], false,
        "unknown fields must be refused"
    );
    let required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for field in [
        "format_version",
        "dataset",
        "preprocessing",
        "model",
        "training",
        "checks",
    ] {
        assert!(required.contains(&field), "{field} should be required");
    }
}

#[test]
fn only_runs_the_chosen_part_and_still_compares_it_with_its_recording() {
    let dir = scratch("only");
    let mut spec = recorded_spec();
    // Add a data check to the recorded spec, recording it as the app would.
    spec.checks
        .insert(0, assay_engine::checks::NoConstantColumns {}.into());
    spec.recorded = Some(replay::run(&spec, DIABETES).unwrap().to_recorded());
    let path = write(&dir, "two.assay.json", &spec.to_json());
    for (part, present, absent) in [
        ("data", "no_constant_columns", "reproducible_training"),
        ("training", "reproducible_training", "no_constant_columns"),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_assay"))
            .args(["run", "--only", part])
            .arg(&path)
            .output()
            .unwrap();
        let stdout = text(&output.stdout);
        assert_eq!(output.status.code(), Some(0), "{stdout}");
        assert!(
            stdout.contains(present) && !stdout.contains(absent),
            "{stdout}"
        );
        assert!(stdout.contains("reproduced bit-identically"), "{stdout}");
    }
}

#[test]
fn output_to_a_pipe_has_no_colour_codes() {
    let dir = scratch("plain");
    let path = write(&dir, "plain.assay.json", &recorded_spec().to_json());
    let output = assay(&[Path::new("run"), &path]);
    let stdout = text(&output.stdout);
    assert!(!stdout.contains('\u{1b}'), "{stdout}");
    // The real summary, not an empty or crashed run, which has no colour codes either.
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(stdout.contains("PASS  reproducible_training"), "{stdout}");
    assert!(
        stdout.contains("replay: reproduced bit-identically"),
        "{stdout}"
    );
}

#[test]
fn data_given_on_the_command_line_replaces_the_specs_and_must_match_its_hash() {
    let dir = scratch("data-flag");
    let mut spec = recorded_spec();
    spec.dataset.csv = None;
    spec.dataset.path = Some("not-here.csv".into());
    let path = write(&dir, "elsewhere.assay.json", &spec.to_json());
    let data = write(&dir, "copy.csv", DIABETES);
    let output = assay(&[Path::new("run"), &path, Path::new("--data"), &data]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let other = write(
        &dir,
        "other.csv",
        &DIABETES.replacen("59,2,32.1", "59,2,32.2", 1),
    );
    assert_one_line_error(
        &assay(&[Path::new("run"), &path, Path::new("--data"), &other]),
        "the data changed",
    );
}
