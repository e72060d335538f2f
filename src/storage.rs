//! The draft in the browser's `localStorage`, written on every change and read at start.
//! A stored draft that cannot be read is moved aside, never silently dropped.

use crate::draft::{DRAFT_FORMAT, Draft};

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
    let problem = match serde_json::from_str::<Draft>(&text) {
        Ok(draft) if draft.format == DRAFT_FORMAT => {
            return Restored::Draft(Box::new(unpack(draft)));
        }
        Ok(draft) => format!(
            "it was saved by another version of Assay (draft format {}, this page reads {DRAFT_FORMAT})",
            draft.format
        ),
        Err(e) => e.to_string(),
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

/// Saves the draft; `Err` says why it could not be kept (private mode, storage full).
pub fn save_draft(draft: &Draft) -> Result<(), String> {
    let storage = storage().ok_or("this browser does not let the page keep data")?;
    // Pretty like a spec file, so the page carries one JSON writer for the types a draft
    // shares with specs, not a second, compact one.
    let text = serde_json::to_string_pretty(&pack(draft)).map_err(|e| e.to_string())?;
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

/// The draft as stored: the previous revision's copy of the data is dropped when it is the
/// draft's own data, so an upload is not stored twice.
fn pack(draft: &Draft) -> Draft {
    let mut packed = draft.clone();
    if let Some(previous) = &mut packed.previous
        && previous.dataset.csv.as_deref() == Some(draft.csv())
    {
        previous.dataset.csv = None;
    }
    packed
}

/// Undoes [`pack`]: a previous revision with neither data nor a path had the draft's data.
fn unpack(mut draft: Draft) -> Draft {
    let csv = draft.csv().to_owned();
    if let Some(previous) = &mut draft.previous
        && previous.dataset.csv.is_none()
        && previous.dataset.path.is_none()
    {
        previous.dataset.csv = Some(csv);
    }
    draft
}

#[cfg(test)]
mod tests {
    use super::*;
    use assay_engine::replay;

    #[test]
    fn the_previous_revision_does_not_store_the_data_twice_and_gets_it_back() {
        let mut draft = Draft::default();
        draft.training.epochs = 2;
        let spec = draft.to_spec();
        let run = replay::run(&spec, draft.csv()).unwrap();
        draft.previous = Some(draft.export(&spec, &run, "2026-11-22T10:00:00Z").unwrap());
        let packed = pack(&draft);
        let stored = serde_json::to_string(&packed).unwrap();
        assert_eq!(
            stored.matches("mean_radius,mean_texture").count(),
            0,
            "samples are by id"
        );
        assert!(packed.previous.as_ref().unwrap().dataset.csv.is_none());
        let restored = unpack(serde_json::from_str(&stored).unwrap());
        assert_eq!(restored, draft);
    }
}
