//! The page: a path of five panels (Data → Model → Checks → Endpoints → Export) over one
//! [`Workbench`], a "Run all" with one progress bar; or, for a spec opened from a file or a
//! share link, the reviewer's page, with the workbench hidden (kept, not discarded) meanwhile.

use leptos::prelude::*;

use crate::browser::page;
use crate::logic::runs;
use crate::logic::status::Status;
use crate::panels::break_it::BreakItPanel;
use crate::panels::checks::ChecksPanel;
use crate::panels::data::DataPanel;
use crate::panels::endpoints::EndpointsPanel;
use crate::panels::export::{ExportPanel, field_problems};
use crate::panels::model::ModelPanel;
use crate::panels::review::{ReviewOpener, ReviewPage, Reviewing};
use crate::state::workbench::Workbench;
use crate::widgets::chart::ProgressBar;
use crate::widgets::words::sentence;

#[component]
pub fn App() -> impl IntoView {
    let wb = Workbench::new();
    provide_context(wb);

    // Opened from a share link, the page is the reviewer's; otherwise the author's.
    let reviewing = Reviewing::new(&page::location_hash());
    let in_review = Memo::new(move |_| reviewing.is_open());

    let endpoints_status = Signal::derive(move || wb.endpoints_status());
    let export_status = Signal::derive(move || wb.export_status());

    view! {
        {move || in_review.get().then(|| view! { <ReviewPage reviewing=reviewing /> })}
        <div class="workbench" hidden=move || in_review.get()>
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
                        if page::confirm(
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
            wb.restore_notice.get().map(|n| view! {
                <p class="notice" role="status" data-testid="storage-notice">
                    {n}
                    " "
                    <button class="quiet-small" data-testid="dismiss-notice" on:click=move |_| wb.restore_notice.set(None)>
                        "Dismiss"
                    </button>
                </p>
            })
        }}
        {move || wb.save_error.get().map(|n| view! { <p class="notice" role="status" data-testid="save-error">{n}</p> })}
        <main>
            <DataPanel />
            <ModelPanel />
            <ChecksPanel />
            <BreakItPanel />
            <EndpointsPanel />
            <ExportPanel />
            <ReviewOpener reviewing=reviewing />
        </main>
        </div>
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
    let done = Signal::derive(move || wb.runner.progress().map_or(0, |p| p.done));
    let total = Signal::derive(move || wb.runner.progress().map_or(0, |p| p.total));
    let finished = move || {
        let idle = running().is_none();
        wb.with_current_run(|last| {
            last.filter(|l| l.full && idle)
                .map(|l| runs::run_all_finished(&l.run.checks))
        })
    };
    view! {
        <div class="run-all">
            <button
                class="primary"
                data-testid="run-all"
                on:click=move |_| wb.run_all()
                disabled=move || running().is_some() || wb.table.with(Result::is_err) || wb.problems.with(|p| !p.is_empty())
            >
                "Run all"
            </button>
            {move || wb.job_error.get().map(|e| view! { <span class="bar-error" role="alert" data-testid="run-all-error">{sentence(&e)}</span> })}
            {field_problems(wb, "run-all-problems", true)}
            // Always in the page, so a screen reader hears its text change when a Run all ends.
            <span class="muted" aria-live="polite" data-testid="run-all-announcement">
                {move || finished().unwrap_or_default()}
            </span>
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
