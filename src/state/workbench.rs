//! The workbench's shared state and the actions that change it: train, run all, run one
//! check, cancel, export, start anew. Panels read it with `expect_context::<Workbench>()`.

use assay_engine::checks::{CheckOutcome, CheckSpec, Verdict};
use assay_engine::data::Table;
use assay_engine::host::JobRequest;
use assay_engine::replay::Run;
use assay_engine::spec::{DatasetSpec, Spec};
use assay_engine::train::Ending;
use leptos::prelude::*;

use std::rc::Rc;

#[cfg(not(test))]
use crate::browser::clock::now_rfc3339;
use crate::browser::storage::{self, Restored};
use crate::browser::worker::EngineWorker;
use crate::logic::draft::{DataSource, Draft};
use crate::logic::endpoints::evaluation;
use crate::logic::endpoints::route::Route;
use crate::logic::runs::{LastRun, Outcomes, exportable};
use crate::logic::saved::Kept;
use crate::logic::status::Status;
use crate::state::endpoints::EndpointRuns;
use crate::state::engine_job::EngineJob;
use crate::state::job::{Ended, Runner};

/// What is running now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    Train,
    RunAll,
    /// One check, by its index in the draft.
    Check(usize),
}

impl JobKind {
    pub fn label(self) -> &'static str {
        match self {
            JobKind::Train => "Training",
            JobKind::RunAll => "Running everything",
            JobKind::Check(_) => "Running one check",
        }
    }
}

/// The running job as the Model panel shows it: what it is and the live loss curve (its
/// progress is the runner's).
#[derive(Debug, Clone, PartialEq)]
pub struct JobView {
    pub kind: JobKind,
    /// The epochs this job trains (the draft may change while it runs).
    pub epochs: u32,
    pub loss_curve: Vec<f64>,
}

/// A field whose text the draft could not take: it shows what the user typed, the draft keeps
/// the last valid value, so nothing may run or be exported until it is fixed.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldProblem {
    /// The field's element id, to take the user to it.
    pub id: String,
    /// The field in words ("Meets a metric threshold: Threshold").
    pub label: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy)]
pub struct Workbench {
    pub draft: RwSignal<Draft>,
    pub table: Memo<Result<Table, String>>,
    /// The spec the draft runs now.
    pub spec: Memo<Spec>,
    pub job: RwSignal<Option<JobView>>,
    /// Runs the jobs above, one at a time, with their progress and Cancel.
    pub runner: Runner,
    pub last: RwSignal<Option<LastRun>>,
    pub outcomes: RwSignal<Outcomes>,
    /// The file Export would write now, or why there is none yet.
    pub export_file: Memo<Result<Spec, String>>,
    /// Why the last job could not run, in words.
    pub job_error: RwSignal<Option<String>>,
    /// Set when a job was cancelled, to say so until the next one.
    pub cancelled: RwSignal<Option<String>>,
    /// Set when the engine's worker could not load and the page ran a job itself.
    pub engine_notice: RwSignal<Option<String>>,
    /// What happened to the saved draft at start: what was restored, or that it could not be
    /// read and where it went. The user may dismiss it.
    pub restore_notice: RwSignal<Option<String>>,
    /// Why the draft is not being saved now, if it is not.
    pub save_error: RwSignal<Option<String>>,
    /// The endpoint cases' results in this browser and their run (the form is in the draft).
    pub endpoints: EndpointRuns,
    /// Fields showing a value the draft refused, in the order they went wrong.
    pub problems: RwSignal<Vec<FieldProblem>>,
    /// Counts draft replacements, so a job started on an older draft leaves no result behind.
    generation: StoredValue<u64>,
    /// The engine's Web Worker, started with the first job.
    worker: StoredValue<Option<Rc<EngineWorker>>, LocalStorage>,
}

