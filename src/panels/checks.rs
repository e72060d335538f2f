//! The Checks panel: every engine check as a card that can be switched off, tuned, run on its
//! own, and opened to learn what it does, what a failure means and how to fix it.

use assay_engine::checks::{CheckFamily, CheckOutcome, CheckSpec, Slice, Verdict};
use assay_engine::metrics::MetricName;
use leptos::either::EitherOf5;
use leptos::prelude::*;
use serde_json::Value;

use crate::browser::page;
use crate::logic::draft::Draft;
use crate::logic::status::{missed, verdict_label};
use crate::panels::slices::SliceForm;
use crate::state::workbench::{JobKind, Workbench};
use crate::widgets::chart::LossCurve;
use crate::widgets::choice::choice;
use crate::widgets::heading::panel_heading;
use crate::widgets::words::sentence;

#[component]
pub fn ChecksPanel() -> impl IntoView {
    let wb = expect_context::<Workbench>();
    // Cards are rebuilt when the list of check kinds or the task changes (a card offers the
    // task's metrics), not when a threshold does.
    let kinds = Memo::new(move |_| {
        wb.draft.with(|d| {
            d.checks
                .iter()
                .enumerate()
                .map(|(i, c)| (i, c.spec.id(), c.spec.family(), d.preprocessing.task))
                .collect::<Vec<_>>()
        })
    });
    let family = move |family: CheckFamily| {
        view! {
            <For
                each=move || kinds.get().into_iter().filter(move |k| k.2 == family)
                key=|k| (k.0, k.1, k.3)
                children=move |(index, ..)| view! { <CheckCard index=index /> }
            />
        }
    };
    view! {
        <section class="panel wide" id="checks" aria-labelledby="checks-heading">
            {panel_heading("checks-heading", "3 · Checks", Signal::derive(move || wb.checks_status()))}
            <p class="muted">
                "Each check is a test your CI will replay. Switch off what does not apply, tune the thresholds, and open a card to learn what it guards against."
            </p>
            <button
                class="quiet-small"
                data-testid="reset-checks"
                on:click=move |_| {
                    if page::confirm(
                        "Put every check back to its default settings and switch on those that apply? Your thresholds and switches will be lost.",
                    ) {
                        wb.draft.update(Draft::reset_checks);
                    }
                }
            >
                "Reset checks to defaults"
            </button>
            <FailingChecks />
            <h3>"The data"</h3>
            <div class="cards">{family(CheckFamily::Data)}</div>
            <h3>"The model and its training"</h3>
            <div class="cards">{family(CheckFamily::Training)}</div>
            <SliceForm />
        </section>
    }
}

/// The checks that failed, at the top of the step, each a link to its card with the bar it
/// missed.
#[component]
fn FailingChecks() -> impl IntoView {
    let wb = expect_context::<Workbench>();
    let failing = Memo::new(move |_| {
        let checks = wb.draft.with(|d| {
            d.checks
                .iter()
                .filter(|c| c.enabled)
                .map(|c| c.spec.clone())
                .collect::<Vec<_>>()
        });
        checks
            .into_iter()
            .filter_map(|c| {
                let verdict = wb.outcome(&c).map(|o| o.verdict)?;
                (verdict != Verdict::Pass).then(|| (c.id(), c.guide().title, missed(&c, verdict)))
            })
            .collect::<Vec<_>>()
    });
    move || {
        failing.with(|failing| {
            (!failing.is_empty()).then(|| {
                let count = match failing.len() {
                    1 => "1 check failed:".to_owned(),
                    n => format!("{n} checks failed:"),
                };
                view! {
                    <div class="failing-checks" data-testid="failing-checks">
                        <p><strong>{count}</strong></p>
                        <ul>
                            {failing
                                .iter()
                                .map(|(id, title, missed)| view! {
                                    <li>
                                        <a href=format!("#check-{id}")>{*title}</a>
                                        " — "
                                        {missed.clone()}
                                    </li>
                                })
                                .collect_view()}
                        </ul>
                    </div>
                }
            })
        })
    }
}

