//! Endpoint evaluations run by `assay run` against in-process loopback servers that answer
//! Open Inference batches by a fixed rule, or misbehave: a 500 for some batches, fewer
//! predictions than rows, a label that is no class, no answer at all, a credential echoed back.
//! Each failure is counted by row, grouped and named by line, and no evaluation check passes;
//! a spec that cannot be evaluated is refused before anything is sent.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use std::io::BufReader;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use assay_engine::data::{ColumnKind, ColumnSchema};
use assay_engine::model::ModelSpec;
use assay_engine::spec::Spec;
use assay_engine::train::TrainConfig;
use serde_json::{Value, json};

use crate::common::cli::{assay, assert_one_line_error, scratch, text, write};
use crate::endpoints::{Received, read_request, serve, untouched, write_answer};

/// Rows in the dataset, all of them evaluated, in batches of [`BATCH`]: six requests.
const ROWS: usize = 60;
const BATCH: usize = 10;

/// The deployed model's rule.
fn rule(a: f64, b: f64) -> &'static str {
    if a > b { "dog" } else { "cat" }
}

/// Row `i`'s features; every seventh row (`a` = 3) is mislabelled, so accuracy is below 1.
fn features(i: usize) -> (f64, f64) {
    ((i % 7) as f64, ((i * 3) % 5) as f64 + 0.5)
}

/// `a,b,notebook_prediction,label`: the notebook's column holds the rule's answer.
fn csv() -> String {
    let mut text = String::from("a,b,notebook_prediction,label\n");
    for i in 0..ROWS {
        let (a, b) = features(i);
        let predicted = rule(a, b);
        let label = match (i % 7 == 3, predicted) {
            (false, p) => p,
            (true, "dog") => "cat",
            (true, _) => "dog",
        };
        text.push_str(&format!("{a},{b},{predicted},{label}\n"));
    }
    text
}

/// What a test server makes of one batch: `(id, rows)` to `(status, body)`.
type Answer = dyn Fn(&str, &[(f64, f64)], &Received) -> (u16, String) + Send + Sync;

/// An Open Inference server on loopback: ready and described, and each batch answered by
/// `answer`. Counts the batches it was sent.
fn model_server(
    answer: impl Fn(&str, &[(f64, f64)], &Received) -> (u16, String) + Send + Sync + 'static,
) -> (u16, Arc<AtomicUsize>) {
    let answer: Arc<Answer> = Arc::new(answer);
    let batches = Arc::new(AtomicUsize::new(0));
    let counted = batches.clone();
    let port = serve(move |stream: &mut TcpStream| {
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let Some(request) = read_request(&mut reader) else {
            return;
        };
        let (status, body) = if request.path.ends_with("/ready") {
            (200, String::new())
        } else if request.path.ends_with("/infer") {
            counted.fetch_add(1, Ordering::SeqCst);
            answer(&request.id, &rows_of(&request.body), &request)
        } else {
            (
                200,
                json!({ "name": "pets", "inputs": [], "outputs": [] }).to_string(),
            )
        };
        write_answer(stream, status, "application/json", &body, true);
    });
    (port, batches)
}

