//! Runs one kiosk race: the same prompt posted to every lane's model in one task, then one
//! animation-frame loop that appends each lane's new text and meter figures until all end.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::html::Pre;
use leptos::prelude::*;
use sparkplug_core::pages::kiosk::race::{Lane, Race};
use sparkplug_core::provider::request::{Answerer, ChatMessage};
use sparkplug_core::provider::ApiFormat;
use sparkplug_core::run::meter::MeterSnapshot;
use sparkplug_core::run::{LiveRun, Outcome};
use web_sys::AbortController;

use crate::live::now_ms;
use crate::live::text_sink::TextSink;
use crate::net::stream::stream_into_run;

/// Where the kiosk's demo and proxied models answer: this server's OpenAI-compatible API.
const API_BASE: &str = "/v1";

/// One column's handles into the view; they live as long as the kiosk page.
#[derive(Clone)]
pub struct LaneView {
    pub model: String,
    pub pre: NodeRef<Pre>,
    pub snapshot: RwSignal<MeterSnapshot>,
    /// 1st, 2nd…, or `Some(0)` for a lane that failed; `None` while running.
    pub place: RwSignal<Option<usize>>,
}

/// A race under way; dropping it does not stop it, `stop` does.
pub struct RaceHandle {
    controller: AbortController,
    cancelled: Rc<Cell<bool>>,
}

impl RaceHandle {
    /// Aborts every lane's request and ends the frame loop without reporting a result.
    pub fn stop(&self) {
        self.cancelled.set(true);
        self.controller.abort();
    }
}

/// Starts `prompt` on every lane at the same instant; `on_over` gets the race once every
/// lane has ended and its last text is on screen.
pub fn start(
    prompt: &str,
    lanes: &[LaneView],
    on_over: impl FnOnce(Race) + 'static,
) -> Option<RaceHandle> {
    let controller = AbortController::new().ok()?;
    let mut running = Vec::with_capacity(lanes.len());
    let started = now_ms();
    for lane in lanes {
        let sink = lane.pre.get_untracked().and_then(|pre| {
            pre.set_scroll_top(0);
            TextSink::replace_contents(&pre)
        })?;
        lane.snapshot.set(MeterSnapshot::default());
        lane.place.set(None);
        let run = Rc::new(RefCell::new(LiveRun::new(ApiFormat::OpenAiChat, started)));
        post(prompt, &lane.model, run.clone(), &controller);
        running.push(Running {
            view: lane.clone(),
            run,
            sink,
        });
    }
    let cancelled = Rc::new(Cell::new(false));
    let models = lanes.iter().map(|l| l.model.clone()).collect();
    schedule(Rc::new(Frames {
        lanes: running,
        race: RefCell::new(Race::new(models)),
        cancelled: cancelled.clone(),
        on_over: RefCell::new(Some(Box::new(on_over))),
    }));
    Some(RaceHandle {
        controller,
        cancelled,
    })
}

fn post(prompt: &str, model: &str, run: Rc<RefCell<LiveRun>>, controller: &AbortController) {
    let request = ApiFormat::OpenAiChat.chat_request(
        API_BASE,
        None,
        model,
        &[ChatMessage::user(prompt)],
        Answerer::OurServer,
    );
    stream_into_run(
        run,
        request.url,
        request.headers,
        request.body,
        controller.signal(),
    );
}

struct Running {
    view: LaneView,
    run: Rc<RefCell<LiveRun>>,
    sink: TextSink,
}

type OnOver = Box<dyn FnOnce(Race)>;

struct Frames {
    lanes: Vec<Running>,
    race: RefCell<Race>,
    cancelled: Rc<Cell<bool>>,
    on_over: RefCell<Option<OnOver>>,
}

fn schedule(frames: Rc<Frames>) {
    request_animation_frame(move || {
        if frames.tick() {
            schedule(frames);
        }
    });
}

impl Frames {
    /// One frame for every lane; false once the race is over or was stopped.
    fn tick(&self) -> bool {
        if self.cancelled.get() {
            return false;
        }
        let now = now_ms();
        let mut race = self.race.borrow_mut();
        for (i, lane) in self.lanes.iter().enumerate() {
            let (text, snapshot, outcome) = {
                let mut run = lane.run.borrow_mut();
                (
                    run.take_pending(),
                    run.snapshot(now),
                    run.outcome().cloned(),
                )
            };
            if !text.is_empty() {
                lane.sink.append(&text);
                // Show the tail: the newest code is what a passer-by should see growing.
                if let Some(pre) = lane.view.pre.get_untracked() {
                    pre.set_scroll_top(pre.scroll_height());
                }
            }
            lane.view.snapshot.set(snapshot);
            let running = matches!(race.lanes().get(i), Some(Lane::Running));
            match outcome {
                Some(Outcome::Finished { .. }) if running => race.finish(i, &snapshot),
                Some(_) if running => race.fail(i),
                _ => {}
            }
        }
        // Two lanes may end in one frame: places are recomputed from the measured times.
        for (i, lane) in self.lanes.iter().enumerate() {
            let place = match race.lanes().get(i) {
                Some(Lane::Finished { .. }) => race.place(i),
                Some(Lane::Failed) => Some(0),
                _ => None,
            };
            if lane.view.place.get_untracked() != place {
                lane.view.place.set(place);
            }
        }
        if !race.is_over() {
            return true;
        }
        if let Some(on_over) = self.on_over.borrow_mut().take() {
            on_over(race.clone());
        }
        false
    }
}
