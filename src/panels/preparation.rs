//! The Data step's second half: how rows become training and validation data. Missing cells
//! (left out, filled, or refused, with the counts shown before training), the split (its share,
//! stratified, or by time), what the target implies, and advice on what looks like a mistake.

use assay_engine::data::{
    CategoricalFill, Imputation, MissingCount, MissingValues, NumericFill, Preprocessing, Table,
    Task, advice, count_missing_values, prepare,
};
use leptos::prelude::*;

use crate::logic::draft;
use crate::state::workbench::Workbench;
use crate::widgets::alert::alert;
use crate::widgets::choice::choice;
use crate::widgets::words::sentence;

/// What the split and the advice need from a successful preparation.
#[derive(Debug, Clone, PartialEq)]
struct Shape {
    train: usize,
    validation: usize,
    classes: Vec<String>,
    advice: Vec<String>,
}

#[component]
pub fn Preparation(table: StoredValue<Table>) -> impl IntoView {
    let wb = expect_context::<Workbench>();
    // Only the settings that decide the rows: renaming the spec recomputes nothing.
    let settings = Memo::new(move |_| {
        wb.draft
            .with(|d| (d.preprocessing.clone(), d.training.seed))
    });
    let count = Memo::new(move |_| {
        settings.with(|(p, _)| table.with_value(|t| count_missing_values(t, p).ok()))
    });
    let shape = Memo::new(move |_| {
        settings.with(|(p, seed)| {
            table.with_value(|t| {
                prepare(t, p, *seed)
                    .map(|prepared| Shape {
                        train: prepared.train_rows.len(),
                        validation: prepared.validation_rows.len(),
                        classes: prepared.classes.clone(),
                        advice: advice(t, &prepared),
                    })
                    .map_err(|e| e.to_string())
            })
        })
    });
    let update = move |change: &dyn Fn(&mut Preprocessing)| {
        wb.draft.update(|d| change(&mut d.preprocessing));
    };
    let missing = move || wb.draft.with(|d| d.preprocessing.missing);
    let imputation = move || missing().imputation();

    let set_policy = move |ev: leptos::ev::Event| {
        let policy = match event_target_value(&ev).as_str() {
            "impute" => MissingValues::Impute(imputation().unwrap_or_default()),
            "error" => MissingValues::Error,
            _ => MissingValues::DropRows,
        };
        update(&|p| p.missing = policy);
    };
    // One fill changes, the other stays as it was.
    let set_fill = move |change: &dyn Fn(&mut Imputation)| {
        let mut imputation = imputation().unwrap_or_default();
        change(&mut imputation);
        update(&|p| p.missing = MissingValues::Impute(imputation));
    };
    let set_numeric = move |ev: leptos::ev::Event| {
        let numeric = match event_target_value(&ev).as_str() {
            "median" => NumericFill::Median,
            "most_frequent" => NumericFill::MostFrequent,
            _ => NumericFill::Mean,
        };
        set_fill(&|i| i.numeric = numeric);
    };
    let set_categorical = move |ev: leptos::ev::Event| {
        let categorical = match event_target_value(&ev).as_str() {
            "own_category" => CategoricalFill::OwnCategory,
            _ => CategoricalFill::MostFrequent,
        };
        set_fill(&|i| i.categorical = categorical);
    };

    // A share the draft refused blocks Run all and Export until it is fixed.
    let percent_error = wb.field_error("validation-percent", "Validation share");
    let percent_text = RwSignal::new(String::new());
    Effect::new(move |_| {
        let fraction = wb.draft.with(|d| d.preprocessing.validation_fraction);
        if percent_error.with_untracked(Option::is_none) {
            percent_text.set(format!("{}", fraction * 100.0));
        }
    });
    let set_percent = move |ev: leptos::ev::Event| {
        let typed = event_target_value(&ev);
        percent_text.set(typed.clone());
        match typed.trim().parse::<f64>() {
            Ok(percent) if percent > 0.0 && percent < 100.0 => {
                percent_error.set(None);
                update(&|p| p.validation_fraction = percent / 100.0);
            }
            _ => percent_error.set(Some(format!(
                "`{typed}` is not a share between 0 and 100 (exclusive); the split still holds out {}%",
                wb.draft.with_untracked(|d| d.preprocessing.validation_fraction * 100.0)
            ))),
        }
    };
    let set_split = move |ev: leptos::ev::Event| {
        let column = event_target_value(&ev);
        update(&|p| p.time_column = (!column.is_empty()).then(|| column.clone()));
    };
    let time_columns = move || wb.draft.with(|d| table.with_value(|t| d.time_columns(t)));
    let time_column = move || wb.draft.with(|d| d.preprocessing.time_column.clone());
    let classifying = move || wb.draft.with(|d| d.preprocessing.task.is_classification());

    view! {
        <h3 id="preparation">"Preparing the rows"</h3>
        <p class="muted" data-testid="task-explained">
            {move || {
                let target = wb.draft.with(|d| d.preprocessing.target.clone());
                let task = wb.draft.with(|d| d.preprocessing.task);
                shape.with(|s| explain_task(&target, task, s.as_ref().ok()))
            }}
        </p>
        <div class="field-row">
            <label class="field">
                "Rows with a missing value"
                <select data-testid="missing-policy" on:change=set_policy>
                    {choice("drop_rows", "Leave them out", Signal::derive(move || missing() == MissingValues::DropRows))}
                    {choice("impute", "Fill the gaps from the training rows", Signal::derive(move || imputation().is_some()))}
                    {choice("error", "Refuse the data", Signal::derive(move || missing() == MissingValues::Error))}
                </select>
            </label>
            {move || imputation().map(|i| view! {
                <label class="field">
                    "Fill numbers and dates with"
                    <select data-testid="missing-numeric" on:change=set_numeric>
                        {choice("mean", "their mean", (i.numeric == NumericFill::Mean).into())}
                        {choice("median", "their median", (i.numeric == NumericFill::Median).into())}
                        {choice("most_frequent", "their most frequent value", (i.numeric == NumericFill::MostFrequent).into())}
                    </select>
                </label>
                <label class="field">
                    "Fill categories with"
                    <select data-testid="missing-categorical" on:change=set_categorical>
                        {choice("most_frequent", "the most frequent one", (i.categorical == CategoricalFill::MostFrequent).into())}
                        {choice("own_category", "a category of its own: (missing)", (i.categorical == CategoricalFill::OwnCategory).into())}
                    </select>
                </label>
            })}
        </div>
        <p data-testid="missing-count" class:warn=move || count.with(|c| c.as_ref().is_some_and(|c| c.rows_left_out(missing()) > 0))>
            {move || {
                let rows = table.with_value(|t| t.row_count());
                count.with(|c| c.as_ref().map(|c| describe_missing(c, missing(), rows)))
            }}
        </p>
        <div class="field-row">
            <label class="field">
                "Validation share (%)"
                <input
                    type="text"
                    inputmode="decimal"
                    id="validation-percent"
                    data-testid="validation-percent"
                    prop:value=percent_text
                    on:input=set_percent
                    aria-invalid=move || percent_error.with(Option::is_some).to_string()
                    aria-describedby="validation-percent-error"
                />
                <span id="validation-percent-error" class="field-error" role="alert" data-testid="validation-percent-error">
                    {move || percent_error.get().map(|e| sentence(&e))}
                </span>
            </label>
            <label class="field">
                "Which rows validate"
                <select data-testid="split-by" on:change=set_split>
                    {choice("", "A random share", Signal::derive(move || time_column().is_none()))}
                    {move || time_columns()
                        .into_iter()
                        .map(|c| {
                            let name = c.clone();
                            choice(c.clone(), format!("The latest by {c}"), Signal::derive(move || time_column().as_deref() == Some(name.as_str())))
                        })
                        .collect_view()}
                </select>
            </label>
            {move || (classifying() && time_column().is_none()).then(|| view! {
                <label class="field check">
                    <input
                        type="checkbox"
                        data-testid="stratify"
                        prop:checked=move || wb.draft.with(|d| d.preprocessing.stratify)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            update(&|p| p.stratify = on);
                        }
                    />
                    "Keep each class's share in both parts (stratify)"
                </label>
            })}
        </div>
        {move || shape.with(|s| match s {
            Err(e) => alert(e, "split-error").into_any(),
            Ok(s) => view! {
                <p data-testid="split-summary">
                    {format!("{} rows train and {} validate.", s.train, s.validation)}
                </p>
                {(!s.advice.is_empty()).then(|| view! {
                    <ul class="advice" data-testid="data-advice">
                        {s.advice.iter().map(|a| view! { <li>{a.clone()}</li> }).collect_view()}
                    </ul>
                })}
            }
            .into_any(),
        })}
    }
}

