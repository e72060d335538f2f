//! Handing the thread back to the browser between slices of work.

use std::cell::RefCell;
use std::collections::VecDeque;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

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
