//! Smoke and contract cases against a real model server: MLServer 1.7.1 with its scikit-learn
//! runtime, installed from PyPI into a virtual environment by `cargo xtask test`, serving a tiny
//! iris logistic regression on 127.0.0.1, stopped when the test ends.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::free_port;
use common::server::{
    IRIS_FEATURES, Server, iris_cases, python, run_assay, scratch, venv, write_spec,
};
use serde_json::json;

/// Trains the model with the venv's scikit-learn and writes MLServer's settings beside it.
fn model_folder(venv: &Path, port: u16) -> PathBuf {
    let dir = scratch("mlserver");
    python(
        venv,
        &dir,
        &[
            "-c",
            "from sklearn.datasets import load_iris\n\
             from sklearn.linear_model import LogisticRegression\n\
             import joblib\n\
             X, y = load_iris(return_X_y=True)\n\
             joblib.dump(LogisticRegression(max_iter=1000).fit(X, y), 'model.joblib')",
        ],
    );
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

#[test]
#[ignore = "needs MLServer in a virtual environment: `cargo xtask test` installs it"]
fn smoke_cases_pass_against_a_real_mlserver() {
    let venv = venv("ASSAY_MLSERVER_VENV");
    let port = free_port();
    let dir = model_folder(&venv, port);
    let mut server = Server::start(
        "MLServer",
        Command::new(venv.join("bin/mlserver"))
            .args(["start", "."])
            .current_dir(&dir),
        &dir.join("mlserver.log"),
    );
    server.wait_until_ready(
        &format!("http://127.0.0.1:{port}/v2/models/iris-lr/ready"),
        Duration::from_secs(120),
    );

    let labels = json!({
        "name": "iris-labels",
        "base_url": format!("http://127.0.0.1:{port}"),
        "protocol": { "kind": "open_inference" },
        "model": "iris-lr",
        "version": "v0.1.0",
        "features": IRIS_FEATURES,
        "cases": iris_cases(),
    });
    let probabilities = json!({
        "name": "iris-probabilities",
        "base_url": format!("http://127.0.0.1:{port}"),
        "protocol": { "kind": "open_inference", "output": "predict_proba" },
        "model": "iris-lr",
        "version": "v0.1.0",
        "features": IRIS_FEATURES,
        "cases": [{
            "name": "setosa-probability",
            "input": [5.1, 3.5, 1.4, 0.2],
            "expect": { "kind": "class_probability", "class": 0, "at_least": 0.9 },
        }],
    });
    let spec = write_spec(&dir, "iris-mlserver", json!([labels, probabilities]));

    let run = run_assay(&spec);
    let output = run.output();
    assert_eq!(run.code, Some(0), "{output}");
    for case in ["health", "setosa", "versicolor", "virginica"] {
        assert!(run.passed("iris-labels", case), "{case}: {output}");
    }
    for case in ["health", "setosa-probability"] {
        assert!(run.passed("iris-probabilities", case), "{case}: {output}");
    }
}
