//! The reviewer's page: a spec opened from a file, a drop or a share link, shown in words (its
//! description, data, model, checks and endpoint cases), replayed, and compared.
//! Components only wire signals to [`crate::logic::review`]; every string is rendered as text.

use leptos::either::{Either, EitherOf3};
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::files::{self, PickedFile};
use crate::browser::page;
use crate::logic::draft::Draft;
use crate::logic::review::{self, EndpointInWords, Group, MatchMarks, Opened, Report};
use crate::panels::data::confirm_replacing;
use crate::state::job::{Ended, Runner};
use crate::state::workbench::Workbench;
use crate::widgets::alert::alert;
use crate::widgets::chart::ProgressBar;
use crate::widgets::file_drop::{DropZone, file_drop};
use crate::widgets::words::sentence;

/// What the page shows: the author's workbench (`None`), or the reviewer's page for a spec
/// opened from a file or a share link, or why a share link could not be opened.
#[derive(Debug, Clone, Copy)]
pub struct Reviewing(RwSignal<Option<Result<Opened, String>>>);

impl Reviewing {
    /// Opens the share link in `hash` (`location.hash` at start-up), if it is one.
    pub fn new(hash: &str) -> Self {
        Self(RwSignal::new(
            review::is_share_link(hash).then(|| review::open_link(hash)),
        ))
    }

    /// Whether the reviewer's page is shown (the workbench is then hidden, kept as it was).
    pub fn is_open(self) -> bool {
        self.0.with(Option::is_some)
    }

    fn open(self, opened: Result<Opened, String>) {
        self.0.set(Some(opened));
        page::scroll_to("review-page");
    }

    fn close(self) {
        self.0.set(None);
    }
}

/// The workbench's way into the reviewer's page: open a spec file, drop one, or paste a link.
/// A file that is no spec is explained here, and the author's draft stays on screen.
#[component]
pub fn ReviewOpener(reviewing: Reviewing) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let show = move |result: Result<Opened, String>| match result {
        Ok(opened) => {
            error.set(None);
            reviewing.open(Ok(opened));
        }
        Err(e) => error.set(Some(e)),
    };
    let open_file = move |file: PickedFile| {
        if let Err(e) = review::check_file_size(file.size()) {
            show(Err(e));
            return;
        }
        spawn_local(async move {
            let text = file.read_text().await;
            show(text.and_then(|text| review::open_file(&file.name(), &text)));
        });
    };
    // A link pasted into this tab changes only the fragment, so the page does not reload.
    let listener = window_event_listener(ev::hashchange, move |_| {
        let hash = page::location_hash();
        if review::is_share_link(&hash) {
            reviewing.open(review::open_link(&hash));
        }
    });
    // A file dropped beside the zone would make the browser leave the app to show the file.
    let stray_drop = move |ev: ev::DragEvent| {
        if files::carries_files(&ev) {
            ev.prevent_default();
        }
    };
    let listeners = [
        listener,
        window_event_listener(ev::dragover, stray_drop),
        window_event_listener(ev::drop, stray_drop),
    ];
    on_cleanup(move || listeners.into_iter().for_each(|l| l.remove()));

    let on_file = move |file: Option<PickedFile>| match file {
        Some(file) => open_file(file),
        None => show(Err("Drop a spec file (`.json`) here.".into())),
    };
    view! {
        <section class="panel wide" id="review" aria-labelledby="review-heading">
            <h2 id="review-heading">"Review a spec"</h2>
            <p class="muted">
                "Open a spec someone sent you: it opens on a page of its own, where you can replay it and see whether it reproduces. "
                "Nothing is uploaded: a share link carries the spec after its #, which browsers never send."
            </p>
            {file_drop(
                DropZone {
                    test_id: "drop-zone",
                    label: "Open spec",
                    input_test_id: "open-spec",
                    accept: ".json,application/json",
                    hint: Some("…or drop a spec file here."),
                },
                (),
                on_file,
            )}
            {move || error.get().map(|message| alert(&message, "review-error"))}
        </section>
    }
}

