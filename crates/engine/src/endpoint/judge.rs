//! Judging one case's answer: contract (status, content type, shape) and expectation, with a
//! specific reason whenever it fails.

use serde::Serialize;
use serde_json::Value;

use super::excerpt::{error_excerpt, excerpt_json, excerpt_text};
use super::protocol::{Request, extract_prediction};
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
    /// The `Location` header, which a redirect names its target in.
    pub location: Option<String>,
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

/// A verdict on `request`. A failure names the request (method and URL), so a reader knows
/// which of a spec's requests it was without the spec at hand.
fn outcome(name: &str, request: &Request, passed: bool, summary: String) -> CaseOutcome {
    CaseOutcome {
        case: name.to_owned(),
        verdict: if passed { Verdict::Pass } else { Verdict::Fail },
        summary: if passed {
            summary
        } else {
            format!("{summary} ({} {})", request.method, request.url)
        },
        status: None,
        latency_ms: None,
        prediction: None,
    }
}

/// A verdict on a `response` to `request`, carrying its status and latency.
pub(super) fn answered(
    name: &str,
    request: &Request,
    response: &Response,
    passed: bool,
    summary: String,
) -> CaseOutcome {
    CaseOutcome {
        status: Some(response.status),
        latency_ms: Some(response.latency_ms),
        ..outcome(name, request, passed, summary)
    }
}

pub fn judge_transport(
    endpoint: &EndpointSpec,
    case: &SmokeCase,
    request: &Request,
    failure: &Transport,
) -> CaseOutcome {
    let summary = match failure {
        Transport::ConnectionRefused => format!("Connection refused: nothing listens at {}.", endpoint.base_url),
        Transport::Timeout => format!("No answer within {} ms.", endpoint.timeout_ms),
        Transport::Dns => format!("The host in {} could not be resolved.", endpoint.base_url),
        Transport::Tls { message } => format!("TLS failed: {message}."),
        Transport::Cors => "The browser blocked the answer: the server sends no CORS headers. This case runs in CI (`assay run`), or through `assay serve`'s relay.".into(),
        Transport::Other { message } => format!("The request failed: {message}."),
    };
    outcome(&case.name, request, false, summary)
}

/// Why a status that is not 2xx fails: a redirect is never followed (it may carry the request
/// and its credentials to another server, whose answer would then be judged), so it says where
/// it pointed; any other status says what the body says went wrong.
pub(super) fn status_failure(response: &Response) -> Option<String> {
    match response.status {
        200..=299 => None,
        300..=399 => Some(format!(
            "HTTP {} redirects {}. Redirects are not followed: set `base_url` to the address \
             that answers.",
            response.status,
            match &response.location {
                Some(location) => format!("to {}", excerpt_text(location)),
                None => "without naming where".into(),
            }
        )),
        status => {
            let said = error_excerpt(&response.body);
            Some(if said.is_empty() {
                format!("HTTP {status} with an empty body.")
            } else {
                format!("HTTP {status}: {said}")
            })
        }
    }
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

/// The readiness check as a case of its own: any 2xx answer is ready.
pub fn judge_health(
    _endpoint: &EndpointSpec,
    request: &Request,
    response: &Response,
) -> CaseOutcome {
    let (passed, summary) = match status_failure(response) {
        Some(failure) => (false, format!("Readiness check: {failure}")),
        None => (
            true,
            format!("Readiness check answered HTTP {}.", response.status),
        ),
    };
    answered("health", request, response, passed, summary)
}

pub fn judge(
    endpoint: &EndpointSpec,
    case: &SmokeCase,
    request: &Request,
    response: &Response,
) -> CaseOutcome {
    let result = |passed: bool, summary: String, prediction: Option<Value>| CaseOutcome {
        prediction,
        ..answered(&case.name, request, response, passed, summary)
    };
    if let Some(failure) = status_failure(response) {
        return result(false, failure, None);
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
                    error_excerpt(&response.body)
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
                excerpt_text(response.content_type.as_deref().unwrap_or("missing"))
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
    // What the server sent is shown cut short: it chooses the length.
    let shown = excerpt_json(prediction);
    let need_number = || (false, format!("Expected a number, got {shown}."));
    match expect {
        Expectation::Exact { value } => (
            prediction == value,
            format!("Predicted {shown}; expected exactly {value}."),
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
            let predicted = match predicted_class(prediction) {
                Ok(class) => class,
                Err(problem) => return (false, problem),
            };
            // 2 and 2.0 are the same class.
            let same = predicted == *label
                || (predicted.as_f64().is_some() && predicted.as_f64() == label.as_f64());
            (
                same,
                format!(
                    "Predicted class {}; expected {label}.",
                    excerpt_json(&predicted)
                ),
            )
        }
        Expectation::ClassProbability { class, at_least } => {
            match probabilities(prediction)
                .ok()
                .and_then(|p| p.get(*class).copied())
            {
                Some(p) => (
                    p >= *at_least,
                    format!("P(class {class}) = {p:.4}; expected at least {at_least}."),
                ),
                None => (
                    false,
                    format!("Expected a probability list with class {class}, got {shown}."),
                ),
            }
        }
    }
}

/// The class a prediction names: a label as it is, a one-element list's element (servers wrap
/// labels so), or the most probable class of a probability vector.
fn predicted_class(prediction: &Value) -> Result<Value, String> {
    match prediction.as_array().map(Vec::as_slice) {
        None => Ok(prediction.clone()),
        Some([]) => Err("The answer holds an empty list, not a prediction.".into()),
        Some([one]) => predicted_class(one),
        Some(_) => probabilities(prediction).map(|p| Value::from(argmax(&p))),
    }
}

/// A probability vector: a list of two or more numbers, every one of them a number (none
/// silently dropped, which would shift the classes).
fn probabilities(prediction: &Value) -> Result<Vec<f64>, String> {
    let unusable = || {
        format!(
            "Expected a list of class probabilities; the values are not all numbers: {}.",
            excerpt_json(prediction)
        )
    };
    let items = prediction.as_array().ok_or_else(unusable)?;
    if items.is_empty() {
        return Err("The answer holds an empty list, not a prediction.".into());
    }
    items
        .iter()
        .map(|v| v.as_f64().filter(|p| p.is_finite()))
        .collect::<Option<Vec<f64>>>()
        .ok_or_else(unusable)
}
