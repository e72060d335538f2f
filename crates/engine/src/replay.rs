//! Running a spec and comparing the run with what its author recorded.

use crate::EngineError;
use crate::checks::{CheckOutcome, Context, Verdict};
use crate::data::{Prepared, Table, prepare};
use crate::fingerprint;
use crate::metrics::{Evaluation, evaluate};
use crate::model::Network;
use crate::spec::{Recorded, Spec};
use crate::train::{TrainedModel, train};

/// Everything a spec's run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub model: TrainedModel,
    pub parameter_fingerprint: String,
    /// The trained model on the validation split.
    pub evaluation: Evaluation,
    pub checks: Vec<CheckOutcome>,
}

impl Run {
    pub fn all_pass(&self) -> bool {
        self.checks.iter().all(|c| c.verdict == Verdict::Pass)
    }

    /// The part of a run that a spec keeps: no per-epoch series.
    pub fn to_recorded(&self) -> Recorded {
        Recorded {
            parameter_fingerprint: self.parameter_fingerprint.clone(),
            metrics: self.evaluation.metrics.clone(),
            checks: self
                .checks
                .iter()
                .map(|c| CheckOutcome {
                    loss_curve: Vec::new(),
                    ..c.clone()
                })
                .collect(),
        }
    }
}

/// Parses the spec's data and prepares its splits. `csv` is the dataset's text (embedded, or
/// read by the caller from `dataset.path`); its hash must match the spec.
pub fn load(spec: &Spec, csv: &str) -> Result<(Table, Prepared), EngineError> {
    let actual = fingerprint::sha256_hex(csv.as_bytes());
    if actual != spec.dataset.sha256 {
        return Err(EngineError::Data(format!(
            "`{}` has SHA-256 {actual}, but the spec was written for {}: the data changed",
            spec.dataset.name, spec.dataset.sha256
        )));
    }
    let table = Table::parse_csv(csv)?;
    let prepared = prepare(&table, &spec.preprocessing, spec.training.seed)?;
    Ok((table, prepared))
}

/// Trains the spec's model and runs its checks.
pub fn run(spec: &Spec, csv: &str) -> Result<Run, EngineError> {
    spec.validate()?;
    let (table, prepared) = load(spec, csv)?;
    let (x, y) = (prepared.train.features.view(), prepared.train.target.view());
    let network = Network::new(&spec.model, x.ncols(), prepared.train.classes.len())?;
    let model = train(&network, x, y, &spec.training)?;
    let parameter_fingerprint = fingerprint::of_values(&model.params);
    let evaluation = evaluate(&network, &model.params, &prepared.validation);
    let context = Context {
        model: &spec.model,
        network: &network,
        config: &spec.training,
        table: &table,
        preprocessing: &spec.preprocessing,
        prepared: &prepared,
        train: &prepared.train,
        validation: &prepared.validation,
        trained: &model,
        previous: spec.history.last().map_or(&[], |r| r.metrics.as_slice()),
    };
    let checks = spec
        .checks
        .iter()
        .map(|check| check.run(&context))
        .collect();
    Ok(Run {
        model,
        parameter_fingerprint,
        evaluation,
        checks,
    })
}

/// One way a replay differs from the recording.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Difference {
    pub item: String,
    pub recorded: String,
    pub replayed: String,
}

/// Every difference between the recording and a replay, compared bit for bit.
pub fn compare(recorded: &Recorded, run: &Run) -> Vec<Difference> {
    let mut differences = Vec::new();
    let mut note = |item: String, recorded: String, replayed: String| {
        if recorded != replayed {
            differences.push(Difference {
                item,
                recorded,
                replayed,
            });
        }
    };
    // Bits, written so that two values differ as text exactly when their bits differ; every NaN
    // counts as one value, since its sign and payload are not portable.
    let bits = |v: f64| {
        let bits = if v.is_nan() {
            f64::NAN.to_bits()
        } else {
            v.to_bits()
        };
        format!("{v:?} (bits {bits:016x})")
    };
    note(
        "parameter fingerprint".into(),
        recorded.parameter_fingerprint.clone(),
        run.parameter_fingerprint.clone(),
    );
    for metric in &recorded.metrics {
        note(
            format!("validation {}", metric.name),
            bits(metric.value),
            run.evaluation
                .get_named(&metric.name)
                .map_or_else(|| "missing".into(), bits),
        );
    }
    note(
        "number of checks".into(),
        recorded.checks.len().to_string(),
        run.checks.len().to_string(),
    );
    // Checks pair by position: a spec may hold two checks of one kind.
    for (i, (expected, actual)) in recorded.checks.iter().zip(&run.checks).enumerate() {
        let name = format!("check {} ({})", i + 1, expected.check);
        note(
            format!("{name} kind"),
            expected.check.clone(),
            actual.check.clone(),
        );
        note(
            format!("{name} verdict"),
            format!("{:?}", expected.verdict),
            format!("{:?}", actual.verdict),
        );
        note(
            format!("{name} fingerprint"),
            expected.fingerprint.clone().unwrap_or_default(),
            actual.fingerprint.clone().unwrap_or_default(),
        );
        note(
            format!("{name} metrics"),
            expected
                .metrics
                .iter()
                .map(|m| m.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            actual
                .metrics
                .iter()
                .map(|m| m.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        );
        for metric in &expected.metrics {
            note(
                format!("{name} {}", metric.name),
                bits(metric.value),
                actual
                    .metric(&metric.name)
                    .map_or_else(|| "missing".into(), bits),
            );
        }
    }
    differences
}
