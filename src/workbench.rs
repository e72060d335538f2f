//! The workbench's shared state and the actions that change it: train, run all, run one
//! check, cancel, export, start anew. Panels read it with `expect_context::<Workbench>()`.

use std::collections::HashMap;

use assay_engine::checks::{CheckOutcome, CheckSpec, Verdict};
use assay_engine::data::Table;
use assay_engine::replay::{Progress, Run, Stepper};
use assay_engine::spec::{DatasetSpec, Spec};
use assay_engine::train::Ending;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::draft::{DataSource, Draft};
use crate::job::{Cancel, Ended, run_in_slices};
use crate::session;
use crate::storage::{self, Restored};

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

/// A job's progress, for the progress bars and the live loss curve.
#[derive(Debug, Clone, PartialEq)]
pub struct JobView {
    pub kind: JobKind,
    /// The epochs this job trains (the draft may change while it runs).
    pub epochs: u32,
    pub progress: Progress,
    pub loss_curve: Vec<f64>,
}

/// The latest finished training or full run, and the spec it ran.
#[derive(Debug, Clone, PartialEq)]
pub struct LastRun {
    pub spec: Spec,
    pub run: Run,
    /// Whether every enabled check ran (a "Run all"), so the result can be exported.
    pub full: bool,
}

/// Check outcomes by the check's settings, for the spec that ran them: they hold for any spec
/// [`judged_the_same`] as it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcomes {
    pub judged_by: Option<Spec>,
    pub by_check: HashMap<String, CheckOutcome>,
}

/// How a panel stands, shown in the path at the top and in each panel's heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Done,
    NeedsAttention,
    Failing,
    Optional,
}

impl Status {
    pub fn class(self) -> &'static str {
        match self {
            Status::Done => "status done",
            Status::NeedsAttention => "status attention",
            Status::Failing => "status failing",
            Status::Optional => "status optional",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Done => "Done",
            Status::NeedsAttention => "Needs attention",
            Status::Failing => "Failing",
            Status::Optional => "Optional",
        }
    }
}

/// Whether two specs train the same model: same data, preprocessing, model and training.
/// (Compared field by field rather than through copies: a spec carries its whole CSV.)
pub fn trains_the_same(a: &Spec, b: &Spec) -> bool {
    a.dataset == b.dataset
        && a.preprocessing == b.preprocessing
        && a.model == b.model
        && a.training == b.training
}

/// Whether a check judges two specs the same way: the same model, and the same history that
/// "no worse than before" compares with.
pub fn judged_the_same(a: &Spec, b: &Spec) -> bool {
    trains_the_same(a, b) && a.history == b.history
}

/// A check's settings as text: the key its outcome is kept under. Pretty, like a spec file,
/// so the page needs no second, compact JSON writer.
pub fn check_key(check: &CheckSpec) -> String {
    serde_json::to_string_pretty(check).unwrap_or_default()
}

#[derive(Debug, Clone, Copy)]
pub struct Workbench {
    pub draft: RwSignal<Draft>,
    pub table: Memo<Result<Table, String>>,
    /// The spec the draft runs now.
    pub spec: Memo<Spec>,
    pub job: RwSignal<Option<JobView>>,
    pub last: RwSignal<Option<LastRun>>,
    pub outcomes: RwSignal<Outcomes>,
    /// The file Export would write now, or why there is none yet.
    pub export_file: Memo<Result<Spec, String>>,
    /// Why the last job could not run, in words.
    pub job_error: RwSignal<Option<String>>,
    /// Set when a job was cancelled, to say so until the next one.
    pub cancelled: RwSignal<Option<String>>,
    /// What happened to the saved draft at start (it could not be read, and where it went).
    pub restore_notice: RwSignal<Option<String>>,
    /// Why the draft is not being saved now, if it is not.
    pub save_error: RwSignal<Option<String>>,
    cancel: StoredValue<Cancel, LocalStorage>,
    /// Counts draft replacements, so a job started on an older draft leaves no result behind.
    generation: StoredValue<u64>,
}

