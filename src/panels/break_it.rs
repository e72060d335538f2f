//! Break it, for learning what checks are for: pick a bug the engine can inject, see which
//! check cards turn red on the broken run and why each did or did not catch it; or compute the
//! whole bug × check matrix, with the mutation score `assay mutate` prints for the same spec.

use assay_engine::checks::Verdict;
use assay_engine::mutate::{Cell, MutationRow};
use assay_engine::mutation::Mutation;
use leptos::prelude::*;

use crate::logic::break_it::{cell_label, mutation_by_id, score_text, why};
use crate::logic::status::{Status, verdict_label};
use crate::state::break_it::{BreakKind, BreakRuns, Broken};
use crate::state::workbench::{Workbench, blocked_by};
use crate::widgets::chart::ProgressBar;
use crate::widgets::choice::choice;
use crate::widgets::heading::panel_heading;
use crate::widgets::words::sentence;

#[component]
pub fn BreakItPanel() -> impl IntoView {
    let wb = expect_context::<Workbench>();
    let runs = BreakRuns::new();
    let bug = RwSignal::new(Mutation::GradientSignFlipped);
    // The matrix's status: optional until computed, then how many bugs got through.
    let status = Signal::derive(move || {
        runs.matrix.with(|m| match m {
            None => Status::Optional,
            Some(b) => match b
                .matrix
                .rows
                .iter()
                .filter(|r| r.applies() && !r.caught())
                .count()
            {
                0 => Status::Done,
                n => Status::Failing(n),
            },
        })
    });
    let has_run = move || wb.with_current_run(|last| last.is_some_and(|l| l.full));
    let cannot_start = move || {
        runs.runner.is_running()
            || wb.is_busy()
            || !has_run()
            || wb.table.with(Result::is_err)
            || wb.problems.with(|p| !p.is_empty())
    };
    let start = move |kind: BreakKind| {
        if let Some(blocked) = wb.problems.with_untracked(|p| blocked_by(p)) {
            runs.message.set(Some(blocked));
            return;
        }
        let spec = wb.spec.get_untracked();
        let csv = wb.draft.with_untracked(|d| d.csv().to_owned());
        runs.start(kind, spec, csv, bug.get_untracked());
    };
    let guide = move || bug.get().guide();
    let check_title = move |id: &str| {
        wb.spec.with(|s| {
            s.checks
                .iter()
                .find(|c| c.id() == id)
                .map_or_else(|| id.to_owned(), |c| c.guide().title.to_owned())
        })
    };
    let designed = move || {
        let titles: Vec<String> = guide().caught_by.iter().map(|id| check_title(id)).collect();
        titles.join(", ")
    };
    view! {
        <section class="panel wide" id="break-it" aria-labelledby="break-it-heading" data-testid="break-it">
            {panel_heading("break-it-heading", "Break it: do the checks catch real bugs?", status)}
            <p class="muted">
                "A check that never fails proves nothing. Inject one of the bugs real ML projects make, rerun with the same seed, and see which checks notice. The same matrix is what "
                <code>"assay mutate"</code>
                " prints in CI."
            </p>
            {move || (!has_run()).then(|| view! {
                <p class="note" data-testid="break-needs-run">"Press Run all first: a bug is caught when a check that passed on the correct model fails on the broken one."</p>
            })}
            <div class="field-row">
                <label class="field">
                    "Bug to inject"
                    <select
                        data-testid="break-bug"
                        on:change=move |ev| {
                            if let Some(m) = mutation_by_id(&event_target_value(&ev)) {
                                bug.set(m);
                            }
                        }
                    >
                        {Mutation::ALL
                            .into_iter()
                            .map(|m| choice(m.id(), m.guide().title, Signal::derive(move || bug.get() == m)))
                            .collect_view()}
                    </select>
                </label>
            </div>
            <dl class="break-guide" data-testid="break-guide">
                <dt>"The bug"</dt>
                <dd>{move || guide().bug}</dd>
                <dt>"In real projects"</dt>
                <dd>{move || guide().in_practice}</dd>
                <dt>"Designed to catch it"</dt>
                <dd data-testid="break-designed">{designed}</dd>
            </dl>
            <div class="actions">
                <button class="primary" data-testid="break-run" disabled=cannot_start on:click=move |_| start(BreakKind::Pick)>
                    "Break the model"
                </button>
                <button data-testid="break-matrix" disabled=cannot_start on:click=move |_| start(BreakKind::Matrix)>
                    "Compute the whole matrix (15 runs)"
                </button>
            </div>
            {move || runs.running.get().map(|kind| {
                let done = Signal::derive(move || runs.runner.progress().map_or(0, |p| p.done));
                let total = Signal::derive(move || runs.runner.progress().map_or(0, |p| p.total));
                view! {
                    <div class="run-all" data-testid="break-progress">
                        <span class="job-label" role="status">{kind.label()}</span>
                        <ProgressBar done=done total=total label=kind.label().to_owned() />
                        <span class="muted" data-testid="break-runs">{move || format!("{} of {} runs", done.get(), total.get())}</span>
                        <button data-testid="break-cancel" on:click=move |_| runs.cancel()>"Cancel"</button>
                    </div>
                }
            })}
            {move || runs.message.get().map(|m| view! { <p class="notice" role="status" data-testid="break-message">{sentence(&m)}</p> })}
            {move || runs.picked.get().filter(|p| p.matrix.rows.first().is_some_and(|r| r.mutation == bug.get())).map(|picked| {
                let stale = wb.spec.with(|s| *s != picked.spec);
                view! { <PickedBug picked=picked stale=stale /> }
            })}
            {move || runs.matrix.get().map(|found| {
                let stale = wb.spec.with(|s| *s != found.spec);
                view! { <MatrixTable found=found stale=stale /> }
            })}
        </section>
    }
}

