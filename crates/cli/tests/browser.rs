//! End to end, as a user and a CI job would do it: the built app served by `assay serve`, driven
//! in real headless Chromium over WebDriver; the exported spec is then replayed by the CLI.
//!
//! Needs a built app (`ASSAY_DIST`), Chromium and chromedriver; `cargo xtask test` provides all
//! three, which is why the test is ignored under a bare `cargo test`.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use crate::common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use common::web::{
    accept_confirm, all, assay, assert_accessible, browser, by_test_id, click, dist,
    element_within, export_spec, replace_text, replays_as_recorded, save_screenshot, scratch,
    scroll_to, serve_app, test_id, text, text_until, type_into, value,
};
use fantoccini::{Client, Locator};

/// Opens the app, presses Run all, and returns the model fingerprint it shows once done.
async fn author_run(client: &Client, url: &str) -> String {
    client.goto(url).await.unwrap();
    click(client, "run-all").await;
    let fingerprint = text(client, "fingerprint").await;
    assert_eq!(fingerprint.len(), 64, "{fingerprint}");
    fingerprint
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs the built app, Chromium and chromedriver: run it with `cargo xtask test`"]
async fn a_spec_exported_in_the_browser_replays_bit_identically_in_the_cli() {
    let dist = dist();
    let downloads = scratch("downloads");
    let (_server, url) = serve_app(&dist, &[]);
    let (_driver, client) = browser(&downloads, "profile").await;

    let fingerprint = author_run(&client, &url).await;
    assert_eq!(text(&client, "verdict").await, "Pass");
    save_screenshot("after-run", &client.screenshot().await.unwrap());

    let (spec_path, spec_text) = export_spec(&client, &downloads).await;
    // Named after the spec, which is named after the sample.
    assert_eq!(
        spec_path.file_name().unwrap(),
        "breast-cancer-binary.assay.json"
    );
    // The browser stays open until the CLI has read the file: Chromium may still count the
    // download as in progress after the rename, and closing then cancels it and deletes it.

    let stdout = replays_as_recorded(&spec_path, &fingerprint);
    assert!(stdout.contains("reproduced bit-identically"), "{stdout}");

    // The same file with one recorded digit changed must be caught.
    let recorded_at = spec_text.find("\"parameter_fingerprint\"").unwrap();
    let mut tampered = spec_text.clone();
    let digit = recorded_at + "\"parameter_fingerprint\": \"".len();
    let replacement = if &tampered[digit..=digit] == "0" {
        "1"
    } else {
        "0"
    };
    tampered.replace_range(digit..=digit, replacement);
    let tampered_path = downloads.join("tampered.assay.json");
    std::fs::write(&tampered_path, tampered).unwrap();
    let output = assay(&["run".as_ref(), tampered_path.as_os_str()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    // Exit 1 for the right reason: the changed digit, not some other failure.
    assert!(stdout.contains("DIFFERS parameter fingerprint"), "{stdout}");
    assert!(stdout.contains("differs from the recording"), "{stdout}");
    client.close().await.unwrap();
}

/// Whether any element `css` selects is shown (not merely in the page, hidden).
async fn shown(client: &Client, css: &str) -> bool {
    for element in all(client, css).await {
        if element.is_displayed().await.unwrap() {
            return true;
        }
    }
    false
}

/// What the author writes for the reviewer, and the bar they set.
const DESCRIPTION: &str = "Screens biopsies; reviewers: the bar is 0.85, agreed with the clinic.";

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs the built app, Chromium and chromedriver: run it with `cargo xtask test`"]
async fn a_share_link_opens_the_reviewers_page_in_a_fresh_browser_and_replays_bit_identically() {
    let dist = dist();
    let (_server, url) = serve_app(&dist, &[]);

    // The author: a description and a bar for the reviewer, a run, cases drafted from the
    // model, then a link. The test reads the link from the page, since a headless browser may
    // not grant clipboard access.
    let (link, fingerprint) = {
        let (_driver, client) = browser(&scratch("author-downloads"), "author-profile").await;
        client.goto(&url).await.unwrap();
        type_into(&client, "spec-description", DESCRIPTION).await;
        let threshold = client
            .wait()
            .for_element(Locator::Css(
                "[data-testid='check-metric_threshold'] [data-testid='param-threshold']",
            ))
            .await
            .unwrap();
        replace_text(&threshold, "0.85").await;
        click(&client, "run-all").await;
        let fingerprint = text(&client, "fingerprint").await;
        assert_eq!(fingerprint.len(), 64, "{fingerprint}");
        click(&client, "draft-cases").await;
        by_test_id(&client, "case-4").await;
        click(&client, "copy-share-link").await;
        let link = by_test_id(&client, "share-link")
            .await
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default();
        scroll_to(&client, "copy-share-link").await;
        save_screenshot("share-link", &client.screenshot().await.unwrap());
        client.close().await.unwrap();
        (link, fingerprint)
    };
    let (page, fragment) = link.split_once('#').expect("a link with a fragment");
    assert!(page.starts_with(&url), "{page} is not under {url}");
    assert!(fragment.starts_with("spec1."), "{fragment:.40}");

    // The reviewer: another browser with a fresh profile, so nothing but the link carries over.
    // A page made for reviewing: what the spec tests, in words, and none of the author's
    // workbench (no Run all, no step badges).
    let (_driver, client) = browser(&scratch("reviewer-downloads"), "reviewer-profile").await;
    client.goto(&link).await.unwrap();
    by_test_id(&client, "review-page").await;
    let summary = text(&client, "review-spec").await;
    assert!(summary.contains("a share link"), "{summary}");
    assert!(summary.contains("569 rows"), "{summary}");
    assert!(
        !shown(&client, &test_id("run-all")).await,
        "Run all on the reviewer's page"
    );
    assert!(
        !shown(&client, "nav.path").await,
        "the author's steps on the reviewer's page"
    );
    assert_eq!(text(&client, "review-description").await, DESCRIPTION);
    let dataset = text(&client, "review-dataset").await;
    assert!(dataset.contains("569"), "{dataset}");
    assert!(dataset.contains("SHA-256"), "{dataset}");
    let checks = text(&client, "review-checks").await;
    assert!(checks.contains("Clears a fixed quality bar"), "{checks}");
    assert!(checks.contains("accuracy at least 0.85"), "{checks}");
    let cases = text(&client, "review-endpoints").await;
    assert!(cases.contains("mean_radius"), "feature names: {cases}");
    assert!(cases.contains("Expected answer"), "{cases}");
    save_screenshot("reviewer-page", &client.screenshot().await.unwrap());
    scroll_to(&client, "review-checks").await;
    save_screenshot("reviewer-checks", &client.screenshot().await.unwrap());

    assert_accessible(&client, "the review page from a share link").await;
    click(&client, "replay").await;
    let verdict = text(&client, "replay-verdict").await;
    scroll_to(&client, "replay-verdict").await;
    save_screenshot("after-replay", &client.screenshot().await.unwrap());
    assert_eq!(verdict, "Reproduced bit-identically");
    let table = text(&client, "comparison").await;
    assert!(table.contains(&fingerprint), "{table}");
    assert!(!table.contains("✗"), "{table}");
    assert_accessible(&client, "the review page after Replay").await;

    // Continue editing: the spec becomes the reviewer's draft, in the workbench.
    click(&client, "edit-in-workbench").await;
    accept_confirm(&client).await;
    text_until(&client, "data-shape", |s| s.starts_with("569 rows")).await;
    assert!(shown(&client, &test_id("run-all")).await);
    assert!(!shown(&client, &test_id("review-page")).await);
    assert_eq!(value(&client, "spec-description").await, DESCRIPTION);
    let threshold = client
        .find(Locator::Css(
            "[data-testid='check-metric_threshold'] [data-testid='param-threshold']",
        ))
        .await
        .unwrap();
    assert_eq!(
        threshold.prop("value").await.unwrap().as_deref(),
        Some("0.85")
    );
    by_test_id(&client, "case-4").await;
    save_screenshot("continued", &client.screenshot().await.unwrap());
    client.close().await.unwrap();
}

/// A fake model server on 127.0.0.1 answering the Open Inference Protocol with the labels the
/// local model drafted (by case id), and only to requests carrying the key `s3cret`. With
/// `cors`, it sends CORS headers and answers preflights, as a browser needs.
fn start_model_server(cors: bool, labels: HashMap<String, String>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let labels = Arc::new(labels);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let labels = Arc::clone(&labels);
            std::thread::spawn(move || answer_model(stream, cors, &labels));
        }
    });
    format!("http://127.0.0.1:{port}")
}

