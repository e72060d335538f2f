//! What `assay run` found, per spec, and the two machine-readable forms it is written in.
//!
//! # `--json` wire format
//! A JSON array with one object per spec, in the order given on the command line:
//! `{"spec": path, "name": string|null, "status": "pass"|"fail"|"error", "error": string|null,
//! "parameter_fingerprint": string|null, "replay": "bit_identical"|"differs"|"nothing_recorded"|null,
//! "checks": [CheckOutcome…], "differences": [Difference…], "differences_total": n,
//! "endpoints": [{"endpoint", "cases": [CaseOutcome…], "load": LoadSummary?,
//! "evaluation": EvaluationReport?, "skipped": "why it did not run"?}…]}`. A staged server's
//! stages are cases named `starts`, `ready within N s` and `shuts down cleanly` (first, second
//! and last), their `latency_ms` the time the stage took.
//! `CheckOutcome` is the engine's type as written in specs (`check`, `verdict`, `summary`,
//! `metrics`, `fingerprint`). A `Difference` is one value the replay did not reproduce bit for
//! bit: `{"item": "check 1 (reproducible_training) final_loss", "recorded": Value, "replayed":
//! Value, "match": "within_tolerance"|"differs"}`, where `within_tolerance` means two floats at
//! most 1e-9 apart relative to the larger (the app's review calls that reproduced; `assay run`
//! does not); a `Value` is `{"text": s}`, `{"float": number, "bits": "16 hex digits"}` (the
//! float's IEEE-754 bits, every NaN as `7ff8000000000000`; a non-finite float is `"NaN"`,
//! `"Infinity"` or `"-Infinity"`, as in specs), `{"count": n}`, `{"verdict": "pass"|"fail"|
//! "error"}`, or `null` when that side has no such value. `differences_total` counts them all,
//! listed or not (see "Bounds"). `CaseOutcome` is `{case, verdict, summary, status, latency_ms,
//! prediction}`; `LoadSummary` is `{planned, requests (sent), errors, failures: {refused,
//! timed_out, status: {"500": n…}, other}, succeeded, p50_ms, p95_ms, p99_ms (of the successful
//! answers only), error_rate, elapsed_ms, broken: [text…]}`. `EvaluationReport` (an endpoint's
//! `evaluation`: the dataset's rows through the served model) is `{endpoint, rows:
//! "validation"|"all", sent, answered, failed: [{reason, count, lines: [file line…] (the first
//! 10)}…], answer_kind: "labels"|"probabilities"|"numbers"|null, metrics: [{name, value}…],
//! confusion: [[count…]…] (rows: true class, columns: predicted; empty for regression),
//! classes: [label…], predicted_vs_actual?: [[predicted, actual]…] (regression, the first
//! 2000), notes: [text…], compared: [{endpoint, answered, failed, metrics}…] (the endpoints a
//! `no_worse_than_endpoint` check names), checks: [CaseOutcome…]}` where `checks[0]` is
//! `answers` (every row answered readably) and the rest follow the spec's evaluation checks,
//! each named by its tag and subject (`metric_threshold accuracy`). A credential a server
//! echoed is written as its `${env:NAME}` reference.
//!
//! # `--junit`
//! JUnit XML: one `<testsuite>` per spec, one `<testcase>` per check, per endpoint case (its
//! `time` is the answer's latency; a staged server's `starts`, `ready within N s` (its `time`
//! the wait) and `shuts down cleanly` are cases too), per load run (its `time` is the run's)
//! and per evaluation check (`endpoint NAME / evaluation / metric_threshold accuracy`), one
//! `<skipped>` per endpoint not run (a server it would start without `--allow-serve`), and one
//! for the replay's match with its recording; a spec that cannot be used is one `<error>`.
//!
//! # Bounds
//! Every text a spec or a server provides is clipped ([`SpecReport::bounded`]): names to
//! [`MAX_NAME_CHARS`], messages to [`MAX_MESSAGE_CHARS`], and the differences from the recording
//! to the first [`MAX_DIFFERENCES`] (`differences_total` still counts all), so a report's size
//! follows the number of checks, not the size of the spec.

use assay_engine::checks::{CheckOutcome, Verdict};
use assay_engine::comparison::{Difference, Value};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde::Serialize;

use crate::Status;
use crate::endpoints::EndpointReport;