/// A note that a result was made for the draft as it was, not as it is now.
fn stale_note(stale: bool) -> impl IntoView {
    stale.then(|| {
        view! {
            <p class="note" data-testid="break-stale">
                "Made for an earlier version of this draft: run it again to see the checks as they are now."
            </p>
        }
    })
}

/// The picked bug's cards: each check on the broken run beside the correct one, and why it did
/// or did not catch the bug.
#[component]
fn PickedBug(picked: Broken, stale: bool) -> impl IntoView {
    let Broken { spec, matrix } = picked;
    let Some(row) = matrix.rows.into_iter().next() else {
        return ().into_any();
    };
    let designed = row.mutation.guide().caught_by;
    let verdict = if let Some(error) = &row.error {
        format!("Caught before any check: the broken run could not even be made ({error}).")
    } else if !row.applies() {
        "This bug cannot strike this model (it needs a part this model does not have), so there is nothing to catch.".to_owned()
    } else if row.caught() {
        let caught = row.cells.iter().filter(|c| **c == Cell::Caught).count();
        format!("Caught by {caught} of {} checks.", row.cells.len())
    } else {
        "Missed: every check passed on the broken model. That is a missing check or a setting too loose.".to_owned()
    };
    let cards = (row.error.is_none() && row.applies()).then(|| {
        // The cards that turned red first: they are what the bug did.
        let mut order: Vec<usize> = (0..spec.checks.len()).collect();
        order.sort_by_key(|&i| {
            row.outcomes
                .get(i)
                .is_none_or(|o| o.verdict == Verdict::Pass)
        });
        order
            .into_iter()
            .filter_map(|i| spec.checks.get(i).map(|check| (i, check)))
            .map(|(i, check)| {
                broken_card(
                    &row,
                    i,
                    check.id(),
                    check.guide().title,
                    matrix.baseline.get(i).map(|o| o.summary.clone()),
                    designed.contains(&check.id()),
                )
            })
            .collect_view()
    });
    view! {
        <div class="break-picked" data-testid="break-picked">
            <h3>{format!("With “{}”", row.mutation.guide().title)}</h3>
            {stale_note(stale)}
            <p class="break-verdict" role="status" data-testid="break-verdict">{verdict}</p>
            <div class="cards">{cards}</div>
        </div>
    }
    .into_any()
}

