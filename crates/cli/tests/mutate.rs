//! `assay mutate`: the bug × check matrix of real spec files, its exit codes and its reports.

use crate::common;

use std::path::{Path, PathBuf};

use assay_engine::checks::NoMissingValues;
use common::cli::{assay, assert_one_line_error, recorded_spec, scratch, text, write};
use serde_json::Value;

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/specs")
        .join(format!("{name}.assay.json"))
}

#[test]
fn every_golden_spec_catches_every_bug_that_can_strike_its_model() {
    let dir = scratch("golden");
    let json = dir.join("matrix.json");
    let junit = dir.join("matrix.xml");
    let specs = ["softmax_iris", "linear_diabetes"].map(golden);
    let mut args: Vec<&Path> = vec![Path::new("mutate")];
    args.extend(specs.iter().map(PathBuf::as_path));
    args.extend([Path::new("--json"), &json, Path::new("--junit"), &junit]);
    let output = assay(&args);
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        text(&output.stderr)
    );
    assert!(
        stdout.contains("mutation score 1.000 (14 of 14 bugs that apply caught)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("mutation score 1.000 (12 of 12 bugs that apply caught)"),
        "{stdout}"
    );
    assert!(!stdout.contains("MISSED"), "{stdout}");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report.as_array().unwrap().len(), 2);
    let diabetes = &report[1];
    assert_eq!(diabetes["score"], 1.0);
    let rows = diabetes["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 14);
    for row in rows {
        let applies = row["applies"].as_bool().unwrap();
        assert_eq!(
            applies,
            !["softmax_unstable", "probabilities_not_normalised"]
                .contains(&row["mutation"].as_str().unwrap()),
            "{row}"
        );
        assert_eq!(row["caught_by_design"], applies, "{row}");
        assert_eq!(
            row["cells"].as_array().unwrap().len(),
            diabetes["checks"].as_array().unwrap().len()
        );
    }
    let seed = rows
        .iter()
        .find(|r| r["mutation"] == "seed_ignored")
        .unwrap();
    let column = diabetes["checks"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c == "reproducible_training")
        .unwrap();
    assert_eq!(seed["cells"][column], "caught");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<testcase").count(), 28, "{xml}");
    assert_eq!(xml.matches("<skipped").count(), 2, "{xml}");
    assert!(!xml.contains("<failure"), "{xml}");
}

#[test]
fn a_spec_whose_checks_miss_bugs_fails_below_the_minimum_score() {
    let dir = scratch("weak");
    let mut spec = recorded_spec();
    spec.checks = vec![NoMissingValues::default().into()];
    spec.recorded = None;
    let path = write(&dir, "weak.assay.json", &spec.to_json());
    let junit = dir.join("weak.xml");
    let output = assay(&[Path::new("mutate"), &path, Path::new("--junit"), &junit]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("MISSED reproducible_training should have"),
        "{stdout}"
    );
    assert!(
        stdout.contains("mutation score 0.000 (0 of 12 bugs that apply caught)"),
        "{stdout}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("no check caught `gradient_sign_flipped`; gradient_check should have"),
        "{xml}"
    );
    // A lower bar that the score meets passes.
    let output = assay(&[
        Path::new("mutate"),
        &path,
        Path::new("--min-score"),
        Path::new("0"),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));
}

#[test]
fn unusable_input_is_exit_2_with_one_line() {
    let dir = scratch("unusable");
    let path = write(&dir, "broken.assay.json", "{ not json");
    assert_one_line_error(&assay(&[Path::new("mutate"), &path]), "broken.assay.json");
    let output = assay(&[
        Path::new("mutate"),
        &golden("softmax_iris"),
        Path::new("--min-score"),
        Path::new("1.5"),
    ]);
    assert_one_line_error(&output, "--min-score is a share between 0 and 1");
}