/// The `(a, b)` rows of an Open Inference request.
fn rows_of(body: &Value) -> Vec<(f64, f64)> {
    let data: Vec<f64> = body["inputs"][0]["data"]
        .as_array()
        .map(|d| d.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    data.chunks(2).map(|r| (r[0], r[1])).collect()
}

/// An Open Inference answer with these labels, one per row.
fn labels(labels: &[&str]) -> (u16, String) {
    let body = json!({
        "model_name": "pets",
        "outputs": [{ "name": "predict", "shape": [labels.len(), 1], "datatype": "BYTES", "data": labels }],
    });
    (200, body.to_string())
}

/// The rule's label for each row: a well-behaved model.
fn by_rule(rows: &[(f64, f64)]) -> (u16, String) {
    labels(&rows.iter().map(|&(a, b)| rule(a, b)).collect::<Vec<_>>())
}

/// Every check the evaluation has, each of which a well-behaved server passes.
fn all_checks() -> Value {
    json!([
        { "check": "metric_threshold", "metric": "accuracy", "threshold": 0.8 },
        { "check": "beats_baseline", "metric": "accuracy" },
        { "check": "no_regression", "metric": "accuracy" },
        { "check": "agrees_with_column", "column": "notebook_prediction" },
        { "check": "no_worse_than_endpoint", "endpoint": "production", "metric": "accuracy" },
    ])
}

/// An endpoint on `port` whose key comes from `${env:MODEL_KEY}`.
fn endpoint(name: &str, port: u16, evaluation: Option<Value>) -> Value {
    let mut endpoint = json!({
        "name": name,
        "base_url": format!("http://127.0.0.1:{port}"),
        "protocol": { "kind": "open_inference" },
        "model": "pets",
        "headers": [{ "name": "X-Api-Key", "value": "${env:MODEL_KEY}" }],
        "timeout_ms": 2000,
        "features": ["a", "b"],
        "cases": [],
    });
    if let Some(evaluation) = evaluation {
        endpoint["evaluation"] = evaluation;
    }
    endpoint
}

/// The endpoint `pets` on `port`, evaluated on every row with `checks`, and a well-behaved
/// `production` it is compared with.
fn pets_and_production(port: u16, checks: Value) -> Value {
    let (production, _) = model_server(|_, rows, _| by_rule(rows));
    let evaluation =
        json!({ "rows": "all", "batch_size": BATCH, "concurrency": 2, "checks": checks });
    json!([
        endpoint("pets", port, Some(evaluation)),
        endpoint("production", production, None)
    ])
}

/// Writes the spec (its notebook column `ignored` when `ignore_notebook`) with these
/// endpoints, and an env file with the key, into the test's folder.
fn write_spec(dir: &Path, endpoints: Value, ignore_notebook: bool) -> PathBuf {
    let csv = csv();
    let mut spec = Spec::authored(
        "pets",
        ("pets.csv", &csv),
        "label",
        ModelSpec::LogisticRegression,
        TrainConfig::default(),
    )
    .unwrap();
    if ignore_notebook {
        spec.preprocessing.column_kinds.push(ColumnSchema {
            name: "notebook_prediction".into(),
            kind: ColumnKind::Ignored,
        });
    }
    let mut json: Value = serde_json::from_str(&spec.to_json()).unwrap();
    json["endpoints"] = endpoints;
    write(
        dir,
        "model.env",
        "MODEL_KEY=s3cret-key-value\nAUTH=tok-0a1b2c3d\n",
    );
    write(
        dir,
        "pets.assay.json",
        &serde_json::to_string_pretty(&json).unwrap(),
    )
}

/// What `assay run --only endpoints` printed and reported.
struct Run {
    output: Output,
    stdout: String,
    json: String,
    junit: String,
}

impl Run {
    fn report(&self) -> Value {
        serde_json::from_str::<Value>(&self.json).unwrap()[0].clone()
    }

    fn evaluation(&self) -> Value {
        let report = self.report();
        let pets = report["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["endpoint"] == "pets")
            .unwrap_or_else(|| panic!("no endpoint pets: {}", self.stdout))
            .clone();
        pets["evaluation"].clone()
    }

    /// The terminal line of the evaluation check `check`.
    fn line(&self, check: &str) -> &str {
        let name = format!("endpoint pets / evaluation / {check}:");
        self.stdout
            .lines()
            .find(|l| l.contains(&name))
            .unwrap_or_else(|| panic!("no line {name} in {}", self.stdout))
    }

    /// Exit 1, and every evaluation check failed in the terminal, the JSON and JUnit.
    fn assert_no_check_passes(&self) {
        assert_eq!(self.output.status.code(), Some(1), "{}", self.stdout);
        let checks = self.evaluation()["checks"].as_array().unwrap().clone();
        assert_eq!(checks.len(), 6, "answers and five checks: {}", self.stdout);
        for check in checks {
            let name = check["case"].as_str().unwrap();
            assert_eq!(check["verdict"], "fail", "{name}: {}", self.stdout);
            assert!(
                self.line(name).trim_start().starts_with("FAIL"),
                "{}",
                self.stdout
            );
        }
        let junit = roxmltree::Document::parse(&self.junit).unwrap();
        let failures = junit
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .filter(|n| {
                n.attribute("name")
                    .is_some_and(|a| a.starts_with("endpoint pets / evaluation / "))
            })
            .map(|n| n.children().any(|c| c.has_tag_name("failure")))
            .collect::<Vec<_>>();
        assert_eq!(failures, [true; 6], "{}", self.junit);
    }

    /// The failed rows' groups as `(reason, count, lines)`.
    fn failed(&self) -> Vec<(String, u64, Vec<u64>)> {
        self.evaluation()["failed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                (
                    g["reason"].as_str().unwrap().to_owned(),
                    g["count"].as_u64().unwrap(),
                    g["lines"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|l| l.as_u64().unwrap())
                        .collect(),
                )
            })
            .collect()
    }
}

