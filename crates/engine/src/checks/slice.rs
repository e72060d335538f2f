//! Slice threshold: a fixed quality bar on one slice of the validation rows (where a column
//! holds a value, or a number in a range), so a good average cannot hide a group the model
//! serves badly.

use ndarray::Axis;
use serde::{Deserialize, Serialize};

use super::threshold::{bar_in_range, clears};
use super::{Check, CheckOutcome, Context, Guide, Plan, metric_of, refuse};
use crate::EngineError;
use crate::data::{Dataset, Table, is_missing, label_order};
use crate::metrics::{Metric, MetricName};

/// A validation metric clears a fixed bar on the validation rows of a slice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SliceThreshold {
    pub slice: Slice,
    pub metric: MetricName,
    pub threshold: f64,
}

/// Rows where a column holds one value (`equals`), or a number in a range (`min` ≤ value <
/// `below`, either end left open when not given).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Slice {
    pub column: String,
    /// The cell's text exactly (after trimming, as every cell is read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<String>,
    /// The smallest number in the slice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// The first number past the slice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below: Option<f64>,
}

impl Slice {
    fn validate(&self, id: &str) -> Result<(), EngineError> {
        let field = |name: &str| format!("slice.{name}");
        if self.column.is_empty() {
            return Err(refuse(id, &field("column"), "name the column to slice by"));
        }
        let range = self.min.is_some() || self.below.is_some();
        if self.equals.is_some() == range {
            return Err(refuse(
                id,
                "slice",
                "give either `equals` (a value) or `min` and/or `below` (a range of numbers)",
            ));
        }
        for (name, bound) in [("min", self.min), ("below", self.below)] {
            if bound.is_some_and(|b| !b.is_finite()) {
                return Err(refuse(id, &field(name), "must be a finite number"));
            }
        }
        if let (Some(min), Some(below)) = (self.min, self.below)
            && min >= below
        {
            return Err(refuse(
                id,
                &field("below"),
                format!("must be greater than min ({min}); it is {below}"),
            ));
        }
        Ok(())
    }

    /// Whether `cell` is in the slice; a range holds numbers only.
    fn holds(&self, cell: &str) -> bool {
        if let Some(value) = &self.equals {
            return cell == value;
        }
        cell.parse::<f64>().is_ok_and(|x| {
            self.min.is_none_or(|min| x >= min) && self.below.is_none_or(|below| x < below)
        })
    }

    /// The slice in words: `region = EU`, `age from 30 to below 50`.
    pub fn describe(&self) -> String {
        let column = &self.column;
        match (&self.equals, self.min, self.below) {
            (Some(value), ..) => format!("{column} = {value}"),
            (None, Some(min), Some(below)) => format!("{column} from {min} to below {below}"),
            (None, Some(min), None) => format!("{column} at least {min}"),
            (None, None, Some(below)) => format!("{column} below {below}"),
            (None, None, None) => column.clone(),
        }
    }
}

impl Check for SliceThreshold {
    fn id(&self) -> &'static str {
        "slice_threshold"
    }

    fn guide(&self) -> &'static Guide {
        &GUIDE
    }

    fn validate(&self) -> Result<(), EngineError> {
        self.slice.validate(self.id())?;
        bar_in_range(self.id(), self.metric, self.threshold)
    }

    fn work(&self, plan: &Plan) -> Result<f64, EngineError> {
        plan.measures(self.metric)?;
        Ok(plan.table_work() + plan.predicting(plan.validation_rows))
    }

    fn run(&self, context: &Context) -> Result<CheckOutcome, EngineError> {
        let table = context.table;
        let column = table.column_index(&self.slice.column).ok_or_else(|| {
            refuse(
                self.id(),
                "slice.column",
                format!(
                    "there is no column `{}`; the columns are {}",
                    self.slice.column,
                    table.headers.join(", ")
                ),
            )
        })?;
        let validation_rows = &context.prepared.validation_rows;
        let picked: Vec<usize> = validation_rows
            .iter()
            .enumerate()
            .filter(|&(_, &r)| self.slice.holds(table.cell(r, column)))
            .map(|(i, _)| i)
            .collect();
        let slice = self.slice.describe();
        if picked.is_empty() {
            return Err(refuse(
                self.id(),
                "slice",
                format!(
                    "no validation row has {slice}; {}",
                    values_seen(table, validation_rows, column)
                ),
            ));
        }
        let rows = picked.len();
        let subset = select_rows(context.validation, &picked);
        let evaluation =
            crate::metrics::evaluate(context.network, &context.trained.params, &subset);
        let value = metric_of(&evaluation, self.metric)?;
        let (passed, relation) = clears(value, self.threshold, self.metric.higher_is_better());
        Ok(CheckOutcome::new(
            passed,
            format!(
                "Validation {} where {slice} is {value:.4} on {rows} of {} validation rows; the \
                 bar is {relation} {}.",
                self.metric.id(),
                validation_rows.len(),
                self.threshold
            ),
            vec![
                Metric::new(self.metric.id(), value),
                Metric::new("threshold", self.threshold),
                Metric::new("slice_rows", rows as f64),
            ],
        ))
    }
}

