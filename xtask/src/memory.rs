//! `cargo xtask bench`'s replay memory: the peak resident memory and CPU time of the release
//! `assay run` on each golden spec, and on the breast cancer logistic spec as the app authors it
//! at 10 and 100 times its rows, beside the size of the CSV each replays.
//!
//! The kernel keeps a process's peak resident set; `getrusage(RUSAGE_CHILDREN)` reads the
//! largest over every child the caller has waited for. So each replay runs under a fresh
//! `xtask child-usage`, whose only child it is, and that process reports the figures.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};
use assay_engine::model::ModelSpec;
use assay_engine::numerics::Numerics;
use assay_engine::spec::Spec;
use assay_engine::train::TrainConfig;
use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::time::TimeVal;
use serde_json::{Value, json};

use crate::shell::{root, stdout_of, step};

/// The hidden subcommand that runs one program and reports its usage.
pub const CHILD_USAGE: &str = "child-usage";

/// Runs of each replay; the table gives the median.
const RUNS: usize = 3;

/// What the kernel counted for one finished program.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Usage {
    pub peak_bytes: u64,
    /// User plus system CPU time.
    pub cpu_seconds: f64,
    /// `None` when a signal ended it.
    pub exit_code: Option<i32>,
}

/// `xtask child-usage PROGRAM [ARG...]`: runs the program, its output discarded, and prints its
/// [`Usage`] as one line of JSON.
pub fn report_child(args: &[OsString]) -> anyhow::Result<()> {
    let (program, rest) = args
        .split_first()
        .context("usage: cargo xtask child-usage PROGRAM [ARG...]")?;
    let usage = run_counted(program, rest)?;
    println!(
        "{}",
        json!({
            "peak_bytes": usage.peak_bytes,
            "cpu_seconds": usage.cpu_seconds,
            "exit_code": usage.exit_code,
        })
    );
    Ok(())
}

/// Runs `program` to its end and reads the kernel's counts over this process's children: its
/// own figures when it is the only child this process waited for.
fn run_counted(program: &OsStr, args: &[OsString]) -> anyhow::Result<Usage> {
    let status = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .status()
        .with_context(|| format!("cannot start {}", program.to_string_lossy()))?;
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).context("getrusage")?;
    let seconds = |t: TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
    Ok(Usage {
        // Linux counts ru_maxrss in KiB.
        peak_bytes: u64::try_from(usage.max_rss())
            .unwrap_or(0)
            .saturating_mul(1024),
        cpu_seconds: seconds(usage.user_time()) + seconds(usage.system_time()),
        exit_code: status.code(),
    })
}

/// `program args` run under `xtask child-usage`.
pub fn usage_of(program: &Path, args: &[&Path]) -> anyhow::Result<Usage> {
    let xtask = std::env::current_exe().context("cannot find the xtask binary")?;
    let output = stdout_of(
        Command::new(&xtask)
            .arg(CHILD_USAGE)
            .arg(program)
            .args(args),
    )?;
    parse_usage(&output)
}

fn parse_usage(line: &str) -> anyhow::Result<Usage> {
    let value: Value = serde_json::from_str(line).context("child-usage's output")?;
    Ok(Usage {
        peak_bytes: value["peak_bytes"]
            .as_u64()
            .context("child-usage gave no peak_bytes")?,
        cpu_seconds: value["cpu_seconds"]
            .as_f64()
            .context("child-usage gave no cpu_seconds")?,
        exit_code: value["exit_code"]
            .as_i64()
            .and_then(|c| i32::try_from(c).ok()),
    })
}

/// One replay's figures: medians over [`RUNS`] runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Replay {
    pub name: String,
    pub csv_bytes: u64,
    pub peak_bytes: u64,
    pub cpu_seconds: f64,
}

/// Replays every golden spec and the two larger ones with the `assay` at `assay`, writing the
/// larger specs into `work`. The first row is `assay --version`: what the process needs anyway.
pub fn replays(assay: &Path, work: &Path) -> anyhow::Result<Vec<Replay>> {
    let mut specs = golden_specs()?;
    for times in [10, 100] {
        specs.push(scaled_spec(work, times)?);
    }
    let mut replays = vec![median(
        "`assay --version`",
        0,
        assay,
        &[Path::new("--version")],
    )?];
    for spec in &specs {
        let name = spec
            .file_name()
            .map(|n| {
                n.to_string_lossy()
                    .trim_end_matches(".assay.json")
                    .to_owned()
            })
            .unwrap_or_default();
        step(&format!("peak memory: assay run {name}, {RUNS} times"));
        let csv_bytes = csv_bytes(spec)?;
        replays.push(median(&name, csv_bytes, assay, &[Path::new("run"), spec])?);
    }
    Ok(replays)
}

