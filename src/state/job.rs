//! One job runner for every long piece of work the page does: training, Run all, one check,
//! the reviewer's replay and the endpoint cases. The work goes a step at a time; the runner
//! keeps going for a few milliseconds, hands the thread back to the browser (so it paints
//! progress and takes clicks), and goes on until the work ends or is cancelled. A spec's run
//! steps by waiting for its Web Worker's next report (`engine_job`), so nothing of the engine
//! holds the page; the reviewer's replay and the endpoint cases step in the page.

use std::cell::{Cell, RefCell};
use std::future::{Future, ready};
use std::rc::Rc;

use assay_engine::replay::{Progress, Stepper};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::clock::now_ms;
use crate::browser::schedule::yield_to_browser;

/// Milliseconds of work between two yields: a frame is about 16 ms.
const SLICE_MS: f64 = 12.0;

/// What stops a job at once when it is cancelled.
pub type CancelHook = Box<dyn FnOnce()>;

/// A shared "stop" flag: the Cancel button sets it, the running job reads it between steps;
/// a job whose step waits on something else (a worker) leaves a hook that stops it at once.
#[derive(Clone, Default)]
pub struct Cancel {
    cancelled: Rc<Cell<bool>>,
    hook: Rc<RefCell<Option<CancelHook>>>,
}

impl std::fmt::Debug for Cancel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cancel")
            .field("cancelled", &self.cancelled.get())
            .finish_non_exhaustive()
    }
}

impl Cancel {
    pub fn cancel(&self) {
        self.cancelled.set(true);
        if let Some(hook) = self.hook.borrow_mut().take() {
            hook();
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.get()
    }

    fn on_cancel(&self, hook: Option<CancelHook>) {
        *self.hook.borrow_mut() = hook;
    }
}

/// Work done a step at a time.
pub trait Work: 'static {
    /// Does the next step; `false` once nothing is left.
    fn step(&mut self) -> impl Future<Output = bool>;
    fn progress(&self) -> Progress;

    /// What stops the work at once when it is cancelled, for work whose step waits on
    /// something the flag cannot interrupt.
    fn cancel_hook(&self) -> Option<CancelHook> {
        None
    }
}

/// A spec's run: an epoch or a check per step, all done in place.
impl Work for Stepper {
    fn step(&mut self) -> impl Future<Output = bool> {
        ready(Stepper::step(self))
    }

    fn progress(&self) -> Progress {
        Stepper::progress(self)
    }
}

/// How a job ended.
#[derive(Debug)]
pub enum Ended<W> {
    /// Every step ran.
    Done(W),
    Cancelled,
}

/// Steps `work` to the end, calling `report` after each slice and at the end.
async fn run_in_slices<W: Work>(
    mut work: W,
    cancel: &Cancel,
    mut report: impl FnMut(&W),
) -> Ended<W> {
    loop {
        let started = now_ms();
        loop {
            if cancel.is_cancelled() {
                return Ended::Cancelled;
            }
            let more = work.step().await;
            // A cancelled worker ends its step at once: that is no finished run.
            if cancel.is_cancelled() {
                return Ended::Cancelled;
            }
            if !more {
                report(&work);
                return Ended::Done(work);
            }
            if now_ms() - started > SLICE_MS {
                break;
            }
        }
        report(&work);
        yield_to_browser().await;
    }
}

/// Where one job at a time runs, with its progress for a bar and a Cancel.
#[derive(Debug, Clone, Copy)]
pub struct Runner {
    progress: RwSignal<Option<Progress>>,
    cancel: StoredValue<Cancel, LocalStorage>,
}

impl Default for Runner {
    fn default() -> Self {
        Self::new()
    }
}

impl Runner {
    pub fn new() -> Self {
        Self {
            progress: RwSignal::new(None),
            cancel: StoredValue::new_local(Cancel::default()),
        }
    }

    /// The running job's progress; `None` while none runs.
    pub fn progress(&self) -> Option<Progress> {
        self.progress.get()
    }

    pub fn is_running(&self) -> bool {
        self.progress.with(Option::is_some)
    }

    /// Asks the running job to stop before its next step.
    pub fn cancel(&self) {
        self.cancel.with_value(Cancel::cancel);
    }

    /// Starts `work` unless a job runs here already (then `false`). `report` sees the work
    /// after each slice; `finish` gets how it ended and its last progress, once the runner is
    /// free again.
    pub fn start<W: Work>(
        &self,
        work: W,
        mut report: impl FnMut(&W) + 'static,
        finish: impl FnOnce(Ended<W>, Progress) + 'static,
    ) -> bool {
        if self.progress.with_untracked(Option::is_some) {
            return false;
        }
        let cancel = Cancel::default();
        cancel.on_cancel(work.cancel_hook());
        self.cancel.set_value(cancel.clone());
        let progress = self.progress;
        let first = work.progress();
        progress.set(Some(first));
        spawn_local(async move {
            let ended = run_in_slices(work, &cancel, |work| {
                progress.set(Some(work.progress()));
                report(work);
            })
            .await;
            let last = progress.get_untracked().unwrap_or(first);
            progress.set(None);
            finish(ended, last);
        });
        true
    }
}
