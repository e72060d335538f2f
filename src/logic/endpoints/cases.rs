//! Smoke cases: drafted from the locally trained model, then edited field by field.

use assay_engine::endpoint::{Expectation, SmokeCase, draft_cases};
use assay_engine::model::Network;
use assay_engine::replay::{self, Run};
use assay_engine::spec::Spec;
use serde_json::Value;

/// Cases drafted from the model: a handful, as smoke tests should be.
pub const DRAFT_COUNT: usize = 5;
/// Regression cases allow the deployed model this relative drift from the local one.
pub const DRAFT_TOLERANCE: f64 = 0.05;
/// Cases drafted from the locally trained model: representative validation rows with the
/// model's own answers as expectations.
pub fn draft(spec: &Spec, run: &Run, csv: &str) -> Result<(Vec<String>, Vec<SmokeCase>), String> {
    let (table, prepared) = replay::load(spec, csv).map_err(|e| e.to_string())?;
    let network = Network::new(
        &spec.model,
        prepared.train.features.ncols(),
        prepared.train.classes.len(),
    )
    .map_err(|e| e.to_string())?;
    let drafted = draft_cases(
        &table,
        &prepared,
        &network,
        &run.model.params,
        DRAFT_COUNT,
        DRAFT_TOLERANCE,
    )
    .map_err(|e| e.to_string())?;
    Ok((drafted.features, drafted.cases))
}

/// One editable part of a case's expectation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Value,
    Tolerance,
    Min,
    Max,
    Label,
}

impl Field {
    pub fn label(self) -> &'static str {
        match self {
            Self::Value => "Expected value",
            Self::Tolerance => "Tolerance",
            Self::Min => "Minimum",
            Self::Max => "Maximum",
            Self::Label => "Expected label",
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Self::Value => "value",
            Self::Tolerance => "tolerance",
            Self::Min => "min",
            Self::Max => "max",
            Self::Label => "label",
        }
    }
}

/// A label as typed: the text itself, or a number where the label was one.
fn label_text(label: &Value) -> String {
    label
        .as_str()
        .map_or_else(|| label.to_string(), str::to_owned)
}

/// The expectation's editable fields and their current text.
pub fn fields(expect: &Expectation) -> Vec<(Field, String)> {
    match expect {
        Expectation::Absolute { value, tolerance } | Expectation::Relative { value, tolerance } => {
            vec![
                (Field::Value, value.to_string()),
                (Field::Tolerance, tolerance.to_string()),
            ]
        }
        Expectation::Range { min, max } => {
            vec![(Field::Min, min.to_string()), (Field::Max, max.to_string())]
        }
        Expectation::ClassLabel { label } => vec![(Field::Label, label_text(label))],
        Expectation::Exact { value } => vec![(Field::Value, label_text(value))],
        Expectation::ClassProbability { at_least, .. } => {
            vec![(Field::Value, at_least.to_string())]
        }
    }
}

/// Sets one field of `expect` from typed text; on error `expect` is unchanged.
pub fn set_field(expect: &mut Expectation, field: Field, text: &str) -> Result<(), String> {
    let text = text.trim();
    let number = || {
        text.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("{} must be a number; `{text}` is not.", field.label()))
    };
    // A label keeps its kind: numbers stay numbers, text stays text.
    let like = |old: &Value| -> Result<Value, String> {
        if old.is_number() {
            match text.parse::<i64>() {
                Ok(whole) => Ok(Value::from(whole)),
                Err(_) => Ok(Value::from(number()?)),
            }
        } else {
            Ok(Value::String(text.to_owned()))
        }
    };
    match (expect, field) {
        (
            Expectation::Absolute { value, .. } | Expectation::Relative { value, .. },
            Field::Value,
        ) => *value = number()?,
        (
            Expectation::Absolute { tolerance, .. } | Expectation::Relative { tolerance, .. },
            Field::Tolerance,
        ) => {
            let t = number()?;
            if t < 0.0 {
                return Err("Tolerance must not be negative.".into());
            }
            *tolerance = t;
        }
        (Expectation::Range { min, .. }, Field::Min) => *min = number()?,
        (Expectation::Range { max, .. }, Field::Max) => *max = number()?,
        (Expectation::ClassLabel { label }, Field::Label) => *label = like(label)?,
        (Expectation::Exact { value }, Field::Value) => *value = like(value)?,
        (Expectation::ClassProbability { at_least, .. }, Field::Value) => *at_least = number()?,
        (_, field) => return Err(format!("This case has no {}.", field.label())),
    }
    Ok(())
}

