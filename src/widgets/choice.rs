//! An `<option>` of a `<select>`.

use leptos::prelude::*;

/// An `<option>`, selected while `selected` says so. Every select builds its options here, so
/// the page carries one compiled `<option>`: written out in each `view!`, every option with its
/// own `selected` closure was compiled apart.
pub fn choice(
    value: impl Into<Oco<'static, str>>,
    label: impl Into<Oco<'static, str>>,
    selected: Signal<bool>,
) -> impl IntoView {
    option_view(value.into(), label.into(), selected)
}

/// Not generic, so every caller shares one view type.
fn option_view(
    value: Oco<'static, str>,
    label: Oco<'static, str>,
    selected: Signal<bool>,
) -> impl IntoView {
    view! { <option value=value selected=selected>{label}</option> }
}