impl Workbench {
    /// The workbench on the saved draft, or on the first sample; saves every change after.
    pub fn new() -> Self {
        let (kept, notice) = match storage::load_draft() {
            Restored::Draft(kept) => {
                let notice = kept.notice();
                (*kept, Some(notice))
            }
            Restored::Nothing => (Kept::draft(Draft::default()), None),
            Restored::Unreadable(message) => (Kept::draft(Draft::default()), Some(message)),
        };
        let wb = Self::on(kept.draft);
        wb.last.set(kept.last);
        wb.outcomes.set(kept.outcomes);
        wb.endpoints.evaluation.result.set(kept.evaluated);
        wb.restore_notice.set(notice);
        let (draft, last, outcomes, save_error) = (wb.draft, wb.last, wb.outcomes, wb.save_error);
        let evaluated = wb.endpoints.evaluation.result;
        Effect::new(move |_| {
            let saved = draft.with(|draft| {
                last.with(|last| {
                    outcomes.with(|outcomes| {
                        evaluated.with(|evaluated| {
                            storage::save_draft(
                                draft,
                                last.as_ref(),
                                outcomes,
                                evaluated.as_ref(),
                                &now_rfc3339(),
                            )
                        })
                    })
                })
            });
            save_error.set(
                saved
                    .err()
                    .map(|e| format!("Your draft is not being saved in this browser: {e}.")),
            );
        });
        wb
    }

    /// The workbench on `initial`, kept in memory only.
    pub fn on(initial: Draft) -> Self {
        let draft = RwSignal::new(initial);
        let source = Memo::new(move |_| draft.with(|d| d.data.clone()));
        let table = Memo::new(move |_| source.with(parse));
        // Hashing the data is the costly part of a spec: once per dataset, not per keystroke.
        let dataset = Memo::new(move |_| {
            let rows = table.with(|t| t.as_ref().map_or(0, |t| t.row_count()));
            draft.with_untracked(|d| {
                source.with(|s| DatasetSpec::from_csv(d.file_name(), s.csv(), rows))
            })
        });
        let spec = Memo::new(move |_| draft.with(|d| d.to_spec_on(dataset.get())));
        let last = RwSignal::new(None::<LastRun>);
        let problems = RwSignal::new(Vec::<FieldProblem>::new());
        let endpoints = EndpointRuns::new();
        let evaluated = endpoints.evaluation.result;
        let export_file = Memo::new(move |_| {
            problems.with(|p| blocked_by(p).map_or(Ok(()), Err))?;
            spec.with(|spec| {
                last.with(|last| {
                    let last = exportable(spec, last)?;
                    evaluated.with(|evaluated| {
                        draft.with(|d| {
                            d.export_evaluated(
                                &last.spec,
                                &last.run,
                                evaluated.as_ref(),
                                &now_rfc3339(),
                            )
                        })
                    })
                })
            })
        });
        Self {
            draft,
            table,
            spec,
            job: RwSignal::new(None),
            runner: Runner::new(),
            last,
            outcomes: RwSignal::new(Outcomes::default()),
            export_file,
            job_error: RwSignal::new(None),
            cancelled: RwSignal::new(None),
            engine_notice: RwSignal::new(None),
            restore_notice: RwSignal::new(None),
            save_error: RwSignal::new(None),
            endpoints,
            problems,
            generation: StoredValue::new(0),
            worker: StoredValue::new_local(None),
        }
    }

    pub fn is_busy(&self) -> bool {
        self.runner.is_running()
    }

    /// The error signal of the form field with element `id`, named `label` in words: while it
    /// holds an error, the field is listed in [`Workbench::problems`] (until it is removed).
    pub fn field_error(&self, id: &str, label: &str) -> RwSignal<Option<String>> {
        let error = RwSignal::new(None::<String>);
        let problems = self.problems;
        let (id, label) = (id.to_owned(), label.to_owned());
        let gone = id.clone();
        Effect::new(move |_| {
            let message = error.get();
            problems.update(|p| {
                p.retain(|f| f.id != id);
                if let Some(message) = message {
                    p.push(FieldProblem {
                        id: id.clone(),
                        label: label.clone(),
                        message,
                    });
                }
            });
        });
        on_cleanup(move || {
            problems.try_update(|p| p.retain(|f| f.id != gone));
        });
        error
    }

