//! Endpoint cases against the real MLflow scoring server (`mlflow models serve --env-manager
//! local`, from `mlflow-skinny` in a virtual environment that `cargo xtask test` installs),
//! serving an iris model fitted on a DataFrame with named columns and saved with its signature:
//! the usual model, for which MLflow accepts only the named-column input forms.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use crate::common;

use std::process::Command;
use std::time::Duration;

use common::free_port;
use common::server::{
    IRIS_FEATURES, Server, helper_file, iris_cases, path_with, python, run_assay, scratch, venv,
    write_spec,
};
use serde_json::{Value, json};

/// Named-column forms, which a column-signature model accepts.
const NAMED: [&str; 4] = [
    "dataframe_split",
    "dataframe_records",
    "instances_records",
    "inputs_columns",
];
/// Row forms, which it refuses with 400 SCHEMA_ENFORCEMENT_FAILED.
const ROWS: [&str; 2] = ["instances", "inputs"];

/// One endpoint per input form, all on the one server.
fn endpoints(port: u16) -> Value {
    NAMED
        .iter()
        .chain(&ROWS)
        .map(|format| {
            json!({
                "name": format,
                "base_url": format!("http://127.0.0.1:{port}"),
                "protocol": { "kind": "mlflow", "format": format },
                "features": IRIS_FEATURES,
                "cases": iris_cases(),
            })
        })
        .collect()
}

#[test]
#[ignore = "needs MLflow in a virtual environment: `cargo xtask test` installs it"]
fn named_column_forms_pass_and_row_forms_fail_with_mlflows_message() {
    let venv = venv("ASSAY_MLFLOW_VENV");
    let dir = scratch("mlflow");
    let model_script = helper_file("mlflow_model.py");
    python(&venv, &dir, &[model_script.to_str().unwrap(), "model"]);

    let port = free_port();
    let mut server = Server::start(
        "the MLflow scoring server",
        Command::new(venv.join("bin/mlflow"))
            .args(["models", "serve", "-m", "model", "--env-manager", "local"])
            .args(["-h", "127.0.0.1", "-p", &port.to_string()])
            .current_dir(&dir)
            .env("PATH", path_with(&venv)),
        &dir.join("mlflow.log"),
    );
    server.wait_until_ready(
        &format!("http://127.0.0.1:{port}/ping"),
        Duration::from_secs(180),
    );

    let spec = write_spec(&dir, "iris-mlflow", endpoints(port));
    let run = run_assay(&spec);
    let output = run.output();
    assert_eq!(run.code, Some(1), "the row forms must fail: {output}");
    for format in NAMED {
        for case in ["health", "setosa", "versicolor", "virginica"] {
            assert!(run.passed(format, case), "{format} / {case}: {output}");
        }
    }
    for format in ROWS {
        assert!(run.passed(format, "health"), "{format}: {output}");
        for case in ["setosa", "versicolor", "virginica"] {
            let outcome = run.case(format, case);
            assert!(!run.passed(format, case), "{format} / {case}: {output}");
            assert_eq!(outcome["status"], 400, "{format} / {case}: {output}");
            let summary = outcome["summary"].as_str().unwrap();
            // MLflow's `message` ends with the cause, past the first 300 characters.
            assert!(
                summary.contains("Model is missing inputs"),
                "{format} / {case} must show MLflow's message: {summary}"
            );
            assert!(
                summary.contains(&format!("POST http://127.0.0.1:{port}/invocations")),
                "{format} / {case} must name the request: {summary}"
            );
        }
    }
}
