//! Adding a slice check: a metric held to its own bar where a column holds a value (region =
//! EU) or a number in a range, as a data scientist would assert in their notebook.

use assay_engine::checks::{CheckSpec, Slice, SliceThreshold};
use assay_engine::data::ColumnKind;
use assay_engine::metrics::MetricName;
use leptos::prelude::*;

use crate::logic::draft::DraftCheck;
use crate::state::workbench::Workbench;
use crate::widgets::choice::choice;
use crate::widgets::words::sentence;

#[component]
pub fn SliceForm() -> impl IntoView {
    let wb = expect_context::<Workbench>();
    // Feature columns with their kinds: a range needs numbers, a value anything.
    let columns = Memo::new(move |_| {
        wb.table.with(|table| {
            let Ok(table) = table else {
                return Vec::new();
            };
            wb.draft.with(|d| {
                d.schema(table)
                    .into_iter()
                    .filter(|c| c.name != d.preprocessing.target)
                    .map(|c| (c.name, c.kind))
                    .collect::<Vec<_>>()
            })
        })
    });
    let task = move || wb.draft.with(|d| d.preprocessing.task);
    let column = RwSignal::new(String::new());
    let by_range = RwSignal::new(false);
    let equals = RwSignal::new(String::new());
    let min = RwSignal::new(String::new());
    let below = RwSignal::new(String::new());
    let metric = RwSignal::new(None::<MetricName>);
    let threshold = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let added = RwSignal::new(None::<String>);

    let chosen_column = move || {
        let chosen = column.get();
        let columns = columns.get();
        columns
            .iter()
            .find(|(name, _)| *name == chosen)
            .or_else(|| columns.first())
            .cloned()
    };
    let chosen_metric = move || metric.get().unwrap_or(MetricName::for_task(task())[0]);
    let add = move |_| {
        added.set(None);
        let built = build(
            chosen_column().map(|(name, _)| name),
            by_range.get_untracked(),
            (
                &equals.get_untracked(),
                &min.get_untracked(),
                &below.get_untracked(),
            ),
            chosen_metric(),
            &threshold.get_untracked(),
        );
        match built {
            Ok(check) => {
                let described = check.slice.describe();
                wb.draft.update(|d| {
                    d.checks.push(DraftCheck {
                        enabled: true,
                        spec: CheckSpec::SliceThreshold(check),
                    });
                });
                error.set(None);
                added.set(Some(format!(
                    "Added a check on the rows where {described}."
                )));
            }
            Err(e) => error.set(Some(e)),
        }
    };
    let numeric =
        move || chosen_column().is_some_and(|(_, kind)| matches!(kind, ColumnKind::Numeric));

    view! {
        <details class="slice-form" data-testid="slice-form">
            <summary>"Add a check on a slice of the data"</summary>
            <p class="muted">
                "Hold a metric to its own bar on the validation rows where a column holds a value or a number in a range, e.g. accuracy where region is EU at least 0.9."
            </p>
            <div class="field-row">
                <label class="field">
                    "Column"
                    <select data-testid="slice-column" on:change=move |ev| column.set(event_target_value(&ev))>
                        {move || columns
                            .get()
                            .into_iter()
                            .map(|(name, _)| {
                                let selected = name.clone();
                                choice(name.clone(), name, Signal::derive(move || chosen_column().is_some_and(|(c, _)| c == selected)))
                            })
                            .collect_view()}
                    </select>
                </label>
                <label class="field">
                    "Rows where it"
                    <select data-testid="slice-mode" on:change=move |ev| by_range.set(event_target_value(&ev) == "range")>
                        {choice("equals", "equals a value", Signal::derive(move || !by_range.get()))}
                        {move || numeric().then(|| choice("range", "lies in a range", Signal::derive(move || by_range.get())))}
                    </select>
                </label>
                {move || if by_range.get() && numeric() {
                    view! {
                        <label class="field">
                            "From (at least)"
                            <input type="text" inputmode="decimal" data-testid="slice-min" prop:value=min on:input=move |ev| min.set(event_target_value(&ev)) />
                        </label>
                        <label class="field">
                            "To (below)"
                            <input type="text" inputmode="decimal" data-testid="slice-below" prop:value=below on:input=move |ev| below.set(event_target_value(&ev)) />
                        </label>
                    }
                    .into_any()
                } else {
                    view! {
                        <label class="field">
                            "Value"
                            <input type="text" data-testid="slice-equals" prop:value=equals on:input=move |ev| equals.set(event_target_value(&ev)) />
                        </label>
                    }
                    .into_any()
                }}
                <label class="field">
                    "Metric"
                    <select
                        data-testid="slice-metric"
                        on:change=move |ev| {
                            let id = event_target_value(&ev);
                            metric.set(MetricName::for_task(task()).iter().copied().find(|m| m.id() == id));
                        }
                    >
                        {move || MetricName::for_task(task())
                            .iter()
                            .copied()
                            .map(|m| choice(m.id(), m.id().replace('_', " "), Signal::derive(move || chosen_metric() == m)))
                            .collect_view()}
                    </select>
                </label>
                <label class="field">
                    "Bar"
                    <input
                        type="text"
                        inputmode="decimal"
                        data-testid="slice-threshold"
                        prop:value=threshold
                        on:input=move |ev| threshold.set(event_target_value(&ev))
                        aria-invalid=move || error.with(Option::is_some).to_string()
                        aria-describedby="slice-error"
                    />
                </label>
            </div>
            <p id="slice-error" class="field-error" role="alert" data-testid="slice-error">{move || error.get().map(|e| sentence(&e))}</p>
            <button data-testid="add-slice" on:click=add>"Add slice check"</button>
            <p role="status" data-testid="slice-added">{move || added.get()}</p>
        </details>
    }
}

