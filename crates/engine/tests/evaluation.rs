//! The served model under test: an endpoint's evaluation sends the spec's rows in batches and
//! judges the answers with the engine's metrics. A fake Open Inference server (a function of
//! the request) stands in for the network; the CLI's tests use real servers.
//! Runs natively and as wasm in headless Chromium, so the page judges as CI does.

use crate::common;

use assay_engine::checks::Verdict;
use assay_engine::data::{ColumnKind, ColumnSchema};
use assay_engine::endpoint::evaluation::{EvaluationRows, FailedRows};
use assay_engine::endpoint::{
    EndpointSpec, EvaluationCheck, EvaluationReport, EvaluationSpec, Evaluator, MlflowFormat,
    Protocol, Request, Response, Transport,
};
use assay_engine::metrics::{self, Metric, MetricName};
use assay_engine::model::ModelSpec;
use assay_engine::replay;
use assay_engine::spec::{EndpointMetrics, Revision, Spec};
use assay_engine::train::TrainConfig;
use common::both;
use ndarray::Array2;
use serde_json::{Value, json};

/// The rule the "deployed model" follows.
fn rule(a: f64, b: f64) -> &'static str {
    if a > b { "dog" } else { "cat" }
}

/// 60 rows: the label follows the rule but for every seventh row; `notebook` holds the rule's
/// answer, as a notebook's offline predictions would.
fn csv() -> String {
    let mut text = String::from("a,b,notebook,label\n");
    for i in 0..60 {
        let (a, b) = (f64::from(i % 7), f64::from((i * 3) % 5) + 0.5);
        let predicted = rule(a, b);
        let label = if i % 7 == 3 {
            if predicted == "dog" { "cat" } else { "dog" }
        } else {
            predicted
        };
        text.push_str(&format!("{a},{b},{predicted},{label}\n"));
    }
    text
}

fn endpoint(name: &str, checks: Vec<EvaluationCheck>) -> EndpointSpec {
    EndpointSpec {
        name: name.into(),
        base_url: "http://127.0.0.1:9".into(),
        protocol: Protocol::OpenInference {
            output: None,
            input_name: None,
            input_datatype: None,
        },
        model: "pets".into(),
        version: None,
        headers: vec![],
        timeout_ms: 1_000,
        features: vec!["a".into(), "b".into()],
        cases: vec![],
        load: None,
        evaluation: (!checks.is_empty()).then_some(EvaluationSpec {
            rows: EvaluationRows::Validation,
            batch_size: 4,
            concurrency: 2,
            checks,
        }),
        serve: None,
    }
}

/// A spec on [`csv`] whose `notebook` column is not a feature, with these endpoints.
fn pets_spec(endpoints: Vec<EndpointSpec>) -> (Spec, String) {
    let csv = csv();
    let mut spec = Spec::authored(
        "pets",
        ("pets.csv", &csv),
        "label",
        ModelSpec::LogisticRegression,
        TrainConfig::default(),
    )
    .unwrap();
    spec.preprocessing.column_kinds.push(ColumnSchema {
        name: "notebook".into(),
        kind: ColumnKind::Ignored,
    });
    spec.endpoints = endpoints;
    spec.validate().unwrap();
    (spec, csv)
}

fn evaluator(spec: &Spec, csv: &str) -> Evaluator {
    let (table, prepared) = replay::load(spec, csv).unwrap();
    Evaluator::new(spec, &table, &prepared, &spec.endpoints[0])
        .unwrap()
        .unwrap()
}

fn answer(body: Value) -> Response {
    Response {
        status: 200,
        content_type: Some("application/json".into()),
        body: body.to_string(),
        latency_ms: 1.0,
        location: None,
    }
}

