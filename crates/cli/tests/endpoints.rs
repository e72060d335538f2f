//! Endpoint cases run by the CLI against a real HTTP server on loopback: an in-process server
//! that answers like MLServer, and misbehaves on request (slow answers, a 500 with an HTML body,
//! invalid JSON, bare NaN, a dropped connection, a missing credential).
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use assay_engine::data::{Preprocessing, Task};
use assay_engine::endpoint::{
    EndpointSpec, Expectation, Header, LoadPlan, Protocol, SmokeCase, Threshold,
};
use assay_engine::model::ModelSpec;
use assay_engine::spec::{DatasetSpec, Spec};
use assay_engine::train::TrainConfig;
use serde_json::{Value, json};

/// Serves until the test process ends; each connection gets one answer chosen by the case id,
/// then `Connection: close`.
fn start_server() -> u16 {
    serve(|stream| {
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        if let Some(request) = read_request(&mut reader) {
            reply(stream, &request, true);
        }
    })
}

/// Serves keep-alive connections as uvicorn does: after a 500 for the case `crash` it sends no
/// `Connection: close`, reads the next request on that connection and closes it unanswered.
fn start_keepalive_server() -> u16 {
    serve(|stream| {
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        while let Some(request) = read_request(&mut reader) {
            if request.id == "crash" {
                write_answer(stream, 500, "text/plain", "Internal Server Error", false);
                let _ = read_request(&mut reader);
                return;
            }
            reply(stream, &request, false);
        }
    })
}

/// Listens on loopback; each connection is handled on its own thread by `handle`.
pub(crate) fn serve(handle: impl Fn(&mut TcpStream) + Send + Sync + 'static) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::sync::Arc::new(handle);
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let handle = handle.clone();
            std::thread::spawn(move || handle(&mut stream));
        }
    });
    port
}

/// What the test servers read of a request.
pub(crate) struct Received {
    pub path: String,
    pub id: String,
    pub api_key: Option<String>,
    pub authorization: Option<String>,
    /// The body as JSON; `null` when it is not JSON.
    pub body: Value,
}

/// One request from `reader`; `None` when the client closed the connection.
pub(crate) fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Received> {
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).ok()? == 0 {
        return None;
    }
    let (mut length, mut api_key, mut authorization) = (0usize, None, None);
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        if line.trim().is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().ok()?,
            "x-api-key" => api_key = Some(value.trim().to_owned()),
            "authorization" => authorization = Some(value.trim().to_owned()),
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let body = serde_json::from_slice::<Value>(&body).unwrap_or_default();
    let id = body["id"].as_str().unwrap_or_default().to_owned();
    Some(Received {
        path: request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or("")
            .to_owned(),
        id,
        api_key,
        authorization,
        body,
    })
}

pub(crate) fn write_answer(
    stream: &mut TcpStream,
    status: u16,
    content_type: &str,
    text: &str,
    close: bool,
) {
    let connection = if close { "Connection: close\r\n" } else { "" };
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{connection}\r\n{text}",
        text.len()
    );
}

/// The answer for `request`'s case id; `drop` closes without one.
fn reply(stream: &mut TcpStream, request: &Received, close: bool) {
    let id = request.id.as_str();
    let mlserver = |class: u8| {
        format!(
            r#"{{"model_name":"iris","id":"{id}","outputs":[{{"name":"predict","shape":[1,1],"datatype":"INT64","data":[{class}]}}]}}"#
        )
    };
    let (status, content_type, text) = match (request.path.as_str(), id) {
        ("/v2/models/iris/ready", _) => (200, "text/plain", String::new()),
        ("/v2/models/iris", _) => (
            200,
            "application/json",
            r#"{"name":"iris","versions":["1"],"platform":"","inputs":[],"outputs":[]}"#.into(),
        ),
        (_, "good") => (200, "application/json", mlserver(0)),
        (_, "wrong-class") => (200, "application/json", mlserver(2)),
        (_, "html500") => (
            500,
            "text/html",
            "<html><body>Internal Server Error</body></html>".into(),
        ),
        (_, "bad-json") => (200, "application/json", "{\"outputs\": [".into()),
        (_, "nan") => (
            200,
            "application/json",
            r#"{"outputs":[{"name":"p","shape":[1],"data":[NaN]}]}"#.into(),
        ),
        (_, "slow") => {
            std::thread::sleep(Duration::from_millis(1500));
            (200, "application/json", mlserver(0))
        }
        (_, "drop") => return,
        (_, "auth") if request.api_key.as_deref() == Some("s3cret") => {
            (200, "application/json", mlserver(0))
        }
        (_, "auth") => (401, "text/plain", "missing or wrong key".into()),
        (_, "bearer") if request.authorization.as_deref() == Some("Bearer s3cret") => {
            (200, "application/json", mlserver(0))
        }
        (_, "bearer") => (401, "text/plain", "missing or wrong token".into()),
        // Answers that echo the credentials, as some frameworks' error pages and echo models do.
        (_, "echo") => {
            let detail = format!(
                "bad credentials: key {:?}, authorization {:?}",
                request.api_key, request.authorization
            );
            (
                401,
                "application/json",
                json!({ "detail": detail }).to_string(),
            )
        }
        (_, "echo-ok") => {
            let token = request.authorization.as_deref().unwrap_or_default();
            let data = [
                request.api_key.as_deref().unwrap_or_default(),
                token.trim_start_matches("Bearer "),
            ];
            let outputs = json!({"outputs": [{"name": "p", "shape": [2], "datatype": "BYTES", "data": data}]});
            (200, "application/json", outputs.to_string())
        }
        _ => (404, "text/plain", "no such case".into()),
    };
    write_answer(stream, status, content_type, &text, close);
}

