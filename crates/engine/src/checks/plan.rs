//! What each check will cost, and whether it can run at all, known from the run's shape before
//! anything runs: so a spec is budgeted as a whole ([`crate::budget`]) and `assay validate` can
//! refuse what `assay run` would.
//!
//! Work is counted in the units of [`crate::train::MAX_WORK`]: about one multiply-add of the
//! model, forward or back, for one row. A training run is rows × epochs × parameters; predicting
//! is rows × parameters; the exact least-squares solve is rows × columns²; a data check touches
//! every cell of the table, at [`CELL_WORK`] units a cell (text is parsed, trimmed and hashed).

use crate::EngineError;
use crate::data::Task;
use crate::metrics::MetricName;
use crate::model::ModelSpec;
use crate::train::TrainConfig;

/// Units of work per table cell that a data check reads.
pub(crate) const CELL_WORK: f64 = 20.0;

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

    /// A data check's pass over every cell of the table.
    pub(super) fn table_work(&self) -> f64 {
        self.cells as f64 * CELL_WORK
    }

    /// Predicting `rows` rows.
    pub(super) fn predicting(&self, rows: usize) -> f64 {
        rows as f64 * self.parameters as f64
    }

    /// Whether an evaluation of this model reports `name` (ROC AUC also needs both classes in
    /// the validation split, which only the run itself finds out).
    pub(super) fn measures(&self, name: MetricName) -> Result<(), EngineError> {
        let task = match self.classes {
            0 => Task::Regression,
            2 => Task::BinaryClassification,
            _ => Task::MulticlassClassification,
        };
        let measured = MetricName::for_task(task).contains(&name);
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

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail loudly by design.
mod tests {
    use super::*;
    use crate::checks::*;

    /// A run of 100 training and 20 validation rows, 3 feature columns, 4 parameters, 30 epochs
    /// (the default), a table of 500 cells; `classes` 0 for regression.
    fn plan<'a>(model: &'a ModelSpec, config: &'a TrainConfig, classes: usize) -> Plan<'a> {
        Plan {
            model,
            config,
            train_rows: 100,
            validation_rows: 20,
            features: 3,
            parameters: 4,
            classes,
            cells: 500,
        }
    }

    /// The work of `check` on a regression run (`classes` 0) or a classifier's, worked by hand.
    fn check(check: CheckSpec, classes: usize, expect: f64) {
        let (model, config) = (ModelSpec::LinearRegression, TrainConfig::default());
        let got = check.work(&plan(&model, &config, classes)).unwrap();
        assert_eq!(got, expect, "{check:?} with {classes} classes");
    }

    #[test]
    fn work_per_check_by_hand() {
        // One training run: 100 rows × 30 epochs × 4 parameters = 12 000; predicting the
        // validation split: 20 × 4 = 80.
        check(
            CheckSpec::ReproducibleTraining(ReproducibleTraining { extra_seeds: 0 }),
            0,
            24_000.0,
        );
        check(
            CheckSpec::ReproducibleTraining(ReproducibleTraining { extra_seeds: 2 }),
            0,
            4.0 * 12_000.0 + 2.0 * 80.0,
        );
        // Three passes over 16 random rows: 3 × 16 × 4.
        check(
            CheckSpec::GradientStepOnRandomInput(GradientStepOnRandomInput {}),
            0,
            192.0,
        );
        // 4 probes: (2·4 + 2) passes over 8 rows of 4 parameters.
        check(
            CheckSpec::GradientCheck(GradientCheck {
                max_relative_error: 1e-4,
            }),
            0,
            320.0,
        );
        check(
            CheckSpec::LossDecreases(LossDecreases {
                min_relative_drop: 0.1,
                max_rise: 0.1,
            }),
            0,
            30.0,
        );
        // 8 rows × 50 epochs × 4, then predicting the 8 rows.
        check(
            CheckSpec::OverfitTinyBatch(OverfitTinyBatch {
                rows: 8,
                epochs: 50,
                max_loss: 0.1,
            }),
            0,
            1600.0 + 32.0,
        );
        // Two predictions of the validation split and a pass over the training targets.
        check(
            CheckSpec::BeatsBaseline(BeatsBaseline {
                metric: None,
                margin: 0.0,
            }),
            0,
            260.0,
        );
        check(
            CheckSpec::BeatsBaseline(BeatsBaseline {
                metric: None,
                margin: 0.0,
            }),
            2,
            260.0,
        );
        check(
            CheckSpec::MetricThreshold(MetricThreshold {
                metric: MetricName::R2,
                threshold: 0.5,
            }),
            0,
            80.0,
        );
        check(
            CheckSpec::NoRegression(NoRegression {
                metric: MetricName::Accuracy,
                tolerance: 0.0,
                relative: false,
            }),
            3,
            80.0,
        );
        check(CheckSpec::OutputSanity(OutputSanity {}), 0, 80.0);
        // Finding the slice's rows reads the table (500 cells × 20), then predicting as above.
        check(
            CheckSpec::SliceThreshold(SliceThreshold {
                slice: Slice {
                    column: "c".into(),
                    equals: Some("x".into()),
                    min: None,
                    below: None,
                },
                metric: MetricName::Accuracy,
                threshold: 0.5,
            }),
            2,
            10_080.0,
        );
        // 100 rows × (3 + 1)² columns, then predicting the 100 rows.
        check(
            CheckSpec::ConvergesToOptimum(ConvergesToOptimum {
                max_loss_gap: 0.01,
                max_parameter_distance: 0.1,
            }),
            0,
            1600.0 + 400.0,
        );
        // Every cell at 20 units.
        check(
            CheckSpec::NoConstantColumns(NoConstantColumns {}),
            0,
            10_000.0,
        );
        check(
            CheckSpec::NoMissingValues(NoMissingValues { max_fraction: 0.0 }),
            0,
            10_000.0,
        );
    }

    #[test]
    fn work_is_at_least_one_unit() {
        let (model, config) = (
            ModelSpec::LinearRegression,
            TrainConfig {
                epochs: 0,
                ..TrainConfig::default()
            },
        );
        let got = CheckSpec::LossDecreases(LossDecreases {
            min_relative_drop: 0.1,
            max_rise: 0.1,
        })
        .work(&plan(&model, &config, 0));
        assert_eq!(got.unwrap(), 1.0);
    }

    #[test]
    fn a_metric_the_task_has_not_is_refused_before_the_run() {
        let cases = [
            (MetricName::Rmse, 0, true),
            (MetricName::R2, 2, false),
            (MetricName::Accuracy, 0, false),
            (MetricName::Accuracy, 3, true),
            (MetricName::RocAuc, 2, true),
            (MetricName::RocAuc, 3, false),
            (MetricName::RocAuc, 0, false),
        ];
        let (model, config) = (ModelSpec::LinearRegression, TrainConfig::default());
        for (metric, classes, measured) in cases {
            let result = plan(&model, &config, classes).measures(metric);
            assert_eq!(
                result.is_ok(),
                measured,
                "{} with {classes} classes: {result:?}",
                metric.id()
            );
        }
        let error = plan(&model, &config, 3)
            .measures(MetricName::RocAuc)
            .unwrap_err()
            .to_string();
        assert!(error.contains("more than two classes"), "{error}");
        let error = plan(&model, &config, 0)
            .measures(MetricName::Accuracy)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("`accuracy` is not measured for a regression model"),
            "{error}"
        );
        let error = plan(&model, &config, 2)
            .measures(MetricName::R2)
            .unwrap_err()
            .to_string();
        // A binary classifier has ROC AUC: the reason is the kind of model, nothing more.
        assert!(
            error.ends_with("`r2` is not measured for a classifier"),
            "{error}"
        );
    }
}
