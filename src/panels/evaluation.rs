//! "Evaluate on the dataset", in the Endpoints step: the evaluation's settings and checks (part
//! of the draft's endpoint form), Evaluate with progress and Cancel, and the results: the served
//! model's metrics beside the browser model's, its confusion matrix or predicted-vs-actual, the
//! rows that failed, and the evaluation checks as cards.

use assay_engine::checks::Verdict;
use assay_engine::data::{ColumnKind, Table};
use assay_engine::endpoint::CaseOutcome;
use assay_engine::endpoint::evaluation::{
    EvaluationCheck, EvaluationReport, EvaluationRows, EvaluationSpec, guide,
};
use assay_engine::metrics::MetricName;
use leptos::prelude::*;

use crate::logic::draft::Draft;
use crate::logic::endpoints::evaluation::{
    CheckKind, Choices, Evaluated, metric_of, parse_count, parse_number, rows_label, side_by_side,
    threshold_range,
};
use crate::logic::endpoints::route::{Relay, Route};
use crate::logic::status::verdict_label;
use crate::state::workbench::Workbench;
use crate::widgets::alert::alert;
use crate::widgets::chart::{ConfusionMatrix, PredictedVsActual, ProgressBar};
use crate::widgets::choice::choice;
use crate::widgets::words::sentence;

/// The most requests and rows at once the engine takes (see its `EvaluationSpec`).
const MAX_BATCH_SIZE: u32 = 1000;
const MAX_CONCURRENCY: u32 = 16;

