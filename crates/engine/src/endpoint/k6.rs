//! An endpoint as a k6 script (an ES module), for load beyond Assay's own small runs: the smoke
//! cases as k6 `check()`s judged as Assay judges them (`k6.js`, the judge in JavaScript), and the
//! load plan as a scenario with its thresholds mapped one to one. Credentials stay references:
//! `${env:NAME}` becomes `__ENV.NAME`, read where k6 runs, never written into the script.

use serde_json::{Value, json};

use super::load::Threshold;
use super::protocol::build_request;
use super::secrets::reference;
use super::serve::PORT;
use super::{EndpointSpec, Protocol};

/// The judge and the scenarios' functions, the same for every script.
const JUDGE: &str = include_str!("k6.js");

/// The k6 script for `endpoint` of the spec named `spec`, or why there is none to write.
pub fn k6_script(spec: &str, endpoint: &EndpointSpec) -> Result<String, String> {
    if endpoint.cases.is_empty() {
        return Err(format!(
            "endpoint `{}` has no cases: k6 needs requests to send",
            endpoint.name
        ));
    }
    let base = endpoint.base_url.trim_end_matches('/');
    let cases: Vec<Value> = endpoint
        .cases
        .iter()
        .map(|case| {
            let request = build_request(endpoint, case);
            json!({
                "name": case.name,
                "path": request.url.strip_prefix(base).unwrap_or(&request.url),
                "body": request.body,
                "expect": case.expect,
                "max_latency_ms": case.max_latency_ms,
            })
        })
        .collect();
    let protocol = match &endpoint.protocol {
        Protocol::OpenInference { output, .. } => {
            json!({ "kind": "open_inference", "output": output })
        }
        Protocol::TfServing { columnar } => json!({ "kind": "tf_serving", "columnar": columnar }),
        Protocol::Mlflow { .. } => json!({ "kind": "mlflow" }),
        Protocol::GenericJson {
            prediction_pointer, ..
        } => json!({ "kind": "generic_json", "pointer": prediction_pointer }),
    };
    let base_url = if base.contains(PORT) {
        // A staged server's port is Assay's to pick: where k6 runs, the address is given.
        "__ENV.ASSAY_BASE_URL".to_owned()
    } else {
        format!("__ENV.ASSAY_BASE_URL || {}", Value::from(base))
    };
    let mut headers = vec!["  \"Content-Type\": \"application/json\",".to_owned()];
    for header in &endpoint.headers {
        let value = match reference(&header.value) {
            Some((Some(scheme), name)) => format!("`{scheme} ${{__ENV.{name}}}`"),
            Some((None, name)) => format!("__ENV.{name}"),
            None => Value::from(header.value.as_str()).to_string(),
        };
        headers.push(format!("  {}: {value},", Value::from(header.name.as_str())));
    }
    let mut scenarios = vec![
        "    smoke: { executor: 'shared-iterations', vus: 1, iterations: 1, exec: 'smoke' },"
            .to_owned(),
    ];
    let mut thresholds = vec!["    'checks{scenario:smoke}': ['rate==1'],".to_owned()];
    if let Some(plan) = &endpoint.load {
        scenarios.push(format!(
            "    load: {{ executor: 'shared-iterations', vus: {}, iterations: {}, exec: 'load', startTime: '1s' }},",
            plan.concurrency, plan.requests
        ));
        // Assay's percentiles are of successful answers only, as `expected_response` picks.
        let mut durations = Vec::new();
        for threshold in &plan.thresholds {
            match threshold {
                Threshold::P50BelowMs { value } => durations.push(format!("'p(50)<{value}'")),
                Threshold::P95BelowMs { value } => durations.push(format!("'p(95)<{value}'")),
                Threshold::P99BelowMs { value } => durations.push(format!("'p(99)<{value}'")),
                Threshold::ErrorRateBelow { value } => thresholds.push(format!(
                    "    'http_req_failed{{scenario:load}}': ['rate<{value}'],"
                )),
            }
        }
        if !durations.is_empty() {
            thresholds.push(format!(
                "    'http_req_duration{{scenario:load,expected_response:true}}': [{}],",
                durations.join(", ")
            ));
        }
    }
    let cases = serde_json::to_string_pretty(&cases).unwrap_or_default();
    Ok(format!(
        "// Written by `assay export k6` from the spec {spec:?}, endpoint {endpoint:?}.\n\
         // Run: k6 run this.js (ASSAY_BASE_URL overrides the address; credentials come from the\n\
         // environment, e.g. k6 run -e NAME=… this.js). None is written here.\n\
         import http from 'k6/http';\n\
         import {{ check }} from 'k6';\n\
         import exec from 'k6/execution';\n\n\
         const BASE_URL = {base_url};\n\
         const TIMEOUT = '{timeout}ms';\n\
         const HEADERS = {{\n{headers}\n}};\n\
         const PROTOCOL = {protocol};\n\
         const CASES = {cases};\n\n\
         export const options = {{\n  scenarios: {{\n{scenarios}\n  }},\n  thresholds: {{\n{thresholds}\n  }},\n}};\n\n\
         {JUDGE}",
        endpoint = endpoint.name,
        timeout = endpoint.timeout_ms,
        headers = headers.join("\n"),
        scenarios = scenarios.join("\n"),
        thresholds = thresholds.join("\n"),
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::endpoint::{Expectation, Header, LoadPlan, SmokeCase};

    fn endpoint() -> EndpointSpec {
        EndpointSpec {
            name: "iris".into(),
            base_url: "http://127.0.0.1:8080/".into(),
            protocol: Protocol::Mlflow {
                format: crate::endpoint::MlflowFormat::DataframeSplit,
            },
            model: String::new(),
            version: None,
            headers: vec![Header {
                name: "Authorization".into(),
                value: "Bearer ${env:MODEL_TOKEN}".into(),
                not_secret: false,
            }],
            timeout_ms: 2_000,
            features: vec!["x".into()],
            cases: vec![SmokeCase {
                name: "one".into(),
                input: vec![json!(1.5)],
                expect: Expectation::Range { min: 0.0, max: 1.0 },
                max_latency_ms: Some(300),
            }],
            load: Some(LoadPlan {
                requests: 500,
                concurrency: 8,
                thresholds: vec![
                    Threshold::P95BelowMs { value: 200.0 },
                    Threshold::P99BelowMs { value: 400.0 },
                    Threshold::ErrorRateBelow { value: 0.01 },
                ],
            }),
            evaluation: None,
            serve: None,
        }
    }

    #[test]
    fn the_load_plan_maps_one_to_one_and_credentials_stay_references() {
        let script = k6_script("spec", &endpoint()).unwrap();
        for line in [
            "const BASE_URL = __ENV.ASSAY_BASE_URL || \"http://127.0.0.1:8080\";",
            "\"Authorization\": `Bearer ${__ENV.MODEL_TOKEN}`,",
            "load: { executor: 'shared-iterations', vus: 8, iterations: 500, exec: 'load', startTime: '1s' },",
            "'http_req_failed{scenario:load}': ['rate<0.01'],",
            "'http_req_duration{scenario:load,expected_response:true}': ['p(95)<200', 'p(99)<400'],",
            "'checks{scenario:smoke}': ['rate==1'],",
            "\"path\": \"/invocations\",",
            "\"max_latency_ms\": 300",
            "const TIMEOUT = '2000ms';",
        ] {
            assert!(script.contains(line), "{line} not in:\n{script}");
        }
        assert!(!script.contains("${env:"), "{script}");
    }

    #[test]
    fn a_staged_address_comes_from_the_environment_and_no_cases_is_refused() {
        let mut staged = endpoint();
        staged.base_url = "http://127.0.0.1:{{port}}".into();
        staged.load = None;
        let script = k6_script("spec", &staged).unwrap();
        assert!(
            script.contains("const BASE_URL = __ENV.ASSAY_BASE_URL;"),
            "{script}"
        );
        assert!(!script.contains("load: {"), "{script}");
        let mut empty = endpoint();
        empty.cases.clear();
        assert_eq!(
            k6_script("spec", &empty).unwrap_err(),
            "endpoint `iris` has no cases: k6 needs requests to send"
        );
    }
}
