//! The built-in datasets, compiled into the app so it works from the first second, offline,
//! and the one-call path from a sample to a recorded spec (what the workbench does step by
//! step; tests use it as the reference). Sources and licences: `public/samples/README.md`.

use assay_engine::EngineError;
use assay_engine::checks::CheckSpec;
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
    /// (with its `allowances`).
    pub training: SampleTraining,
    /// Allowances a reviewer agreed for a real finding in the sample's data: the check's
    /// `max_fraction`, and why, shown on its card.
    pub allowances: &'static [Allowance],
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
    /// The reviewed allowance for check `id`, if the sample has one.
    pub fn allowance(&self, id: &str) -> Option<&'static Allowance> {
        self.allowances.iter().find(|a| a.check == id)
    }

    /// `check` with the sample's reviewed allowance applied, if it has one for it.
    pub fn allow(&self, check: &mut CheckSpec) {
        let Some(allowance) = self.allowance(check.id()) else {
            return;
        };
        match check {
            CheckSpec::NoDuplicateRows(c) => c.max_fraction = allowance.max_fraction,
            CheckSpec::NoTrainValidationOverlap(c) => c.max_fraction = allowance.max_fraction,
            _ => {}
        }
    }

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

/// A check's `max_fraction` raised for a finding a reviewer looked at and accepted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Allowance {
    pub check: &'static str,
    pub max_fraction: f64,
    pub why: &'static str,
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
        allowances: &[],
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
        allowances: &[
            Allowance {
                check: "no_duplicate_rows",
                max_fraction: 0.01,
                why: "Fisher's iris data really holds one flower twice (lines 103 and 144). This \
                      sample allows that one repeat in 150 (max_fraction 0.01), as a reviewer \
                      would once both measurements are confirmed genuine; set it back to 0 to \
                      see the check catch it.",
            },
            Allowance {
                check: "no_train_validation_overlap",
                max_fraction: 0.03,
                why: "The repeated flower (lines 103 and 144) lands on both sides of the split: \
                      1 of 39 validation rows was also trained on. This sample allows that one \
                      (max_fraction 0.03); any more, such as validation rows copied into \
                      training, fails the check.",
            },
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
        allowances: &[],
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
    for check in &mut spec.checks {
        sample.allow(check);
    }
    let run = spec.record(sample.csv)?;
    Ok(Authored { spec, run })
}

#[cfg(test)]
mod tests {
    use super::*;
    use assay_engine::checks::Verdict;
    use assay_engine::replay;

    #[test]
    fn every_sample_passes_its_default_checks() {
        let mut wrong = Vec::new();
        for sample in &SAMPLES {
            let authored = author(sample, 42).unwrap();
            assert!(!authored.run.checks.is_empty());
            for outcome in &authored.run.checks {
                if outcome.verdict != Verdict::Pass {
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
    fn the_iris_samples_repeated_flower_is_allowed_in_its_spec_and_its_draft_only() {
        let allowed = |spec: &Spec| -> Vec<(String, f64)> {
            spec.checks
                .iter()
                .filter_map(|c| match c {
                    CheckSpec::NoDuplicateRows(d) => Some((c.id().to_owned(), d.max_fraction)),
                    CheckSpec::NoTrainValidationOverlap(o) => {
                        Some((c.id().to_owned(), o.max_fraction))
                    }
                    _ => None,
                })
                .collect()
        };
        let iris = by_id("iris").unwrap();
        let expected = vec![
            ("no_duplicate_rows".to_owned(), 0.01),
            ("no_train_validation_overlap".to_owned(), 0.03),
        ];
        assert_eq!(allowed(&author(iris, 42).unwrap().spec), expected);
        let draft = crate::logic::draft::Draft::from_sample(iris);
        assert_eq!(allowed(&draft.to_spec()), expected);
        for other in SAMPLES.iter().filter(|s| s.id != "iris") {
            let spec = author(other, 42).unwrap().spec;
            assert!(
                allowed(&spec).iter().all(|(_, f)| *f == 0.0),
                "{}",
                other.id
            );
        }
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