/// Reads what a new check can be about in the draft now, and hands it to `read`.
fn with_choices<R>(wb: Workbench, read: impl FnOnce(Option<Choices<'_>>) -> R) -> R {
    wb.table.with(|table| {
        wb.draft.with(|d| {
            let Ok(table) = table else { return read(None) };
            let schema = d.schema(table);
            let others: Vec<String> = d
                .kept_endpoints
                .iter()
                .map(|e| e.name.clone())
                .filter(|n| n != d.endpoint.name.trim())
                .collect();
            read(Some(Choices {
                task: d.preprocessing.task,
                schema: &schema,
                target: &d.preprocessing.target,
                others: &others,
            }))
        })
    })
}

#[component]
pub fn EvaluationSection() -> impl IntoView {
    let wb = expect_context::<Workbench>();
    let has_evaluation = Memo::new(move |_| wb.draft.with(|d| d.endpoint.evaluation.is_some()));
    let add = move |_| {
        let evaluation = with_choices(wb, |c| c.map(|c| c.new_evaluation()));
        let features = wb.current_run().map(|l| l.run.feature_columns);
        wb.draft.update(|d| {
            d.endpoint.evaluation = evaluation;
            if d.endpoint.features.is_empty()
                && let Some(features) = features
            {
                d.endpoint.features = features;
            }
        });
    };
    view! {
        <section class="evaluation" id="evaluation" aria-labelledby="evaluation-heading" data-testid="evaluation">
            <h3 id="evaluation-heading">"Evaluate on the dataset"</h3>
            <p class="muted">
                "Send the dataset's rows through the served model in batches and judge its answers as a whole, with the same metrics as the browser model: against a fixed bar, a trivial baseline, the previous revision, the notebook's own predictions, or the model in production. "
                <code>"assay run"</code>
                " runs the same evaluation in CI."
            </p>
            {move || {
                if has_evaluation.get() {
                    view! { <EvaluationSettings /> }.into_any()
                } else {
                    view! {
                        <button data-testid="add-evaluation" on:click=add disabled=move || wb.table.with(Result::is_err)>
                            "Add an evaluation"
                        </button>
                    }
                        .into_any()
                }
            }}
            <EvaluationRun />
            <EvaluationResults />
        </section>
    }
}

/// Changes the draft's evaluation with `change`, if it has one.
fn edit(draft: RwSignal<Draft>, change: impl FnOnce(&mut EvaluationSpec)) {
    draft.update(|d| {
        if let Some(evaluation) = d.endpoint.evaluation.as_mut() {
            change(evaluation);
        }
    });
}

/// Rows, batches and the checks, each editable.
#[component]
fn EvaluationSettings() -> impl IntoView {
    let wb = expect_context::<Workbench>();
    let current = wb
        .draft
        .with_untracked(|d| d.endpoint.evaluation.clone())
        .unwrap_or_else(|| EvaluationSpec {
            rows: EvaluationRows::Validation,
            batch_size: 32,
            concurrency: 4,
            checks: Vec::new(),
        });
    let rows = Memo::new(move |_| {
        wb.draft
            .with(|d| d.endpoint.evaluation.as_ref().map(|e| e.rows))
    });
    // The check editors are rebuilt when checks come or go, or the task changes their
    // metrics; not on every keystroke.
    let kinds = Memo::new(move |_| {
        wb.draft.with(|d| {
            let kinds = d
                .endpoint
                .evaluation
                .as_ref()
                .map(|e| e.checks.iter().map(CheckKind::of).collect::<Vec<_>>())
                .unwrap_or_default();
            (d.preprocessing.task, kinds)
        })
    });
    let new_kind = RwSignal::new(CheckKind::MetricThreshold);
    let add_error = RwSignal::new(None::<String>);
    let add_check = move |_| {
        let check = with_choices(wb, |c| {
            c.map_or(Err("The data cannot be read.".to_owned()), |c| {
                c.new_check(new_kind.get_untracked())
            })
        });
        match check {
            Ok(check) => {
                add_error.set(None);
                edit(wb.draft, |e| e.checks.push(check));
            }
            Err(e) => add_error.set(Some(e)),
        }
    };
    view! {
        <div class="field-grid">
            <label class="field">
                "Rows"
                <select
                    data-testid="evaluation-rows"
                    on:change=move |ev| {
                        let rows = if event_target_value(&ev) == "all" { EvaluationRows::All } else { EvaluationRows::Validation };
                        edit(wb.draft, |e| e.rows = rows);
                    }
                >
                    {choice("validation", "Validation rows", Signal::derive(move || rows.get() == Some(EvaluationRows::Validation)))}
                    {choice("all", "Every row (training too)", Signal::derive(move || rows.get() == Some(EvaluationRows::All)))}
                </select>
            </label>
            {count_field(wb, "Batch size (rows a request)", "evaluation-batch-size", current.batch_size, MAX_BATCH_SIZE, |e, n| e.batch_size = n)}
            {count_field(wb, "Requests at once", "evaluation-concurrency", current.concurrency, MAX_CONCURRENCY, |e, n| e.concurrency = n)}
        </div>
        <p class="muted">
            "Open Inference, TF Serving and MLflow take a batch of rows per request; generic JSON one row."
        </p>
        <div class="evaluation-checks">
            {move || {
                kinds
                    .get()
                    .1
                    .into_iter()
                    .enumerate()
                    .map(|(index, kind)| view! { <CheckEditor index=index kind=kind /> })
                    .collect_view()
            }}
        </div>
        <div class="actions">
            <label class="field">
                "Add a check"
                <select
                    data-testid="evaluation-new-check"
                    on:change=move |ev| {
                        if let Some(kind) = CheckKind::from_id(&event_target_value(&ev)) {
                            new_kind.set(kind);
                            add_error.set(None);
                        }
                    }
                >
                    {CheckKind::ALL
                        .into_iter()
                        .map(|k| choice(k.id(), k.label(), Signal::derive(move || new_kind.get() == k)))
                        .collect_view()}
                </select>
            </label>
            <button data-testid="add-evaluation-check" on:click=add_check>"Add the check"</button>
            <button
                class="quiet-small"
                data-testid="remove-evaluation"
                on:click=move |_| wb.draft.update(|d| d.endpoint.evaluation = None)
            >
                "Remove the evaluation"
            </button>
        </div>
        {move || add_error.get().map(|e| alert(&e, "evaluation-add-error"))}
    }
}

/// A whole-number setting of the evaluation, from 1 to `max`.
fn count_field(
    wb: Workbench,
    label: &'static str,
    test_id: &'static str,
    initial: u32,
    max: u32,
    set: fn(&mut EvaluationSpec, u32),
) -> impl IntoView {
    let apply = move |text: &str| {
        let n = parse_count(text, 1, max)?;
        edit(wb.draft, |e| set(e, n));
        Ok(())
    };
    typed_field(wb, label, test_id.to_owned(), initial.to_string(), apply)
}

/// A text box whose text the draft takes through `apply`, or shows why not (listed with the
/// page's other field problems, so nothing runs or exports meanwhile).
fn typed_field(
    wb: Workbench,
    label: &'static str,
    test_id: String,
    initial: String,
    apply: impl Fn(&str) -> Result<(), String> + 'static,
) -> impl IntoView {
    let dom_id = test_id.clone();
    let error_test_id = format!("{test_id}-error");
    let error = wb.field_error(&dom_id, &format!("Evaluation: {label}"));
    let error_id = format!("{dom_id}-error");
    let described_by = {
        let error_id = error_id.clone();
        move || error.with(Option::is_some).then(|| error_id.clone())
    };
    let text = RwSignal::new(initial);
    view! {
        <label class="field">
            {label}
            <input
                type="text"
                inputmode="decimal"
                id=dom_id
                data-testid=test_id
                prop:value=text
                aria-invalid=move || error.with(Option::is_some).to_string()
                aria-describedby=described_by
                on:input=move |ev| {
                    let typed = event_target_value(&ev);
                    text.set(typed.clone());
                    error.set(apply(&typed).err());
                }
            />
            {move || error.get().map(|e| view! { <span class="field-error" role="alert" id=error_id.clone() data-testid=error_test_id.clone()>{sentence(&e)}</span> })}
        </label>
    }
}

/// Check `index` of the evaluation: its settings and a Remove.
#[component]
fn CheckEditor(index: usize, kind: CheckKind) -> impl IntoView {
    let wb = expect_context::<Workbench>();
    let Some(initial) = wb.draft.with_untracked(|d| {
        d.endpoint
            .evaluation
            .as_ref()
            .and_then(|e| e.checks.get(index).cloned())
    }) else {
        return ().into_any();
    };
    let change = move |f: Box<dyn FnOnce(&mut EvaluationCheck)>| {
        edit(wb.draft, |e| {
            if let Some(check) = e.checks.get_mut(index) {
                f(check);
            }
        });
    };
    let title = guide(&initial).title;
    let id = |name: &str| format!("evaluation-{index}-{name}");
    let metric = metric_of(&initial).map(|m| metric_field(wb, index, m, change));
    let number = |label: &'static str,
                  name: &str,
                  value: f64,
                  min: f64,
                  max: f64,
                  set: fn(&mut EvaluationCheck, f64)| {
        typed_field(wb, label, id(name), value.to_string(), move |text| {
            let v = parse_number(text, min, max)?;
            change(Box::new(move |c| set(c, v)));
            Ok(())
        })
        .into_any()
    };
    let fields = match &initial {
        EvaluationCheck::MetricThreshold { threshold, .. } => {
            // The bar must be a value the metric chosen now can take.
            let apply = move |text: &str| {
                let metric = wb.draft.with_untracked(|d| {
                    d.endpoint
                        .evaluation
                        .as_ref()
                        .and_then(|e| e.checks.get(index))
                        .and_then(metric_of)
                });
                let (min, max) = metric.map_or((f64::NEG_INFINITY, f64::INFINITY), threshold_range);
                let v = parse_number(text, min, max)?;
                change(Box::new(move |c| {
                    if let EvaluationCheck::MetricThreshold { threshold, .. } = c {
                        *threshold = v;
                    }
                }));
                Ok(())
            };
            vec![
                typed_field(
                    wb,
                    "Threshold",
                    id("threshold"),
                    threshold.to_string(),
                    apply,
                )
                .into_any(),
            ]
        }
        EvaluationCheck::BeatsBaseline { margin, .. } => vec![number(
            "Margin",
            "margin",
            *margin,
            0.0,
            f64::INFINITY,
            |c, v| {
                if let EvaluationCheck::BeatsBaseline { margin, .. } = c {
                    *margin = v;
                }
            },
        )],
        EvaluationCheck::NoRegression {
            tolerance,
            relative,
            ..
        } => vec![
            number(
                "Tolerance",
                "tolerance",
                *tolerance,
                0.0,
                f64::INFINITY,
                |c, v| {
                    if let EvaluationCheck::NoRegression { tolerance, .. } = c {
                        *tolerance = v;
                    }
                },
            ),
            relative_field(index, *relative, change).into_any(),
        ],
        EvaluationCheck::AgreesWithColumn {
            column,
            min_agreement,
            tolerance,
            relative,
        } => vec![
            column_field(wb, index, column.clone(), change).into_any(),
            number(
                "Least share of rows agreeing",
                "min-agreement",
                *min_agreement,
                0.0,
                1.0,
                |c, v| {
                    if let EvaluationCheck::AgreesWithColumn { min_agreement, .. } = c {
                        *min_agreement = v;
                    }
                },
            ),
            number(
                "Tolerance (numbers)",
                "tolerance",
                *tolerance,
                0.0,
                f64::INFINITY,
                |c, v| {
                    if let EvaluationCheck::AgreesWithColumn { tolerance, .. } = c {
                        *tolerance = v;
                    }
                },
            ),
            relative_field(index, *relative, change).into_any(),
        ],
        EvaluationCheck::NoWorseThanEndpoint {
            endpoint,
            tolerance,
            ..
        } => vec![
            endpoint_field(wb, index, endpoint.clone(), change).into_any(),
            number(
                "Tolerance",
                "tolerance",
                *tolerance,
                0.0,
                f64::INFINITY,
                |c, v| {
                    if let EvaluationCheck::NoWorseThanEndpoint { tolerance, .. } = c {
                        *tolerance = v;
                    }
                },
            ),
        ],
    };
    view! {
        <fieldset class="evaluation-check" data-testid=format!("evaluation-check-{index}") data-check=kind.id()>
            <legend>{title}</legend>
            <div class="field-grid">
                {metric}
                {fields}
            </div>
            <button
                class="quiet-small"
                data-testid="remove-evaluation-check"
                aria-label=format!("Remove the check: {title}")
                on:click=move |_| edit(wb.draft, |e| {
                    if index < e.checks.len() {
                        e.checks.remove(index);
                    }
                })
            >
                "Remove"
            </button>
        </fieldset>
    }
    .into_any()
}

type Change = Box<dyn FnOnce(&mut EvaluationCheck)>;

/// The metric a check judges: only the task's.
fn metric_field(
    wb: Workbench,
    index: usize,
    initial: MetricName,
    change: impl Fn(Change) + Copy + 'static,
) -> impl IntoView {
    let task = wb.draft.with_untracked(|d| d.preprocessing.task);
    let selected = RwSignal::new(initial);
    view! {
        <label class="field">
            "Metric"
            <select
                data-testid=format!("evaluation-{index}-metric")
                on:change=move |ev| {
                    let id = event_target_value(&ev);
                    if let Some(&m) = MetricName::for_task(task).iter().find(|m| m.id() == id) {
                        selected.set(m);
                        change(Box::new(move |c| match c {
                            EvaluationCheck::MetricThreshold { metric, .. }
                            | EvaluationCheck::BeatsBaseline { metric, .. }
                            | EvaluationCheck::NoRegression { metric, .. }
                            | EvaluationCheck::NoWorseThanEndpoint { metric, .. } => *metric = m,
                            EvaluationCheck::AgreesWithColumn { .. } => {}
                        }));
                    }
                }
            >
                {MetricName::for_task(task)
                    .iter()
                    .copied()
                    .map(|m| choice(m.id(), m.id().replace('_', " "), Signal::derive(move || selected.get() == m)))
                    .collect_view()}
            </select>
        </label>
    }
}

fn relative_field(
    index: usize,
    initial: bool,
    change: impl Fn(Change) + Copy + 'static,
) -> impl IntoView {
    view! {
        <label class="field checkbox">
            <input
                type="checkbox"
                data-testid=format!("evaluation-{index}-relative")
                prop:checked=initial
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    change(Box::new(move |c| match c {
                        EvaluationCheck::NoRegression { relative, .. }
                        | EvaluationCheck::AgreesWithColumn { relative, .. } => *relative = on,
                        _ => {}
                    }));
                }
            />
            "Tolerance relative to the value"
        </label>
    }
}

