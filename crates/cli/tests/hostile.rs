//! The `assay` binary against hostile files and text: special files, symlinks out of the spec's
//! folder, control characters in names, a byte-order mark, oversized names in reports.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use crate::common;

use assay_engine::checks::{ConvergesToOptimum, OutputSanity, ReproducibleTraining};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::cli::{DIABETES, assay, assert_one_line_error, recorded_spec, scratch, text, write};

/// A named pipe with no writer: opening it for reading blocks until one appears.
fn fifo(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let status = Command::new("mkfifo").arg(&path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
    path
}

fn external_spec(dataset_path: &str) -> String {
    let mut spec = recorded_spec();
    spec.dataset.csv = None;
    spec.dataset.path = Some(dataset_path.into());
    spec.to_json()
}

#[test]
fn a_fifo_as_the_spec_or_the_dataset_is_refused_without_blocking() {
    let dir = scratch("fifo");
    let spec_fifo = fifo(&dir, "pipe.assay.json");
    for command in ["validate", "run"] {
        assert_one_line_error(
            &assay(&[Path::new(command), &spec_fifo]),
            "not a regular file",
        );
    }
    fifo(&dir, "data.csv");
    let spec = write(&dir, "external.assay.json", &external_spec("data.csv"));
    for command in ["validate", "run"] {
        assert_one_line_error(&assay(&[Path::new(command), &spec]), "not a regular file");
    }
    // `--data` is the caller's choice of file, but it must still be a regular file.
    let embedded = write(&dir, "embedded.assay.json", &recorded_spec().to_json());
    let data_fifo = fifo(&dir, "other.csv");
    assert_one_line_error(
        &assay(&[Path::new("run"), &embedded, Path::new("--data"), &data_fifo]),
        "not a regular file",
    );
}

#[cfg(unix)]
#[test]
fn a_dataset_symlink_may_not_leave_the_spec_folder() {
    use std::os::unix::fs::symlink;
    let root = scratch("symlink");
    let dir = root.join("specs");
    std::fs::create_dir_all(&dir).unwrap();
    // A file outside the folder with exactly the data the spec expects: only the escape is wrong.
    let outside = write(&root, "outside.csv", DIABETES);
    symlink(&outside, dir.join("data.csv")).unwrap();
    symlink("/etc/passwd", dir.join("passwd.csv")).unwrap();
    symlink("/proc/self/environ", dir.join("environ.csv")).unwrap();
    for link in ["data.csv", "passwd.csv", "environ.csv"] {
        let spec = write(&dir, "escape.assay.json", &external_spec(link));
        for command in ["validate", "run"] {
            let output = assay(&[Path::new(command), &spec]);
            assert_one_line_error(&output, "outside the spec's folder");
            let stderr = text(&output.stderr);
            assert!(!stderr.contains("SHA-256"), "{stderr}");
        }
    }
    // A link that stays inside the folder is followed.
    let inside = write(&dir, "real.csv", DIABETES);
    symlink(&inside, dir.join("alias.csv")).unwrap();
    let spec = write(&dir, "inside.assay.json", &external_spec("alias.csv"));
    let output = assay(&[Path::new("run"), &spec]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    // `--data` on the command line is the person's own choice, even outside the folder.
    let output = assay(&[Path::new("run"), &spec, Path::new("--data"), &outside]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
}

/// Text from a spec (its name, a path, a column) reaches the terminal escaped: a newline cannot
/// forge a `PASS` line, an escape sequence cannot recolour or clear the screen, and a one-line
/// error stays one line.
#[test]
fn control_characters_from_a_spec_are_escaped_in_everything_printed() {
    let dir = scratch("control");
    let mut spec = recorded_spec();
    spec.name = "diabetes\n  PASS  every_check: forged\u{1b}[2J".into();
    let path = write(&dir, "forged.assay.json", &spec.to_json());
    for command in ["run", "validate"] {
        let output = assay(&[Path::new(command), &path]);
        let stdout = text(&output.stdout);
        assert_eq!(output.status.code(), Some(0), "{stdout}");
        assert!(
            !stdout
                .lines()
                .any(|l| l.trim_start().starts_with("PASS  every_check")),
            "{stdout}"
        );
        if command == "run" {
            assert!(
                stdout.contains("diabetes\\n  PASS  every_check: forged\\u{1b}[2J"),
                "{stdout}"
            );
        }
    }

    let mut broken = recorded_spec();
    broken.dataset.csv = None;
    broken.dataset.path = Some("missing\nassay: everything passed\u{1b}[0m.csv".into());
    let path = write(&dir, "broken.assay.json", &broken.to_json());
    for command in ["run", "validate"] {
        let output = assay(&[Path::new(command), &path]);
        assert_one_line_error(&output, "missing\\nassay: everything passed\\u{1b}[0m.csv");
        assert!(!text(&output.stderr).contains('\u{1b}'));
    }
}

/// Exit 2 because a check could not run says so on stderr, naming the spec and the check.
#[test]
fn a_check_that_cannot_run_says_why_on_stderr() {
    let dir = scratch("check-error");
    let mut spec = recorded_spec();
    spec.training.l2 = 0.1;
    spec.checks = vec![assay_engine::checks::CheckSpec::ConvergesToOptimum(
        ConvergesToOptimum {
            max_loss_gap: 0.01,
            ..ConvergesToOptimum::default()
        },
    )];
    spec.recorded = None;
    let path = write(&dir, "l2.assay.json", &spec.to_json());
    let output = assay(&[Path::new("run"), &path]);
    assert_one_line_error(&output, "l2.assay.json");
    assert_one_line_error(&output, "converges_to_optimum");
    assert_one_line_error(&output, "training.l2");
}

/// Reports stay small however large the spec's text: a 1 MB name was copied into every JUnit
/// test case (a 1 MB spec gave a 1 GB report), and every difference from a padded recording
/// was listed.
#[test]
fn reports_bound_every_name_message_and_list_from_the_spec() {
    let dir = scratch("bounded");
    let mut spec = recorded_spec();
    spec.name = "n".repeat(1024 * 1024);
    spec.checks = vec![assay_engine::checks::CheckSpec::OutputSanity(OutputSanity {}); 20];
    spec.recorded = Some(
        assay_engine::replay::run(&spec, common::cli::DIABETES)
            .unwrap()
            .to_recorded(),
    );
    let recorded = spec.recorded.as_mut().unwrap();
    for i in 0..5000 {
        recorded.metrics.push(assay_engine::metrics::Metric::new(
            &format!("padding_{i}"),
            1.0,
        ));
    }
    let path = write(&dir, "big.assay.json", &spec.to_json());
    let (junit, json) = (dir.join("report.xml"), dir.join("report.json"));
    let output = assay(&[
        Path::new("run"),
        &path,
        Path::new("--junit"),
        &junit,
        Path::new("--json"),
        &json,
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let limit = 64 * 1024;
    let junit = std::fs::read_to_string(&junit).unwrap();
    let json = std::fs::read_to_string(&json).unwrap();
    assert!(
        junit.len() < limit,
        "JUnit report has {} bytes",
        junit.len()
    );
    assert!(json.len() < limit, "JSON report has {} bytes", json.len());
    assert!(
        output.stdout.len() < limit,
        "stdout has {} bytes",
        output.stdout.len()
    );
    // Still parseable, still counting every check, and saying what was left out.
    let document = roxmltree::Document::parse(&junit).unwrap();
    assert_eq!(document.root_element().attribute("tests"), Some("21"));
    assert!(junit.contains("more characters"), "{}", &junit[..2000]);
    let reports: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(reports[0]["checks"].as_array().unwrap().len(), 20);
    assert_eq!(reports[0]["differences"].as_array().unwrap().len(), 50);
    assert_eq!(reports[0]["differences_total"], 5000);
    assert!(junit.contains("5000 differences from the recording"));
    assert!(text(&output.stdout).contains("4950 more differences not listed, 5000 in all"));
}

/// `assay validate` runs every check `assay run` makes before its first epoch, so it no longer
/// calls "valid" a spec that `run` refuses: one over the work budget, one whose check cannot run
/// on its model, one whose data cannot be prepared as it asks.
#[test]
fn validate_refuses_what_run_refuses() {
    use assay_engine::checks::CheckSpec;
    use assay_engine::model::{Activation, ModelSpec};
    let dir = scratch("agreement");
    let mut heavy = recorded_spec();
    heavy.model = ModelSpec::Mlp {
        hidden_layers: vec![512, 512],
        activation: Activation::Relu,
    };
    heavy.training.epochs = 100;
    heavy.checks = vec![CheckSpec::ReproducibleTraining(ReproducibleTraining {
        extra_seeds: 20,
    })];
    heavy.recorded = None;
    let mut l2 = recorded_spec();
    l2.training.l2 = 0.1;
    l2.checks = vec![CheckSpec::ConvergesToOptimum(ConvergesToOptimum {
        max_loss_gap: 0.01,
        ..ConvergesToOptimum::default()
    })];
    l2.recorded = None;
    let mut target = recorded_spec();
    target.preprocessing.target = "no_such_column".into();
    target.recorded = None;
    for (name, spec, needle) in [
        ("heavy", heavy, "units of work"),
        ("l2", l2, "converges_to_optimum"),
        ("target", target, "no_such_column"),
    ] {
        let path = write(&dir, &format!("{name}.assay.json"), &spec.to_json());
        let run = assay(&[Path::new("run"), &path]);
        assert_eq!(run.status.code(), Some(2), "{name}: {}", text(&run.stdout));
        assert!(
            text(&run.stderr).contains(needle),
            "{name}: {}",
            text(&run.stderr)
        );
        assert_one_line_error(&assay(&[Path::new("validate"), &path]), needle);
    }
}

/// The committed example specs are within the work budget, and `validate` says how much of it
/// they use.
#[test]
fn the_committed_specs_validate_within_the_budget() {
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs");
    for entry in std::fs::read_dir(&specs).unwrap() {
        let path = entry.unwrap().path();
        let output = assay(&[Path::new("validate"), &path]);
        let stdout = text(&output.stdout);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        assert!(stdout.contains("units of work of"), "{stdout}");
    }
}
