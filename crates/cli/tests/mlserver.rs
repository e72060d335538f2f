//! Smoke and contract cases against a real model server: MLServer 1.7.1 with its scikit-learn
//! runtime, installed from PyPI into a virtual environment by `cargo xtask test`, serving a tiny
//! iris logistic regression on 127.0.0.1, stopped when the test ends.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{Guard, free_port};
use std::time::{Duration, Instant};

use assay_engine::data::{Preprocessing, Task};
use assay_engine::endpoint::{EndpointSpec, Expectation, Protocol, SmokeCase};
use assay_engine::model::ModelSpec;
use assay_engine::spec::{DatasetSpec, Spec};
use assay_engine::train::TrainConfig;
use serde_json::json;

/// Trains the model with the venv's scikit-learn and writes MLServer's settings beside it.
fn model_folder(venv: &Path, port: u16) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("mlserver");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let status = Command::new(venv.join("bin/python"))
        .current_dir(&dir)
        .args([
            "-c",
            "from sklearn.datasets import load_iris\n\
             from sklearn.linear_model import LogisticRegression\n\
             import joblib\n\
             X, y = load_iris(return_X_y=True)\n\
             joblib.dump(LogisticRegression(max_iter=1000).fit(X, y), 'model.joblib')",
        ])
        .status()
        .unwrap();
    assert!(status.success(), "training the iris model failed");
    let model_settings = json!({
        "name": "iris-lr",
        "implementation": "mlserver_sklearn.SKLearnModel",
        "parameters": { "uri": "./model.joblib", "version": "v0.1.0" },
    });
    // Every port on loopback and free; one process (parallel_workers 0) so the model loads.
    let settings = json!({
        "host": "127.0.0.1",
        "http_port": port,
        "grpc_port": free_port(),
        "metrics_port": free_port(),
        "parallel_workers": 0,
    });
    std::fs::write(dir.join("model-settings.json"), model_settings.to_string()).unwrap();
    std::fs::write(dir.join("settings.json"), settings.to_string()).unwrap();
    dir
}

fn wait_until_ready(port: u16, server: &mut Guard, log: &Path) {
    let start = Instant::now();
    loop {
        let ready = ureq::get(&format!("http://127.0.0.1:{port}/v2/models/iris-lr/ready"))
            .call()
            .is_ok_and(|r| r.status() == 200);
        if ready {
            return;
        }
        if let Some(status) = server.0.try_wait().unwrap() {
            panic!(
                "MLServer exited ({status}): {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "MLServer was not ready within 120 s"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn case(name: &str, input: [f64; 4], expect: Expectation) -> SmokeCase {
    SmokeCase {
        name: name.into(),
        input: input.iter().map(|v| json!(v)).collect(),
        expect,
        max_latency_ms: Some(2_000),
    }
}

#[test]
#[ignore = "needs MLServer in a virtual environment: `cargo xtask test` installs it"]
fn smoke_cases_pass_against_a_real_mlserver() {
    let venv = PathBuf::from(
        std::env::var("ASSAY_MLSERVER_VENV").expect("ASSAY_MLSERVER_VENV names the venv"),
    );
    let port = free_port();
    let dir = model_folder(&venv, port);
    let log = dir.join("mlserver.log");
    let mut server = Guard(
        Command::new(venv.join("bin/mlserver"))
            .args(["start", "."])
            .current_dir(&dir)
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(Stdio::from(
                std::fs::File::options().append(true).open(&log).unwrap(),
            ))
            .spawn()
            .unwrap(),
    );
    wait_until_ready(port, &mut server, &log);

    let labels = EndpointSpec {
        name: "iris-labels".into(),
        base_url: format!("http://127.0.0.1:{port}"),
        protocol: Protocol::OpenInference {
            output: None,
            input_name: None,
            input_datatype: None,
        },
        model: "iris-lr".into(),
        version: Some("v0.1.0".into()),
        headers: vec![],
        timeout_ms: 5_000,
        features: ["sepal_length", "sepal_width", "petal_length", "petal_width"]
            .map(String::from)
            .to_vec(),
        // Rows 1, 51 and 101 of iris, one per species.
        cases: vec![
            case(
                "setosa",
                [5.1, 3.5, 1.4, 0.2],
                Expectation::ClassLabel { label: json!(0) },
            ),
            case(
                "versicolor",
                [7.0, 3.2, 4.7, 1.4],
                Expectation::ClassLabel { label: json!(1) },
            ),
            case(
                "virginica",
                [6.3, 3.3, 6.0, 2.5],
                Expectation::ClassLabel { label: json!(2) },
            ),
        ],
        load: None,
    };
    let probabilities = EndpointSpec {
        name: "iris-probabilities".into(),
        protocol: Protocol::OpenInference {
            output: Some("predict_proba".into()),
            input_name: None,
            input_datatype: None,
        },
        cases: vec![case(
            "setosa-probability",
            [5.1, 3.5, 1.4, 0.2],
            Expectation::ClassProbability {
                class: 0,
                at_least: 0.9,
            },
        )],
        ..labels.clone()
    };
    let csv = include_str!("../../../public/samples/iris.csv");
    let mut spec = Spec::new(
        "iris against MLServer",
        DatasetSpec::from_csv("iris.csv", csv, 150),
        Preprocessing::new("species", Task::MulticlassClassification),
        ModelSpec::SoftmaxRegression,
        TrainConfig::default(),
        vec![],
    );
    spec.endpoints = vec![labels, probabilities];
    let path = dir.join("iris.assay.json");
    std::fs::write(&path, spec.to_json()).unwrap();

    let output = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["run", "--only", "endpoints"])
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for case in [
        "health",
        "setosa",
        "versicolor",
        "virginica",
        "setosa-probability",
    ] {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with("  PASS") && l.contains(&format!("/ {case}:"))),
            "{case}: {stdout}"
        );
    }
}
