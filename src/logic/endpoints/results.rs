//! What each case's answer came to, and how the Endpoints step stands.

use assay_engine::checks::Verdict;
use assay_engine::endpoint::{
    CaseOutcome, EndpointSpec, Request, Secrets, SmokeCase, Transport, judge, judge_transport,
};

use crate::logic::endpoints::form::EndpointForm;
use crate::logic::status::Status;

/// One case's result as the panel shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseResult {
    pub outcome: CaseOutcome,
    /// Blocked by CORS here: it runs in CI (`assay run`), or through the relay.
    pub runs_in_ci: bool,
}

/// Judges what the browser got for `case`: an answer, or why none came. The credential is
/// shown as its `${env:NAME}` reference wherever the server echoed it.
pub fn result_of(
    spec: &EndpointSpec,
    case: &SmokeCase,
    request: &Request,
    answer: &Result<assay_engine::endpoint::Response, Transport>,
    secrets: &Secrets,
) -> CaseResult {
    let mut result = match answer {
        Ok(response) => CaseResult {
            outcome: judge(spec, case, request, response),
            runs_in_ci: false,
        },
        Err(failure) => CaseResult {
            outcome: judge_transport(spec, case, request, failure),
            runs_in_ci: *failure == Transport::Cors,
        },
    };
    secrets.redact_outcome(&mut result.outcome);
    result
}

/// How the Endpoints step stands: optional without cases; failing with the count of cases that
/// failed here; needing attention while a case has not been seen to pass (not run, or blocked by
/// CORS in this browser: not a failure, it runs in CI, but not Done either).
pub fn status(form: &EndpointForm, results: &[CaseResult]) -> Status {
    if form.cases.is_empty() {
        return Status::Optional;
    }
    let result = |case: &SmokeCase| results.iter().find(|r| r.outcome.case == case.name);
    let (mut failing, mut unchecked) = (0, false);
    for case in &form.cases {
        match result(case) {
            Some(r) if r.outcome.verdict == Verdict::Pass => {}
            Some(r) if !r.runs_in_ci => failing += 1,
            // Not run, or blocked here: nothing has seen it pass yet.
            _ => unchecked = true,
        }
    }
    match (failing, unchecked) {
        (0, false) => Status::Done,
        (0, true) => Status::NeedsAttention,
        (n, _) => Status::Failing(n),
    }
}

/// A line summing the results up.
pub fn summary(results: &[CaseResult]) -> String {
    let passed = results
        .iter()
        .filter(|r| r.outcome.verdict == Verdict::Pass)
        .count();
    let blocked = results.iter().filter(|r| r.runs_in_ci).count();
    let mut line = format!("{passed} of {} cases pass.", results.len());
    if blocked > 0 {
        line.push_str(&format!(
            " {blocked} blocked by CORS in this browser: they run in CI."
        ));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::endpoints::cases::fields;
    use crate::logic::endpoints::credential::{Credential, headers_to_send};
    use crate::logic::endpoints::route::{Route, request_for};
    use crate::logic::endpoints::test_support::drafted_form;
    use assay_engine::endpoint::Response;
    use serde_json::{Value, json};

    #[test]
    fn a_credential_the_server_echoes_is_shown_as_its_reference() {
        let spec = drafted_form().to_spec().unwrap();
        let resolved = headers_to_send(&spec, &Credential::new("s3cret-value")).unwrap();
        let answer = |status: u16, body: Value| {
            Ok(Response {
                status,
                content_type: Some("application/json".into()),
                body: body.to_string(),
                latency_ms: 3.0,
                location: None,
            })
        };
        let refused = answer(401, json!({"detail": "bad key s3cret-value"}));
        let echoed = answer(
            200,
            json!({"outputs": [{"name": "p", "shape": [1], "datatype": "BYTES", "data": ["s3cret-value"]}]}),
        );
        for answer in [refused, echoed] {
            let request = request_for(&spec, &spec.cases[0], Route::Direct);
            let result = result_of(&spec, &spec.cases[0], &request, &answer, &resolved.secrets);
            let shown = format!("{:?}", result.outcome);
            assert!(
                !shown.contains("s3cret") && shown.contains("${env:MODEL_KEY}"),
                "{shown}"
            );
        }
    }

    #[test]
    fn cors_failures_run_in_ci_and_one_failure_does_not_hide_the_others() {
        let form = drafted_form();
        let spec = form.to_spec().unwrap();
        let answer = |label: &str| {
            Ok(Response {
                status: 200,
                content_type: Some("application/json".into()),
                body: json!({"outputs": [{"name": "p", "shape": [1, 1], "datatype": "BYTES", "data": [label]}]})
                    .to_string(),
                latency_ms: 3.0,
                location: None,
            })
        };
        let cases = &spec.cases;
        let none = Secrets::default();
        let label = |i: usize| fields(&cases[i].expect)[0].1.clone();
        let run = |i: usize, answer| {
            let request = request_for(&spec, &cases[i], Route::Direct);
            result_of(&spec, &cases[i], &request, &answer, &none)
        };
        let results = [
            run(0, answer(&label(0))),
            run(1, answer("nonsense")),
            run(2, Err(Transport::Cors)),
            run(3, Err(Transport::ConnectionRefused)),
        ];
        let verdicts: Vec<_> = results.iter().map(|r| r.outcome.verdict).collect();
        assert_eq!(
            verdicts,
            [Verdict::Pass, Verdict::Fail, Verdict::Fail, Verdict::Fail]
        );
        assert!(results[2].runs_in_ci && !results[3].runs_in_ci);
        assert!(results[2].outcome.summary.contains("CORS"));
        assert_eq!(
            summary(&results),
            "1 of 4 cases pass. 1 blocked by CORS in this browser: they run in CI."
        );
        // The step counts real failures, and is not Done while a case is unchecked: not run,
        // or blocked by CORS here (it runs in CI, but nothing has seen it pass).
        let mut four = form.clone();
        four.cases.truncate(4);
        assert_eq!(status(&four, &results), Status::Failing(2));
        let mut ran = four.clone();
        ran.cases = vec![four.cases[0].clone(), four.cases[2].clone()];
        assert_eq!(status(&ran, &results), Status::NeedsAttention);
        ran.cases.truncate(1);
        assert_eq!(status(&ran, &results), Status::Done);
        assert_eq!(status(&form, &results[..1]), Status::NeedsAttention);
        assert_eq!(status(&EndpointForm::default(), &[]), Status::Optional);
    }
}