/// A card lives in a `<For>`, which never rebuilds it in place: it returns an `Option`, not an
/// `AnyView`, which would compile a rebuild of the whole card that nothing calls.
#[component]
fn CheckCard(index: usize) -> impl IntoView {
    let wb = expect_context::<Workbench>();
    let spec = Memo::new(move |_| {
        wb.draft
            .with(|d| d.checks.get(index).map(|c| c.spec.clone()))
    });
    let enabled = move || {
        wb.draft
            .with(|d| d.checks.get(index).is_some_and(|c| c.enabled))
    };
    let initial = spec.get_untracked()?;
    let guide = initial.guide();
    let id = initial.id();
    let outcome = move || spec.get().and_then(|s| wb.outcome(&s));
    let running =
        move || wb.job.with(|j| j.as_ref().map(|j| j.kind)) == Some(JobKind::Check(index));
    let verdict = move || match (enabled(), outcome()) {
        (false, _) => ("Off", "verdict off"),
        (true, None) if running() => ("Running…", "verdict pending"),
        (true, None) => ("Not run", "verdict pending"),
        (true, Some(o)) => (
            verdict_label(o.verdict),
            match o.verdict {
                Verdict::Pass => "verdict pass",
                Verdict::Fail => "verdict fail",
                Verdict::Error => "verdict error",
            },
        ),
    };
    let fields = initial_fields(&initial);
    let failed = move || {
        outcome()
            .map(|o| o.verdict)
            .filter(|v| enabled() && *v != Verdict::Pass)
    };
    Some(view! {
        <article class="check" class:off=move || !enabled() class:failed=move || failed().is_some() id=format!("check-{id}") data-testid=format!("check-{id}")>
            <header>
                <h4>
                <label>
                <input
                    type="checkbox"
                    data-testid="check-enabled"
                    prop:checked=enabled
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        wb.draft.update(|d| {
                            if let Some(c) = d.checks.get_mut(index) {
                                c.enabled = on;
                            }
                        });
                    }
                />
                {guide.title}
                </label>
                </h4>
                <span class=move || verdict().1 data-testid="verdict">{move || verdict().0}</span>
            </header>
            <p class="why"><strong>"Why it matters: "</strong>{guide.why}</p>
            {(!fields.is_empty()).then(|| view! {
                <div class="field-row">
                    {fields.into_iter().map(|(name, value)| view! { <ParamField index=index check=guide.title name=name initial=value /> }).collect_view()}
                </div>
            })}
            <button
                data-testid="run-check"
                aria-label=format!("Run this check: {}", guide.title)
                on:click=move |_| wb.run_check(index)
                disabled=move || !enabled() || wb.is_busy() || wb.table.with(Result::is_err)
            >
                "Run this check"
            </button>
            {move || failed().map(|verdict| {
                let missed = spec.with(|s| s.as_ref().map(|s| missed(s, verdict)).unwrap_or_default());
                view! { <p class="failure" data-testid="check-failure">"✗ "{missed}</p> }
            })}
            {move || outcome().map(|o| view! { <Evidence outcome=o /> })}
            // A reviewed allowance for a real finding in a built-in sample says why it is there.
            {move || {
                wb.draft
                    .with(|d| d.sample().and_then(|s| s.allowance(id)))
                    .map(|a| view! { <p class="note" data-testid="reviewed-allowance">{a.why}</p> })
            }}
            <details class="learn">
                <summary>"Learn more"</summary>
                <dl>
                    <dt>"What it does"</dt>
                    <dd>{guide.does}</dd>
                    <dt>"What a failure usually means"</dt>
                    <dd>{guide.when_it_fails}</dd>
                    <dt>"How to fix it"</dt>
                    <dd>{guide.fix}</dd>
                    <dt>"Where the practice comes from"</dt>
                    <dd>{guide.source}</dd>
                </dl>
            </details>
        </article>
    })
}

/// The numbers behind a verdict.
#[component]
fn Evidence(outcome: CheckOutcome) -> impl IntoView {
    view! {
        <p class="summary" data-testid="check-summary">{sentence(&outcome.summary)}</p>
        {(!outcome.metrics.is_empty()).then(|| view! {
            <dl class="metrics">
                {outcome
                    .metrics
                    .iter()
                    .map(|m| view! { <dt>{m.name.replace('_', " ")}</dt> <dd>{format_value(m.value)}</dd> })
                    .collect_view()}
            </dl>
        })}
        {(!outcome.loss_curve.is_empty()).then(|| view! { <LossCurve values=outcome.loss_curve.clone() /> })}
    }
}