/// The column of the notebook's predictions: any column but the target; one the model reads
/// is an error until it is ignored in the Data step (which "Ignore it" does).
fn column_field(
    wb: Workbench,
    index: usize,
    initial: String,
    change: impl Fn(Change) + Copy + 'static,
) -> impl IntoView {
    let selected = RwSignal::new(initial);
    let columns = Memo::new(move |_| {
        with_choices(wb, |c| c.map(|c| c.notebook_columns()).unwrap_or_default())
    });
    let problem = Memo::new(move |_| {
        let column = selected.get();
        with_choices(wb, |c| c.and_then(|c| c.column_problem(&column)))
    });
    let dom_id = format!("evaluation-{index}-column");
    let error = wb.field_error(&dom_id, "Evaluation: the notebook's column");
    Effect::new(move |_| error.set(problem.get()));
    let ignore = move |_| {
        let column = selected.get_untracked();
        wb.table.with_untracked(|table: &Result<Table, String>| {
            if let Ok(table) = table {
                wb.draft
                    .update(|d| d.set_column_kind(table, &column, ColumnKind::Ignored));
            }
        });
    };
    view! {
        <label class="field">
            "Column of the notebook's predictions"
            <select
                id=dom_id.clone()
                data-testid=dom_id.clone()
                aria-invalid=move || problem.with(Option::is_some).to_string()
                on:change=move |ev| {
                    let column = event_target_value(&ev);
                    selected.set(column.clone());
                    change(Box::new(move |c| {
                        if let EvaluationCheck::AgreesWithColumn { column: at, .. } = c {
                            *at = column;
                        }
                    }));
                }
            >
                {move || {
                    columns
                        .get()
                        .into_iter()
                        .map(|c| {
                            let name = c.clone();
                            choice(c.clone(), c, Signal::derive(move || selected.get() == name))
                        })
                        .collect_view()
                }}
            </select>
        </label>
        {move || problem.get().map(|p| view! {
            <div class="field-problem">
                {alert(&p, "evaluation-column-error")}
                <button data-testid="ignore-column" on:click=ignore>"Ignore it"</button>
            </div>
        })}
        <p class="muted">"A column the model must not learn from: its kind is Ignored in the Data step."</p>
    }
}

