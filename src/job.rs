//! Long engine work in slices: the page runs a [`Stepper`] for a few milliseconds, hands the
//! thread back to the browser (so it paints progress and takes clicks), and goes on until the
//! run ends or is cancelled. Slices rather than a Web Worker keep one wasm module and one
//! build; a single epoch or check is the longest the page can stall.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use assay_engine::replay::{Progress, Stepper};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Milliseconds of engine work between two yields: a frame is about 16 ms.
const SLICE_MS: f64 = 12.0;

/// A shared "stop" flag: the Cancel button sets it, the running job reads it between steps.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Rc<Cell<bool>>);

impl Cancel {
    pub fn cancel(&self) {
        self.0.set(true);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.get()
    }
}

/// How a sliced run ended.
#[derive(Debug)]
pub enum Ended {
    /// Every step ran; `finish` on the stepper gives the run.
    Done(Box<Stepper>),
    Cancelled,
}

/// Steps `stepper` to the end, calling `report` after each slice.
pub async fn run_in_slices(
    mut stepper: Stepper,
    cancel: &Cancel,
    mut report: impl FnMut(Progress, &[f64]),
) -> Ended {
    loop {
        let started = now_ms();
        loop {
            if cancel.is_cancelled() {
                return Ended::Cancelled;
            }
            if !stepper.step() {
                report(stepper.progress(), stepper.loss_curve());
                return Ended::Done(Box::new(stepper));
            }
            if now_ms() - started > SLICE_MS {
                break;
            }
        }
        report(stepper.progress(), stepper.loss_curve());
        yield_to_browser().await;
    }
}

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Resolves on the browser's next task, after it has had the chance to paint and handle input.
///
/// A `MessageChannel` message rather than `setTimeout(0)`: timers are clamped to 4 ms once
/// nested and slowed to about once a second in a background tab, messages are not, so a run
/// keeps going while the author reads another tab.
pub async fn yield_to_browser() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let posted = CHANNEL.with(|channel| {
            channel.as_ref().is_some_and(|channel| {
                WAITING.with(|waiting| waiting.borrow_mut().push_back(resolve.clone()));
                channel.port2().post_message(&JsValue::NULL).is_ok()
            })
        });
        let scheduled = posted
            || web_sys::window()
                .map(|w| w.set_timeout_with_callback(&resolve).is_ok())
                .unwrap_or(false);
        if !scheduled {
            // No way to wait (not a page): go on at once rather than hang.
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    let _ = JsFuture::from(promise).await;
}

thread_local! {
    /// Resolvers of the waits in flight, first posted first woken: the page's jobs and the
    /// reviewer's replay may wait at the same time.
    static WAITING: RefCell<VecDeque<js_sys::Function>> = RefCell::default();
    /// One channel for the page, kept here so it lives as long as the page.
    static CHANNEL: Option<web_sys::MessageChannel> = {
        let channel = web_sys::MessageChannel::new().ok()?;
        let wake = Closure::<dyn FnMut()>::new(|| {
            if let Some(resolve) = WAITING.with(|waiting| waiting.borrow_mut().pop_front()) {
                let _ = resolve.call0(&JsValue::NULL);
            }
        });
        channel.port1().set_onmessage(Some(wake.as_ref().unchecked_ref()));
        // Handlers for the page's whole life: leaked once, on purpose.
        wake.forget();
        Some(channel)
    };
}
