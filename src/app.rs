//! The page: data, model, checks, export. Components only wire signals to [`crate::session`].

use assay_engine::checks::{CheckOutcome, CheckSpec, Verdict};
use assay_engine::data::Table;
use assay_engine::spec::Spec;
use leptos::prelude::*;

use crate::chart::LossCurve;
use crate::download;
use crate::samples::{self, SAMPLES, Sample};
use crate::session::{self, Authored};

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

    let run = move |_| {
        if let Ok(seed) = seed() {
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
            Some(Ok(authored)) => Ok(authored.spec.clone().revise(
                last_export.get_untracked().as_ref(),
                &session::now_rfc3339(),
            )),
            _ => Err("Run the checks before exporting.".to_owned()),
        });
        let saved = revised.and_then(|spec| {
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

    view! {
        <header class="masthead">
            <h1>"Assay"</h1>
            <p>"Tests for machine-learning models: prove them here, replay them in CI, bit for bit."</p>
        </header>
        <main>
            <section class="panel" aria-labelledby="data-heading">
                <h2 id="data-heading">"1 · Data"</h2>
                <label class="field">
                    "Sample dataset"
                    <select
                        data-testid="sample"
                        on:change=move |ev| {
                            set_sample_id.set(event_target_value(&ev));
                            set_outcome.set(None);
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
                            Some(Err(message)) => {
                                view! {
                                    <p class="error" role="alert" data-testid="error">
                                        {message.clone()}
                                    </p>
                                }
                                    .into_any()
                            }
                            Some(Ok(authored)) => results(authored).into_any(),
                        })
                }}
            </section>

            <section class="panel" aria-labelledby="export-heading">
                <h2 id="export-heading">"4 · Export"</h2>
                <p class="muted">
                    "The spec holds the data, the settings and the recorded results. In CI, "
                    <code>"assay run spec.json"</code>
                    " replays it and fails if anything differs."
                </p>
                <button data-testid="export" on:click=export disabled=move || !has_result()>
                    "Export spec"
                </button>
                {move || export_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            </section>
        </main>
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
    let (label, class) = match outcome.verdict {
        Verdict::Pass => ("Pass", "verdict pass"),
        Verdict::Fail => ("Fail", "verdict fail"),
        Verdict::Error => ("Error", "verdict error"),
    };
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
