//! A batch's answer read into one prediction per row: a class, class probabilities or a
//! number, or why that row's prediction cannot be read.

use serde_json::Value;

use crate::data::Task;
use crate::endpoint::excerpt::excerpt_json;
use crate::endpoint::judge::{read_predictions, transport_failure};
use crate::endpoint::{EndpointSpec, Response, Transport};

/// Probabilities are read as such when they sum to 1 within this (servers send float32).
const SUM_TOLERANCE: f64 = 1e-4;

/// What the served model said about one row.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Served {
    /// A class number (the label's index among the classes).
    Label(usize),
    /// One probability per class, in the classes' order.
    Probabilities(Vec<f64>),
    /// A regression value.
    Number(f64),
}

/// One prediction per row of a batch of `rows` rows, or each row's reason it has none. A
/// failure of the whole request (status, transport, shape) fails every row alike, so reasons
/// group by cause.
pub(super) fn read_batch(
    endpoint: &EndpointSpec,
    rows: usize,
    answer: Result<&Response, &Transport>,
    task: Task,
    classes: &[String],
) -> Vec<Result<Served, String>> {
    let predictions = match answer {
        Err(failure) => Err(transport_failure(endpoint, failure)),
        Ok(response) => read_predictions(&endpoint.protocol, response, rows).map_err(|u| u.reason),
    };
    match predictions {
        Err(reason) => vec![Err(reason); rows],
        Ok(predictions) => predictions
            .iter()
            .map(|p| read_served(p, task, classes))
            .collect(),
    }
}

/// One row's prediction as a class, probabilities or a number.
pub(super) fn read_served(
    prediction: &Value,
    task: Task,
    classes: &[String],
) -> Result<Served, String> {
    // Some servers wrap a scalar in a one-element list.
    let value = match prediction {
        Value::Array(items) if items.len() == 1 => &items[0],
        other => other,
    };
    let shown = excerpt_json(value);
    if !task.is_classification() {
        return value
            .as_f64()
            .filter(|v| v.is_finite())
            .map(Served::Number)
            .ok_or_else(|| format!("the prediction {shown} is not a number"));
    }
    if let Value::Array(items) = value {
        if items.len() != classes.len() {
            return Err(format!(
                "the prediction has {} values for the {} classes",
                items.len(),
                classes.len()
            ));
        }
        let probabilities: Vec<f64> = items
            .iter()
            .map(|v| v.as_f64().filter(|p| (0.0..=1.0).contains(p)))
            .collect::<Option<_>>()
            .ok_or_else(|| format!("the prediction {shown} is not a list of probabilities"))?;
        let sum: f64 = probabilities.iter().sum();
        if (sum - 1.0).abs() > SUM_TOLERANCE {
            return Err(format!("the probabilities sum to {sum}, not 1"));
        }
        return Ok(Served::Probabilities(probabilities));
    }
    // The same text first: of labels `1` and `01`, `01` names the second.
    classes
        .iter()
        .position(|class| value.as_str() == Some(class))
        .or_else(|| classes.iter().position(|class| same_label(value, class)))
        .map(Served::Label)
        .ok_or_else(|| {
            format!(
                "the prediction {shown} is not one of the classes {}",
                classes.join(", ")
            )
        })
}

/// Whether a served label names `class`: the same text, or the same number (`1`, `1.0`).
pub(super) fn same_label(value: &Value, class: &str) -> bool {
    match value {
        Value::String(text) => text == class || same_number(text, class),
        Value::Number(n) => n
            .as_f64()
            .is_some_and(|v| class.trim().parse::<f64>().is_ok_and(|c| c == v)),
        Value::Bool(b) => class.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
        _ => false,
    }
}

/// Two texts holding the same finite number.
pub(super) fn same_number(a: &str, b: &str) -> bool {
    match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
        (Ok(x), Ok(y)) => x.is_finite() && x == y,
        _ => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn classes() -> Vec<String> {
        vec!["0".into(), "1".into(), "2".into()]
    }

    #[test]
    fn labels_probabilities_and_numbers_are_told_apart() {
        let multi = Task::MulticlassClassification;
        assert_eq!(
            read_served(&json!(2), multi, &classes()),
            Ok(Served::Label(2))
        );
        assert_eq!(
            read_served(&json!("1.0"), multi, &classes()),
            Ok(Served::Label(1))
        );
        assert_eq!(
            read_served(&json!([1.0]), multi, &classes()),
            Ok(Served::Label(1))
        );
        assert_eq!(
            read_served(&json!([0.2, 0.3, 0.5]), multi, &classes()),
            Ok(Served::Probabilities(vec![0.2, 0.3, 0.5]))
        );
        assert_eq!(
            read_served(&json!(4.5), Task::Regression, &[]),
            Ok(Served::Number(4.5))
        );
    }

    #[test]
    fn unreadable_predictions_say_why() {
        let multi = Task::MulticlassClassification;
        assert!(
            read_served(&json!("banana"), multi, &classes())
                .unwrap_err()
                .contains("not one of the classes 0, 1, 2")
        );
        assert!(
            read_served(&json!([0.5, 0.5]), multi, &classes())
                .unwrap_err()
                .contains("2 values for the 3 classes")
        );
        assert!(
            read_served(&json!([0.5, 0.5, 0.5]), multi, &classes())
                .unwrap_err()
                .contains("sum to 1.5")
        );
        assert!(
            read_served(&json!([0.5, 1.5, -1.0]), multi, &classes())
                .unwrap_err()
                .contains("not a list of probabilities")
        );
        assert!(
            read_served(&json!("x"), Task::Regression, &[])
                .unwrap_err()
                .contains("not a number")
        );
    }

    #[test]
    fn labels_match_by_text_or_number() {
        assert!(same_label(&json!("yes"), "yes"));
        assert!(!same_label(&json!("Yes"), "yes"));
        assert!(same_label(&json!(1), "1.0"));
        assert!(same_label(&json!("01"), "1"));
        assert!(!same_label(&json!(1.5), "1"));
        assert!(same_label(&json!(true), "True"));
        assert!(!same_label(&json!(null), "1"));
    }
}
