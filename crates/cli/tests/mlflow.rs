//! Endpoint cases against the real MLflow scoring server (`mlflow models serve --env-manager
//! local`, from `mlflow-skinny` in a virtual environment that `cargo xtask test` installs),
//! serving an iris model fitted on a DataFrame with named columns and saved with its signature:
//! the usual model, for which MLflow accepts only the named-column input forms; and a diabetes
//! regression model, evaluated on the dataset.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use crate::common;

use std::process::Command;
use std::time::Duration;

use std::path::Path;

use assay_engine::model::ModelSpec;
use common::free_port;
use common::server::{
    IRIS_FEATURES, Server, assert_same_metrics, helper_file, iris_cases, path_with, python,
    run_assay, scratch, sklearn_reference, venv, write_evaluation_spec, write_spec,
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
    let _server = serve(&venv, &dir, port);

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

/// The MLflow scoring server for the model in `dir/model`, ready.
fn serve(venv: &Path, dir: &Path, port: u16) -> Server {
    let mut server = Server::start(
        "the MLflow scoring server",
        Command::new(venv.join("bin/mlflow"))
            .args(["models", "serve", "-m", "model", "--env-manager", "local"])
            .args(["-h", "127.0.0.1", "-p", &port.to_string()])
            .current_dir(dir)
            .env("PATH", path_with(venv)),
        &dir.join("mlflow.log"),
    );
    server.wait_until_ready(
        &format!("http://127.0.0.1:{port}/ping"),
        Duration::from_secs(180),
    );
    server
}

/// A linear regression on scikit-learn's diabetes data, served by MLflow and evaluated on the
/// validation rows: RMSE, MAE and R² are scikit-learn's on the same rows, and the served
/// predictions agree with the notebook's column.
#[test]
#[ignore = "needs MLflow in a virtual environment: `cargo xtask test` installs it"]
fn a_served_regression_model_evaluates_to_sklearns_metrics() {
    let venv = venv("ASSAY_MLFLOW_VENV");
    let dir = scratch("mlflow-evaluation");
    let script = helper_file("evaluation_models.py");
    python(&venv, &dir, &[script.to_str().unwrap(), "diabetes", "."]);
    let port = free_port();
    let _server = serve(&venv, &dir, port);

    let features = [
        "age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6",
    ];
    let endpoint = json!({
        "name": "staging",
        "base_url": format!("http://127.0.0.1:{port}"),
        "protocol": { "kind": "mlflow", "format": "dataframe_split" },
        "features": features,
        "cases": [],
        "evaluation": { "rows": "validation", "batch_size": 25, "concurrency": 2, "checks": [
            { "check": "metric_threshold", "metric": "r2", "threshold": 0.3 },
            { "check": "beats_baseline", "metric": "rmse" },
            { "check": "agrees_with_column", "column": "notebook_prediction", "tolerance": 1e-9 },
        ]},
    });
    let (spec, rows) = write_evaluation_spec(
        &dir,
        "diabetes-evaluation",
        ("diabetes.csv", "progression"),
        ModelSpec::LinearRegression,
        json!([endpoint]),
    );
    let reference = sklearn_reference(&venv, &dir, "diabetes", &rows.validation);

    let run = run_assay(&spec);
    let output = run.output();
    assert_eq!(run.code, Some(0), "{output}");
    let evaluation = run.evaluation("staging");
    assert_eq!(evaluation["answer_kind"], "numbers", "{output}");
    assert_eq!(evaluation["answered"], rows.validation.len(), "{output}");
    assert_same_metrics("staging", &evaluation["metrics"], &reference["numbers"]);
    assert_eq!(
        evaluation["predicted_vs_actual"].as_array().unwrap().len(),
        rows.validation.len(),
        "{output}"
    );
    assert_eq!(
        run.junit_evaluation_cases("staging"),
        [
            "answers",
            "metric_threshold r2",
            "beats_baseline rmse",
            "agrees_with_column notebook_prediction"
        ],
    );
    for check in run.junit_evaluation_cases("staging") {
        assert!(
            run.evaluation_passed("staging", &check),
            "{check}: {output}"
        );
    }
}
