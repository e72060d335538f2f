//! The Endpoints panel: describe a deployed model, draft smoke cases from the local one, and run
//! them from the browser. Components only wire signals to [`crate::endpoints`]; requests go
//! through [`crate::fetch`].

use assay_engine::endpoint::{DATATYPES, SmokeCase, metadata_request};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::{alert, choice, panel_heading};
use crate::endpoints::{
    self, CaseResult, Credential, EndpointForm, Field, ProtocolChoice, Route, headers_to_send,
    request_for, result_of,
};
use crate::fetch;
use crate::session::{self, Authored};

/// A change to one case, given the number of features; `Err` leaves the case as it was.
type Edit = Box<dyn FnOnce(&mut SmokeCase, usize) -> Result<(), String>>;

/// Whether `assay serve`'s relay can carry the cases blocked by CORS, once asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Relay {
    Unasked,
    Available,
    Missing,
}

#[component]
pub fn EndpointsPanel(
    /// The endpoint being described; the export reads it too.
    form: RwSignal<EndpointForm>,
    /// The cases' last results in this browser; the path's status reads them too.
    results: RwSignal<Vec<CaseResult>>,
    /// The author's last run, which cases are drafted from.
    outcome: Signal<Option<Authored>>,
    /// The sample's CSV text.
    csv: Signal<String>,
) -> impl IntoView {
    // Only in memory, for this tab: never in the form, the spec, or storage.
    let credential = RwSignal::new(Credential::default());
    let message = RwSignal::new(None::<String>);
    let running = RwSignal::new(false);
    let relay = RwSignal::new(Relay::Unasked);
    let drafts = RwSignal::new(0u32);
    let tensor_note = RwSignal::new(None::<String>);

    let draft = move |_| {
        let drafted = outcome.with_untracked(|o| match o {
            Some(authored) => {
                csv.with_untracked(|csv| endpoints::draft(&authored.spec, &authored.run, csv))
            }
            None => Err("Train the model first: cases are drafted from it.".into()),
        });
        match drafted {
            Ok((features, cases)) => {
                form.update(|f| {
                    f.features = features;
                    f.cases = cases;
                });
                results.set(Vec::new());
                message.set(None);
                tensor_note.set(None);
                drafts.update(|d| *d += 1);
                fill_input_tensor(form, credential, tensor_note);
            }
            Err(e) => message.set(Some(e)),
        }
    };
    let run_cases = move |route: Route| {
        let prepared = form
            .with_untracked(EndpointForm::to_spec)
            .and_then(|spec| Ok((headers_to_send(&spec, &credential.get_untracked())?, spec)));
        let (resolved, spec) = match prepared {
            Ok(ready) => ready,
            Err(e) => {
                message.set(Some(e));
                return;
            }
        };
        message.set(None);
        results.set(Vec::new());
        relay.set(Relay::Unasked);
        running.set(true);
        spawn_local(async move {
            // One case at a time, each judged on its own: a failure never stops the rest.
            for case in &spec.cases {
                let request = request_for(&spec, case, route);
                let answer = fetch::send(&request, &resolved.headers, spec.timeout_ms).await;
                let result = result_of(&spec, case, &request, &answer, &resolved.secrets);
                if results.try_update(|r| r.push(result)).is_none() {
                    return; // The panel is gone.
                }
            }
            running.try_set(false);
            let blocked = results.with_untracked(|r| r.iter().any(|x| x.runs_in_ci));
            if route == Route::Direct && blocked {
                let listed = fetch::relay_listing()
                    .await
                    .is_some_and(|body| endpoints::relay_lists(&body, &spec.name));
                relay.try_set(if listed {
                    Relay::Available
                } else {
                    Relay::Missing
                });
            }
        });
    };
    let has_run = move || outcome.with(Option::is_some);
    let case_count = Memo::new(move |_| form.with(|f| f.cases.len()));
    let case_identity = Memo::new(move |_| {
        form.with(|f| {
            (
                f.features.clone(),
                f.cases.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
            )
        })
    });
    let protocol = Memo::new(move |_| form.with(|f| f.protocol));

    view! {
        <section class="panel wide" id="endpoints" aria-labelledby="endpoints-heading" data-testid="endpoints">
            {panel_heading(
                "endpoints-heading",
                "4 · Endpoints",
                Signal::derive(move || results.with(|r| form.with(|f| endpoints::status(f, r)))),
            )}
            <p class="muted">
                "Smoke cases against the deployed model: the same requests and judgements as "
                <code>"assay run"</code>
                " in CI."
            </p>
            <div class="field-grid">
                {text_field("Name", "endpoint-name", form, |f| f.name.clone(), |f, v| f.name = v)}
                {text_field("Base URL", "endpoint-url", form, |f| f.base_url.clone(), |f, v| f.base_url = v)}
                <label class="field">
                    "Protocol"
                    <select
                        data-testid="endpoint-protocol"
                        on:change=move |ev| {
                            if let Some(p) = ProtocolChoice::from_id(&event_target_value(&ev)) {
                                form.update(|f| f.protocol = p);
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
                                {text_field("Model name", "endpoint-model", form, |f| f.model.clone(), |f, v| f.model = v)}
                                {text_field("Version (optional)", "endpoint-version", form, |f| f.version.clone(), |f, v| f.version = v)}
                            }
                        })
                }}
                {move || {
                    (protocol.get() == ProtocolChoice::OpenInference)
                        .then(|| {
                            view! {
                                {text_field("Input tensor (blank: input-0)", "endpoint-input-name", form, |f| f.input_name.clone(), |f, v| f.input_name = v)}
                                <label class="field">
                                    "Input datatype"
                                    <select
                                        data-testid="endpoint-input-datatype"
                                        on:change=move |ev| form.update(|f| f.input_datatype = event_target_value(&ev))
                                    >
                                        {choice("", "Automatic: FP64 for numbers, BYTES for text", Signal::derive(move || form.with(|f| f.input_datatype.is_empty())))}
                                        {DATATYPES
                                            .into_iter()
                                            .map(|d| choice(d, d, Signal::derive(move || form.with(|f| f.input_datatype == d))))
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
                                {text_field("Path", "endpoint-path", form, |f| f.path.clone(), |f, v| f.path = v)}
                                {text_field("Readiness path (optional, e.g. /health)", "endpoint-readiness", form, |f| f.readiness_path.clone(), |f, v| f.readiness_path = v)}
                                {text_field("Request template (JSON; \"{{row}}\" or \"{{record}}\")", "endpoint-template", form, |f| f.request_template.clone(), |f, v| f.request_template = v)}
                                {text_field("Prediction at (JSON Pointer)", "endpoint-pointer", form, |f| f.prediction_pointer.clone(), |f, v| f.prediction_pointer = v)}
                            }
                        })
                }}
                {text_field("Timeout (ms)", "endpoint-timeout", form, |f| f.timeout_ms.clone(), |f, v| f.timeout_ms = v)}
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
                    {text_field("Header", "credential-header", form, |f| f.header_name.clone(), |f, v| f.header_name = v)}
                    {text_field("In CI, from the environment variable", "credential-env", form, |f| f.env_name.clone(), |f, v| f.env_name = v)}
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
                    <code>{move || form.with(|f| format!("${{env:{}}}", f.env_name.trim()))}</code>
                    " instead. In CI, "
                    <code>"assay run"</code>
                    " reads it only when allowed: "
                    <code>{move || form.with(|f| format!("--allow-env {}", f.env_name.trim()))}</code>
                    ", a line in "
                    <code>"--env-file"</code>
                    ", or a name that starts with "
                    <code>"ASSAY_"</code>
                    "."
                </p>
            </fieldset>
            <div class="actions">
                <button data-testid="draft-cases" on:click=draft disabled=move || !has_run()>
                    "Draft cases from the model"
                </button>
                <button
                    data-testid="add-case"
                    on:click=move |_| form.update(|f| {
                        f.add_case();
                    })
                    disabled=move || case_count.get() == 0
                >
                    "Add a case"
                </button>
                <button
                    class="primary"
                    data-testid="run-cases"
                    on:click=move |_| run_cases(Route::Direct)
                    disabled=move || case_count.get() == 0 || running.get()
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
                    (0..case_count.get()).map(|i| case_row(i, form, results)).collect_view()
                }}
                {move || {
                    results
                        .with(|r| (!r.is_empty()).then(|| endpoints::summary(r)))
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
                                    disabled=move || running.get()
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
        </section>
    }
}

