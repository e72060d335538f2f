//! The Endpoints panel: describe a deployed model, draft smoke cases from the local one, and run
//! them from the browser. The form is part of the draft; the cases' results and their run are
//! the shared state's ([`crate::state::endpoints`]); the logic is [`crate::logic::endpoints`].

use assay_engine::endpoint::{DATATYPES, SmokeCase};
use leptos::prelude::*;

use crate::logic::draft::Draft;
use crate::logic::endpoints::cases::{self, Field};
use crate::logic::endpoints::credential::Credential;
use crate::logic::endpoints::form::{EndpointForm, ProtocolChoice};
use crate::logic::endpoints::results::{self, CaseResult};
use crate::logic::endpoints::route::{Relay, Route};
use crate::logic::status::verdict_label;
use crate::panels::evaluation::EvaluationSection;
use crate::state::workbench::Workbench;
use crate::widgets::alert::alert;
use crate::widgets::choice::choice;
use crate::widgets::heading::panel_heading;
use crate::widgets::words::sentence;

/// A change to one case, given the number of features; `Err` leaves the case as it was.
type Edit = Box<dyn FnOnce(&mut SmokeCase, usize) -> Result<(), String>>;

#[component]
pub fn EndpointsPanel() -> impl IntoView {
    let wb = expect_context::<Workbench>();
    let state = wb.endpoints;
    let (credential, message, relay, drafts, tensor_note, results) = (
        state.credential,
        state.message,
        state.relay,
        state.drafts,
        state.tensor_note,
        state.results,
    );
    let running = move || state.runner.is_running();
    let form = move |read: fn(&EndpointForm) -> String| wb.draft.with(|d| read(&d.endpoint));
    let run_cases = move |route: Route| wb.run_cases(route);
    let has_run = move || wb.with_current_run(|last| last.is_some());
    let case_count = Memo::new(move |_| wb.draft.with(|d| d.endpoint.cases.len()));
    let case_identity = Memo::new(move |_| {
        wb.draft.with(|d| {
            let f = &d.endpoint;
            (
                f.features.clone(),
                f.cases.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
            )
        })
    });
    let protocol = Memo::new(move |_| wb.draft.with(|d| d.endpoint.protocol));

    view! {
        <section class="panel wide" id="endpoints" aria-labelledby="endpoints-heading" data-testid="endpoints">
            {panel_heading(
                "endpoints-heading",
                "4 · Endpoints",
                Signal::derive(move || wb.endpoints_status()),
            )}
            <p class="muted">
                "Smoke cases against the deployed model: the same requests and judgements as "
                <code>"assay run"</code>
                " in CI."
            </p>
            <div class="field-grid">
                {text_field(wb, "Name", "endpoint-name", |f| f.name.clone(), |f, v| f.name = v)}
                {text_field(wb, "Base URL", "endpoint-url", |f| f.base_url.clone(), |f, v| f.base_url = v)}
                <label class="field">
                    "Protocol"
                    <select
                        data-testid="endpoint-protocol"
                        on:change=move |ev| {
                            if let Some(p) = ProtocolChoice::from_id(&event_target_value(&ev)) {
                                wb.draft.update(|d| d.endpoint.protocol = p);
                            }
                        }
                    >
                        {ProtocolChoice::ALL
                            .into_iter()
                            .map(|p| choice(p.id(), p.label(), Signal::derive(move || protocol.get() == p)))
                            .collect_view()}
                    </select>
                </label>
                {move || {
                    protocol
                        .get()
                        .names_models()
                        .then(|| {
                            view! {
                                {text_field(wb, "Model name", "endpoint-model", |f| f.model.clone(), |f, v| f.model = v)}
                                {text_field(wb, "Version (optional)", "endpoint-version", |f| f.version.clone(), |f, v| f.version = v)}
                            }
                        })
                }}
                {move || {
                    (protocol.get() == ProtocolChoice::OpenInference)
                        .then(|| {
                            view! {
                                {text_field(wb, "Input tensor (blank: input-0)", "endpoint-input-name", |f| f.input_name.clone(), |f, v| f.input_name = v)}
                                <label class="field">
                                    "Input datatype"
                                    <select
                                        data-testid="endpoint-input-datatype"
                                        on:change=move |ev| wb.draft.update(|d| d.endpoint.input_datatype = event_target_value(&ev))
                                    >
                                        {choice("", "Automatic: FP64 for numbers, BYTES for text", Signal::derive(move || wb.draft.with(|d| d.endpoint.input_datatype.is_empty())))}
                                        {DATATYPES
                                            .into_iter()
                                            .map(|d| choice(d, d, Signal::derive(move || wb.draft.with(|x| x.endpoint.input_datatype == d))))
                                            .collect_view()}
                                    </select>
                                </label>
                            }
                        })
                }}
                {move || {
                    (protocol.get() == ProtocolChoice::GenericJson)
                        .then(|| {
                            view! {
                                {text_field(wb, "Path", "endpoint-path", |f| f.path.clone(), |f, v| f.path = v)}
                                {text_field(wb, "Readiness path (optional, e.g. /health)", "endpoint-readiness", |f| f.readiness_path.clone(), |f, v| f.readiness_path = v)}
                                {text_field(wb, "Request template (JSON; \"{{row}}\" or \"{{record}}\")", "endpoint-template", |f| f.request_template.clone(), |f, v| f.request_template = v)}
                                {text_field(wb, "Prediction at (JSON Pointer)", "endpoint-pointer", |f| f.prediction_pointer.clone(), |f, v| f.prediction_pointer = v)}
                            }
                        })
                }}
                {text_field(wb, "Timeout (ms)", "endpoint-timeout", |f| f.timeout_ms.clone(), |f, v| f.timeout_ms = v)}
            </div>
            {move || {
                protocol
                    .get()
                    .hint()
                    .map(|hint| view! { <p class="muted" data-testid="protocol-hint">{hint}</p> })
            }}
            <fieldset class="credential">
                <legend>"Credential (optional)"</legend>
                <div class="field-grid">
                    {text_field(wb, "Header", "credential-header", |f| f.header_name.clone(), |f, v| f.header_name = v)}
                    {text_field(wb, "In CI, from the environment variable", "credential-env", |f| f.env_name.clone(), |f, v| f.env_name = v)}
                    <label class="field">
                        "Value, for this tab only"
                        <input
                            type="password"
                            autocomplete="off"
                            data-testid="credential-value"
                            on:input=move |ev| credential.set(Credential::new(&event_target_value(&ev)))
                        />
                    </label>
                </div>
                <p class="muted">
                    "The value stays in this tab's memory. The spec says "
                    <code>{move || form(|f| format!("${{env:{}}}", f.env_name.trim()))}</code>
                    " instead. In CI, "
                    <code>"assay run"</code>
                    " reads it only when allowed: "
                    <code>{move || form(|f| format!("--allow-env {}", f.env_name.trim()))}</code>
                    ", a line in "
                    <code>"--env-file"</code>
                    ", or a name that starts with "
                    <code>"ASSAY_"</code>
                    "."
                </p>
            </fieldset>
            <ServeSection />
            <div class="actions">
                <button data-testid="draft-cases" on:click=move |_| wb.draft_cases() disabled=move || !has_run()>
                    "Draft cases from the model"
                </button>
                <button
                    data-testid="add-case"
                    on:click=move |_| wb.draft.update(|d| {
                        d.endpoint.add_case();
                    })
                    disabled=move || case_count.get() == 0
                >
                    "Add a case"
                </button>
                <button
                    class="primary"
                    data-testid="run-cases"
                    on:click=move |_| run_cases(Route::Direct)
                    disabled=move || case_count.get() == 0 || running()
                >
                    "Run cases"
                </button>
            </div>
            {move || message.get().map(|m| alert(&m, "endpoint-error").into_any())}
            {move || tensor_note.get().map(|n| view! { <p class="muted" data-testid="tensor-note">{n}</p> })}
            {move || {
                (case_count.get() == 0)
                    .then(|| {
                        view! {
                            <p class="muted">
                                "Press Run, then draft cases: representative rows with the local model's answers, to adjust."
                            </p>
                        }
                    })
            }}
            <div aria-live="polite">
                {move || {
                    // Rows read their case once, so they are rebuilt whenever the cases are
                    // other ones: drafted again, added, removed, or another draft's.
                    let _ = drafts.get();
                    let _ = case_identity.get();
                    (0..case_count.get()).map(|i| case_row(i, wb.draft, results)).collect_view()
                }}
                {move || {
                    results
                        .with(|r| (!r.is_empty()).then(|| results::summary(r)))
                        .map(|s| view! { <p data-testid="cases-summary">{s}</p> })
                }}
                {move || match relay.get() {
                    Relay::Unasked => None,
                    Relay::Available => {
                        Some(
                            view! {
                                <p>
                                    "This page is served by "<code>"assay serve"</code>
                                    ", whose relay forwards to this endpoint from the same origin."
                                </p>
                                <button
                                    data-testid="run-via-relay"
                                    on:click=move |_| run_cases(Route::Relay)
                                    disabled=running
                                >
                                    "Run through the relay"
                                </button>
                            }
                                .into_any(),
                        )
                    }
                    Relay::Missing => {
                        Some(
                            view! {
                                <p class="muted" data-testid="relay-hint">
                                    "To run them from here, export the spec and open the app with "
                                    <code>"assay serve --spec SPEC"</code>
                                    ": its relay forwards them from the same origin."
                                </p>
                            }
                                .into_any(),
                        )
                    }
                }}
            </div>
            <EvaluationSection />
        </section>
    }
}