fn smoke(name: &str) -> SmokeCase {
    SmokeCase {
        name: name.into(),
        input: vec![json!(5.1), json!(3.5), json!(1.4), json!(0.2)],
        expect: Expectation::ClassLabel { label: json!(0) },
        max_latency_ms: None,
    }
}

fn endpoint(name: &str, port: u16, cases: &[&str]) -> EndpointSpec {
    EndpointSpec {
        name: name.into(),
        base_url: format!("http://127.0.0.1:{port}"),
        protocol: Protocol::OpenInference {
            output: None,
            input_name: None,
            input_datatype: None,
        },
        model: "iris".into(),
        version: None,
        headers: vec![Header {
            name: "X-Api-Key".into(),
            value: "${env:MODEL_KEY}".into(),
            not_secret: false,
        }],
        timeout_ms: 500,
        features: ["a", "b", "c", "d"].map(String::from).to_vec(),
        cases: cases.iter().map(|c| smoke(c)).collect(),
        load: None,
        evaluation: None,
        serve: None,
    }
}

fn spec_with(endpoints: Vec<EndpointSpec>) -> Spec {
    let csv = include_str!("../../../public/samples/diabetes.csv");
    let mut spec = Spec::new(
        "endpoints",
        DatasetSpec::from_csv("diabetes.csv", csv, 442),
        Preprocessing::new("progression", Task::Regression),
        ModelSpec::LinearRegression,
        TrainConfig::default(),
        vec![],
    );
    spec.endpoints = endpoints;
    spec
}

fn write(name: &str, contents: &str) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("endpoints");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

#[test]
fn each_case_gets_its_own_verdict_and_a_specific_reason() {
    let port = start_server();
    let cases = [
        "good",
        "wrong-class",
        "html500",
        "bad-json",
        "nan",
        "slow",
        "drop",
        "auth",
    ];
    let spec = write(
        "faults.assay.json",
        &spec_with(vec![endpoint("iris", port, &cases)]).to_json(),
    );
    let env = write("faults.env", "# the model's key\nMODEL_KEY=s3cret\n");
    let json_report = write("faults.report.json", "");
    let output = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["run", "--only", "endpoints", "--env-file"])
        .arg(&env)
        .arg("--json")
        .arg(&json_report)
        .arg(&spec)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = |case: &str| {
        stdout
            .lines()
            .find(|l| l.contains(&format!("endpoint iris / {case}:")))
            .unwrap_or_else(|| panic!("no line for {case} in {stdout}"))
            .to_owned()
    };
    assert!(line("health").starts_with("  PASS"), "{stdout}");
    assert!(line("metadata").starts_with("  PASS"), "{stdout}");
    assert!(line("good").starts_with("  PASS"), "{stdout}");
    assert!(line("auth").starts_with("  PASS"), "{stdout}");
    assert!(
        line("wrong-class").contains("Predicted class 2; expected 0."),
        "{stdout}"
    );
    assert!(
        line("html500").contains("HTTP 500") && line("html500").contains("Internal Server Error"),
        "{stdout}"
    );
    assert!(line("bad-json").contains("not valid JSON"), "{stdout}");
    assert!(line("nan").contains("bare NaN"), "{stdout}");
    assert!(line("slow").contains("No answer within 500 ms"), "{stdout}");
    assert!(line("drop").starts_with("  FAIL"), "{stdout}");
    // The credential came from the env file and is never written back out.
    assert!(!stdout.contains("s3cret"));
    assert!(
        !std::fs::read_to_string(&json_report)
            .unwrap()
            .contains("s3cret")
    );
}

