//! The draft in the browser's `localStorage`, written on every change and read at start.
//! A stored draft that cannot be read is moved aside, never silently dropped.

use crate::logic::draft::Draft;
use crate::logic::endpoints::evaluation::Evaluated;
use crate::logic::runs::{LastRun, Outcomes};
use crate::logic::saved::{Kept, from_saved, to_saved_with};

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
    /// The draft and the results that were on screen.
    Draft(Box<Kept>),
    /// The message says what happened to the stored text.
    Unreadable(String),
}

pub fn load_draft() -> Restored {
    let Some(storage) = storage() else {
        return Restored::Nothing;
    };
    let Ok(Some(text)) = storage.get_item(DRAFT_KEY) else {
        return Restored::Nothing;
    };
    let problem = match from_saved(&text) {
        Ok(kept) => return Restored::Draft(Box::new(kept)),
        Err(problem) => problem,
    };
    // Freed first, so the copy fits even when the draft fills most of the quota.
    let _ = storage.remove_item(DRAFT_KEY);
    let kept = storage.set_item(UNREADABLE_KEY, &text).is_ok();
    if !kept {
        // Put it back rather than lose it; the page then works without saving.
        let _ = storage.set_item(DRAFT_KEY, &text);
    }
    Restored::Unreadable(if kept {
        format!(
            "The saved draft could not be read ({problem}), so the page starts afresh. Its text \
             is kept in this browser's localStorage under `{UNREADABLE_KEY}`."
        )
    } else {
        format!(
            "The saved draft could not be read ({problem}) nor moved aside, so the page starts \
             afresh and leaves it under `{DRAFT_KEY}` until you change something here."
        )
    })
}

/// Saves the draft and its results, stamped `now`; `Err` says why they could not be kept
/// (private mode, storage full).
pub fn save_draft(
    draft: &Draft,
    last: Option<&LastRun>,
    outcomes: &Outcomes,
    evaluated: Option<&Evaluated>,
    now: &str,
) -> Result<(), String> {
    let storage = storage().ok_or("this browser does not let the page keep data")?;
    let text = to_saved_with(draft, last, outcomes, evaluated, now)?;
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
