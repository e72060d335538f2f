//! The workbench's shared state and the actions that change it: train, run all, run one
//! check, cancel, export, start anew. Panels read it with `expect_context::<Workbench>()`.

use std::collections::HashMap;

use assay_engine::checks::{CheckOutcome, CheckSpec, Verdict};
use assay_engine::data::Table;
use assay_engine::replay::{Progress, Run, Stepper};
use assay_engine::spec::Spec;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::draft::{DataSource, Draft};
use crate::job::{Cancel, Ended, run_in_slices};
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

/// Check outcomes by the check's settings, for one model (data, preprocessing, model, training).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcomes {
    pub model_key: Option<Spec>,
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

/// The part of a spec that fixes the trained model: without checks, name or endpoints.
pub fn model_key(spec: &Spec) -> Spec {
    let mut key = spec.clone();
    key.checks.clear();
    key.endpoints.clear();
    key.history.clear();
    key.recorded = None;
    key.name.clear();
    key
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
    pub model_key: Memo<Spec>,
    pub job: RwSignal<Option<JobView>>,
    pub last: RwSignal<Option<LastRun>>,
    pub outcomes: RwSignal<Outcomes>,
    /// Why the last job could not run, in words.
    pub job_error: RwSignal<Option<String>>,
    /// Set when a job was cancelled, to say so until the next one.
    pub cancelled: RwSignal<Option<String>>,
    /// Problems keeping the draft (storage full, an unreadable saved draft).
    pub storage_notice: RwSignal<Option<String>>,
    cancel: StoredValue<Cancel, LocalStorage>,
    /// The last trained model, ready for single checks.
    trained: StoredValue<Option<Stepper>, LocalStorage>,
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
        let spec = Memo::new(move |_| {
            let rows = table.with(|t| t.as_ref().map_or(0, |t| t.rows.len()));
            draft.with(|d| d.to_spec_for(rows))
        });
        let model_key = Memo::new(move |_| spec.with(model_key));
        let storage_notice = RwSignal::new(notice);
        Effect::new(move |_| {
            let saved = draft.with(storage::save_draft);
            storage_notice.set(
                saved
                    .err()
                    .map(|e| format!("Your draft is not being saved in this browser: {e}.")),
            );
        });
        Self {
            draft,
            table,
            spec,
            model_key,
            job: RwSignal::new(None),
            last: RwSignal::new(None),
            outcomes: RwSignal::new(Outcomes::default()),
            job_error: RwSignal::new(None),
            cancelled: RwSignal::new(None),
            storage_notice,
            cancel: StoredValue::new_local(Cancel::default()),
            trained: StoredValue::new_local(None),
        }
    }

    pub fn is_busy(&self) -> bool {
        self.job.with(Option::is_some)
    }

    /// The latest run, if it trained the model the draft describes now.
    pub fn current_run(&self) -> Option<LastRun> {
        let key = self.model_key.get();
        self.last.get().filter(|last| model_key(&last.spec) == key)
    }

    /// The outcome of draft check `index` with its current settings, if it has run.
    pub fn outcome(&self, check: &CheckSpec) -> Option<CheckOutcome> {
        let key = self.model_key.get();
        self.outcomes.with(|o| {
            (o.model_key.as_ref() == Some(&key))
                .then(|| o.by_check.get(&check_key(check)).cloned())
                .flatten()
        })
    }

    /// The full run that export can record, if it ran exactly the current spec.
    ///
    /// The history is left out of the comparison: exporting makes that file the previous
    /// revision, which changes the draft's history but not what the run recorded, and
    /// [`crate::draft::Draft::export`] then gives the same file back.
    pub fn exportable_run(&self) -> Option<LastRun> {
        let without_history = |spec: &Spec| Spec {
            history: Vec::new(),
            ..spec.clone()
        };
        let spec = self.spec.with(without_history);
        self.last
            .get()
            .filter(|last| last.full && without_history(&last.spec) == spec)
    }

    pub fn train(&self) {
        let mut spec = self.spec.get_untracked();
        spec.checks.clear();
        self.start(JobKind::Train, spec);
    }

    pub fn run_all(&self) {
        self.start(JobKind::RunAll, self.spec.get_untracked());
    }

    /// Runs draft check `index`: at once on the trained model when it is current, otherwise
    /// after training it.
    pub fn run_check(&self, index: usize) {
        let Some(check) = self
            .draft
            .with_untracked(|d| d.checks.get(index).map(|c| c.spec.clone()))
        else {
            return;
        };
        let key = self.model_key.get_untracked();
        let outcome = self.trained.try_update_value(|trained| {
            trained
                .as_mut()
                .filter(|stepper| model_key(stepper.spec()) == key)
                .map(|stepper| stepper.run_check(&check))
        });
        match outcome.flatten() {
            Some(outcome) => self.record(&key, [(&check, outcome)]),
            None => {
                let mut spec = self.spec.get_untracked();
                spec.checks = vec![check];
                self.start(JobKind::Check(index), spec);
            }
        }
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
        let stepper = match Stepper::new(&spec, spec.dataset.csv.as_deref().unwrap_or_default()) {
            Ok(stepper) => stepper,
            Err(e) => {
                self.job_error.set(Some(e.to_string()));
                return;
            }
        };
        let cancel = Cancel::default();
        self.cancel.set_value(cancel.clone());
        let job = self.job;
        job.set(Some(JobView {
            kind,
            progress: stepper.progress(),
            loss_curve: stepper.loss_curve().to_vec(),
        }));
        let this = *self;
        spawn_local(async move {
            let ended = run_in_slices(stepper, &cancel, |progress, loss_curve| {
                job.set(Some(JobView {
                    kind,
                    progress,
                    loss_curve: loss_curve.to_vec(),
                }));
            })
            .await;
            let last_progress = job.get_untracked().map(|j| j.progress);
            job.set(None);
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
        let key = model_key(&spec);
        self.trained.set_value(Some(stepper.clone()));
        let run = stepper.finish();
        let outcomes: Vec<(&CheckSpec, CheckOutcome)> =
            spec.checks.iter().zip(run.checks.iter().cloned()).collect();
        self.record(&key, outcomes);
        // A single check's run trains the same model, but only training and "Run all" are
        // results to show in the Model panel and to export.
        if !matches!(kind, JobKind::Check(_)) {
            self.last.set(Some(LastRun {
                full: kind == JobKind::RunAll,
                spec,
                run,
            }));
        }
    }

    fn record<'a>(
        &self,
        key: &Spec,
        outcomes: impl IntoIterator<Item = (&'a CheckSpec, CheckOutcome)>,
    ) {
        self.outcomes.update(|o| {
            if o.model_key.as_ref() != Some(key) {
                *o = Outcomes {
                    model_key: Some(key.clone()),
                    by_check: HashMap::new(),
                };
            }
            for (check, outcome) in outcomes {
                o.by_check.insert(check_key(check), outcome);
            }
        });
    }

    /// Replaces the draft (after the user confirmed) and forgets results.
    pub fn replace_draft(&self, draft: Draft) {
        self.cancel();
        self.draft.set(draft);
        self.last.set(None);
        self.outcomes.set(Outcomes::default());
        self.trained.set_value(None);
        self.job_error.set(None);
        self.cancelled.set(None);
    }

    /// Starts anew on the first sample and forgets the saved draft.
    pub fn start_new(&self) {
        storage::clear_draft();
        self.replace_draft(Draft::default());
    }

    /// Data, model, checks: how each stands now.
    pub fn data_status(&self) -> Status {
        match self.table.with(Result::is_ok) {
            true => Status::Done,
            false => Status::Failing,
        }
    }

    pub fn model_status(&self) -> Status {
        match self.current_run() {
            Some(last) if last.run.model.ending == assay_engine::train::Ending::Completed => {
                Status::Done
            }
            Some(_) => Status::Failing,
            None => Status::NeedsAttention,
        }
    }

    pub fn checks_status(&self) -> Status {
        let checks: Vec<CheckSpec> = self.spec.with(|s| s.checks.clone());
        let verdicts: Vec<Option<Verdict>> = checks
            .iter()
            .map(|c| self.outcome(c).map(|o| o.verdict))
            .collect();
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
}

impl Default for Workbench {
    fn default() -> Self {
        Self::new()
    }
}

fn parse(source: &DataSource) -> Result<Table, String> {
    Table::parse_csv(source.csv()).map_err(|e| e.to_string())
}
