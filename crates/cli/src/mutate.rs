//! `assay mutate`: replays each spec once per injected bug ([`Mutation::ALL`]) and prints the
//! bug × check matrix: which check caught which bug, and the mutation score (the share of the
//! bugs that can strike the spec's model caught by at least one check).
//!
//! # `--json` wire format
//! A JSON array with one object per spec: `{"spec": path, "name": string, "score": number,
//! "checks": [check id…], "rows": [{"mutation": id, "title": text, "applies": bool, "caught":
//! bool, "caught_by_design": bool, "designed": [check id…], "cells": ["caught"|"missed"|
//! "already_failing"|"not_applicable"…] (one per check, in order), "error": text|null (the
//! mutated run could not even start, which counts as caught)}…]}`.
//!
//! # `--junit`
//! One `<testsuite>` per spec, one `<testcase>` per mutation: a failure when it applies and no
//! check caught it, skipped when it cannot strike the model.

use std::path::{Path, PathBuf};

use anyhow::Context;
use assay_engine::mutate::{Cell, Matrix, matrix};
use assay_engine::mutation::Mutation;
use assay_engine::spec::{MAX_SPEC_BYTES, Spec};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde::Serialize;

use crate::Status;
use crate::files::{dataset_for, read_limited};
use crate::terminal::{escaped, print_error};

#[derive(Debug, clap::Args)]
pub struct MutateArgs {
    /// Spec files written by the Assay app.
    #[arg(required = true)]
    specs: Vec<PathBuf>,
    /// Also write the matrices as JSON (documented in `mutate.rs`).
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Also write JUnit XML: one test case per mutation.
    #[arg(long, value_name = "PATH")]
    junit: Option<PathBuf>,
    /// The lowest mutation score that passes (exit 0); every bug caught by default.
    #[arg(long, value_name = "X", default_value_t = 1.0)]
    min_score: f64,
    /// Read the dataset from this CSV instead of the spec's own (it must match its SHA-256).
    #[arg(long, value_name = "PATH")]
    data: Option<PathBuf>,
}

/// One spec's matrix as written in the JSON.
#[derive(Debug, Serialize)]
struct SpecMatrix {
    spec: String,
    name: String,
    score: f64,
    checks: Vec<String>,
    rows: Vec<Row>,
}

#[derive(Debug, Serialize)]
struct Row {
    mutation: &'static str,
    title: &'static str,
    applies: bool,
    caught: bool,
    caught_by_design: bool,
    designed: &'static [&'static str],
    cells: Vec<Cell>,
    error: Option<String>,
}

pub fn mutate(args: &MutateArgs) -> anyhow::Result<Status> {
    if !(0.0..=1.0).contains(&args.min_score) {
        anyhow::bail!(
            "--min-score is a share between 0 and 1; it is {}",
            args.min_score
        );
    }
    let mut matrices = Vec::new();
    let mut worst = Status::Success;
    for path in &args.specs {
        match mutate_one(path, args.data.as_deref()) {
            Ok(found) => {
                print_matrix(&found);
                if found.score < args.min_score {
                    worst = worst.max(Status::Failed);
                }
                matrices.push(found);
            }
            Err(error) => {
                print_error(&format!("{}: {error:#}", path.display()));
                worst = Status::Unusable;
            }
        }
    }
    if let Some(path) = &args.json {
        let mut text = serde_json::to_string_pretty(&matrices)?;
        text.push('\n');
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &args.junit {
        std::fs::write(path, junit(&matrices)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(worst)
}

fn mutate_one(path: &Path, data: Option<&Path>) -> anyhow::Result<SpecMatrix> {
    let text = read_limited(path, MAX_SPEC_BYTES).context("cannot read the spec")?;
    let spec = Spec::from_json(&text)?;
    let csv = dataset_for(&spec, path, data)?;
    let found = matrix(&spec, &csv, &Mutation::ALL, |_, _| {})?;
    Ok(spec_matrix(path, &spec, &found))
}

fn spec_matrix(path: &Path, spec: &Spec, found: &Matrix) -> SpecMatrix {
    SpecMatrix {
        spec: path.display().to_string(),
        name: spec.name.clone(),
        score: found.score(),
        checks: found.checks.clone(),
        rows: found
            .rows
            .iter()
            .map(|row| {
                let guide = row.mutation.guide();
                Row {
                    mutation: row.mutation.id(),
                    title: guide.title,
                    applies: row.applies(),
                    caught: row.caught(),
                    caught_by_design: row.caught_by_design,
                    designed: guide.caught_by,
                    cells: row.cells.clone(),
                    error: row.error.clone(),
                }
            })
            .collect(),
    }
}

/// The matrix as a grid (one column per check, numbered in a legend), then a line per mutation.
fn print_matrix(found: &SpecMatrix) {
    use anstream::println;
    use anstyle::{AnsiColor, Style};
    let paint = |color: AnsiColor| Style::new().fg_color(Some(color.into())).bold();
    let (green, red, grey) = (
        paint(AnsiColor::Green),
        paint(AnsiColor::Red),
        paint(AnsiColor::BrightBlack),
    );
    println!("{}: {}", escaped(&found.spec), escaped(&found.name));
    for (i, check) in found.checks.iter().enumerate() {
        println!("  {:>2} {}", i + 1, escaped(check));
    }
    let width = found
        .rows
        .iter()
        .map(|r| r.mutation.len())
        .max()
        .unwrap_or(0);
    let numbers: String = (1..=found.checks.len())
        .map(|i| format!("{:>3}", i % 100))
        .collect();
    println!("  {:width$}  {numbers}", "");
    for row in &found.rows {
        let cells: String = row
            .cells
            .iter()
            .map(|cell| match cell {
                Cell::Caught => "  X",
                Cell::Missed => "  .",
                Cell::AlreadyFailing => "  -",
                Cell::NotApplicable => "   ",
            })
            .collect();
        let (label, style) = match (row.applies, row.caught) {
            (false, _) => ("n/a   ", grey),
            (true, true) => ("CAUGHT", green),
            (true, false) => ("MISSED", red),
        };
        let by = if let Some(error) = &row.error {
            format!("the mutated run could not start: {error}")
        } else if !row.applies {
            "cannot strike this model".to_owned()
        } else if row.caught_by_design {
            format!("by design ({})", row.designed.join(" or "))
        } else if row.caught {
            format!("but not by {}", row.designed.join(" or "))
        } else {
            format!("{} should have", row.designed.join(" or "))
        };
        println!(
            "  {:width$}  {cells}   {style}{label}{style:#} {}",
            row.mutation,
            escaped(&by)
        );
    }
    let applying = found.rows.iter().filter(|r| r.applies).count();
    let caught = found.rows.iter().filter(|r| r.applies && r.caught).count();
    println!(
        "  X caught, . missed, - the check failed unmutated already; mutation score {:.3} ({caught} of {applying} bugs that apply caught)",
        found.score
    );
}

fn junit(matrices: &[SpecMatrix]) -> anyhow::Result<String> {
    let mut report = Report::new("assay mutate");
    for found in matrices {
        let mut suite = TestSuite::new(found.spec.as_str());
        for row in &found.rows {
            let status = if !row.applies {
                let mut status = TestCaseStatus::skipped();
                status.set_message("the bug cannot strike this model");
                status
            } else if row.caught {
                TestCaseStatus::success()
            } else {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_message(format!(
                    "no check caught `{}`; {} should have",
                    row.mutation,
                    row.designed.join(" or ")
                ));
                status
            };
            let mut case = TestCase::new(row.mutation, status);
            case.set_classname(found.name.as_str());
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    Ok(report.to_string()?)
}
