//! Assay's automation, run as `cargo xtask <task>`: nothing to install by hand first.
//!
//! * `serve`: install what is missing, then serve the app on http://127.0.0.1:8080.
//! * `test`: install what is missing, then run every test: native, wasm in headless Chromium,
//!   and end to end through the built app and the CLI.
//! * `setup`: only install what is missing.

use std::process::ExitCode;

mod setup;
mod shell;
mod tasks;

const USAGE: &str = "usage: cargo xtask <serve|test|setup>

  serve   install missing tools, then serve the app on http://127.0.0.1:8080
  test    install missing tools, then run every test (native, wasm, browser, CLI)
  setup   only install missing tools";

fn main() -> ExitCode {
    let task = std::env::args().nth(1).unwrap_or_default();
    let result = match task.as_str() {
        "serve" => tasks::serve(),
        "test" => tasks::test(),
        "setup" => setup::ensure_all(setup::Need::Everything),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