/// Medians of `program args` over [`RUNS`] runs, which must end as a replay may: 0 (every check
/// held) or 1 (some did not; the larger specs repeat rows, which the data checks report).
fn median(name: &str, csv_bytes: u64, program: &Path, args: &[&Path]) -> anyhow::Result<Replay> {
    let mut runs = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let usage = usage_of(program, args)?;
        if !matches!(usage.exit_code, Some(0 | 1)) {
            bail!(
                "{name}: `{} {}` ended with {:?}, not as a replay does",
                program.display(),
                args.iter()
                    .map(|a| a.display().to_string())
                    .collect::<Vec<_>>()
                    .join(" "),
                usage.exit_code
            );
        }
        runs.push(usage);
    }
    runs.sort_by_key(|u| u.peak_bytes);
    let peak_bytes = runs[RUNS / 2].peak_bytes;
    runs.sort_by(|a, b| a.cpu_seconds.total_cmp(&b.cpu_seconds));
    Ok(Replay {
        name: name.to_owned(),
        csv_bytes,
        peak_bytes,
        cpu_seconds: runs[RUNS / 2].cpu_seconds,
    })
}

/// The committed golden specs, sorted by name.
fn golden_specs() -> anyhow::Result<Vec<PathBuf>> {
    let dir = root()
        .join("crates")
        .join("cli")
        .join("tests")
        .join("specs");
    let mut specs = Vec::new();
    for entry in
        std::fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))?
    {
        let path = entry?.path();
        if path.to_string_lossy().ends_with(".assay.json") {
            specs.push(path);
        }
    }
    specs.sort();
    Ok(specs)
}

/// Bytes of the CSV a spec replays: embedded, or the file its `dataset.path` names.
fn csv_bytes(spec: &Path) -> anyhow::Result<u64> {
    let text =
        std::fs::read_to_string(spec).with_context(|| format!("cannot read {}", spec.display()))?;
    let value: Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", spec.display()))?;
    if let Some(csv) = value["dataset"]["csv"].as_str() {
        return Ok(csv.len() as u64);
    }
    let path = value["dataset"]["path"].as_str().with_context(|| {
        format!(
            "{} has neither dataset.csv nor dataset.path",
            spec.display()
        )
    })?;
    let csv = spec.parent().unwrap_or(Path::new(".")).join(path);
    Ok(std::fs::metadata(&csv)
        .with_context(|| format!("cannot read {}", csv.display()))?
        .len())
}

/// The breast cancer sample's rows `times` times under its header, as a spec authored by the
/// app (logistic regression, numerics 1, as the criterion `replay` group measures it), written
/// into `dir` with its CSV beside it when too large to embed.
fn scaled_spec(dir: &Path, times: usize) -> anyhow::Result<PathBuf> {
    let sample = root()
        .join("public")
        .join("samples")
        .join("breast_cancer.csv");
    let text = std::fs::read_to_string(&sample)
        .with_context(|| format!("cannot read {}", sample.display()))?;
    let csv = repeat_rows(&text, times);
    let file_name = format!("breast_cancer_x{times}.csv");
    let spec = Spec::authored(
        &format!("breast cancer × {times}"),
        (&file_name, &csv),
        "diagnosis",
        ModelSpec::LogisticRegression,
        TrainConfig {
            numerics: Numerics::RowOrder,
            ..TrainConfig::default()
        },
    )
    .with_context(|| format!("authoring a spec on {}", sample.display()))?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    if let Some(path) = &spec.dataset.path {
        let csv_path = dir.join(path);
        std::fs::write(&csv_path, &csv)
            .with_context(|| format!("cannot write {}", csv_path.display()))?;
    }
    let spec_path = dir.join(format!("breast_cancer_x{times}.assay.json"));
    std::fs::write(&spec_path, spec.to_json())
        .with_context(|| format!("cannot write {}", spec_path.display()))?;
    Ok(spec_path)
}

/// `csv`'s data rows `times` times under its header line.
fn repeat_rows(csv: &str, times: usize) -> String {
    let (header, body) = csv.split_once('\n').unwrap_or((csv, ""));
    format!("{header}\n{}", body.repeat(times))
}

