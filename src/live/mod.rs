//! One streamed run in the page: started from a core `RunSpec`, stopped, and watched through
//! signals, while a per-frame flush draws its text into whichever sink the page gives it.
//!
//! A page that streams a run makes a sink (an `AnswerRenderer`, or its own
//! [`frame::AnswerSink`] around one) and a [`RunState`], paired with its own [`Observer`] for
//! anything beyond the common signals, then calls `Run::start(&spec, sink, (state, observer))`.
//! [`text_sink::TextSink`] grows a side channel's plain text (the reasoning).

pub mod frame;
pub mod run;
pub mod state;
pub mod text_sink;

pub use frame::{Ended, Observer};
pub use run::Run;
pub use state::RunState;

/// The page's high-resolution clock in milliseconds (`performance.now()`), the one time
/// base for the meter.
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}