/// The rows of an Open Inference request: `(a, b)` per row.
fn rows_of(request: &Request) -> Vec<(f64, f64)> {
    let body: Value = serde_json::from_str(request.body.as_deref().unwrap()).unwrap();
    let input = &body["inputs"][0];
    let shape = input["shape"].as_array().unwrap();
    assert_eq!(shape[1], json!(2), "{body}");
    let data: Vec<f64> = input["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(data.len() as u64, 2 * shape[0].as_u64().unwrap());
    data.chunks(2).map(|r| (r[0], r[1])).collect()
}

/// An Open Inference answer with one value per row, `per_row` computed from each row.
fn open_inference(request: &Request, per_row: impl Fn(f64, f64) -> Value) -> Response {
    let rows = rows_of(request);
    let data: Vec<Value> = rows.iter().map(|&(a, b)| per_row(a, b)).collect();
    let width = data[0].as_array().map_or(1, Vec::len);
    let flat: Vec<Value> = data
        .into_iter()
        .flat_map(|v| match v {
            Value::Array(items) => items,
            other => vec![other],
        })
        .collect();
    answer(json!({
        "model_name": "pets",
        "outputs": [{ "name": "predict", "shape": [rows.len(), width], "datatype": "BYTES", "data": flat }],
    }))
}

type Answer = Option<Result<Response, Transport>>;

/// Every target's batches answered by `server(target index, batch index, request)`.
fn run(
    evaluator: &Evaluator,
    server: impl Fn(usize, usize, &Request) -> Answer,
) -> EvaluationReport {
    let answers: Vec<Vec<Answer>> = evaluator
        .targets()
        .iter()
        .enumerate()
        .map(|(t, target)| {
            target
                .batches
                .iter()
                .enumerate()
                .map(|(b, batch)| server(t, b, &batch.request))
                .collect()
        })
        .collect();
    evaluator.judge(&answers)
}

fn labels(request: &Request) -> Answer {
    Some(Ok(open_inference(request, |a, b| json!(rule(a, b)))))
}

fn verdict(report: &EvaluationReport, case: &str) -> (Verdict, String) {
    let outcome = report
        .checks
        .iter()
        .find(|c| c.case == case)
        .unwrap_or_else(|| panic!("no `{case}` in {:#?}", report.checks));
    (outcome.verdict, outcome.summary.clone())
}

fn metric(metrics: &[Metric], name: MetricName) -> f64 {
    metrics.iter().find(|m| m.name == name.id()).unwrap().value
}

both! {
fn a_faithful_server_passes_with_the_engines_own_metrics() {
    let (spec, csv) = pets_spec(vec![endpoint(
        "staging",
        vec![
            EvaluationCheck::MetricThreshold {
                metric: MetricName::Accuracy,
                threshold: 0.8,
            },
            EvaluationCheck::BeatsBaseline {
                metric: MetricName::Accuracy,
                margin: 0.0,
            },
            EvaluationCheck::AgreesWithColumn {
                column: "notebook".into(),
                min_agreement: 1.0,
                tolerance: 0.0,
                relative: false,
            },
        ],
    )]);
    let evaluator = evaluator(&spec, &csv);
    // 16 validation rows (a quarter of 60, split per class) in batches of 4.
    let n = evaluator.rows();
    assert_eq!(n, 16);
    assert_eq!(evaluator.targets()[0].batches.len(), 4);
    let report = run(&evaluator, |_, _, request| labels(request));
    assert!(report.passed(), "{:#?}", report.checks);
    assert_eq!((report.sent, report.answered), (n, n));
    assert_eq!(
        verdict(&report, "answers").1,
        "All 16 validation rows answered with labels."
    );

    // The same numbers as the engine's metrics on the same predictions, worked out here from
    // the prepared validation split.
    let (table, prepared) = replay::load(&spec, &csv).unwrap();
    let class = |label: &str| prepared.classes.iter().position(|c| c == label).unwrap();
    let (a, b) = (table.headers.iter().position(|h| h == "a").unwrap(), 1);
    let one_hot = Array2::from_shape_fn((n, 2), |(i, k)| {
        let row = prepared.validation_rows[i];
        let predicted = rule(
            table.cell(row, a).parse().unwrap(),
            table.cell(row, b).parse().unwrap(),
        );
        f64::from(u8::from(class(predicted) == k))
    });
    let expected = metrics::classification(one_hot.view(), &prepared.validation.target.to_vec(), 2);
    for name in [
        MetricName::Accuracy,
        MetricName::MacroF1,
        MetricName::BalancedAccuracy,
    ] {
        assert_eq!(
            metric(&report.metrics, name).to_bits(),
            expected.get(name).unwrap().to_bits()
        );
    }
    assert_eq!(report.confusion, expected.confusion);
    // Labels carry no probabilities: no log loss, and the report says why.
    assert!(report.metrics.iter().all(|m| m.name != "log_loss"));
    assert!(report.notes[0].contains("log loss and ROC AUC need probabilities"));
}

fn a_worse_challenger_and_a_skewed_server_fail_their_checks() {
    let staging = endpoint(
        "staging",
        vec![
            EvaluationCheck::NoWorseThanEndpoint {
                endpoint: "production".into(),
                metric: MetricName::Accuracy,
                tolerance: 0.0,
            },
            EvaluationCheck::AgreesWithColumn {
                column: "notebook".into(),
                min_agreement: 0.99,
                tolerance: 0.0,
                relative: false,
            },
        ],
    );
    let (spec, csv) = pets_spec(vec![staging, endpoint("production", vec![])]);
    let evaluator = evaluator(&spec, &csv);
    assert_eq!(evaluator.targets().len(), 2);
    // Production follows the rule; staging always says "cat".
    let report = run(&evaluator, |t, _, request| {
        if t == 1 {
            labels(request)
        } else {
            Some(Ok(open_inference(request, |_, _| json!("cat"))))
        }
    });
    let (v, summary) = verdict(&report, "no_worse_than_endpoint production accuracy");
    assert_eq!(v, Verdict::Fail, "{summary}");
    assert!(summary.contains("from `production`"), "{summary}");
    let (v, summary) = verdict(&report, "agrees_with_column notebook");
    assert_eq!(v, Verdict::Fail, "{summary}");
    assert!(
        summary.contains("served cat, notebook \"dog\""),
        "{summary}"
    );
    assert_eq!(report.compared[0].endpoint, "production");
    // The other way round, staging is no worse.
    let report = run(&evaluator, |_, _, request| labels(request));
    assert_eq!(
        verdict(&report, "no_worse_than_endpoint production accuracy").0,
        Verdict::Pass
    );
}

fn failed_rows_are_counted_grouped_and_named_never_judged_as_answers() {
    let (spec, csv) = pets_spec(vec![endpoint(
        "staging",
        vec![EvaluationCheck::MetricThreshold {
            metric: MetricName::Accuracy,
            threshold: 0.0,
        }],
    )]);
    let evaluator = evaluator(&spec, &csv);
    let lines: Vec<u64> = {
        let (_, prepared) = replay::load(&spec, &csv).unwrap();
        // One line per row after the header's.
        prepared
            .validation_rows
            .iter()
            .map(|&r| r as u64 + 2)
            .collect()
    };
    let report = run(&evaluator, |_, b, request| match b {
        1 => Some(Ok(Response {
            status: 500,
            content_type: Some("application/json".into()),
            body: r#"{"error":"model crashed"}"#.into(),
            latency_ms: 1.0,
            location: None,
        })),
        2 => Some(Err(Transport::Timeout)),
        // One row's answer is not a class.
        3 => Some(Ok(open_inference(request, |a, _| {
            if a == 0.0 {
                json!("bird")
            } else {
                json!("cat")
            }
        }))),
        _ => labels(request),
    });
    assert!(!report.passed());
    let groups: Vec<(&str, usize)> = report
        .failed
        .iter()
        .map(|g| (g.reason.as_str(), g.count))
        .collect();
    assert_eq!(groups[0].1, 4, "{groups:?}");
    assert!(groups[0].0.contains("HTTP 500") && groups[0].0.contains("model crashed"));
    assert_eq!(groups[1], ("No answer within 1000 ms.", 4));
    assert_eq!(report.failed[0].lines, lines[4..8].to_vec());
    let (v, summary) = verdict(&report, "answers");
    assert_eq!(v, Verdict::Fail);
    assert!(summary.starts_with("9 of 16 rows failed"), "{summary}");
    let (v, summary) = verdict(&report, "metric_threshold accuracy");
    assert_eq!(v, Verdict::Fail);
    assert!(summary.starts_with("Not judged:"), "{summary}");

    // A batch answered with one prediction fewer than the rows sent fails those rows.
    let report = run(&evaluator, |_, b, request| {
        if b == 0 {
            Some(Ok(answer(
                json!({"outputs": [{"name": "p", "shape": [3, 1], "datatype": "BYTES", "data": ["cat", "cat", "cat"]}]}),
            )))
        } else {
            labels(request)
        }
    });
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].count, 4);
    assert!(
        report.failed[0]
            .reason
            .contains("does not start with the 4 rows sent"),
        "{:?}",
        report.failed
    );
    // Requests never sent (cancelled) fail their rows too.
    let report = run(
        &evaluator,
        |_, b, request| if b < 2 { labels(request) } else { None },
    );
    assert_eq!(report.answered, 8);
    assert!(report.failed[0].reason.contains("stopped first"));
}

