//! Running a spec's endpoint cases natively, as CI does (no CORS applies here). The engine
//! builds every request and judges every answer; this file only moves bytes and measures time.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::http::Client;

use assay_engine::checks::Verdict;
use assay_engine::endpoint::{
    CaseOutcome, EndpointSpec, LoadSummary, Request, Response, SmokeCase, Transport, build_request,
    health_request, judge, judge_health, judge_metadata, judge_transport, metadata_request,
    resolve_headers, summarize,
};
use serde::Serialize;

/// No load run goes on longer than this, whatever it asked for.
const LOAD_DEADLINE: Duration = Duration::from_secs(60);

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
    let client = Client::new();
    let timeout = Duration::from_millis(u64::from(endpoint.timeout_ms));
    let send = |request: &Request| client.send(request, &headers, timeout);
    let mut cases = Vec::new();
    type JudgeProbe = fn(&EndpointSpec, &Request, &Response) -> CaseOutcome;
    let probes: [(&str, Option<Request>, JudgeProbe); 2] = [
        ("health", health_request(endpoint), judge_health),
        ("metadata", metadata_request(endpoint), judge_metadata),
    ];
    for (name, request, judge_probe) in probes {
        let Some(request) = request else { continue };
        cases.push(match send(&request) {
            Ok(response) => judge_probe(endpoint, &request, &response),
            Err(failure) => judge_transport(endpoint, &probe(name), &request, &failure),
        });
    }
    for case in &endpoint.cases {
        let request = build_request(endpoint, case);
        cases.push(match send(&request) {
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
        let (latencies, errors) = load_run(&send, &requests, plan.requests, plan.concurrency);
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

/// `total` requests cycling through `requests`, `concurrency` at a time, within
/// [`LOAD_DEADLINE`]. Returns the latencies of 2xx answers and the count of the rest.
fn load_run(
    send: &(dyn Fn(&Request) -> Result<Response, Transport> + Sync),
    requests: &[Request],
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
                    let outcome = send(&requests[i % requests.len()]);
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
