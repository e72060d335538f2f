//! Smoke cases: drafted from the locally trained model, then edited field by field.

use assay_engine::endpoint::{Expectation, SmokeCase, draft_cases};
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
    let network = replay::network(spec, &prepared).map_err(|e| e.to_string())?;
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

/// The value of feature `index` in a case's input as its field shows it: text as it is, a
/// number as JSON writes it, nothing when the case has no such value.
pub fn input_value(case: &SmokeCase, index: usize) -> String {
    case.input.get(index).map(label_text).unwrap_or_default()
}

/// Sets the value of feature `index` (named `feature`) from its field. Any text is a value of a
/// text feature, commas and all; a number feature takes only a finite number. On error the
/// case is unchanged.
pub fn set_input_value(
    case: &mut SmokeCase,
    index: usize,
    feature: &str,
    text: &str,
) -> Result<(), String> {
    let slot = case.input.get_mut(index).ok_or_else(|| {
        format!(
            "Case `{}` has no value for `{feature}`; draft the cases again.",
            case.name
        )
    })?;
    let number = || {
        let trimmed = text.trim();
        trimmed
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .and_then(serde_json::Number::from_f64)
            .ok_or_else(|| format!("`{feature}` takes a number; `{trimmed}` is not one."))
    };
    *slot = match slot {
        Value::String(_) => Value::String(text.to_owned()),
        Value::Number(_) => Value::Number(number()?),
        // Neither kind yet (a value written by hand as null or true): a number if it reads as one.
        _ => number().map_or_else(|_| Value::String(text.to_owned()), Value::Number),
    };
    Ok(())
}

/// A case's input with the feature each value is for, as a reviewer reads it.
pub fn named_inputs(features: &[String], case: &SmokeCase) -> Vec<(String, String)> {
    features
        .iter()
        .enumerate()
        .map(|(i, feature)| (feature.clone(), input_value(case, i)))
        .collect()
}

/// What a case expects of the answer, in words.
pub fn expectation_text(expect: &Expectation) -> String {
    match expect {
        Expectation::Exact { value } => format!("exactly {}", label_text(value)),
        Expectation::Absolute { value, tolerance } => format!("{value} ± {tolerance}"),
        Expectation::Relative { value, tolerance } => {
            format!("{value}, give or take {tolerance} of it (relative)")
        }
        Expectation::Range { min, max } => format!("between {min} and {max}"),
        Expectation::ClassLabel { label } => format!("the label {}", label_text(label)),
        Expectation::ClassProbability { class, at_least } => {
            format!("a probability of at least {at_least} for class {class}")
        }
    }
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
    fn each_feature_is_edited_on_its_own_and_keeps_its_kind() {
        let mut case = SmokeCase {
            name: "shop".into(),
            input: vec![json!("Austin, TX"), json!(12.5), json!(3.0)],
            expect: Expectation::ClassLabel {
                label: json!("yes"),
            },
            max_latency_ms: None,
        };
        // A comma is one character of a text value, not a separator.
        set_input_value(&mut case, 0, "city", "Miami, FL").unwrap();
        assert_eq!(case.input[0], json!("Miami, FL"));
        assert_eq!(input_value(&case, 0), "Miami, FL");
        // Text stays text, even when it reads as a number (a ZIP code, say).
        set_input_value(&mut case, 0, "city", "02139").unwrap();
        assert_eq!(case.input[0], json!("02139"));
        // Numbers stay numbers; text there is refused, naming the feature, and changes nothing.
        set_input_value(&mut case, 1, "size", " 7.25 ").unwrap();
        assert_eq!(case.input[1], json!(7.25));
        let before = case.clone();
        let err = set_input_value(&mut case, 2, "rooms", "three, maybe").unwrap_err();
        assert!(err.contains("`rooms` takes a number"), "{err}");
        assert!(set_input_value(&mut case, 2, "rooms", "inf").is_err());
        let err = set_input_value(&mut case, 3, "floor", "1").unwrap_err();
        assert!(err.contains("no value for `floor`"), "{err}");
        assert_eq!(case, before);
        assert_eq!(input_value(&case, 1), "7.25");
        assert_eq!(input_value(&case, 9), "");
    }

    #[test]
    fn drafted_inputs_are_shown_with_their_feature_names_and_reread_unchanged() {
        let form = drafted_form();
        let mut case = form.cases[0].clone();
        let named = named_inputs(&form.features, &case);
        assert_eq!(named.len(), 30);
        assert_eq!(named[0].0, "mean_radius");
        // Writing back what each field shows leaves the case as drafted.
        for (i, (feature, value)) in named.iter().enumerate() {
            set_input_value(&mut case, i, feature, value).unwrap();
        }
        assert_eq!(case, form.cases[0]);
    }

    #[test]
    fn expectations_read_as_words() {
        let label = Expectation::ClassLabel { label: json!("B") };
        assert_eq!(expectation_text(&label), "the label B");
        let near = Expectation::Absolute {
            value: 150.0,
            tolerance: 7.5,
        };
        assert_eq!(expectation_text(&near), "150 ± 7.5");
        let range = Expectation::Range { min: 0.0, max: 1.0 };
        assert_eq!(expectation_text(&range), "between 0 and 1");
    }
}