/// A case's input as the form shows it: values separated by commas.
pub fn input_text(case: &SmokeCase) -> String {
    case.input
        .iter()
        .map(label_text)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Sets a case's input from comma-separated values: numbers where they parse, text otherwise.
pub fn set_input(case: &mut SmokeCase, features: usize, text: &str) -> Result<(), String> {
    let values: Vec<Value> = text
        .split(',')
        .map(str::trim)
        .map(|v| {
            v.parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .and_then(serde_json::Number::from_f64)
                .map_or_else(|| Value::String(v.to_owned()), Value::Number)
        })
        .collect();
    if values.len() != features {
        return Err(format!(
            "Case `{}` needs {features} values, one per feature; {} were typed.",
            case.name,
            values.len()
        ));
    }
    case.input = values;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::endpoints::test_support::drafted_form;
    use serde_json::json;

    #[test]
    fn drafted_cases_cover_both_classes_with_the_raw_features() {
        let form = drafted_form();
        assert_eq!(form.features.len(), 30);
        assert_eq!(form.cases.len(), DRAFT_COUNT);
        let labels: std::collections::BTreeSet<String> = form
            .cases
            .iter()
            .map(|c| fields(&c.expect)[0].1.clone())
            .collect();
        assert_eq!(labels.len(), 2, "{labels:?}");
        assert!(form.cases.iter().all(|c| c.input.len() == 30));
    }

    #[test]
    fn expectations_are_edited_field_by_field_and_keep_their_kind() {
        let mut label = Expectation::ClassLabel { label: json!("M") };
        set_field(&mut label, Field::Label, " B ").unwrap();
        assert_eq!(label, Expectation::ClassLabel { label: json!("B") });
        let mut numeric = Expectation::ClassLabel { label: json!(1) };
        assert!(set_field(&mut numeric, Field::Label, "one").is_err());
        set_field(&mut numeric, Field::Label, "0").unwrap();
        assert_eq!(fields(&numeric), [(Field::Label, "0".to_owned())]);

        let mut value = Expectation::Absolute {
            value: 150.0,
            tolerance: 7.5,
        };
        set_field(&mut value, Field::Tolerance, "10").unwrap();
        set_field(&mut value, Field::Value, "151.5").unwrap();
        assert_eq!(
            value,
            Expectation::Absolute {
                value: 151.5,
                tolerance: 10.0
            }
        );
        let before = value.clone();
        assert!(
            set_field(&mut value, Field::Tolerance, "-1")
                .unwrap_err()
                .contains("negative")
        );
        assert!(
            set_field(&mut value, Field::Value, "NaN")
                .unwrap_err()
                .contains("must be a number")
        );
        assert!(set_field(&mut value, Field::Label, "x").is_err());
        assert_eq!(value, before);
    }

    #[test]
    fn typed_inputs_need_one_value_per_feature() {
        let mut case = drafted_form().cases[0].clone();
        let text = input_text(&case);
        set_input(&mut case, 30, &text).unwrap();
        assert_eq!(input_text(&case), text);
        let err = set_input(&mut case, 30, "1, 2, x").unwrap_err();
        assert!(err.contains("needs 30 values"), "{err}");
        set_input(&mut case, 3, "1, 2.5, red").unwrap();
        assert_eq!(case.input, [json!(1.0), json!(2.5), json!("red")]);
    }
}