fn unreadable_predictions_are_named_by_line() {
    let (spec, csv) = pets_spec(vec![endpoint(
        "staging",
        vec![EvaluationCheck::MetricThreshold {
            metric: MetricName::Accuracy,
            threshold: 0.0,
        }],
    )]);
    let evaluator = evaluator(&spec, &csv);
    let report = run(&evaluator, |_, b, request| {
        if b == 0 {
            Some(Ok(open_inference(request, |_, _| json!("bird"))))
        } else {
            labels(request)
        }
    });
    let FailedRows {
        reason,
        count,
        lines,
    } = &report.failed[0];
    assert_eq!(*count, 4);
    assert_eq!(
        reason,
        "the prediction \"bird\" is not one of the classes cat, dog"
    );
    assert_eq!(lines.len(), 4);
    assert!(
        verdict(&report, "answers")
            .1
            .contains(&format!("lines {}", lines[0]))
    );
}

fn probabilities_give_log_loss_and_labels_say_it_needs_them() {
    let checks = vec![EvaluationCheck::MetricThreshold {
        metric: MetricName::LogLoss,
        threshold: 0.7,
    }];
    let (spec, csv) = pets_spec(vec![endpoint("staging", checks)]);
    let evaluator = evaluator(&spec, &csv);
    let report = run(&evaluator, |_, _, request| {
        Some(Ok(open_inference(request, |a, b| {
            if rule(a, b) == "dog" {
                json!([0.2, 0.8])
            } else {
                json!([0.9, 0.1])
            }
        })))
    });
    assert_eq!(
        report.answer_kind,
        Some(assay_engine::endpoint::evaluation::AnswerKind::Probabilities)
    );
    assert!(report.passed(), "{:#?}", report.checks);
    assert!(metric(&report.metrics, MetricName::RocAuc) > 0.5);
    let report = run(&evaluator, |_, _, request| labels(request));
    let (v, summary) = verdict(&report, "metric_threshold log_loss");
    assert_eq!(v, Verdict::Fail);
    assert!(
        summary.contains("log_loss needs class probabilities"),
        "{summary}"
    );
}

