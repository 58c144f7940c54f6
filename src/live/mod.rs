//! The live state of one streamed answer and its once-per-frame flush into the DOM.

pub mod frame;
pub mod text_sink;

/// The page's high-resolution clock in milliseconds (`performance.now()`), the one time
/// base for the meter.
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}
