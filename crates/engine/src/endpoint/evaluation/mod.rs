//! The served model under test: an endpoint's `evaluation` sends the spec's dataset rows through
//! the deployed model and judges its answers as a whole, with the engine's own metrics (the
//! same functions as for the browser model). Like the smoke cases, no I/O here: a driver (the
//! CLI, the page) sends the [`Evaluator`]'s batches and hands back what came of each.
//!
//! * [`rows`]: which rows, their values as each endpoint takes them, and the truth;
//! * [`answers`]: a batch's answer read into one prediction per row, or why not;
//! * [`verdict`]: the metrics of the answered rows and each check's verdict.

mod answers;
mod guide;
mod rows;
mod verdict;

use serde::{Deserialize, Serialize};

use crate::EngineError;
use crate::data::Task;
use crate::metrics::MetricName;

pub use guide::guide;
pub use rows::{Batch, Evaluator, Target};
pub use verdict::{AnswerKind, ChallengerMetrics, EvaluationReport, FailedRows};

/// Rows per request at most, and requests in flight at most: an evaluation is a test, not a
/// load run.
const MAX_BATCH_SIZE: u32 = 1000;
const MAX_CONCURRENCY: u32 = 16;
const MAX_EVALUATION_CHECKS: usize = 20;

/// Which rows of the spec's dataset an evaluation sends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum EvaluationRows {
    /// The validation split, exactly as the browser model is scored on it.
    #[default]
    Validation,
    /// Every row the spec's preprocessing keeps, training rows included.
    All,
}

/// Send a dataset's rows through the deployed model and judge its answers as a whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EvaluationSpec {
    #[serde(default)]
    pub rows: EvaluationRows,
    /// Rows per request where the protocol takes batches (Open Inference, TF Serving, MLflow);
    /// generic JSON sends one row per request.
    #[serde(default = "default_batch_size")]
    pub batch_size: u32,
    /// Requests in flight at once.
    #[serde(default = "default_concurrency")]
    pub concurrency: u32,
    pub checks: Vec<EvaluationCheck>,
}

fn default_batch_size() -> u32 {
    32
}

fn default_concurrency() -> u32 {
    4
}

/// A judgement of the served model's answers on the evaluation rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "check", rename_all = "snake_case", deny_unknown_fields)]
pub enum EvaluationCheck {
    /// The metric meets a fixed bar (at least it, or at most it for an error).
    MetricThreshold { metric: MetricName, threshold: f64 },
    /// The served model beats the best constant prediction fitted on the training rows by more
    /// than `margin`.
    BeatsBaseline {
        metric: MetricName,
        #[serde(default)]
        margin: f64,
    },
    /// The metric is no worse than the previous revision recorded for this endpoint, by more
    /// than `tolerance` (a fraction of the previous value when `relative`).
    NoRegression {
        metric: MetricName,
        #[serde(default)]
        tolerance: f64,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        relative: bool,
    },
    /// Training/serving skew: the served predictions agree with a column of the dataset holding
    /// the predictions the author's notebook made offline. Labels agree when equal; numbers
    /// when within `tolerance` (a fraction of the notebook's value when `relative`). At least
    /// `min_agreement` of the rows must agree.
    AgreesWithColumn {
        column: String,
        #[serde(default = "one")]
        min_agreement: f64,
        #[serde(default)]
        tolerance: f64,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        relative: bool,
    },
    /// Champion/challenger: the same rows through another endpoint of the spec (the model in
    /// production); this one must be no worse by the metric, within `tolerance`.
    NoWorseThanEndpoint {
        endpoint: String,
        metric: MetricName,
        #[serde(default)]
        tolerance: f64,
    },
}

fn one() -> f64 {
    1.0
}

