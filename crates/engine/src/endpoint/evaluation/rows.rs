//! The [`Evaluator`]: which rows an evaluation sends, each endpoint's requests for them, and
//! the truth its answers are judged by.

use serde_json::Value;

use super::{EvaluationRows, EvaluationSpec};
use crate::EngineError;
use crate::data::{ColumnKind, Prepared, Table, Task, is_missing};
use crate::endpoint::protocol::{Request, build_batch_request};
use crate::endpoint::tensor::{input_datatype, tensor_value};
use crate::endpoint::{EndpointSpec, Protocol};
use crate::metrics::Metric;
use crate::spec::Spec;

/// Rows sent in one request, as positions among the evaluation's rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub rows: Vec<usize>,
    pub request: Request,
}

/// One endpoint an evaluation sends the rows to: the endpoint evaluated first, then each
/// endpoint it is compared with.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub endpoint: EndpointSpec,
    pub batches: Vec<Batch>,
    /// Rows that cannot be sent in the form the endpoint takes (a gap where its tensor needs a
    /// number), with why: they fail without a request.
    pub unsendable: Vec<(usize, String)>,
}

/// An evaluation ready to run: build it from the spec and its prepared data, send each
/// target's batches (at most [`Evaluator::concurrency`] at once), and hand what came back to
/// [`Evaluator::judge`].
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluator {
    pub(super) endpoint: String,
    pub(super) evaluation: EvaluationSpec,
    pub(super) task: Task,
    /// Class labels in the engine's order (a probability vector's order); empty for regression.
    pub(super) classes: Vec<String>,
    /// The file line of each row sent, for messages.
    pub(super) lines: Vec<u64>,
    /// Each row's target: the value, or the class number.
    pub(super) truth: Vec<f64>,
    /// The training rows' targets, which the baseline is fitted on.
    pub(super) train_truth: Vec<f64>,
    /// Columns of offline predictions the checks compare with, by name: one cell per row.
    pub(super) notebook: Vec<(String, Vec<String>)>,
    /// The latest earlier revision's metrics for this endpoint, with that revision's number.
    pub(super) previous: Option<(u32, Vec<Metric>)>,
    pub(super) targets: Vec<Target>,
}

impl Evaluator {
    /// The evaluation of `endpoint` (`None` when it has none) on `table` as `prepared` splits
    /// it. An `Err` is a spec that cannot be evaluated: a feature or column the data lacks, or
    /// a notebook column the model would learn from.
    pub fn new(
        spec: &Spec,
        table: &Table,
        prepared: &Prepared,
        endpoint: &EndpointSpec,
    ) -> Result<Option<Self>, EngineError> {
        let Some(evaluation) = &endpoint.evaluation else {
            return Ok(None);
        };
        let field = format!("endpoints.{}.evaluation", endpoint.name);
        let (rows, truth): (Vec<usize>, Vec<f64>) = match evaluation.rows {
            EvaluationRows::Validation => (
                prepared.validation_rows.clone(),
                prepared.validation.target.to_vec(),
            ),
            EvaluationRows::All => {
                let mut pairs: Vec<(usize, f64)> = prepared
                    .train_rows
                    .iter()
                    .copied()
                    .zip(prepared.train.target.iter().copied())
                    .chain(
                        prepared
                            .validation_rows
                            .iter()
                            .copied()
                            .zip(prepared.validation.target.iter().copied()),
                    )
                    .collect();
                pairs.sort_by_key(|&(row, _)| row);
                pairs.into_iter().unzip()
            }
        };
        let mut notebook = Vec::new();
        for (i, check) in evaluation.checks.iter().enumerate() {
            if let super::EvaluationCheck::AgreesWithColumn { column, .. } = check {
                let c = column_of(table, column, &format!("{field}.checks[{i}]"))?;
                let kind = prepared
                    .schema
                    .iter()
                    .find(|s| &s.name == column)
                    .map(|s| s.kind);
                if column != &spec.preprocessing.target && kind.is_some_and(ColumnKind::is_feature)
                {
                    return Err(EngineError::setting(
                        &format!("{field}.checks[{i}]"),
                        format!(
                            "column `{column}` holds the notebook's predictions, but the trained \
                             model uses it as a feature (it would learn the answer): set its kind \
                             to `ignored` in preprocessing.column_kinds"
                        ),
                    ));
                }
                if !notebook.iter().any(|(name, _)| name == column) {
                    let cells = rows.iter().map(|&r| table.cell(r, c).to_owned()).collect();
                    notebook.push((column.clone(), cells));
                }
            }
        }
        let mut targets = vec![target(
            table,
            prepared,
            endpoint,
            &rows,
            evaluation.batch_size,
        )?];
        for name in evaluation.challengers() {
            let other = spec
                .endpoints
                .iter()
                .find(|e| e.name == name && e.name != endpoint.name)
                .ok_or_else(|| {
                    EngineError::setting(
                        &format!("{field}.checks"),
                        format!("no other endpoint of the spec is named `{name}`"),
                    )
                })?;
            let batch_size = other
                .evaluation
                .as_ref()
                .map_or(evaluation.batch_size, |e| e.batch_size);
            targets.push(target(table, prepared, other, &rows, batch_size)?);
        }
        let previous = spec.history.iter().rev().find_map(|revision| {
            revision
                .endpoints
                .iter()
                .find(|e| e.endpoint == endpoint.name)
                .map(|e| (revision.revision, e.metrics.clone()))
        });
        Ok(Some(Self {
            endpoint: endpoint.name.clone(),
            evaluation: evaluation.clone(),
            task: spec.preprocessing.task,
            classes: prepared.classes.clone(),
            lines: rows.iter().map(|&r| table.line_of(r)).collect(),
            truth,
            train_truth: prepared.train.target.to_vec(),
            notebook,
            previous,
            targets,
        }))
    }

