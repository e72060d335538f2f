//! A spec's run as the page does it: in the engine's Web Worker, so the page stays responsive
//! whatever the model, or, where the worker cannot load (a test runner, a locked-down page), in
//! the page itself, a step at a time between yields. Both are the same engine code and give the
//! same run.

use std::rc::Rc;

use assay_engine::host::{JobReport, JobRequest};
use assay_engine::replay::{Progress, Run, Stepper};
use futures_channel::mpsc::UnboundedReceiver;
use futures_util::StreamExt;

use crate::browser::worker::{EngineWorker, WorkerEvent};
use crate::state::job::{CancelHook, Work};

/// Where the run happens.
#[derive(Debug)]
enum Place {
    Worker(Rc<EngineWorker>, UnboundedReceiver<WorkerEvent>),
    Page(Box<Stepper>),
    Ended,
}

/// One run of a spec, with its progress, loss so far, and in the end its result.
#[derive(Debug)]
pub struct EngineJob {
    request: JobRequest,
    place: Place,
    progress: Progress,
    loss_curve: Vec<f64>,
    result: Option<Result<Run, String>>,
    reused_model: bool,
    /// Why the worker could not run this job, when the page ran it instead.
    in_page_because: Option<String>,
}

impl EngineJob {
    /// Starts `request` in `worker`, or in the page without one. A spec the page finds
    /// unusable at once is an `Err`.
    pub fn start(worker: Option<Rc<EngineWorker>>, request: JobRequest) -> Result<Self, String> {
        // The worker's first report comes after it loads: until then, the whole run ahead, in
        // the steps a `Stepper` counts (epochs, then checks), so a bar's total never changes.
        let total = request
            .spec
            .training
            .epochs
            .saturating_add(u32::try_from(request.spec.checks.len()).unwrap_or(u32::MAX));
        let mut job = Self {
            progress: Progress { done: 0, total },
            place: Place::Ended,
            loss_curve: Vec::new(),
            result: None,
            reused_model: false,
            in_page_because: None,
            request,
        };
        match worker {
            Some(worker) => {
                let reports = worker.send(&job.request);
                job.place = Place::Worker(worker, reports);
            }
            None => job.run_in_page()?,
        }
        Ok(job)
    }

    fn run_in_page(&mut self) -> Result<(), String> {
        let stepper =
            Stepper::new(&self.request.spec, &self.request.csv).map_err(|e| e.to_string())?;
        self.progress = stepper.progress();
        self.loss_curve = stepper.loss_curve().to_vec();
        self.place = Place::Page(Box::new(stepper));
        Ok(())
    }

    /// The training loss so far.
    pub fn loss_curve(&self) -> &[f64] {
        &self.loss_curve
    }

    /// Whether the model came from an earlier run in the worker instead of training again.
    pub fn reused_model(&self) -> bool {
        self.reused_model
    }

    /// Why the page ran this job itself, if its worker could not.
    pub fn in_page_because(&self) -> Option<&str> {
        self.in_page_because.as_deref()
    }

    /// How the run ended: its result, or why it could not run.
    pub fn into_result(self) -> Result<Run, String> {
        self.result
            .unwrap_or_else(|| Err("the run ended without a result".to_owned()))
    }

    /// Takes in one report of the worker; whether the run goes on.
    fn heard(&mut self, event: Option<WorkerEvent>) -> bool {
        match event {
            Some(WorkerEvent::Report(JobReport::Progress {
                progress,
                loss_curve,
            })) => {
                self.progress = progress;
                self.loss_curve = loss_curve;
                true
            }
            Some(WorkerEvent::Report(JobReport::Done { run, reused_model })) => {
                self.reused_model = reused_model;
                self.progress.done = self.progress.total;
                self.result = Some(Ok(*run));
                false
            }
            Some(WorkerEvent::Report(JobReport::Failed { error })) => {
                self.result = Some(Err(error));
                false
            }
            Some(WorkerEvent::Report(JobReport::Ready)) => true,
            // Without its worker the page runs the job itself, from the start.
            Some(WorkerEvent::Unavailable(reason)) => match self.run_in_page() {
                Ok(()) => {
                    self.in_page_because = Some(reason);
                    true
                }
                Err(e) => {
                    self.result = Some(Err(e));
                    false
                }
            },
            // Terminated: cancelled.
            None => false,
        }
    }

    /// Cancels the run: the worker stops at once; in the page, the runner stops stepping.
    pub fn cancel_hook(&self) -> Option<CancelHook> {
        match &self.place {
            Place::Worker(worker, _) => {
                let worker = Rc::clone(worker);
                Some(Box::new(move || worker.terminate()))
            }
            Place::Page(_) | Place::Ended => None,
        }
    }
}

impl Work for EngineJob {
    async fn step(&mut self) -> bool {
        match &mut self.place {
            Place::Worker(_, reports) => {
                let event = reports.next().await;
                let more = self.heard(event);
                if !more && matches!(self.place, Place::Worker(..)) {
                    self.place = Place::Ended;
                }
                more
            }
            Place::Page(stepper) => {
                let more = stepper.step();
                self.progress = stepper.progress();
                self.loss_curve = stepper.loss_curve().to_vec();
                if !more {
                    let Place::Page(stepper) = std::mem::replace(&mut self.place, Place::Ended)
                    else {
                        return false;
                    };
                    self.result = Some(Ok(stepper.finish()));
                }
                more
            }
            Place::Ended => false,
        }
    }

    fn progress(&self) -> Progress {
        self.progress
    }

    fn cancel_hook(&self) -> Option<CancelHook> {
        EngineJob::cancel_hook(self)
    }
}
