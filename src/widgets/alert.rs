//! An error in words.

use leptos::prelude::*;

use crate::widgets::words::sentence;

/// An error in words, announced to screen readers; `test_id` lets tests find it.
pub fn alert(message: &str, test_id: &'static str) -> impl IntoView + use<> {
    view! {
        <p class="error" role="alert" data-testid=test_id>
            {sentence(message)}
        </p>
    }
}
