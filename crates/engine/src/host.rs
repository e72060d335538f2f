//! The engine as the page's Web Worker runs it, in plain Rust so it is tested natively: what the
//! page asks ([`JobRequest`]), what the worker answers ([`JobReport`]), and [`Host`], which runs
//! one request at a time and keeps the last trained model, so a check run on its own, or a Run
//! all after Train, does not train the same model again.
//!
//! Reusing a model changes no result: training is a function of the spec's data, settings and
//! seed, and a check run on a kept model is the same `Stepper::run_check` a full run calls.

use serde::{Deserialize, Serialize};

use crate::replay::{Progress, Run, Stepper};
use crate::spec::Spec;

/// A spec to run on its data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRequest {
    pub spec: Spec,
    pub csv: String,
}

/// What the worker tells the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "report", rename_all = "snake_case")]
pub enum JobReport {
    /// The worker has loaded and listens: requests sent before this are lost.
    Ready,
    /// Steps done, and the training loss so far.
    Progress {
        progress: Progress,
        loss_curve: Vec<f64>,
    },
    /// The whole run; `reused_model` when the model came from an earlier request.
    Done { run: Box<Run>, reused_model: bool },
    /// The spec could not run, in words.
    Failed { error: String },
}

/// Runs requests, keeping the last trained model.
#[derive(Debug, Default)]
pub struct Host {
    /// The stepper of the last request, trained, and its run.
    kept: Option<(Box<Stepper>, Run)>,
}

impl Host {
    /// Runs `request`, calling `progress` after each step with the steps done and the loss so
    /// far. Returns the last report: `Done` or `Failed`.
    pub fn run(
        &mut self,
        request: &JobRequest,
        mut progress: impl FnMut(Progress, &[f64]),
    ) -> JobReport {
        let spec = &request.spec;
        // Validated and budgeted whether or not the model is kept: a kept model must not let
        // a request through that a fresh run would refuse.
        let mut stepper = match Stepper::new(spec, &request.csv) {
            Ok(stepper) => stepper,
            Err(error) => {
                return JobReport::Failed {
                    error: error.to_string(),
                };
            }
        };
        if let Some((kept, run)) = &mut self.kept
            && kept.spec().trains_the_same(spec)
            && kept.spec().history == spec.history
        {
            // Only the checks are left to run; the steps are counted as a fresh run counts them,
            // with the epochs done.
            let epochs = spec.training.epochs;
            let total = stepper.progress().total;
            let mut checks = Vec::with_capacity(spec.checks.len());
            for (done, check) in (epochs..).zip(&spec.checks) {
                progress(Progress { done, total }, &run.model.loss_curve);
                checks.push(kept.run_check(check));
            }
            progress(Progress { done: total, total }, &run.model.loss_curve);
            return JobReport::Done {
                run: Box::new(Run {
                    checks,
                    ..run.clone()
                }),
                reused_model: true,
            };
        }
        progress(stepper.progress(), stepper.loss_curve());
        while stepper.step() {
            progress(stepper.progress(), stepper.loss_curve());
        }
        progress(stepper.progress(), stepper.loss_curve());
        let kept = Box::new(stepper.clone());
        let run = stepper.finish();
        self.kept = Some((kept, run.clone()));
        JobReport::Done {
            run: Box::new(run),
            reused_model: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckSpec;
    use crate::data::Table;
    use crate::model::ModelSpec;
    use crate::replay;
    use crate::train::TrainConfig;

    const CSV: &str = "a,b,y\n1,5,0\n2,3,0\n3,8,1\n4,1,0\n5,9,1\n6,2,1\n7,7,1\n8,4,0\n9,6,1\n10,0,0\n\
                       11,5,1\n12,3,0\n";

    fn request(checks: Vec<CheckSpec>, seed: u64) -> JobRequest {
        let table = Table::parse_csv(CSV).unwrap();
        let schema = crate::data::infer_schema(&table);
        let training = TrainConfig {
            seed,
            epochs: 5,
            ..TrainConfig::default()
        };
        let mut spec = Spec::authored(
            "host",
            ("t.csv", CSV),
            "y",
            ModelSpec::LogisticRegression,
            training,
        )
        .unwrap();
        let offered = CheckSpec::defaults(spec.preprocessing.task, &spec.model, &schema);
        spec.checks = if checks.is_empty() { offered } else { checks };
        JobRequest {
            spec,
            csv: CSV.into(),
        }
    }

    fn done(report: JobReport) -> (Run, bool) {
        match report {
            JobReport::Done { run, reused_model } => (*run, reused_model),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_request_that_trains_the_same_reuses_the_model_and_finds_the_same() {
        let mut host = Host::default();
        let all = request(Vec::new(), 7);
        let mut steps = Vec::new();
        let (first, reused) = done(host.run(&all, |p, _| steps.push(p)));
        assert!(!reused);
        assert_eq!(first, replay::run(&all.spec, CSV).unwrap());
        assert_eq!(steps.first().map(|p| p.done), Some(0));
        assert_eq!(
            steps.last().map(|p| (p.done, p.total)),
            Some((steps[0].total, steps[0].total))
        );

        // One check on its own, then everything again: the kept model, the same outcomes.
        let one = request(vec![all.spec.checks[3].clone()], 7);
        let mut steps = Vec::new();
        let (alone, reused) = done(host.run(&one, |p, _| steps.push((p.done, p.total))));
        assert!(reused);
        // Counted as a fresh run counts: the 5 epochs done, then the one check.
        assert_eq!(steps, [(5, 6), (6, 6)]);
        assert_eq!(alone, replay::run(&one.spec, CSV).unwrap());
        let (again, reused) = done(host.run(&all, |_, _| {}));
        assert!(reused);
        assert_eq!(again, first);

        // Another seed trains anew.
        let other = request(Vec::new(), 8);
        let (_, reused) = done(host.run(&other, |_, _| {}));
        assert!(!reused);
    }

    #[test]
    fn a_spec_that_cannot_run_fails_in_words() {
        let mut bad = request(Vec::new(), 7);
        bad.csv = "a,b\n1,2\n".into();
        match Host::default().run(&bad, |_, _| {}) {
            JobReport::Failed { error } => assert!(!error.is_empty()),
            other => panic!("{other:?}"),
        }
    }
}
