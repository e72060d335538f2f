//! The reviewer's panel: open a spec (file, drop, share link), replay it, show the comparison.
//! Components only wire signals to [`crate::logic::review`]; every string is rendered as text.

use leptos::either::EitherOf3;
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::files::{self, PickedFile};
use crate::browser::page;
use crate::logic::draft::Draft;
use crate::logic::review::{self, Group, MatchMarks, Opened, Report};
use crate::panels::data::confirm_replacing;
use crate::state::job::{Ended, Runner};
use crate::state::workbench::Workbench;
use crate::widgets::alert::alert;
use crate::widgets::chart::ProgressBar;
use crate::widgets::file_drop::{DropZone, file_drop};
use crate::widgets::words::sentence;

#[component]
pub fn ReviewPanel(
    /// `location.hash` at start-up: a share link there is opened at once.
    initial_hash: String,
) -> impl IntoView {
    let startup = review::is_share_link(&initial_hash).then(|| review::open_link(&initial_hash));
    let opened = RwSignal::new(startup);
    let report = RwSignal::new(None::<Result<Report, String>>);

    let show = move |result: Result<Opened, String>| {
        report.set(None);
        opened.set(Some(result));
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
            show(review::open_link(&hash));
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
    // The replay trains and checks like the author's run: in slices, with progress and Cancel.
    let runner = Runner::new();
    let replaying = move || runner.is_running();
    let replay = move |_| {
        let started = opened.with_untracked(|o| match o {
            Some(Ok(opened)) => opened.start_replay(),
            _ => Err("Open a spec first.".into()),
        });
        let stepper = match started {
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
                        opened.with_untracked(|o| match o {
                            Some(Ok(opened)) => opened.report(&run),
                            _ => Err("The spec was closed during the replay.".into()),
                        })
                    }
                    Ended::Cancelled => {
                        Err("Replay cancelled; press Replay to start again.".into())
                    }
                }));
            },
        );
    };

    // The spec becomes the draft, and the next export its next revision.
    let wb = expect_context::<Workbench>();
    let edit = move |_| {
        let draft = opened.with_untracked(|o| match o {
            Some(Ok(opened)) => Draft::from_spec(&opened.spec),
            _ => Err("Open a spec first.".into()),
        });
        match draft {
            Ok(draft) => {
                if confirm_replacing(&wb) {
                    wb.replace_draft(draft);
                    page::scroll_to("data");
                }
            }
            Err(e) => report.set(Some(Err(e))),
        }
    };

    view! {
            <section class="panel wide" id="review" aria-labelledby="review-heading">
                <h2 id="review-heading">"Review a spec"</h2>
                <p class="muted">
                    "Open a spec someone sent you, replay it here and see whether it reproduces. "
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
                {move || {
                    opened
                        .with(|o| match o {
                            None => EitherOf3::A(()),
                            Some(Err(message)) => {
    EitherOf3::B(alert(message, "review-error"))
                            }
                            Some(Ok(opened)) => {
                                let blocked = opened.cannot_replay();
                                let disabled = blocked.is_some();
                                EitherOf3::C(view! {
                                    <dl class="facts" data-testid="review-spec">
                                        {opened
                                            .facts()
                                            .into_iter()
                                            .map(|(label, value)| view! { <dt>{label}</dt> <dd>{sentence(&value)}</dd> })
                                            .collect_view()}
                                    </dl>
                                    {blocked.map(|reason| view! { <p class="note" data-testid="cannot-replay">{sentence(&reason)}</p> })}
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
                                    <button data-testid="edit-in-workbench" on:click=edit>
                                        "Continue editing in the workbench"
                                    </button>
                                })
                            }
                        })
                }}
                <div aria-live="polite">
                    {move || {
                        report
                            .with(|r| match r {
                                None => EitherOf3::A(()),
                                Some(Err(message)) => {
    EitherOf3::B(alert(message, "review-error"))
                                }
                                Some(Ok(report)) => EitherOf3::C(comparison(report)),
                            })
                    }}
                </div>
            </section>
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
