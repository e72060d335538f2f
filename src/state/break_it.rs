//! Break it, run from the page: one picked bug (its unmutated and mutated runs) or the whole
//! bug × check matrix (fifteen runs), a run per step of the page's job runner, so a bar shows
//! progress and Cancel stops it between runs. Results are kept in memory only, with the spec
//! they were made for.

use std::future::{Future, ready};

use assay_engine::mutate::Matrix;
use assay_engine::mutation::Mutation;
use assay_engine::replay::Progress;
use assay_engine::spec::Spec;
use leptos::prelude::*;

use crate::logic::break_it::Breaking;
use crate::state::job::{Ended, Runner, Work};

impl Work for Breaking {
    fn step(&mut self) -> impl Future<Output = bool> {
        ready(Breaking::step(self))
    }

    fn progress(&self) -> Progress {
        Breaking::progress(self)
    }
}

/// What a Break it job makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakKind {
    /// One bug's runs, for its cards.
    Pick,
    /// Every bug's runs, for the table.
    Matrix,
}

impl BreakKind {
    pub fn label(self) -> &'static str {
        match self {
            BreakKind::Pick => "Running the correct and the broken model",
            BreakKind::Matrix => "Computing the bug × check matrix",
        }
    }
}

/// A finished Break it result and the spec it was made for.
#[derive(Debug, Clone, PartialEq)]
pub struct Broken {
    pub spec: Spec,
    pub matrix: Matrix,
}

/// The Break it view's runs and results.
#[derive(Debug, Clone, Copy)]
pub struct BreakRuns {
    /// The picked bug's runs (a matrix of one row).
    pub picked: RwSignal<Option<Broken>>,
    /// The whole matrix.
    pub matrix: RwSignal<Option<Broken>>,
    /// What runs now.
    pub running: RwSignal<Option<BreakKind>>,
    /// Why a job could not start or finish, or that it was cancelled.
    pub message: RwSignal<Option<String>>,
    pub runner: Runner,
}

impl Default for BreakRuns {
    fn default() -> Self {
        Self::new()
    }
}

impl BreakRuns {
    pub fn new() -> Self {
        Self {
            picked: RwSignal::new(None),
            matrix: RwSignal::new(None),
            running: RwSignal::new(None),
            message: RwSignal::new(None),
            runner: Runner::new(),
        }
    }

    /// Runs `spec` on `csv` with `mutation` (a [`BreakKind::Pick`]) or with every mutation.
    pub fn start(&self, kind: BreakKind, spec: Spec, csv: String, mutation: Mutation) {
        if self.runner.is_running() {
            return;
        }
        let mutations = match kind {
            BreakKind::Pick => vec![mutation],
            BreakKind::Matrix => Mutation::ALL.to_vec(),
        };
        self.message.set(None);
        self.running.set(Some(kind));
        let state = *self;
        self.runner.start(
            Breaking::new(spec.clone(), csv, mutations),
            |_| {},
            move |ended, progress| state.ended(kind, spec, ended, progress),
        );
    }

    /// Keeps what a finished job made for `spec`, or says why there is nothing.
    fn ended(&self, kind: BreakKind, spec: Spec, ended: Ended<Breaking>, progress: Progress) {
        self.running.set(None);
        let found = match ended {
            Ended::Cancelled => {
                self.message.set(Some(format!(
                    "Cancelled after {} of {} runs; nothing was kept.",
                    progress.done, progress.total
                )));
                return;
            }
            Ended::Done(breaking) => breaking.finish(),
        };
        match found {
            Ok(matrix) => {
                let broken = Some(Broken { spec, matrix });
                match kind {
                    BreakKind::Pick => self.picked.set(broken),
                    BreakKind::Matrix => self.matrix.set(broken),
                }
            }
            Err(e) => self
                .message
                .set(Some(format!("The runs could not be made: {e}"))),
        }
    }

    pub fn cancel(&self) {
        self.runner.cancel();
    }
}

#[cfg(test)]
mod tests {
    use assay_engine::mutate::Cell;

    use super::*;
    use crate::logic::draft::Draft;

    /// The runs of one bug on the first sample, stepped to the end as the runner steps them.
    fn picked(mutation: Mutation) -> (Spec, Breaking) {
        let draft = Draft::default();
        let spec = draft.to_spec();
        let mut breaking = Breaking::new(spec.clone(), draft.csv().to_owned(), vec![mutation]);
        while breaking.step() {}
        (spec, breaking)
    }

    #[test]
    fn a_picked_bug_keeps_its_row_for_the_spec_it_ran_and_leaves_the_matrix() {
        let _owner = Owner::new();
        let runs = BreakRuns::new();
        runs.running.set(Some(BreakKind::Pick));
        let (spec, breaking) = picked(Mutation::GradientSignFlipped);
        let progress = breaking.progress();
        runs.ended(
            BreakKind::Pick,
            spec.clone(),
            Ended::Done(breaking),
            progress,
        );
        let kept = runs.picked.get_untracked().unwrap();
        assert_eq!(kept.spec, spec);
        assert_eq!(kept.matrix.rows.len(), 1);
        assert!(kept.matrix.rows[0].cells.contains(&Cell::Caught));
        assert_eq!(runs.running.get_untracked(), None);
        assert!(runs.matrix.get_untracked().is_none());
        assert!(runs.message.get_untracked().is_none());
    }

    #[test]
    fn a_cancelled_matrix_keeps_nothing_and_says_how_far_it_got() {
        let _owner = Owner::new();
        let runs = BreakRuns::new();
        runs.running.set(Some(BreakKind::Matrix));
        let progress = Progress { done: 4, total: 15 };
        runs.ended(
            BreakKind::Matrix,
            Draft::default().to_spec(),
            Ended::Cancelled,
            progress,
        );
        assert!(runs.matrix.get_untracked().is_none());
        assert_eq!(runs.running.get_untracked(), None);
        assert_eq!(
            runs.message.get_untracked().as_deref(),
            Some("Cancelled after 4 of 15 runs; nothing was kept.")
        );
    }
}
