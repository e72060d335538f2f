//! `assay export k6`: a spec's endpoint as a k6 script, for load tests beyond Assay's own small
//! runs (`k6 run`, `k6 archive`, the k6-operator's `TestRun`).

use std::path::PathBuf;

use anyhow::Context;
use assay_engine::endpoint::k6_script;
use assay_engine::spec::{MAX_SPEC_BYTES, Spec};

use crate::files::read_limited;

#[derive(Debug, clap::Subcommand)]
pub enum ExportCommand {
    /// Write a k6 script (ES module) for one endpoint: its smoke cases as checks judged as
    /// Assay judges them, its load plan as a scenario with the same thresholds.
    K6 {
        /// The spec file.
        spec: PathBuf,
        /// The endpoint to export (the spec's only one when it has one).
        #[arg(long, value_name = "NAME")]
        endpoint: Option<String>,
        /// Write the script here instead of to standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

pub fn export(command: &ExportCommand) -> anyhow::Result<()> {
    let ExportCommand::K6 {
        spec,
        endpoint,
        output,
    } = command;
    let text = read_limited(spec, MAX_SPEC_BYTES).context("cannot read the spec")?;
    let parsed = Spec::from_json(&text)?;
    let names = || {
        parsed
            .endpoints
            .iter()
            .map(|e| e.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let chosen = match endpoint {
        Some(name) => parsed
            .endpoints
            .iter()
            .find(|e| &e.name == name)
            .with_context(|| format!("no endpoint `{name}` in the spec (it has: {})", names()))?,
        None => match parsed.endpoints.as_slice() {
            [one] => one,
            [] => anyhow::bail!("the spec has no endpoints to export"),
            _ => anyhow::bail!(
                "the spec has several endpoints; name one with --endpoint ({})",
                names()
            ),
        },
    };
    let script = k6_script(&parsed.name, chosen).map_err(anyhow::Error::msg)?;
    match output {
        Some(path) => std::fs::write(path, script)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => print!("{script}"),
    }
    Ok(())
}
