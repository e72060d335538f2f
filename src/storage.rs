//! The draft in the browser's `localStorage`, written on every change and read at start.
//! A stored draft that cannot be read is moved aside, never silently dropped.

use crate::draft::Draft;

const DRAFT_KEY: &str = "assay.draft";
/// Where an unreadable draft is kept, so the user can still recover it by hand.
const UNREADABLE_KEY: &str = "assay.draft.unreadable";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// What was found at start.
#[derive(Debug)]
pub enum Restored {
    Nothing,
    Draft(Box<Draft>),
    /// The stored text was kept under another key; the message says where.
    Unreadable(String),
}

pub fn load_draft() -> Restored {
    let Some(storage) = storage() else {
        return Restored::Nothing;
    };
    let Ok(Some(text)) = storage.get_item(DRAFT_KEY) else {
        return Restored::Nothing;
    };
    match serde_json::from_str::<Draft>(&text) {
        Ok(draft) => Restored::Draft(Box::new(draft)),
        Err(e) => {
            let _ = storage.set_item(UNREADABLE_KEY, &text);
            let _ = storage.remove_item(DRAFT_KEY);
            Restored::Unreadable(format!(
                "The saved draft could not be read ({e}), so the page starts afresh. Its text \
                 is kept in this browser's localStorage under `{UNREADABLE_KEY}`."
            ))
        }
    }
}

/// Saves the draft; `Err` says why it could not be kept (private mode, storage full).
pub fn save_draft(draft: &Draft) -> Result<(), String> {
    let storage = storage().ok_or("this browser does not let the page keep data")?;
    // Pretty like a spec file, so the page carries one JSON writer for the types a draft
    // shares with specs, not a second, compact one.
    let text = serde_json::to_string_pretty(draft).map_err(|e| e.to_string())?;
    storage.set_item(DRAFT_KEY, &text).map_err(|_| {
        format!(
            "the browser refused to keep {:.1} MB (its storage is full or disabled)",
            text.len() as f64 / 1e6
        )
    })
}

/// Forgets the saved draft (after the user confirmed "New").
pub fn clear_draft() {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(DRAFT_KEY);
    }
}
