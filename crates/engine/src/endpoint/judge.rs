//! Judging one case's answer: contract (status, content type, shape) and expectation, with a
//! specific reason whenever it fails.

use serde::Serialize;
use serde_json::Value;

use super::protocol::extract_prediction;
use super::{EndpointSpec, Expectation, SmokeCase};
use crate::checks::Verdict;
use crate::metrics::argmax;

/// What the server answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: String,
    pub latency_ms: f64,
}

/// Why no answer came back.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Transport {
    ConnectionRefused,
    Timeout,
    Dns,
    Tls {
        message: String,
    },
    /// The browser could not read the answer because the server sends no CORS headers.
    Cors,
    Other {
        message: String,
    },
}

/// One case's result. Latency varies run to run, so these are reported, never recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseOutcome {
    pub case: String,
    pub verdict: Verdict,
    pub summary: String,
    pub status: Option<u16>,
    pub latency_ms: Option<f64>,
    pub prediction: Option<Value>,
}

fn outcome(case: &SmokeCase, passed: bool, summary: String) -> CaseOutcome {
    CaseOutcome {
        case: case.name.clone(),
        verdict: if passed { Verdict::Pass } else { Verdict::Fail },
        summary,
        status: None,
        latency_ms: None,
        prediction: None,
    }
}

pub fn judge_transport(
    case: &SmokeCase,
    failure: &Transport,
    endpoint: &EndpointSpec,
) -> CaseOutcome {
    let summary = match failure {
        Transport::ConnectionRefused => format!("Connection refused: nothing listens at {}.", endpoint.base_url),
        Transport::Timeout => format!("No answer within {} ms.", endpoint.timeout_ms),
        Transport::Dns => format!("The host in {} could not be resolved.", endpoint.base_url),
        Transport::Tls { message } => format!("TLS failed: {message}."),
        Transport::Cors => "The browser blocked the answer: the server sends no CORS headers. This case runs in CI (`assay run`), or through `assay serve`'s relay.".into(),
        Transport::Other { message } => format!("The request failed: {message}."),
    };
    outcome(case, false, summary)
}

/// The first lines of a body, for error messages.
fn first_lines(body: &str) -> String {
    let text: String = body.lines().take(3).collect::<Vec<_>>().join(" / ");
    text.chars().take(300).collect()
}

/// Bare `NaN`/`Infinity` tokens outside strings: valid to TF Serving, invalid JSON.
fn has_non_finite_token(body: &str) -> bool {
    // Only an answer shaped like JSON; an HTML page may say "NaN" in its text.
    if !body.trim_start().starts_with(['{', '[']) {
        return false;
    }
    let mut in_string = false;
    let mut escaped = false;
    let bytes = body.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else if b == b'"' {
            in_string = true;
        } else if bytes[i..].starts_with(b"NaN") || bytes[i..].starts_with(b"Infinity") {
            return true;
        }
    }
    false
}

/// The metadata contract: 200, JSON, naming the model, with `inputs` and `outputs` lists.
pub fn judge_metadata(endpoint: &EndpointSpec, response: &Response) -> CaseOutcome {
    let (passed, summary) = if !(200..300).contains(&response.status) {
        (
            false,
            format!(
                "Metadata answered HTTP {}: {}",
                response.status,
                first_lines(&response.body)
            ),
        )
    } else {
        match serde_json::from_str::<Value>(&response.body) {
            Err(e) => (false, format!("Metadata is not valid JSON ({e}).")),
            Ok(meta) => {
                let name = meta.get("name").and_then(Value::as_str).unwrap_or_default();
                let lists = ["inputs", "outputs"]
                    .iter()
                    .all(|k| meta.get(*k).is_none_or(Value::is_array));
                if name != endpoint.model {
                    (
                        false,
                        format!(
                            "Metadata names the model `{name}`, not `{}`.",
                            endpoint.model
                        ),
                    )
                } else if !lists {
                    (false, "Metadata `inputs`/`outputs` are not lists.".into())
                } else {
                    (true, format!("Metadata names `{name}` as expected."))
                }
            }
        }
    };
    CaseOutcome {
        case: "metadata".into(),
        verdict: if passed { Verdict::Pass } else { Verdict::Fail },
        summary,
        status: Some(response.status),
        latency_ms: Some(response.latency_ms),
        prediction: None,
    }
}

