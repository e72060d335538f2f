//! The built-in datasets, compiled into the app so it works from the first second, offline,
//! and the one-call path from a sample to a recorded spec (what the workbench does step by
//! step; tests use it as the reference). Sources and licences: `public/samples/README.md`.

use assay_engine::EngineError;
use assay_engine::data::Task;
use assay_engine::model::ModelSpec;
use assay_engine::optim::Optimizer;
use assay_engine::replay::Run;
use assay_engine::spec::Spec;
use assay_engine::train::TrainConfig;

/// A dataset that ships with the app, with the model that suits it.
#[derive(Debug)]
pub struct Sample {
    pub id: &'static str,
    pub title: &'static str,
    pub file_name: &'static str,
    pub description: &'static str,
    pub target: &'static str,
    pub task: Task,
    pub model: ModelSpec,
    /// How its model trains by default: settings under which it passes every default check
    /// but those in `known_failures`.
    pub training: SampleTraining,
    /// Default checks the sample fails for a real reason in its data, by check id, with the
    /// reason the check's card shows.
    pub known_failures: &'static [(&'static str, &'static str)],
    pub csv: &'static str,
}

/// A sample's default training, where it differs from the engine's defaults.
#[derive(Debug, Clone, Copy)]
pub struct SampleTraining {
    pub epochs: u32,
    pub learning_rate: f64,
    /// SGD's momentum (0 is plain SGD, the engine's default optimiser).
    pub momentum: f64,
}

/// The engine's defaults: 30 epochs of plain SGD at 0.1.
const ENGINE_DEFAULTS: SampleTraining = SampleTraining {
    epochs: 30,
    learning_rate: 0.1,
    momentum: 0.0,
};

impl Sample {
    /// Its default training, with `seed`.
    pub fn training(&self, seed: u64) -> TrainConfig {
        let SampleTraining {
            epochs,
            learning_rate,
            momentum,
        } = self.training;
        TrainConfig {
            seed,
            epochs,
            learning_rate,
            optimizer: Optimizer::Sgd { momentum },
            ..TrainConfig::default()
        }
    }
}

pub static SAMPLES: [Sample; 3] = [
    Sample {
        id: "breast_cancer",
        title: "Breast cancer (binary)",
        file_name: "breast_cancer.csv",
        description: "569 tumour biopsies, 30 measurements each; is the tumour malignant? \
                      Wolberg, Street and Mangasarian, UCI, CC BY 4.0.",
        target: "diagnosis",
        task: Task::BinaryClassification,
        model: ModelSpec::LogisticRegression,
        training: ENGINE_DEFAULTS,
        known_failures: &[],
        csv: include_str!("../../public/samples/breast_cancer.csv"),
    },
    Sample {
        id: "iris",
        title: "Iris species (multiclass)",
        file_name: "iris.csv",
        description: "150 iris flowers, 4 measurements each; which of three species is it? \
                      R. A. Fisher, 1936, UCI, CC BY 4.0.",
        target: "species",
        task: Task::MulticlassClassification,
        model: ModelSpec::SoftmaxRegression,
        training: ENGINE_DEFAULTS,
        known_failures: &[
            (
                "no_duplicate_rows",
                "Fisher's iris data really holds one flower twice (lines 103 and 144), so this \
                 check is right to fail here. A team would remove the copy, or allow it with \
                 max_fraction 0.01 if both measurements are genuine.",
            ),
            (
                "no_train_validation_overlap",
                "The repeated flower (lines 103 and 144) can land on both sides of the split, \
                 so the same measurements are both trained on and validated against: the \
                 leakage this check exists to catch. Removing the copy fixes it.",
            ),
        ],
        csv: include_str!("../../public/samples/iris.csv"),
    },
    Sample {
        id: "diabetes",
        title: "Diabetes progression (regression)",
        file_name: "diabetes.csv",
        description: "442 patients, 10 baseline measurements; how far has the disease \
                      progressed a year later? Efron et al. 2004.",
        target: "progression",
        task: Task::Regression,
        model: ModelSpec::LinearRegression,
        known_failures: &[],
        // 30 epochs stop 1.7 % above the exact least-squares optimum, which the default checks
        // hold linear regression to: train as the golden diabetes spec does.
        training: SampleTraining {
            epochs: 300,
            learning_rate: 0.01,
            momentum: 0.9,
        },
        csv: include_str!("../../public/samples/diabetes.csv"),
    },
];

impl Sample {
    /// Why this sample fails check `id` with its defaults, if it is known to.
    pub fn known_failure(&self, id: &str) -> Option<&'static str> {
        self.known_failures
            .iter()
            .find(|(check, _)| *check == id)
            .map(|(_, why)| *why)
    }
}

pub fn by_id(id: &str) -> Option<&'static Sample> {
    SAMPLES.iter().find(|s| s.id == id)
}

/// A finished run: the spec (with its recording) that export writes, and the full run to show.
#[derive(Debug, Clone)]
pub struct Authored {
    pub spec: Spec,
    pub run: Run,
}

/// Trains the sample's model with `seed`, runs the checks and records the result in a spec.
pub fn author(sample: &Sample, seed: u64) -> Result<Authored, EngineError> {
    let training = sample.training(seed);
    let mut spec = Spec::authored(
        &format!("{} – {}", sample.title, sample.model.label()),
        (sample.file_name, sample.csv),
        sample.target,
        sample.model.clone(),
        training,
    )?;
    let run = spec.record(sample.csv)?;
    Ok(Authored { spec, run })
}

#[cfg(test)]
mod tests {
    use super::*;
    use assay_engine::checks::Verdict;
    use assay_engine::replay;

    #[test]
    fn every_sample_passes_its_default_checks_but_those_it_explains() {
        let mut wrong = Vec::new();
        for sample in &SAMPLES {
            let authored = author(sample, 42).unwrap();
            assert!(!authored.run.checks.is_empty());
            for outcome in &authored.run.checks {
                // A known failure must still fail, or its explanation is stale.
                let expected = if sample.known_failure(&outcome.check).is_some() {
                    Verdict::Fail
                } else {
                    Verdict::Pass
                };
                if outcome.verdict != expected {
                    wrong.push(format!(
                        "{}: {} {}",
                        sample.id, outcome.check, outcome.summary
                    ));
                }
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn authoring_a_sample_records_a_spec_that_replays_identically() {
        for sample in &SAMPLES {
            let authored = author(sample, 7).unwrap();
            let recorded = authored.spec.recorded.as_ref().unwrap();
            assert_eq!(
                recorded.parameter_fingerprint,
                authored.run.parameter_fingerprint
            );
            let reread = Spec::from_json(&authored.spec.to_json()).unwrap();
            let replayed = replay::run(&reread, sample.csv).unwrap();
            assert!(replay::compare(recorded, &replayed).is_empty());
        }
    }
}