/// A count (a whole number) as an integer; other values with four decimals, or an exponent.
fn format_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else if v != 0.0 && (v.abs() < 1e-3 || v.abs() >= 1e6) {
        format!("{v:.3e}")
    } else {
        format!("{v:.4}")
    }
}

/// A check as a JSON value, by way of the pretty text a spec file is written in: the page then
/// carries one JSON writer for checks, not a second one that builds values.
fn settings(check: &CheckSpec) -> Result<Value, serde_json::Error> {
    serde_json::from_str(&serde_json::to_string_pretty(check)?)
}

/// A check's settings as name and JSON value, in the order the spec writes them.
fn initial_fields(check: &CheckSpec) -> Vec<(String, Value)> {
    match settings(check) {
        Ok(Value::Object(map)) => map.into_iter().filter(|(k, _)| k != "check").collect(),
        _ => Vec::new(),
    }
}

/// Sets one field of check `index`; the draft only takes a check the engine accepts.
fn set_field(wb: &Workbench, index: usize, name: &str, value: Value) -> Result<(), String> {
    let current = wb
        .draft
        .with_untracked(|d| d.checks.get(index).map(|c| c.spec.clone()))
        .ok_or("This check is no longer in the draft.")?;
    let Ok(Value::Object(mut map)) = settings(&current) else {
        return Err("This check cannot be edited here.".to_owned());
    };
    map.insert(name.to_owned(), value);
    let check: CheckSpec =
        serde_json::from_value(Value::Object(map)).map_err(|e| plain_serde_error(&e))?;
    check.validate().map_err(|e| e.to_string())?;
    wb.draft.update(|d| {
        if let Some(c) = d.checks.get_mut(index) {
            c.spec = check;
        }
    });
    Ok(())
}

fn plain_serde_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    if text.contains("invalid type: floating point") {
        "must be a whole number".to_owned()
    } else {
        text
    }
}

fn current_value(wb: &Workbench, index: usize, name: &str) -> Option<Value> {
    wb.draft.with(|d| {
        let check = d.checks.get(index)?;
        match settings(&check.spec).ok()? {
            Value::Object(map) => map.get(name).cloned(),
            _ => None,
        }
    })
}