/// What predicting `target` means, in words.
fn explain_task(target: &str, task: Task, shape: Option<&Shape>) -> String {
    let label = draft::task_label(task);
    match shape {
        Some(shape) if task.is_classification() => {
            const LISTED: usize = 5;
            let mut classes: Vec<&str> = shape
                .classes
                .iter()
                .take(LISTED)
                .map(String::as_str)
                .collect();
            if shape.classes.len() > LISTED {
                classes.push("…");
            }
            format!(
                "{label}: for each row the model learns which of {} values {target} takes ({}), \
                 scored by accuracy.",
                shape.classes.len(),
                classes.join(", ")
            )
        }
        _ if task.is_classification() => {
            format!("{label}: for each row the model learns which value {target} takes.")
        }
        _ => format!("{label}: the model learns to predict {target} as a number, scored by R²."),
    }
}

/// The counts of missing values, and what `policy` does with them, in words.
fn describe_missing(count: &MissingCount, policy: MissingValues, rows: usize) -> String {
    if count.rows_without_target == 0 && count.rows_with_missing_features == 0 {
        return "No value is missing.".to_owned();
    }
    let columns: Vec<String> = count
        .cells_by_column
        .iter()
        .map(|(name, n)| format!("{name} {n}"))
        .collect();
    let mut text = String::new();
    if count.rows_with_missing_features > 0 {
        text.push_str(&format!(
            "{} rows miss a feature value ({} cells: {}). ",
            count.rows_with_missing_features,
            count.cells(),
            columns.join(", ")
        ));
    }
    if count.rows_without_target > 0 {
        text.push_str(&format!(
            "{} rows miss the target (or the time column). ",
            count.rows_without_target
        ));
    }
    let left_out = count.rows_left_out(policy);
    text.push_str(&match policy {
        MissingValues::Error => "Training refuses the data at the first gap.".to_owned(),
        MissingValues::Impute(_) if left_out == 0 => {
            format!("All {rows} rows are kept; the gaps are filled.")
        }
        _ => format!("This leaves out {left_out} of {rows} rows."),
    });
    text
}