/// Runs `assay run --only endpoints` on the spec with the env file, JSON and JUnit beside it.
fn run(spec: &Path, extra: &[&str]) -> Run {
    let dir = spec.parent().unwrap();
    let (env, json, junit) = (
        dir.join("model.env"),
        dir.join("report.json"),
        dir.join("junit.xml"),
    );
    let mut args: Vec<&Path> = ["run", "--only", "endpoints"]
        .iter()
        .chain(extra)
        .map(Path::new)
        .collect();
    args.extend([
        Path::new("--env-file"),
        &env,
        Path::new("--json"),
        &json,
        Path::new("--junit"),
        &junit,
        spec,
    ]);
    let output = assay(&args);
    Run {
        stdout: text(&output.stdout),
        json: std::fs::read_to_string(&json).unwrap_or_default(),
        junit: std::fs::read_to_string(&junit).unwrap_or_default(),
        output,
    }
}

/// File lines of data rows `rows` (the header is line 1).
fn lines(rows: impl Iterator<Item = usize>) -> Vec<u64> {
    rows.map(|r| r as u64 + 2).collect()
}

#[test]
fn a_well_behaved_server_passes_every_check() {
    let dir = scratch("well-behaved");
    let (port, batches) = model_server(|_, rows, _| by_rule(rows));
    let spec = write_spec(&dir, pets_and_production(port, all_checks()), true);
    let run = run(&spec, &[]);
    assert_eq!(run.output.status.code(), Some(0), "{}", run.stdout);
    let evaluation = run.evaluation();
    assert_eq!(
        (evaluation["sent"].as_u64(), evaluation["answered"].as_u64()),
        (Some(60), Some(60))
    );
    assert_eq!(batches.load(Ordering::SeqCst), ROWS / BATCH);
    for check in evaluation["checks"].as_array().unwrap() {
        assert_eq!(check["verdict"], "pass", "{}", run.stdout);
    }
}

/// Runs the spec against a server answering by `answer`: no check passes, and the failed rows
/// make one group, returned with the run.
#[track_caller]
fn run_faulty(
    name: &str,
    answer: impl Fn(&str, &[(f64, f64)], &Received) -> (u16, String) + Send + Sync + 'static,
) -> (Run, (String, u64, Vec<u64>)) {
    let dir = scratch(name);
    let (port, _) = model_server(answer);
    let spec = write_spec(&dir, pets_and_production(port, all_checks()), true);
    let run = run(&spec, &[]);
    run.assert_no_check_passes();
    let mut failed = run.failed();
    assert_eq!(failed.len(), 1, "one group of failed rows: {failed:?}");
    (run, failed.remove(0))
}

#[test]
fn a_server_failing_some_batches_fails_their_rows_by_line() {
    // Batches 1, 3 and 5 (rows 10–19, 30–39, 50–59) fail.
    let (run, (reason, count, named)) = run_faulty("some-500", |id, rows, _| {
        let k: usize = id.rsplit('-').next().unwrap().parse().unwrap();
        if k % 2 == 1 {
            (500, "model crashed".into())
        } else {
            by_rule(rows)
        }
    });
    assert!(
        reason.contains("HTTP 500") && reason.contains("model crashed"),
        "{reason}"
    );
    assert_eq!(count, 30);
    assert_eq!(named, lines(10..20), "the first ten failed rows' lines");
    assert_eq!(run.evaluation()["answered"], 30);
    let answers = run.line("answers");
    assert!(
        answers.contains("30 of 60 rows failed") && answers.contains("(30 rows: lines 12, 13, 14"),
        "{answers}"
    );
    assert!(
        run.stdout
            .contains("endpoint pets / evaluation: 30 of 60 rows answered"),
        "{}",
        run.stdout
    );
}