#[test]
fn a_missing_credential_variable_is_unusable_input_naming_the_variable() {
    let port = start_server();
    let spec = write(
        "nokey.assay.json",
        &spec_with(vec![endpoint("iris", port, &["good"])]).to_json(),
    );
    let output = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["run", "--only", "endpoints", "--allow-env", "MODEL_KEY"])
        .arg(&spec)
        .env_remove("MODEL_KEY")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("needs the environment variable MODEL_KEY, which is not set"),
        "{stderr}"
    );
}

#[test]
fn connection_refused_is_said_plainly() {
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let spec = write(
        "refused.assay.json",
        &spec_with(vec![endpoint("gone", closed, &["good"])]).to_json(),
    );
    let output = run_endpoints(&spec, &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout.contains("Connection refused: nothing listens at"),
        "{stdout}"
    );
}

#[test]
fn a_small_load_run_reports_percentiles_against_thresholds() {
    let port = start_server();
    let mut fast = endpoint("iris", port, &["good"]);
    fast.load = Some(LoadPlan {
        requests: 40,
        concurrency: 4,
        thresholds: vec![
            Threshold::P95BelowMs { value: 400.0 },
            Threshold::ErrorRateBelow { value: 0.01 },
        ],
    });
    let mut failing = endpoint("broken", port, &["html500"]);
    failing.load = Some(LoadPlan {
        requests: 10,
        concurrency: 2,
        thresholds: vec![Threshold::ErrorRateBelow { value: 0.01 }],
    });
    let spec = write("load.assay.json", &spec_with(vec![fast, failing]).to_json());
    let output = run_endpoints(&spec, &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let load = |name: &str| {
        stdout
            .lines()
            .find(|l| l.contains(&format!("endpoint {name} / load")))
            .unwrap()
            .to_owned()
    };
    assert!(
        load("iris").starts_with("  PASS") && load("iris").contains("40 requests"),
        "{stdout}"
    );
    assert!(
        load("broken").contains("error rate 100.0% is not below 1.0%"),
        "{stdout}"
    );
    // Failures by kind, and what the percentiles are of.
    assert!(
        load("broken").contains("errors 100.0% (HTTP 500 ×10)")
            && load("iris")
                .contains("of the 40 successful (failed requests are not in the percentiles)"),
        "{stdout}"
    );
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn a_load_run_lasts_at_least_its_slowest_request_and_at_most_the_command() {
    let port = start_server();
    let mut fast = endpoint("iris", port, &["good"]);
    fast.load = Some(LoadPlan {
        requests: 20,
        concurrency: 2,
        thresholds: Vec::new(),
    });
    let spec = write("timed.assay.json", &spec_with(vec![fast]).to_json());
    let json_report = write("timed.report.json", "");
    let started = std::time::Instant::now();
    let output = run_endpoints(&spec, &["--json", json_report.to_str().unwrap()]);
    let command_ms = started.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_report).unwrap()).unwrap();
    let load = &report[0]["endpoints"][0]["load"];
    let (elapsed, slowest) = (
        load["elapsed_ms"].as_f64().unwrap(),
        load["p99_ms"].as_f64().unwrap(),
    );
    // In milliseconds: every request ran inside the run, and the run inside the command.
    assert!(slowest > 0.0 && slowest <= elapsed, "{load}");
    assert!(
        elapsed <= command_ms,
        "{elapsed} ms of {command_ms} ms: {load}"
    );
}

/// Runs `assay run --only endpoints` on `spec` with the key in `MODEL_KEY`, allowed.
fn run_endpoints(spec: &Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["run", "--only", "endpoints", "--allow-env", "MODEL_KEY"])
        .args(extra)
        .arg(spec)
        .env("MODEL_KEY", "s3cret")
        .output()
        .unwrap()
}

