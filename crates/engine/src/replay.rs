//! Running a spec and comparing the run with what its author recorded.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::EngineError;
use crate::budget::{self, Budget};
use crate::checks::{CheckOutcome, CheckSpec, Context, Plan, Verdict};
use crate::comparison::{Comparison, Difference};
use crate::data::{Prepared, Table, prepare_for_intercept};
use crate::fingerprint;
use crate::metrics::{Evaluation, evaluate};
use crate::model::{Head, Network};
use crate::mutation::{Mutation, mutate_data};
use crate::spec::{Recorded, Spec};
use crate::train::{Rows, TrainedModel, Trainer};

/// Everything a spec's run produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub model: TrainedModel,
    pub parameter_fingerprint: String,
    /// The trained model on the validation split.
    pub evaluation: Evaluation,
    /// Class labels in the order of the confusion matrix; empty for regression.
    pub classes: Vec<String>,
    /// The table's columns the model reads, in the order endpoint cases send them.
    pub feature_columns: Vec<String>,
    /// Regression: (actual, predicted) for each validation row, to plot; empty otherwise.
    pub validation_predictions: Vec<(f64, f64)>,
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
            // A run trains and checks; served models' metrics come from endpoint evaluations.
            endpoints: Vec::new(),
        }
    }
}

/// Parses the spec's data and prepares its splits. `csv` is the dataset's text (embedded, or
/// read by the caller from `dataset.path`); its hash must match the spec. Given the text itself
/// (a `String`), it lets it go once parsed, so a large file is not held beside its features.
pub fn load<'a>(
    spec: &Spec,
    csv: impl Into<Cow<'a, str>>,
) -> Result<(Table, Prepared), EngineError> {
    let csv = csv.into();
    let actual = fingerprint::sha256_hex(csv.as_bytes());
    if actual != spec.dataset.sha256 {
        return Err(EngineError::Data(format!(
            "`{}` has SHA-256 {actual}, but the spec was written for {}: the data changed",
            spec.dataset.name, spec.dataset.sha256
        )));
    }
    let table = Table::parse_csv(&csv)?;
    drop(csv);
    let prepared = prepare_for_intercept(
        &table,
        &spec.preprocessing,
        spec.training.seed,
        spec.training.fit_intercept,
    )?;
    Ok((table, prepared))
}

/// The network a run of `spec` trains on `prepared` (its data, from [`load`]): its model, the
/// data's shape and the spec's numerics. Whatever scores a run's parameters again builds it here.
pub fn network(spec: &Spec, prepared: &Prepared) -> Result<Network, EngineError> {
    Network::new(
        &spec.model,
        prepared.train.features.ncols(),
        prepared.train.classes.len(),
        spec.training.numerics,
    )
}

/// Trains the spec's model and runs its checks.
pub fn run(spec: &Spec, csv: &str) -> Result<Run, EngineError> {
    Ok(Stepper::new(spec, csv)?.finish())
}

/// A spec's run cut into small steps (one training epoch, or one check), so that a caller can
/// show progress, yield to a user interface between steps, and stop early. Stepping to the end
/// is exactly [`run`]: `run` is built on it, so the two cannot drift apart.
#[derive(Debug, Clone)]
pub struct Stepper {
    spec: Spec,
    table: Table,
    prepared: Prepared,
    network: Network,
    model: ModelState,
    checks: Vec<CheckOutcome>,
    budget: Budget,
}

#[derive(Debug, Clone)]
enum ModelState {
    // Boxed: a trainer holds its buffers and optimiser state, and the finished state is small.
    Training(Box<Trainer>),
    Trained(TrainedModel),
}

/// How far a [`Stepper`] has come, in steps: epochs, then checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub done: u32,
    pub total: u32,
}

