//! Running a spec's endpoint cases natively, as CI does (no CORS applies here). The engine
//! builds every request and judges every answer; this file only moves bytes and measures time.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use assay_engine::checks::Verdict;
use assay_engine::endpoint::{
    CaseOutcome, EndpointSpec, LoadSummary, Request, Response, SmokeCase, Transport, build_request,
    health_request, judge, judge_health, judge_metadata, judge_transport, metadata_request,
    resolve_headers, summarize,
};
use serde::Serialize;

/// No load run goes on longer than this, whatever it asked for.
const LOAD_DEADLINE: Duration = Duration::from_secs(60);
/// Largest answer read; a smoke answer is a few numbers.
const MAX_BODY_BYTES: u64 = 10 * 1024 * 1024;

/// One endpoint's results.
#[derive(Debug, Clone, Serialize)]
pub struct EndpointReport {
    pub endpoint: String,
    pub cases: Vec<CaseOutcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load: Option<LoadSummary>,
}

impl EndpointReport {
    pub fn passed(&self) -> bool {
        self.cases.iter().all(|c| c.verdict == Verdict::Pass)
            && self.load.as_ref().is_none_or(|l| l.broken.is_empty())
    }
}

/// Runs the health check, every case and the load plan. `Err` is unusable input: a header's
/// environment variable is not set.
pub fn run(
    endpoint: &EndpointSpec,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<EndpointReport, String> {
    let headers = resolve_headers(&endpoint.headers, env)?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_millis(u64::from(endpoint.timeout_ms))))
        .http_status_as_error(false)
        .build()
        .into();
    let mut cases = Vec::new();
    type JudgeProbe = fn(&EndpointSpec, &Request, &Response) -> CaseOutcome;
    let probes: [(&str, Option<Request>, JudgeProbe); 2] = [
        ("health", health_request(endpoint), judge_health),
        ("metadata", metadata_request(endpoint), judge_metadata),
    ];
    for (name, request, judge_probe) in probes {
        let Some(request) = request else { continue };
        cases.push(match send(&agent, &request, &headers) {
            Ok(response) => judge_probe(endpoint, &request, &response),
            Err(failure) => judge_transport(endpoint, &probe(name), &request, &failure),
        });
    }
    for case in &endpoint.cases {
        let request = build_request(endpoint, case);
        cases.push(match send(&agent, &request, &headers) {
            Ok(response) => judge(endpoint, case, &request, &response),
            Err(failure) => judge_transport(endpoint, case, &request, &failure),
        });
    }
    let load = endpoint.load.as_ref().map(|plan| {
        let requests: Vec<Request> = endpoint
            .cases
            .iter()
            .map(|c| build_request(endpoint, c))
            .collect();
        let (latencies, errors) =
            load_run(&agent, &requests, &headers, plan.requests, plan.concurrency);
        summarize(&latencies, errors, &plan.thresholds)
    });
    Ok(EndpointReport {
        endpoint: endpoint.name.clone(),
        cases,
        load,
    })
}

/// A case standing for a request that carries no input (readiness, metadata).
fn probe(name: &str) -> SmokeCase {
    SmokeCase {
        name: name.into(),
        input: Vec::new(),
        expect: assay_engine::endpoint::Expectation::Exact {
            value: serde_json::Value::Null,
        },
        max_latency_ms: None,
    }
}

fn send(
    agent: &ureq::Agent,
    request: &Request,
    headers: &[(String, String)],
) -> Result<Response, Transport> {
    let start = Instant::now();
    let result = match &request.body {
        Some(body) => {
            let mut call = agent
                .post(&request.url)
                .header("Content-Type", "application/json");
            for (name, value) in headers {
                call = call.header(name.as_str(), value.as_str());
            }
            call.send(body.as_bytes())
        }
        None => {
            let mut call = agent.get(&request.url);
            for (name, value) in headers {
                call = call.header(name.as_str(), value.as_str());
            }
            call.call()
        }
    };
    let mut response = result.map_err(classify)?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_BODY_BYTES)
        .read_to_string()
        .map_err(classify)?;
    Ok(Response {
        status,
        content_type,
        body,
        latency_ms: start.elapsed().as_secs_f64() * 1000.0,
        location: None,
    })
}

fn classify(error: ureq::Error) -> Transport {
    match error {
        ureq::Error::Timeout(_) => Transport::Timeout,
        ureq::Error::HostNotFound => Transport::Dns,
        ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            Transport::ConnectionRefused
        }
        ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => Transport::Timeout,
        ureq::Error::Tls(message) => Transport::Tls {
            message: message.into(),
        },
        ureq::Error::Rustls(e) => Transport::Tls {
            message: e.to_string(),
        },
        other => Transport::Other {
            message: other.to_string(),
        },
    }
}

/// `total` requests cycling through `requests`, `concurrency` at a time, within
/// [`LOAD_DEADLINE`]. Returns the latencies of 2xx answers and the count of the rest.
fn load_run(
    agent: &ureq::Agent,
    requests: &[Request],
    headers: &[(String, String)],
    total: u32,
    concurrency: u32,
) -> (Vec<f64>, usize) {
    if requests.is_empty() {
        return (Vec::new(), 0);
    }
    let next = AtomicUsize::new(0);
    let results = Mutex::new((Vec::new(), 0usize));
    let deadline = Instant::now() + LOAD_DEADLINE;
    std::thread::scope(|scope| {
        for _ in 0..concurrency {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total as usize || Instant::now() > deadline {
                        break;
                    }
                    let outcome = send(agent, &requests[i % requests.len()], headers);
                    let mut results = results
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    match outcome {
                        Ok(r) if (200..300).contains(&r.status) => results.0.push(r.latency_ms),
                        _ => results.1 += 1,
                    }
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
