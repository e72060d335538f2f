//! Assay's engine as the page's Web Worker. The page posts a `JobRequest` (the spec as JSON, and
//! its data); the worker answers `Ready` once it listens, `Progress` as the run goes, and `Done`
//! or `Failed` (see `assay_engine::host`). Cancel is the page terminating the worker: the engine
//! never needs to stop half-way, so it never checks.
//!
//! Reports travel as JavaScript values (`serde-wasm-bindgen`), not JSON: a diverged training's
//! loss is NaN or infinite, which JSON cannot carry, and every other number crosses exactly.

#[cfg(target_arch = "wasm32")]
mod worker {
    use std::cell::RefCell;

    use assay_engine::host::{Host, JobReport, JobRequest};
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

    /// Milliseconds between two progress reports: often enough for a smooth bar and curve,
    /// rarely enough that copying the loss curve costs nothing.
    const REPORT_EVERY_MS: f64 = 50.0;

    thread_local! {
        static HOST: RefCell<Host> = RefCell::default();
    }

    fn post(scope: &DedicatedWorkerGlobalScope, report: &JobReport) {
        if let Ok(value) = serde_wasm_bindgen::to_value(report) {
            let _ = scope.post_message(&value);
        }
    }

    pub fn start() {
        console_error_panic_hook::set_once();
        let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        let replies = scope.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let request = event
                .data()
                .as_string()
                .and_then(|text| serde_json::from_str::<JobRequest>(&text).ok());
            let report = match request {
                Some(request) => {
                    let mut last = f64::NEG_INFINITY;
                    HOST.with(|host| {
                        host.borrow_mut().run(&request, |progress, loss_curve| {
                            let now = js_sys::Date::now();
                            if now - last >= REPORT_EVERY_MS || progress.done == progress.total {
                                last = now;
                                post(
                                    &replies,
                                    &JobReport::Progress {
                                        progress,
                                        loss_curve: loss_curve.to_vec(),
                                    },
                                );
                            }
                        })
                    })
                }
                None => JobReport::Failed {
                    error: "the page sent the engine a request it could not read".into(),
                },
            };
            post(&replies, &report);
        });
        scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        // The handler lives as long as the worker.
        on_message.forget();
        post(&scope, &JobReport::Ready);
    }
}

fn main() {
    #[cfg(target_arch = "wasm32")]
    worker::start();
}
