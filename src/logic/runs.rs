//! Finished runs and which of them still hold. A spec's name, description, revision and history
//! are bookkeeping, not what it tests: a run holds for a draft that trains the same model, a
//! check's outcome for one that judges it the same way, and export needs a Run all of the same
//! model and checks. Only "no worse than before" reads the history, so only it can go stale
//! when the history changes (after an export, say).

use std::collections::BTreeMap;

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

/// Check outcomes for the model one spec trains, each under the check's settings (and, for a
/// check that compares with the history, what it compared with): they hold for any spec that
/// trains the same model and judges the check the same way.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcomes {
    pub by_check: BTreeMap<String, CheckOutcome>,
    trained_by: Option<Spec>,
}

impl Outcomes {
    /// Records the outcomes of `run`, a run of `spec`; outcomes for another model are dropped.
    pub fn record(&mut self, spec: &Spec, run: &Run) {
        if !self.holds_for(spec) {
            *self = Outcomes {
                by_check: BTreeMap::new(),
                trained_by: Some(spec.clone()),
            };
        }
        for (check, outcome) in spec.checks.iter().zip(&run.checks) {
            self.by_check
                .insert(outcome_key(spec, check), outcome.clone());
        }
    }

    /// The outcome of `check` as `spec` would judge it, if it has run.
    pub fn get(&self, spec: &Spec, check: &CheckSpec) -> Option<&CheckOutcome> {
        self.holds_for(spec)
            .then(|| self.by_check.get(&outcome_key(spec, check)))
            .flatten()
    }

    /// The spec whose model these outcomes judged, if any.
    pub fn trained_by(&self) -> Option<&Spec> {
        self.trained_by.as_ref()
    }

    /// These outcomes as judged for `spec`'s model (outcomes restored from storage come back
    /// without the spec, which is too large to keep twice).
    pub fn for_model(by_check: BTreeMap<String, CheckOutcome>, spec: Spec) -> Self {
        Self {
            by_check,
            trained_by: Some(spec),
        }
    }

    fn holds_for(&self, spec: &Spec) -> bool {
        self.trained_by
            .as_ref()
            .is_some_and(|ran| ran.trains_the_same(spec))
    }
}

/// Whether a check's outcome depends on the spec's history: "no worse than before" compares with
/// the latest revision in it.
pub fn compares_with_history(check: &CheckSpec) -> bool {
    matches!(check, CheckSpec::NoRegression(_))
}

/// A check's settings as text, and for a check that compares with the history, the metrics it
/// compares with: the key its outcome is kept under. Pretty, like a spec file, so the page needs
/// no second, compact JSON writer.
pub fn outcome_key(spec: &Spec, check: &CheckSpec) -> String {
    let mut key = serde_json::to_string_pretty(check).unwrap_or_default();
    if compares_with_history(check) {
        let latest = spec.history.last().map(|r| &r.metrics);
        key.push_str("\ncompared with ");
        key.push_str(&serde_json::to_string_pretty(&latest).unwrap_or_default());
    }
    key
}

/// What a screen reader hears when a Run all ends: how many of its checks passed and how many
/// did not (a check that could not run counts as failed).
pub fn run_all_finished(checks: &[CheckOutcome]) -> String {
    let passed = checks.iter().filter(|c| c.verdict == Verdict::Pass).count();
    let failed = checks.len() - passed;
    format!("Run all finished: {passed} passed, {failed} failed.")
}

/// Whether two specs record the same results: the same model and checks and endpoints, whatever
/// their name, description, revision and history.
pub fn records_the_same(a: &Spec, b: &Spec) -> bool {
    a.trains_the_same(b) && a.checks == b.checks && a.endpoints == b.endpoints
}

/// The last run, if it was a Run all of the model and checks of `spec`. Metadata and history
/// are left out: exporting makes that file the previous revision, which changes the draft's
/// history but not what the run recorded, and `Draft::export` then gives the same file back
/// (or refuses, when "no worse than before" must compare with another revision).
pub fn exportable<'a>(spec: &Spec, last: &'a Option<LastRun>) -> Result<&'a LastRun, String> {
    match last {
        Some(last) if last.full && records_the_same(&last.spec, spec) => Ok(last),
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