/// How CI starts the model server (`serve`): carried into the export; the page cannot start
/// programs, so here it tests a server that is already running.
#[component]
fn ServeSection() -> impl IntoView {
    let wb = expect_context::<Workbench>();
    let problem = move || wb.draft.with(|d| d.endpoint.serve.to_spec().err());
    view! {
        <fieldset class="serve" data-testid="serve-section">
            <legend>"Starting the server in CI (optional)"</legend>
            <p class="muted">
                "In CI, "
                <code>"assay run --allow-serve"</code>
                " starts this command on a free port (write "
                <code>"{{port}}"</code>
                " where it goes, also in the base URL), waits until the server is ready, runs the endpoint's tests and stops it. This page cannot start programs: here it tests a server that is already running."
            </p>
            <div class="field-grid">
                {text_area(wb, "Command, one argument per line", "serve-command", |f| f.serve.command.clone(), |f, v| f.serve.command = v)}
                {text_area(wb, "Environment, one NAME=VALUE per line", "serve-env", |f| f.serve.env.clone(), |f, v| f.serve.env = v)}
                {text_field(wb, "Folder (relative to the spec's)", "serve-cwd", |f| f.serve.cwd.clone(), |f, v| f.serve.cwd = v)}
                {text_field(wb, "Ready within (s)", "serve-ready-timeout", |f| f.serve.ready_timeout_s.clone(), |f, v| f.serve.ready_timeout_s = v)}
                {text_field(wb, "Stops within (s)", "serve-shutdown-timeout", |f| f.serve.shutdown_timeout_s.clone(), |f, v| f.serve.shutdown_timeout_s = v)}
            </div>
            {move || problem().map(|e| view! { <p class="field-error" role="alert" data-testid="serve-error">{e}</p> })}
        </fieldset>
    }
}

