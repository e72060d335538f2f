//! The `train` benchmarks' work (the breast cancer sample, 10 epochs, batch 32, four models, both
//! numerics) as a WebAssembly module with no imports, for `cargo xtask bench` to time in Node.
//!
//! Built as a cdylib for wasm32-unknown-unknown, it exports `rows_times_epochs()`,
//! `train(model, numerics, repeats)` and `fingerprint(model, numerics)` (a pointer to 64 hex
//! bytes in its memory). `wasm_train_native.rs` includes this file as a module, to compute the
//! same fingerprints natively: what the wasm trains is compared with them bit for bit.

use std::sync::{Mutex, OnceLock};

use assay_engine::data::{Dataset, Table, Task};
use assay_engine::fingerprint;
use assay_engine::model::{Activation, ModelSpec, Network};
use assay_engine::numerics::Numerics;
use assay_engine::optim::Optimizer;
use assay_engine::train::{TrainConfig, TrainedModel, train};

const BREAST_CANCER: &str = include_str!("../../../public/samples/breast_cancer.csv");
const EPOCHS: u32 = 10;

/// The models by index, named as the criterion benchmarks name them (`train/<name>`).
pub const MODELS: [&str; 4] = [
    "logistic_regression",
    "softmax_regression",
    "mlp_relu_32_adam",
    "mlp_tanh_32_16",
];

/// The numerics versions by index.
pub const NUMERICS: [Numerics; 2] = [Numerics::RowOrder, Numerics::FourLanes];

fn model(index: usize) -> (ModelSpec, Optimizer) {
    match index {
        0 => (ModelSpec::LogisticRegression, Optimizer::default()),
        1 => (ModelSpec::SoftmaxRegression, Optimizer::default()),
        2 => (
            ModelSpec::Mlp {
                hidden_layers: vec![32],
                activation: Activation::Relu,
            },
            Optimizer::adam(),
        ),
        _ => (
            ModelSpec::Mlp {
                hidden_layers: vec![32, 16],
                activation: Activation::Tanh,
            },
            Optimizer::default(),
        ),
    }
}

/// The sample, parsed once: the timings are of training alone.
fn dataset() -> &'static Dataset {
    static DATA: OnceLock<Dataset> = OnceLock::new();
    DATA.get_or_init(|| {
        let table = Table::parse_csv(BREAST_CANCER).unwrap_or_else(|e| panic!("{e}"));
        Dataset::from_table(&table, "diagnosis", Task::BinaryClassification)
            .unwrap_or_else(|e| panic!("{e}"))
    })
}

/// Trains model `model` (an index of [`MODELS`]) in numerics `numerics` (an index of
/// [`NUMERICS`]) `repeats` times (at least once) and returns the last result.
pub fn train_model(model_index: usize, numerics_index: usize, repeats: u32) -> TrainedModel {
    let data = dataset();
    let numerics = NUMERICS[numerics_index.min(1)];
    let (spec, optimizer) = model(model_index);
    let network = Network::new(&spec, data.features.ncols(), data.classes.len(), numerics)
        .unwrap_or_else(|e| panic!("{e}"));
    let config = TrainConfig {
        epochs: EPOCHS,
        optimizer,
        numerics,
        ..TrainConfig::default()
    };
    let run = || {
        train(&network, data.features.view(), data.target.view(), &config)
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let mut trained = run();
    for _ in 1..repeats {
        trained = run();
    }
    trained
}

/// The parameter fingerprint of one training of `model` in `numerics`.
pub fn fingerprint_of(model_index: usize, numerics_index: usize) -> String {
    fingerprint::of_values(&train_model(model_index, numerics_index, 1).params)
}

/// Rows × epochs of one training run.
pub fn rows_times_epochs() -> u32 {
    let rows = u32::try_from(dataset().features.nrows()).unwrap_or(u32::MAX);
    rows.saturating_mul(EPOCHS)
}

/// The last fingerprint asked for, where the wasm host can read it.
static FINGERPRINT: Mutex<String> = Mutex::new(String::new());

// `no_mangle` is unsafe (an export could clash with another symbol of its name), so the
// workspace's `unsafe_code` lint is allowed for these three exports alone.
#[allow(unsafe_code)]
mod exports {
    #[unsafe(no_mangle)]
    pub extern "C" fn rows_times_epochs() -> u32 {
        super::rows_times_epochs()
    }

    /// Trains `repeats` times and returns the sum of the last run's parameters, which depends on
    /// every step, so no run can be optimised away.
    #[unsafe(no_mangle)]
    pub extern "C" fn train(model: u32, numerics: u32, repeats: u32) -> f64 {
        let trained = super::train_model(model as usize, numerics as usize, repeats);
        trained.params.iter().sum()
    }

    /// A pointer to the 64 lower-case hex bytes of the fingerprint, valid until the next call.
    #[unsafe(no_mangle)]
    pub extern "C" fn fingerprint(model: u32, numerics: u32) -> *const u8 {
        let text = super::fingerprint_of(model as usize, numerics as usize);
        let mut slot = super::FINGERPRINT
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *slot = text;
        slot.as_ptr()
    }
}
