//! The page's clocks: a monotonic one for timing work and requests, the calendar for a spec's
//! timestamps, and marks on the page's timeline.

/// Milliseconds on the page's monotonic clock (`performance.now()`); 0 where there is none.
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// The browser's clock as RFC 3339 (UTC), for a spec's timestamps.
pub fn now_rfc3339() -> String {
    js_sys::Date::new_0()
        .to_iso_string()
        .as_string()
        .unwrap_or_default()
}

/// Records `name` on the page's timeline (a User Timing mark): where start-up begins and ends,
/// for the browser's performance panel and `cargo xtask bench`'s start-up figures.
pub fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(name);
    }
}
