//! The file drop zone: a labelled file input that also takes a file dropped on it.

use leptos::ev::DragEvent;
use leptos::prelude::*;

use crate::browser::files::{self, PickedFile};

/// What a drop zone is for.
#[derive(Debug, Clone, Copy)]
pub struct DropZone {
    pub test_id: &'static str,
    /// The file input's label and test id, and the files it offers.
    pub label: &'static str,
    pub input_test_id: &'static str,
    pub accept: &'static str,
    /// A line under the input, if any.
    pub hint: Option<&'static str>,
}

/// A drop zone holding `before` and a file input. `on_file` gets the file picked or dropped,
/// or `None` when a drop carried no file.
pub fn file_drop(
    zone: DropZone,
    before: impl IntoView + 'static,
    on_file: impl Fn(Option<PickedFile>) + Copy + 'static,
) -> impl IntoView {
    let dragging = RwSignal::new(false);
    // Accepting the drag is what makes the browser deliver the drop instead of opening the file.
    let on_drag = move |ev: DragEvent| {
        ev.prevent_default();
        dragging.set(true);
    };
    view! {
        <div
            class="drop-zone"
            class:dragging=move || dragging.get()
            data-testid=zone.test_id
            on:dragenter=on_drag
            on:dragover=on_drag
            on:dragleave=move |_| dragging.set(false)
            on:drop=move |ev: DragEvent| {
                ev.prevent_default();
                dragging.set(false);
                on_file(files::dropped(&ev));
            }
        >
            {before}
            <label class="field">
                {zone.label}
                <input
                    type="file"
                    accept=zone.accept
                    data-testid=zone.input_test_id
                    on:change=move |ev| {
                        if let Some(file) = files::picked(&ev) {
                            on_file(Some(file));
                        }
                    }
                />
            </label>
            {zone.hint.map(|hint| view! { <p class="muted">{hint}</p> })}
        </div>
    }
}