impl Workbench {
    /// The workbench on the saved draft, or on the first sample; saves every change after.
    pub fn new() -> Self {
        let (initial, notice) = match storage::load_draft() {
            Restored::Draft(draft) => (*draft, None),
            Restored::Nothing => (Draft::default(), None),
            Restored::Unreadable(message) => (Draft::default(), Some(message)),
        };
        let draft = RwSignal::new(initial);
        let source = Memo::new(move |_| draft.with(|d| d.data.clone()));
        let table = Memo::new(move |_| source.with(parse));
        // Hashing the data is the costly part of a spec: once per dataset, not per keystroke.
        let dataset = Memo::new(move |_| {
            let rows = table.with(|t| t.as_ref().map_or(0, |t| t.rows.len()));
            draft.with_untracked(|d| {
                source.with(|s| DatasetSpec::from_csv(d.file_name(), s.csv(), rows))
            })
        });
        let spec = Memo::new(move |_| draft.with(|d| d.to_spec_on(dataset.get())));
        let last = RwSignal::new(None::<LastRun>);
        let export_file = Memo::new(move |_| {
            spec.with(|spec| {
                last.with(|last| {
                    let last = exportable(spec, last)?;
                    draft.with(|d| d.export(&last.spec, &last.run, &session::now_rfc3339()))
                })
            })
        });
        let save_error = RwSignal::new(None);
        Effect::new(move |_| {
            let saved = draft.with(storage::save_draft);
            save_error.set(
                saved
                    .err()
                    .map(|e| format!("Your draft is not being saved in this browser: {e}.")),
            );
        });
        Self {
            draft,
            table,
            spec,
            job: RwSignal::new(None),
            last,
            outcomes: RwSignal::new(Outcomes::default()),
            export_file,
            job_error: RwSignal::new(None),
            cancelled: RwSignal::new(None),
            restore_notice: RwSignal::new(notice),
            save_error,
            cancel: StoredValue::new_local(Cancel::default()),
            generation: StoredValue::new(0),
        }
    }

    pub fn is_busy(&self) -> bool {
        self.job.with(Option::is_some)
    }

    /// The latest run, if it trained the model the draft describes now.
    pub fn current_run(&self) -> Option<LastRun> {
        self.with_current_run(|last| last.cloned())
    }

    /// Reads the latest run, if it trained the model the draft describes now, without a copy.
    pub fn with_current_run<R>(&self, read: impl FnOnce(Option<&LastRun>) -> R) -> R {
        self.spec.with(|spec| {
            self.last.with(|last| {
                read(
                    last.as_ref()
                        .filter(|last| trains_the_same(&last.spec, spec)),
                )
            })
        })
    }

    /// The outcome of `check` with the draft's current settings, if it has run.
    pub fn outcome(&self, check: &CheckSpec) -> Option<CheckOutcome> {
        self.spec.with(|spec| {
            self.outcomes.with(|o| {
                o.judged_by
                    .as_ref()
                    .is_some_and(|ran| judged_the_same(ran, spec))
                    .then(|| o.by_check.get(&check_key(check)).cloned())
                    .flatten()
            })
        })
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
        self.cancel.with_value(Cancel::cancel);
    }