/// A labelled text area bound to one field of the form.
fn text_area(
    wb: Workbench,
    label: &'static str,
    test_id: &'static str,
    get: fn(&EndpointForm) -> String,
    set: fn(&mut EndpointForm, String),
) -> impl IntoView {
    view! {
        <label class="field">
            {label}
            <textarea
                rows="3"
                data-testid=test_id
                prop:value=move || wb.draft.with(|d| get(&d.endpoint))
                on:input=move |ev| wb.draft.update(|d| set(&mut d.endpoint, event_target_value(&ev)))
            ></textarea>
        </label>
    }
}

/// A labelled text input bound to one field of the form.
fn text_field(
    wb: Workbench,
    label: &'static str,
    test_id: &'static str,
    get: fn(&EndpointForm) -> String,
    set: fn(&mut EndpointForm, String),
) -> impl IntoView {
    view! {
        <label class="field">
            {label}
            <input
                type="text"
                data-testid=test_id
                prop:value=move || wb.draft.with(|d| get(&d.endpoint))
                on:input=move |ev| wb.draft.update(|d| set(&mut d.endpoint, event_target_value(&ev)))
            />
        </label>
    }
}

/// Case `index`: its input and expectation, editable, and its last result.
fn case_row(
    index: usize,
    draft: RwSignal<Draft>,
    results: RwSignal<Vec<CaseResult>>,
) -> impl IntoView {
    let Some((name, features, fields)) = draft.with_untracked(|d| {
        let f = &d.endpoint;
        f.cases
            .get(index)
            .map(|c| (c.name.clone(), f.features.clone(), cases::fields(&c.expect)))
    }) else {
        return ().into_any();
    };
    let error = RwSignal::new(None::<String>);
    let edit = move |change: Edit| {
        let mut outcome = Ok(());
        draft.update(|d| {
            let f = &mut d.endpoint;
            let features = f.features.len();
            if let Some(case) = f.cases.get_mut(index) {
                outcome = change(case, features);
            }
        });
        error.set(outcome.err());
    };
    let result_name = name.clone();
    let result = Memo::new(move |_| {
        results.with(|r| r.iter().find(|x| x.outcome.case == result_name).cloned())
    });
    view! {
        <article class="case" data-testid=format!("case-{index}")>
            <header>
                <h3>{name.clone()}</h3>
                {move || result.get().map(result_badges)}
                <button
                    class="quiet-small"
                    data-testid="remove-case"
                    aria-label=format!("Remove case {name}")
                    on:click=move |_| draft.update(|d| d.endpoint.remove_case(index))
                >
                    "Remove"
                </button>
            </header>
            <fieldset class="case-input" data-testid="case-input">
                <legend>{format!("Input: {} features", features.len())}</legend>
                <div class="field-grid">
                    {features
                        .into_iter()
                        .enumerate()
                        .map(|(feature, name)| feature_input(index, feature, name, draft, edit))
                        .collect_view()}
                </div>
            </fieldset>
            <div class="field-grid">
                {fields
                    .into_iter()
                    .map(|(field, initial)| expectation_input(field, initial, edit))
                    .collect_view()}
            </div>
            {move || error.get().map(|e| alert(&e, "case-error").into_any())}
            {move || {
                result
                    .get()
                    .map(|r| view! { <p class="case-summary" data-testid="case-summary">{sentence(&r.outcome.summary)}</p> })
            }}
        </article>
    }
    .into_any()
}

