//! "Evaluate on the dataset" end to end: the built app in real headless Chromium evaluates a
//! loopback Open Inference server on the sample's validation rows, shows the served metrics
//! beside the browser model's and the checks as cards, exports, and `assay run` measures the
//! same served metrics from the exported spec.
//!
//! Screenshots go to `target/e2e-screenshots/evaluation-*.png`. Needs a built app
//! (`ASSAY_DIST`), Chromium and chromedriver, hence ignored under a bare `cargo test`.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use assay_engine::endpoint::Response;
use assay_engine::endpoint::evaluation::Evaluator;
use assay_engine::metrics::Metric;
use assay_engine::replay;
use assay_engine::spec::Spec;
use common::web::{
    all, assay, assert_accessible, browser, by_test_id, choose, click, dist, export_spec,
    save_screenshot, scratch, scroll_to, serve_app, text, text_until, type_into,
};
use fantoccini::Locator;
use serde_json::{Value, json};

/// How the loopback model server behaves.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// Answers every batch.
    Answers,
    /// Answers 500 to a batch holding a row with a mean radius over 20.
    FailsLargeTumours,
}

/// A model's rule: malignant when the mean radius (the first feature) is over 15.
fn labels_for(body: &Value) -> Result<Vec<&'static str>, String> {
    let input = &body["inputs"][0];
    let columns = input["shape"][1].as_u64().ok_or("no shape")? as usize;
    let data = input["data"].as_array().ok_or("no data")?;
    Ok(data
        .chunks(columns.max(1))
        .map(|row| {
            if row[0].as_f64().unwrap_or(0.0) > 15.0 {
                "malignant"
            } else {
                "benign"
            }
        })
        .collect())
}

/// The answer to one Open Inference batch request, as the server sends it.
fn answer(body: &str, mode: Mode) -> (u16, String) {
    let Ok(body) = serde_json::from_str::<Value>(body) else {
        return (400, r#"{"error": "not JSON"}"#.into());
    };
    let Ok(labels) = labels_for(&body) else {
        return (400, r#"{"error": "no input tensor"}"#.into());
    };
    let large = body["inputs"][0]["data"]
        .as_array()
        .into_iter()
        .flatten()
        .step_by(body["inputs"][0]["shape"][1].as_u64().unwrap_or(1) as usize)
        .any(|v| v.as_f64().unwrap_or(0.0) > 20.0);
    if mode == Mode::FailsLargeTumours && large {
        return (500, r#"{"error": "model crashed"}"#.into());
    }
    let answer = json!({
        "id": body["id"],
        "model_name": "model",
        "outputs": [{"name": "predict", "shape": [labels.len(), 1], "datatype": "BYTES", "data": labels}],
    });
    (200, answer.to_string())
}

/// A gate the server waits at before answering a batch, until the test opens it.
type Gate = Arc<(Mutex<bool>, Condvar)>;

/// An Open Inference model server on 127.0.0.1 that sends CORS headers; each batch waits at
/// `gate` (when given) before it is answered.
fn start_model_server(mode: Mode, gate: Option<Gate>) -> String {
    start_server(mode, gate, true)
}

fn start_server(mode: Mode, gate: Option<Gate>, cors: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let gate = gate.clone();
            std::thread::spawn(move || serve(stream, mode, gate, cors));
        }
    });
    format!("http://127.0.0.1:{port}")
}