#[test]
fn fewer_predictions_than_rows_fail_that_batchs_rows() {
    let (run, (reason, count, named)) = run_faulty("short", |id, rows, _| {
        let answered = if id == "assay-evaluation-2" {
            &rows[1..]
        } else {
            rows
        };
        by_rule(answered)
    });
    assert!(reason.contains("Unexpected answer shape"), "{reason}");
    assert_eq!((count, named), (10, lines(20..30)));
    assert!(
        run.line("answers").contains("10 of 60 rows failed"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_label_that_is_no_class_fails_its_row_only() {
    let (_, (reason, count, named)) = run_faulty("bird", |_, rows, _| {
        labels(
            &rows
                .iter()
                .map(|&(a, b)| if a == 3.0 { "bird" } else { rule(a, b) })
                .collect::<Vec<_>>(),
        )
    });
    assert!(
        reason.contains("\"bird\"") && reason.contains("not one of the classes cat, dog"),
        "{reason}"
    );
    let birds: Vec<usize> = (0..ROWS).filter(|&i| features(i).0 == 3.0).collect();
    assert_eq!(
        (count, named),
        (birds.len() as u64, lines(birds.into_iter()))
    );
}

#[test]
fn a_server_that_never_answers_cannot_hold_the_run_past_its_time_limit() {
    let dir = scratch("silent");
    let port = silent_server();
    let mut endpoints = pets_and_production(port, all_checks());
    endpoints[0]["timeout_ms"] = json!(30_000);
    let spec = write_spec(&dir, endpoints, true);
    // `assay` fails the test as hung after a minute; the time limit must end it long before.
    let run = run(&spec, &["--time-limit", "1"]);
    run.assert_no_check_passes();
    let failed = run.failed();
    assert_eq!(
        failed.iter().map(|(_, count, _)| count).sum::<u64>(),
        ROWS as u64,
        "{failed:?}"
    );
    assert!(
        failed
            .iter()
            .any(|(reason, _, _)| reason.contains("not sent")),
        "the time limit left rows unsent: {failed:?}"
    );
    assert!(
        run.line("answers").contains("60 of 60 rows failed"),
        "{}",
        run.stdout
    );
    // The time limit, not the endpoint's 30 s timeout, ended the requests in flight: raising
    // `timeout_ms` would not help, and the reason must not say it ran out.
    assert!(
        failed
            .iter()
            .any(|(reason, _, _)| reason.contains("before the 1 s time limit ran out")),
        "{failed:?}"
    );
    assert!(!run.stdout.contains("30000 ms"), "{}", run.stdout);
}

/// Accepts connections and reads them, never answering, until the client goes (or 60 s).
fn silent_server() -> u16 {
    serve(|stream: &mut TcpStream| {
        use std::io::Read;
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(60)))
            .unwrap();
        let mut sink = Vec::new();
        let _ = stream.read_to_end(&mut sink);
    })
}

#[test]
fn an_evaluation_that_cannot_run_is_refused_before_anything_is_sent() {
    let unusable = [
        // The notebook's column left a feature: the model would learn the answer.
        (
            "notebook-feature",
            json!([{ "check": "agrees_with_column", "column": "notebook_prediction" }]),
            false,
            ["endpoints.pets.evaluation.checks[0]", "`ignored`"],
        ),
        // No such endpoint to compare with.
        (
            "unknown-endpoint",
            json!([{ "check": "no_worse_than_endpoint", "endpoint": "nowhere", "metric": "accuracy" }]),
            true,
            ["endpoints.pets.evaluation.checks", "`nowhere`"],
        ),
    ];
    for (name, checks, ignore_notebook, [field, what]) in unusable {
        let dir = scratch(name);
        let (port, nothing_sent) = untouched();
        let evaluation = json!({ "rows": "all", "batch_size": BATCH, "checks": checks });
        let endpoints = json!([endpoint("pets", port, Some(evaluation))]);
        let spec = write_spec(&dir, endpoints, ignore_notebook);
        let run = run(&spec, &[]);
        assert_one_line_error(&run.output, field);
        assert!(text(&run.output.stderr).contains(what), "{name}");
        assert!(nothing_sent(), "{name}: a request went out");
    }
    // A feature the data lacks.
    let dir = scratch("missing-feature");
    let (port, nothing_sent) = untouched();
    let evaluation = json!({ "rows": "all", "checks": [
        { "check": "metric_threshold", "metric": "accuracy", "threshold": 0.5 }
    ]});
    let mut pets = endpoint("pets", port, Some(evaluation));
    pets["features"] = json!(["a", "c"]);
    let spec = write_spec(&dir, json!([pets]), true);
    let run = run(&spec, &[]);
    assert_one_line_error(&run.output, "endpoints.pets.features");
    assert!(run.output.stderr.len() < 600 && text(&run.output.stderr).contains("`c`"));
    assert!(nothing_sent(), "a request went out");
}

/// Half the batches: a 401 whose body repeats the key; the other half: the key as the label.
fn echo_key(id: &str, rows: &[(f64, f64)], request: &Received) -> (u16, String) {
    let key = request.api_key.clone().unwrap_or_default();
    if id.ends_with(['0', '2', '4']) {
        (
            401,
            json!({ "detail": format!("bad key {key}") }).to_string(),
        )
    } else {
        labels(&vec![key.as_str(); rows.len()])
    }
}

#[test]
fn credentials_a_server_echoes_appear_in_no_output() {
    let dir = scratch("echo");
    let (port, _) = model_server(echo_key);
    let (other, _) = model_server(|_, _, request| {
        let token = request.authorization.clone().unwrap_or_default();
        (403, format!("token {token} refused"))
    });
    let evaluation = json!({ "rows": "all", "batch_size": BATCH, "checks": all_checks() });
    let mut production = endpoint("production", other, None);
    production["headers"] = json!([{ "name": "Authorization", "value": "Bearer ${env:AUTH}" }]);
    let spec = write_spec(
        &dir,
        json!([endpoint("pets", port, Some(evaluation)), production]),
        true,
    );
    let run = run(&spec, &[]);
    run.assert_no_check_passes();
    let failed = run.failed();
    assert_eq!(
        failed.iter().map(|(_, c, _)| c).sum::<u64>(),
        60,
        "{failed:?}"
    );
    assert!(
        failed
            .iter()
            .all(|(reason, _, _)| reason.contains("${env:MODEL_KEY}")),
        "the echoes are shown by reference: {failed:?}"
    );
    let compared = &run.evaluation()["compared"][0];
    assert!(compared.to_string().contains("${env:AUTH}"), "{compared}");
    for output in [
        &run.stdout,
        &text(&run.output.stderr),
        &run.json,
        &run.junit,
    ] {
        assert!(
            !output.contains("s3cret-key") && !output.contains("tok-0a1b2c3d"),
            "{output}"
        );
    }
}

#[test]
fn a_long_credential_a_server_echoes_is_not_shown_even_in_part() {
    let dir = scratch("long-echo");
    // A token as long as a JWT: excerpts of error bodies and predictions are cut short, and the
    // cut must not leave a piece of it in view.
    let token: String = (0..400)
        .map(|i| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[(i * 7 + i / 36) % 36]))
        .collect();
    let (port, _) = model_server(echo_key);
    let evaluation = json!({ "rows": "all", "batch_size": BATCH, "checks": [
        { "check": "agrees_with_column", "column": "notebook_prediction" }
    ]});
    let spec = write_spec(
        &dir,
        json!([endpoint("pets", port, Some(evaluation))]),
        true,
    );
    write(&dir, "model.env", &format!("MODEL_KEY={token}\n"));
    let run = run(&spec, &[]);
    assert_eq!(run.output.status.code(), Some(1), "{}", run.stdout);
    assert_eq!(run.evaluation()["answered"], 0, "{}", run.stdout);
    let pieces: Vec<&str> = (0..=token.len() - 8).map(|i| &token[i..i + 8]).collect();
    for output in [
        &run.stdout,
        &text(&run.output.stderr),
        &run.json,
        &run.junit,
    ] {
        let shown = pieces.iter().find(|piece| output.contains(*piece));
        assert!(shown.is_none(), "{shown:?} of the token is in {output}");
    }
}