/// The validation rows at positions `picked` of `data`.
fn select_rows(data: &Dataset, picked: &[usize]) -> Dataset {
    Dataset {
        feature_names: data.feature_names.clone(),
        target_name: data.target_name.clone(),
        classes: data.classes.clone(),
        features: data.features.select(Axis(0), picked),
        target: data.target.select(Axis(0), picked),
    }
}

/// A few of the values `column` holds in `rows`, to help correct a slice that matched nothing.
fn values_seen(table: &Table, rows: &[usize], column: usize) -> String {
    const SHOWN: usize = 8;
    let mut values: Vec<&str> = rows
        .iter()
        .map(|&r| table.cell(r, column))
        .filter(|v| !is_missing(v))
        .collect();
    values.sort_by(|a, b| label_order(a, b));
    values.dedup();
    if values.is_empty() {
        return "the column has no values there".into();
    }
    let more = values.len().saturating_sub(SHOWN);
    let listed: Vec<String> = values.iter().take(SHOWN).map(|v| v.to_string()).collect();
    format!(
        "its values there are {}{}",
        listed.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    )
}

static GUIDE: Guide = Guide {
    title: "Clears the bar on a slice",
    why: "An average hides groups. A model can score well overall while it fails the customers of \
          one region, one product or one age band, and those are often the ones a team is asked \
          about first. Holding each important slice to its own bar catches that before it ships.",
    does: "Takes the validation rows where a column holds a value (region = EU) or a number in a \
           range (age from 30 to below 50), scores the trained model on those rows alone with the \
           chosen metric, and compares the score with a fixed bar, as the fixed-bar check does \
           for all rows. The evidence says how many validation rows the slice holds: a score on \
           a handful of rows is noisy.",
    when_it_fails: "The model is worse on this slice than the bar allows. Usually the slice is \
                    rare in the training data, its rows look different from the rest, or a \
                    feature the model relies on is missing or unreliable for it.",
    fix: "Compare the slice's score with the model's overall score. If the slice is small, \
          collect more of its rows or give it more weight; check that its features are filled in \
          as well as elsewhere (the Data step's missing-value counts); try a model that can \
          capture interactions (a hidden layer). If the slice holds only a few validation rows, \
          a larger validation share gives a steadier score.",
    source: "Breck et al., \"The ML Test Score: A Rubric for ML Production Readiness and \
             Technical Debt Reduction\" (2017), model test: model quality is sufficient on all \
             important data slices.",
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckSpec;

    fn slice(equals: Option<&str>, min: Option<f64>, below: Option<f64>) -> Slice {
        Slice {
            column: "c".into(),
            equals: equals.map(str::to_owned),
            min,
            below,
        }
    }

    #[test]
    fn a_slice_is_a_value_or_a_half_open_range() {
        let eu = slice(Some("EU"), None, None);
        assert!(eu.holds("EU") && !eu.holds("eu") && !eu.holds("EU "));
        let band = slice(None, Some(30.0), Some(50.0));
        assert!(band.holds("30") && band.holds("49.9") && !band.holds("50") && !band.holds("x"));
        assert!(
            slice(None, None, Some(1.0)).holds("-5") && !slice(None, Some(1.0), None).holds("0")
        );
        assert_eq!(band.describe(), "c from 30 to below 50");
        assert_eq!(eu.describe(), "c = EU");
        assert_eq!(slice(None, Some(2.5), None).describe(), "c at least 2.5");
        assert_eq!(slice(None, None, Some(2.5)).describe(), "c below 2.5");
    }

    #[test]
    fn a_slice_check_refuses_a_bad_slice_or_an_unreachable_bar() {
        let check = |slice, threshold| {
            CheckSpec::from(SliceThreshold {
                slice,
                metric: MetricName::Accuracy,
                threshold,
            })
            .validate()
        };
        assert!(check(slice(Some("EU"), None, None), 0.9).is_ok());
        let error = check(slice(None, None, None), 0.9).unwrap_err().to_string();
        assert!(error.contains("checks.slice_threshold.slice"), "{error}");
        let error = check(slice(Some("EU"), None, None), 1.5)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("checks.slice_threshold.threshold"),
            "{error}"
        );
    }

    #[test]
    fn a_slice_is_one_or_the_other_and_a_range_is_not_empty() {
        assert!(slice(Some("a"), None, None).validate("s").is_ok());
        assert!(slice(None, Some(1.0), None).validate("s").is_ok());
        for bad in [
            slice(None, None, None),
            slice(Some("a"), Some(1.0), None),
            slice(None, Some(2.0), Some(2.0)),
            slice(None, Some(f64::NAN), None),
            slice(None, None, Some(f64::INFINITY)),
            Slice {
                column: String::new(),
                ..slice(Some("a"), None, None)
            },
        ] {
            assert!(bad.validate("s").is_err(), "{bad:?}");
        }
    }
}
