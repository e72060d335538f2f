//! `cargo xtask bench`: the engine's criterion benchmarks (`crates/engine/benches`), natively and
//! built as `assay` is (the release profile), then their medians in `target/bench.md`, with
//! throughput where a benchmark declares one; beside them numpy doing the same training
//! ([`crate::numpy`]), the peak memory of `assay run`'s replays ([`crate::memory`]), and, when a
//! release build of the app exists, the page's bytes and its start-up in headless Chromium. Not
//! part of `test`: figures are for people, ratios go into the README.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;
use serde_json::Value;

use crate::shell::{root, run, stdout_of, step};
use crate::{memory, numpy, size};

/// One benchmark's median and, when it declares one, what one iteration processes.
#[derive(Debug, PartialEq)]
struct Row {
    id: String,
    median_ns: f64,
    throughput: Option<Throughput>,
}

/// Criterion's throughput of one iteration.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Throughput {
    Elements(f64),
    Bytes(f64),
}

impl Row {
    /// Elements per second, for benchmarks that count elements (training: rows × epochs).
    fn elements_per_second(&self) -> Option<f64> {
        match self.throughput {
            Some(Throughput::Elements(elements)) => Some(elements / (self.median_ns / 1e9)),
            _ => None,
        }
    }

    fn per_second(&self) -> Option<String> {
        let seconds = self.median_ns / 1e9;
        self.throughput.map(|throughput| match throughput {
            Throughput::Elements(elements) => {
                format!("{:.2} M elements/s", elements / seconds / 1e6)
            }
            Throughput::Bytes(bytes) => {
                format!("{:.1} MiB/s", bytes / seconds / (1024.0 * 1024.0))
            }
        })
    }
}

pub fn run_all() -> anyhow::Result<()> {
    step("engine benchmarks (criterion, native, release profile); a few minutes");
    run(Command::new("cargo").args([
        "bench",
        "--locked",
        "-p",
        "assay-engine",
        "--bench",
        "throughput",
        "--",
        "--noplot",
    ]))?;
    let criterion = root().join("target").join("criterion");
    let mut rows = Vec::new();
    collect(&criterion, &mut rows)?;
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    let mut text = String::from("# Benchmarks\n\n");
    text.push_str(&table(&rows));
    text.push_str(&crate::wasm_bench::run_all(&criterion)?);
    text.push('\n');
    let rate = |id: &str| rows.iter().find(|r| r.id == id)?.elements_per_second();
    text.push_str(&numpy::table(&numpy::measure()?, rate));
    step("the release `assay`, for peak memory");
    run(Command::new("cargo").args(["build", "--release", "--locked", "-p", "assay-cli"]))?;
    let assay = root().join("target").join("release").join("assay");
    let specs = root().join("target").join("bench-specs");
    text.push('\n');
    text.push_str(&memory::table(&memory::replays(&assay, &specs)?));
    let dist = size::default_dist();
    if dist.is_dir() {
        text.push('\n');
        text.push_str(&size::markdown(&size::measure(&dist)?));
        text.push('\n');
        text.push_str(&startup(&dist)?);
    }
    let out = root().join("target").join("bench.md");
    std::fs::write(&out, &text).with_context(|| format!("writing {}", out.display()))?;
    print!("{text}");
    step(&format!("written to {}", out.display()));
    Ok(())
}

/// The page's start-up in headless Chromium (`crates/cli/benches/startup.rs`): its Markdown
/// table. A few minutes: ten fresh browser profiles, each loading the page twice.
fn startup(dist: &Path) -> anyhow::Result<String> {
    step("the page's start-up in headless Chromium, cold and warm, at 1x and 4x CPU throttling");
    let chromedriver =
        std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    stdout_of(
        Command::new("cargo")
            .args(["bench", "--locked", "-p", "assay-cli", "--bench", "startup"])
            .env("ASSAY_DIST", dist)
            .env("CHROMEDRIVER", chromedriver),
    )
}

