//! End to end, as a user and a CI job would do it: the built app served by `assay serve`, driven
//! in real headless Chromium over WebDriver; the exported spec is then replayed by the CLI.
//!
//! Needs a built app (`ASSAY_DIST`), Chromium and chromedriver; `cargo xtask test` provides all
//! three, which is why the test is ignored under a bare `cargo test`.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Guard, free_port};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

/// chromedriver, asked to shut down (which also quits its browsers) before it is killed, so a
/// failed test leaves no Chromium behind holding the profile.
struct Driver {
    port: u16,
    _process: Guard,
}

impl Drop for Driver {
    fn drop(&mut self) {
        use std::io::Write;
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = stream.write_all(b"GET /shutdown HTTP/1.0\r\n\r\n");
            let _ = std::io::Read::read_to_end(&mut stream, &mut Vec::new());
        }
    }
}

/// Polls `ready` every 100 ms until it gives a value or `limit` passes.
async fn wait_for<T>(what: &str, limit: Duration, mut ready: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = ready() {
            return value;
        }
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Starts `assay serve` on a free port, relaying to the endpoints of `specs`, and returns its
/// base URL.
fn serve_app(dist: &Path, specs: &[&Path]) -> (Guard, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_assay"));
    command.args(["serve", "--port", "0", "--dist"]).arg(dist);
    for spec in specs {
        command.arg("--spec").arg(spec);
    }
    let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(
        url.starts_with("http://127.0.0.1:"),
        "unexpected serve banner {line:?}"
    );
    (Guard(child), url)
}

/// Starts chromedriver and connects a headless Chromium session with a fresh profile of its own
/// (`profile` names it, so tests running side by side do not share one) that downloads into
/// `downloads`.
async fn browser(downloads: &Path, profile: &str) -> (Driver, Client) {
    let driver_bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let chromium = std::env::var("CHROME_BIN").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let port = free_port();
    let driver = Driver {
        port,
        _process: Guard(
            Command::new(&driver_bin)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {driver_bin}: {e}")),
        ),
    };
    wait_for("chromedriver to listen", Duration::from_secs(20), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).ok()
    })
    .await;
    let profile = scratch(profile);
    let capabilities = serde_json::json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.display()),
            ],
            "prefs": {
                "download.default_directory": downloads,
                "download.prompt_for_download": false,
            },
        }
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!()
    };
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session");
    (driver, client)
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("browser")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Screenshots for people to look at, kept with the build output.
fn save_screenshot(name: &str, png: &[u8]) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// Opens the app, presses Run all, and returns the model fingerprint it shows once done.
async fn author_run(client: &Client, url: &str) -> String {
    client.goto(url).await.unwrap();
    click(client, "run-all").await;
    let fingerprint = text(client, "fingerprint").await;
    assert_eq!(fingerprint.len(), 64, "{fingerprint}");
    fingerprint
}

/// The element with `test_id`, once it exists.
async fn by_test_id(client: &Client, test_id: &str) -> Element {
    client
        .wait()
        .for_element(Locator::Css(&format!("[data-testid='{test_id}']")))
        .await
        .unwrap()
}

async fn click(client: &Client, test_id: &str) {
    by_test_id(client, test_id).await.click().await.unwrap();
}

async fn text(client: &Client, test_id: &str) -> String {
    by_test_id(client, test_id).await.text().await.unwrap()
}

/// Scrolls the element with `test_id` to the top of the window, for a screenshot of it.
async fn scroll_to(client: &Client, test_id: &str) {
    let script = format!("document.querySelector(\"[data-testid='{test_id}']\").scrollIntoView()");
    client.execute(&script, Vec::new()).await.unwrap();
}

/// Presses Export and returns the downloaded spec's path and text once it is complete.
async fn export_spec(client: &Client, downloads: &Path) -> (PathBuf, String) {
    click(client, "export").await;
    // Named after the spec, which is named after the sample.
    let spec_path = downloads.join("breast-cancer-binary.assay.json");
    let spec_text = wait_for("the exported spec", Duration::from_secs(30), || {
        let text = std::fs::read_to_string(&spec_path).ok()?;
        // Chromium writes a `.crdownload` first and renames it when complete.
        serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .map(|_| text)
    })
    .await;
    (spec_path, spec_text)
}

