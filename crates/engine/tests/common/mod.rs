//! Helpers shared by the engine's test files (each file is its own crate, so not all use all).
#![allow(dead_code, unused_macros)]

use assay_engine::checks::CheckSpec;
use assay_engine::data::{Dataset, Table, Task, infer_schema};
use assay_engine::model::ModelSpec;
use assay_engine::spec::Spec;
use assay_engine::train::TrainConfig;

/// Marks tests for both native `cargo test` and wasm-bindgen-test in headless Chromium.
macro_rules! both {
    ($($(#[$meta:meta])* fn $name:ident() $body:block)*) => {$(
        $(#[$meta])*
        #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
        #[cfg_attr(not(target_arch = "wasm32"), test)]
        fn $name() $body
    )*};
}
pub(crate) use both;

pub const BREAST_CANCER: &str = include_str!("../../../../public/samples/breast_cancer.csv");
pub const DIABETES: &str = include_str!("../../../../public/samples/diabetes.csv");

/// The sample that suits `model`: breast cancer for classifiers, diabetes for regression.
pub fn sample_for(model: &ModelSpec) -> (&'static str, &'static str, &'static str, Task) {
    match model {
        ModelSpec::LinearRegression => (DIABETES, "diabetes.csv", "progression", Task::Regression),
        ModelSpec::Mlp { hidden_layers, .. } if hidden_layers.len() == 2 => {
            (DIABETES, "diabetes.csv", "progression", Task::Regression)
        }
        _ => (
            BREAST_CANCER,
            "breast_cancer.csv",
            "diagnosis",
            Task::BinaryClassification,
        ),
    }
}

pub fn sample(model: &ModelSpec) -> Dataset {
    let (csv, _, target, task) = sample_for(model);
    Dataset::from_table(&Table::parse_csv(csv).unwrap(), target, task).unwrap()
}

/// Every default check for the sample that suits `model`.
pub fn default_checks(model: &ModelSpec) -> Vec<CheckSpec> {
    let (csv, _, _, task) = sample_for(model);
    CheckSpec::defaults(task, model, &infer_schema(&Table::parse_csv(csv).unwrap()))
}

pub fn sample_spec(model: ModelSpec, checks: Vec<CheckSpec>) -> Spec {
    let (csv, name, target, _) = sample_for(&model);
    let mut spec =
        Spec::authored("sample", (name, csv), target, model, TrainConfig::default()).unwrap();
    spec.checks = checks;
    spec
}

/// A table's cells, row by row, to compare with what a test expects.
pub fn cells(table: &Table) -> Vec<Vec<&str>> {
    table.rows().map(|row| row.cells().collect()).collect()
}