/// For Open Inference, asks the server's metadata for the input tensor's name and datatype and
/// puts them in the form. A server that does not answer (down, CORS, no metadata) leaves the
/// form as it is: the fields can be typed.
fn fill_input_tensor(
    form: RwSignal<EndpointForm>,
    credential: RwSignal<Credential>,
    note: RwSignal<Option<String>>,
) {
    // The datatype asked about may be one the new cases do not fit: ask without it.
    let asking = form.with_untracked(|f| EndpointForm {
        input_datatype: String::new(),
        ..f.clone()
    });
    let Ok(spec) = asking.to_spec() else {
        return;
    };
    let Some(request) = metadata_request(&spec) else {
        return;
    };
    // Without a typed credential the request goes without it; an open server still answers.
    let headers = headers_to_send(&spec, &credential.get_untracked()).unwrap_or_default();
    spawn_local(async move {
        let Ok(response) = fetch::send(&request, &headers.headers, spec.timeout_ms).await else {
            return;
        };
        let found = (200..300)
            .contains(&response.status)
            .then(|| endpoints::input_tensor_from_metadata(&response.body))
            .flatten();
        if let Some((name, datatype)) = found {
            note.try_set(Some(format!(
                "Input tensor `{name}` ({datatype}), from the server's metadata."
            )));
            form.try_update(|f| f.use_input_tensor(name, datatype));
        }
    });
}

