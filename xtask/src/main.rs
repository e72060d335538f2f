//! Assay's automation, run as `cargo xtask <task>`: nothing to install by hand first.
//!
//! * `serve`: install what is missing, then serve the app on http://127.0.0.1:8080.
//! * `test`: install what is missing, then run every test: native, wasm in headless Chromium,
//!   and end to end through the built app and the CLI.
//! * `size [DIST]`: the size of what the browser downloads from a release build, raw, gzipped
//!   and with Brotli; also written to `target/bundle-size.md`.
//! * `servers`: endpoint cases against KServe, Triton and BentoML (installed on first use into
//!   `target/tools`); not part of `test`, so not run by CI.
//! * `bench`: the engine's benchmarks, the same training in wasm and in numpy, the peak memory
//!   of replays, and the page's bytes and start-up, written to `target/bench.md`; not part of
//!   `test`.
//! * `wheel`: the `assay` command as a Python wheel (maturin) in `target/wheels/`.
//! * `setup`: only install what is missing.
//! * `fuzz [SECONDS]`: fuzz the engine's entry points for a time budget (default 60 s); not run
//!   by `test`, which runs the same properties briefly.
//! * `mutants [SECONDS] [FILE...]`: cargo-mutants (installed on first use into `target/tools`)
//!   over the checks, metrics, judge and numerics, for a time budget (default 3 hours), with
//!   the score per file; not run by `test`.

use std::process::ExitCode;

mod bench;
mod memory;
mod mutants;
mod numpy;
mod servers;
mod setup;
mod shell;
mod size;
mod tasks;
#[cfg(test)]
mod tidy;
mod wasm_bench;
mod wheel;

const USAGE: &str = "usage: cargo xtask <serve|test|size [DIST]|bench|servers|wheel|setup|fuzz [SECONDS]|mutants [SECONDS] [FILE...]>

  serve   install missing tools, then serve the app on http://127.0.0.1:8080
  test    install missing tools, then run every test (native, wasm, browser, CLI)
  size    raw, gzip and brotli bytes of what the browser downloads from the release build in DIST
          (default target/dist-release, which `test` builds); also writes target/bundle-size.md
  servers endpoint cases against real KServe (V1, V2), Triton and BentoML servers on 127.0.0.1,
          installed on first use into target/tools (not run by `test`; takes long the first time)
  bench   the engine's criterion benchmarks natively, the same training in wasm (Node) and in
          numpy (installed into target/tools), `assay run`'s peak memory per golden spec, and the
          page's bytes and start-up in headless Chromium if built, written to target/bench.md
          (not run by `test`)
  wheel   the assay command as a PyPI-ready wheel (maturin, installed on first use into
          target/tools) in target/wheels/
  setup   only install missing tools
  fuzz    fuzz every engine entry point that takes user text for SECONDS (default 60)
  mutants cargo-mutants over the files in xtask/src/mutants.rs (or the FILEs given) for at most
          SECONDS (default 10800), then the share of mutants caught per file (not run by `test`)";

fn main() -> ExitCode {
    let task = std::env::args().nth(1).unwrap_or_default();
    let result = match task.as_str() {
        "serve" => tasks::serve(),
        "test" => tasks::test(),
        "size" => size::run(std::env::args_os().nth(2).map(std::path::PathBuf::from)),
        "servers" => servers::run_all(),
        "wheel" => wheel::build().map(drop),
        "bench" => bench::run_all(),
        // `bench` runs each replay under this, a process of its own, to read its peak memory.
        memory::CHILD_USAGE => {
            memory::report_child(&std::env::args_os().skip(2).collect::<Vec<_>>())
        }
        "setup" => setup::ensure_all(setup::Need::Everything),
        "fuzz" => match std::env::args().nth(2).map(|s| s.parse::<u64>()) {
            None => tasks::fuzz(60),
            Some(Ok(seconds)) => tasks::fuzz(seconds),
            Some(Err(_)) => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        },
        "mutants" => {
            let rest: Vec<String> = std::env::args().skip(2).collect();
            match rest.first().map(|s| s.parse::<u64>()) {
                None => mutants::run_for(3 * 3600, &[]),
                Some(Ok(seconds)) => mutants::run_for(seconds, &rest[1..]),
                Some(Err(_)) => {
                    eprintln!("{USAGE}");
                    return ExitCode::from(2);
                }
            }
        }
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
