//! A small load run: N requests at concurrency C, summarised as latency percentiles and an
//! error rate with its failures by kind, held to thresholds in the spirit of k6 (`p95 < 200 ms`,
//! `errors < 1 %`). Percentiles are of successful answers only: a refused request has no latency.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::judge::Transport;

/// Most requests and concurrency a spec may ask for: this is a smoke-sized load, not a stress test.
const MAX_REQUESTS: u32 = 2_000;
const MAX_CONCURRENCY: u32 = 16;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct LoadPlan {
    pub requests: u32,
    pub concurrency: u32,
    pub thresholds: Vec<Threshold>,
}

/// A bound on a summary figure; every one must hold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "metric", rename_all = "snake_case", deny_unknown_fields)]
pub enum Threshold {
    P50BelowMs { value: f64 },
    P95BelowMs { value: f64 },
    P99BelowMs { value: f64 },
    ErrorRateBelow { value: f64 },
}

impl LoadPlan {
    pub fn validate(&self) -> Result<(), String> {
        if self.requests == 0 || self.requests > MAX_REQUESTS {
            return Err(format!("requests must be between 1 and {MAX_REQUESTS}"));
        }
        if self.concurrency == 0 || self.concurrency > MAX_CONCURRENCY {
            return Err(format!(
                "concurrency must be between 1 and {MAX_CONCURRENCY}"
            ));
        }
        Ok(())
    }
}

/// What became of one load request.
#[derive(Debug, Clone, PartialEq)]
pub enum Sent {
    Answered { status: u16, latency_ms: f64 },
    Failed(Transport),
}

/// A load run as it went: `sent` may be shorter than `planned` when the time limit cut it short.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadRun {
    pub planned: usize,
    pub sent: Vec<Sent>,
    pub elapsed_ms: f64,
}

/// Why requests failed: no connection, no answer in time, an answer that was not 2xx, or
/// anything else (a reset, a TLS error).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Failures {
    pub refused: usize,
    pub timed_out: usize,
    /// Count by HTTP status.
    pub status: BTreeMap<u16, usize>,
    pub other: usize,
}

impl Failures {
    /// `refused 2, HTTP 500 ×3`; empty when nothing failed.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.refused > 0 {
            parts.push(format!("refused {}", self.refused));
        }
        if self.timed_out > 0 {
            parts.push(format!("timed out {}", self.timed_out));
        }
        for (status, count) in &self.status {
            parts.push(format!("HTTP {status} ×{count}"));
        }
        if self.other > 0 {
            parts.push(format!("other {}", self.other));
        }
        parts.join(", ")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadSummary {
    pub planned: usize,
    /// Requests sent (fewer than planned when the run was cut short).
    pub requests: usize,
    pub errors: usize,
    pub failures: Failures,
    /// The percentiles are of the successful (2xx) answers only; failed requests count in
    /// `errors` and `error_rate`, not in the latencies.
    pub succeeded: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub error_rate: f64,
    pub elapsed_ms: f64,
    /// The thresholds that did not hold, and a run cut short, in words.
    pub broken: Vec<String>,
}

/// Nearest-rank percentile (k6's and most load tools' definition) of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

/// Summarises a run: latency percentiles of its 2xx answers, its failures by kind, and the
/// thresholds it broke.
pub fn summarize(run: &LoadRun, thresholds: &[Threshold]) -> LoadSummary {
    let mut sorted = Vec::new();
    let mut failures = Failures::default();
    for sent in &run.sent {
        match sent {
            Sent::Answered { status, latency_ms } if (200..300).contains(status) => {
                sorted.push(*latency_ms);
            }
            Sent::Answered { status, .. } => *failures.status.entry(*status).or_default() += 1,
            Sent::Failed(Transport::ConnectionRefused) => failures.refused += 1,
            Sent::Failed(Transport::Timeout) => failures.timed_out += 1,
            Sent::Failed(_) => failures.other += 1,
        }
    }
    sorted.sort_by(f64::total_cmp);
    let requests = run.sent.len();
    let errors = requests.saturating_sub(sorted.len());
    let (p50, p95, p99) = (
        percentile(&sorted, 50.0),
        percentile(&sorted, 95.0),
        percentile(&sorted, 99.0),
    );
    let error_rate = if requests == 0 {
        0.0
    } else {
        errors as f64 / requests as f64
    };
    let mut broken: Vec<String> = thresholds
        .iter()
        .filter_map(|t| {
            let (actual, bound, text) = match *t {
                Threshold::P50BelowMs { value } => (
                    p50,
                    value,
                    format!("p50 {p50:.1} ms is not below {value} ms"),
                ),
                Threshold::P95BelowMs { value } => (
                    p95,
                    value,
                    format!("p95 {p95:.1} ms is not below {value} ms"),
                ),
                Threshold::P99BelowMs { value } => (
                    p99,
                    value,
                    format!("p99 {p99:.1} ms is not below {value} ms"),
                ),
                Threshold::ErrorRateBelow { value } => (
                    error_rate,
                    value,
                    format!(
                        "error rate {:.1}% is not below {:.1}%",
                        error_rate * 100.0,
                        value * 100.0
                    ),
                ),
            };
            // NaN (no successful request) breaks a latency bound.
            (actual >= bound || actual.is_nan()).then_some(text)
        })
        .collect();
    if requests < run.planned {
        broken.push(format!(
            "cut short by the time limit: {requests} of {} planned requests sent",
            run.planned
        ));
    }
    LoadSummary {
        planned: run.planned,
        requests,
        errors,
        failures,
        succeeded: sorted.len(),
        p50_ms: p50,
        p95_ms: p95,
        p99_ms: p99,
        error_rate,
        elapsed_ms: run.elapsed_ms,
        broken,
    }
}
