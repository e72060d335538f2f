//! `assay validate`: is each spec usable, without running it? Checks the format, the fields,
//! and that the dataset exists and matches its recorded SHA-256.

use std::path::{Path, PathBuf};

use anyhow::Context;
use assay_engine::fingerprint;
use assay_engine::spec::{MAX_SPEC_BYTES, Spec};

use crate::Status;
use crate::files::{dataset_text, read_limited};
use crate::terminal::{escaped, print_error};

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    #[arg(required = true)]
    specs: Vec<PathBuf>,
}

pub fn validate(args: &ValidateArgs) -> Status {
    let mut worst = Status::Success;
    for path in &args.specs {
        match validate_one(path) {
            Ok(summary) => println!(
                "{}",
                escaped(&format!("{}: valid ({summary})", path.display()))
            ),
            Err(error) => {
                print_error(&format!("{}: {error:#}", path.display()));
                worst = Status::Unusable;
            }
        }
    }
    worst
}

fn validate_one(path: &Path) -> anyhow::Result<String> {
    let text = read_limited(path, MAX_SPEC_BYTES).context("cannot read the spec")?;
    let spec = Spec::from_json(&text)?;
    let csv = dataset_text(&spec, path)?;
    let actual = fingerprint::sha256_hex(csv.as_bytes());
    anyhow::ensure!(
        actual == spec.dataset.sha256,
        "`{}` has SHA-256 {actual}, but the spec was written for {}: the data changed",
        spec.dataset.name,
        spec.dataset.sha256
    );
    Ok(format!(
        "format {}, {} checks, dataset {} matches",
        spec.format_version,
        spec.checks.len(),
        spec.dataset.name
    ))
}
