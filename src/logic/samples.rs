//! The built-in datasets, compiled into the app so it works from the first second, offline,
//! and the one-call path from a sample to a recorded spec (what the workbench does step by
//! step; tests use it as the reference). Sources and licences: `public/samples/README.md`.

use assay_engine::EngineError;
use assay_engine::data::Task;
use assay_engine::model::ModelSpec;
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
    pub csv: &'static str,
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
    let training = TrainConfig {
        seed,
        ..TrainConfig::default()
    };
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
    use assay_engine::replay;

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