fn assay(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(args)
        .output()
        .unwrap()
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs the built app, Chromium and chromedriver: run it with `cargo xtask test`"]
async fn a_spec_exported_in_the_browser_replays_bit_identically_in_the_cli() {
    let dist = std::env::var("ASSAY_DIST")
        .expect("ASSAY_DIST names the built app (cargo xtask test sets it)");
    let downloads = scratch("downloads");
    let (_server, url) = serve_app(Path::new(&dist), &[]);
    let (_driver, client) = browser(&downloads, "profile").await;

    let fingerprint = author_run(&client, &url).await;
    assert_eq!(text(&client, "verdict").await, "Pass");
    save_screenshot("after-run", &client.screenshot().await.unwrap());

    let (spec_path, spec_text) = export_spec(&client, &downloads).await;
    // The browser stays open until the CLI has read the file: Chromium may still count the
    // download as in progress after the rename, and closing then cancels it and deletes it.

    let output = assay(&["run".as_ref(), spec_path.as_os_str()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains(&format!("model fingerprint {fingerprint}")),
        "{stdout}"
    );
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
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    client.close().await.unwrap();
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "needs the built app, Chromium and chromedriver: run it with `cargo xtask test`"]
async fn a_share_link_opened_in_a_fresh_browser_replays_bit_identically() {
    let dist = std::env::var("ASSAY_DIST")
        .expect("ASSAY_DIST names the built app (cargo xtask test sets it)");
    let (_server, url) = serve_app(Path::new(&dist), &[]);

    // The author: run, then ask for a link. The test reads it from the page, since a headless
    // browser may not grant clipboard access.
    let (link, fingerprint) = {
        let (_driver, client) = browser(&scratch("author-downloads"), "author-profile").await;
        let fingerprint = author_run(&client, &url).await;
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
    let (_driver, client) = browser(&scratch("reviewer-downloads"), "reviewer-profile").await;
    client.goto(&link).await.unwrap();
    let summary = text(&client, "review-spec").await;
    assert!(summary.contains("a share link"), "{summary}");
    assert!(summary.contains("569 rows"), "{summary}");
    click(&client, "replay").await;
    let verdict = text(&client, "replay-verdict").await;
    scroll_to(&client, "replay-verdict").await;
    save_screenshot("after-replay", &client.screenshot().await.unwrap());
    assert_eq!(verdict, "Reproduced bit-identically");
    let table = text(&client, "comparison").await;
    assert!(table.contains(&fingerprint), "{table}");
    assert!(!table.contains("✗"), "{table}");
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
    let network = Network::new(
        &ModelSpec::LogisticRegression,
        x.ncols(),
        prepared.train.classes.len(),
    )
    .unwrap();
    let config = TrainConfig {
        seed: 42,
        ..TrainConfig::default()
    };
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

/// Replaces the text of the input with `test_id`, as typing does.
async fn type_into(client: &Client, test_id: &str, text: &str) {
    let input = by_test_id(client, test_id).await;
    input.clear().await.unwrap();
    input.send_keys(text).await.unwrap();
}

/// Polls the text of `test_id` until `done` holds or 30 s pass, and returns it.
async fn text_until(client: &Client, test_id: &str, done: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let now = text(client, test_id).await;
        if done(&now) {
            return now;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out waiting on {test_id}: {now}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
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
    let dist = std::env::var("ASSAY_DIST")
        .expect("ASSAY_DIST names the built app (cargo xtask test sets it)");
    let labels = drafted_labels();
    let with_cors = start_model_server(true, labels.clone());
    let without_cors = start_model_server(false, labels);
    let downloads = scratch("endpoint-downloads");

    // (a) A server that sends CORS headers: the page runs the drafted cases itself.
    let (_server, url) = serve_app(Path::new(&dist), &[]);
    let (_driver, client) = browser(&downloads, "endpoint-profile").await;
    draft_against(&client, &url, &with_cors).await;
    click(&client, "run-cases").await;
    let summary = text_until(&client, "cases-summary", |s| s.starts_with("5 of 5")).await;
    assert_eq!(summary, "5 of 5 cases pass.");
    assert!(text(&client, "case-latency").await.ends_with(" ms"));
    scroll_to(&client, "endpoints").await;
    save_screenshot("endpoints-pass", &client.screenshot().await.unwrap());

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
    client.close().await.unwrap();

    // (c) Served with that spec, `assay serve` relays the same cases from the same origin.
    let (_relaying, relay_url) = serve_app(Path::new(&dist), &[&spec_path]);
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