/// The endpoint compared with: another endpoint of the spec.
fn endpoint_field(
    wb: Workbench,
    index: usize,
    initial: String,
    change: impl Fn(Change) + Copy + 'static,
) -> impl IntoView {
    let selected = RwSignal::new(initial);
    let others =
        Memo::new(move |_| with_choices(wb, |c| c.map(|c| c.others.to_vec()).unwrap_or_default()));
    view! {
        <label class="field">
            "Compared with the endpoint"
            <select
                data-testid=format!("evaluation-{index}-endpoint")
                on:change=move |ev| {
                    let name = event_target_value(&ev);
                    selected.set(name.clone());
                    change(Box::new(move |c| {
                        if let EvaluationCheck::NoWorseThanEndpoint { endpoint, .. } = c {
                            *endpoint = name;
                        }
                    }));
                }
            >
                {move || {
                    others
                        .get()
                        .into_iter()
                        .map(|e| {
                            let name = e.clone();
                            choice(e.clone(), e, Signal::derive(move || selected.get() == name))
                        })
                        .collect_view()
                }}
            </select>
        </label>
    }
}

/// Evaluate, its progress and Cancel, why it could not run, and the relay when CORS blocks it.
#[component]
fn EvaluationRun() -> impl IntoView {
    let wb = expect_context::<Workbench>();
    let state = wb.endpoints.evaluation;
    let running = move || state.runner.is_running();
    let has_evaluation = move || wb.draft.with(|d| d.endpoint.evaluation.is_some());
    let progress = move || state.runner.progress();
    view! {
        <div class="actions">
            <button
                class="primary"
                data-testid="evaluate"
                on:click=move |_| wb.evaluate(Route::Direct)
                disabled=move || !has_evaluation() || running()
            >
                "Evaluate"
            </button>
            {move || running().then(|| view! {
                <button data-testid="cancel-evaluation" on:click=move |_| state.runner.cancel()>"Cancel"</button>
            })}
        </div>
        {move || progress().map(|_| view! {
            <ProgressBar
                done=Signal::derive(move || progress().map_or(0, |p| p.done))
                total=Signal::derive(move || progress().map_or(0, |p| p.total))
                label="Evaluation requests answered"
            />
        })}
        {move || state.message.get().map(|m| alert(&m, "evaluation-error"))}
        {move || match state.relay.get() {
            Relay::Unasked => None,
            Relay::Available => Some(view! {
                <p>
                    "CORS blocked the requests. This page is served by "<code>"assay serve"</code>
                    ", whose relay forwards them from the same origin."
                </p>
                <button data-testid="evaluate-via-relay" on:click=move |_| wb.evaluate(Route::Relay) disabled=running>
                    "Evaluate through the relay"
                </button>
            }.into_any()),
            Relay::Missing => Some(view! {
                <p class="muted" data-testid="evaluation-relay-hint">
                    "CORS blocked the requests. To evaluate from here, export the spec and open the app with "
                    <code>"assay serve --spec SPEC"</code>
                    "; in CI, "<code>"assay run"</code>" evaluates it as it is."
                </p>
            }.into_any()),
        }}
    }
}

