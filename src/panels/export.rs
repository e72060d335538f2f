//! The Export panel: the spec's name, the file to download, a share link, and a preview of the
//! file as it will be written.

use assay_engine::spec::Spec;
use leptos::prelude::*;

use crate::browser::{download, page};
use crate::logic::review;
use crate::state::workbench::Workbench;
use crate::widgets::alert::alert;
use crate::widgets::heading::panel_heading;
use crate::widgets::words::sentence;

#[component]
pub fn ExportPanel() -> impl IntoView {
    let wb = expect_context::<Workbench>();
    let message = RwSignal::new(None::<Result<String, String>>);
    let share = RwSignal::new(None::<Result<String, String>>);
    let copy_status = RwSignal::new(None::<String>);

    let file = wb.export_file;
    let status = Signal::derive(move || wb.export_status());
    let export = move |_| {
        // Built again now, so the file carries the time it was exported.
        let spec = match wb.export_now() {
            Ok(spec) => spec,
            Err(e) => {
                message.set(Some(Err(e)));
                return;
            }
        };
        let name = format!("{}.assay.json", file_stem(&spec.name));
        let saved = download::save_text(&name, "application/json", &spec.to_json());
        message.set(Some(saved.map(|()| {
            format!("Saved `{name}`, revision {}. Commit it next to your code; CI replays it with `assay run {name}`.", spec.revision)
        })));
        if message.with_untracked(|m| matches!(m, Some(Ok(_)))) {
            wb.exported(spec);
        }
    };
    let copy_link = move |_| {
        let link = file
            .get_untracked()
            .and_then(|spec| review::share_link(&page::page_address(), &spec));
        share.set(Some(link.clone()));
        if let Ok(link) = link {
            leptos::task::spawn_local(async move {
                copy_status.set(Some(match page::copy_text(&link).await {
                    Ok(()) => "Link copied to the clipboard.".to_owned(),
                    Err(e) => format!("Not copied ({e}): select the link below and copy it."),
                }));
            });
        }
    };

    view! {
        <section class="panel wide" id="export" aria-labelledby="export-heading">
            {panel_heading("export-heading", "5 · Export", status)}
            <label class="field">
                "Spec name"
                <input
                    type="text"
                    data-testid="spec-name"
                    prop:value=move || wb.draft.with(|d| d.name.clone())
                    on:input=move |ev| {
                        let name = event_target_value(&ev);
                        wb.draft.update(|d| d.name = name);
                    }
                />
            </label>
            <label class="field wide">
                "Description (optional: what this spec guards, for reviewers)"
                <textarea
                    data-testid="spec-description"
                    rows="2"
                    prop:value=move || wb.draft.with(|d| d.description.clone())
                    on:input=move |ev| {
                        let text = event_target_value(&ev);
                        wb.draft.update(|d| d.description = text);
                    }
                ></textarea>
            </label>
            <p class="muted">
                "The spec holds the data, the settings and the recorded results. In CI, "
                <code>"assay run spec.assay.json"</code>
                " replays it and fails if anything differs. To continue a spec exported earlier, open it under Review a spec and choose Continue editing."
            </p>
            {move || file.with(|f| f.as_ref().err().map(|e| view! { <p class="note" data-testid="export-blocked">{e.clone()}</p> }))}
            {field_problems(wb, "export-problems", false)}
            <div class="actions">
                <button class="primary" data-testid="export" on:click=export disabled=move || file.with(Result::is_err)>
                    "Export spec"
                </button>
                <button data-testid="copy-share-link" on:click=copy_link disabled=move || file.with(Result::is_err)>
                    "Copy share link"
                </button>
            </div>
            {move || message.get().map(|m| match m {
                Ok(m) => view! { <p role="status" data-testid="export-status">{sentence(&m)}</p> }.into_any(),
                Err(e) => alert(&e, "export-error").into_any(),
            })}
            {move || share.get().map(|link| match link {
                Ok(link) => view! {
                    <label class="field share">
                        "Share link (the spec travels after the #, never to a server)"
                        <input type="text" readonly data-testid="share-link" prop:value=link />
                    </label>
                    {move || copy_status.get().map(|s| view! { <p role="status">{s}</p> })}
                }.into_any(),
                Err(e) => alert(&e, "share-error").into_any(),
            })}
            {move || file.with(|f| f.as_ref().ok().map(|spec| view! {
                <details class="preview" open>
                    <summary>{format!("Preview: revision {}", spec.revision)}</summary>
                    // Focusable, so a keyboard can scroll it; a region, so it is named when focused.
                    <pre data-testid="spec-preview" tabindex="0" role="region" aria-label="Spec file preview">{preview(spec)}</pre>
                </details>
            }))}
        </section>
    }
}

/// The fields that block running and export, each a button that takes the user to it; with
/// `lead`, after a sentence that says why they block (where nothing else says it).
pub fn field_problems(wb: Workbench, test_id: &'static str, lead: bool) -> impl IntoView {
    move || {
        wb.problems.with(|problems| {
            (!problems.is_empty()).then(|| {
                view! {
                    <div class="field-problems" data-testid=test_id>
                    {lead.then(|| view! { <p>"Fix these fields first; until then the spec keeps their last valid values:"</p> })}
                    <ul>
                        {problems
                            .iter()
                            .map(|p| {
                                let id = p.id.clone();
                                view! {
                                    <li>
                                        <button class="link" data-testid="go-to-field" on:click=move |_| page::focus(&id)>
                                            {format!("{}: {}", p.label, p.message)}
                                        </button>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                    </div>
                }
            })
        })
    }
}

/// The file's text with the embedded CSV shortened, so the preview shows what matters.
fn preview(spec: &Spec) -> String {
    let mut shown = spec.clone();
    if let Some(csv) = &mut shown.dataset.csv {
        *csv = format!(
            "… {} rows of `{}`, embedded …",
            spec.dataset.rows, spec.dataset.name
        );
    }
    shown.to_json()
}

/// A file name from the spec's name: letters, digits, `-` and `_`.
fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if stem.is_empty() {
        "spec".to_owned()
    } else {
        stem
    }
}
