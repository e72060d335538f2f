//! The page: data, model, checks, export. Components only wire signals to [`crate::session`].

use assay_engine::checks::{CheckOutcome, CheckSpec};
use assay_engine::data::Table;
use assay_engine::spec::Spec;
use leptos::prelude::*;

use crate::chart::LossCurve;
use crate::endpoints::EndpointForm;
use crate::endpoints_panel::EndpointsPanel;
use crate::review_panel::ReviewPanel;
use crate::samples::{self, SAMPLES, Sample};
use crate::session::{self, Authored};
use crate::{browser, download, review};

/// Rows shown in the data preview.
const PREVIEW_ROWS: usize = 8;

#[component]
pub fn App() -> impl IntoView {
    let (sample_id, set_sample_id) = signal(SAMPLES[0].id.to_owned());
    let sample = move || samples::by_id(&sample_id.get()).unwrap_or(&SAMPLES[0]);
    let (seed_text, set_seed_text) = signal("42".to_owned());
    let seed = move || session::parse_seed(&seed_text.get());
    let (outcome, set_outcome) = signal(None::<Result<Authored, String>>);
    let (export_error, set_export_error) = signal(None::<String>);
    let (copy_status, set_copy_status) = signal(None::<String>);
    let endpoint = RwSignal::new(EndpointForm::default());

    let run = move |_| {
        if let Ok(seed) = seed() {
            set_copy_status.set(None);
            set_outcome.set(Some(
                session::author(sample(), seed).map_err(|e| e.to_string()),
            ));
        }
    };
    // The last file exported, so an unchanged re-export gives the same bytes and a changed one
    // the next revision.
    let (last_export, set_last_export) = signal(None::<Spec>);
    let export = move |_| {
        let revised = outcome.with_untracked(|o| match o {
            Some(Ok(authored)) => Ok(endpoint
                .with_untracked(|form| with_endpoints(authored, form))?
                .revise(
                    last_export.get_untracked().as_ref(),
                    &session::now_rfc3339(),
                )),
            _ => Err("Run the checks before exporting.".to_owned()),
        });
        let saved = revised.and_then(|spec| {
            // The same rules the CLI applies: among them, no literal credential in a header.
            spec.validate()
                .map_err(|e| format!("This spec cannot be exported: {e}"))?;
            download::save_text(
                &format!("{}.assay.json", sample_id.get_untracked()),
                "application/json",
                &spec.to_json(),
            )?;
            set_last_export.set(Some(spec));
            Ok(())
        });
        set_export_error.set(saved.err());
    };
    let has_result = move || outcome.with(|o| matches!(o, Some(Ok(_))));
    // Packing the spec costs a deflate, so only once asked; afterwards it follows every run.
    let (share_asked, set_share_asked) = signal(false);
    let share_link = Memo::new(move |_| {
        if !share_asked.get() {
            return None;
        }
        outcome.with(|o| match o {
            Some(Ok(authored)) => Some(
                endpoint
                    .with(|form| with_endpoints(authored, form))
                    .and_then(|spec| review::share_link(&browser::page_address(), &spec)),
            ),
            _ => None,
        })
    });
    let copy_link = move |_| {
        set_share_asked.set(true);
        if let Some(Ok(link)) = share_link.get_untracked() {
            leptos::task::spawn_local(async move {
                set_copy_status.set(Some(match browser::copy_text(&link).await {
                    Ok(()) => "Link copied to the clipboard.".to_owned(),
                    Err(e) => format!("Not copied ({e}): select the link below and copy it."),
                }));
            });
        }
    };

    // Opened from a share link, the page is the reviewer's first; otherwise the author's.
    let initial_hash = browser::location_hash();
    let from_link = review::is_share_link(&initial_hash);
    let review = view! { <ReviewPanel initial_hash=initial_hash /> };
    let (review_first, review_last) = if from_link {
        (Some(review), None)
    } else {
        (None, Some(review))
    };

    view! {
        <header class="masthead">
            <h1>"Assay"</h1>
            <p>"Tests for machine-learning models: prove them here, replay them in CI, bit for bit."</p>
        </header>
        <main>
            {review_first}
            <section class="panel" aria-labelledby="data-heading">
                <h2 id="data-heading">"1 · Data"</h2>
                <label class="field">
                    "Sample dataset"
                    <select
                        data-testid="sample"
                        on:change=move |ev| {
                            set_sample_id.set(event_target_value(&ev));
                            set_outcome.set(None);
                            endpoint.update(EndpointForm::clear_cases);
                        }
                    >
                        {SAMPLES
                            .iter()
                            .map(|s| {
                                view! {
                                    <option value=s.id selected=move || sample_id.get() == s.id>
                                        {s.title}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                <p class="muted">{move || sample().description}</p>
                {move || data_preview(sample())}
            </section>

            <section class="panel" aria-labelledby="model-heading">
                <h2 id="model-heading">"2 · Model"</h2>
                <p>
                    <strong>{move || sample().model.label()}</strong>
                    {move || format!(" predicting `{}`, trained by seeded mini-batch gradient descent.", sample().target)}
                </p>
                <label class="field">
                    "Seed"
                    <input
                        data-testid="seed"
                        type="text"
                        inputmode="numeric"
                        prop:value=seed_text
                        on:input=move |ev| {
                            set_seed_text.set(event_target_value(&ev));
                            set_outcome.set(None);
                        }
                    />
                </label>
                {move || seed().err().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                <button
                    class="primary"
                    data-testid="run"
                    on:click=run
                    disabled=move || seed().is_err()
                >
                    "Run"
                </button>
            </section>

            <section class="panel" aria-labelledby="checks-heading" aria-live="polite">
                <h2 id="checks-heading">"3 · Checks"</h2>
                {move || {
                    outcome
                        .with(|o| match o {
                            None => {
                                view! {
                                    <p class="muted">
                                        "Press Run to train the model and run the checks."
                                    </p>
                                }
                                    .into_any()
                            }
                            Some(Err(message)) => alert(message, "error").into_any(),
                            Some(Ok(authored)) => results(authored).into_any(),
                        })
                }}
            </section>

            <EndpointsPanel form=endpoint outcome=outcome csv=Signal::derive(move || sample().csv) />

            <section class="panel" aria-labelledby="export-heading">
                <h2 id="export-heading">"5 · Export"</h2>
                <p class="muted">
                    "The spec holds the data, the settings and the recorded results. In CI, "
                    <code>"assay run spec.json"</code>
                    " replays it and fails if anything differs."
                </p>
                <button data-testid="export" on:click=export disabled=move || !has_result()>
                    "Export spec"
                </button>
                {move || export_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <p class="muted">
                    "Or send a link: it holds the whole spec after its #, so the spec never reaches a server."
                </p>
                <button data-testid="copy-share-link" on:click=copy_link disabled=move || !has_result()>
                    "Copy share link"
                </button>
                {move || {
                    share_link
                        .get()
                        .map(|link| match link {
                            Ok(link) => {
                                view! {
                                    <label class="field share">
                                        "Share link"
                                        <input type="text" readonly data-testid="share-link" prop:value=link />
                                    </label>
                                    {move || copy_status.get().map(|s| view! { <p role="status">{s}</p> })}
                                }
                                    .into_any()
                            }
                            Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                        })
                }}
            </section>
            {review_last}
        </main>
    }
}

/// An error in words, announced to screen readers; `test_id` lets tests find it.
pub(crate) fn alert(message: &str, test_id: &'static str) -> impl IntoView {
    view! {
        <p class="error" role="alert" data-testid=test_id>
            {message.to_owned()}
        </p>
    }
}

fn data_preview(sample: &'static Sample) -> impl IntoView {
    match Table::parse_csv(sample.csv) {
        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        Ok(table) => {
            let shape = format!(
                "{} rows × {} columns",
                table.rows.len(),
                table.headers.len()
            );
            view! {
                <p class="muted" data-testid="data-shape">{shape}</p>
                <div class="table-scroll" tabindex="0" aria-label="Data preview">
                    <table data-testid="data-table">
                        <thead>
                            <tr>
                                {table
                                    .headers
                                    .iter()
                                    .map(|h| {
                                        let class = (h == sample.target).then_some("target");
                                        view! { <th class=class>{h.clone()}</th> }
                                    })
                                    .collect_view()}
                            </tr>
                        </thead>
                        <tbody>
                            {table
                                .rows
                                .iter()
                                .take(PREVIEW_ROWS)
                                .map(|row| {
                                    view! {
                                        <tr>
                                            {row
                                                .iter()
                                                .map(|cell| view! { <td>{cell.clone()}</td> })
                                                .collect_view()}
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any()
        }
    }
}

fn results(authored: &Authored) -> impl IntoView {
    let fingerprint = authored.run.parameter_fingerprint.clone();
    view! {
        <p>
            "Model parameter fingerprint (SHA-256 of every parameter's bits): "
            <code class="fingerprint" data-testid="fingerprint">{fingerprint}</code>
        </p>
        {authored
            .spec
            .checks
            .iter()
            .zip(&authored.run.checks)
            .map(|(spec, outcome)| check_card(spec, outcome))
            .collect_view()}
    }
}

fn check_card(spec: &CheckSpec, outcome: &CheckOutcome) -> impl IntoView {
    let guide = spec.guide();
    let label = session::verdict_label(outcome.verdict);
    let class = format!("verdict {}", label.to_lowercase());
    view! {
        <article class="check" data-testid=format!("check-{}", outcome.check)>
            <header>
                <span class=class data-testid="verdict">{label}</span>
                <h3>{guide.title}</h3>
            </header>
            <p>{outcome.summary.clone()}</p>
            <dl class="metrics">
                {outcome
                    .metrics
                    .iter()
                    .map(|m| view! { <dt>{m.name.replace('_', " ")}</dt> <dd>{format!("{:.6}", m.value)}</dd> })
                    .collect_view()}
            </dl>
            {(!outcome.loss_curve.is_empty()).then(|| view! { <LossCurve values=outcome.loss_curve.clone() /> })}
            <details>
                <summary>"Why this matters"</summary>
                <p>{guide.why}</p>
                <p><strong>"If it fails: "</strong>{guide.when_it_fails}</p>
                <p class="muted">"Source: " {guide.source}</p>
            </details>
        </article>
    }
}

/// What export and the share link both carry: the authored spec with the endpoint, once it has
/// cases. The credential's value is never part of the form, so it cannot come along.
fn with_endpoints(authored: &Authored, form: &EndpointForm) -> Result<Spec, String> {
    let mut spec = authored.spec.clone();
    spec.endpoints = form.exported()?;
    Ok(spec)
}
