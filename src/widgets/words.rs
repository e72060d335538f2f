//! Sentences from the engine and the app, shown as people read them.

use leptos::either::Either;
use leptos::prelude::*;

/// `text` with its backtick-quoted names (`column`, a file, a command) set as code instead of
/// showing the backticks: the engine's messages quote names that way for the terminal.
pub fn sentence(text: &str) -> impl IntoView + use<> {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            let part = part.to_owned();
            if i % 2 == 1 {
                Either::Right(view! { <code>{part}</code> })
            } else {
                Either::Left(part)
            }
        })
        .collect_view()
}