/// The table for `target/bench.md`.
pub fn table(replays: &[Replay]) -> String {
    let mut text = String::from(
        "## Replay memory\n\n\
         `assay run` (release build) on each spec: peak resident memory (the kernel's \
         high-water mark) and CPU time, medians of three runs. The first row is the process \
         alone; at small sizes it is most of the figure.\n\n\
         | spec | CSV bytes | peak memory | peak ÷ CSV | CPU |\n|---|--:|--:|--:|--:|\n",
    );
    for replay in replays {
        let ratio = if replay.csv_bytes == 0 {
            String::new()
        } else {
            format!(
                "{:.1} ×",
                replay.peak_bytes as f64 / replay.csv_bytes as f64
            )
        };
        text.push_str(&format!(
            "| {} | {} | {:.1} MiB | {ratio} | {:.3} s |\n",
            replay.name,
            crate::size::thousands(replay.csv_bytes),
            replay.peak_bytes as f64 / (1024.0 * 1024.0),
            replay.cpu_seconds,
        ));
    }
    text
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Data rows of a CSV, as the engine reads them.
    fn rows_of(csv: &str) -> usize {
        assay_engine::data::Table::parse_csv(csv)
            .unwrap()
            .row_count()
    }

    #[test]
    fn repeated_rows_keep_one_header() {
        let csv = "a,b\n1,2\n3,4\n";
        assert_eq!(repeat_rows(csv, 3), "a,b\n1,2\n3,4\n1,2\n3,4\n1,2\n3,4\n");
        assert_eq!(rows_of(&repeat_rows(csv, 3)), 6);
    }

    #[test]
    fn a_scaled_spec_replays_its_own_csv_by_path_when_too_large_to_embed() {
        let dir = std::env::temp_dir().join(format!("xtask-memory-{}", std::process::id()));
        let small = scaled_spec(&dir, 1).unwrap();
        let large = scaled_spec(&dir, 10).unwrap();
        let sample = std::fs::read(root().join("public/samples/breast_cancer.csv")).unwrap();
        // One time the rows: embedded, the sample's own bytes.
        assert_eq!(csv_bytes(&small).unwrap(), sample.len() as u64);
        // Ten times: referenced by path, the file beside the spec, with the hash it records.
        let spec = Spec::from_json(&std::fs::read_to_string(&large).unwrap()).unwrap();
        let path = dir.join(spec.dataset.path.as_deref().unwrap());
        let csv = std::fs::read_to_string(&path).unwrap();
        assert_eq!(csv_bytes(&large).unwrap(), csv.len() as u64);
        assert_eq!(
            spec.dataset.rows,
            10 * rows_of(&String::from_utf8(sample).unwrap())
        );
        // The spec's checks of embedded data hold for the file's text: its hash is the file's.
        let mut embedded = spec.clone();
        embedded.dataset.path = None;
        embedded.dataset.csv = Some(csv);
        embedded.validate().unwrap();
        embedded.dataset.csv = Some(repeat_rows(embedded.dataset.csv.as_deref().unwrap(), 2));
        assert!(embedded.validate().is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn golden_specs_are_the_committed_ones() {
        let specs = golden_specs().unwrap();
        assert_eq!(specs.len(), 8, "{specs:?}");
        assert!(
            specs.iter().all(|s| csv_bytes(s).unwrap() > 1000),
            "{specs:?}"
        );
    }

    #[test]
    fn a_childs_peak_memory_is_counted_in_bytes_with_its_exit_code() {
        // A child that writes to every page of 64 MiB holds at least that much at its peak.
        let script = "b = bytearray(64 << 20)\nfor i in range(0, len(b), 4096): b[i] = 1\nraise SystemExit(3)";
        let args = ["-c".into(), script.into()];
        let usage = run_counted(OsStr::new("python3"), &args).unwrap();
        assert!(usage.peak_bytes >= 64 << 20, "{usage:?}");
        assert!(usage.peak_bytes < 1 << 30, "{usage:?}");
        assert!(usage.cpu_seconds > 0.0, "{usage:?}");
        assert_eq!(usage.exit_code, Some(3));
        let line = r#"{"peak_bytes": 67108864, "cpu_seconds": 0.25, "exit_code": null}"#;
        assert_eq!(
            parse_usage(line).unwrap(),
            Usage {
                peak_bytes: 64 << 20,
                cpu_seconds: 0.25,
                exit_code: None
            }
        );
        assert!(parse_usage("{}").is_err());
    }

    #[test]
    fn the_table_gives_memory_per_csv_byte() {
        let table = table(&[
            Replay {
                name: "`assay --version`".into(),
                csv_bytes: 0,
                peak_bytes: 3 << 20,
                cpu_seconds: 0.001,
            },
            Replay {
                name: "breast_cancer_x100".into(),
                csv_bytes: 12_000_000,
                peak_bytes: 60_000_000,
                cpu_seconds: 2.25,
            },
        ]);
        assert!(
            table.contains("| `assay --version` | 0 | 3.0 MiB |  | 0.001 s |\n"),
            "{table}"
        );
        assert!(
            table.contains("| breast_cancer_x100 | 12,000,000 | 57.2 MiB | 5.0 × | 2.250 s |\n"),
            "{table}"
        );
    }
}
