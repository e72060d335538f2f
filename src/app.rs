//! The page: a path of five panels (Data → Model → Checks → Endpoints → Export) over one
//! [`Workbench`], a "Run all" with one progress bar, and the reviewer's panel.

use leptos::prelude::*;

use crate::chart::ProgressBar;
use crate::checks_panel::ChecksPanel;
use crate::data_panel::DataPanel;
use crate::endpoints_panel::EndpointsPanel;
use crate::export_panel::ExportPanel;
use crate::model_panel::ModelPanel;
use crate::review_panel::ReviewPanel;
use crate::session::Authored;
use crate::workbench::{Status, Workbench};
use crate::{browser, review};

#[component]
pub fn App() -> impl IntoView {
    let wb = Workbench::new();
    provide_context(wb);

    // The endpoint form lives in the draft; the panel edits a copy kept in step both ways.
    let endpoint = RwSignal::new(wb.draft.with_untracked(|d| d.endpoint.clone()));
    Effect::new(move |_| {
        let form = endpoint.get();
        if wb.draft.with_untracked(|d| d.endpoint != form) {
            wb.draft.update(|d| d.endpoint = form);
        }
    });
    Effect::new(move |_| {
        let form = wb.draft.with(|d| d.endpoint.clone());
        if endpoint.with_untracked(|f| *f != form) {
            endpoint.set(form);
        }
    });
    let authored = Signal::derive(move || {
        wb.current_run().map(|last| Authored {
            spec: last.spec,
            run: last.run,
        })
    });
    let csv = Signal::derive(move || wb.draft.with(|d| d.csv().to_owned()));

    // Opened from a share link, the page is the reviewer's first; otherwise the author's.
    let initial_hash = browser::location_hash();
    let from_link = review::is_share_link(&initial_hash);
    let review = view! { <ReviewPanel initial_hash=initial_hash /> };
    let (review_first, review_last) = if from_link {
        (Some(review), None)
    } else {
        (None, Some(review))
    };

    let endpoint_results = RwSignal::new(Vec::new());
    let endpoints_status = Signal::derive(move || {
        endpoint_results.with(|r| endpoint.with(|f| crate::endpoints::status(f, r)))
    });
    let export_status = Signal::derive(move || wb.export_status());

    view! {
        <header class="masthead">
            <div class="masthead-row">
                <div>
                    <h1>"Assay"</h1>
                    <p>"Tests for machine-learning models: prove them here, replay them in CI, bit for bit."</p>
                </div>
                <button
                    class="quiet"
                    data-testid="new-draft"
                    on:click=move |_| {
                        if browser::confirm(
                            "Start a new draft? The current one (data, settings and checks) will be discarded. Export it first to keep it.",
                        ) {
                            wb.start_new();
                        }
                    }
                >
                    "New draft"
                </button>
            </div>
            <nav class="path" aria-label="Steps">
                <ol>
                    <PathStep href="#data" label="Data" status=Signal::derive(move || wb.data_status()) />
                    <PathStep href="#model" label="Model" status=Signal::derive(move || wb.model_status()) />
                    <PathStep href="#checks" label="Checks" status=Signal::derive(move || wb.checks_status()) />
                    <PathStep href="#endpoints" label="Endpoints" status=endpoints_status />
                    <PathStep href="#export" label="Export" status=export_status />
                </ol>
            </nav>
            <RunAllBar />
        </header>
        {move || {
            wb.restore_notice
                .get()
                .or_else(|| wb.save_error.get())
                .map(|n| view! { <p class="notice" role="status" data-testid="storage-notice">{n}</p> })
        }}
        <main>
            {review_first}
            <DataPanel />
            <ModelPanel />
            <ChecksPanel />
            <EndpointsPanel form=endpoint results=endpoint_results outcome=authored csv=csv />
            <ExportPanel />
            {review_last}
        </main>
    }
}

/// One step of the path, with its status in words (not colour alone).
#[component]
fn PathStep(href: &'static str, label: &'static str, status: Signal<Status>) -> impl IntoView {
    view! {
        <li>
            <a href=href data-testid=format!("path-{}", label.to_lowercase())>
                {label}
                <span class=move || status.get().class()>{move || status.get().label()}</span>
            </a>
        </li>
    }
}

/// "Run all": train, then every enabled check, with one progress bar and a Cancel.
#[component]
fn RunAllBar() -> impl IntoView {
    let wb = expect_context::<Workbench>();
    let running = move || wb.job.with(|j| j.as_ref().map(|j| j.kind));
    let done = Signal::derive(move || wb.job.with(|j| j.as_ref().map_or(0, |j| j.progress.done)));
    let total = Signal::derive(move || wb.job.with(|j| j.as_ref().map_or(0, |j| j.progress.total)));
    view! {
        <div class="run-all">
            <button
                class="primary"
                data-testid="run-all"
                on:click=move |_| wb.run_all()
                disabled=move || running().is_some() || wb.table.with(Result::is_err)
            >
                "Run all"
            </button>
            {move || wb.job_error.get().map(|e| view! { <span class="bar-error" role="alert" data-testid="run-all-error">{e}</span> })}
            {move || {
                running()
                    .map(|kind| {
                        view! {
                            <span class="job-label" role="status">{kind.label()}</span>
                            <ProgressBar done=done total=total label=kind.label().to_owned() />
                            <button data-testid="cancel" on:click=move |_| wb.cancel()>
                                "Cancel"
                            </button>
                        }
                    })
            }}
        </div>
    }
}

/// An `<option>`, selected while `selected` says so. Every select builds its options here, so
/// the page carries one compiled `<option>`: written out in each `view!`, every option with its
/// own `selected` closure was compiled apart.
pub(crate) fn choice(
    value: impl Into<Oco<'static, str>>,
    label: impl Into<Oco<'static, str>>,
    selected: Signal<bool>,
) -> impl IntoView {
    option_view(value.into(), label.into(), selected)
}

/// Not generic, so every caller shares one view type.
fn option_view(
    value: Oco<'static, str>,
    label: Oco<'static, str>,
    selected: Signal<bool>,
) -> impl IntoView {
    view! { <option value=value selected=selected>{label}</option> }
}

/// An error in words, announced to screen readers; `test_id` lets tests find it.
pub(crate) fn alert(message: &str, test_id: &'static str) -> impl IntoView + use<> {
    view! {
        <p class="error" role="alert" data-testid=test_id>
            {message.to_owned()}
        </p>
    }
}

/// A panel's heading with its status in words, so the state is clear at a glance.
pub(crate) fn panel_heading(
    id: &'static str,
    title: &'static str,
    status: Signal<Status>,
) -> impl IntoView {
    view! {
        <h2 id=id>
            {title}
            <span class=move || status.get().class() data-testid="panel-status">{move || status.get().label()}</span>
        </h2>
    }
}