fn no_regression_compares_with_the_latest_revision_that_recorded_the_endpoint() {
    let checks = vec![EvaluationCheck::NoRegression {
        metric: MetricName::Accuracy,
        tolerance: 0.01,
        relative: false,
    }];
    let (mut spec, csv) = pets_spec(vec![endpoint("staging", checks)]);
    let first = run(&evaluator(&spec, &csv), |_, _, request| labels(request));
    assert_eq!(first.checks[1].verdict, Verdict::Pass);
    assert!(first.checks[1].summary.contains("becomes the reference"));
    let accuracy = metric(&first.metrics, MetricName::Accuracy);
    let recorded = |value: f64| Revision {
        revision: 1,
        metrics: vec![],
        endpoints: vec![EndpointMetrics {
            endpoint: "staging".into(),
            metrics: vec![Metric::new("accuracy", value)],
        }],
    };
    spec.history = vec![recorded(accuracy + 0.005)];
    let held = run(&evaluator(&spec, &csv), |_, _, request| labels(request));
    assert_eq!(
        held.checks[1].verdict,
        Verdict::Pass,
        "{}",
        held.checks[1].summary
    );
    spec.history = vec![recorded(accuracy + 0.02)];
    let dropped = run(&evaluator(&spec, &csv), |_, _, request| labels(request));
    assert_eq!(dropped.checks[1].verdict, Verdict::Fail);
    assert!(
        dropped.checks[1].summary.contains("in revision 1"),
        "{}",
        dropped.checks[1].summary
    );
}

