//! The engine's Web Worker, from the page's side: started from the loader Trunk builds next to
//! the page (`assay-worker_loader.js`, see `index.html`), sent one request at a time, its
//! reports delivered on a channel. Terminating it is how a run is cancelled: at once, whatever
//! the engine is in the middle of.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use assay_engine::host::{JobReport, JobRequest};
use futures_channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{ErrorEvent, MessageEvent, Worker};

/// The loader script, relative to the page.
const LOADER: &str = "assay-worker_loader.js";

/// What a job hears from the worker.
#[derive(Debug)]
pub enum WorkerEvent {
    Report(JobReport),
    /// The worker could not start or stopped with an error: the page runs the job itself.
    Unavailable(String),
}

/// What the worker's handlers share with the page.
#[derive(Debug, Default)]
struct Shared {
    ready: Cell<bool>,
    /// It did not load, or stopped with an error: no use trying it again.
    failed: Cell<bool>,
    terminated: Cell<bool>,
    /// A request waiting for `Ready`: the worker drops messages sent before it listens.
    pending: RefCell<Option<String>>,
    /// Where the current job's reports go.
    reports: RefCell<Option<UnboundedSender<WorkerEvent>>>,
}

impl Shared {
    fn deliver(&self, event: WorkerEvent) {
        if let Some(reports) = self.reports.borrow().as_ref() {
            let _ = reports.unbounded_send(event);
        }
    }
}

/// A running worker.
#[derive(Debug)]
pub struct EngineWorker {
    worker: Worker,
    shared: Rc<Shared>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

impl EngineWorker {
    /// Starts a worker; it loads in the background.
    pub fn start() -> Result<Self, String> {
        let worker = Worker::new(LOADER).map_err(|e| format!("{e:?}"))?;
        let shared = Rc::new(Shared::default());
        let on_message = {
            let shared = Rc::clone(&shared);
            let worker = worker.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                match serde_wasm_bindgen::from_value::<JobReport>(event.data()) {
                    Ok(JobReport::Ready) => {
                        shared.ready.set(true);
                        if let Some(request) = shared.pending.borrow_mut().take() {
                            let _ = worker.post_message(&request.into());
                        }
                    }
                    Ok(report) => shared.deliver(WorkerEvent::Report(report)),
                    Err(e) => shared.deliver(WorkerEvent::Unavailable(format!(
                        "the engine's answer could not be read: {e}"
                    ))),
                }
            })
        };
        let on_error = {
            let shared = Rc::clone(&shared);
            Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
                shared.failed.set(true);
                let message = event.message();
                shared.deliver(WorkerEvent::Unavailable(if message.is_empty() {
                    "the engine's worker did not load".to_owned()
                } else {
                    message
                }));
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Self {
            worker,
            shared,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// Whether it can take another job: not terminated, and it did not fail.
    pub fn is_usable(&self) -> bool {
        !(self.shared.failed.get() || self.shared.terminated.get())
    }

    /// Whether it failed to load or stopped with an error (a new one would too).
    pub fn has_failed(&self) -> bool {
        self.shared.failed.get()
    }

    /// Sends `request`; the job's reports arrive on the returned channel. A job still running
    /// hears no more.
    pub fn send(&self, request: &JobRequest) -> UnboundedReceiver<WorkerEvent> {
        let (sender, receiver) = unbounded();
        *self.shared.reports.borrow_mut() = Some(sender);
        // Pretty, the one JSON writer the page carries (see `tests/layers.rs`).
        match serde_json::to_string_pretty(request) {
            Ok(text) if self.shared.ready.get() => {
                if self.worker.post_message(&text.into()).is_err() {
                    self.shared.deliver(WorkerEvent::Unavailable(
                        "the engine's worker took no request".into(),
                    ));
                }
            }
            Ok(text) => *self.shared.pending.borrow_mut() = Some(text),
            Err(e) => self.shared.deliver(WorkerEvent::Unavailable(e.to_string())),
        }
        receiver
    }

    /// Stops the worker at once; the current job hears that it ended.
    pub fn terminate(&self) {
        self.worker.terminate();
        self.shared.terminated.set(true);
        self.shared.pending.borrow_mut().take();
        // Dropping the sender ends the job's channel.
        self.shared.reports.borrow_mut().take();
    }
}
