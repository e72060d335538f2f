//! What each check will cost, and whether it can run at all, known from the run's shape before
//! anything runs: so a spec is budgeted as a whole ([`crate::budget`]) and `assay validate` can
//! refuse what `assay run` would.
//!
//! Work is counted in the units of [`crate::train::MAX_WORK`]: about one multiply-add of the
//! model, forward or back, for one row. A training run is rows × epochs × parameters; predicting
//! is rows × parameters; the exact least-squares solve is rows × columns²; a data check touches
//! every cell of the table, at [`CELL_WORK`] units a cell (text is parsed, trimmed and hashed).

use super::{CheckSpec, gradient_check, random_step};
use crate::EngineError;
use crate::metrics::MetricName;
use crate::model::ModelSpec;
use crate::train::TrainConfig;

/// Units of work per table cell that a data check reads.
pub const CELL_WORK: f64 = 20.0;

/// The shape of a run: what the checks will work on, known once the data is prepared and before
/// any training.
#[derive(Debug, Clone, Copy)]
pub struct Plan<'a> {
    pub model: &'a ModelSpec,
    pub config: &'a TrainConfig,
    pub train_rows: usize,
    pub validation_rows: usize,
    /// Encoded feature columns the model reads.
    pub features: usize,
    pub parameters: usize,
    /// Classes of the target; 0 for regression.
    pub classes: usize,
    /// Cells of the table as read (rows × columns).
    pub cells: usize,
}

impl Plan<'_> {
    /// One training run on `rows` rows for `epochs` epochs.
    pub fn training(&self, rows: usize, epochs: u32) -> f64 {
        rows as f64 * f64::from(epochs) * self.parameters as f64
    }

    /// Predicting `rows` rows.
    fn predicting(&self, rows: usize) -> f64 {
        rows as f64 * self.parameters as f64
    }

    /// Whether an evaluation of this model reports `name` (ROC AUC also needs both classes in
    /// the validation split, which only the run itself finds out).
    fn measures(&self, name: MetricName) -> Result<(), EngineError> {
        let measured = match name {
            MetricName::Mse | MetricName::Rmse | MetricName::Mae | MetricName::R2 => {
                self.classes == 0
            }
            MetricName::RocAuc => self.classes == 2,
            _ => self.classes > 0,
        };
        if measured {
            return Ok(());
        }
        let task = match self.classes {
            0 => "a regression model, which is measured by mse, rmse, mae and r2",
            2 => "a classifier",
            _ => "a classifier of more than two classes, which has no roc_auc",
        };
        Err(EngineError::setting(
            "checks.metric",
            format!("`{}` is not measured for {task}", name.id()),
        ))
    }
}

impl CheckSpec {
    /// The work this check will do on a run shaped like `plan`, or why it cannot run there. Its
    /// parameters alone are checked by [`CheckSpec::validate`].
    pub fn work(&self, plan: &Plan) -> Result<f64, EngineError> {
        self.validate()?;
        let (n, v) = (plan.train_rows, plan.validation_rows);
        let cells = plan.cells as f64 * CELL_WORK;
        Ok(match *self {
            CheckSpec::ReproducibleTraining { extra_seeds } => {
                let trainings = 2.0 + f64::from(extra_seeds);
                trainings * plan.training(n, plan.config.epochs)
                    + f64::from(extra_seeds) * plan.predicting(v)
            }
            CheckSpec::GradientStepOnRandomInput => 3.0 * plan.predicting(random_step::ROWS),
            CheckSpec::GradientCheck { .. } => {
                let probes = plan.parameters.min(gradient_check::MAX_PROBES) as f64;
                (2.0 * probes + 2.0) * plan.predicting(n.min(gradient_check::ROWS))
            }
            CheckSpec::LossDecreases { .. } => f64::from(plan.config.epochs),
            CheckSpec::OverfitTinyBatch { rows, epochs, .. } => {
                super::overfit::rows_fit(rows, n)?;
                plan.training(rows as usize, epochs) + plan.predicting(rows as usize)
            }
            CheckSpec::BeatsBaseline { metric, .. } => {
                plan.measures(metric.unwrap_or(if plan.classes > 0 {
                    MetricName::Accuracy
                } else {
                    MetricName::Rmse
                }))?;
                2.0 * plan.predicting(v) + n as f64
            }
            CheckSpec::MetricThreshold { metric, .. } | CheckSpec::NoRegression { metric, .. } => {
                plan.measures(metric)?;
                plan.predicting(v)
            }
            CheckSpec::OutputSanity => plan.predicting(v),
            CheckSpec::ConvergesToOptimum { .. } => {
                optimum_applies(plan.model, plan.config)?;
                let columns = plan.features as f64 + 1.0;
                n as f64 * columns * columns + plan.predicting(n)
            }
            CheckSpec::NoMissingValues { .. }
            | CheckSpec::SchemaMatches { .. }
            | CheckSpec::NoDuplicateRows { .. }
            | CheckSpec::NoTrainValidationOverlap
            | CheckSpec::NoConstantColumns
            | CheckSpec::ClassBalance { .. } => cells,
        }
        .max(1.0))
    }
}

/// `converges_to_optimum` knows the optimum only of unregularised linear regression.
pub(super) fn optimum_applies(model: &ModelSpec, config: &TrainConfig) -> Result<(), EngineError> {
    if *model != ModelSpec::LinearRegression {
        return Err(EngineError::setting(
            "checks.converges_to_optimum",
            "applies only to linear regression, whose optimum has a closed form",
        ));
    }
    if config.l2 != 0.0 {
        return Err(EngineError::setting(
            "checks.converges_to_optimum",
            "compares with the unregularised optimum: set training.l2 to 0",
        ));
    }
    Ok(())
}
