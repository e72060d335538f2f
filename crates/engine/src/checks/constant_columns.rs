//! No constant feature columns: every feature column holds more than one value.

use serde::{Deserialize, Serialize};

use super::{Check, CheckFamily, CheckOutcome, Context, Guide};
use crate::EngineError;
use crate::data::{ColumnKind, ColumnSchema, Table, is_missing, kinds_with};
use crate::metrics::Metric;

/// No feature column holds a single value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(transform = super::no_parameters))]
#[serde(deny_unknown_fields)]
pub struct NoConstantColumns {}

impl Check for NoConstantColumns {
    fn id(&self) -> &'static str {
        "no_constant_columns"
    }

    fn guide(&self) -> &'static Guide {
        &GUIDE
    }

    fn family(&self) -> CheckFamily {
        CheckFamily::Data
    }

    fn run(&self, context: &Context) -> Result<CheckOutcome, EngineError> {
        Ok(self.on(
            context.table,
            &context.prepared.schema,
            &context.preprocessing.target,
        ))
    }
}

static GUIDE: Guide = Guide {
    title: "No constant feature columns",
    why: "A column with the same value on every row carries no information. It often means a \
          broken export or a filter that removed all variation, and it cannot be standardised.",
    does: "Looks at every feature column (not the target, not identifier columns), leaving out \
           missing cells. A column fails if all its remaining cells hold the same value, or none \
           is left; numbers are compared by value, so 1 and 1.0 are the same.",
    when_it_fails: "A column carries no information: every row says the same thing. That often \
                    points to a broken export, a filter that kept only one kind of row, or a field \
                    that is only filled in somewhere else.",
    fix: "Check where the column comes from and whether the data was filtered more than intended; \
          fix the source if values went missing. If the column is constant by design (one country, \
          one product), leave it out: remove it from the file, or set its kind to identifier so it \
          is not used as a feature.",
    source: "Equal Experts, MLOps playbook, \"Testing through the ML pipeline\": test each \
             data transformation, so broken inputs are caught before training.",
};

impl NoConstantColumns {
    /// Fails when a feature column (not `target`, not an identifier or ignored) holds at most one distinct
    /// value among its non-missing cells. Numbers are compared by value, so `1` and `1.0` are one.
    pub fn on(&self, table: &Table, schema: &[ColumnSchema], target: &str) -> CheckOutcome {
        let kinds = kinds_with(table, schema);
        let mut constant: Vec<&str> = Vec::new();
        let mut checked = 0usize;
        for (c, kind) in kinds.iter().enumerate() {
            let name = table.headers.get(c).map_or("", String::as_str);
            if name == target || !kind.is_feature() {
                continue;
            }
            checked += 1;
            // Numbers by their bits (with -0 read as 0), anything else by its text.
            let key = |v: &str| match v.parse::<f64>() {
                Ok(x) if *kind == ColumnKind::Numeric => {
                    Err(if x == 0.0 { 0 } else { x.to_bits() })
                }
                _ => Ok(v.to_owned()),
            };
            let mut values = table.column(c).filter(|v| !is_missing(v)).map(key);
            let first = values.next();
            let single_value = values.all(|v| Some(v) == first);
            if single_value {
                constant.push(name);
            }
        }
        let summary = match constant.as_slice() {
            [] => format!("All {checked} feature columns hold more than one value."),
            [one] => format!("Feature column `{one}` holds a single value."),
            many => format!(
                "{} feature columns hold a single value: {}.",
                many.len(),
                many.iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        CheckOutcome::new(
            constant.is_empty(),
            summary,
            vec![Metric::new("constant_columns", constant.len() as f64)],
        )
    }
}
