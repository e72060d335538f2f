//! `cargo xtask mutants [SECONDS] [FILE...]`: cargo-mutants over the code whose tests must pin
//! it down ([`FILES`], or the FILEs given), for a time budget, then the score per file. Mutants
//! judged equivalent are excluded in `.cargo/mutants.toml`, each with its reason.

use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::setup::tools_dir;
use crate::shell::{output, root, run, step};

/// The code held to a 90 % mutation score: every check, the metrics, the endpoint judge and
/// the served model's evaluation, the numerics, and the CLI's endpoint code (tested by the
/// CLI's own tests).
const FILES: &[&str] = &[
    "crates/engine/src/checks/*.rs",
    "crates/engine/src/metrics.rs",
    "crates/engine/src/endpoint/judge.rs",
    "crates/engine/src/endpoint/evaluation/*.rs",
    "crates/engine/src/lstsq.rs",
    "crates/engine/src/optim.rs",
    "crates/cli/src/endpoints.rs",
];

/// Where cargo-mutants writes `mutants.out/`.
fn output_dir() -> PathBuf {
    root().join("target")
}

fn cargo_mutants() -> PathBuf {
    tools_dir().join("bin").join("cargo-mutants")
}

/// Installs cargo-mutants into `target/tools` once, like the project's other tools.
fn ensure_cargo_mutants() -> anyhow::Result<()> {
    let binary = cargo_mutants();
    if let Some(version) = output(&binary.to_string_lossy(), &["mutants", "--version"]) {
        step(&format!("cargo-mutants: present ({})", version.trim()));
        return Ok(());
    }
    step("cargo-mutants: installing from crates.io into target/tools (takes a few minutes)");
    run(Command::new("cargo")
        .args(["install", "--locked", "--root"])
        .arg(tools_dir())
        .arg("cargo-mutants"))
}

pub fn run_for(seconds: u64, files: &[String]) -> anyhow::Result<()> {
    ensure_cargo_mutants()?;
    let mut command = Command::new(cargo_mutants());
    // One job: the machine is shared. cargo-mutants stops a mutant's tests after a multiple of
    // the unmutated run's time, so one that loops forever counts as caught (the tests noticed)
    // rather than stalling the run. The `mutants` profile
    // (Cargo.toml) optimises the tests, which dominate each mutant's time.
    command
        .args([
            "mutants",
            "--workspace",
            "--profile",
            "mutants",
            "--jobs",
            "1",
            "--output",
        ])
        .arg(output_dir())
        .current_dir(root())
        // Its own process group, so the budget stops cargo and the tests it started too.
        .process_group(0);
    // Each mutant is tested by its own package's tests: the engine's or the CLI's.
    let chosen: Vec<&str> = if files.is_empty() {
        FILES.to_vec()
    } else {
        files.iter().map(String::as_str).collect()
    };
    for file in chosen {
        command.args(["--file", file]);
    }
    step(&format!(
        "cargo-mutants for at most {seconds} s (report in target/mutants.out)"
    ));
    let mut child = command.spawn().context("cannot start cargo-mutants")?;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let finished = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if Instant::now() >= deadline {
            break None;
        }
        std::thread::sleep(Duration::from_secs(1));
    };
    if finished.is_none() {
        step("time is up: stopping cargo-mutants (the figures cover the mutants tested so far)");
        // SIGINT, as Ctrl-C would: cargo-mutants stops its test and keeps what it found.
        let group = format!("-{}", child.id());
        let _ = Command::new("kill").args(["-INT", "--", &group]).status();
        child.wait()?;
    }
    let scores = read_scores(&output_dir().join("mutants.out"))?;
    print_scores(&scores);
    Ok(())
}

/// How a file's mutants fared.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Score {
    caught: usize,
    missed: usize,
    timeout: usize,
}

impl Score {
    fn tested(self) -> usize {
        self.caught + self.missed + self.timeout
    }

    /// Caught or timed out (a hang is noticed too), in percent of those tested.
    fn percent(self) -> f64 {
        let detected = (self.caught + self.timeout) as f64;
        100.0 * detected / self.tested().max(1) as f64
    }
}

/// Scores per source file from cargo-mutants' `caught.txt`, `missed.txt` and `timeout.txt`,
/// whose lines start with `path:line:column:`.
fn read_scores(out: &Path) -> anyhow::Result<BTreeMap<String, Score>> {
    if !out.is_dir() {
        bail!("cargo-mutants wrote no {}", out.display());
    }
    let mut scores: BTreeMap<String, Score> = BTreeMap::new();
    for (name, field) in [("caught.txt", 0), ("missed.txt", 1), ("timeout.txt", 2)] {
        let text = std::fs::read_to_string(out.join(name)).unwrap_or_default();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let file = line.split(':').next().unwrap_or_default().to_owned();
            let score = scores.entry(file).or_default();
            match field {
                0 => score.caught += 1,
                1 => score.missed += 1,
                _ => score.timeout += 1,
            }
        }
    }
    Ok(scores)
}

fn print_scores(scores: &BTreeMap<String, Score>) {
    if scores.values().all(|s| s.tested() == 0) {
        println!("no mutant was tested within the budget (the first build alone takes minutes)");
        return;
    }
    let mut total = Score::default();
    println!(
        "{:<44} {:>6} {:>6} {:>7} {:>7}",
        "file", "caught", "missed", "timeout", "score"
    );
    for (file, score) in scores {
        println!(
            "{file:<44} {:>6} {:>6} {:>7} {:>6.1}%",
            score.caught,
            score.missed,
            score.timeout,
            score.percent()
        );
        total.caught += score.caught;
        total.missed += score.missed;
        total.timeout += score.timeout;
    }
    println!(
        "{:<44} {:>6} {:>6} {:>7} {:>6.1}%",
        "all",
        total.caught,
        total.missed,
        total.timeout,
        total.percent()
    );
    println!("survivors: target/mutants.out/missed.txt; equivalent mutants: .cargo/mutants.toml");
}