#[test]
fn a_connection_the_server_dropped_after_a_500_does_not_fail_the_next_case() {
    let port = start_keepalive_server();
    let cases: Vec<&str> = (0..10).flat_map(|_| ["crash", "good"]).collect();
    let spec = write(
        "keepalive.assay.json",
        &spec_with(vec![endpoint("iris", port, &cases)]).to_json(),
    );
    let output = run_endpoints(&spec, &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines = |case: &str, verdict: &str| {
        stdout
            .lines()
            .filter(|l| l.starts_with(verdict) && l.contains(&format!("endpoint iris / {case}:")))
            .count()
    };
    assert_eq!(lines("good", "  PASS"), 10, "{stdout}");
    assert_eq!(lines("crash", "  FAIL"), 10, "{stdout}");
    assert_eq!(
        stdout.matches("HTTP 500").count(),
        10,
        "every crash is its own 500, nothing else failed: {stdout}"
    );
}

#[test]
fn a_load_run_against_a_server_failing_half_its_requests_reports_half() {
    let port = start_keepalive_server();
    let mut half = endpoint("half", port, &["good", "crash"]);
    half.load = Some(LoadPlan {
        requests: 40,
        concurrency: 2,
        thresholds: vec![Threshold::ErrorRateBelow { value: 0.6 }],
    });
    let spec = write("half.assay.json", &spec_with(vec![half]).to_json());
    let output = run_endpoints(&spec, &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let load = stdout
        .lines()
        .find(|l| l.contains("endpoint half / load"))
        .unwrap_or_else(|| panic!("no load line in {stdout}"));
    assert!(load.contains("errors 50.0%"), "{stdout}");
}

#[test]
fn a_redirect_is_a_failure_and_is_never_followed() {
    // Where the redirect points: a listener that only records whether anyone connected.
    let elsewhere = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = format!(
        "http://127.0.0.1:{}/v2/models/iris/infer",
        elsewhere.local_addr().unwrap().port()
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let location = target.clone();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten().take(10) {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            if read_request(&mut reader).is_some() {
                let _ = write!(
                    stream,
                    "HTTP/1.1 302 Found\r\nLocation: {target}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
            }
        }
    });
    let mut moved = endpoint("moved", port, &["good"]);
    moved.protocol = Protocol::TfServing { columnar: false };
    let spec = write("redirect.assay.json", &spec_with(vec![moved]).to_json());
    let output = run_endpoints(&spec, &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let line = stdout
        .lines()
        .find(|l| l.contains("endpoint moved / good:"))
        .unwrap_or_else(|| panic!("no line in {stdout}"));
    assert!(
        line.starts_with("  FAIL") && line.contains("HTTP 302") && line.contains(&location),
        "{stdout}"
    );
    // Nothing, and so no credential, reached the other port.
    elsewhere.set_nonblocking(true).unwrap();
    assert_eq!(
        elsewhere.accept().map(|_| ()).unwrap_err().kind(),
        std::io::ErrorKind::WouldBlock
    );
}

/// Asserts the command's exit code, showing what it printed otherwise.
fn assert_exit(output: &std::process::Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A bound listener and a check that nothing ever connected to it.
pub(crate) fn untouched() -> (u16, impl Fn() -> bool) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    (port, move || {
        listener.accept().map(|_| ()).unwrap_err().kind() == std::io::ErrorKind::WouldBlock
    })
}

#[test]
fn an_environment_variable_is_read_only_when_the_person_running_allows_it() {
    let (port, nothing_sent) = untouched();
    let mut greedy = endpoint("greedy", port, &["good"]);
    greedy.headers[0].value = "${env:CI_DEPLOY_TOKEN}".into();
    let spec = write("greedy.assay.json", &spec_with(vec![greedy]).to_json());
    let output = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["run", "--only", "endpoints"])
        .arg(&spec)
        .env("CI_DEPLOY_TOKEN", "deploy-token-value")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("CI_DEPLOY_TOKEN") && stderr.contains("--allow-env CI_DEPLOY_TOKEN"),
        "{stderr}"
    );
    assert!(!stderr.contains("deploy-token-value") && nothing_sent());

    // Named with --allow-env, or under the ASSAY_ prefix, it is read.
    let port = start_server();
    let mut allowed = endpoint("allowed", port, &["auth"]);
    allowed.headers[0].value = "${env:CI_DEPLOY_TOKEN}".into();
    let mut prefixed = endpoint("prefixed", port, &["auth"]);
    prefixed.headers[0].value = "${env:ASSAY_MODEL_KEY}".into();
    let spec = write(
        "allowed.assay.json",
        &spec_with(vec![allowed, prefixed]).to_json(),
    );
    let output = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args([
            "run",
            "--only",
            "endpoints",
            "--allow-env",
            "CI_DEPLOY_TOKEN",
        ])
        .arg(&spec)
        .env("CI_DEPLOY_TOKEN", "s3cret")
        .env("ASSAY_MODEL_KEY", "s3cret")
        .output()
        .unwrap();
    assert_exit(&output, 0);
}

#[test]
fn every_endpoints_headers_are_resolved_before_anything_is_sent() {
    let (port, nothing_sent) = untouched();
    let first = endpoint("first", port, &["good"]);
    let mut second = endpoint("second", port, &["good"]);
    second.headers[0].value = "${env:NOWHERE_KEY}".into();
    let spec = write("two.assay.json", &spec_with(vec![first, second]).to_json());
    let env = write("two.env", "MODEL_KEY=s3cret\n");
    let output = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["run", "--only", "endpoints", "--env-file"])
        .arg(&env)
        .arg(&spec)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("endpoint `second`") && stderr.contains("NOWHERE_KEY"),
        "{stderr}"
    );
    assert!(nothing_sent(), "the first endpoint's cases were sent");
}

