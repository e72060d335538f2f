//! `assay`: replays Assay specs natively, for CI.
//!
//! Exit codes: 0 when every check holds and every replay matches its recording; 1 when a check
//! fails or a replay differs; 2 when the input cannot be used (a missing file, bad JSON, a spec
//! from a newer Assay). Errors are one line on stderr, never a backtrace.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod assets;
mod endpoints;
mod export;
mod files;
mod http;
mod mutate;
mod relay;
mod replay;
mod report;
mod schema;
mod serve;
mod stage;
mod terminal;
mod validate;

#[derive(Debug, Parser)]
#[command(
    name = "assay",
    version,
    about = "Replay Assay test specs for machine-learning models."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Replay specs: retrain, rerun every check, compare with the recorded results.
    Run(replay::RunArgs),
    /// Check specs are usable (format, fields, dataset and its hash) without running them.
    Validate(validate::ValidateArgs),
    /// Replay specs once per injected bug and print which check caught which (the mutation
    /// score): proof that the checks have teeth.
    Mutate(mutate::MutateArgs),
    /// Write a spec's endpoint in another tool's format (k6, for distributed load).
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Print the JSON Schema of the spec format.
    Schema,
    /// Serve the built app (a Trunk `dist` folder) on 127.0.0.1.
    Serve(serve::ServeArgs),
}

/// How a command ended, as an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Success = 0,
    Failed = 1,
    Unusable = 2,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => replay::run(&args),
        Command::Validate(args) => Ok(validate::validate(&args)),
        Command::Mutate(args) => mutate::mutate(&args),
        Command::Export(command) => export::export(&command).map(|()| Status::Success),
        Command::Schema => {
            print!("{}", schema::spec_schema());
            Ok(Status::Success)
        }
        Command::Serve(args) => serve::serve(&args).map(|()| Status::Success),
    };
    match result {
        Ok(status) => ExitCode::from(status as u8),
        Err(error) => {
            terminal::print_error(&format!("{error:#}"));
            ExitCode::from(Status::Unusable as u8)
        }
    }
}
