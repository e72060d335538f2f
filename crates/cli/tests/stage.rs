//! `assay run --allow-serve` stages the model server an endpoint names in `serve`: it starts it,
//! waits until it is ready, tests it and stops it, each stage a verdict. A stand-in server
//! (`servers/stub_server.py`, plain Python) crashes, never gets ready, ignores SIGTERM or leaves a
//! helper process behind on request; every test checks that no process of it is left.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::cli::{assay, assert_one_line_error, recorded_spec, scratch, text, write};
use common::server::helper_file;
use serde_json::{Value, json};

/// A marker unique to one test, in the stand-in's command line.
fn marker(test: &str) -> String {
    format!("assay-stage-test-{test}-{}", std::process::id())
}

/// Processes whose command line holds `marker`.
fn left_behind(marker: &str) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            String::from_utf8_lossy(&cmdline)
                .contains(marker)
                .then_some(pid)
        })
        .collect()
}

/// A spec in its own folder with one generic JSON endpoint staged by the stand-in in `mode`.
fn staged_spec(dir: &Path, mode: &str, marker: &str, serve: Value) -> PathBuf {
    let mut section = json!({
        "command": ["python3", helper_file("stub_server.py").to_str().unwrap(), mode, marker],
        "env": [{ "name": "PORT", "value": "{{port}}" }],
        "ready_timeout_s": 20,
        "shutdown_timeout_s": 2,
    });
    for (key, value) in serve.as_object().unwrap() {
        section[key] = value.clone();
    }
    let endpoint = json!({
        "name": "stub",
        "base_url": "http://127.0.0.1:{{port}}",
        "protocol": {
            "kind": "generic_json",
            "path": "/predict",
            "request": { "x": "{{row}}" },
            "prediction_pointer": "/y",
            "readiness_path": "/health",
        },
        "features": ["age"],
        "cases": [{ "name": "one", "input": [0.5], "expect": { "kind": "exact", "value": 1 } }],
        "serve": section,
    });
    let mut spec = serde_json::to_value(recorded_spec()).unwrap();
    spec["endpoints"] = json!([endpoint]);
    write(
        dir,
        "staged.assay.json",
        &serde_json::to_string_pretty(&spec).unwrap(),
    )
}

/// `assay run --only endpoints` on `spec` with `extra` arguments and its JSON report.
fn run(spec: &Path, extra: &[&str]) -> (Output, Value) {
    let json = spec.with_extension("report.json");
    let mut args: Vec<&Path> = vec![
        Path::new("run"),
        spec,
        Path::new("--only"),
        Path::new("endpoints"),
    ];
    args.extend([Path::new("--json"), json.as_path()]);
    args.extend(extra.iter().map(Path::new));
    let output = assay(&args);
    let report = std::fs::read_to_string(&json)
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or(Value::Null);
    (output, report)
}