fn regression_answers_are_numbers_judged_within_a_tolerance() {
    let csv = "x,notebook,y\n".to_owned()
        + &(0..40)
            .map(|i| format!("{i},{},{}\n", 2.0 * f64::from(i) + 0.01, 2 * i + (i % 3)))
            .collect::<String>();
    let mut spec = Spec::authored(
        "line",
        ("line.csv", &csv),
        "y",
        ModelSpec::LinearRegression,
        TrainConfig::default(),
    )
    .unwrap();
    spec.preprocessing.column_kinds.push(ColumnSchema {
        name: "notebook".into(),
        kind: ColumnKind::Ignored,
    });
    let mut staging = endpoint(
        "staging",
        vec![
            EvaluationCheck::AgreesWithColumn {
                column: "notebook".into(),
                min_agreement: 1.0,
                tolerance: 0.02,
                relative: false,
            },
            EvaluationCheck::MetricThreshold {
                metric: MetricName::Rmse,
                threshold: 2.0,
            },
        ],
    );
    staging.features = vec!["x".into()];
    staging.protocol = Protocol::Mlflow {
        format: MlflowFormat::DataframeSplit,
    };
    if let Some(e) = &mut staging.evaluation {
        e.rows = EvaluationRows::All;
    }
    spec.endpoints = vec![staging];
    spec.validate().unwrap();
    let evaluator = evaluator(&spec, &csv);
    assert_eq!(evaluator.rows(), 40);
    let mlflow = |request: &Request, slope: f64| -> Answer {
        let body: Value = serde_json::from_str(request.body.as_deref().unwrap()).unwrap();
        let predictions: Vec<f64> = body["dataframe_split"]["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| slope * row[0].as_f64().unwrap())
            .collect();
        Some(Ok(answer(json!({ "predictions": predictions }))))
    };
    let report = run(&evaluator, |_, _, r| mlflow(r, 2.0));
    assert!(report.passed(), "{:#?}", report.checks);
    assert_eq!(report.predicted_vs_actual.len(), 40);
    // Served values off by 2 % of x disagree with the notebook beyond 0.02 for most rows.
    let report = run(&evaluator, |_, _, r| mlflow(r, 2.02));
    let (v, summary) = verdict(&report, "agrees_with_column notebook");
    assert_eq!(v, Verdict::Fail, "{summary}");
    assert!(summary.contains("within 0.02"), "{summary}");
}

fn an_evaluation_that_cannot_run_is_refused_with_the_field_named() {
    let agrees = || EvaluationCheck::AgreesWithColumn {
        column: "notebook".into(),
        min_agreement: 1.0,
        tolerance: 0.0,
        relative: false,
    };
    // The notebook's predictions as a feature would teach the model the answer.
    let (mut spec, csv) = pets_spec(vec![endpoint("staging", vec![agrees()])]);
    spec.preprocessing.column_kinds.clear();
    let (table, prepared) = replay::load(&spec, &csv).unwrap();
    let error = Evaluator::new(&spec, &table, &prepared, &spec.endpoints[0]).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("endpoints.staging.evaluation.checks[0]"),
        "{error}"
    );
    assert!(
        error.to_string().contains("set its kind to `ignored`"),
        "{error}"
    );
    // A feature the data lacks.
    let (mut spec, csv) = pets_spec(vec![endpoint("staging", vec![agrees()])]);
    spec.endpoints[0].features[1] = "c".into();
    let (table, prepared) = replay::load(&spec, &csv).unwrap();
    let error = Evaluator::new(&spec, &table, &prepared, &spec.endpoints[0]).unwrap_err();
    assert!(
        error.to_string().contains("endpoints.staging.features"),
        "{error}"
    );
    // Settings refused by validation.
    let refused = |check: EvaluationCheck| {
        let (mut spec, _) = pets_spec(vec![endpoint("staging", vec![agrees()])]);
        spec.endpoints[0].evaluation.as_mut().unwrap().checks = vec![check];
        spec.validate().unwrap_err().to_string()
    };
    assert!(
        refused(EvaluationCheck::MetricThreshold {
            metric: MetricName::Rmse,
            threshold: 1.0
        })
        .contains("not a metric of binary classification")
    );
    assert!(
        refused(EvaluationCheck::MetricThreshold {
            metric: MetricName::Accuracy,
            threshold: 1.5
        })
        .contains("threshold 1.5")
    );
    assert!(
        refused(EvaluationCheck::NoWorseThanEndpoint {
            endpoint: "prod".into(),
            metric: MetricName::Accuracy,
            tolerance: 0.0
        })
        .contains("`prod`, which is not another endpoint")
    );
    assert!(
        refused(EvaluationCheck::AgreesWithColumn {
            column: "notebook".into(),
            min_agreement: 2.0,
            tolerance: 0.0,
            relative: false
        })
        .contains("min_agreement")
    );
    let (mut spec, _) = pets_spec(vec![endpoint("staging", vec![agrees()])]);
    spec.endpoints[0].evaluation.as_mut().unwrap().batch_size = 0;
    assert!(
        spec.validate()
            .unwrap_err()
            .to_string()
            .contains("batch_size")
    );
}