/// The last evaluation's results, and whether they still hold for the draft.
#[component]
fn EvaluationResults() -> impl IntoView {
    let wb = expect_context::<Workbench>();
    let result = wb.endpoints.evaluation.result;
    let holds = Memo::new(move |_| {
        result.with(|r| {
            r.as_ref().is_some_and(|r| {
                wb.draft.with(|d| {
                    wb.spec.with(|s| {
                        d.with_endpoints(s.clone())
                            .is_ok_and(|spec| r.holds_for(&spec))
                    })
                })
            })
        })
    });
    view! {
        <div aria-live="polite">
            {move || result.get().map(|evaluated| view! { <Results evaluated=evaluated holds=holds /> })}
        </div>
    }
}

#[component]
fn Results(evaluated: Evaluated, holds: Memo<bool>) -> impl IntoView {
    let wb = expect_context::<Workbench>();
    let report = &evaluated.report;
    let checks = evaluated.checks();
    let browser = wb.current_run().map(|l| l.run.evaluation.metrics);
    let rows = rows_label(report.rows);
    let mut others: Vec<&[assay_engine::metrics::Metric]> = report
        .compared
        .iter()
        .map(|c| c.metrics.as_slice())
        .collect();
    if let Some(browser) = &browser {
        others.push(browser);
    }
    let table = side_by_side(&report.metrics, &others);
    let headers: Vec<String> = std::iter::once(format!("Served by `{}`", report.endpoint))
        .chain(
            report
                .compared
                .iter()
                .map(|c| format!("Served by `{}`", c.endpoint)),
        )
        .chain(
            browser
                .iter()
                .map(|_| "Browser model (validation rows)".to_owned()),
        )
        .collect();
    let caption = format!(
        "The served model's metrics on {rows}, from {} of {} rows answered{}.",
        report.answered,
        report.sent,
        match (&browser, report.rows) {
            (None, _) => "; train the model to see the browser model's beside them".to_owned(),
            (Some(_), EvaluationRows::Validation) =>
                ", beside the browser model's on the same rows".to_owned(),
            (Some(_), EvaluationRows::All) =>
                "; the browser model's are on its validation rows only".to_owned(),
        }
    );
    let complete = evaluated.complete();
    let stale = move || {
        if !holds.get() {
            view! {
                <p class="note" data-testid="evaluation-stale">
                    "These results are from other settings (data, split, endpoint or checks changed): evaluate again. Until then the export records no served metrics."
                </p>
            }
            .into_any()
        } else if complete {
            view! {
                <p class="muted" data-testid="evaluation-recorded">
                    {sentence("Export records these served metrics in `recorded.endpoints`; the next revision's `no_regression` compares with them.")}
                </p>
            }
            .into_any()
        } else {
            view! {
                <p class="muted" data-testid="evaluation-recorded">
                    "Rows failed, so export records no served metrics from this evaluation."
                </p>
            }
            .into_any()
        }
    };
    view! {
        <div class="evaluation-results" id="evaluation-results" data-testid="evaluation-results">
            <h4>"Results"</h4>
            {stale}
            <p data-testid="evaluation-summary">{sentence(&report.checks.first().map(|c| c.summary.clone()).unwrap_or_default())}</p>
            <div class="table-scroll evaluation-table">
                <table class="metrics-table" data-testid="evaluation-metrics">
                    <caption>{caption}</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Metric"</th>
                            {headers.into_iter().map(|h| view! { <th scope="col">{sentence(&h)}</th> }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {table
                            .into_iter()
                            .map(|row| view! {
                                <tr data-metric=row.name.clone()>
                                    <th scope="row">{row.name.replace('_', " ")}</th>
                                    {row.values.into_iter().map(|v| view! { <td>{v.map_or("–".to_owned(), |v| format!("{v:.4}"))}</td> }).collect_view()}
                                </tr>
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
            {chart(report)}
            {failed_rows(report)}
            {(!report.notes.is_empty()).then(|| view! {
                <div data-testid="evaluation-notes">
                    {report.notes.iter().map(|n| view! { <p class="muted">{sentence(n)}</p> }).collect_view()}
                </div>
            })}
            <div class="check-list" data-testid="evaluation-cards">
                {report
                    .checks
                    .iter()
                    .enumerate()
                    .map(|(i, outcome)| card(outcome, i.checked_sub(1).and_then(|k| checks.get(k))))
                    .collect_view()}
            </div>
        </div>
    }
}

/// The confusion matrix of a classifier, or its predictions against the truth.
fn chart(report: &EvaluationReport) -> impl IntoView + use<> {
    if !report.confusion.is_empty() {
        Some(view! { <ConfusionMatrix matrix=report.confusion.clone() labels=report.classes.clone() /> }.into_any())
    } else if !report.predicted_vs_actual.is_empty() {
        let points = report
            .predicted_vs_actual
            .iter()
            .map(|&[predicted, actual]| (actual, predicted))
            .collect();
        Some(view! { <PredictedVsActual points=points /> }.into_any())
    } else {
        None
    }
}

/// The rows that failed, grouped by cause, with the file lines of the first few.
fn failed_rows(report: &EvaluationReport) -> impl IntoView + use<> {
    (!report.failed.is_empty()).then(|| {
        let groups = report
            .failed
            .iter()
            .map(|g| {
                let lines: Vec<String> = g.lines.iter().map(u64::to_string).collect();
                let more = if g.count > g.lines.len() { ", …" } else { "" };
                format!(
                    "{} row{}: {} (line{} {}{more})",
                    g.count,
                    if g.count == 1 { "" } else { "s" },
                    g.reason,
                    if g.lines.len() == 1 { "" } else { "s" },
                    lines.join(", ")
                )
            })
            .map(|text| view! { <li>{sentence(&text)}</li> })
            .collect_view();
        view! {
            <h4>"Rows that failed"</h4>
            <ul data-testid="evaluation-failed">{groups}</ul>
        }
    })
}

/// One evaluation check's card: verdict and summary, why it matters and where the practice
/// comes from. `check` is `None` for `answers`, the card every evaluation has.
fn card(outcome: &CaseOutcome, check: Option<&EvaluationCheck>) -> impl IntoView + use<> {
    let label = verdict_label(outcome.verdict);
    let class = match outcome.verdict {
        Verdict::Pass => "verdict pass",
        Verdict::Fail => "verdict fail",
        Verdict::Error => "verdict error",
    };
    let (title, why) = match check.map(guide) {
        Some(g) => (g.title, g.why),
        None => (
            "Every row answered",
            "Metrics on only the rows a server did answer would flatter it: a row that errors, \
             times out or cannot be read fails the evaluation, counted and grouped by cause, and \
             no check passes while any row failed.",
        ),
    };
    let learn = check.map(guide).map(|g| {
        view! {
            <details class="learn">
                <summary>"Learn more"</summary>
                <dl>
                    <dt>"What it does"</dt>
                    <dd>{g.does}</dd>
                    <dt>"What a failure usually means"</dt>
                    <dd>{g.when_it_fails}</dd>
                    <dt>"How to fix it"</dt>
                    <dd>{g.fix}</dd>
                    <dt>"Where the practice comes from"</dt>
                    <dd>{g.source}</dd>
                </dl>
            </details>
        }
    });
    view! {
        <article
            class="check"
            class:failed=outcome.verdict != Verdict::Pass
            data-testid="evaluation-card"
            data-check=outcome.case.clone()
        >
            <header>
                <h5>{title}</h5>
                <span class=class data-testid="evaluation-verdict">{label}</span>
            </header>
            <p class="summary" data-testid="evaluation-card-summary">{sentence(&outcome.summary)}</p>
            <p class="why"><strong>"Why it matters: "</strong>{why}</p>
            {learn}
        </article>
    }
}
