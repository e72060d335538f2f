//! `assay run`: replay specs and print what held and what did not.

use std::path::{Path, PathBuf};

use anyhow::Context;
use assay_engine::checks::Verdict;
use assay_engine::replay;
use assay_engine::spec::Spec;

use crate::Status;

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Spec files written by the Assay app.
    #[arg(required = true)]
    specs: Vec<PathBuf>,
}

/// Replays every spec, even after one fails, and returns the worst status.
pub fn run(args: &RunArgs) -> anyhow::Result<Status> {
    let mut worst = Status::Success;
    for path in &args.specs {
        let status = match replay_one(path) {
            Ok(status) => status,
            Err(error) => {
                eprintln!("assay: error: {}: {error:#}", path.display());
                Status::Unusable
            }
        };
        worst = worst.max(status);
    }
    Ok(worst)
}

fn replay_one(path: &Path) -> anyhow::Result<Status> {
    let text = std::fs::read_to_string(path).context("cannot read the spec")?;
    let spec = Spec::from_json(&text)?;
    let csv = dataset_text(&spec, path)?;
    let run = replay::run(&spec, &csv)?;

    println!("{}: {}", path.display(), spec.name);
    let (mut passed, mut failed, mut errors) = (0, 0, 0);
    for check in &run.checks {
        let label = match check.verdict {
            Verdict::Pass => {
                passed += 1;
                "PASS"
            }
            Verdict::Fail => {
                failed += 1;
                "FAIL"
            }
            Verdict::Error => {
                errors += 1;
                "ERROR"
            }
        };
        println!("  {label}  {}: {}", check.check, check.summary);
    }
    println!("  model fingerprint {}", run.parameter_fingerprint);
    let differences = match &spec.recorded {
        Some(recorded) => replay::compare(recorded, &run),
        None => {
            println!("  the spec has no recorded results to compare with");
            Vec::new()
        }
    };
    for difference in &differences {
        println!(
            "  DIFFERS  {}: recorded {}, replayed {}",
            difference.item, difference.recorded, difference.replayed
        );
    }
    let reproduced = if spec.recorded.is_none() {
        "nothing recorded"
    } else if differences.is_empty() {
        "reproduced bit-identically"
    } else {
        "differs from the recording"
    };
    println!(
        "  checks: {passed} held, {failed} did not, {errors} could not run; replay: {reproduced}"
    );
    Ok(if errors > 0 {
        Status::Unusable
    } else if failed == 0 && differences.is_empty() {
        Status::Success
    } else {
        Status::Failed
    })
}

/// The dataset's CSV: embedded in the spec, or read from a path relative to the spec file.
fn dataset_text(spec: &Spec, spec_path: &Path) -> anyhow::Result<String> {
    if let Some(csv) = &spec.dataset.csv {
        return Ok(csv.clone());
    }
    let relative = spec.dataset.path.as_deref().unwrap_or_default();
    let path = spec_path.parent().unwrap_or(Path::new(".")).join(relative);
    std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read the dataset {}", path.display()))
}
