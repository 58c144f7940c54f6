//! The browser's clock for receipts and history rows: now, and this machine's UTC offset
//! (read at each use, so a change of time zone or daylight saving shows).

use sparkplug_core::pages::clock::UtcOffset;

/// Milliseconds since the epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

pub fn offset() -> UtcOffset {
    UtcOffset::from_js_timezone_offset(js_sys::Date::new_0().get_timezone_offset())
}
