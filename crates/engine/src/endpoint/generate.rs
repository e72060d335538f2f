//! Smoke cases drafted from the locally trained model: a few representative validation rows,
//! with the model's own predictions as the expected answers, for the author to adjust.

use serde_json::Value;

use super::{Expectation, SmokeCase};
use crate::EngineError;
use crate::data::{Prepared, Table};
use crate::metrics::argmax;
use crate::model::Network;

/// The draft: the raw feature columns the deployed model takes, and the cases.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftCases {
    pub features: Vec<String>,
    pub cases: Vec<SmokeCase>,
}

/// Up to `count` cases from the validation split: for classification one row per class in
/// turn, for regression rows spread evenly over the target's range. Regression answers get a
/// tolerance of `relative_tolerance` × the predicted value's magnitude (at least 1e-9).
pub fn draft_cases(
    table: &Table,
    prepared: &Prepared,
    network: &Network,
    params: &[f64],
    count: usize,
    relative_tolerance: f64,
) -> Result<DraftCases, EngineError> {
    let features: Vec<String> = prepared
        .encoder
        .features
        .iter()
        .map(|f| f.column().to_owned())
        .collect();
    let columns: Vec<usize> = features
        .iter()
        .map(|name| {
            table.column_index(name).ok_or_else(|| {
                EngineError::Data(format!("column `{name}` is missing from the table"))
            })
        })
        .collect::<Result<_, _>>()?;
    let rows = representative_rows(prepared, count);
    let encoded = prepared.encoder.transform(table, &rows)?;
    let predictions = network.predict(params, encoded.view());
    let cases = rows
        .iter()
        .zip(predictions.rows())
        .map(|(&row, prediction)| {
            let input = columns
                .iter()
                .map(|&c| {
                    let cell = table.cell(row, c);
                    cell.parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite())
                        .and_then(|v| serde_json::Number::from_f64(v).map(Value::Number))
                        .unwrap_or_else(|| Value::String(cell.to_owned()))
                })
                .collect();
            let expect = if prepared.classes.is_empty() {
                let value = prediction[0];
                Expectation::Absolute {
                    value,
                    tolerance: (relative_tolerance * value.abs()).max(1e-9),
                }
            } else {
                let class = if prediction.len() == 1 {
                    usize::from(prediction[0] >= 0.5)
                } else {
                    argmax(&prediction.to_vec())
                };
                let label = prepared.classes.get(class).cloned().unwrap_or_default();
                Expectation::ClassLabel {
                    label: Value::String(label),
                }
            };
            SmokeCase {
                name: format!("line-{}", table.line_of(row)),
                input,
                expect,
                max_latency_ms: None,
            }
        })
        .collect();
    Ok(DraftCases { features, cases })
}

/// Validation rows (table indices) that cover the classes, or the target's range.
fn representative_rows(prepared: &Prepared, count: usize) -> Vec<usize> {
    let rows = &prepared.validation_rows;
    let targets = &prepared.validation.target;
    let count = count.min(rows.len());
    if count == 0 {
        return Vec::new();
    }
    let mut chosen = Vec::with_capacity(count);
    if prepared.classes.is_empty() {
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by(|&a, &b| targets[a].total_cmp(&targets[b]));
        for k in 0..count {
            let position = if count == 1 {
                0
            } else {
                k * (order.len() - 1) / (count - 1)
            };
            chosen.push(rows[order[position]]);
        }
    } else {
        // Round-robin over classes, taking each class's next unused row.
        let mut next = vec![0usize; prepared.classes.len()];
        while chosen.len() < count {
            let before = chosen.len();
            for (class, cursor) in next.iter_mut().enumerate() {
                while *cursor < rows.len() && targets[*cursor] as usize != class {
                    *cursor += 1;
                }
                if *cursor < rows.len() && chosen.len() < count {
                    chosen.push(rows[*cursor]);
                    *cursor += 1;
                }
            }
            if chosen.len() == before {
                break;
            }
        }
    }
    chosen
}
