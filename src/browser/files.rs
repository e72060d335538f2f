//! Files the user picks or drops: their name and size before reading, and their text.

use leptos::ev::{DragEvent, Event};
use leptos::prelude::event_target;
use wasm_bindgen_futures::JsFuture;

use super::page::describe;

/// A file the user chose, not read yet.
#[derive(Debug, Clone)]
pub struct PickedFile(web_sys::File);

impl PickedFile {
    pub fn name(&self) -> String {
        self.0.name()
    }

    /// Its size in bytes, known before reading, so a huge file is refused unread.
    pub fn size(&self) -> f64 {
        self.0.size()
    }

    /// Its text (invalid UTF-8 becomes U+FFFD, which the spec reader then rejects in words).
    pub async fn read_text(&self) -> Result<String, String> {
        let text = JsFuture::from(self.0.text())
            .await
            .map_err(|e| format!("The browser could not read the file: {}", describe(&e)))?;
        text.as_string()
            .ok_or_else(|| "The browser could not read the file as text.".to_owned())
    }
}

/// The file chosen in the `<input type="file">` that fired `ev`. The input is emptied, so
/// choosing the same file again (after fixing it) fires `change` again.
pub fn picked(ev: &Event) -> Option<PickedFile> {
    let input: web_sys::HtmlInputElement = event_target(ev);
    let file = input.files().and_then(|files| files.get(0)).map(PickedFile);
    input.set_value("");
    file
}

/// The first file a drop carries.
pub fn dropped(ev: &DragEvent) -> Option<PickedFile> {
    ev.data_transfer()
        .and_then(|d| d.files())
        .and_then(|f| f.get(0))
        .map(PickedFile)
}

/// Whether a drag carries files (rather than text or a link).
pub fn carries_files(ev: &DragEvent) -> bool {
    ev.data_transfer()
        .is_some_and(|d| d.types().includes(&"Files".into(), 0))
}