/// A labelled text input bound to one field of the form.
fn text_field(
    label: &'static str,
    test_id: &'static str,
    form: RwSignal<EndpointForm>,
    get: fn(&EndpointForm) -> String,
    set: fn(&mut EndpointForm, String),
) -> impl IntoView {
    view! {
        <label class="field">
            {label}
            <input
                type="text"
                data-testid=test_id
                prop:value=move || form.with(get)
                on:input=move |ev| form.update(|f| set(f, event_target_value(&ev)))
            />
        </label>
    }
}

/// Case `index`: its input and expectation, editable, and its last result.
fn case_row(
    index: usize,
    form: RwSignal<EndpointForm>,
    results: RwSignal<Vec<CaseResult>>,
) -> impl IntoView {
    let Some((name, feature_count, fields)) = form.with_untracked(|f| {
        f.cases.get(index).map(|c| {
            (
                c.name.clone(),
                f.features.len(),
                endpoints::fields(&c.expect),
            )
        })
    }) else {
        return ().into_any();
    };
    let error = RwSignal::new(None::<String>);
    let edit = move |change: Edit| {
        let mut outcome = Ok(());
        form.update(|f| {
            let features = f.features.len();
            if let Some(case) = f.cases.get_mut(index) {
                outcome = change(case, features);
            }
        });
        error.set(outcome.err());
    };
    let input_text = move || {
        form.with(|f| {
            f.cases
                .get(index)
                .map(endpoints::input_text)
                .unwrap_or_default()
        })
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
                    on:click=move |_| form.update(|f| f.remove_case(index))
                >
                    "Remove"
                </button>
            </header>
            <label class="field wide">
                {format!("Input ({feature_count} values, comma-separated)")}
                <input
                    type="text"
                    data-testid="case-input"
                    prop:value=input_text
                    on:change=move |ev| {
                        let text = event_target_value(&ev);
                        edit(Box::new(move |case, features| endpoints::set_input(case, features, &text)));
                    }
                />
            </label>
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
                    .map(|r| view! { <p class="case-summary" data-testid="case-summary">{r.outcome.summary}</p> })
            }}
        </article>
    }
    .into_any()
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
                    edit(Box::new(move |case, _| endpoints::set_field(&mut case.expect, field, &text)));
                }
            />
        </label>
    }
}

fn result_badges(result: CaseResult) -> impl IntoView {
    let label = session::verdict_label(result.outcome.verdict);
    let latency = result.outcome.latency_ms.map(|ms| format!("{ms:.0} ms"));
    view! {
        <span class=format!("verdict {}", label.to_lowercase()) data-testid="case-verdict">
            {label}
        </span>
        {result.runs_in_ci.then(|| view! { <span class="badge" data-testid="runs-in-ci">"Runs in CI"</span> })}
        {latency.map(|l| view! { <span class="muted" data-testid="case-latency">{l}</span> })}
    }
}
