//! Wording the checks' summaries share.

/// A fraction as a percentage with one decimal: `0.25` is `25.0%`.
pub(super) fn percent(fraction: f64) -> String {
    format!("{:.1}%", fraction * 100.0)
}

/// The plural ending for `n` things.
pub(super) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