fn answer_model(mut stream: TcpStream, cors: bool, labels: &HashMap<String, String>) {
    use std::io::{Read, Write};
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let (mut length, mut key) = (0usize, None);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).is_err() || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap_or(0),
                "x-api-key" => key = Some(value.trim().to_owned()),
                _ => {}
            }
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let id = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|b| b["id"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let (status, text) = match (method, path) {
        ("OPTIONS", _) => (204, String::new()),
        ("GET", p) if p.ends_with("/ready") => (200, String::new()),
        // Model metadata (Open Inference), for the CLI's contract check.
        ("GET", "/v2/models/model") => (200, r#"{"name": "model", "inputs": [], "outputs": []}"#.to_owned()),
        ("POST", p) if p.ends_with("/infer") && key.as_deref() != Some("s3cret") => {
            (401, r#"{"error": "missing or wrong key"}"#.to_owned())
        }
        ("POST", p) if p.ends_with("/infer") && labels.contains_key(&id) => (
            200,
            serde_json::json!({
                "id": id,
                "outputs": [{"name": "predict", "shape": [1, 1], "datatype": "BYTES", "data": [labels[&id]]}],
            })
            .to_string(),
        ),
        _ => (404, r#"{"error": "no such case"}"#.to_owned()),
    };
    let cors_headers = if cors {
        "Access-Control-Allow-Origin: *\r\nAccess-Control-Allow-Methods: GET, POST, OPTIONS\r\n\
         Access-Control-Allow-Headers: content-type, x-api-key\r\n"
    } else {
        ""
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n{cors_headers}Content-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
}

/// A server on 127.0.0.1 that sends every request on to `target` with a 307 (which keeps the
/// method, body and headers), sending CORS headers so the browser could follow it.
fn start_redirecting_server(target: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            use std::io::Write;
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            let _ = reader.read_line(&mut request_line);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() || line.trim().is_empty() {
                    break;
                }
            }
            let mut parts = request_line.split_whitespace();
            let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let cors = "Access-Control-Allow-Origin: *\r\nAccess-Control-Allow-Methods: GET, POST, OPTIONS\r\n\
                        Access-Control-Allow-Headers: content-type, x-api-key\r\n";
            let head = if method == "OPTIONS" {
                "HTTP/1.1 204 X\r\n".to_owned()
            } else {
                format!("HTTP/1.1 307 X\r\nLocation: {target}{path}\r\n")
            };
            let _ = write!(
                stream,
                "{head}{cors}Content-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    format!("http://127.0.0.1:{port}")
}

/// The cases the app drafts for the breast-cancer sample with seed 42, drafted here natively:
/// the engine gives the same bits on both, so the labels match the page's.
fn drafted_labels() -> HashMap<String, String> {
    use assay_engine::data::{Preprocessing, Table, Task, prepare};
    use assay_engine::endpoint::{Expectation, draft_cases};
    use assay_engine::model::{ModelSpec, Network};
    use assay_engine::train::{TrainConfig, train};
    let csv = include_str!("../../../public/samples/breast_cancer.csv");
    let table = Table::parse_csv(csv).unwrap();
    let preprocessing = Preprocessing::new("diagnosis", Task::BinaryClassification);
    let prepared = prepare(&table, &preprocessing, 42).unwrap();
    let (x, y) = (prepared.train.features.view(), prepared.train.target.view());
    let config = TrainConfig {
        seed: 42,
        ..TrainConfig::default()
    };
    let network = Network::new(
        &ModelSpec::LogisticRegression,
        x.ncols(),
        prepared.train.classes.len(),
        config.numerics,
    )
    .unwrap();
    let model = train(&network, x, y, &config).unwrap();
    draft_cases(&table, &prepared, &network, &model.params, 5, 0.05)
        .unwrap()
        .cases
        .into_iter()
        .map(|case| match case.expect {
            Expectation::ClassLabel { label } => (case.name, label.as_str().unwrap().to_owned()),
            other => panic!("{other:?}"),
        })
        .collect()
}

/// Run, draft the cases, and point them at `base_url` with the key typed in.
async fn draft_against(client: &Client, url: &str, base_url: &str) {
    author_run(client, url).await;
    click(client, "draft-cases").await;
    by_test_id(client, "case-4").await;
    type_into(client, "endpoint-url", base_url).await;
    type_into(client, "credential-header", "X-Api-Key").await;
    type_into(client, "credential-value", "s3cret").await;
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs the built app, Chromium and chromedriver: run it with `cargo xtask test`"]
async fn endpoint_cases_run_from_the_browser_and_through_the_relay_when_cors_blocks_them() {
    let dist = dist();
    let labels = drafted_labels();
    let with_cors = start_model_server(true, labels.clone());
    let without_cors = start_model_server(false, labels);
    let downloads = scratch("endpoint-downloads");

    // (a) A server that sends CORS headers: the page runs the drafted cases itself.
    let (_server, url) = serve_app(&dist, &[]);
    let (_driver, client) = browser(&downloads, "endpoint-profile").await;
    draft_against(&client, &url, &with_cors).await;
    click(&client, "run-cases").await;
    let summary = text_until(&client, "cases-summary", |s| s.starts_with("5 of 5")).await;
    assert_eq!(summary, "5 of 5 cases pass.");
    assert!(text(&client, "case-latency").await.ends_with(" ms"));
    assert_accessible(&client, "endpoint cases passed").await;
    scroll_to(&client, "endpoints").await;
    save_screenshot("endpoints-pass", &client.screenshot().await.unwrap());

    // A redirect is never followed: it would carry the request and its key elsewhere, and the
    // cases would pass on another server's answers.
    let redirecting = start_redirecting_server(with_cors.clone());
    type_into(&client, "endpoint-url", &redirecting).await;
    click(&client, "run-cases").await;
    let summary = text_until(&client, "cases-summary", |s| s.starts_with("0 of 5")).await;
    assert!(summary.starts_with("0 of 5"), "{summary}");
    assert!(
        text(&client, "case-summary").await.contains("redirect"),
        "{}",
        text(&client, "case-summary").await
    );

    // (b) One without: the page says CORS blocked it, not that the server is down.
    type_into(&client, "endpoint-url", &without_cors).await;
    click(&client, "run-cases").await;
    let summary = text_until(&client, "cases-summary", |s| s.starts_with("0 of 5")).await;
    assert!(summary.contains("5 blocked by CORS"), "{summary}");
    assert!(
        text(&client, "case-summary")
            .await
            .contains("no CORS headers")
    );
    assert_eq!(text(&client, "runs-in-ci").await, "Runs in CI");
    assert!(
        text(&client, "relay-hint")
            .await
            .contains("assay serve --spec")
    );
    scroll_to(&client, "endpoints").await;
    assert_accessible(&client, "endpoint cases blocked by CORS").await;
    save_screenshot("endpoints-cors", &client.screenshot().await.unwrap());

    // The exported spec names the variable, never the key typed in; CI runs it with the key.
    let (spec_path, spec_text) = export_spec(&client, &downloads).await;
    assert!(spec_text.contains("${env:MODEL_KEY}"), "{spec_text}");
    assert!(!spec_text.contains("s3cret"), "{spec_text}");
    let env = downloads.join("model.env");
    std::fs::write(&env, "MODEL_KEY=s3cret\n").unwrap();
    let output = assay(&[
        "run".as_ref(),
        "--only".as_ref(),
        "endpoints".as_ref(),
        "--env-file".as_ref(),
        env.as_os_str(),
        spec_path.as_os_str(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");

    // How CI starts the server (`serve`) is typed in the form and carried into the export.
    scroll_to(&client, "serve-section").await;
    type_into(
        &client,
        "serve-command",
        "python3\n-m\nhttp.server\n{{port}}",
    )
    .await;
    type_into(&client, "serve-env", "MODE=test").await;
    type_into(&client, "serve-ready-timeout", "90").await;
    assert!(all(&client, &test_id("serve-error")).await.is_empty());
    // A second export runs again first (it judges "no worse than" the first).
    click(&client, "run-all").await;
    element_within(
        &client,
        "[data-testid='export']:not([disabled])",
        std::time::Duration::from_secs(120),
    )
    .await;
    let (_, serving) = export_spec(&client, &downloads).await;
    let serving: serde_json::Value = serde_json::from_str(&serving).unwrap();
    let serve = &serving["endpoints"][0]["serve"];
    assert_eq!(
        serve["command"],
        serde_json::json!(["python3", "-m", "http.server", "{{port}}"]),
        "{serving}"
    );
    assert_eq!(serve["env"][0]["name"], "MODE", "{serving}");
    assert_eq!(serve["env"][0]["value"], "test", "{serving}");
    assert_eq!(serve["ready_timeout_s"], 90, "{serving}");
    assert_accessible(&client, "the serve section filled in").await;
    save_screenshot("endpoints-serve", &client.screenshot().await.unwrap());
    client.close().await.unwrap();

    // (c) Served with that spec, `assay serve` relays the same cases from the same origin.
    let (_relaying, relay_url) = serve_app(&dist, &[&spec_path]);
    let (_driver, client) = browser(&scratch("relay-downloads"), "relay-profile").await;
    draft_against(&client, &relay_url, &without_cors).await;
    click(&client, "run-cases").await;
    text_until(&client, "cases-summary", |s| s.starts_with("0 of 5")).await;
    click(&client, "run-via-relay").await;
    let summary = text_until(&client, "cases-summary", |s| s.starts_with("5 of 5")).await;
    assert_eq!(summary, "5 of 5 cases pass.");
    scroll_to(&client, "endpoints").await;
    save_screenshot("endpoints-relay", &client.screenshot().await.unwrap());
    client.close().await.unwrap();
}

/// Goal of the numerics versions: every committed golden spec, in both versions, reproduces its
/// recorded model in the page's wasm (the reviewer's replay) and in the engine's Web Worker (the
/// same spec run from the workbench).
#[tokio::test(flavor = "current_thread")]
#[ignore = "needs the built app, Chromium and chromedriver: run it with `cargo xtask test`"]
async fn every_golden_spec_reproduces_its_model_in_the_page_and_in_the_worker_in_both_numerics() {
    let specs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs");
    let dist = dist();
    let (_server, url) = serve_app(&dist, &[]);
    let (_driver, client) = browser(&scratch("golden-downloads"), "golden-profile").await;
    let mut names: Vec<_> = std::fs::read_dir(&specs)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    names.sort();
    assert_eq!(names.len(), 8, "{names:?}");
    for path in names {
        let spec: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let recorded = spec["recorded"]["parameter_fingerprint"]
            .as_str()
            .unwrap()
            .to_owned();
        let numerics = spec["training"]["numerics"].as_u64().unwrap_or(1);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();

        client.goto(&url).await.unwrap();
        by_test_id(&client, "open-spec")
            .await
            .send_keys(&path.canonicalize().unwrap().to_string_lossy())
            .await
            .unwrap();
        let settings = text(&client, "review-spec").await;
        assert!(
            settings.contains(&format!("numerics {numerics} (")),
            "{name}: {settings}"
        );
        click(&client, "replay").await;
        let verdict = element_within(
            &client,
            &test_id("replay-verdict"),
            Duration::from_secs(120),
        )
        .await
        .text()
        .await
        .unwrap();
        assert_eq!(verdict, "Reproduced bit-identically", "{name}");
        assert!(
            text(&client, "comparison").await.contains(&recorded),
            "{name}"
        );

        // The same spec as the author's draft, run by the worker.
        click(&client, "edit-in-workbench").await;
        accept_confirm(&client).await;
        click(&client, "run-all").await;
        let fingerprint =
            element_within(&client, &test_id("fingerprint"), Duration::from_secs(120))
                .await
                .text()
                .await
                .unwrap();
        assert_eq!(fingerprint, recorded, "{name} in the worker");
        assert!(
            all(&client, &test_id("engine-notice")).await.is_empty(),
            "{name} ran outside the worker"
        );
    }
    client.close().await.unwrap();
}