/// The reviewer's page: what the spec tests, in words, and its replay beside the recording.
/// No workbench chrome; "Continue editing" moves the spec into the workbench, "Back" leaves the
/// author's draft as it was.
#[component]
pub fn ReviewPage(reviewing: Reviewing) -> impl IntoView {
    let wb = expect_context::<Workbench>();
    let edit_error = RwSignal::new(None::<String>);
    let can_edit = move || reviewing.0.with(|o| matches!(o, Some(Ok(_))));
    // The spec becomes the draft, and the next export its next revision.
    let edit = move |_| {
        let draft = reviewing.0.with_untracked(|o| match o {
            Some(Ok(opened)) => Draft::from_spec(&opened.spec),
            _ => Err("There is no spec to edit.".into()),
        });
        match draft {
            Ok(draft) => {
                if confirm_replacing(&wb) {
                    wb.replace_draft(draft);
                    reviewing.close();
                    page::scroll_to("data");
                }
            }
            Err(e) => edit_error.set(Some(e)),
        }
    };
    view! {
        <header class="masthead">
            <div class="masthead-row">
                <div>
                    <p class="masthead-title">"Assay · review"</p>
                    <p>"A spec someone sent you: what it tests, and whether it reproduces here."</p>
                </div>
                <div class="actions">
                    {move || can_edit().then(|| view! {
                        <button class="quiet" data-testid="edit-in-workbench" on:click=edit>
                            "Continue editing"
                        </button>
                    })}
                    <button class="quiet" data-testid="back-to-workbench" on:click=move |_| reviewing.close()>
                        "Back to the workbench"
                    </button>
                </div>
            </div>
        </header>
        {move || edit_error.get().map(|e| alert(&e, "edit-error"))}
        <main id="review-page" data-testid="review-page">
            {move || {
                reviewing
                    .0
                    .get()
                    .map(|opened| match opened {
                        Ok(opened) => Either::Left(spec_page(opened)),
                        Err(message) => Either::Right(view! {
                            <section class="panel wide" aria-labelledby="review-heading">
                                <h1 id="review-heading">"This link cannot be opened"</h1>
                                {alert(&message, "review-error")}
                            </section>
                        }),
                    })
            }}
        </main>
    }
}

fn spec_page(opened: Opened) -> impl IntoView {
    let blocked = opened.cannot_replay();
    let name = review::clip(&opened.spec.name);
    let description = opened.description();
    let facts = opened.facts();
    let revision = opened.revision();
    let history = opened.history();
    let dataset = opened.dataset();
    let settings = opened.settings();
    let checks = opened.checks();
    let endpoints = opened.endpoints();
    let opened = StoredValue::new(opened);
    let report = RwSignal::new(None::<Result<Report, String>>);

    // The replay trains and checks like the author's run: in slices, with progress and Cancel.
    let runner = Runner::new();
    let replaying = move || runner.is_running();
    let replay = move |_| {
        let stepper = match opened.with_value(Opened::start_replay) {
            Ok(stepper) => stepper,
            Err(e) => {
                report.set(Some(Err(e)));
                return;
            }
        };
        report.set(None);
        runner.start(
            stepper,
            |_| {},
            move |ended, _| {
                report.set(Some(match ended {
                    Ended::Done(stepper) => {
                        let run = stepper.finish();
                        opened.with_value(|o| o.report(&run))
                    }
                    Ended::Cancelled => {
                        Err("Replay cancelled; press Replay to start again.".into())
                    }
                }));
            },
        );
    };

    let disabled = blocked.is_some();

    view! {
        <section class="panel wide" aria-labelledby="review-heading">
            <h1 id="review-heading" data-testid="review-name">{name}</h1>
            {match description {
                Some(text) => Either::Left(view! { <p class="description" data-testid="review-description">{text}</p> }),
                None => Either::Right(view! { <p class="muted" data-testid="review-description">"The author wrote no description."</p> }),
            }}
            {fact_list(facts, "review-spec")}
            {fact_list(revision, "review-revision")}
            {(!history.is_empty()).then(|| view! {
                <h2>"Earlier revisions"</h2>
                <ul data-testid="review-history">{history.into_iter().map(|h| view! { <li>{h}</li> }).collect_view()}</ul>
            })}
        </section>
        <section class="panel" aria-labelledby="review-data-heading">
            <h2 id="review-data-heading">"Data"</h2>
            {fact_list(dataset, "review-dataset")}
        </section>
        <section class="panel" aria-labelledby="review-model-heading">
            <h2 id="review-model-heading">"Model and training"</h2>
            <dl class="facts" data-testid="review-settings">
                {settings.into_iter().map(|(label, value)| view! { <dt>{label}</dt> <dd>{value}</dd> }).collect_view()}
            </dl>
        </section>
        <section class="panel wide" aria-labelledby="review-checks-heading">
            <h2 id="review-checks-heading">{format!("Checks ({})", checks.len())}</h2>
            <ol class="review-checks" data-testid="review-checks">
                {checks
                    .into_iter()
                    .map(|c| view! {
                        <li>
                            <strong>{c.title}</strong>
                            ": " {c.settings}
                            {c.recorded.map(|v| format!(" (recorded: {v})"))}
                        </li>
                    })
                    .collect_view()}
            </ol>
        </section>
        <section class="panel wide" aria-labelledby="replay-heading">
            <h2 id="replay-heading">"Replay"</h2>
            <p class="muted">"Trains and checks the spec again, here, and sets each result beside the author's."</p>
            {blocked.map(|reason| view! { <p class="note" data-testid="cannot-replay">{sentence(&reason)}</p> })}
            <div class="actions">
                <button
                    class="primary"
                    data-testid="replay"
                    on:click=replay
                    disabled=move || disabled || replaying()
                >
                    {move || if replaying() { "Replaying…" } else { "Replay" }}
                </button>
                {move || runner.progress().map(|p| view! {
                    <ProgressBar done=Signal::derive(move || p.done) total=Signal::derive(move || p.total) label="Replay".to_owned() />
                    <button data-testid="cancel-replay" on:click=move |_| runner.cancel()>"Cancel"</button>
                })}
            </div>
            <div aria-live="polite">
                {move || {
                    report
                        .with(|r| match r {
                            None => EitherOf3::A(()),
                            Some(Err(message)) => EitherOf3::B(alert(message, "review-error")),
                            Some(Ok(report)) => EitherOf3::C(comparison(report)),
                        })
                }}
            </div>
        </section>
        {(!endpoints.is_empty()).then(|| view! {
            <section class="panel wide" aria-labelledby="review-endpoints-heading" data-testid="review-endpoints">
                <h2 id="review-endpoints-heading">"Endpoint cases"</h2>
                {endpoints.into_iter().map(endpoint_cases).collect_view()}
            </section>
        })}
    }
}