    /// The latest run, if it trained the model the draft describes now.
    pub fn current_run(&self) -> Option<LastRun> {
        self.with_current_run(|last| last.cloned())
    }

    /// Reads the latest run, if it trained the model the draft describes now, without a copy.
    pub fn with_current_run<R>(&self, read: impl FnOnce(Option<&LastRun>) -> R) -> R {
        self.spec.with(|spec| {
            self.last
                .with(|last| read(last.as_ref().filter(|last| last.spec.trains_the_same(spec))))
        })
    }

    /// The outcome of `check` with the draft's current settings, if it has run.
    pub fn outcome(&self, check: &CheckSpec) -> Option<CheckOutcome> {
        self.spec
            .with(|spec| self.outcomes.with(|o| o.get(spec, check).cloned()))
    }

    pub fn train(&self) {
        let mut spec = self.spec.get_untracked();
        spec.checks.clear();
        self.start(JobKind::Train, spec);
    }

    pub fn run_all(&self) {
        self.start(JobKind::RunAll, self.spec.get_untracked());
    }

    /// Runs draft check `index` as a job of its own: training (quick) and then the check, so
    /// even a check that retrains shows progress and can be cancelled.
    pub fn run_check(&self, index: usize) {
        let Some(check) = self
            .draft
            .with_untracked(|d| d.checks.get(index).map(|c| c.spec.clone()))
        else {
            return;
        };
        let mut spec = self.spec.get_untracked();
        spec.checks = vec![check];
        self.start(JobKind::Check(index), spec);
    }

    pub fn cancel(&self) {
        self.runner.cancel();
    }

    fn start(&self, kind: JobKind, spec: Spec) {
        if self.is_busy() {
            return;
        }
        self.cancelled.set(None);
        // The draft holds the last valid values, not what the fields show: run neither.
        let blocked = self.problems.with_untracked(|p| blocked_by(p));
        self.job_error.set(blocked.clone());
        if blocked.is_some() {
            return;
        }
        let request = self.draft.with_untracked(|d| JobRequest {
            spec: spec.clone(),
            csv: d.csv().to_owned(),
        });
        let engine_job = match EngineJob::start(self.engine_worker(), request) {
            Ok(job) => job,
            Err(e) => {
                self.job_error.set(Some(e));
                return;
            }
        };
        let generation = self.generation.get_value();
        let epochs = spec.training.epochs;
        let job = self.job;
        let view = move |loss_curve: &[f64]| JobView {
            kind,
            epochs,
            loss_curve: loss_curve.to_vec(),
        };
        job.set(Some(view(engine_job.loss_curve())));
        let this = *self;
        self.runner.start(
            engine_job,
            move |engine_job: &EngineJob| job.set(Some(view(engine_job.loss_curve()))),
            move |ended, progress| {
                job.set(None);
                if this.generation.get_value() != generation {
                    return; // The draft was replaced while this ran: its results belong to no one.
                }
                match ended {
                    Ended::Cancelled => this.cancelled.set(Some(format!(
                        "Cancelled after {} of {} steps; nothing was kept from this run.",
                        progress.done, progress.total
                    ))),
                    Ended::Done(engine_job) => {
                        this.engine_notice
                            .set(engine_job.in_page_because().map(|reason| {
                                format!(
                                    "The engine's background worker could not start ({reason}), so \
                                 this ran in the page itself, which may slow the page while it \
                                 trains."
                                )
                            }));
                        match engine_job.into_result() {
                            Ok(run) => this.finished(kind, spec, run),
                            Err(e) => this.job_error.set(Some(e)),
                        }
                    }
                }
            },
        );
    }

