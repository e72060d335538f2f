//! Columns as recorded: the table has the recorded columns, in order, of the recorded kinds.

use serde::{Deserialize, Serialize};

use super::{Check, CheckFamily, CheckOutcome, Context, Guide};
use crate::EngineError;
use crate::data::{ColumnSchema, Table, infer_schema};
use crate::metrics::Metric;

/// The table has exactly these columns, in this order, of these kinds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SchemaMatches {
    pub expected: Vec<ColumnSchema>,
}

impl Check for SchemaMatches {
    fn id(&self) -> &'static str {
        "schema_matches"
    }

    fn guide(&self) -> &'static Guide {
        &GUIDE
    }

    fn family(&self) -> CheckFamily {
        CheckFamily::Data
    }

    fn run(&self, context: &Context) -> Result<CheckOutcome, EngineError> {
        Ok(self.on(context.table, &context.preprocessing.column_kinds))
    }
}

static GUIDE: Guide = Guide {
    title: "Columns as recorded",
    why: "A test only means something if it runs on the kind of data it was written for. A \
          renamed, reordered or retyped column can make the same code train on something else \
          without any error.",
    does: "Works out each column's kind (number, category, yes/no or identifier) from the data as \
           it is now, applies the kinds chosen by hand in the spec, and compares the result with \
           the columns recorded in the spec. It fails if a recorded column is gone, a new one \
           appeared, a column's kind changed, or the columns come in another order.",
    when_it_fails: "The file is not shaped like the one the spec was written for: it came from a \
                    different export, a column was renamed, added or dropped, or a column now \
                    reads as another kind, often because one stray value turned a column of \
                    numbers into text.",
    fix: "The summary names the first difference. If the file changed by mistake, go back to the \
          expected file or fix the export. If one odd value changed a column's kind, correct that \
          value, or set the column's kind by hand. If the change is intended, record the new \
          columns in a new revision, so reviewers see it and agree to it.",
    source: "Google, Machine Learning Crash Course, \"Testing for Deploying Machine Learning \
             Models\": check that what goes into the pipeline has the shape and types it \
             expects, as a contract test does for a served model.",
};

impl SchemaMatches {
    /// Fails unless the table has exactly the `recorded` columns, in that order and of those kinds,
    /// once the user's kind `overrides` are applied to what is inferred now.
    pub fn on(&self, table: &Table, overrides: &[ColumnSchema]) -> CheckOutcome {
        let recorded = &self.expected;

        let actual: Vec<ColumnSchema> = infer_schema(table)
            .into_iter()
            .map(|mut c| {
                if let Some(o) = overrides.iter().find(|o| o.name == c.name) {
                    c.kind = o.kind;
                }
                c
            })
            .collect();
        let find = |list: &[ColumnSchema], name: &str| list.iter().position(|c| c.name == name);
        let missing: Vec<&str> = recorded
            .iter()
            .filter(|c| find(&actual, &c.name).is_none())
            .map(|c| c.name.as_str())
            .collect();
        let extra: Vec<&str> = actual
            .iter()
            .filter(|c| find(recorded, &c.name).is_none())
            .map(|c| c.name.as_str())
            .collect();
        let changed: Vec<(&ColumnSchema, &ColumnSchema)> = recorded
            .iter()
            .filter_map(|r| find(&actual, &r.name).map(|i| (r, &actual[i])))
            .filter(|(r, a)| r.kind != a.kind)
            .collect();
        // The shared columns, in each list's order.
        let shared_recorded: Vec<&str> = recorded
            .iter()
            .map(|c| c.name.as_str())
            .filter(|n| find(&actual, n).is_some())
            .collect();
        let shared_actual: Vec<&str> = actual
            .iter()
            .map(|c| c.name.as_str())
            .filter(|n| find(recorded, n).is_some())
            .collect();
        let reordered = shared_recorded != shared_actual;
        let quote = |names: &[&str]| {
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let summary = if let Some(name) = missing.first() {
            format!(
                "The recorded column `{name}` is gone ({} missing in all).",
                missing.len()
            )
        } else if !extra.is_empty() {
            format!(
                "The data has columns that were not recorded: {}.",
                quote(&extra)
            )
        } else if let Some((r, a)) = changed.first() {
            format!(
                "Column `{}` was recorded as {:?} but now reads as {:?}.",
                r.name, r.kind, a.kind
            )
        } else if reordered {
            "The recorded columns are all present, but in another order.".to_owned()
        } else {
            format!(
                "All {} columns match the recorded names, order and kinds.",
                recorded.len()
            )
        };
        CheckOutcome::new(
            missing.is_empty() && extra.is_empty() && changed.is_empty() && !reordered,
            summary,
            vec![
                Metric::new("missing_columns", missing.len() as f64),
                Metric::new("extra_columns", extra.len() as f64),
                Metric::new("changed_kinds", changed.len() as f64),
                Metric::new("order_changed", if reordered { 1.0 } else { 0.0 }),
            ],
        )
    }
}