impl EvaluationCheck {
    /// The check's tag in a spec.
    pub fn id(&self) -> &'static str {
        match self {
            EvaluationCheck::MetricThreshold { .. } => "metric_threshold",
            EvaluationCheck::BeatsBaseline { .. } => "beats_baseline",
            EvaluationCheck::NoRegression { .. } => "no_regression",
            EvaluationCheck::AgreesWithColumn { .. } => "agrees_with_column",
            EvaluationCheck::NoWorseThanEndpoint { .. } => "no_worse_than_endpoint",
        }
    }

    /// A name for reports: the tag and what it is about (`metric_threshold accuracy`).
    pub fn label(&self) -> String {
        let about = match self {
            EvaluationCheck::MetricThreshold { metric, .. }
            | EvaluationCheck::BeatsBaseline { metric, .. }
            | EvaluationCheck::NoRegression { metric, .. } => metric.id().to_owned(),
            EvaluationCheck::AgreesWithColumn { column, .. } => column.clone(),
            EvaluationCheck::NoWorseThanEndpoint {
                endpoint, metric, ..
            } => format!("{endpoint} {}", metric.id()),
        };
        format!("{} {about}", self.id())
    }

    fn metric(&self) -> Option<MetricName> {
        match self {
            EvaluationCheck::MetricThreshold { metric, .. }
            | EvaluationCheck::BeatsBaseline { metric, .. }
            | EvaluationCheck::NoRegression { metric, .. }
            | EvaluationCheck::NoWorseThanEndpoint { metric, .. } => Some(*metric),
            EvaluationCheck::AgreesWithColumn { .. } => None,
        }
    }
}

impl EvaluationSpec {
    /// Settings that hold whatever the spec: sizes, numbers, and metrics that fit `task`.
    /// `field` names the evaluation in messages (`endpoints.NAME.evaluation`).
    pub(crate) fn validate(&self, field: &str, task: Task) -> Result<(), EngineError> {
        let err = |f: &str, m: String| Err(EngineError::setting(&format!("{field}.{f}"), m));
        if !(1..=MAX_BATCH_SIZE).contains(&self.batch_size) {
            return err(
                "batch_size",
                format!("between 1 and {MAX_BATCH_SIZE}; it is {}", self.batch_size),
            );
        }
        if !(1..=MAX_CONCURRENCY).contains(&self.concurrency) {
            return err(
                "concurrency",
                format!(
                    "between 1 and {MAX_CONCURRENCY}; it is {}",
                    self.concurrency
                ),
            );
        }
        if self.checks.is_empty() {
            return err("checks", "name at least one check".into());
        }
        if self.checks.len() > MAX_EVALUATION_CHECKS {
            return err("checks", format!("at most {MAX_EVALUATION_CHECKS}"));
        }
        for (i, check) in self.checks.iter().enumerate() {
            let at = format!("checks[{i}]");
            if let Some(metric) = check.metric()
                && !MetricName::for_task(task).contains(&metric)
            {
                return err(
                    &at,
                    format!(
                        "`{}` is not a metric of {}; use one of {}",
                        metric.id(),
                        task_words(task),
                        MetricName::for_task(task)
                            .iter()
                            .map(|m| m.id())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
            let non_negative = |name: &str, value: f64| {
                if value.is_finite() && value >= 0.0 {
                    Ok(())
                } else {
                    err(
                        &at,
                        format!("{name} must be a number of at least 0; it is {value}"),
                    )
                }
            };
            match check {
                EvaluationCheck::MetricThreshold { metric, threshold } => {
                    let range = metric.range();
                    if !threshold.is_finite() || !range.contains(threshold) {
                        return err(
                            &at,
                            format!(
                                "threshold {threshold} is not a value {} can take",
                                metric.id()
                            ),
                        );
                    }
                }
                EvaluationCheck::BeatsBaseline { margin, .. } => non_negative("margin", *margin)?,
                EvaluationCheck::NoRegression { tolerance, .. }
                | EvaluationCheck::NoWorseThanEndpoint { tolerance, .. } => {
                    non_negative("tolerance", *tolerance)?;
                }
                EvaluationCheck::AgreesWithColumn {
                    column,
                    min_agreement,
                    tolerance,
                    ..
                } => {
                    if column.is_empty() {
                        return err(&at, "name the column of the notebook's predictions".into());
                    }
                    if !(0.0..=1.0).contains(min_agreement) {
                        return err(
                            &at,
                            format!(
                                "min_agreement is a share between 0 and 1; it is {min_agreement}"
                            ),
                        );
                    }
                    non_negative("tolerance", *tolerance)?;
                }
            }
        }
        Ok(())
    }

    /// The endpoints whose answers this evaluation compares with (champion/challenger), each
    /// once, in the order the checks name them.
    pub fn challengers(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for check in &self.checks {
            if let EvaluationCheck::NoWorseThanEndpoint { endpoint, .. } = check
                && !names.contains(&endpoint.as_str())
            {
                names.push(endpoint);
            }
        }
        names
    }
}

fn task_words(task: Task) -> &'static str {
    match task {
        Task::Regression => "regression",
        Task::BinaryClassification => "binary classification",
        Task::MulticlassClassification => "multiclass classification",
    }
}
