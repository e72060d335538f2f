//! A small load run: N requests at concurrency C, summarised as latency percentiles and an
//! error rate, held to thresholds in the spirit of k6 (`p95 < 200 ms`, `errors < 1 %`).

use serde::{Deserialize, Serialize};

/// Most requests and concurrency a spec may ask for: this is a smoke-sized load, not a stress test.
pub const MAX_REQUESTS: u32 = 2_000;
pub const MAX_CONCURRENCY: u32 = 16;

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

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadSummary {
    pub requests: usize,
    pub errors: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub error_rate: f64,
    /// The thresholds that did not hold, in words.
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

/// Summarises successful latencies and the error count, and checks the thresholds.
pub fn summarize(latencies_ms: &[f64], errors: usize, thresholds: &[Threshold]) -> LoadSummary {
    let mut sorted: Vec<f64> = latencies_ms.to_vec();
    sorted.sort_by(f64::total_cmp);
    let requests = sorted.len() + errors;
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
    let broken = thresholds
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
    LoadSummary {
        requests,
        errors,
        p50_ms: p50,
        p95_ms: p95,
        p99_ms: p99,
        error_rate,
        broken,
    }
}