/// One check's card on the broken run: red when it failed there.
fn broken_card(
    row: &MutationRow,
    index: usize,
    id: &'static str,
    title: &'static str,
    baseline: Option<String>,
    designed: bool,
) -> impl IntoView + use<> {
    let outcome = row.outcomes.get(index).cloned();
    let verdict = outcome.as_ref().map(|o| o.verdict);
    let failed = verdict.is_some_and(|v| v != Verdict::Pass);
    let (label, class) = match verdict {
        Some(Verdict::Pass) => (verdict_label(Verdict::Pass), "verdict pass"),
        Some(Verdict::Fail) => (verdict_label(Verdict::Fail), "verdict fail"),
        Some(Verdict::Error) => (verdict_label(Verdict::Error), "verdict error"),
        None => ("Not run", "verdict pending"),
    };
    let cell = row.cells.get(index).copied().unwrap_or(Cell::NotApplicable);
    let why = why(row, index, designed);
    view! {
        <article class="check" class:failed=failed data-testid=format!("broken-{id}")>
            <header>
                <h4>{title}</h4>
                <span class=class data-testid="broken-verdict">{label}</span>
                <span class=format!("break-cell {}", cell_label(cell).1) data-testid="broken-cell">{cell_label(cell).0}</span>
            </header>
            <p class="summary" data-testid="broken-summary">
                <strong>"Broken run: "</strong>
                {outcome.map(|o| sentence(&o.summary))}
            </p>
            <p class="summary muted" data-testid="broken-baseline">
                <strong>"Correct run: "</strong>
                {baseline.map(|s| sentence(&s))}
            </p>
            <p class="why" data-testid="broken-why">{why}</p>
        </article>
    }
}

/// The whole matrix: bugs down, checks across, each cell in words, and the score.
#[component]
fn MatrixTable(found: Broken, stale: bool) -> impl IntoView {
    let Broken { spec, matrix } = found;
    let header = spec
        .checks
        .iter()
        .map(|c| view! { <th scope="col" title=c.guide().title>{c.id()}</th> })
        .collect_view();
    let rows = matrix
        .rows
        .iter()
        .map(|row| {
            let cells = if let Some(error) = &row.error {
                view! { <td colspan=matrix.checks.len().max(1) class="cell-caught">{format!("Caught before any check: {error}")}</td> }.into_any()
            } else {
                row.cells
                    .iter()
                    .map(|cell| {
                        let (text, class) = cell_label(*cell);
                        view! { <td class=class>{text}</td> }
                    })
                    .collect_view()
                    .into_any()
            };
            let (outcome, class) = if !row.applies() {
                ("n/a", "break-outcome cell-na")
            } else if row.caught() {
                ("Caught", "break-outcome cell-caught")
            } else {
                ("Nothing caught it", "break-outcome cell-escaped")
            };
            view! {
                <tr data-testid=format!("break-row-{}", row.mutation.id())>
                    <th scope="row" title=row.mutation.guide().bug>{row.mutation.guide().title}</th>
                    <td class=class>{outcome}</td>
                    {cells}
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="break-matrix" data-testid="break-matrix-result">
            <h3>"The bug × check matrix"</h3>
            {stale_note(stale)}
            <p class="break-score" data-testid="break-score">{score_text(&matrix)}</p>
            <p class="muted">
                "Caught: the check passed on the correct run and failed on the broken one. Missed: it passed on both (most checks are about other bugs; a bug needs one check that catches it). Already failing: it failed on the correct run too. n/a: the bug cannot strike this model."
            </p>
            <div class="table-scroll" tabindex="0" role="region" aria-label="The bug × check matrix">
                <table data-testid="break-matrix-table">
                    <caption>"Bugs down, checks across"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Bug"</th>
                            <th scope="col">"Overall"</th>
                            {header}
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </div>
    }
}
