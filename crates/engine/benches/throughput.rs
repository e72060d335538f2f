//! Throughput of the engine's hot paths, native: CSV parsing in bytes per second, training in
//! rows × epochs per second for each model, and the time of a whole mutation matrix and of
//! replays. Run with `cargo xtask bench` (or `cargo bench -p assay-engine`); the README records
//! the figures.

use assay_engine::data::{Dataset, Table, Task};
use assay_engine::model::{Activation, ModelSpec, Network};
use assay_engine::mutate::matrix;
use assay_engine::mutation::Mutation;
use assay_engine::numerics::Numerics;
use assay_engine::optim::Optimizer;
use assay_engine::spec::Spec;
use assay_engine::train::{TrainConfig, train};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const BREAST_CANCER: &str = include_str!("../../../public/samples/breast_cancer.csv");

/// The committed golden specs, by name; the mutation matrix times the first two.
const GOLDEN: [(&str, &str); 4] = [
    (
        "softmax_iris",
        include_str!("../../cli/tests/specs/softmax_iris.assay.json"),
    ),
    (
        "logistic_breast_cancer",
        include_str!("../../cli/tests/specs/logistic_breast_cancer.assay.json"),
    ),
    (
        "linear_diabetes",
        include_str!("../../cli/tests/specs/linear_diabetes.assay.json"),
    ),
    (
        "mlp_breast_cancer",
        include_str!("../../cli/tests/specs/mlp_breast_cancer.assay.json"),
    ),
];

fn csv_parsing(c: &mut Criterion) {
    // About 1 MB: the sample's rows repeated under one header.
    let (header, body) = BREAST_CANCER.split_once('\n').unwrap_or_default();
    let text = format!("{header}\n{}", body.repeat(8));
    let mut group = c.benchmark_group("csv");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("parse_breast_cancer_x8", |b| {
        b.iter(|| Table::parse_csv(&text))
    });
    group.finish();
}

fn training(c: &mut Criterion) {
    let table = Table::parse_csv(BREAST_CANCER).unwrap_or_else(|e| panic!("{e}"));
    let data = Dataset::from_table(&table, "diagnosis", Task::BinaryClassification)
        .unwrap_or_else(|e| panic!("{e}"));
    let config = TrainConfig {
        epochs: 10,
        ..TrainConfig::default()
    };
    let models = [
        (
            "logistic_regression",
            ModelSpec::LogisticRegression,
            Optimizer::default(),
        ),
        (
            "softmax_regression",
            ModelSpec::SoftmaxRegression,
            Optimizer::default(),
        ),
        (
            "mlp_relu_32_adam",
            ModelSpec::Mlp {
                hidden_layers: vec![32],
                activation: Activation::Relu,
            },
            Optimizer::adam(),
        ),
        (
            "mlp_tanh_32_16",
            ModelSpec::Mlp {
                hidden_layers: vec![32, 16],
                activation: Activation::Tanh,
            },
            Optimizer::default(),
        ),
    ];
    let mut group = c.benchmark_group("train");
    group.throughput(Throughput::Elements(
        data.features.nrows() as u64 * u64::from(config.epochs),
    ));
    // Numerics 1 under the names earlier figures were measured with; numerics 2 beside them.
    for numerics in [Numerics::RowOrder, Numerics::FourLanes] {
        for (name, model, optimizer) in &models {
            let network = Network::new(model, data.features.ncols(), data.classes.len(), numerics)
                .unwrap_or_else(|e| panic!("{e}"));
            let config = TrainConfig {
                optimizer: optimizer.clone(),
                numerics,
                ..config.clone()
            };
            let name = match numerics {
                Numerics::RowOrder => name.to_string(),
                Numerics::FourLanes => format!("{name}_numerics2"),
            };
            group.bench_function(name, |b| {
                b.iter(|| train(&network, data.features.view(), data.target.view(), &config))
            });
        }
    }
    group.finish();
}

/// `assay mutate`'s work: a golden spec replayed unmutated and once per mutation (15 runs).
fn mutation_matrix(c: &mut Criterion) {
    let mut group = c.benchmark_group("mutate");
    group.sample_size(10);
    for (name, text) in &GOLDEN[..2] {
        let spec = Spec::from_json(text).unwrap_or_else(|e| panic!("{e}"));
        let csv = spec.dataset.csv.clone().unwrap_or_default();
        group.bench_function(*name, |b| {
            b.iter(|| matrix(&spec, &csv, &Mutation::ALL, |_, _| {}))
        });
    }
    group.finish();
}

/// `assay run`'s work without the CLI: each golden spec replayed (data checks, training, model
/// checks), and the breast cancer logistic spec as the page authors it on 10 and 100 times the
/// rows, where reading and checking the data weighs most.
fn replay(c: &mut Criterion) {
    let mut group = c.benchmark_group("replay");
    group.sample_size(10);
    for (name, text) in GOLDEN {
        let spec = Spec::from_json(text).unwrap_or_else(|e| panic!("{e}"));
        let csv = spec.dataset.csv.clone().unwrap_or_default();
        group.bench_function(name, |b| b.iter(|| assay_engine::replay::run(&spec, &csv)));
    }
    let (header, body) = BREAST_CANCER.split_once('\n').unwrap_or_default();
    for times in [10, 100] {
        let csv = format!("{header}\n{}", body.repeat(times));
        let spec = Spec::authored(
            "breast cancer",
            ("breast_cancer.csv", &csv),
            "diagnosis",
            ModelSpec::LogisticRegression,
            // As the earlier figures were measured.
            TrainConfig {
                numerics: Numerics::RowOrder,
                ..TrainConfig::default()
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
        group.bench_function(format!("logistic_breast_cancer_x{times}"), |b| {
            b.iter(|| assay_engine::replay::run(&spec, &csv))
        });
    }
    group.finish();
}

criterion_group!(benches, csv_parsing, training, mutation_matrix, replay);
criterion_main!(benches);
