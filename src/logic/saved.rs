//! The draft as the browser keeps it: the text written on every change and read at start.

use crate::logic::draft::{DRAFT_FORMAT, Draft};

/// The text to keep for `draft`. Pretty like a spec file, so the page carries one JSON writer
/// for the types a draft shares with specs, not a second, compact one.
pub fn to_saved(draft: &Draft) -> Result<String, String> {
    serde_json::to_string_pretty(&pack(draft)).map_err(|e| e.to_string())
}

/// The draft in kept text, or why it cannot be read (in words, to quote in a sentence).
pub fn from_saved(text: &str) -> Result<Draft, String> {
    match serde_json::from_str::<Draft>(text) {
        Ok(draft) if draft.format == DRAFT_FORMAT => Ok(unpack(draft)),
        Ok(draft) => Err(format!(
            "it was saved by another version of Assay (draft format {}, this page reads {DRAFT_FORMAT})",
            draft.format
        )),
        Err(e) => Err(e.to_string()),
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
        let stored = to_saved(&draft).unwrap();
        assert_eq!(
            stored.matches("mean_radius,mean_texture").count(),
            0,
            "samples are by id"
        );
        assert!(packed.previous.as_ref().unwrap().dataset.csv.is_none());
        assert_eq!(from_saved(&stored).unwrap(), draft);
    }

    #[test]
    fn a_draft_of_another_format_is_refused_in_words() {
        let draft = Draft {
            format: DRAFT_FORMAT + 1,
            ..Draft::default()
        };
        let text = serde_json::to_string_pretty(&draft).unwrap();
        let refusal = from_saved(&text).unwrap_err();
        assert!(refusal.contains("another version of Assay"), "{refusal}");
        assert!(from_saved("{").is_err());
    }
}