impl Stepper {
    /// Validates the spec, reads its data, counts the work of the whole run (refusing it over
    /// [`budget::MAX_SPEC_WORK`]) and prepares training; no epoch has run yet.
    /// `csv` as in [`load`]: a `String` handed over is let go once parsed.
    pub fn new<'a>(spec: &Spec, csv: impl Into<Cow<'a, str>>) -> Result<Self, EngineError> {
        Self::build(spec, csv.into(), None)
    }

    /// [`Stepper::new`] with `mutation` injected: the mutation runner's ([`crate::mutate`]).
    pub(crate) fn mutated(spec: &Spec, csv: &str, mutation: Mutation) -> Result<Self, EngineError> {
        Self::build(spec, csv.into(), Some(mutation))
    }

    fn build(
        spec: &Spec,
        csv: Cow<'_, str>,
        mutation: Option<Mutation>,
    ) -> Result<Self, EngineError> {
        // The data's hash is verified once, by `load`, on the data this run reads.
        spec.validate_settings()?;
        let (table, mut prepared) = load(spec, csv)?;
        if let Some(mutation) = mutation {
            mutate_data(mutation, &mut prepared, spec.training.seed);
        }
        let mut network = network(spec, &prepared)?;
        if let Some(mutation) = mutation {
            network = network.with_mutation(mutation);
        }
        let plan = Plan {
            model: &spec.model,
            config: &spec.training,
            train_rows: prepared.train.features.nrows(),
            validation_rows: prepared.validation.features.nrows(),
            features: prepared.train.features.ncols(),
            parameters: network.parameter_count(),
            classes: prepared.train.classes.len(),
            cells: table.row_count().saturating_mul(table.headers.len()),
        };
        // The trainer first: a training over its own limit is told as such.
        let trainer = Trainer::new(&network, rows(&prepared), &spec.training)?;
        let budget = budget::plan(&spec.checks, &plan)?;
        Ok(Self {
            spec: spec.clone(),
            table,
            prepared,
            network,
            model: ModelState::Training(Box::new(trainer)),
            checks: Vec::new(),
            budget,
        })
    }

    /// The output head of the model this run trains.
    pub(crate) fn head(&self) -> crate::model::Head {
        self.network.head()
    }

    /// The work the run will do, and the checks that cannot run on this spec.
    pub fn budget(&self) -> &Budget {
        &self.budget
    }

    /// Runs the next epoch or check; returns whether steps remain.
    pub fn step(&mut self) -> bool {
        if let ModelState::Training(trainer) = &mut self.model {
            if !trainer.run_epoch(rows(&self.prepared)) {
                self.train_to_end();
            }
            return true;
        }
        let Some(check) = self.spec.checks.get(self.checks.len()).cloned() else {
            return false;
        };
        let outcome = self.run_check(&check);
        self.checks.push(outcome);
        self.checks.len() < self.spec.checks.len()
    }

    /// Steps done and planned. Training counts its planned epochs even if it diverges early.
    pub fn progress(&self) -> Progress {
        let epochs = self.spec.training.epochs;
        let epochs_done = match &self.model {
            ModelState::Training(trainer) => trainer.epochs_done(),
            ModelState::Trained(_) => epochs,
        };
        Progress {
            done: epochs_done + self.checks.len() as u32,
            total: epochs + self.spec.checks.len() as u32,
        }
    }

    /// The spec being run.
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// Whether training has ended (completed or diverged).
    pub fn is_trained(&self) -> bool {
        matches!(self.model, ModelState::Trained(_))
    }

    /// Training loss so far: before training, then after each finished epoch.
    pub fn loss_curve(&self) -> &[f64] {
        match &self.model {
            ModelState::Training(trainer) => trainer.loss_curve(),
            ModelState::Trained(model) => &model.loss_curve,
        }
    }

    /// The table as read, before preprocessing.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// The data as split and encoded for this run.
    pub fn prepared(&self) -> &Prepared {
        &self.prepared
    }

    /// Runs one check against the trained model (training to the end first if needed), without
    /// recording it: for a single check re-run after its thresholds change.
    pub fn run_check(&mut self, check: &CheckSpec) -> CheckOutcome {
        self.train_to_end();
        let ModelState::Trained(trained) = &self.model else {
            unreachable!("trained to the end just above")
        };
        let context = Context {
            model: &self.spec.model,
            network: &self.network,
            config: &self.spec.training,
            table: &self.table,
            preprocessing: &self.spec.preprocessing,
            prepared: &self.prepared,
            train: &self.prepared.train,
            validation: &self.prepared.validation,
            trained,
            previous: self
                .spec
                .history
                .last()
                .map_or(&[], |r| r.metrics.as_slice()),
        };
        check.run(&context)
    }

    fn train_to_end(&mut self) {
        if let ModelState::Training(trainer) = &mut self.model {
            self.model = ModelState::Trained(trainer.train_to_end(rows(&self.prepared)));
        }
    }

    /// Runs the remaining steps and returns the whole run.
    pub fn finish(mut self) -> Run {
        while self.step() {}
        self.train_to_end();
        let ModelState::Trained(model) = self.model else {
            unreachable!("trained to the end just above")
        };
        let parameter_fingerprint = fingerprint::of_values(&model.params);
        let evaluation = evaluate(&self.network, &model.params, &self.prepared.validation);
        let validation_predictions = match self.network.head() {
            Head::Identity => {
                let predicted = self
                    .network
                    .predict(&model.params, self.prepared.validation.features.view());
                self.prepared
                    .validation
                    .target
                    .iter()
                    .zip(predicted.column(0))
                    .map(|(&actual, &predicted)| (actual, predicted))
                    .collect()
            }
            Head::Sigmoid | Head::Softmax => Vec::new(),
        };
        Run {
            model,
            parameter_fingerprint,
            evaluation,
            classes: self.prepared.classes.clone(),
            feature_columns: self
                .prepared
                .encoder
                .features
                .iter()
                .map(|f| f.column().to_owned())
                .collect(),
            validation_predictions,
            checks: self.checks,
        }
    }
}

/// What a run trains on: the training rows, and the validation rows whose loss it follows.
fn rows(prepared: &Prepared) -> Rows<'_> {
    Rows {
        train: (prepared.train.features.view(), prepared.train.target.view()),
        validation: Some((
            prepared.validation.features.view(),
            prepared.validation.target.view(),
        )),
    }
}

/// The run held against the recording, value by value (see [`Comparison`]).
pub fn comparison(recorded: &Recorded, run: &Run) -> Comparison {
    Comparison::of(recorded, &run.to_recorded())
}

/// Every value the run did not reproduce bit for bit.
pub fn compare(recorded: &Recorded, run: &Run) -> Vec<Difference> {
    comparison(recorded, run).differences()
}
