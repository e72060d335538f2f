//! The Data panel: a sample or an uploaded CSV, a preview, a profile of every column, and the
//! choice of target, task and column kinds.

use assay_engine::data::{ColumnProfile, Table, profile};
use leptos::either::Either;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::files::PickedFile;
use crate::browser::page;
use crate::logic::draft::{self, Draft, KINDS, TASKS};
use crate::logic::samples::SAMPLES;
use crate::panels::preparation::Preparation;
use crate::state::workbench::Workbench;
use crate::widgets::alert::alert;
use crate::widgets::chart::Histogram;
use crate::widgets::choice::choice;
use crate::widgets::file_drop::{DropZone, file_drop};
use crate::widgets::heading::panel_heading;

/// Rows shown in the data preview.
const PREVIEW_ROWS: usize = 8;

#[component]
pub fn DataPanel() -> impl IntoView {
    let wb = expect_context::<Workbench>();
    let upload_error = RwSignal::new(None::<String>);

    let open_file = move |file: PickedFile| {
        let name = file.name();
        // Refused before reading, so a huge file never reaches memory.
        if let Some(refusal) = draft::too_large(&name, file.size()) {
            upload_error.set(Some(refusal));
            return;
        }
        spawn_local(async move {
            let opened = file
                .read_text()
                .await
                .and_then(|text| Draft::from_upload(&name, &text));
            match opened {
                Ok(draft) => {
                    if confirm_replacing(&wb) {
                        upload_error.set(None);
                        wb.replace_draft(draft);
                    }
                }
                Err(e) => {
                    // The engine's CSV errors end without a full stop.
                    let stop = if e.ends_with('.') { "" } else { "." };
                    upload_error.set(Some(format!(
                        "{e}{stop} Nothing was changed: fix the file and open it again."
                    )));
                }
            }
        });
    };
    let choose_sample = move |ev: leptos::ev::Event| {
        let id = event_target_value(&ev);
        let Some(sample) = SAMPLES.iter().find(|s| s.id == id) else {
            return;
        };
        if confirm_replacing(&wb) {
            upload_error.set(None);
            wb.replace_draft(Draft::from_sample(sample));
        } else {
            // Put the select back on the draft's data.
            page::set_select_value(&ev, &current_sample_id(&wb));
        }
    };

    view! {
        <section class="panel wide" id="data" aria-labelledby="data-heading">
            {panel_heading("data-heading", "1 · Data", Signal::derive(move || wb.data_status()))}
            {file_drop(
                DropZone {
                    test_id: "data-drop-zone",
                    label: "Or open a CSV file (or drop it here)",
                    input_test_id: "upload",
                    accept: ".csv,.tsv,.txt,text/csv",
                    hint: None,
                },
                view! {
                    <label class="field">
                        "Sample dataset"
                        <select data-testid="sample" on:change=choose_sample>
                            {choice("", "(your file)", Signal::derive(move || wb.draft.with(|d| d.sample().is_none())))}
                            {SAMPLES
                                .iter()
                                .map(|s| {
                                    let selected = Signal::derive(move || wb.draft.with(|d| d.sample().is_some_and(|x| x.id == s.id)));
                                    choice(s.id, s.title, selected)
                                })
                                .collect_view()}
                        </select>
                    </label>
                },
                move |file| {
                    if let Some(file) = file {
                        open_file(file);
                    }
                },
            )}
            {move || upload_error.get().map(|e| alert(&e, "upload-error"))}
            <p class="muted">
                {move || {
                    wb.draft
                        .with(|d| match d.sample() {
                            Some(s) => s.description.to_owned(),
                            None => format!("Your file “{}”, kept in this browser only.", d.file_name()),
                        })
                }}
            </p>
            // `Either`, not `AnyView`: the same DOM for less code (see README, Bundle size).
            {move || {
                wb.table
                    .with(|table| match table {
                        Err(e) => Either::Left(alert(e, "data-error")),
                        Ok(table) => Either::Right(view! { <DataDetails table=table.clone() /> }),
                    })
            }}
        </section>
    }
}

/// The sample the draft is on, or "" for an uploaded file.
fn current_sample_id(wb: &Workbench) -> String {
    wb.draft
        .with_untracked(|d| d.sample().map(|s| s.id.to_owned()).unwrap_or_default())
}

/// Whether the user agrees to replace the draft; nothing to lose means no question.
pub fn confirm_replacing(wb: &Workbench) -> bool {
    let pristine = wb.draft.with_untracked(|d| match d.sample() {
        Some(sample) => {
            let mut fresh = Draft::from_sample(sample);
            fresh.previous.clone_from(&d.previous);
            *d == fresh
        }
        None => false,
    });
    pristine
        || page::confirm(
            "Replace the current draft? Its data, settings and checks will be discarded. \
             Export it first to keep it.",
        )
}