    /// The engine's worker for the next job: the one that ran the last (it keeps that model),
    /// a new one after a cancel, none where it cannot load (the page runs jobs itself).
    fn engine_worker(&self) -> Option<Rc<EngineWorker>> {
        if !cfg!(target_arch = "wasm32") {
            return None;
        }
        let kept = self.worker.get_value();
        match kept {
            Some(worker) if worker.is_usable() => Some(worker),
            Some(worker) if worker.has_failed() => None,
            _ => {
                let started = EngineWorker::start().ok().map(Rc::new);
                self.worker.set_value(started.clone());
                started
            }
        }
    }

    /// Keeps what a job that ran `spec` found.
    fn finished(&self, kind: JobKind, spec: Spec, run: Run) {
        self.outcomes.update(|o| o.record(&spec, &run));
        // Only training and "Run all" are results for the Model panel and export; training
        // alone does not replace a full run of the same model, which export still needs.
        let keeps_full_run = self.last.with_untracked(|last| {
            last.as_ref()
                .is_some_and(|l| l.full && l.spec.trains_the_same(&spec))
        });
        match kind {
            JobKind::Check(_) => {}
            JobKind::Train if keeps_full_run => {}
            JobKind::Train | JobKind::RunAll => self.last.set(Some(LastRun {
                full: kind == JobKind::RunAll,
                spec,
                run,
            })),
        }
    }

    /// Replaces the draft (after the user confirmed) and forgets results.
    pub fn replace_draft(&self, draft: Draft) {
        self.cancel();
        self.generation.update_value(|g| *g += 1);
        self.draft.set(draft);
        self.last.set(None);
        self.outcomes.set(Outcomes::default());
        self.job_error.set(None);
        self.cancelled.set(None);
    }

    /// Starts anew on the first sample and forgets the saved draft.
    pub fn start_new(&self) {
        storage::clear_draft();
        self.replace_draft(Draft::default());
    }

    /// Data, model, checks, export: how each stands now.
    pub fn data_status(&self) -> Status {
        match self.table.with(Result::is_ok) {
            true => Status::Done,
            false => Status::Failing(0),
        }
    }

    pub fn model_status(&self) -> Status {
        self.with_current_run(|last| match last {
            Some(last) if last.run.model.ending == Ending::Completed => Status::Done,
            Some(_) => Status::Failing(0),
            None => Status::NeedsAttention,
        })
    }

    /// Failing with the count of checks that failed; Done once every enabled check passed.
    pub fn checks_status(&self) -> Status {
        let verdicts: Vec<Option<Verdict>> = self.spec.with(|s| {
            s.checks
                .iter()
                .map(|c| self.outcome(c).map(|o| o.verdict))
                .collect()
        });
        let failing = verdicts
            .iter()
            .filter(|v| matches!(v, Some(Verdict::Fail | Verdict::Error)))
            .count();
        if failing > 0 {
            Status::Failing(failing)
        } else if verdicts.iter().all(Option::is_some) && !verdicts.is_empty() {
            Status::Done
        } else {
            Status::NeedsAttention
        }
    }

    /// The file to download now: [`Workbench::export_file`] stamped with this moment.
    pub fn export_now(&self) -> Result<Spec, String> {
        self.export_at(&now_rfc3339())
    }

    /// The file to download, stamped `now` (RFC 3339).
    pub fn export_at(&self, now: &str) -> Result<Spec, String> {
        self.problems
            .with_untracked(|p| blocked_by(p).map_or(Ok(()), Err))?;
        self.spec.with_untracked(|spec| {
            self.last.with_untracked(|last| {
                let last = exportable(spec, last)?;
                self.endpoints
                    .evaluation
                    .result
                    .with_untracked(|evaluated| {
                        self.draft.with_untracked(|d| {
                            d.export_evaluated(&last.spec, &last.run, evaluated.as_ref(), now)
                        })
                    })
            })
        })
    }

