//! What `assay run` found, per spec, and the two machine-readable forms it is written in.
//!
//! # `--json` wire format
//! A JSON array with one object per spec, in the order given on the command line:
//! `{"spec": path, "name": string|null, "status": "pass"|"fail"|"error", "error": string|null,
//! "parameter_fingerprint": string|null, "replay": "bit_identical"|"differs"|"nothing_recorded"|null,
//! "checks": [CheckOutcome…], "differences": [{"item", "recorded", "replayed"}…],
//! "endpoints": [{"endpoint", "cases": [CaseOutcome…], "load": LoadSummary?}…]}`.
//! `CheckOutcome` is the engine's type as written in specs (`check`, `verdict`, `summary`,
//! `metrics`, `fingerprint`). `CaseOutcome` is `{case, verdict, summary, status, latency_ms,
//! prediction}`; `LoadSummary` is `{planned, requests (sent), errors, failures: {refused,
//! timed_out, status: {"500": n…}, other}, succeeded, p50_ms, p95_ms, p99_ms (of the successful
//! answers only), error_rate, elapsed_ms, broken: [text…]}`. A credential a server echoed is
//! written as its `${env:NAME}` reference.
//!
//! # `--junit`
//! JUnit XML: one `<testsuite>` per spec, one `<testcase>` per check, per endpoint case (its
//! `time` is the answer's latency) and per load run (its `time` is the run's), and one for the
//! replay's match with its recording; a spec that cannot be used is one `<error>`.

use assay_engine::checks::{CheckOutcome, Verdict};
use assay_engine::replay::Difference;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde::Serialize;

use crate::Status;
use crate::endpoints::EndpointReport;

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
    pub parameter_fingerprint: Option<String>,
    pub replay: Option<ReplayMatch>,
    pub checks: Vec<CheckOutcome>,
    pub differences: Vec<Difference>,
    pub endpoints: Vec<EndpointReport>,
}

impl SpecReport {
    /// A spec that could not be used at all.
    pub fn unusable(spec: &str, error: String) -> Self {
        Self {
            spec: spec.to_owned(),
            name: None,
            status: "error",
            error: Some(error),
            parameter_fingerprint: None,
            replay: None,
            checks: Vec::new(),
            differences: Vec::new(),
            endpoints: Vec::new(),
        }
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
            for case in &endpoint.cases {
                let status = if case.verdict == Verdict::Pass {
                    TestCaseStatus::success()
                } else {
                    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    status.set_message(case.summary.as_str());
                    status
                };
                let mut test = case_named(
                    &format!("endpoint {} / {}", endpoint.endpoint, case.case),
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
                    spec.differences.len()
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