/// The check the form describes, or what is wrong with it in words.
fn build(
    column: Option<String>,
    by_range: bool,
    (equals, min, below): (&str, &str, &str),
    metric: MetricName,
    threshold: &str,
) -> Result<SliceThreshold, String> {
    let column = column.ok_or("There is no column to slice by.")?;
    let number = |label: &str, text: &str| -> Result<Option<f64>, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        text.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(Some)
            .ok_or_else(|| format!("{label}: `{text}` is not a number."))
    };
    let slice = if by_range {
        Slice {
            column,
            equals: None,
            min: number("From", min)?,
            below: number("To", below)?,
        }
    } else {
        Slice {
            column,
            equals: Some(equals.trim().to_owned()),
            min: None,
            below: None,
        }
    };
    let threshold = number("Bar", threshold)?.ok_or("Bar: give the score the slice must reach.")?;
    let check = SliceThreshold {
        slice,
        metric,
        threshold,
    };
    CheckSpec::SliceThreshold(check.clone())
        .validate()
        .map_err(|e| e.to_string())?;
    Ok(check)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_builds_a_value_or_a_range_and_says_what_is_wrong() {
        let eu = build(
            Some("region".into()),
            false,
            (" EU ", "", ""),
            MetricName::Accuracy,
            "0.9",
        )
        .unwrap();
        assert_eq!(eu.slice.describe(), "region = EU");
        assert_eq!(eu.threshold, 0.9);
        let band = build(
            Some("age".into()),
            true,
            ("", "30", "50"),
            MetricName::R2,
            "0.2",
        )
        .unwrap();
        assert_eq!(band.slice.describe(), "age from 30 to below 50");
        let bad = |by_range, bounds, threshold: &str| {
            build(
                Some("age".into()),
                by_range,
                bounds,
                MetricName::Accuracy,
                threshold,
            )
            .unwrap_err()
        };
        assert!(bad(true, ("", "x", ""), "0.5").contains("From: `x` is not a number"));
        assert!(bad(true, ("", "", ""), "0.5").contains("give either"));
        assert!(bad(false, ("EU", "", ""), "").contains("give the score"));
        assert!(bad(false, ("EU", "", ""), "1.5").contains("must be between 0 and 1"));
        assert!(bad(true, ("", "50", "30"), "0.5").contains("must be greater than min"));
    }
}