    /// Keeps `file`, just downloaded, as the revision the next export replaces.
    pub fn exported(&self, file: Spec) {
        self.draft.update(|d| d.previous = Some(file));
    }

    /// How the Endpoints step stands.
    pub fn endpoints_status(&self) -> Status {
        let cases = self.endpoints.status(self.draft);
        if self.draft.with(|d| d.endpoint.evaluation.is_none()) {
            return cases;
        }
        let spec = self
            .spec
            .with(|spec| self.draft.with(|d| d.with_endpoints(spec.clone())));
        let Ok(spec) = spec else {
            return Status::NeedsAttention;
        };
        self.endpoints
            .evaluation
            .result
            .with(|evaluated| evaluation::status(cases, evaluated.as_ref(), &spec))
    }

    /// Drafts endpoint cases from the model the draft trains now.
    pub fn draft_cases(&self) {
        let last = self.current_run();
        self.endpoints.draft_cases(self.draft, last.as_ref());
    }

    /// Runs the endpoint cases along `route`.
    pub fn run_cases(&self, route: Route) {
        self.endpoints.run(self.draft, route);
    }

    /// Evaluates the endpoint on the dataset along `route`, unless a field holds a value the
    /// draft refused (it would evaluate the last valid one).
    pub fn evaluate(&self, route: Route) {
        if let Some(blocked) = self.problems.with_untracked(|p| blocked_by(p)) {
            self.endpoints.evaluation.message.set(Some(blocked));
            return;
        }
        let last = self.current_run();
        self.endpoints.evaluation.evaluate(
            self.draft,
            self.spec.get_untracked(),
            last.as_ref(),
            self.endpoints.credential.get_untracked(),
            route,
        );
    }

    /// Done once the file Export would write now is the one last exported (or opened): never
    /// before an export, and no longer once the spec changed since.
    pub fn export_status(&self) -> Status {
        let exported = self.export_file.with(|file| {
            self.draft.with(|d| {
                file.as_ref()
                    .ok()
                    .is_some_and(|f| d.previous.as_ref() == Some(f))
            })
        });
        match exported {
            true => Status::Done,
            false => Status::NeedsAttention,
        }
    }
}

impl Default for Workbench {
    fn default() -> Self {
        Self::new()
    }
}

/// Why nothing may run or be exported while `problems` stand, naming each field.
pub fn blocked_by(problems: &[FieldProblem]) -> Option<String> {
    let names: Vec<&str> = problems.iter().map(|p| p.label.as_str()).collect();
    (!names.is_empty()).then(|| {
        format!(
            "Fix {} first: the field shows a value the spec cannot take, so the spec still \
             holds the last valid one.",
            names.join("; ")
        )
    })
}

/// Natively, where there is no browser clock, a fixed moment.
#[cfg(test)]
fn now_rfc3339() -> String {
    "2026-11-29T12:00:00Z".to_owned()
}

fn parse(source: &DataSource) -> Result<Table, String> {
    Table::parse_csv(source.csv()).map_err(|e| e.to_string())
}

/// What a user does, natively: a reactive owner instead of a page, the run done in one call
/// instead of in slices (the same engine `run`, which the stepper's slices add up to).
#[cfg(test)]
mod tests {
    use super::*;
    use assay_engine::checks::{CheckSpec, LossDecreases};
    use assay_engine::replay;

    const NOW: &str = "2026-11-29T12:00:00Z";
    const LATER: &str = "2026-11-29T13:00:00Z";

    /// The workbench on the first sample after a Run all, as the page has it when the run ends.
    fn after_run_all() -> (Owner, Workbench) {
        let owner = Owner::new();
        owner.set();
        let mut draft = Draft::default();
        draft.training.epochs = 5;
        let wb = Workbench::on(draft);
        run_all(&wb);
        (owner, wb)
    }