/// Label and value pairs as a definition list.
fn fact_list(facts: Vec<(&'static str, String)>, test_id: &'static str) -> impl IntoView + use<> {
    view! {
        <dl class="facts" data-testid=test_id>
            {facts.into_iter().map(|(label, value)| view! { <dt>{label}</dt> <dd>{value}</dd> }).collect_view()}
        </dl>
    }
}

/// An endpoint's cases side by side: one column per case, its expected answer, then one row
/// per feature with the value the case sends.
fn endpoint_cases(endpoint: EndpointInWords) -> impl IntoView + use<> {
    let features: Vec<String> = endpoint
        .cases
        .first()
        .map(|c| c.inputs.iter().map(|(f, _)| f.clone()).collect())
        .unwrap_or_default();
    let caption = format!("{} at {}", endpoint.name, endpoint.address);
    let cases = endpoint.cases;
    view! {
        <div class="comparison-scroll" tabindex="0" aria-label=caption.clone()>
            <table class="comparison">
                <caption>{caption.clone()}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Case"</th>
                        {cases.iter().map(|c| view! { <th scope="col">{c.name.clone()}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    <tr>
                        <th scope="row">"Expected answer"</th>
                        {cases.iter().map(|c| view! { <td>{c.expected.clone()}</td> }).collect_view()}
                    </tr>
                    {features
                        .into_iter()
                        .enumerate()
                        .map(|(i, feature)| view! {
                            <tr>
                                <th scope="row">{feature}</th>
                                {cases
                                    .iter()
                                    .map(|c| view! { <td>{c.inputs.get(i).map(|(_, v)| v.clone()).unwrap_or_default()}</td> })
                                    .collect_view()}
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

fn comparison(report: &Report) -> impl IntoView + use<> {
    let reproduction = report.reproduction;
    let (passed, ran) = report.passed;
    view! {
        <p class=format!("reproduction {}", reproduction.class()) data-testid="replay-verdict">
            {reproduction.label()}
        </p>
        <p>{reproduction.explanation()} {format!(" In the replay, {passed} of {ran} checks pass.")}</p>
        <div class="comparison-scroll" tabindex="0" aria-label="Recorded and replayed results">
            <table class="comparison" data-testid="comparison">
                <caption>"Recorded by the author, replayed here"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Measure"</th>
                        <th scope="col">"Recorded"</th>
                        <th scope="col">"Replayed"</th>
                        <th scope="col">"Match"</th>
                    </tr>
                </thead>
                {report.groups.iter().map(group_rows).collect_view()}
            </table>
        </div>
        {(!report.differences.is_empty())
            .then(|| {
                view! {
                    <details>
                        <summary>"Every difference, with exact bits"</summary>
                        <ul class="differences">
                            {report
                                .differences
                                .iter()
                                .map(|d| {
                                    view! {
                                        <li>
                                            <strong>{review::clip(&d.item)}</strong>
                                            ": recorded " <code>{review::clip(&d.recorded.to_string())}</code>
                                            ", replayed " <code>{review::clip(&d.replayed.to_string())}</code>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    </details>
                }
            })}
    }
}

fn group_rows(group: &Group) -> impl IntoView + use<> {
    view! {
        <tbody>
            <tr class="group">
                <th colspan="4" scope="rowgroup">{group.title.clone()}</th>
            </tr>
            {group
                .rows
                .iter()
                .map(|row| {
                    view! {
                        <tr class=row.status.class()>
                            <th scope="row">{row.item.clone()}</th>
                            <td>{row.recorded.clone()}</td>
                            <td>{row.replayed.clone()}</td>
                            <td class="match">{row.status.marker()}</td>
                        </tr>
                    }
                })
                .collect_view()}
        </tbody>
    }
}