/// One setting of a check: a number, a switch, a metric, or (the schema) a note.
#[component]
fn ParamField(index: usize, check: &'static str, name: String, initial: Value) -> impl IntoView {
    let wb = expect_context::<Workbench>();
    let label = sentence_case(&name.replace('_', " "));
    let test_id = format!("param-{name}");
    // Unique on the page: a check kind may appear more than once (slices), so a later one is
    // numbered.
    let dom_id = wb
        .draft
        .with_untracked(|d| {
            let id = d.checks.get(index)?.spec.id();
            let nth = d.checks[..index]
                .iter()
                .filter(|c| c.spec.id() == id)
                .count();
            Some(if nth == 0 {
                format!("{id}-{name}")
            } else {
                format!("{id}-{nth}-{name}")
            })
        })
        .unwrap_or_else(|| test_id.clone());
    let error = wb.field_error(&dom_id, &format!("{check}: {label}"));
    let error_id = format!("{dom_id}-error");
    let described_by = {
        let error_id = error_id.clone();
        move || error.with(Option::is_some).then(|| error_id.clone())
    };
    // Built once per card: `EitherOf5` rather than `AnyView`, which compiles a rebuild per kind.
    let field = match initial {
        Value::Number(number) => {
            let whole = number.is_u64();
            let text = RwSignal::new(number.to_string());
            let name_for_sync = name.clone();
            let value = Memo::new(move |_| {
                current_value(&wb, index, &name_for_sync).and_then(|v| v.as_f64())
            });
            // Another draft, or a reset, brings its own value; other edits leave the box alone.
            Effect::new(move |first: Option<()>| {
                let value = value.get();
                let shown = text.with_untracked(|t| t.trim().parse::<f64>().ok());
                // The first run only subscribes: the box already shows the draft's value.
                if first.is_some() && value.is_some() && shown != value {
                    text.set(value.map(|v| v.to_string()).unwrap_or_default());
                    error.set(None);
                }
            });
            let name = name.clone();
            let on_input = move |ev: leptos::ev::Event| {
                let typed = event_target_value(&ev);
                text.set(typed.clone());
                let parsed = typed.trim().parse::<f64>().ok().filter(|v| v.is_finite());
                let value = match parsed {
                    Some(v) if whole && v >= 0.0 && v.fract() == 0.0 => Ok(Value::from(v as u64)),
                    Some(_) if whole => Err("must be a whole number".to_owned()),
                    Some(v) => Ok(Value::from(v)),
                    None => Err(format!("“{typed}” is not a number")),
                };
                error.set(value.and_then(|v| set_field(&wb, index, &name, v)).err());
            };
            EitherOf5::A(view! {
                <input type="text" inputmode="decimal" id=dom_id.clone() data-testid=test_id.clone() prop:value=text on:input=on_input
                    aria-invalid=move || error.with(Option::is_some).to_string()
                    aria-describedby=described_by />
            })
        }
        Value::Bool(_) => {
            let name = name.clone();
            let checked_name = name.clone();
            EitherOf5::B(view! {
                <input
                    type="checkbox"
                    id=dom_id.clone()
                    data-testid=test_id.clone()
                    prop:checked=move || current_value(&wb, index, &checked_name) == Some(Value::Bool(true))
                    on:change=move |ev| error.set(set_field(&wb, index, &name, Value::Bool(event_target_checked(&ev))).err())
                />
            })
        }
        Value::String(_) | Value::Null if name == "metric" => {
            let optional = initial.is_null();
            let task = wb.draft.with_untracked(|d| d.preprocessing.task);
            let name = name.clone();
            let selected_name = name.clone();
            let selected_name = StoredValue::new(selected_name);
            let selected = move || {
                selected_name
                    .with_value(|n| current_value(&wb, index, n))
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            };
            EitherOf5::C(view! {
                <select
                    id=dom_id.clone()
                    data-testid=test_id.clone()
                    on:change=move |ev| {
                        let id = event_target_value(&ev);
                        let value = if id.is_empty() { Value::Null } else { Value::String(id) };
                        error.set(set_field(&wb, index, &name, value).err());
                    }
                >
                    {optional.then(|| choice("", "the task's main metric", Signal::derive(move || selected().is_empty())))}
                    {MetricName::for_task(task)
                        .iter()
                        .copied()
                        .map(|m| choice(m.id(), m.id().replace('_', " "), Signal::derive(move || selected() == m.id())))
                        .collect_view()}
                </select>
            })
        }
        Value::Array(list) => EitherOf5::D(view! {
            <span class="muted" data-testid=test_id.clone()>
                {format!("{} columns, as set in the Data panel", list.len())}
            </span>
        }),
        other => {
            EitherOf5::E(view! { <span data-testid=test_id.clone()>{in_words(&other)}</span> })
        }
    };
    view! {
        <label class="field">
            {label}
            {field}
            {move || error.get().map(|e| view! { <span class="field-error" role="alert" id=error_id.clone() data-testid=format!("{test_id}-error")>{sentence(&e)}</span> })}
        </label>
    }
}

/// A setting with no field of its own: a slice in words, anything else as its JSON.
fn in_words(value: &Value) -> String {
    match serde_json::from_value::<Slice>(value.clone()) {
        Ok(slice) => format!("rows where {}", slice.describe()),
        Err(_) => value.to_string(),
    }
}

/// "max fraction" → "Max fraction".
fn sentence_case(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::format_value;

    #[test]
    fn counts_show_as_integers_and_rates_with_four_decimals() {
        assert_eq!(format_value(569.0), "569");
        assert_eq!(format_value(0.0), "0");
        assert_eq!(format_value(-3.0), "-3");
        assert_eq!(format_value(0.95), "0.9500");
        assert_eq!(format_value(0.000_12), "1.200e-4");
        assert_eq!(format_value(2.5e7), "25000000");
        assert_eq!(format_value(12_345_678.9), "1.235e7");
    }
}