#[test]
fn a_bearer_token_is_written_as_a_scheme_and_a_reference() {
    let port = start_server();
    let mut bearer = endpoint("bearer", port, &["bearer"]);
    bearer.headers = vec![Header {
        name: "Authorization".into(),
        value: "Bearer ${env:MODEL_KEY}".into(),
        not_secret: false,
    }];
    let spec = write("bearer.assay.json", &spec_with(vec![bearer]).to_json());
    let output = run_endpoints(&spec, &[]);
    assert_exit(&output, 0);
}

#[test]
fn credentials_a_server_echoes_appear_in_no_output() {
    let port = start_server();
    let mut echo = endpoint("echo", port, &["echo", "echo-ok"]);
    echo.headers.push(Header {
        name: "Authorization".into(),
        value: "${env:AUTH}".into(),
        not_secret: false,
    });
    let spec = write("echo.assay.json", &spec_with(vec![echo]).to_json());
    let env = write(
        "echo.env",
        "MODEL_KEY=s3cret-echo-value\nAUTH=Bearer tok-9f8e7d6c5b4a\n",
    );
    let (junit, json) = (write("echo.junit.xml", ""), write("echo.report.json", ""));
    let output = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["run", "--only", "endpoints", "--env-file"])
        .arg(&env)
        .arg("--junit")
        .arg(&junit)
        .arg("--json")
        .arg(&json)
        .arg(&spec)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("${env:MODEL_KEY}") && stdout.contains("${env:AUTH}"),
        "{stdout}"
    );
    let outputs = [
        stdout.to_string(),
        String::from_utf8_lossy(&output.stderr).to_string(),
        std::fs::read_to_string(&junit).unwrap(),
        std::fs::read_to_string(&json).unwrap(),
    ];
    for text in outputs {
        assert!(
            !text.contains("s3cret-echo") && !text.contains("tok-9f8e7d6c5b4a"),
            "{text}"
        );
    }
}

/// Accepts connections and reads them, never answering; each is closed when the client goes
/// or after 30 s.
fn start_silent_server() -> u16 {
    serve(|stream| {
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut sink = Vec::new();
        let _ = stream.read_to_end(&mut sink);
    })
}

#[test]
fn a_silent_server_cannot_hold_a_run_past_its_time_limit() {
    let port = start_silent_server();
    let mut silent = endpoint("silent", port, &["good", "good", "good"]);
    silent.timeout_ms = 20_000;
    silent.load = Some(LoadPlan {
        requests: 6,
        concurrency: 2,
        thresholds: vec![],
    });
    let spec = write("silent.assay.json", &spec_with(vec![silent]).to_json());
    let output = run_endpoints(&spec, &["--time-limit", "1"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    // health, metadata and three cases were planned; the first request used up the second.
    assert!(
        stdout.contains("Cut short by the 1 s time limit: 1 of 5 requests sent"),
        "{stdout}"
    );
    let load = stdout
        .lines()
        .find(|l| l.contains("endpoint silent / load"))
        .unwrap_or_else(|| panic!("no load line in {stdout}"));
    assert!(
        load.contains("cut short by the time limit: 2 of 6 planned requests sent")
            && load.contains("timed out 2"),
        "{stdout}"
    );
}

#[test]
fn an_endpoints_only_run_counts_its_cases_and_times_them_in_junit() {
    let port = start_server();
    let spec = write(
        "count.assay.json",
        &spec_with(vec![endpoint("iris", port, &["good", "wrong-class"])]).to_json(),
    );
    let junit = write("count.junit.xml", "");
    let output = run_endpoints(&spec, &["--junit", junit.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("endpoint cases: 3 passed, 1 failed") && !stdout.contains("checks:"),
        "{stdout}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let timed: Vec<f64> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .filter(|n| {
            n.attribute("name")
                .is_some_and(|a| a.starts_with("endpoint iris / "))
        })
        .map(|n| {
            n.attribute("time")
                .unwrap_or_else(|| panic!("no time in {xml}"))
                .parse()
                .unwrap()
        })
        .collect();
    assert_eq!(timed.len(), 4, "{xml}");
    assert!(timed.iter().all(|t| *t > 0.0), "{xml}");
}
