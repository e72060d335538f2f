//! Finished runs and which of them still hold: a run holds for a draft that trains the same
//! model, a check's outcome for one judged the same way, and export needs a full run of the
//! very spec the draft describes.

use std::collections::HashMap;

use assay_engine::checks::{CheckOutcome, CheckSpec, Verdict};
use assay_engine::replay::Run;
use assay_engine::spec::Spec;

/// The latest finished training or full run, and the spec it ran.
#[derive(Debug, Clone, PartialEq)]
pub struct LastRun {
    pub spec: Spec,
    pub run: Run,
    /// Whether every enabled check ran (a "Run all"), so the result can be exported.
    pub full: bool,
}

/// Check outcomes by the check's settings, for the spec that ran them: they hold for any spec
/// [`judged_the_same`] as it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcomes {
    pub judged_by: Option<Spec>,
    pub by_check: HashMap<String, CheckOutcome>,
}

impl Outcomes {
    /// Records the outcomes of `run`, a run of `spec`; outcomes judged another way are dropped.
    pub fn record(&mut self, spec: &Spec, run: &Run) {
        if !self
            .judged_by
            .as_ref()
            .is_some_and(|ran| judged_the_same(ran, spec))
        {
            *self = Outcomes {
                judged_by: Some(spec.clone()),
                by_check: HashMap::new(),
            };
        }
        for (check, outcome) in spec.checks.iter().zip(&run.checks) {
            self.by_check.insert(check_key(check), outcome.clone());
        }
    }

    /// The outcome of `check` as `spec` would judge it, if it has run.
    pub fn get(&self, spec: &Spec, check: &CheckSpec) -> Option<&CheckOutcome> {
        self.judged_by
            .as_ref()
            .is_some_and(|ran| judged_the_same(ran, spec))
            .then(|| self.by_check.get(&check_key(check)))
            .flatten()
    }
}

/// Whether a check judges two specs the same way: the same model, and the same history that
/// "no worse than before" compares with.
pub fn judged_the_same(a: &Spec, b: &Spec) -> bool {
    a.trains_the_same(b) && a.history == b.history
}

/// A check's settings as text: the key its outcome is kept under. Pretty, like a spec file,
/// so the page needs no second, compact JSON writer.
pub fn check_key(check: &CheckSpec) -> String {
    serde_json::to_string_pretty(check).unwrap_or_default()
}

/// What a screen reader hears when a Run all ends: how many of its checks passed and how many
/// did not (a check that could not run counts as failed).
pub fn run_all_finished(checks: &[CheckOutcome]) -> String {
    let passed = checks.iter().filter(|c| c.verdict == Verdict::Pass).count();
    let failed = checks.len() - passed;
    format!("Run all finished: {passed} passed, {failed} failed.")
}

/// The last run, if it was a Run all of `spec`. The history is left out of the comparison:
/// exporting makes that file the previous revision, which changes the draft's history but not
/// what the run recorded, and `Draft::export` then gives the same file back.
pub fn exportable<'a>(spec: &Spec, last: &'a Option<LastRun>) -> Result<&'a LastRun, String> {
    match last {
        // Both specs come from the draft, so "tests the same" is "equal but for the history".
        Some(last) if last.full && last.spec.tests_the_same_as(spec) => Ok(last),
        Some(_) => Err(
            "The settings changed since the last Run all: run everything again to \
                        record results for this spec."
                .to_owned(),
        ),
        None => {
            Err("Press Run all: the spec records the results a replay must reproduce.".to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use assay_engine::checks::{CheckOutcome, Verdict};

    use super::run_all_finished;

    #[test]
    fn the_end_of_run_all_counts_errors_as_failed() {
        let error = CheckOutcome {
            verdict: Verdict::Error,
            ..CheckOutcome::new(false, "could not run", Vec::new())
        };
        let checks = [
            CheckOutcome::new(true, "fine", Vec::new()),
            CheckOutcome::new(false, "too low", Vec::new()),
            error,
            CheckOutcome::new(true, "fine", Vec::new()),
        ];
        assert_eq!(
            run_all_finished(&checks),
            "Run all finished: 2 passed, 2 failed."
        );
        assert_eq!(
            run_all_finished(&[]),
            "Run all finished: 0 passed, 0 failed."
        );
    }
}