    fn start(&self, kind: JobKind, spec: Spec) {
        if self.is_busy() {
            return;
        }
        self.job_error.set(None);
        self.cancelled.set(None);
        let started = self
            .draft
            .with_untracked(|d| Stepper::new(&spec, d.csv()))
            .map_err(|e| e.to_string());
        let stepper = match started {
            Ok(stepper) => stepper,
            Err(e) => {
                self.job_error.set(Some(e));
                return;
            }
        };
        let cancel = Cancel::default();
        self.cancel.set_value(cancel.clone());
        let generation = self.generation.get_value();
        let epochs = spec.training.epochs;
        let job = self.job;
        let view = move |progress, loss_curve: &[f64]| JobView {
            kind,
            epochs,
            progress,
            loss_curve: loss_curve.to_vec(),
        };
        job.set(Some(view(stepper.progress(), stepper.loss_curve())));
        let this = *self;
        spawn_local(async move {
            let ended = run_in_slices(stepper, &cancel, |progress, loss_curve| {
                job.set(Some(view(progress, loss_curve)));
            })
            .await;
            let last_progress = job.get_untracked().map(|j| j.progress);
            job.set(None);
            if this.generation.get_value() != generation {
                return; // The draft was replaced while this ran: its results belong to no one.
            }
            match ended {
                Ended::Cancelled => this.cancelled.set(Some(match last_progress {
                    Some(p) => format!(
                        "Cancelled after {} of {} steps; nothing was kept from this run.",
                        p.done, p.total
                    ),
                    None => "Cancelled.".to_owned(),
                })),
                Ended::Done(stepper) => this.finished(kind, spec, *stepper),
            }
        });
    }

    fn finished(&self, kind: JobKind, spec: Spec, stepper: Stepper) {
        let run = stepper.finish();
        self.outcomes.update(|o| {
            if !o
                .judged_by
                .as_ref()
                .is_some_and(|ran| judged_the_same(ran, &spec))
            {
                *o = Outcomes {
                    judged_by: Some(spec.clone()),
                    by_check: HashMap::new(),
                };
            }
            for (check, outcome) in spec.checks.iter().zip(&run.checks) {
                o.by_check.insert(check_key(check), outcome.clone());
            }
        });
        // Only training and "Run all" are results for the Model panel and export; training
        // alone does not replace a full run of the same model, which export still needs.
        let keeps_full_run = self.last.with_untracked(|last| {
            last.as_ref()
                .is_some_and(|l| l.full && judged_the_same(&l.spec, &spec))
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
            false => Status::Failing,
        }
    }

    pub fn model_status(&self) -> Status {
        self.with_current_run(|last| match last {
            Some(last) if last.run.model.ending == Ending::Completed => Status::Done,
            Some(_) => Status::Failing,
            None => Status::NeedsAttention,
        })
    }

    pub fn checks_status(&self) -> Status {
        let verdicts: Vec<Option<Verdict>> = self.spec.with(|s| {
            s.checks
                .iter()
                .map(|c| self.outcome(c).map(|o| o.verdict))
                .collect()
        });
        if verdicts
            .iter()
            .any(|v| matches!(v, Some(Verdict::Fail | Verdict::Error)))
        {
            Status::Failing
        } else if verdicts.iter().all(Option::is_some) && !verdicts.is_empty() {
            Status::Done
        } else {
            Status::NeedsAttention
        }
    }

    /// The file to download now: [`Workbench::export_file`] stamped with this moment.
    pub fn export_now(&self) -> Result<Spec, String> {
        self.spec.with_untracked(|spec| {
            self.last.with_untracked(|last| {
                let last = exportable(spec, last)?;
                self.draft
                    .with_untracked(|d| d.export(&last.spec, &last.run, &session::now_rfc3339()))
            })
        })
    }

    pub fn export_status(&self) -> Status {
        match self.export_file.with(Result::is_ok) {
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

/// The last run, if it was a Run all of `spec`. The history is left out of the comparison:
/// exporting makes that file the previous revision, which changes the draft's history but not
/// what the run recorded, and [`Draft::export`] then gives the same file back.
fn exportable<'a>(spec: &Spec, last: &'a Option<LastRun>) -> Result<&'a LastRun, String> {
    match last {
        // Both specs come from the draft, so "tests the same" is "equal but for the history".
        Some(last) if last.full && last.spec.tests_the_same_as(spec) => Ok(last),
        Some(_) => Err(
            "The settings changed since the last Run all: run everything again to \
                        record results for this spec."
                .to_owned(),
        ),
        None => {
            Err("Press Run all: the spec records the results a replay must reproduce.".to_owned())
        }
    }
}

fn parse(source: &DataSource) -> Result<Table, String> {
    Table::parse_csv(source.csv()).map_err(|e| e.to_string())
}