/// Longest name (spec, check, endpoint, case) a report carries, in characters; JUnit repeats
/// the spec's name in every test case.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest message (a summary, an error, a recorded or replayed value) a report carries.
pub const MAX_MESSAGE_CHARS: usize = 2000;
/// Most differences from the recording a report lists; the rest are counted in one more item.
pub const MAX_DIFFERENCES: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplayMatch {
    BitIdentical,
    Differs,
    NothingRecorded,
}

#[derive(Debug, Clone, Serialize)]
pub struct SpecReport {
    pub spec: String,
    pub name: Option<String>,
    pub status: &'static str,
    pub error: Option<String>,
    /// The spec's numerics version (the order its sums add in), once it was read.
    pub numerics: Option<u32>,
    pub parameter_fingerprint: Option<String>,
    pub replay: Option<ReplayMatch>,
    pub checks: Vec<CheckOutcome>,
    /// The first [`MAX_DIFFERENCES`] differences from the recording, once [`Self::bounded`].
    pub differences: Vec<Difference>,
    /// Every difference from the recording, listed or not.
    pub differences_total: usize,
    pub endpoints: Vec<EndpointReport>,
}

impl SpecReport {
    /// A spec that could not be used at all.
    pub fn unusable(spec: &str, error: String) -> Self {
        Self {
            spec: clip(spec, MAX_MESSAGE_CHARS),
            name: None,
            status: "error",
            error: Some(clip(&error, MAX_MESSAGE_CHARS)),
            numerics: None,
            parameter_fingerprint: None,
            replay: None,
            checks: Vec::new(),
            differences: Vec::new(),
            differences_total: 0,
            endpoints: Vec::new(),
        }
    }

    /// The report with every spec- or server-provided text clipped and the differences capped
    /// (see the module's "Bounds"), for the terminal and both report files alike.
    pub fn bounded(mut self) -> Self {
        self.spec = clip(&self.spec, MAX_MESSAGE_CHARS);
        self.name = self.name.map(|n| clip(&n, MAX_NAME_CHARS));
        self.error = self.error.map(|e| clip(&e, MAX_MESSAGE_CHARS));
        for check in &mut self.checks {
            check.check = clip(&check.check, MAX_NAME_CHARS);
            check.summary = clip(&check.summary, MAX_MESSAGE_CHARS);
        }
        self.differences.truncate(MAX_DIFFERENCES);
        for d in &mut self.differences {
            d.item = clip(&d.item, MAX_NAME_CHARS);
            for value in [&mut d.recorded, &mut d.replayed] {
                if let Value::Text(text) = value {
                    *text = clip(text, MAX_MESSAGE_CHARS);
                }
            }
        }
        for endpoint in &mut self.endpoints {
            endpoint.endpoint = clip(&endpoint.endpoint, MAX_NAME_CHARS);
            let evaluation = endpoint.evaluation.iter_mut().flat_map(|e| &mut e.checks);
            for case in endpoint.cases.iter_mut().chain(evaluation) {
                case.case = clip(&case.case, MAX_NAME_CHARS);
                case.summary = clip(&case.summary, MAX_MESSAGE_CHARS);
            }
            if let Some(evaluation) = &mut endpoint.evaluation {
                let compared = evaluation.compared.iter_mut().flat_map(|c| &mut c.failed);
                for group in evaluation.failed.iter_mut().chain(compared) {
                    group.reason = clip(&group.reason, MAX_MESSAGE_CHARS);
                }
            }
        }
        self
    }

    /// How many differences [`Self::bounded`] left out, in words, if any.
    pub fn unlisted_differences(&self) -> Option<String> {
        let unlisted = self
            .differences_total
            .saturating_sub(self.differences.len());
        (unlisted > 0).then(|| {
            format!(
                "{unlisted} more differences not listed, {} in all",
                self.differences_total
            )
        })
    }

    pub fn exit_status(&self) -> Status {
        match self.status {
            "pass" => Status::Success,
            "fail" => Status::Failed,
            _ => Status::Unusable,
        }
    }

    /// The status a run earns: any check that could not run makes it unusable; any failing
    /// check or difference from the recording makes it fail.
    pub fn status_of(
        checks: &[CheckOutcome],
        differences: &[Difference],
        endpoints: &[EndpointReport],
    ) -> &'static str {
        if checks.iter().any(|c| c.verdict == Verdict::Error) {
            "error"
        } else if checks.iter().any(|c| c.verdict == Verdict::Fail)
            || !differences.is_empty()
            || !endpoints.iter().all(EndpointReport::passed)
        {
            "fail"
        } else {
            "pass"
        }
    }
}