#[component]
fn DataDetails(table: Table) -> impl IntoView {
    let wb = expect_context::<Workbench>();
    let shape = format!(
        "{} rows × {} columns",
        table.row_count(),
        table.headers.len()
    );
    let headers = table.headers.clone();
    let table = StoredValue::new(table);
    // Profiling reads every cell: only a change of column kinds calls for it again.
    let schema = Memo::new(move |_| table.with_value(|t| wb.draft.with(|d| d.schema(t))));
    let profiles = Memo::new(move |_| schema.with(|s| table.with_value(|t| profile(t, s))));
    let target = move || wb.draft.with(|d| d.preprocessing.target.clone());
    let set_target = move |ev: leptos::ev::Event| {
        let name = event_target_value(&ev);
        table.with_value(|t| wb.draft.update(|d| d.set_target(t, &name)));
    };
    let set_task = move |ev: leptos::ev::Event| {
        let id = event_target_value(&ev);
        if let Some(task) = TASKS.into_iter().find(|t| task_id(*t) == id) {
            table.with_value(|t| wb.draft.update(|d| d.set_task(t, task)));
        }
    };
    view! {
        <p class="muted" data-testid="data-shape">{shape}</p>
        <div class="field-row">
            <label class="field">
                "Target (the column to predict)"
                <select data-testid="target" on:change=set_target>
                    {headers
                        .iter()
                        .map(|h| {
                            let name = h.clone();
                            choice(h.clone(), h.clone(), Signal::derive(move || target() == name))
                        })
                        .collect_view()}
                </select>
            </label>
            <label class="field">
                "Task"
                <select data-testid="task" on:change=set_task>
                    {TASKS
                        .into_iter()
                        .map(|task| {
                            let selected = Signal::derive(move || wb.draft.with(|d| d.preprocessing.task == task));
                            choice(task_id(task), draft::task_label(task), selected)
                        })
                        .collect_view()}
                </select>
            </label>
        </div>
        <h3>"Preview"</h3>
        <div class="table-scroll" tabindex="0" role="region" aria-label="Data preview">
            <table data-testid="data-table">
                <thead>
                    <tr>
                        {headers
                            .iter()
                            .map(|h| {
                                let name = h.clone();
                                view! { <th class:target=move || target() == name>{h.clone()}</th> }
                            })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {table
                        .with_value(|t| {
                            t.rows()
                                .take(PREVIEW_ROWS)
                                .map(|row| {
                                    view! {
                                        <tr>
                                            {row.cells().map(|cell| view! { <td>{cell.to_owned()}</td> }).collect_view()}
                                        </tr>
                                    }
                                })
                                .collect_view()
                        })}
                </tbody>
            </table>
        </div>
        <h3>"Columns"</h3>
        <p class="muted">
            "How each column is read. Numbers are standardised, categories one-hot encoded, dates turned into days, month and weekday, and identifiers and ignored columns left out: a value that differs on every row teaches a model nothing."
        </p>
        <div class="table-scroll" tabindex="0" role="region" aria-label="Column profile">
            <table class="profile" data-testid="profile">
                <thead>
                    <tr>
                        <th scope="col">"Column"</th>
                        <th scope="col">"Read as"</th>
                        <th scope="col">"Missing"</th>
                        <th scope="col">"Distinct"</th>
                        <th scope="col">"Min / mean / max"</th>
                        <th scope="col">"Distribution"</th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=move || profiles.get()
                        key=|p| (p.name.clone(), p.kind)
                        children=move |p| view! { <ProfileRow profile=p table=table /> }
                    />
                </tbody>
            </table>
        </div>
        <Preparation table=table />
    }
}

#[component]
fn ProfileRow(profile: ColumnProfile, table: StoredValue<Table>) -> impl IntoView {
    let wb = expect_context::<Workbench>();
    let name = profile.name.clone();
    let is_target = {
        let name = name.clone();
        move || wb.draft.with(|d| d.preprocessing.target == name)
    };
    let set_kind = {
        let name = name.clone();
        move |ev: leptos::ev::Event| {
            let id = event_target_value(&ev);
            if let Some(kind) = KINDS.into_iter().find(|k| kind_id(*k) == id) {
                table.with_value(|t| wb.draft.update(|d| d.set_column_kind(t, &name, kind)));
            }
        }
    };
    let numbers = match (profile.min, profile.mean, profile.max) {
        (Some(min), Some(mean), Some(max)) => format!("{min:.4} / {mean:.4} / {max:.4}"),
        _ => "–".to_owned(),
    };
    // Rows live in a `<For>` and are never rebuilt: `Either`, unlike `AnyView`, compiles no
    // rebuild for them.
    let distribution = if profile.histogram.is_empty() {
        let top: Vec<String> = profile
            .top_categories
            .iter()
            .take(3)
            .map(|c| format!("{} ({})", c.value, c.count))
            .collect();
        Either::Left(view! { <span class="muted">{top.join(", ")}</span> })
    } else {
        Either::Right(view! {
            <Histogram counts=profile.histogram.clone() edges=profile.bin_edges.clone() label=name.clone() />
        })
    };
    let kind = profile.kind;
    let has_missing = profile.missing > 0;
    view! {
        <tr data-testid=format!("profile-{name}")>
            <th scope="row">
                {name.clone()}
                {move || is_target().then(|| view! { <span class="badge">"target"</span> })}
            </th>
            <td>
                <select
                    aria-label=format!("How to read {name}")
                    data-testid=format!("kind-{name}")
                    on:change=set_kind
                >
                    {KINDS
                        .into_iter()
                        .map(|k| choice(kind_id(k), draft::kind_label(k), (k == kind).into()))
                        .collect_view()}
                </select>
            </td>
            <td class:warn=move || has_missing>{profile.missing}</td>
            <td>{profile.distinct}</td>
            <td>{numbers}</td>
            <td>{distribution}</td>
        </tr>
    }
}

fn task_id(task: assay_engine::data::Task) -> &'static str {
    match task {
        assay_engine::data::Task::Regression => "regression",
        assay_engine::data::Task::BinaryClassification => "binary_classification",
        assay_engine::data::Task::MulticlassClassification => "multiclass_classification",
    }
}

fn kind_id(kind: assay_engine::data::ColumnKind) -> &'static str {
    match kind {
        assay_engine::data::ColumnKind::Numeric => "numeric",
        assay_engine::data::ColumnKind::Categorical => "categorical",
        assay_engine::data::ColumnKind::Boolean => "boolean",
        assay_engine::data::ColumnKind::Identifier => "identifier",
        assay_engine::data::ColumnKind::Date => "date",
        assay_engine::data::ColumnKind::Ignored => "ignored",
    }
}
