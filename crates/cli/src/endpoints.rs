//! Running a spec's endpoint cases natively, as CI does (no CORS applies here). The engine
//! builds every request and judges every answer; this file only moves bytes and measures time.
//! An endpoint's cases, and its load run, each get a time limit: every request's timeout is at
//! most what is left of it, and a run it cuts short says how many requests were sent.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use assay_engine::checks::Verdict;
use assay_engine::endpoint::{
    CaseOutcome, EndpointSpec, EvaluationReport, Evaluator, LoadRun, LoadSummary, Request,
    Resolved, Response, Sent, SmokeCase, Transport, build_request, health_request, judge,
    judge_health, judge_metadata, judge_transport, metadata_request, summarize,
};
use serde::Serialize;

use crate::http::Client;

/// One endpoint's results.
#[derive(Debug, Clone, Serialize)]
pub struct EndpointReport {
    pub endpoint: String,
    pub cases: Vec<CaseOutcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load: Option<LoadSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<EvaluationReport>,
}

impl EndpointReport {
    pub fn passed(&self) -> bool {
        self.cases.iter().all(|c| c.verdict == Verdict::Pass)
            && self.load.as_ref().is_none_or(|l| l.broken.is_empty())
            && self
                .evaluation
                .as_ref()
                .is_none_or(EvaluationReport::passed)
    }
}

/// What one request of the cases stands for.
enum Step<'a> {
    Health,
    Metadata,
    Case(&'a SmokeCase),
}

/// Sends a request if there is time left before `until`, with a timeout of at most that time.
type Send<'a> = dyn Fn(&Request, Instant) -> Option<Result<Response, Transport>> + Sync + 'a;

/// Runs the readiness and metadata checks, every case, then the load plan, with `resolved`
/// headers; each part within `time_limit`. Whatever the server echoes of a credential is shown
/// as its `${env:NAME}` reference.
pub fn run(endpoint: &EndpointSpec, resolved: &Resolved, time_limit: Duration) -> EndpointReport {
    let client = Client::new();
    let timeout = Duration::from_millis(u64::from(endpoint.timeout_ms));
    let send = |request: &Request, until: Instant| {
        let left = until
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())?;
        Some(client.send(request, &resolved.headers, timeout.min(left)))
    };
    let mut steps = Vec::new();
    if let Some(request) = health_request(endpoint) {
        steps.push((Step::Health, request));
    }
    if let Some(request) = metadata_request(endpoint) {
        steps.push((Step::Metadata, request));
    }
    for case in &endpoint.cases {
        steps.push((Step::Case(case), build_request(endpoint, case)));
    }
    let until = Instant::now() + time_limit;
    let mut cases = Vec::new();
    for (step, request) in &steps {
        let Some(answer) = send(request, until) else {
            break;
        };
        cases.push(match (step, answer) {
            (Step::Health, Ok(response)) => judge_health(endpoint, request, &response),
            (Step::Metadata, Ok(response)) => judge_metadata(endpoint, request, &response),
            (Step::Case(case), Ok(response)) => judge(endpoint, case, request, &response),
            (Step::Health, Err(failure)) => {
                judge_transport(endpoint, &probe("health"), request, &failure)
            }
            (Step::Metadata, Err(failure)) => {
                judge_transport(endpoint, &probe("metadata"), request, &failure)
            }
            (Step::Case(case), Err(failure)) => judge_transport(endpoint, case, request, &failure),
        });
    }
    if cases.len() < steps.len() {
        cases.push(cut_short(cases.len(), steps.len(), time_limit));
    }
    let mut load = endpoint.load.as_ref().map(|plan| {
        let requests: Vec<Request> = endpoint
            .cases
            .iter()
            .map(|c| build_request(endpoint, c))
            .collect();
        let run = load_run(
            &send,
            &requests,
            plan.requests,
            plan.concurrency,
            time_limit,
        );
        summarize(&run, &plan.thresholds)
    });
    for case in &mut cases {
        resolved.secrets.redact_outcome(case);
    }
    if let Some(load) = &mut load {
        for text in &mut load.broken {
            *text = resolved.secrets.redact(text);
        }
    }
    EndpointReport {
        endpoint: endpoint.name.clone(),
        cases,
        load,
        evaluation: None,
    }
}

