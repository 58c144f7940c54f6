//! What the host page hears of an embed run: `stream-start`, throttled `rate` and `done`
//! (with `error` when it failed), around a run started on this server's model.

use std::cell::RefCell;

use sparkplug_core::pages::embed::{Event, Throttle, RATE_INTERVAL_MS};
use sparkplug_core::run::explain::explain_outcome;
use sparkplug_core::run::meter::MeterSnapshot;
use sparkplug_core::run::spec::{Connection, RunSpec};
use sparkplug_core::run::Outcome;
use web_sys::Element;

use super::host;
use crate::live::{now_ms, Ended, Observer, Run, RunState};
use crate::render::renderer::AnswerRenderer;

/// Starts `prompt` on this server's `model` (never a user's endpoint or key), drawing into
/// `answer`; `None` when the browser could not start it.
pub fn start(prompt: &str, model: &str, answer: &Element, state: RunState) -> Option<Run> {
    let renderer = AnswerRenderer::replace_contents(answer).ok()?;
    let spec = RunSpec::prompt(Connection::our_server(), model, prompt);
    let run = Run::start(&spec, renderer, (state, HostEvents::default())).ok()?;
    host::send(&Event::StreamStart {
        model: model.to_owned(),
        prompt: prompt.to_owned(),
    });
    Some(run)
}

/// Tells the host about the run as it goes.
struct HostEvents {
    rate: RefCell<Throttle>,
}

impl Default for HostEvents {
    fn default() -> Self {
        Self {
            rate: RefCell::new(Throttle::new(RATE_INTERVAL_MS)),
        }
    }
}

impl Observer for HostEvents {
    fn frame(&self, snapshot: &MeterSnapshot) {
        if snapshot.ttft_ms.is_some() && self.rate.borrow_mut().ready(now_ms()) {
            host::send(&Event::rate(snapshot));
        }
    }

    fn ended(&self, end: &Ended<'_>) {
        host::send(&Event::done(end.outcome, end.snapshot));
        if matches!(end.outcome, Outcome::Failed(_)) {
            host::send(&Event::Error {
                message: explain_outcome(end.outcome, end.snapshot).text,
            });
        }
    }
}