/// One feature's value in case `case`: its own field, labelled with the feature's name, so a
/// value may hold any text (commas too).
fn feature_input(
    case: usize,
    feature: usize,
    name: String,
    draft: RwSignal<Draft>,
    edit: impl Fn(Edit) + Copy + 'static,
) -> impl IntoView {
    let value = move || {
        draft.with(|d| {
            d.endpoint
                .cases
                .get(case)
                .map(|c| cases::input_value(c, feature))
                .unwrap_or_default()
        })
    };
    let label = name.clone();
    view! {
        <label class="field">
            {label}
            <input
                type="text"
                data-testid=format!("case-input-{feature}")
                data-feature=name.clone()
                prop:value=value
                on:change=move |ev| {
                    let text = event_target_value(&ev);
                    let name = name.clone();
                    edit(Box::new(move |c, _| cases::set_input_value(c, feature, &name, &text)));
                }
            />
        </label>
    }
}

fn expectation_input(
    field: Field,
    initial: String,
    edit: impl Fn(Edit) + Copy + 'static,
) -> impl IntoView {
    view! {
        <label class="field">
            {field.label()}
            <input
                type="text"
                data-testid=format!("case-{}", field.id())
                value=initial
                on:change=move |ev| {
                    let text = event_target_value(&ev);
                    edit(Box::new(move |case, _| cases::set_field(&mut case.expect, field, &text)));
                }
            />
        </label>
    }
}

fn result_badges(result: CaseResult) -> impl IntoView {
    let label = verdict_label(result.outcome.verdict);
    let latency = result.outcome.latency_ms.map(|ms| format!("{ms:.0} ms"));
    view! {
        <span class=format!("verdict {}", label.to_lowercase()) data-testid="case-verdict">
            {label}
        </span>
        {result.runs_in_ci.then(|| view! { <span class="badge" data-testid="runs-in-ci">"Runs in CI"</span> })}
        {latency.map(|l| view! { <span class="muted" data-testid="case-latency">{l}</span> })}
    }
}
