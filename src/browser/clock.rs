//! The page's clocks: a monotonic one for timing work and requests, and the calendar for a
//! spec's timestamps.

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
