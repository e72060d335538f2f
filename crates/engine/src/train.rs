//! Seeded mini-batch gradient descent, one epoch at a time so callers can show progress and stop.
//!
//! Randomness is drawn in this order from one [`SeededRng`]: the initial parameters
//! ([`Network::init`]), then one shuffle of the row order at the start of every epoch.

use ndarray::{ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::EngineError;
use crate::model::{Network, Scratch};
use crate::mutation::Mutation;
use crate::numerics::Numerics;
use crate::optim::{Optimizer, OptimizerState};
use crate::rng::SeededRng;

/// Training settings; with the data, they fix the trained model exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    pub seed: u64,
    pub epochs: u32,
    pub batch_size: u32,
    pub learning_rate: f64,
    /// L2 penalty λ on the weights (not the bias).
    pub l2: f64,
    #[serde(default)]
    pub optimizer: Optimizer,
    /// Fit an intercept (the output layer's bias). `false` holds it at zero and scales the
    /// numeric features without centring them, so the model goes through the origin of the
    /// data as given (a regression without a constant term).
    #[serde(default = "fits_intercept", skip_serializing_if = "is_true")]
    pub fit_intercept: bool,
    /// The order sums are added in ([`Numerics`]): 1 when absent, as every spec written
    /// before versions existed was; a new spec records the latest.
    #[serde(default = "first_numerics", skip_serializing_if = "Numerics::is_first")]
    pub numerics: Numerics,
}

fn first_numerics() -> Numerics {
    Numerics::FIRST
}

fn fits_intercept() -> bool {
    true
}

fn is_true(value: &bool) -> bool {
    *value
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            epochs: 30,
            batch_size: 32,
            learning_rate: 0.1,
            l2: 0.0,
            optimizer: Optimizer::default(),
            fit_intercept: true,
            numerics: Numerics::LATEST,
        }
    }
}

/// Upper bound on epochs, so a hostile spec cannot make a replay run for days.
pub(crate) const MAX_EPOCHS: u32 = 10_000;
/// Upper bound on one training run's work, counted as rows × epochs × parameters (about one
/// multiply-add each way per unit): roughly a minute natively. The defaults use about 10⁶.
pub(crate) const MAX_WORK: f64 = 1e10;

impl TrainConfig {
    pub fn validate(&self) -> Result<(), EngineError> {
        if self.epochs == 0 || self.epochs > MAX_EPOCHS {
            return Err(EngineError::setting(
                "training.epochs",
                format!("must be between 1 and {MAX_EPOCHS}; it is {}", self.epochs),
            ));
        }
        if self.batch_size == 0 {
            return Err(EngineError::setting(
                "training.batch_size",
                "must be at least 1",
            ));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(EngineError::setting(
                "training.learning_rate",
                format!("must be a positive number; it is {}", self.learning_rate),
            ));
        }
        if !(self.l2.is_finite() && self.l2 >= 0.0) {
            return Err(EngineError::setting(
                "training.l2",
                format!("must be zero or positive; it is {}", self.l2),
            ));
        }
        self.optimizer.validate()
    }
}

/// How training ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Ending {
    Completed,
    /// The loss or a parameter became NaN or infinite after this epoch (1-based).
    Diverged {
        epoch: u32,
    },
}

/// A trained model and how it got there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainedModel {
    pub params: Vec<f64>,
    /// Mean training loss over all rows: before training, then after each epoch.
    pub loss_curve: Vec<f64>,
    /// Mean loss on the validation rows at the same points, when the trainer was given them (a
    /// spec's run, for the chart); empty otherwise. Training never reads it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub validation_loss_curve: Vec<f64>,
    pub ending: Ending,
}

/// The rows a training run reads: its training rows (features and targets) and, when the loss on
/// validation rows is measured too, those.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rows<'a> {
    pub train: (ArrayView2<'a, f64>, ArrayView1<'a, f64>),
    pub validation: Option<(ArrayView2<'a, f64>, ArrayView1<'a, f64>)>,
}

/// Training in progress; call [`Trainer::run_epoch`] until it returns `false`.
///
/// It keeps its state between calls, so a caller can run it in slices of work, as the browser
/// does to stay responsive, but not the rows: each call is given them ([`Rows`]), always the
/// same, so a large dataset is not held twice.
#[derive(Debug, Clone)]
pub(crate) struct Trainer {
    network: Network,
    /// Buffers every batch reuses, so the loop allocates nothing.
    scratch: Scratch,
    config: TrainConfig,
    rng: SeededRng,
    params: Vec<f64>,
    optimizer: OptimizerState,
    order: Vec<usize>,
    loss_curve: Vec<f64>,
    /// The loss on the validation rows after each epoch, when they are given.
    validation_curve: Vec<f64>,
    ending: Option<Ending>,
}

