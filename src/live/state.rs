//! The signals every page watches a run through: streaming or not, the meter, the status
//! line, and the whole answer once it has ended (for Run, Share and downloads).

use leptos::prelude::*;
use sparkplug_core::run::explain::{explain_outcome, StatusLine};
use sparkplug_core::run::meter::MeterSnapshot;
use sparkplug_core::run::paint::Timeline;

use super::frame::{Ended, Observer};

/// One run's view state, kept up to date when given to [`super::Run::start`] as (part of)
/// its observer.
#[derive(Clone, Copy)]
pub struct RunState {
    pub streaming: RwSignal<bool>,
    pub snapshot: RwSignal<MeterSnapshot>,
    pub status: RwSignal<StatusLine>,
    /// The answer's length in characters once the run ended, for scripts and tests.
    pub answer_chars: RwSignal<Option<usize>>,
    /// The whole answer once the run ended (empty while streaming).
    pub answer_text: RwSignal<String>,
    /// When each piece of that answer arrived, for its receipt's `.json` and a replay.
    pub timeline: StoredValue<Timeline>,
}

impl RunState {
    /// Nothing has run yet; the status says `idle`.
    pub fn new(idle: StatusLine) -> Self {
        Self {
            streaming: RwSignal::new(false),
            snapshot: RwSignal::new(MeterSnapshot::default()),
            status: RwSignal::new(idle),
            answer_chars: RwSignal::new(None),
            answer_text: RwSignal::new(String::new()),
            timeline: StoredValue::new(Timeline::default()),
        }
    }

    /// Shows a finished answer that was not run here (a shared or reopened one), with its
    /// figures and timeline when they are known; no run is under way afterwards.
    pub fn show(
        &self,
        answer: &str,
        snapshot: Option<MeterSnapshot>,
        timeline: Timeline,
        status: StatusLine,
    ) {
        self.streaming.set(false);
        self.timeline.set_value(timeline);
        if let Some(snapshot) = snapshot {
            self.snapshot.set(snapshot);
        }
        self.answer_chars.set(Some(answer.chars().count()));
        self.answer_text.set(answer.to_owned());
        self.status.set(status);
    }
}

impl Observer for RunState {
    fn started(&self) {
        self.streaming.set(true);
        self.status
            .set(StatusLine::neutral("Waiting for the first token…"));
        self.snapshot.set(MeterSnapshot::default());
        self.answer_chars.set(None);
        self.answer_text.set(String::new());
        self.timeline.set_value(Timeline::default());
    }

    fn frame(&self, snapshot: &MeterSnapshot) {
        let first_token = snapshot.ttft_ms.is_some()
            && self
                .snapshot
                .with_untracked(|shown| shown.ttft_ms.is_none());
        if first_token {
            self.status.set(StatusLine::neutral("Streaming…"));
        }
        self.snapshot.set(*snapshot);
    }

    fn ended(&self, end: &Ended<'_>) {
        self.snapshot.set(*end.snapshot);
        self.answer_chars.set(Some(end.answer_chars));
        self.answer_text.set(end.answer.to_owned());
        self.timeline.set_value(end.timeline.clone());
        self.status.set(explain_outcome(end.outcome, end.snapshot));
        self.streaming.set(false);
    }
}