pub fn judge(endpoint: &EndpointSpec, case: &SmokeCase, response: &Response) -> CaseOutcome {
    let result = |passed: bool, summary: String, prediction: Option<Value>| CaseOutcome {
        status: Some(response.status),
        latency_ms: Some(response.latency_ms),
        prediction,
        ..outcome(case, passed, summary)
    };
    if !(200..300).contains(&response.status) {
        let deviation = if response.status == 500 {
            " (for a bad request the protocol says 400 with a JSON error)"
        } else {
            ""
        };
        return result(
            false,
            format!(
                "HTTP {}{deviation}: {}",
                response.status,
                first_lines(&response.body)
            ),
            None,
        );
    }
    let json_type = response
        .content_type
        .as_deref()
        .is_some_and(|t| t.contains("json"));
    let answer: Value = match serde_json::from_str(&response.body) {
        Ok(answer) => answer,
        Err(_) if has_non_finite_token(&response.body) => {
            return result(
                false,
                "The answer holds bare NaN or Infinity, which is not JSON.".into(),
                None,
            );
        }
        Err(e) => {
            return result(
                false,
                format!(
                    "The answer is not valid JSON ({e}): {}",
                    first_lines(&response.body)
                ),
                None,
            );
        }
    };
    if !json_type {
        return result(
            false,
            format!(
                "Content type is {:?}, not JSON.",
                response.content_type.as_deref().unwrap_or("missing")
            ),
            Some(answer),
        );
    }
    let prediction = match extract_prediction(&endpoint.protocol, &answer) {
        Ok(p) => p,
        Err(problem) => return result(false, format!("Unexpected answer shape: {problem}."), None),
    };
    if let Some(budget) = case.max_latency_ms
        && response.latency_ms > f64::from(budget)
    {
        return result(
            false,
            format!(
                "Answered in {:.0} ms; the budget is {budget} ms.",
                response.latency_ms
            ),
            Some(prediction),
        );
    }
    let (passed, summary) = expectation_holds(&case.expect, &prediction);
    result(passed, summary, Some(prediction))
}

/// Whether `prediction` meets `expect`, and a sentence saying so.
fn expectation_holds(expect: &Expectation, prediction: &Value) -> (bool, String) {
    let number = prediction.as_f64().or_else(|| {
        // A one-element list, as some servers wrap scalars.
        prediction
            .as_array()
            .filter(|a| a.len() == 1)
            .and_then(|a| a[0].as_f64())
    });
    let need_number = || {
        (
            false,
            format!("Expected a number, got {}.", shown(prediction)),
        )
    };
    match expect {
        Expectation::Exact { value } => (
            prediction == value,
            format!(
                "Predicted {}; expected exactly {}.",
                shown(prediction),
                shown(value)
            ),
        ),
        Expectation::Absolute { value, tolerance } => match number {
            Some(p) => (
                (p - value).abs() <= *tolerance,
                format!("Predicted {p}; expected {value} ± {tolerance}."),
            ),
            None => need_number(),
        },
        Expectation::Relative { value, tolerance } => match number {
            Some(p) => (
                (p - value).abs() <= tolerance * value.abs(),
                format!(
                    "Predicted {p}; expected {value} within {:.2}%.",
                    tolerance * 100.0
                ),
            ),
            None => need_number(),
        },
        Expectation::Range { min, max } => match number {
            Some(p) => (
                (*min..=*max).contains(&p),
                format!("Predicted {p}; expected between {min} and {max}."),
            ),
            None => need_number(),
        },
        Expectation::ClassLabel { label } => {
            let predicted = match prediction.as_array() {
                Some(probs) => {
                    let p: Vec<f64> = probs.iter().filter_map(Value::as_f64).collect();
                    Value::from(argmax(&p))
                }
                None => prediction.clone(),
            };
            // 2 and 2.0 are the same class.
            let same = predicted == *label
                || (predicted.as_f64().is_some() && predicted.as_f64() == label.as_f64());
            (
                same,
                format!(
                    "Predicted class {}; expected {}.",
                    shown(&predicted),
                    shown(label)
                ),
            )
        }
        Expectation::ClassProbability { class, at_least } => {
            match prediction
                .as_array()
                .and_then(|p| p.get(*class))
                .and_then(Value::as_f64)
            {
                Some(p) => (
                    p >= *at_least,
                    format!("P(class {class}) = {p:.4}; expected at least {at_least}."),
                ),
                None => (
                    false,
                    format!(
                        "Expected a probability list with class {class}, got {}.",
                        shown(prediction)
                    ),
                ),
            }
        }
    }
}

/// Longest JSON value a summary shows, in characters: a server may answer with anything.
const SHOWN_CHARS: usize = 200;

/// A JSON value as a summary shows it, cut to [`SHOWN_CHARS`].
fn shown(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(SHOWN_CHARS) {
        None => text,
        Some((end, _)) => format!("{}…", &text[..end]),
    }
}