    /// The endpoints to send to, the evaluated one first.
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// Requests to keep in flight at once.
    pub fn concurrency(&self) -> usize {
        self.evaluation.concurrency as usize
    }

    /// How many rows are evaluated.
    pub fn rows(&self) -> usize {
        self.truth.len()
    }

    /// Requests in all, over every target: a progress bar's total.
    pub fn requests(&self) -> usize {
        self.targets.iter().map(|t| t.batches.len()).sum()
    }
}

fn column_of(table: &Table, name: &str, field: &str) -> Result<usize, EngineError> {
    table.column_index(name).ok_or_else(|| {
        EngineError::setting(
            field,
            format!(
                "`{name}` is not a column of the dataset (its columns: {})",
                table.headers.join(", ")
            ),
        )
    })
}

/// A cell as the deployed model takes it: a gap as `null`, a number as a number (a whole one
/// without a fraction, so integer columns stay integers), else the text. A categorical column
/// stays text even where it looks numeric (a postcode's leading zero matters).
pub(in crate::endpoint) fn cell_value(cell: &str, kind: Option<ColumnKind>) -> Value {
    if is_missing(cell) {
        return Value::Null;
    }
    if kind != Some(ColumnKind::Categorical) {
        if let Ok(whole) = cell.trim().parse::<i64>() {
            return Value::from(whole);
        }
        if let Some(number) = cell
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
        {
            return Value::Number(number);
        }
    }
    Value::String(cell.to_owned())
}

/// `endpoint`'s requests for `rows`, `batch_size` rows at a time (one for generic JSON).
fn target(
    table: &Table,
    prepared: &Prepared,
    endpoint: &EndpointSpec,
    rows: &[usize],
    batch_size: u32,
) -> Result<Target, EngineError> {
    let field = format!("endpoints.{}.features", endpoint.name);
    let columns: Vec<(usize, Option<ColumnKind>)> = endpoint
        .features
        .iter()
        .map(|name| {
            let c = column_of(table, name, &field)?;
            let kind = prepared
                .schema
                .iter()
                .find(|s| &s.name == name)
                .map(|s| s.kind);
            Ok((c, kind))
        })
        .collect::<Result<_, EngineError>>()?;
    let values: Vec<Vec<Value>> = rows
        .iter()
        .map(|&r| {
            columns
                .iter()
                .map(|&(c, kind)| cell_value(table.cell(r, c), kind))
                .collect()
        })
        .collect();
    let datatype = match &endpoint.protocol {
        // A gap says nothing of the column's type: the datatype follows the values there are.
        Protocol::OpenInference {
            input_datatype: declared,
            ..
        } => Some(input_datatype(
            declared.as_deref(),
            values.iter().flatten().filter(|v| !v.is_null()),
        )),
        _ => None,
    };
    let mut sendable = Vec::with_capacity(rows.len());
    let mut unsendable = Vec::new();
    for (position, row) in values.iter().enumerate() {
        let problem = datatype.as_deref().and_then(|datatype| {
            endpoint
                .features
                .iter()
                .zip(row)
                .find_map(|(feature, value)| {
                    let refused = tensor_value(datatype, value).err()?;
                    Some(if value.is_null() {
                        format!("a missing value in `{feature}` cannot be sent as {datatype}")
                    } else {
                        format!("`{feature}`: {refused}")
                    })
                })
        });
        match problem {
            Some(problem) => unsendable.push((position, problem)),
            None => sendable.push(position),
        }
    }
    let per_request = match endpoint.protocol {
        Protocol::GenericJson { .. } => 1,
        _ => batch_size.max(1) as usize,
    };
    let batches = sendable
        .chunks(per_request)
        .enumerate()
        .map(|(k, positions)| {
            let batch: Vec<Vec<Value>> = positions.iter().map(|&p| values[p].clone()).collect();
            Batch {
                rows: positions.to_vec(),
                request: build_batch_request(
                    endpoint,
                    &format!("assay-evaluation-{k}"),
                    &batch,
                    datatype.as_deref().unwrap_or_default(),
                ),
            }
        })
        .collect();
    Ok(Target {
        endpoint: endpoint.clone(),
        batches,
        unsendable,
    })
}
