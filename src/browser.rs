//! What the app asks of the browser besides the page itself: reading a chosen file, the
//! clipboard, questions to the user, and the page's address.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The text of a file the user picked or dropped (invalid UTF-8 becomes U+FFFD, which the spec
/// reader then rejects in words).
pub async fn read_text(file: &web_sys::File) -> Result<String, String> {
    let text = JsFuture::from(file.text())
        .await
        .map_err(|e| format!("The browser could not read the file: {}", describe(&e)))?;
    text.as_string()
        .ok_or_else(|| "The browser could not read the file as text.".to_owned())
}

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

fn describe(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| format!("{error:?}"))
}
