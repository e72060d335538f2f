//! Judging one case's answer: contract (status, content type, shape) and expectation, with a
//! specific reason whenever it fails.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::excerpt::{error_excerpt, excerpt_json, excerpt_text};
use super::protocol::{Request, extract_predictions};
use super::{EndpointSpec, Expectation, Protocol, SmokeCase};
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

/// One case's result. Latency varies run to run, so these are reported, never recorded (the
/// page keeps them with its draft).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    outcome(
        &case.name,
        request,
        false,
        transport_failure(endpoint, failure),
    )
}

/// Why no answer came back, in a sentence.
pub(super) fn transport_failure(endpoint: &EndpointSpec, failure: &Transport) -> String {
    match failure {
        Transport::ConnectionRefused => format!("Connection refused: nothing listens at {}.", endpoint.base_url),
        Transport::Timeout => format!("No answer within {} ms.", endpoint.timeout_ms),
        Transport::Dns => format!("The host in {} could not be resolved.", endpoint.base_url),
        Transport::Tls { message } => format!("TLS failed: {message}."),
        Transport::Cors => "The browser blocked the answer: the server sends no CORS headers. This case runs in CI (`assay run`), or through `assay serve`'s relay.".into(),
        Transport::Other { message } => format!("The request failed: {message}."),
    }
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
    let prediction = match read_predictions(&endpoint.protocol, response, 1) {
        Ok(mut predictions) => predictions.swap_remove(0),
        Err(unreadable) => return result(false, unreadable.reason, unreadable.answer),
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

/// Why an answer holds no predictions, with the answer when it was JSON all the same.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Unreadable {
    pub reason: String,
    pub answer: Option<Value>,
}

/// The predictions in `response` to a batch of `rows` rows: a 2xx JSON answer of the protocol's
/// shape, one prediction per row, or why not.
pub(super) fn read_predictions(
    protocol: &Protocol,
    response: &Response,
    rows: usize,
) -> Result<Vec<Value>, Unreadable> {
    let fail = |reason: String, answer: Option<Value>| Err(Unreadable { reason, answer });
    if let Some(failure) = status_failure(response) {
        return fail(failure, None);
    }
    let json_type = response
        .content_type
        .as_deref()
        .is_some_and(|t| t.contains("json"));
    let answer: Value = match serde_json::from_str(&response.body) {
        Ok(answer) => answer,
        Err(_) if has_non_finite_token(&response.body) => {
            return fail(
                "The answer holds bare NaN or Infinity, which is not JSON.".into(),
                None,
            );
        }
        Err(e) => {
            return fail(
                format!(
                    "The answer is not valid JSON ({e}): {}",
                    error_excerpt(&response.body)
                ),
                None,
            );
        }
    };
    if !json_type {
        return fail(
            format!(
                "Content type is {:?}, not JSON.",
                excerpt_text(response.content_type.as_deref().unwrap_or("missing"))
            ),
            Some(answer),
        );
    }
    extract_predictions(protocol, &answer, rows)
        .or_else(|problem| fail(format!("Unexpected answer shape: {problem}."), None))
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

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail loudly by design.
mod tests {
    use serde_json::json;

    use super::*;
    use crate::endpoint::Protocol;

    /// Whether `prediction` meets `expect`.
    fn check(expect: Expectation, prediction: Value, passes: bool) {
        let (passed, summary) = expectation_holds(&expect, &prediction);
        assert_eq!(passed, passes, "{expect:?} on {prediction}: {summary}");
    }

    #[test]
    fn absolute_tolerance_passes_within_and_on_the_bound_and_fails_beyond() {
        // 151 ± 5: 146 and 156 are exactly on the bounds (all exact in binary).
        let absolute = || Expectation::Absolute {
            value: 151.0,
            tolerance: 5.0,
        };
        check(absolute(), json!(151.0), true);
        check(absolute(), json!(156.0), true);
        check(absolute(), json!(146.0), true);
        check(absolute(), json!(156.5), false);
        check(absolute(), json!(145.5), false);
        check(absolute(), json!([153.0]), true); // a one-element list holds the number
        check(absolute(), json!("151"), false);
    }

    #[test]
    fn relative_tolerance_is_a_share_of_the_expected_value() {
        // 200 within 25%: ± 50, so 150 and 250 exactly on the bounds.
        let relative = |value: f64| Expectation::Relative {
            value,
            tolerance: 0.25,
        };
        check(relative(200.0), json!(250.0), true);
        check(relative(200.0), json!(150.0), true);
        check(relative(200.0), json!(251.0), false);
        check(relative(200.0), json!(149.0), false);
        // A negative value: the share is of its size, −200 ± 50.
        check(relative(-200.0), json!(-150.0), true);
        check(relative(-200.0), json!(-251.0), false);
        // Not a share of the prediction: 4 is within 25% of 4 but not of 3.
        check(relative(3.0), json!(4.0), false);
        check(relative(200.0), json!([1, 2]), false);
    }

    #[test]
    fn ranges_and_class_probabilities_include_their_bounds() {
        let range = || Expectation::Range { min: 1.0, max: 2.0 };
        check(range(), json!(1.0), true);
        check(range(), json!(2.0), true);
        check(range(), json!(0.5), false);
        check(range(), json!(2.5), false);
        let probability = || Expectation::ClassProbability {
            class: 1,
            at_least: 0.75,
        };
        check(probability(), json!([0.25, 0.75]), true);
        check(probability(), json!([0.5, 0.5]), false);
        check(probability(), json!([0.75]), false); // no class 1
    }

    #[test]
    fn class_labels_take_the_most_probable_class_the_first_on_ties() {
        let label = |l: Value| Expectation::ClassLabel { label: l };
        check(label(json!(2)), json!([0.25, 0.25, 0.5]), true);
        check(label(json!(1)), json!([0.125, 0.5, 0.375]), true);
        check(label(json!(0)), json!([0.5, 0.5]), true); // a tie goes to the lower class
        check(label(json!(1)), json!([0.5, 0.5]), false);
        check(label(json!(2)), json!(2.0), true);
        check(label(json!("setosa")), json!(["setosa"]), true);
        check(label(json!("setosa")), json!([]), false);
        check(label(json!(0)), json!([0.5, "x"]), false);
    }

    #[test]
    fn exact_values_and_text_labels_must_be_the_same() {
        let exact = |value: Value| Expectation::Exact { value };
        check(exact(json!("setosa")), json!("setosa"), true);
        check(exact(json!("setosa")), json!("virginica"), false);
        check(exact(json!([1, 2])), json!([1, 2]), true);
        check(exact(json!([1, 2])), json!([2, 1]), false);
        let label = |label: Value| Expectation::ClassLabel { label };
        // Two labels that are not numbers are compared as they are, never as equal non-numbers.
        check(label(json!("versicolor")), json!("setosa"), false);
        check(label(json!("versicolor")), json!(["setosa"]), false);
        check(label(json!(1)), json!(2), false);
    }

    fn endpoint() -> EndpointSpec {
        EndpointSpec {
            name: "diabetes".into(),
            base_url: "http://127.0.0.1:8501".into(),
            protocol: Protocol::TfServing { columnar: false },
            model: "diabetes".into(),
            version: None,
            headers: vec![],
            timeout_ms: 2_000,
            features: vec!["bmi".into()],
            cases: vec![],
            load: None,
            evaluation: None,
            serve: None,
        }
    }

    fn answer(body: &str, latency_ms: f64) -> Response {
        Response {
            status: 200,
            content_type: Some("application/json".into()),
            body: body.into(),
            latency_ms,
            location: None,
        }
    }

    #[test]
    fn judge_reports_status_latency_and_prediction_and_holds_the_budget_inclusive() {
        let case = SmokeCase {
            name: "smoke".into(),
            input: vec![json!(0.5)],
            expect: Expectation::Absolute {
                value: 151.0,
                tolerance: 5.0,
            },
            max_latency_ms: Some(50),
        };
        let request = Request {
            method: "POST",
            url: "http://127.0.0.1:8501/v1/models/diabetes:predict".into(),
            body: None,
        };
        let on_budget = judge(
            &endpoint(),
            &case,
            &request,
            &answer(r#"{"predictions":[153.0]}"#, 50.0),
        );
        assert_eq!(on_budget.verdict, Verdict::Pass, "{}", on_budget.summary);
        assert_eq!(on_budget.case, "smoke");
        assert_eq!(on_budget.status, Some(200));
        assert_eq!(on_budget.latency_ms, Some(50.0));
        assert_eq!(on_budget.prediction, Some(json!(153.0)));

        let over = judge(
            &endpoint(),
            &case,
            &request,
            &answer(r#"{"predictions":[153.0]}"#, 50.5),
        );
        assert_eq!(over.verdict, Verdict::Fail);
        assert!(
            over.summary.contains("the budget is 50 ms"),
            "{}",
            over.summary
        );
        assert!(
            over.summary.ends_with(&format!("(POST {})", request.url)),
            "{}",
            over.summary
        );
        assert_eq!(over.latency_ms, Some(50.5));

        let wrong = judge(
            &endpoint(),
            &case,
            &request,
            &answer(r#"{"predictions":[140.0]}"#, 1.0),
        );
        assert_eq!(wrong.verdict, Verdict::Fail);
        assert_eq!(wrong.prediction, Some(json!(140.0)));
        assert!(
            wrong
                .summary
                .starts_with("Predicted 140; expected 151 ± 5."),
            "{}",
            wrong.summary
        );
    }

    #[test]
    fn non_finite_tokens_are_found_outside_strings_only() {
        let cases = [
            (r#"{"predictions":[NaN]}"#, true),
            (r#"[Infinity]"#, true),
            (r#"{"note":"NaN here is text","p":[1]}"#, false),
            (r#"{"note":"an \"escaped NaN\"","p":[1]}"#, false),
            (r#"{"note":"\\","p":[NaN]}"#, true),
            ("<html>NaN</html>", false),
        ];
        for (body, expect) in cases {
            assert_eq!(has_non_finite_token(body), expect, "{body}");
        }
    }
}
