//! Smoke and contract cases, and endpoint evaluations, against a real model server: MLServer
//! 1.7.1 with its scikit-learn runtime, installed from PyPI into a virtual environment by
//! `cargo xtask test`, serving tiny iris logistic regressions on 127.0.0.1 (one server for the
//! file), stopped when the test ends.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use assay_engine::endpoint::evaluation::EvaluationRows;
use assay_engine::model::ModelSpec;
use common::free_port;
use common::server::{
    AssayRun, IRIS_FEATURES, Server, assert_same_metrics, helper_file, iris_cases, python,
    run_assay, scratch, sklearn_reference, venv, write_evaluation_spec, write_spec,
};
use serde_json::{Value, json};

/// Trains the models with the venv's scikit-learn and writes MLServer's settings beside them:
/// `iris-lr` for the smoke cases; `iris-good` and `iris-worse` (and `iris.csv`, with the good
/// model's offline predictions) and the binary `iris-cancer` (and `cancer.csv`) from
/// `evaluation_models.py`.
fn model_folder(venv: &Path, port: u16) -> PathBuf {
    let dir = scratch("mlserver");
    let script = helper_file("evaluation_models.py");
    python(venv, &dir, &[script.to_str().unwrap(), "iris", "."]);
    for name in ["good", "worse", "cancer"] {
        let settings = json!({
            "name": format!("iris-{name}"),
            "implementation": "mlserver_sklearn.SKLearnModel",
            "parameters": { "uri": "./model.joblib", "version": "v1" },
        });
        std::fs::write(
            dir.join(name).join("model-settings.json"),
            settings.to_string(),
        )
        .unwrap();
    }
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

/// One MLServer for the whole file (it takes a while to start): the smoke cases, then the
/// evaluations.
#[test]
#[ignore = "needs MLServer in a virtual environment: `cargo xtask test` installs it"]
fn smoke_cases_and_evaluations_against_a_real_mlserver() {
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
    for model in ["iris-lr", "iris-good", "iris-worse", "iris-cancer"] {
        server.wait_until_ready(
            &format!("http://127.0.0.1:{port}/v2/models/{model}/ready"),
            Duration::from_secs(120),
        );
    }
    smoke_cases(&dir, port);
    evaluations(&venv, &dir, port);
    binary_evaluation(&venv, &dir, port);
}

fn smoke_cases(dir: &Path, port: u16) {
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
    let spec = write_spec(dir, "iris-mlserver", json!([labels, probabilities]));

    let run = run_assay(&spec);
    let output = run.output();
    assert_eq!(run.code, Some(0), "{output}");
    for case in ["health", "setosa", "versicolor", "virginica"] {
        assert!(run.passed("iris-labels", case), "{case}: {output}");
    }
    for case in ["health", "setosa-probability"] {
        assert!(run.passed("iris-probabilities", case), "{case}: {output}");
    }
    k6_against_mlserver(dir, port);
}

/// The iris endpoint exported to k6 and run by the real k6 against the real MLServer: its cases
/// and a load plan hold (exit 0), and a case Assay fails makes k6 fail too.
fn k6_against_mlserver(dir: &Path, port: u16) {
    let endpoint = |cases: Value| {
        json!({
            "name": "iris",
            "base_url": format!("http://127.0.0.1:{port}"),
            "protocol": { "kind": "open_inference" },
            "model": "iris-lr",
            "version": "v0.1.0",
            "features": IRIS_FEATURES,
            "cases": cases,
            "load": { "requests": 80, "concurrency": 4, "thresholds": [
                { "metric": "p95_below_ms", "value": 5000 },
                { "metric": "error_rate_below", "value": 0.01 } ] },
        })
    };
    let wrong = json!([{ "name": "virginica called setosa", "input": [6.3, 3.3, 6.0, 2.5],
                         "expect": { "kind": "class_label", "label": 0 } }]);
    for (name, cases, passes) in [
        ("iris-k6", iris_cases(), true),
        ("iris-k6-wrong", wrong, false),
    ] {
        let spec = write_spec(dir, name, json!([endpoint(cases)]));
        let run = run_assay(&spec);
        assert_eq!(run.code == Some(0), passes, "assay: {}", run.output());
        let script = dir.join(format!("{name}.k6.js"));
        crate::k6::export_k6(&spec, &script);
        let (code, said) = crate::k6::k6(&script);
        let expected = if passes { Some(0) } else { Some(99) };
        assert_eq!(code, expected, "k6 on {name}: {said}");
    }
}

/// An evaluated endpoint of `model` on the one server: class probabilities (`predict_proba`)
/// or labels.
fn evaluated(name: &str, port: u16, model: &str, probabilities: bool, evaluation: Value) -> Value {
    let protocol = if probabilities {
        json!({ "kind": "open_inference", "output": "predict_proba" })
    } else {
        json!({ "kind": "open_inference" })
    };
    json!({
        "name": name,
        "base_url": format!("http://127.0.0.1:{port}"),
        "protocol": protocol,
        "model": model,
        "features": IRIS_FEATURES,
        "cases": [],
        "evaluation": evaluation,
    })
}

/// Champion/challenger on the validation rows, and the skew check against the notebook's
/// column: the served metrics are scikit-learn's on the same rows, the worse model loses to
/// the good one (and the good one wins against it), every check is a JUnit test case, and the
/// same spec run again gives the same metrics.
fn evaluations(venv: &Path, dir: &Path, port: u16) {
    let staging = evaluated(
        "staging",
        port,
        "iris-good",
        true,
        json!({ "rows": "validation", "batch_size": 8, "concurrency": 2, "checks": [
            { "check": "metric_threshold", "metric": "accuracy", "threshold": 0.8 },
            { "check": "beats_baseline", "metric": "macro_f1" },
            { "check": "no_regression", "metric": "accuracy", "tolerance": 0.01 },
            { "check": "agrees_with_column", "column": "notebook_prediction", "min_agreement": 1.0 },
            { "check": "no_worse_than_endpoint", "endpoint": "production", "metric": "accuracy" },
        ]}),
    );
    let production = evaluated(
        "production",
        port,
        "iris-worse",
        true,
        json!({ "rows": "validation", "batch_size": 8, "concurrency": 2, "checks": [
            { "check": "no_worse_than_endpoint", "endpoint": "staging", "metric": "accuracy" },
        ]}),
    );
    // Labels on every row: log loss cannot be judged, and the check says why.
    let labels = evaluated(
        "staging-labels",
        port,
        "iris-good",
        false,
        json!({ "rows": "all", "batch_size": 40, "concurrency": 3, "checks": [
            { "check": "agrees_with_column", "column": "notebook_prediction" },
            { "check": "metric_threshold", "metric": "log_loss", "threshold": 0.5 },
        ]}),
    );
    let (spec, rows) = write_evaluation_spec(
        dir,
        "iris-evaluation",
        ("iris.csv", "species"),
        ModelSpec::SoftmaxRegression,
        json!([staging, production, labels]),
    );
    let validation = sklearn_reference(venv, dir, "iris", rows.of(EvaluationRows::Validation));
    let all = sklearn_reference(venv, dir, "iris", rows.of(EvaluationRows::All));
    let accuracy = |model: &str| {
        validation[model]["probabilities"]["accuracy"]
            .as_f64()
            .unwrap()
    };
    assert!(
        accuracy("worse") < accuracy("good"),
        "the worse model must be worse on the validation rows: {validation}"
    );

    let run = run_assay(&spec);
    let output = run.output();
    assert_eq!(
        run.code,
        Some(1),
        "production and staging-labels fail: {output}"
    );

    let evaluation = run.evaluation("staging");
    assert_eq!(evaluation["sent"], rows.validation.len(), "{output}");
    assert_eq!(evaluation["answered"], rows.validation.len(), "{output}");
    assert_eq!(evaluation["answer_kind"], "probabilities", "{output}");
    assert_same_metrics(
        "staging",
        &evaluation["metrics"],
        &validation["good"]["probabilities"],
    );
    let compared = &evaluation["compared"][0];
    assert_eq!(compared["endpoint"], "production", "{output}");
    assert_same_metrics(
        "production, compared by staging",
        &compared["metrics"],
        &validation["worse"]["probabilities"],
    );
    assert_same_metrics(
        "production",
        &run.evaluation("production")["metrics"],
        &validation["worse"]["probabilities"],
    );
    let evaluation = run.evaluation("staging-labels");
    assert_eq!(evaluation["sent"], 150, "{output}");
    assert_eq!(evaluation["answer_kind"], "labels", "{output}");
    assert_same_metrics(
        "staging-labels",
        &evaluation["metrics"],
        &all["good"]["labels"],
    );

    let checks = |endpoint: &str| -> Vec<String> {
        run.evaluation(endpoint)["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["case"].as_str().unwrap().to_owned())
            .collect()
    };
    for endpoint in ["staging", "production", "staging-labels"] {
        assert_eq!(
            run.junit_evaluation_cases(endpoint),
            checks(endpoint),
            "one JUnit test case per evaluation check of {endpoint}"
        );
    }
    assert_eq!(
        checks("staging").len(),
        6,
        "answers and five checks: {output}"
    );
    for check in checks("staging") {
        assert!(
            run.evaluation_passed("staging", &check),
            "staging / {check}: {output}"
        );
    }
    assert!(run.evaluation_passed("production", "answers"), "{output}");
    assert!(
        !run.evaluation_passed("production", "no_worse_than_endpoint staging accuracy"),
        "the worse model must lose to the good one: {output}"
    );
    assert!(run.evaluation_passed("staging-labels", "agrees_with_column notebook_prediction"));
    assert!(!run.evaluation_passed("staging-labels", "metric_threshold log_loss"));
    assert!(
        output.contains("log_loss needs class probabilities, and the endpoint answered labels"),
        "{output}"
    );

    // A deterministic server: the same spec gives the same metrics, to the byte.
    let again = run_assay(&spec);
    for endpoint in ["staging", "production", "staging-labels"] {
        assert_eq!(
            metrics_text(&run, endpoint),
            metrics_text(&again, endpoint),
            "{endpoint}'s metrics differ between two runs"
        );
    }
}

/// An evaluation's metrics, and those of the endpoints it compared with, as JSON text.
fn metrics_text(run: &AssayRun, endpoint: &str) -> String {
    let evaluation = run.evaluation(endpoint);
    let compared: Vec<&Value> = evaluation["compared"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["metrics"])
        .collect();
    format!("{} {}", evaluation["metrics"], json!(compared))
}

/// A binary model's probabilities: ROC AUC and log loss too equal scikit-learn's.
fn binary_evaluation(venv: &Path, dir: &Path, port: u16) {
    let features: Vec<String> = (0..30).map(|i| format!("f{i}")).collect();
    let mut cancer = evaluated(
        "cancer",
        port,
        "iris-cancer",
        true,
        json!({ "batch_size": 50, "checks": [
            { "check": "metric_threshold", "metric": "roc_auc", "threshold": 0.95 },
            { "check": "agrees_with_column", "column": "notebook_prediction" },
        ]}),
    );
    cancer["features"] = json!(features);
    let (spec, rows) = write_evaluation_spec(
        dir,
        "cancer-evaluation",
        ("cancer.csv", "diagnosis"),
        ModelSpec::LogisticRegression,
        json!([cancer]),
    );
    let reference = sklearn_reference(venv, dir, "cancer", &rows.validation);
    let run = run_assay(&spec);
    let output = run.output();
    assert_eq!(run.code, Some(0), "{output}");
    let evaluation = run.evaluation("cancer");
    assert_eq!(evaluation["answered"], rows.validation.len(), "{output}");
    assert_same_metrics(
        "cancer",
        &evaluation["metrics"],
        &reference["probabilities"],
    );
}