impl Trainer {
    /// A run on `rows` (whose validation rows, if any, are measured before training and after
    /// every epoch: one forward pass each, which changes nothing in training).
    pub fn new(network: &Network, rows: Rows, config: &TrainConfig) -> Result<Self, EngineError> {
        let (x, y) = rows.train;
        config.validate()?;
        if network.numerics() != config.numerics {
            return Err(EngineError::setting(
                "training.numerics",
                format!(
                    "the network adds in {} but the training asks for {}",
                    network.numerics().label(),
                    config.numerics.label()
                ),
            ));
        }
        if x.nrows() == 0 || x.nrows() != y.len() {
            return Err(EngineError::Data(format!(
                "training needs rows: {} feature rows, {} targets",
                x.nrows(),
                y.len()
            )));
        }
        let work = x.nrows() as f64 * f64::from(config.epochs) * network.parameter_count() as f64;
        if work > MAX_WORK {
            return Err(EngineError::setting(
                "training",
                format!(
                    "{} rows × {} epochs × {} parameters is {work:.1e} units of work; the limit is \
                     {MAX_WORK:.0e}: use fewer epochs, rows or hidden units",
                    x.nrows(),
                    config.epochs,
                    network.parameter_count()
                ),
            ));
        }
        let seed = match network.mutation() {
            Some(Mutation::SeedIgnored) => 0,
            _ => config.seed,
        };
        let mut rng = SeededRng::new(seed);
        let params = network.init(&mut rng);
        if let Some(injected) = &network.injected
            && injected.mutation == Mutation::ShuffleUnseededOrder
        {
            rng = injected.unseeded_stream();
        }
        let initial_loss = network.loss(&params, x, y, config.l2);
        let validation_curve = rows
            .validation
            .map(|(x, y)| vec![network.loss(&params, x, y, config.l2)])
            .unwrap_or_default();
        Ok(Self {
            scratch: network.scratch(),
            network: network.clone(),
            optimizer: OptimizerState::new(&config.optimizer, params.len()),
            config: config.clone(),
            rng,
            params,
            order: (0..x.nrows()).collect(),
            loss_curve: vec![initial_loss],
            validation_curve,
            ending: None,
        })
    }

    /// Epochs finished so far.
    pub fn epochs_done(&self) -> u32 {
        (self.loss_curve.len() - 1) as u32
    }

    pub fn loss_curve(&self) -> &[f64] {
        &self.loss_curve
    }

    /// Runs one epoch on `rows` (the rows it was made with); returns whether more epochs remain.
    pub fn run_epoch(&mut self, rows: Rows) -> bool {
        let (x, y) = rows.train;
        if self.ending.is_some() {
            return false;
        }
        self.rng.shuffle(&mut self.order);
        let batch_size = self.config.batch_size as usize;
        for batch in self.order.chunks(batch_size) {
            let gradient = self.network.batch_gradient(
                &self.params,
                (x, y),
                batch,
                self.config.l2,
                &mut self.scratch,
            );
            if !self.config.fit_intercept {
                // A zero gradient keeps the bias at its initial zero under every optimiser.
                gradient[self.network.output_biases()].fill(0.0);
            }
            match self.network.mutation() {
                None => self
                    .optimizer
                    .step(&mut self.params, gradient, self.config.learning_rate),
                Some(Mutation::OptimizerStepSkipped) => {}
                Some(Mutation::LearningRateX1000) => self.optimizer.step(
                    &mut self.params,
                    gradient,
                    self.config.learning_rate * 1000.0,
                ),
                Some(_) => {
                    self.optimizer
                        .step(&mut self.params, gradient, self.config.learning_rate)
                }
            }
        }
        let loss = self.network.loss(&self.params, x, y, self.config.l2);
        self.loss_curve.push(loss);
        if let Some((x, y)) = rows.validation {
            let validation_loss = self.network.loss(&self.params, x, y, self.config.l2);
            self.validation_curve.push(validation_loss);
        }
        let epoch = self.epochs_done();
        if !loss.is_finite() || self.params.iter().any(|p| !p.is_finite()) {
            self.ending = Some(Ending::Diverged { epoch });
        } else if epoch >= self.config.epochs {
            self.ending = Some(Ending::Completed);
        }
        self.ending.is_none()
    }

    /// Runs the remaining epochs and returns a copy of the result, keeping the trainer.
    pub fn train_to_end(&mut self, rows: Rows) -> TrainedModel {
        while self.run_epoch(rows) {}
        TrainedModel {
            params: self.params.clone(),
            loss_curve: self.loss_curve.clone(),
            validation_loss_curve: self.validation_curve.clone(),
            ending: self.ending.unwrap_or(Ending::Completed),
        }
    }

    pub fn finish(mut self, rows: Rows) -> TrainedModel {
        while self.run_epoch(rows) {}
        TrainedModel {
            params: self.params,
            loss_curve: self.loss_curve,
            validation_loss_curve: self.validation_curve,
            ending: self.ending.unwrap_or(Ending::Completed),
        }
    }
}

/// Trains to the end in one call.
pub fn train(
    network: &Network,
    x: ArrayView2<f64>,
    y: ArrayView1<f64>,
    config: &TrainConfig,
) -> Result<TrainedModel, EngineError> {
    let rows = Rows {
        train: (x, y),
        validation: None,
    };
    Ok(Trainer::new(network, rows, config)?.finish(rows))
}