fn a_gap_where_the_tensor_needs_a_number_fails_that_row_without_a_request() {
    let mut csv = csv();
    csv = csv.replacen("\n0,0.5,", "\n0,,", 1);
    let mut spec = Spec::authored(
        "pets",
        ("pets.csv", &csv),
        "label",
        ModelSpec::LogisticRegression,
        TrainConfig::default(),
    )
    .unwrap();
    spec.preprocessing.column_kinds.push(ColumnSchema {
        name: "notebook".into(),
        kind: ColumnKind::Ignored,
    });
    spec.preprocessing.missing = assay_engine::data::MissingValues::Impute(Default::default());
    let mut staging = endpoint(
        "staging",
        vec![EvaluationCheck::MetricThreshold {
            metric: MetricName::Accuracy,
            threshold: 0.0,
        }],
    );
    staging.evaluation.as_mut().unwrap().rows = EvaluationRows::All;
    spec.endpoints = vec![staging];
    let evaluator = evaluator(&spec, &csv);
    assert_eq!(evaluator.targets()[0].unsendable.len(), 1);
    let report = run(&evaluator, |_, _, request| labels(request));
    assert_eq!(
        report.failed[0].reason,
        "not sent: a missing value in `b` cannot be sent as FP64"
    );
    assert_eq!(report.failed[0].lines, vec![2]);
}
}

both! {
    fn an_evaluation_written_with_only_its_checks_takes_the_documented_defaults() {
        let evaluation: EvaluationSpec = serde_json::from_value(json!({
            "checks": [{ "check": "agrees_with_column", "column": "notebook" }],
        }))
        .unwrap();
        assert_eq!(evaluation.rows, EvaluationRows::Validation);
        assert_eq!((evaluation.batch_size, evaluation.concurrency), (32, 4));
        assert_eq!(
            evaluation.checks[0],
            EvaluationCheck::AgreesWithColumn {
                column: "notebook".into(),
                min_agreement: 1.0,
                tolerance: 0.0,
                relative: false,
            }
        );
    }
}

both! {
    fn an_evaluation_holds_at_most_twenty_checks_and_only_finite_tolerances() {
        let threshold = || EvaluationCheck::MetricThreshold { metric: MetricName::Accuracy, threshold: 0.5 };
        let validated = |checks: Vec<EvaluationCheck>| {
            let (mut spec, _) = pets_spec(vec![endpoint("staging", vec![threshold()])]);
            spec.endpoints[0].evaluation.as_mut().unwrap().checks = checks;
            spec.validate().map_err(|e| e.to_string())
        };
        assert!(validated(vec![threshold(); 20]).is_ok());
        assert!(validated(vec![threshold(); 21]).unwrap_err().contains("at most 20"));
        for tolerance in [f64::NAN, f64::INFINITY, -0.5] {
            let check = EvaluationCheck::NoRegression { metric: MetricName::Accuracy, tolerance, relative: false };
            assert!(validated(vec![check]).unwrap_err().contains("tolerance must be a number of at least 0"), "{tolerance}");
        }
        let margin = EvaluationCheck::BeatsBaseline { metric: MetricName::Accuracy, margin: f64::NAN };
        assert!(validated(vec![margin]).unwrap_err().contains("margin"));
    }
}

