//! What the app asks of the page: the clipboard, questions to the user, scrolling, form
//! controls set back, and the page's address.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Puts `text` on the clipboard; fails where the page may not (no permission, an insecure
/// origin without `navigator.clipboard`).
pub async fn copy_text(text: &str) -> Result<(), String> {
    let navigator = leptos::prelude::window().navigator();
    // `navigator.clipboard` is missing on insecure origins; calling it would throw.
    let clipboard = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"))
        .ok()
        .filter(|c| !c.is_undefined() && !c.is_null())
        .ok_or("this page may not use the clipboard")?;
    JsFuture::from(
        clipboard
            .unchecked_into::<web_sys::Clipboard>()
            .write_text(text),
    )
    .await
    .map(|_| ())
    .map_err(|e| describe(&e))
}

/// Asks the user a yes/no question; `false` if the browser will not ask.
pub fn confirm(question: &str) -> bool {
    leptos::prelude::window()
        .confirm_with_message(question)
        .unwrap_or(false)
}

/// Brings the element with `id` into view.
pub fn scroll_to(id: &str) {
    if let Some(element) = leptos::prelude::document().get_element_by_id(id) {
        element.scroll_into_view();
    }
}

/// Takes the user to the form field with `id`: into view, with the keyboard focus on it.
pub fn focus(id: &str) {
    use wasm_bindgen::JsCast;
    let element = leptos::prelude::document().get_element_by_id(id);
    if let Some(field) = element.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        field.scroll_into_view();
        let _ = field.focus();
    }
}

/// Takes the element with `id` out of the page, if it is there (the loading screen, once the
/// app has mounted).
pub fn remove_element(id: &str) {
    if let Some(element) = leptos::prelude::document().get_element_by_id(id) {
        element.remove();
    }
}

/// Puts the `<select>` that fired `ev` back on `value` (after the user declined the change).
pub fn set_select_value(ev: &leptos::ev::Event, value: &str) {
    let select: web_sys::HtmlSelectElement = leptos::prelude::event_target(ev);
    select.set_value(value);
}

/// The page's address without its fragment.
pub fn page_address() -> String {
    let href = leptos::prelude::location().href().unwrap_or_default();
    match href.split_once('#') {
        Some((page, _)) => page.to_owned(),
        None => href,
    }
}

/// The page's fragment, with its `#`, or empty.
pub fn location_hash() -> String {
    leptos::prelude::location().hash().unwrap_or_default()
}

/// A JavaScript error in words.
pub(super) fn describe(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| format!("{error:?}"))
}