fn serve(mut stream: TcpStream, mode: Mode, gate: Option<Gate>, cors: bool) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).is_err() || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (status, text) = match (method, path) {
        ("OPTIONS", _) => (204, String::new()),
        ("GET", p) if p.ends_with("/ready") => (200, String::new()),
        ("GET", "/v2/models/model") => (
            200,
            r#"{"name": "model", "inputs": [], "outputs": []}"#.to_owned(),
        ),
        ("POST", "/v2/models/model/infer") => {
            if let Some(gate) = &gate {
                let (open, opened) = &**gate;
                let mut open = open.lock().unwrap();
                while !*open {
                    open = opened.wait(open).unwrap();
                }
            }
            answer(&String::from_utf8_lossy(&body), mode)
        }
        _ => (404, r#"{"error": "no such route"}"#.to_owned()),
    };
    let cors = if cors {
        "Access-Control-Allow-Origin: *\r\nAccess-Control-Allow-Methods: GET, POST, OPTIONS\r\n\
         Access-Control-Allow-Headers: content-type\r\n"
    } else {
        ""
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n{cors}\
         Content-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
}

/// The served metrics the engine computes from this server's answers to `spec`'s evaluation,
/// with no HTTP in between: what the page and the CLI must both show.
fn expected_metrics(spec: &Spec) -> Vec<Metric> {
    let csv = spec.dataset.csv.as_deref().unwrap();
    let (table, prepared) = replay::load(spec, csv).unwrap();
    let evaluator = Evaluator::new(spec, &table, &prepared, &spec.endpoints[0])
        .unwrap()
        .unwrap();
    let answers: Vec<Vec<_>> = evaluator
        .targets()
        .iter()
        .map(|target| {
            target
                .batches
                .iter()
                .map(|batch| {
                    let (status, body) =
                        answer(batch.request.body.as_deref().unwrap(), Mode::Answers);
                    Some(Ok(Response {
                        status,
                        content_type: Some("application/json".into()),
                        body,
                        latency_ms: 1.0,
                        location: None,
                    }))
                })
                .collect()
        })
        .collect();
    evaluator.judge(&answers).metrics
}

/// Clicks the element `css` selects.
async fn click_in(client: &fantoccini::Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Waits until nothing matches `css`, as the page removes it.
async fn wait_gone(client: &fantoccini::Client, css: &str) {
    let start = std::time::Instant::now();
    while !all(client, css).await.is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{css} is still there"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The text of every element matching `css`.
async fn texts(client: &fantoccini::Client, css: &str) -> Vec<String> {
    let mut texts = Vec::new();
    for element in all(client, css).await {
        texts.push(element.text().await.unwrap());
    }
    texts
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs the built app, Chromium and chromedriver: run it with `cargo xtask test`"]
async fn the_served_model_is_evaluated_in_the_page_and_assay_run_measures_the_same() {
    let gate: Gate = Arc::new((Mutex::new(false), Condvar::new()));
    let held = start_model_server(Mode::Answers, Some(Arc::clone(&gate)));
    let failing = start_model_server(Mode::FailsLargeTumours, None);
    let good = start_model_server(Mode::Answers, None);
    let downloads = scratch("evaluation-downloads");
    let (_server, url) = serve_app(&dist(), &[]);
    let (_driver, client) = browser(&downloads, "evaluation-profile").await;

    client.goto(&url).await.unwrap();
    click(&client, "run-all").await;
    assert_eq!(text(&client, "fingerprint").await.len(), 64);
    scroll_to(&client, "evaluation").await;
    click(&client, "add-evaluation").await;
    // The default bar is on accuracy; a trivial baseline is added beside it. Metrics are the
    // task's only: a classifier is not offered R².
    let metrics = texts(&client, "[data-testid='evaluation-0-metric'] option").await;
    assert!(metrics.contains(&"accuracy".to_owned()), "{metrics:?}");
    assert!(!metrics.iter().any(|m| m == "r2"), "{metrics:?}");
    choose(&client, "evaluation-new-check", "beats_baseline").await;
    click(&client, "add-evaluation-check").await;
    by_test_id(&client, "evaluation-check-1").await;
    // Champion/challenger needs a second endpoint, which this spec has not: the page says so.
    choose(&client, "evaluation-new-check", "no_worse_than_endpoint").await;
    click(&client, "add-evaluation-check").await;
    assert!(
        text(&client, "evaluation-add-error")
            .await
            .contains("second endpoint")
    );
    // The notebook's column: none is ignored in this data, so the first one offered is a
    // feature, and the field says how to fix it. A typed value the spec cannot take blocks
    // Evaluate, which would otherwise evaluate the last valid one.
    choose(&client, "evaluation-new-check", "agrees_with_column").await;
    click(&client, "add-evaluation-check").await;
    let problem = text(&client, "evaluation-column-error").await;
    assert!(problem.contains("set its kind to Ignored"), "{problem}");
    by_test_id(&client, "ignore-column").await;
    type_into(&client, "evaluation-0-threshold", "1.5").await;
    let refused = text(&client, "evaluation-0-threshold-error").await;
    assert!(refused.contains("from"), "{refused}");
    scroll_to(&client, "evaluation").await;
    save_screenshot("evaluation-settings", &client.screenshot().await.unwrap());
    assert_accessible(&client, "evaluation settings with field errors").await;
    click(&client, "evaluate").await;
    let blocked = text(&client, "evaluation-error").await;
    assert!(blocked.starts_with("Fix "), "{blocked}");
    type_into(&client, "evaluation-0-threshold", "0.8").await;
    click_in(
        &client,
        "[data-testid='evaluation-check-2'] [data-testid='remove-evaluation-check']",
    )
    .await;
    wait_gone(&client, "[data-testid='evaluation-check-2']").await;

    // A server that holds its answers: the progress bar shows, and Cancel stops the run.
    type_into(&client, "endpoint-url", &held).await;
    click(&client, "evaluate").await;
    by_test_id(&client, "cancel-evaluation").await;
    assert!(
        by_test_id(&client, "progress")
            .await
            .is_displayed()
            .await
            .unwrap()
    );
    click(&client, "cancel-evaluation").await;
    let cancelled = text_until(&client, "evaluation-error", |t| t.contains("cancelled")).await;
    assert!(
        cancelled.starts_with("Evaluation cancelled after 0 of "),
        "{cancelled}"
    );
    {
        let (open, opened) = &*gate;
        *open.lock().unwrap() = true;
        opened.notify_all();
    }

    // A server that fails some batches: the rows are counted and grouped, nothing passes.
    type_into(&client, "endpoint-url", &failing).await;
    click(&client, "evaluate").await;
    let summary = text_until(&client, "evaluation-summary", |t| t.contains("rows failed")).await;
    assert!(summary.contains("HTTP 500"), "{summary}");
    let failed = text(&client, "evaluation-failed").await;
    assert!(
        failed.contains("model crashed") && failed.contains("line"),
        "{failed}"
    );
    let verdicts = texts(&client, "[data-testid='evaluation-verdict']").await;
    assert_eq!(verdicts, ["Fail", "Fail", "Fail"]);
    assert_accessible(&client, "an evaluation with failed rows").await;
    scroll_to(&client, "evaluation-results").await;
    save_screenshot("evaluation-failed", &client.screenshot().await.unwrap());

    // Another server: those results are another spec's now, and say so.
    type_into(&client, "endpoint-url", &good).await;
    by_test_id(&client, "evaluation-stale").await;
    click(&client, "evaluate").await;
    let summary = text_until(&client, "evaluation-summary", |t| t.starts_with("All ")).await;
    assert!(
        summary.contains("validation rows answered with labels"),
        "{summary}"
    );
    assert!(
        all(&client, "[data-testid='evaluation-stale']")
            .await
            .is_empty()
    );
    let recorded = text(&client, "evaluation-recorded").await;
    assert!(recorded.starts_with("Export records these"), "{recorded}");
    let verdicts = texts(&client, "[data-testid='evaluation-verdict']").await;
    assert_eq!(verdicts, ["Pass", "Pass", "Pass"]);
    let cards = texts(&client, "[data-testid='evaluation-card']").await;
    assert!(cards[1].contains("Why it matters"), "{}", cards[1]);
    by_test_id(&client, "confusion-matrix").await;
    let headers = texts(&client, "[data-testid='evaluation-metrics'] thead th").await;
    assert_eq!(
        headers,
        [
            "Metric",
            "Served by model-server",
            "Browser model (validation rows)"
        ]
    );
    let accuracy_row = client
        .find(Locator::Css(
            "[data-testid='evaluation-metrics'] tr[data-metric='accuracy']",
        ))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_accessible(&client, "an evaluation that passed").await;
    scroll_to(&client, "evaluation-results").await;
    save_screenshot("evaluation-passed", &client.screenshot().await.unwrap());
    scroll_to(&client, "evaluation-cards").await;
    save_screenshot("evaluation-cards", &client.screenshot().await.unwrap());

    // A reload keeps them, still current.
    client.refresh().await.unwrap();
    let summary = text(&client, "evaluation-summary").await;
    assert!(summary.starts_with("All "), "{summary}");
    assert!(
        all(&client, "[data-testid='evaluation-stale']")
            .await
            .is_empty()
    );

    // The export carries the evaluation and records the served metrics the page measured.
    let (spec_path, spec_text) = export_spec(&client, &downloads).await;
    let spec = Spec::from_json(&spec_text).unwrap();
    let expected = expected_metrics(&spec);
    let accuracy = expected
        .iter()
        .find(|m| m.name == "accuracy")
        .unwrap()
        .value;
    assert!(
        accuracy_row.contains(&format!("{accuracy:.4}")),
        "{accuracy_row} vs {accuracy}"
    );
    let recorded = &spec.recorded.as_ref().unwrap().endpoints;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].endpoint, "model-server");
    assert_eq!(recorded[0].metrics, expected);
    assert_eq!(
        spec.endpoints[0].evaluation.as_ref().unwrap().checks.len(),
        2
    );
    client.close().await.unwrap();

    // CI evaluates the exported spec against the same server and measures the same metrics.
    let report = downloads.join("report.json");
    let output = assay(&[
        "run".as_ref(),
        "--only".as_ref(),
        "endpoints".as_ref(),
        "--json".as_ref(),
        report.as_os_str(),
        spec_path.as_os_str(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let evaluation = &report[0]["endpoints"][0]["evaluation"];
    let measured: Vec<Metric> = serde_json::from_value(evaluation["metrics"].clone()).unwrap();
    assert_eq!(measured, recorded[0].metrics, "{evaluation}");
    let verdicts: Vec<&str> = evaluation["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["pass", "pass", "pass"]);
}

/// Run all, add an evaluation, point it at `server` and evaluate.
async fn evaluate_against(client: &fantoccini::Client, url: &str, server: &str) {
    client.goto(url).await.unwrap();
    click(client, "run-all").await;
    assert_eq!(text(client, "fingerprint").await.len(), 64);
    click(client, "add-evaluation").await;
    type_into(client, "endpoint-url", server).await;
    click(client, "evaluate").await;
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs the built app, Chromium and chromedriver: run it with `cargo xtask test`"]
async fn an_evaluation_blocked_by_cors_goes_through_the_relay() {
    let without_cors = start_server(Mode::Answers, None, false);
    let downloads = scratch("evaluation-relay-downloads");

    // Served without a spec: CORS blocks every batch, and the page says how to get past it.
    let (_server, url) = serve_app(&dist(), &[]);
    let (_driver, client) = browser(&downloads, "evaluation-relay-profile").await;
    evaluate_against(&client, &url, &without_cors).await;
    let summary = text_until(&client, "evaluation-summary", |t| t.contains("rows failed")).await;
    assert!(summary.contains("CORS"), "{summary}");
    let hint = text(&client, "evaluation-relay-hint").await;
    assert!(hint.contains("assay serve --spec"), "{hint}");
    let recorded = text(&client, "evaluation-recorded").await;
    assert!(recorded.contains("no served metrics"), "{recorded}");
    // Rows that failed are no measurement: the export records no served metrics.
    let (spec_path, spec_text) = export_spec(&client, &downloads).await;
    let spec = Spec::from_json(&spec_text).unwrap();
    assert!(spec.endpoints[0].evaluation.is_some());
    assert!(spec.recorded.unwrap().endpoints.is_empty());
    client.close().await.unwrap();

    // Served with that spec, `assay serve`'s relay carries the batches from the same origin.
    let (_relaying, relay_url) = serve_app(&dist(), &[&spec_path]);
    let (_driver, client) = browser(&scratch("evaluation-relayed"), "evaluation-relayed").await;
    evaluate_against(&client, &relay_url, &without_cors).await;
    text_until(&client, "evaluation-summary", |t| t.contains("rows failed")).await;
    click(&client, "evaluate-via-relay").await;
    let summary = text_until(&client, "evaluation-summary", |t| t.starts_with("All ")).await;
    assert!(summary.contains("validation rows answered"), "{summary}");
    let verdicts = texts(&client, "[data-testid='evaluation-verdict']").await;
    assert_eq!(verdicts, ["Pass", "Pass"]);
    client.close().await.unwrap();
}
