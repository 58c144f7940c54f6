//! Runs one kiosk race: the same prompt sent to every lane's model in one task, each lane's
//! answer rendered in its column, places given as lanes end, the summary once all have.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::html::Div;
use leptos::prelude::*;
use sparkplug_core::pages::kiosk::lanes::LaneTitle;
use sparkplug_core::pages::kiosk::race::{Lane, Race};
use sparkplug_core::run::meter::MeterSnapshot;
use sparkplug_core::run::spec::{Connection, RunSpec};
use sparkplug_core::run::Outcome;

use crate::live::frame::AnswerSink;
use crate::live::{now_ms, Ended, Observer, Run};
use crate::render::renderer::AnswerRenderer;
use crate::render::DomError;

/// One column's handles into the view; they live as long as the kiosk page.
#[derive(Clone)]
pub struct LaneView {
    pub title: LaneTitle,
    /// Where the lane's answer is rendered.
    pub answer: NodeRef<Div>,
    pub snapshot: RwSignal<MeterSnapshot>,
    /// 1st, 2nd…, or `Some(0)` for a lane that failed; `None` while running.
    pub place: RwSignal<Option<usize>>,
}

impl LaneView {
    pub fn new(title: LaneTitle) -> Self {
        Self {
            title,
            answer: NodeRef::new(),
            snapshot: RwSignal::new(MeterSnapshot::default()),
            place: RwSignal::new(None),
        }
    }
}

/// A lane's answer renderer held to its share of the frame budget: every lane draws in the
/// same frames, so a race of four lanes costs a frame no more than one answer does.
struct LaneSink {
    renderer: AnswerRenderer,
    lanes: f64,
}

impl AnswerSink for LaneSink {
    fn push(&mut self, text: &str) {
        self.renderer.push(text);
    }

    fn end_of_text(&mut self) {
        self.renderer.end_of_text();
    }

    fn work(&mut self, deadline_ms: f64) -> Result<bool, DomError> {
        let now = now_ms();
        let share = (deadline_ms - now).max(0.0) / self.lanes;
        self.renderer.work(now + share)
    }
}

/// A race under way; dropping it does not stop it, `stop` does.
pub struct RaceHandle {
    runs: Vec<Run>,
}

impl RaceHandle {
    /// Aborts every lane's request and stops drawing without reporting a result.
    pub fn stop(&self) {
        self.runs.iter().for_each(Run::cancel);
    }
}

type OnOver = Box<dyn FnOnce(Race)>;

/// The race every lane reports its end to.
struct Shared {
    race: RefCell<Race>,
    places: Vec<RwSignal<Option<usize>>>,
    on_over: RefCell<Option<OnOver>>,
}

/// Starts `prompt` on every lane at the same instant; `on_over` gets the race once every
/// lane has ended and its last text is on screen.
pub fn start(
    prompt: &str,
    lanes: &[LaneView],
    on_over: impl FnOnce(Race) + 'static,
) -> Option<RaceHandle> {
    let sinks = lanes
        .iter()
        .map(|lane| {
            let answer = lane.answer.get_untracked()?;
            answer.set_scroll_top(0);
            let renderer = AnswerRenderer::replace_contents(&answer).ok()?;
            Some(LaneSink {
                renderer,
                lanes: lanes.len() as f64,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let shared = Rc::new(Shared {
        race: RefCell::new(Race::new(
            lanes.iter().map(|l| l.title.label.clone()).collect(),
        )),
        places: lanes.iter().map(|l| l.place).collect(),
        on_over: RefCell::new(Some(Box::new(on_over))),
    });
    let mut runs = Vec::with_capacity(lanes.len());
    for (index, (lane, sink)) in lanes.iter().zip(sinks).enumerate() {
        let spec = RunSpec::prompt(Connection::our_server(), &lane.title.model, prompt);
        let observer = LaneRun {
            index,
            snapshot: lane.snapshot,
            shared: shared.clone(),
        };
        match Run::start(&spec, sink, observer) {
            Ok(run) => runs.push(run),
            Err(_) => {
                runs.iter().for_each(Run::cancel);
                return None;
            }
        }
    }
    Some(RaceHandle { runs })
}

/// One lane's figures, and its end reported to the race.
struct LaneRun {
    index: usize,
    snapshot: RwSignal<MeterSnapshot>,
    shared: Rc<Shared>,
}

impl Observer for LaneRun {
    fn started(&self) {
        self.snapshot.set(MeterSnapshot::default());
        if let Some(place) = self.shared.places.get(self.index) {
            place.set(None);
        }
    }

    fn frame(&self, snapshot: &MeterSnapshot) {
        self.snapshot.set(*snapshot);
    }

    fn ended(&self, end: &Ended<'_>) {
        self.snapshot.set(*end.snapshot);
        let shared = &self.shared;
        let mut race = shared.race.borrow_mut();
        if !matches!(race.lanes().get(self.index), Some(Lane::Running)) {
            return;
        }
        match end.outcome {
            Outcome::Finished { .. } => race.finish(self.index, end.snapshot),
            _ => race.fail(self.index),
        }
        for (place, now) in shared.places.iter().zip(race.standings()) {
            if place.get_untracked() != now {
                place.set(now);
            }
        }
        if race.is_over() {
            if let Some(on_over) = shared.on_over.borrow_mut().take() {
                on_over(race.clone());
            }
        }
    }
}