pub fn to_json(reports: &[SpecReport]) -> String {
    let mut text = serde_json::to_string_pretty(reports).unwrap_or_default();
    text.push('\n');
    text
}

pub fn to_junit(reports: &[SpecReport]) -> anyhow::Result<String> {
    let mut report = Report::new("assay");
    for spec in reports {
        let mut suite = TestSuite::new(spec.spec.as_str());
        let classname = spec.name.clone().unwrap_or_else(|| spec.spec.clone());
        if let Some(error) = &spec.error {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_message(error.as_str());
            suite.add_test_case(case_named("spec", &classname, status));
        }
        for check in &spec.checks {
            let status = match check.verdict {
                Verdict::Pass => TestCaseStatus::success(),
                Verdict::Fail | Verdict::Error => {
                    let kind = if check.verdict == Verdict::Fail {
                        NonSuccessKind::Failure
                    } else {
                        NonSuccessKind::Error
                    };
                    let mut status = TestCaseStatus::non_success(kind);
                    status.set_message(check.summary.as_str());
                    status
                }
            };
            suite.add_test_case(case_named(&check.check, &classname, status));
        }
        for endpoint in &spec.endpoints {
            if let Some(reason) = &endpoint.skipped {
                let mut status = TestCaseStatus::skipped();
                status.set_message(format!("not run, {reason}"));
                suite.add_test_case(case_named(
                    &format!("endpoint {}", endpoint.endpoint),
                    &classname,
                    status,
                ));
            }
            let evaluation = endpoint.evaluation.iter().flat_map(|e| &e.checks);
            let cases = endpoint
                .cases
                .iter()
                .map(|case| (case.case.clone(), case))
                .chain(evaluation.map(|check| (format!("evaluation / {}", check.case), check)));
            for (name, case) in cases {
                let status = if case.verdict == Verdict::Pass {
                    TestCaseStatus::success()
                } else {
                    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    status.set_message(case.summary.as_str());
                    status
                };
                let mut test = case_named(
                    &format!("endpoint {} / {name}", endpoint.endpoint),
                    &classname,
                    status,
                );
                if let Some(ms) = case.latency_ms {
                    test.set_time(seconds(ms));
                }
                suite.add_test_case(test);
            }
            if let Some(load) = &endpoint.load {
                let status = if load.broken.is_empty() {
                    TestCaseStatus::success()
                } else {
                    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    status.set_message(load.broken.join("; "));
                    status
                };
                let mut test = case_named(
                    &format!("endpoint {} / load", endpoint.endpoint),
                    &classname,
                    status,
                );
                test.set_time(seconds(load.elapsed_ms));
                suite.add_test_case(test);
            }
        }
        if let Some(replay) = spec.replay {
            let status = if replay == ReplayMatch::Differs {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_message(format!(
                    "{} differences from the recording",
                    spec.differences_total
                ));
                status.set_description(
                    spec.differences
                        .iter()
                        .map(|d| {
                            format!(
                                "{}: recorded {}, replayed {}",
                                d.item, d.recorded, d.replayed
                            )
                        })
                        .chain(spec.unlisted_differences())
                        .collect::<Vec<_>>()
                        .join("\n"),
                );
                status
            } else {
                TestCaseStatus::success()
            };
            suite.add_test_case(case_named("replay_matches_recording", &classname, status));
        }
        report.add_test_suite(suite);
    }
    Ok(report.to_string()?)
}

/// Milliseconds as a JUnit `time`; a negative or non-finite figure as zero.
fn seconds(ms: f64) -> std::time::Duration {
    std::time::Duration::try_from_secs_f64(ms / 1000.0).unwrap_or_default()
}

fn case_named(name: &str, classname: &str, status: TestCaseStatus) -> TestCase {
    let mut case = TestCase::new(name, status);
    case.set_classname(classname);
    case
}

/// `text` cut to at most `max` characters, saying how many were left out.
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((end, _)) => format!(
            "{}… ({} more characters)",
            &text[..end],
            text[end..].chars().count()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::clip;

    #[test]
    fn clip_cuts_at_a_character_and_counts_what_it_left_out() {
        assert_eq!(clip("héllo", 5), "héllo");
        assert_eq!(clip("héllo", 2), "hé… (3 more characters)");
        assert_eq!(clip("", 0), "");
    }
}