/// Sends an evaluation's batches to each of its endpoints, with that endpoint's `resolved`
/// headers (`resolved` pairs with the spec's `endpoints`),
/// at most the evaluation's concurrency at once, within `time_limit`, and judges the answers.
/// Rows left unsent by the time limit fail as such. Whatever a server echoes of a credential is
/// shown as its `${env:NAME}` reference.
pub fn evaluate(
    evaluator: &Evaluator,
    endpoints: &[EndpointSpec],
    resolved: &[Resolved],
    time_limit: Duration,
) -> EvaluationReport {
    let headers = |name: &str| {
        endpoints
            .iter()
            .position(|e| e.name == name)
            .and_then(|i| resolved.get(i))
    };
    let client = Client::new();
    let until = Instant::now() + time_limit;
    let none = Resolved::default();
    let answers: Vec<Vec<Option<Result<Response, Transport>>>> = evaluator
        .targets()
        .iter()
        .map(|target| {
            let resolved = headers(&target.endpoint.name).unwrap_or(&none);
            let timeout = Duration::from_millis(u64::from(target.endpoint.timeout_ms));
            in_parallel(target.batches.len(), evaluator.concurrency(), |b| {
                let left = until
                    .checked_duration_since(Instant::now())
                    .filter(|d| !d.is_zero())?;
                Some(client.send(
                    &target.batches[b].request,
                    &resolved.headers,
                    timeout.min(left),
                ))
            })
        })
        .collect();
    let mut report = evaluator.judge(&answers);
    for target in evaluator.targets() {
        if let Some(resolved) = headers(&target.endpoint.name) {
            for case in &mut report.checks {
                resolved.secrets.redact_outcome(case);
            }
            for group in report
                .failed
                .iter_mut()
                .chain(report.compared.iter_mut().flat_map(|c| c.failed.iter_mut()))
            {
                group.reason = resolved.secrets.redact(&group.reason);
            }
        }
    }
    report
}

/// The failure standing for requests the time limit left unsent.
fn cut_short(sent: usize, planned: usize, time_limit: Duration) -> CaseOutcome {
    CaseOutcome {
        case: "time limit".into(),
        verdict: Verdict::Fail,
        summary: format!(
            "Cut short by the {} s time limit: {sent} of {planned} requests sent; raise it with \
             --time-limit or run fewer cases.",
            time_limit.as_secs_f64()
        ),
        status: None,
        latency_ms: None,
        prediction: None,
    }
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

/// `total` requests cycling through `requests`, `concurrency` at a time, within `time_limit`.
fn load_run(
    send: &Send,
    requests: &[Request],
    total: u32,
    concurrency: u32,
    time_limit: Duration,
) -> LoadRun {
    let start = Instant::now();
    if requests.is_empty() {
        return LoadRun {
            planned: 0,
            sent: Vec::new(),
            elapsed_ms: 0.0,
        };
    }
    let until = start + time_limit;
    let sent = in_parallel(total as usize, concurrency as usize, |i| {
        send(&requests[i % requests.len()], until).map(|outcome| match outcome {
            Ok(r) => Sent::Answered {
                status: r.status,
                latency_ms: r.latency_ms,
            },
            Err(failure) => Sent::Failed(failure),
        })
    });
    LoadRun {
        planned: total as usize,
        sent: sent.into_iter().flatten().collect(),
        elapsed_ms: start.elapsed().as_secs_f64() * 1000.0,
    }
}

/// `task(0..count)` on `concurrency` threads, each result at its index. A task that returns
/// `None` (no time left) stops its thread, so the tasks after it are not started either.
fn in_parallel<T: std::marker::Send>(
    count: usize,
    concurrency: usize,
    task: impl Fn(usize) -> Option<T> + Sync,
) -> Vec<Option<T>> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<T>>> = Mutex::new((0..count).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..concurrency.clamp(1, count.max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        break;
                    }
                    let Some(result) = task(i) else {
                        break;
                    };
                    results
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)[i] = Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
