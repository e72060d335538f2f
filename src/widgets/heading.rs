//! A panel's heading.

use leptos::prelude::*;

use crate::logic::status::Status;

/// A panel's heading with its status in words, so the state is clear at a glance.
pub fn panel_heading(
    id: &'static str,
    title: &'static str,
    status: Signal<Status>,
) -> impl IntoView {
    view! {
        <h2 id=id>
            {title}
            <span class=move || status.get().class() data-testid="panel-status">{move || status.get().label()}</span>
        </h2>
    }
}