#[test]
fn validate_counts_each_evaluations_rows_and_requests_and_sends_nothing() {
    let dir = scratch("validate");
    let (port, nothing_sent) = untouched();
    let evaluation = json!({ "rows": "all", "batch_size": BATCH, "checks": all_checks() });
    let mut production = endpoint("production", port, None);
    production["evaluation"] = json!({ "rows": "validation", "batch_size": 4, "checks": [
        { "check": "metric_threshold", "metric": "accuracy", "threshold": 0.5 }
    ]});
    let endpoints = json!([endpoint("pets", port, Some(evaluation)), production]);
    let spec = write_spec(&dir, endpoints, true);
    let validation_rows = {
        let spec = Spec::from_json(&std::fs::read_to_string(&spec).unwrap()).unwrap();
        let (_, prepared) = assay_engine::replay::load(&spec, csv()).unwrap();
        prepared.validation_rows.len()
    };
    let output = assay(&[Path::new("validate"), &spec]);
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        text(&output.stderr)
    );
    // `pets` sends its 60 rows in 6 batches, and again to `production`, which it is compared
    // with, in `production`'s batches of 4; `production` sends its validation rows 4 at a time.
    assert!(
        stdout.contains(&format!(
            "endpoint pets evaluates 60 rows in {} requests",
            ROWS / BATCH + ROWS.div_ceil(4)
        )) && stdout.contains(&format!(
            "endpoint production evaluates {validation_rows} rows in {} requests",
            validation_rows.div_ceil(4)
        )),
        "{validation_rows} validation rows: {stdout}"
    );

    // An evaluation that cannot run is refused by validate too.
    let mut pets = endpoint("pets", port, Some(json!({ "checks": all_checks() })));
    pets["features"] = json!(["a", "missing"]);
    let spec = write_spec(
        &dir,
        json!([pets, endpoint("production", port, None)]),
        true,
    );
    assert_one_line_error(
        &assay(&[Path::new("validate"), &spec]),
        "endpoints.pets.features",
    );
    assert!(nothing_sent(), "validate sent a request");
}