    /// A Run all of the draft as it is now, done in one call.
    fn run_all(wb: &Workbench) {
        let spec = wb.spec.get_untracked();
        let run = wb
            .draft
            .with_untracked(|d| replay::run(&spec, d.csv()))
            .unwrap();
        wb.finished(JobKind::RunAll, spec, run);
    }

    /// Exports as the Export button does, at `now`, and returns the file.
    fn export(wb: &Workbench, now: &str) -> Spec {
        let file = wb.export_at(now).unwrap();
        wb.exported(file.clone());
        file
    }

    fn is_no_regression(check: &CheckSpec) -> bool {
        matches!(check, CheckSpec::NoRegression(_))
    }

    fn checks(wb: &Workbench) -> Vec<CheckSpec> {
        wb.spec.with_untracked(|s| s.checks.clone())
    }

    #[test]
    fn a_changed_training_setting_makes_the_model_and_every_outcome_stale() {
        let (_owner, wb) = after_run_all();
        assert_eq!(wb.model_status(), Status::Done);
        assert_ne!(wb.checks_status(), Status::NeedsAttention);
        assert!(checks(&wb).iter().all(|c| wb.outcome(c).is_some()));

        wb.draft.update(|d| d.training.seed += 1);
        assert!(wb.current_run().is_none());
        assert_eq!(wb.model_status(), Status::NeedsAttention);
        assert_eq!(wb.checks_status(), Status::NeedsAttention);
        assert!(checks(&wb).iter().all(|c| wb.outcome(c).is_none()));

        // Back to the seed that ran: what it found holds again.
        wb.draft.update(|d| d.training.seed -= 1);
        assert_eq!(wb.model_status(), Status::Done);
        assert!(checks(&wb).iter().all(|c| wb.outcome(c).is_some()));
    }

    #[test]
    fn a_changed_threshold_makes_only_its_own_check_stale() {
        let (_owner, wb) = after_run_all();
        let index = wb.draft.with_untracked(|d| {
            d.checks
                .iter()
                .position(|c| c.enabled && matches!(c.spec, CheckSpec::LossDecreases(_)))
                .unwrap()
        });
        wb.draft.update(|d| {
            if let CheckSpec::LossDecreases(LossDecreases {
                min_relative_drop, ..
            }) = &mut d.checks[index].spec
            {
                *min_relative_drop = 0.75;
            }
        });
        let changed = wb.draft.with_untracked(|d| d.checks[index].spec.clone());
        assert!(wb.outcome(&changed).is_none());
        let others: Vec<CheckSpec> = checks(&wb).into_iter().filter(|c| *c != changed).collect();
        assert!(!others.is_empty());
        assert!(others.iter().all(|c| wb.outcome(c).is_some()));
        // The model is the same: only the checks wait for a run.
        assert_eq!(wb.model_status(), Status::Done);
        assert_eq!(wb.checks_status(), Status::NeedsAttention);
    }

    #[test]
    fn another_draft_forgets_every_result() {
        let (_owner, wb) = after_run_all();
        wb.replace_draft(Draft::default());
        assert!(wb.last.with_untracked(Option::is_none));
        assert_eq!(wb.model_status(), Status::NeedsAttention);
        assert!(checks(&wb).iter().all(|c| wb.outcome(c).is_none()));
    }

