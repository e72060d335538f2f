//! The endpoint spec shapes against more real servers than CI runs: KServe 0.21 (V1 and V2),
//! Triton 2.51 (the CPU server in the nvidia-pytriton wheel, an ONNX-style `float_input` FP32
//! model) and BentoML 1.4. `cargo xtask servers` installs each into a virtual environment under
//! `target/tools` and runs these tests one by one; each prints what `assay` said.
//!
//! Every endpoint gets the three iris cases, then a case the server cannot score (a string
//! where a number belongs; for Triton, whose FP32 input takes no string, a negative length its
//! model refuses) followed by a good one, and a small load run over those five cases:
//! one request in five fails, and the load's error rate must say exactly that.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use crate::common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::free_port;
use common::server::{
    AssayRun, IRIS_FEATURES, Server, helper_file, iris_cases, run_assay, scratch, venv, write_spec,
};
use serde_json::{Value, json};

/// Servers that install a few hundred packages can take minutes to start on a busy machine.
const START_WITHIN: Duration = Duration::from_secs(300);
const LOAD_REQUESTS: u64 = 20;

/// The iris cases, a case the server cannot score, and a good case right after it.
fn cases() -> Value {
    let mut cases = iris_cases();
    let all = cases.as_array_mut().unwrap();
    all.push(json!({ "name": "error", "input": ["oops", 3.5, 1.4, 0.2],
                     "expect": { "kind": "class_label", "label": 0 } }));
    all.push(
        json!({ "name": "after-error", "input": [5.1, 3.5, 1.4, 0.2],
                     "expect": { "kind": "class_label", "label": 0 } }),
    );
    cases
}

fn endpoint(name: &str, port: u16, model: &str, protocol: Value) -> Value {
    json!({
        "name": name,
        "base_url": format!("http://127.0.0.1:{port}"),
        "protocol": protocol,
        "model": model,
        "features": IRIS_FEATURES,
        "cases": cases(),
        "load": { "requests": LOAD_REQUESTS, "concurrency": 2, "thresholds": [] },
    })
}

/// Runs the spec, prints what `assay` said, and holds every endpoint to the same verdicts:
/// everything but `error` passes, and one load request in five fails.
fn run_and_check(dir: &Path, server: &str, endpoints: Value) {
    let names: Vec<String> = endpoints
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect();
    let spec = write_spec(dir, server, endpoints);
    let run = run_assay(&spec);
    println!(
        "--- {server}: assay exited {:?}\n{}",
        run.code,
        run.output()
    );
    for name in &names {
        check_endpoint(&run, name);
    }
}

/// Assertion messages point to the output printed above rather than repeat it.
fn check_endpoint(run: &AssayRun, name: &str) {
    let output = "(assay's output is above)";
    let cases = run.endpoint(name)["cases"].as_array().unwrap();
    assert!(
        cases.iter().any(|c| c["case"] == "health"),
        "{name} has a readiness case: {output}"
    );
    for case in cases {
        let case = case["case"].as_str().unwrap();
        if case == "error" {
            assert!(
                !run.passed(name, case),
                "{name} / error must fail: {output}"
            );
        } else {
            assert!(run.passed(name, case), "{name} / {case}: {output}");
        }
    }
    let load = &run.endpoint(name)["load"];
    assert_eq!(load["requests"], LOAD_REQUESTS, "{name}: {output}");
    assert_eq!(
        load["errors"],
        LOAD_REQUESTS / 5,
        "{name}: one request in five fails: {output}"
    );
}

#[test]
#[ignore = "needs KServe in a virtual environment: `cargo xtask servers` installs it"]
fn kserve_v1_and_v2() {
    let venv = venv("ASSAY_KSERVE_VENV");
    let dir = scratch("kserve");
    let port = free_port();
    let mut server = Server::start(
        "KServe",
        Command::new(venv.join("bin/python"))
            .arg(helper_file("kserve_server.py"))
            .arg(port.to_string())
            .current_dir(&dir),
        &dir.join("kserve.log"),
    );
    server.wait_until_ready(
        &format!("http://127.0.0.1:{port}/v2/models/iris-lr/ready"),
        START_WITHIN,
    );
    run_and_check(
        &dir,
        "kserve",
        json!([
            endpoint(
                "kserve-v1",
                port,
                "iris-lr",
                json!({ "kind": "tf_serving" })
            ),
            endpoint(
                "kserve-v2",
                port,
                "iris-lr",
                json!({ "kind": "open_inference" })
            ),
        ]),
    );
}

#[test]
#[ignore = "needs Triton (nvidia-pytriton) in a virtual environment: `cargo xtask servers` installs it"]
fn triton_float_input_fp32() {
    let venv = venv("ASSAY_TRITON_VENV");
    let dir = scratch("triton");
    let port = free_port();
    // Triton's Python stub must load the libpython of the Python that runs the model.
    let output = Command::new(venv.join("bin/python"))
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_config_var('LIBDIR'))",
        ])
        .output()
        .unwrap();
    let libdir = String::from_utf8(output.stdout).unwrap();
    let mut server = Server::start(
        "Triton",
        Command::new(venv.join("bin/python"))
            .arg(helper_file("triton_server.py"))
            .args([port, free_port(), free_port()].map(|p| p.to_string()))
            .arg(dir.join("workspace"))
            .env("LD_LIBRARY_PATH", libdir.trim())
            .current_dir(&dir),
        &dir.join("triton.log"),
    );
    server.wait_until_ready(
        &format!("http://127.0.0.1:{port}/v2/models/iris-onnxish/ready"),
        START_WITHIN,
    );
    let mut triton = endpoint(
        "triton",
        port,
        "iris-onnxish",
        json!({ "kind": "open_inference", "input_name": "float_input",
                "input_datatype": "FP32" }),
    );
    // A string cannot be sent as FP32 (the spec is refused before anything is sent), so the
    // case the server cannot score is a negative length, which the model refuses.
    triton["cases"][3]["input"][0] = json!(-1.0);
    run_and_check(&dir, "triton", json!([triton]));
}

#[test]
#[ignore = "needs BentoML in a virtual environment: `cargo xtask servers` installs it"]
fn bentoml_service() {
    let venv = venv("ASSAY_BENTOML_VENV");
    let dir = scratch("bentoml");
    let port = free_port();
    let service = helper_file("bentoml_service.py");
    let mut server = Server::start(
        "BentoML",
        Command::new(venv.join("bin/bentoml"))
            .args(["serve", "bentoml_service:IrisClassifier", "--working-dir"])
            .arg(service.parent().unwrap())
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .current_dir(&dir),
        &dir.join("bentoml.log"),
    );
    server.wait_until_ready(&format!("http://127.0.0.1:{port}/readyz"), START_WITHIN);
    run_and_check(
        &dir,
        "bentoml",
        json!([endpoint(
            "bentoml",
            port,
            "",
            json!({ "kind": "generic_json", "path": "/classify",
                    "request": { "input_data": ["{{row}}"] },
                    "prediction_pointer": "/0", "readiness_path": "/readyz" })
        )]),
    );
}
