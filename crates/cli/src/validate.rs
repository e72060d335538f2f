//! `assay validate`: is each spec usable, without running it? Makes every check `assay run`
//! makes before its first epoch, with the same engine code (`replay::Stepper::new`): the format
//! and fields, the dataset's file and SHA-256, reading and preparing the data, the model, the
//! work budget of the whole run, and whether each check can run on this model and data; and
//! that each endpoint evaluation can be built (its features and columns are in the data); and
//! it names the servers `assay run --allow-serve` would start.

use std::path::{Path, PathBuf};

use anyhow::Context;
use assay_engine::budget::MAX_SPEC_WORK;
use assay_engine::endpoint::Evaluator;
use assay_engine::replay::Stepper;
use assay_engine::spec::{MAX_SPEC_BYTES, Spec};

use crate::Status;
use crate::files::{dataset_for, read_limited};
use crate::terminal::{escaped, print_error};

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    #[arg(required = true)]
    specs: Vec<PathBuf>,
    /// Read the dataset from this CSV instead of the spec's own, as `assay run --data` does.
    #[arg(long, value_name = "PATH")]
    data: Option<PathBuf>,
}

pub fn validate(args: &ValidateArgs) -> Status {
    let mut worst = Status::Success;
    for path in &args.specs {
        match validate_one(path, args.data.as_deref()) {
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

fn validate_one(path: &Path, data: Option<&Path>) -> anyhow::Result<String> {
    let text = read_limited(path, MAX_SPEC_BYTES).context("cannot read the spec")?;
    let spec = Spec::from_json(&text)?;
    let csv = dataset_for(&spec, path, data)?;
    let stepper = Stepper::new(&spec, &csv)?;
    let budget = stepper.budget();
    if let Some((i, error)) = budget.unusable.first() {
        let id = spec.checks.get(*i).map_or("?", |c| c.id());
        anyhow::bail!("check `{id}` (check {}) cannot run: {error}", i + 1);
    }
    let mut evaluations = String::new();
    for endpoint in &spec.endpoints {
        if let Some(serve) = &endpoint.serve {
            evaluations.push_str(&format!(
                ", endpoint {} would start `{}`{} (assay run --allow-serve only)",
                endpoint.name,
                serve.shown(),
                serve
                    .cwd
                    .as_ref()
                    .map(|cwd| format!(" in {cwd}"))
                    .unwrap_or_default()
            ));
        }
        if let Some(evaluator) =
            Evaluator::new(&spec, stepper.table(), stepper.prepared(), endpoint)?
        {
            evaluations.push_str(&format!(
                ", endpoint {} evaluates {} rows in {} requests",
                endpoint.name,
                evaluator.rows(),
                evaluator.requests()
            ));
        }
    }
    Ok(format!(
        "format {}, numerics {}, {} checks, dataset {} matches, {:.1e} units of work of {MAX_SPEC_WORK:.0e}{evaluations}",
        spec.format_version,
        spec.training.numerics.version(),
        spec.checks.len(),
        spec.dataset.name,
        budget.total
    ))
}