    #[test]
    fn exporting_keeps_every_result_but_the_comparison_with_the_revision_it_made() {
        let (_owner, wb) = after_run_all();
        assert_eq!(
            wb.export_status(),
            Status::NeedsAttention,
            "nothing exported yet"
        );
        let file = export(&wb, NOW);
        assert_eq!(file.revision, 1);
        let (regression, others): (Vec<CheckSpec>, Vec<CheckSpec>) =
            checks(&wb).into_iter().partition(is_no_regression);
        assert_eq!(
            regression.len(),
            1,
            "the sample's defaults compare with history"
        );
        assert!(others.iter().all(|c| wb.outcome(c).is_some()));
        // "No worse than before" now compares with the revision just exported, which it has
        // not yet been run against.
        assert!(wb.outcome(&regression[0]).is_none());
        assert_eq!(wb.model_status(), Status::Done);
        assert_eq!(wb.export_status(), Status::Done);
        // Export stays possible, and gives the same file.
        assert_eq!(wb.export_at(LATER), Ok(file.clone()));

        // Run again: it compares with revision 1, and the unchanged model exports the same file.
        run_all(&wb);
        assert!(checks(&wb).iter().all(|c| wb.outcome(c).is_some()));
        assert_eq!(wb.export_at(LATER), Ok(file));
    }

    #[test]
    fn a_new_name_or_description_keeps_the_results_and_export() {
        let (_owner, wb) = after_run_all();
        wb.draft.update(|d| {
            d.name = "Tumour classifier".into();
            d.description = "Guards the screening model".into();
        });
        assert!(checks(&wb).iter().all(|c| wb.outcome(c).is_some()));
        let file = export(&wb, NOW);
        assert_eq!(file.name, "Tumour classifier");
        assert_eq!(file.description, "Guards the screening model");

        // Renamed after the export: the same revision and recording under the new name, which
        // CI replays as recorded.
        wb.draft.update(|d| d.name = "Tumour screening".into());
        assert!(
            checks(&wb)
                .iter()
                .filter(|c| !is_no_regression(c))
                .all(|c| wb.outcome(c).is_some())
        );
        assert_eq!(
            wb.export_status(),
            Status::NeedsAttention,
            "changed since the export"
        );
        let renamed = wb.export_at(LATER).unwrap();
        assert_eq!(renamed.name, "Tumour screening");
        assert_eq!(
            (
                renamed.revision,
                &renamed.history,
                &renamed.recorded,
                &renamed.created
            ),
            (file.revision, &file.history, &file.recorded, &file.created)
        );
        assert_eq!(renamed.modified.as_deref(), Some(LATER));
        let csv = wb.draft.with_untracked(|d| d.csv().to_owned());
        let replayed = replay::run(&renamed, &csv).unwrap();
        assert_eq!(
            replay::compare(renamed.recorded.as_ref().unwrap(), &replayed),
            vec![]
        );
        wb.exported(renamed);
        assert_eq!(wb.export_status(), Status::Done);
    }

    #[test]
    fn failing_checks_are_counted_in_the_checks_status() {
        let owner = Owner::new();
        owner.set();
        let mut draft = Draft::default();
        draft.training.epochs = 5;
        for check in &mut draft.checks {
            if let CheckSpec::MetricThreshold(t) = &mut check.spec {
                t.threshold = 0.999;
            }
        }
        let wb = Workbench::on(draft);
        run_all(&wb);
        assert_eq!(wb.checks_status(), Status::Failing(1));
        assert_eq!(wb.checks_status().label(), "1 failing");
    }

    #[test]
    fn a_field_the_draft_refused_blocks_running_and_export_and_is_named() {
        let (_owner, wb) = after_run_all();
        wb.problems.set(vec![FieldProblem {
            id: "metric_threshold-threshold".into(),
            label: "Meets a metric threshold: Threshold".into(),
            message: "`abc` is not a number".into(),
        }]);
        let refused = wb.export_at(NOW).unwrap_err();
        assert!(
            refused.contains("Meets a metric threshold: Threshold"),
            "{refused}"
        );
        wb.run_all();
        let refused = wb.job_error.get_untracked().unwrap_or_default();
        assert!(
            refused.contains("Meets a metric threshold: Threshold"),
            "{refused}"
        );
        assert!(!wb.is_busy());

        wb.problems.set(Vec::new());
        assert!(wb.export_at(NOW).is_ok());
    }
}
