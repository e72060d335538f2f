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
fn serve(handle: fn(&mut TcpStream)) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            std::thread::spawn(move || handle(&mut stream));
        }
    });
    port
}

/// What the test servers read of a request.
struct Received {
    path: String,
    id: String,
    api_key: Option<String>,
    /// Every header line as sent, for servers that echo them.
    head: String,
}

/// One request from `reader`; `None` when the client closed the connection.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Received> {
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).ok()? == 0 {
        return None;
    }
    let (mut length, mut api_key, mut head) = (0usize, None, String::new());
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        if line.trim().is_empty() {
            break;
        }
        head.push_str(&line);
        let (name, value) = line.split_once(':')?;
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().ok()?,
            "x-api-key" => api_key = Some(value.trim().to_owned()),
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let id = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|b| b["id"].as_str().map(str::to_owned))
        .unwrap_or_default();
    Some(Received {
        path: request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or("")
            .to_owned(),
        id,
        api_key,
        head,
    })
}

fn write_answer(stream: &mut TcpStream, status: u16, content_type: &str, text: &str, close: bool) {
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
        // A 401 that echoes the request's headers, as some frameworks' error pages do.
        (_, "echo") => (
            401,
            "application/json",
            json!({"received": request.head}).to_string(),
        ),
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
        protocol: Protocol::OpenInference { output: None },
        model: "iris".into(),
        version: None,
        headers: vec![Header {
            name: "X-Api-Key".into(),
            value: "${env:MODEL_KEY}".into(),
        }],
        timeout_ms: 500,
        features: ["a", "b", "c", "d"].map(String::from).to_vec(),
        cases: cases.iter().map(|c| smoke(c)).collect(),
        load: None,
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
        .args(["run", "--only", "endpoints"])
        .arg(&spec)
        .env_remove("MODEL_KEY")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("needs the environment variable MODEL_KEY"),
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
    let output = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["run", "--only", "endpoints"])
        .arg(&spec)
        .env("MODEL_KEY", "x")
        .output()
        .unwrap();
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
    let output = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["run", "--only", "endpoints"])
        .arg(&spec)
        .env("MODEL_KEY", "s3cret")
        .output()
        .unwrap();
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
    assert_eq!(output.status.code(), Some(1));
}

/// Runs `assay run --only endpoints` on `spec` with the key in `MODEL_KEY`.
fn run_endpoints(spec: &Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["run", "--only", "endpoints"])
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
