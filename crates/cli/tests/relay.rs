//! `assay serve --spec`: the same-origin relay forwards to the spec's endpoints and nowhere
//! else, passing the page's credentials through.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use common::Guard;

use assay_engine::data::{Preprocessing, Task};
use assay_engine::endpoint::{EndpointSpec, Protocol};
use assay_engine::model::ModelSpec;
use assay_engine::spec::{DatasetSpec, Spec};
use assay_engine::train::TrainConfig;
use serde_json::{Value, json};

/// An upstream that answers every request with what it received.
fn echo_server() -> u16 {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let port = server.server_addr().to_ip().unwrap().port();
    std::thread::spawn(move || {
        for mut request in server.incoming_requests() {
            let mut body = String::new();
            request.as_reader().read_to_string(&mut body).unwrap();
            let header = |name: &str| {
                request
                    .headers()
                    .iter()
                    .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
                    .map(|h| h.value.to_string())
            };
            let echo = json!({
                "method": request.method().as_str(),
                "path": request.url(),
                "api_key": header("X-Api-Key"),
                "origin": header("Origin"),
                "body": body,
            });
            let _ = request.respond(tiny_http::Response::from_string(echo.to_string()));
        }
    });
    port
}

#[test]
fn the_relay_forwards_only_to_the_specs_endpoints() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("relay");
    std::fs::create_dir_all(dir.join("dist")).unwrap();
    std::fs::write(
        dir.join("dist/index.html"),
        "<!doctype html><title>app</title>",
    )
    .unwrap();
    let upstream = echo_server();
    let csv = include_str!("../../../public/samples/diabetes.csv");
    let mut spec = Spec::new(
        "relay",
        DatasetSpec::from_csv("diabetes.csv", csv, 442),
        Preprocessing::new("progression", Task::Regression),
        ModelSpec::LinearRegression,
        TrainConfig::default(),
        vec![],
    );
    spec.endpoints = vec![EndpointSpec {
        name: "iris".into(),
        base_url: format!("http://127.0.0.1:{upstream}"),
        protocol: Protocol::OpenInference {
            output: None,
            input_name: None,
            input_datatype: None,
        },
        model: "iris".into(),
        version: None,
        headers: vec![],
        timeout_ms: 2_000,
        features: vec![],
        cases: vec![],
        load: None,
    }];
    std::fs::write(dir.join("spec.assay.json"), spec.to_json()).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["serve", "--port", "0", "--dist"])
        .arg(dir.join("dist"))
        .arg("--spec")
        .arg(dir.join("spec.assay.json"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut banner = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut banner)
        .unwrap();
    let _serve = Guard(child);
    let base = banner
        .trim()
        .rsplit(' ')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .to_owned();

    let listing: Value = serde_json::from_str(
        &ureq::get(&format!("{base}/relay/"))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(listing, json!({"endpoints": ["iris"]}));

    let echo: Value = serde_json::from_str(
        &ureq::post(&format!("{base}/relay/iris/v2/models/iris/infer"))
            .header("X-Api-Key", "k-123")
            .header("Origin", "http://127.0.0.1")
            .send("{\"inputs\": []}")
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["path"], "/v2/models/iris/infer");
    assert_eq!(echo["api_key"], "k-123");
    assert_eq!(
        echo["origin"],
        Value::Null,
        "the page's origin is not passed on"
    );
    assert_eq!(echo["body"], "{\"inputs\": []}");

    let refused = ureq::post(&format!("{base}/relay/elsewhere/steal"))
        .config()
        .http_status_as_error(false)
        .build()
        .send("{}")
        .unwrap();
    assert_eq!(refused.status(), 403);

    // The app itself is still served.
    assert!(
        ureq::get(&format!("{base}/"))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap()
            .contains("<title>app</title>")
    );
}