/// Every `new/` result under criterion's folder (the latest run of each benchmark).
fn collect(dir: &Path, rows: &mut Vec<Row>) -> anyhow::Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let path: PathBuf = entry?.path();
        if path.file_name().is_some_and(|n| n == "new") {
            let read = |name: &str| -> anyhow::Result<String> {
                let file = path.join(name);
                std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))
            };
            rows.push(row(&read("benchmark.json")?, &read("estimates.json")?)?);
        } else if path.is_dir()
            && path
                .file_name()
                .is_some_and(|n| n != "report" && n != "base")
        {
            collect(&path, rows)?;
        }
    }
    Ok(())
}

/// A row from criterion's `benchmark.json` and `estimates.json` (times in nanoseconds).
fn row(benchmark: &str, estimates: &str) -> anyhow::Result<Row> {
    let benchmark: Value = serde_json::from_str(benchmark).context("benchmark.json")?;
    let estimates: Value = serde_json::from_str(estimates).context("estimates.json")?;
    let id = benchmark["full_id"]
        .as_str()
        .context("benchmark.json has no full_id")?
        .to_owned();
    let median_ns = estimates["median"]["point_estimate"]
        .as_f64()
        .context("estimates.json has no median")?;
    let throughput = match (
        benchmark["throughput"]["Elements"].as_f64(),
        benchmark["throughput"]["Bytes"].as_f64(),
    ) {
        (Some(elements), _) => Some(Throughput::Elements(elements)),
        (_, Some(bytes)) => Some(Throughput::Bytes(bytes)),
        _ => None,
    };
    Ok(Row {
        id,
        median_ns,
        throughput,
    })
}

fn table(rows: &[Row]) -> String {
    let mut text = String::from("| benchmark | median | throughput |\n|---|--:|--:|\n");
    for row in rows {
        let median = if row.median_ns >= 1e9 {
            format!("{:.2} s", row.median_ns / 1e9)
        } else {
            format!("{:.2} ms", row.median_ns / 1e6)
        };
        text.push_str(&format!(
            "| {} | {median} | {} |\n",
            row.id,
            row.per_second().unwrap_or_default()
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const ESTIMATES: &str = r#"{"mean":{"point_estimate":2.0e6},"median":{"confidence_interval":{"confidence_level":0.95,"lower_bound":1.0,"upper_bound":3.0},"point_estimate":2500000.0,"standard_error":1.0}}"#;

    #[test]
    fn a_row_holds_the_median_and_the_throughput_per_second() {
        let training = r#"{"group_id":"train","function_id":"logistic_regression","value_str":null,"throughput":{"Elements":5000},"full_id":"train/logistic_regression","directory_name":"train/logistic_regression","title":"train/logistic_regression"}"#;
        let row = row(training, ESTIMATES).unwrap();
        assert_eq!(row.id, "train/logistic_regression");
        assert_eq!(row.median_ns, 2.5e6);
        // 5000 elements in 2.5 ms.
        assert_eq!(row.per_second().as_deref(), Some("2.00 M elements/s"));
        assert_eq!(row.elements_per_second(), Some(2.0e6));
        let plain = training.replace(r#"{"Elements":5000}"#, "null");
        assert_eq!(row_of(&plain).per_second(), None);
        let bytes = training.replace(r#"{"Elements":5000}"#, r#"{"Bytes":2621440}"#);
        assert_eq!(row_of(&bytes).per_second().as_deref(), Some("1000.0 MiB/s"));
        // Bytes per second is no training rate.
        assert_eq!(row_of(&bytes).elements_per_second(), None);
        assert!(super::row("{}", ESTIMATES).is_err());
    }

    fn row_of(benchmark: &str) -> Row {
        row(benchmark, ESTIMATES).unwrap()
    }

    #[test]
    fn the_table_says_seconds_past_one_and_milliseconds_below() {
        let rows = [
            Row {
                id: "replay/x100".into(),
                median_ns: 2.3e9,
                throughput: None,
            },
            Row {
                id: "csv/parse".into(),
                median_ns: 3.2e7,
                throughput: Some(Throughput::Bytes(33.0 * 1024.0 * 1024.0 * 0.032)),
            },
        ];
        assert_eq!(
            table(&rows),
            "| benchmark | median | throughput |\n|---|--:|--:|\n\
             | replay/x100 | 2.30 s |  |\n| csv/parse | 32.00 ms | 33.0 MiB/s |\n"
        );
    }
}