/// The endpoint's cases as `(name, verdict, summary)`.
fn cases(report: &Value) -> Vec<(String, String, String)> {
    report[0]["endpoints"][0]["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["case"].as_str().unwrap().to_owned(),
                c["verdict"].as_str().unwrap().to_owned(),
                c["summary"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_staged_server_starts_is_ready_is_tested_and_shuts_down_cleanly() {
    let dir = scratch("lifecycle");
    let marker = marker("lifecycle");
    let spec = staged_spec(&dir, "serve", &marker, json!({}));
    let junit = dir.join("junit.xml");
    let (output, report) = run(
        &spec,
        &["--allow-serve", "--junit", junit.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));
    let names: Vec<String> = cases(&report)
        .into_iter()
        .map(|(n, v, _)| format!("{n}: {v}"))
        .collect();
    assert_eq!(
        names,
        [
            "starts: pass",
            "ready within 20 s: pass",
            "health: pass",
            "one: pass",
            "shuts down cleanly: pass"
        ]
    );
    let stopped = &cases(&report)[4].2;
    assert!(
        stopped.starts_with("Stopped by SIGTERM in") && stopped.contains("exit code 0"),
        "{stopped}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("endpoint stub / ready within 20 s")
            && xml.contains("endpoint stub / shuts down cleanly"),
        "{xml}"
    );
    assert_eq!(left_behind(&marker), Vec::<u32>::new());
}

#[test]
fn without_allow_serve_nothing_starts_and_the_endpoint_is_skipped_with_the_reason() {
    let dir = scratch("not-allowed");
    let marker = marker("not-allowed");
    let spec = staged_spec(&dir, "touch", &marker, json!({}));
    let junit = dir.join("junit.xml");
    let (output, report) = run(&spec, &["--junit", junit.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));
    assert!(!dir.join("started").exists(), "the server was started");
    let reason = report[0]["endpoints"][0]["skipped"].as_str().unwrap();
    assert!(
        reason.contains("only with --allow-serve") && reason.contains("stub_server.py touch"),
        "{reason}"
    );
    assert!(
        text(&output.stdout).contains("SKIP"),
        "{}",
        text(&output.stdout)
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<skipped") && xml.contains("--allow-serve"),
        "{xml}"
    );
    // `assay validate` says what it would start.
    let validated = assay(&[Path::new("validate"), &spec]);
    assert!(
        text(&validated.stdout).contains("endpoint stub would start `python3"),
        "{}",
        text(&validated.stdout)
    );
    // With it, the same spec starts the server in the spec's folder.
    let (output, _) = run(&spec, &["--allow-serve"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));
    assert!(dir.join("started").exists());
    assert_eq!(left_behind(&marker), Vec::<u32>::new());
}

#[test]
fn a_missing_command_fails_to_start_and_nothing_else_runs() {
    let dir = scratch("missing");
    let spec = staged_spec(
        &dir,
        "serve",
        &marker("missing"),
        json!({ "command": ["assay-no-such-server"] }),
    );
    let (output, report) = run(&spec, &["--allow-serve"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    let cases = cases(&report);
    assert_eq!(cases.len(), 1, "{cases:?}");
    assert_eq!(cases[0].1, "fail");
    assert!(
        cases[0].2.contains("`assay-no-such-server` was not found"),
        "{}",
        cases[0].2
    );
    assert_eq!(
        report[0]["endpoints"][0]["skipped"],
        "its server did not come up"
    );
}

#[test]
fn a_server_that_crashes_at_start_fails_readiness_with_its_last_lines_redacted() {
    let dir = scratch("crash");
    let spec = staged_spec(
        &dir,
        "crash",
        &marker("crash"),
        json!({ "env": [{ "name": "PORT", "value": "{{port}}" }, { "name": "TOKEN", "value": "${env:ASSAY_STAGE_TOKEN}" }] }),
    );
    let secret = "s3cr3t-value-for-the-stand-in";
    let output = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args([
            "run",
            spec.to_str().unwrap(),
            "--only",
            "endpoints",
            "--allow-serve",
            "--json",
        ])
        .arg(dir.join("crash.json"))
        .env("ASSAY_STAGE_TOKEN", secret)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("FAIL  endpoint stub / ready within 20 s: It exited (exit code 3)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("boom: cannot load model.pkl (token ${env:ASSAY_STAGE_TOKEN})"),
        "{stdout}"
    );
    let json = std::fs::read_to_string(dir.join("crash.json")).unwrap();
    assert!(!stdout.contains(secret) && !json.contains(secret));
    // Its exit was the readiness verdict's; no shutdown verdict repeats it.
    assert!(!stdout.contains("shuts down cleanly"), "{stdout}");
}

#[test]
fn a_server_never_ready_fails_after_its_timeout_and_is_stopped() {
    let dir = scratch("never");
    let marker = marker("never");
    let spec = staged_spec(
        &dir,
        "never-ready",
        &marker,
        json!({ "ready_timeout_s": 2 }),
    );
    let started = Instant::now();
    let (output, report) = run(&spec, &["--allow-serve"]);
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    let cases = cases(&report);
    assert_eq!(cases[1].0, "ready within 2 s");
    assert!(
        cases[1]
            .2
            .starts_with("Not ready after 2 s: GET http://127.0.0.1:"),
        "{}",
        cases[1].2
    );
    assert!(
        cases[1].2.contains("connection refused") && cases[1].2.contains("loading the model..."),
        "{}",
        cases[1].2
    );
    assert_eq!(cases.last().unwrap().0, "shuts down cleanly");
    assert_eq!(left_behind(&marker), Vec::<u32>::new());
}

#[test]
fn a_server_that_ignores_sigterm_is_killed_and_fails_its_shutdown() {
    let dir = scratch("stubborn");
    let marker = marker("stubborn");
    let spec = staged_spec(
        &dir,
        "ignore-term",
        &marker,
        json!({ "shutdown_timeout_s": 1 }),
    );
    let (output, report) = run(&spec, &["--allow-serve"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    let (name, verdict, summary) = cases(&report).pop().unwrap();
    assert_eq!(
        (name.as_str(), verdict.as_str()),
        ("shuts down cleanly", "fail")
    );
    assert!(
        summary.starts_with("It ignored SIGTERM for 1 s and was killed with SIGKILL."),
        "{summary}"
    );
    assert!(summary.contains("ignoring SIGTERM"), "{summary}");
    assert_eq!(left_behind(&marker), Vec::<u32>::new());
}

#[test]
fn a_helper_process_left_running_after_shutdown_is_killed_and_named() {
    let dir = scratch("fork");
    let marker = marker("fork");
    let spec = staged_spec(&dir, "fork", &marker, json!({ "shutdown_timeout_s": 1 }));
    let (output, report) = run(&spec, &["--allow-serve"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    let (_, verdict, summary) = cases(&report).pop().unwrap();
    assert_eq!(verdict, "fail");
    assert!(
        summary.contains("left processes of its group running; they were killed"),
        "{summary}"
    );
    assert_eq!(left_behind(&marker), Vec::<u32>::new());
}

#[test]
fn ctrl_c_stops_the_staged_server_before_assay_exits() {
    let dir = scratch("interrupt");
    let marker = marker("interrupt");
    let spec = staged_spec(
        &dir,
        "never-ready",
        &marker,
        json!({ "ready_timeout_s": 60 }),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args([
            "run",
            spec.to_str().unwrap(),
            "--only",
            "endpoints",
            "--allow-serve",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(20);
    while left_behind(&marker).is_empty() {
        assert!(Instant::now() < until, "the server never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(left_behind(&marker), Vec::<u32>::new());
}

#[test]
fn a_working_folder_outside_the_specs_is_unusable_input() {
    let dir = scratch("outside");
    let inner = dir.join("specs");
    std::fs::create_dir_all(&inner).unwrap();
    std::os::unix::fs::symlink(&dir, inner.join("up")).unwrap();
    let spec = staged_spec(&inner, "touch", &marker("outside"), json!({ "cwd": "up" }));
    let output = assay(&[Path::new("run"), &spec, Path::new("--allow-serve")]);
    assert_one_line_error(&output, "serve.cwd `up` leads outside the spec's folder");
    assert!(!dir.join("started").exists());
}

/// Processes whose working folder is `dir` or below it: what a staged server in `dir` left.
fn running_in(dir: &Path) -> Vec<u32> {
    let dir = dir.canonicalize().unwrap();
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cwd = std::fs::read_link(entry.path().join("cwd")).ok()?;
            cwd.starts_with(&dir).then_some(pid)
        })
        .collect()
}

/// `assay run --allow-serve` on a spec beside `model/`, with the venv's programs on PATH (as a
/// CI job that installed them would have), and the stages' verdicts.
fn run_staged(dir: &Path, venv: &Path, endpoint: Value) -> (Output, Vec<(String, String, String)>) {
    let mut spec = serde_json::to_value(recorded_spec()).unwrap();
    spec["endpoints"] = json!([endpoint]);
    let spec = write(
        dir,
        "staged.assay.json",
        &serde_json::to_string_pretty(&spec).unwrap(),
    );
    let json = dir.join("report.json");
    let output = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args([
            "run",
            spec.to_str().unwrap(),
            "--only",
            "endpoints",
            "--allow-serve",
            "--json",
        ])
        .arg(&json)
        .env("PATH", common::server::path_with(venv))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    (output, cases(&report))
}

#[test]
#[ignore = "needs MLServer in a virtual environment: `cargo xtask test` installs it"]
fn assay_stages_a_real_mlserver_tests_it_and_stops_it() {
    let venv = common::server::venv("ASSAY_MLSERVER_VENV");
    let dir = scratch("mlserver");
    let model = dir.join("model");
    std::fs::create_dir_all(&model).unwrap();
    common::server::python(
        &venv,
        &model,
        &[
            "-c",
            "from sklearn.datasets import load_iris\n\
             from sklearn.linear_model import LogisticRegression\n\
             import joblib\n\
             X, y = load_iris(return_X_y=True)\n\
             joblib.dump(LogisticRegression(max_iter=1000).fit(X, y), 'model.joblib')",
        ],
    );
    let settings = json!({ "name": "iris-lr", "implementation": "mlserver_sklearn.SKLearnModel",
        "parameters": { "uri": "./model.joblib", "version": "v0.1.0" } });
    write(&model, "model-settings.json", &settings.to_string());
    // The HTTP port is Assay's; the other two only need to be free.
    let server = json!({ "host": "127.0.0.1", "grpc_port": common::free_port(),
        "metrics_port": common::free_port(), "parallel_workers": 0 });
    write(&model, "settings.json", &server.to_string());
    let endpoint = json!({
        "name": "iris",
        "base_url": "http://127.0.0.1:{{port}}",
        "protocol": { "kind": "open_inference" },
        "model": "iris-lr",
        "version": "v0.1.0",
        "features": common::server::IRIS_FEATURES,
        "cases": common::server::iris_cases(),
        "serve": {
            "command": ["mlserver", "start", "."],
            "cwd": "model",
            "env": [{ "name": "MLSERVER_HTTP_PORT", "value": "{{port}}" }],
            "ready_timeout_s": 180,
        },
    });
    let (output, cases) = run_staged(&dir, &venv, endpoint);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));
    let verdicts: Vec<String> = cases.iter().map(|(n, v, _)| format!("{n}: {v}")).collect();
    assert_eq!(verdicts.first().unwrap(), "starts: pass");
    assert_eq!(verdicts[1], "ready within 180 s: pass");
    assert_eq!(
        verdicts.last().unwrap(),
        "shuts down cleanly: pass",
        "{verdicts:?}"
    );
    assert!(
        verdicts.iter().all(|v| v.ends_with(": pass")),
        "{verdicts:?}"
    );
    assert_eq!(running_in(&dir), Vec::<u32>::new());
}

#[test]
#[ignore = "needs MLflow in a virtual environment: `cargo xtask test` installs it"]
fn assay_stages_the_real_mlflow_scoring_server_tests_it_and_stops_it() {
    let venv = common::server::venv("ASSAY_MLFLOW_VENV");
    let dir = scratch("mlflow");
    let script = common::server::helper_file("mlflow_model.py");
    common::server::python(&venv, &dir, &[script.to_str().unwrap(), "model"]);
    let endpoint = json!({
        "name": "iris",
        "base_url": "http://127.0.0.1:{{port}}",
        "protocol": { "kind": "mlflow", "format": "dataframe_split" },
        "features": common::server::IRIS_FEATURES,
        "cases": common::server::iris_cases(),
        "serve": {
            "command": ["mlflow", "models", "serve", "-m", "model", "--env-manager", "local",
                "-h", "127.0.0.1", "-p", "{{port}}"],
            "ready_timeout_s": 180,
            "shutdown_timeout_s": 20,
        },
    });
    let (output, cases) = run_staged(&dir, &venv, endpoint);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));
    let verdicts: Vec<String> = cases.iter().map(|(n, v, _)| format!("{n}: {v}")).collect();
    assert_eq!(verdicts.first().unwrap(), "starts: pass");
    assert_eq!(
        verdicts.last().unwrap(),
        "shuts down cleanly: pass",
        "{verdicts:?}"
    );
    assert!(
        verdicts.iter().all(|v| v.ends_with(": pass")),
        "{verdicts:?}"
    );
    assert_eq!(running_in(&dir), Vec::<u32>::new());
}