both! {
    fn many_failed_rows_are_counted_in_full_but_named_only_ten_at_a_time() {
        let mut staging = endpoint(
            "staging",
            vec![EvaluationCheck::MetricThreshold { metric: MetricName::Accuracy, threshold: 0.0 }],
        );
        staging.evaluation.as_mut().unwrap().rows = EvaluationRows::All;
        let (spec, csv) = pets_spec(vec![staging]);
        let evaluator = evaluator(&spec, &csv);
        assert_eq!(evaluator.rows(), 60);
        let report = run(&evaluator, |_, _, _| Some(Err(Transport::ConnectionRefused)));
        assert_eq!(report.failed.len(), 1);
        assert_eq!(report.failed[0].count, 60);
        assert_eq!(report.failed[0].lines, (2..12).collect::<Vec<u64>>());
        let (_, summary) = verdict(&report, "answers");
        assert!(summary.starts_with("60 of 60 rows failed: Connection refused: nothing listens at http://127.0.0.1:9 (60 rows: lines 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, …)."), "{summary}");
        assert_eq!(report.answer_kind, None);
        assert!(report.metrics.is_empty());
    }

    fn a_numeric_notebook_column_may_be_matched_relatively() {
        let csv = "x,notebook,y\n".to_owned()
            + &(1..=40).map(|i| format!("{i},{},{}\n", 100.0 * f64::from(i), 100 * i + (i % 3))).collect::<String>();
        let mut spec = Spec::authored("line", ("line.csv", &csv), "y", ModelSpec::LinearRegression, TrainConfig::default()).unwrap();
        spec.preprocessing.column_kinds.push(ColumnSchema { name: "notebook".into(), kind: ColumnKind::Ignored });
        let relative = |tolerance: f64| {
            let mut staging = endpoint("staging", vec![EvaluationCheck::AgreesWithColumn {
                column: "notebook".into(), min_agreement: 1.0, tolerance, relative: true,
            }]);
            staging.features = vec!["x".into()];
            staging.protocol = Protocol::Mlflow { format: MlflowFormat::Instances };
            let mut spec = spec.clone();
            spec.endpoints = vec![staging];
            let evaluator = evaluator(&spec, &csv);
            // The server answers 1 % above the notebook.
            run(&evaluator, |_, _, request| {
                let body: Value = serde_json::from_str(request.body.as_deref().unwrap()).unwrap();
                let predictions: Vec<f64> = body["instances"].as_array().unwrap().iter().map(|r| 101.0 * r[0].as_f64().unwrap()).collect();
                Some(Ok(answer(json!({ "predictions": predictions }))))
            })
        };
        assert_eq!(relative(0.02).checks[1].verdict, Verdict::Pass, "{}", relative(0.02).checks[1].summary);
        let tight = relative(0.005);
        assert_eq!(tight.checks[1].verdict, Verdict::Fail);
        assert!(tight.checks[1].summary.contains("within 0.005 of the notebook's value, relatively"), "{}", tight.checks[1].summary);
    }
}

both! {
    fn requests_follow_the_batch_size_except_for_generic_json_and_category_cells_stay_text() {
        let (spec, csv) = pets_spec(vec![endpoint(
            "staging",
            vec![EvaluationCheck::MetricThreshold { metric: MetricName::Accuracy, threshold: 0.0 }],
        )]);
        let batched = evaluator(&spec, &csv);
        // 16 rows, 4 a request, 2 at once.
        assert_eq!((batched.requests(), batched.concurrency()), (4, 2));
        let mut generic = spec.clone();
        generic.endpoints[0].protocol = Protocol::GenericJson {
            path: "/predict".into(),
            request: json!({ "row": "{{row}}" }),
            prediction_pointer: "/y".into(),
            readiness_path: None,
        };
        let one_by_one = evaluator(&generic, &csv);
        assert_eq!(one_by_one.requests(), 16);
        let body: Value = serde_json::from_str(one_by_one.targets()[0].batches[0].request.body.as_deref().unwrap()).unwrap();
        assert_eq!(body["row"].as_array().unwrap().len(), 2);

        // A categorical column keeps its text even where it looks like a number ("007").
        let mut coded = spec.clone();
        let csv = csv.replace("\n0,", "\n007,");
        coded.dataset = assay_engine::spec::DatasetSpec::from_csv("pets.csv", &csv, 60);
        coded.preprocessing.column_kinds.push(ColumnSchema { name: "a".into(), kind: ColumnKind::Categorical });
        // MLflow's named columns carry each value's own type (a tensor has one for all).
        coded.endpoints[0].protocol = Protocol::Mlflow { format: MlflowFormat::DataframeSplit };
        let sent: Vec<Value> = evaluator(&coded, &csv).targets()[0]
            .batches
            .iter()
            .flat_map(|b| {
                let body: Value = serde_json::from_str(b.request.body.as_deref().unwrap()).unwrap();
                body["dataframe_split"]["data"].as_array().unwrap().iter().flat_map(|r| r.as_array().unwrap().clone()).collect::<Vec<_>>()
            })
            .collect();
        assert!(sent.iter().any(|v| v == &json!("007")), "{sent:?}");
        assert!(sent.iter().any(|v| v == &json!(3.5)), "numbers stay numbers: {sent:?}");
    }
}
