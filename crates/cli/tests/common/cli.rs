//! Running the `assay` binary on real files, for the CLI's test files (`cli.rs`, `hostile.rs`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use assay_engine::checks::ReproducibleTraining;
use assay_engine::model::ModelSpec;
use assay_engine::spec::Spec;
use assay_engine::train::TrainConfig;

pub const DIABETES: &str = include_str!("../../../../public/samples/diabetes.csv");

/// Longest any single `assay` call in these tests may take before it counts as hung.
const HANG: Duration = Duration::from_secs(60);

/// Runs `assay` with `args`; a call still running after a minute is killed and fails the test
/// as hung, so a regression that blocks shows as a failure rather than a stuck suite.
pub fn assay(args: &[&Path]) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("assay starts");
    let pid = child.id();
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(child.wait_with_output());
    });
    match receive.recv_timeout(HANG) {
        Ok(output) => output.expect("assay runs"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("assay {args:?} hung for {HANG:?}");
        }
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fresh folder for one test, under Cargo's scratch space, apart for each test file (the
/// caller's: all the files are one binary, whose module path would be the same for all).
#[track_caller]
pub fn scratch(name: &str) -> PathBuf {
    let caller = Path::new(std::panic::Location::caller().file());
    let file = caller.file_stem().and_then(|s| s.to_str()).unwrap_or("cli");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(file).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A recorded spec for the diabetes sample, as the app would export it.
pub fn recorded_spec() -> Spec {
    let mut spec = Spec::authored(
        "diabetes",
        ("diabetes.csv", DIABETES),
        "progression",
        ModelSpec::LinearRegression,
        TrainConfig::default(),
    )
    .unwrap();
    // One check keeps the CLI's tests quick.
    spec.checks = vec![ReproducibleTraining::default().into()];
    spec.record(DIABETES).unwrap();
    spec
}

pub fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

/// An error is one line that starts with `assay: error:`, with no panic or backtrace.
pub fn assert_one_line_error(output: &Output, needle: &str) {
    assert_eq!(
        output.status.code(),
        Some(2),
        "stdout: {}",
        text(&output.stdout)
    );
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("assay: error:"), "{stderr}");
    assert!(stderr.contains(needle), "expected {needle:?} in {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
