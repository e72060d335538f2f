//! Endpoint cases against a real FastAPI app served by uvicorn (`servers/fastapi_app.py`, in a
//! virtual environment that `cargo xtask test` installs). Some inputs make the app raise an
//! unhandled exception: uvicorn answers 500 and then drops the keep-alive connection without
//! `Connection: close`, as every uvicorn-based server does (MLServer, KServe, most model APIs).
//! A good case sent next must not be blamed for that.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use crate::common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::free_port;
use common::server::{Server, helper_file, run_assay, scratch, venv, write_spec};
use serde_json::{Value, json};

const FEATURES: [&str; 3] = ["a", "b", "c"];

/// Starts the app on a free loopback port and waits for its `/health`.
fn start_app(dir: &Path) -> (Server, u16) {
    let venv = venv("ASSAY_FASTAPI_VENV");
    let app = helper_file("fastapi_app.py");
    let port = free_port();
    let mut server = Server::start(
        "the FastAPI app",
        Command::new(venv.join("bin/python"))
            .args(["-m", "uvicorn", "fastapi_app:app", "--app-dir"])
            .arg(app.parent().unwrap())
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .current_dir(dir),
        &dir.join("uvicorn.log"),
    );
    server.wait_until_ready(
        &format!("http://127.0.0.1:{port}/health"),
        Duration::from_secs(60),
    );
    (server, port)
}

/// A case the app answers: the prediction is the sum of the inputs.
fn good(i: u32) -> Value {
    let input = [f64::from(i) + 1.0, 0.5, 2.25];
    json!({
        "name": format!("good-{i}"),
        "input": input,
        "expect": { "kind": "absolute", "value": input.iter().sum::<f64>(), "tolerance": 1e-9 },
    })
}

/// A case the app fails on (an unhandled exception: 500, then the connection is dropped).
fn bad(i: u32) -> Value {
    json!({
        "name": format!("bad-{i}"),
        "input": [-1.0 - f64::from(i), 0.5, 2.25],
        "expect": { "kind": "absolute", "value": 0.0, "tolerance": 1e-9 },
    })
}

/// `bad-i` right after `good-i`, so every good case after the first follows a dropped connection.
fn interleaved(count: u32) -> Value {
    (0..count).flat_map(|i| [good(i), bad(i)]).collect()
}

fn endpoint(port: u16, cases: Value, load: Option<Value>) -> Value {
    let mut endpoint = json!({
        "name": "fastapi",
        "base_url": format!("http://127.0.0.1:{port}"),
        "protocol": {
            "kind": "generic_json",
            "path": "/predict",
            "request": { "features": "{{row}}" },
            "prediction_pointer": "/prediction",
            "readiness_path": "/health",
        },
        "features": FEATURES,
        "cases": cases,
    });
    if let Some(load) = load {
        endpoint["load"] = load;
    }
    endpoint
}

#[test]
#[ignore = "needs FastAPI and uvicorn in a virtual environment: `cargo xtask test` installs them"]
fn every_good_case_passes_after_a_server_error_dropped_the_connection() {
    let dir = scratch("fastapi-cases");
    let (_server, port) = start_app(&dir);
    let spec = write_spec(
        &dir,
        "fastapi",
        json!([endpoint(port, interleaved(10), None)]),
    );

    let run = run_assay(&spec);
    let output = run.output();
    assert_eq!(run.code, Some(1), "the bad cases fail: {output}");
    assert!(
        run.passed("fastapi", "health"),
        "readiness on /health: {output}"
    );
    for i in 0..10 {
        assert!(
            run.passed("fastapi", &format!("good-{i}")),
            "good-{i}: {output}"
        );
        let bad = run.case("fastapi", &format!("bad-{i}"));
        assert!(!run.passed("fastapi", &format!("bad-{i}")), "{output}");
        assert_eq!(bad["status"], 500, "bad-{i} is the server's 500: {output}");
    }
}

#[test]
#[ignore = "needs FastAPI and uvicorn in a virtual environment: `cargo xtask test` installs them"]
fn a_load_run_where_half_the_requests_fail_reports_exactly_half() {
    let dir = scratch("fastapi-load");
    let (_server, port) = start_app(&dir);
    let load = json!({ "requests": 40, "concurrency": 4, "thresholds": [] });
    let spec = write_spec(
        &dir,
        "fastapi-load",
        json!([endpoint(port, interleaved(1), Some(load))]),
    );

    let run = run_assay(&spec);
    let output = run.output();
    let load = &run.endpoint("fastapi")["load"];
    assert_eq!(load["requests"], 40, "{output}");
    assert_eq!(load["errors"], 20, "every other request fails: {output}");
    assert_eq!(load["error_rate"], 0.5, "{output}");
    assert!(output.contains("errors 50.0%"), "{output}");
}
