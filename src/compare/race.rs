//! Runs one race: the prompt leaves for every lane in one task, each lane streams, runs its
//! code in its own runner and fixes it (core's `Drive`), and the race places lanes as they end.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use leptos::prelude::*;
use sparkplug_core::iterate::checks::{parse_checks, Author};
use sparkplug_core::iterate::drive::{Drive, Step};
use sparkplug_core::iterate::LoopEnd;
use sparkplug_core::pages::compare::race::{Code, Race};
use sparkplug_core::pages::compare::record::{ComparedLane, Comparison};
use sparkplug_core::provider::request::ChatMessage;
use sparkplug_core::run::explain::{explain_outcome, StatusLine};
use sparkplug_core::run::meter::MeterSnapshot;
use sparkplug_core::run::receipt::Receipt;
use sparkplug_core::run::spec::RunSpec;
use sparkplug_core::run::Outcome;
use sparkplug_core::sandbox::live::{CodeEvent, LiveResult, Reported};
use sparkplug_core::sandbox::watchdog::DEFAULT_LIMIT_MS;

use super::lane::{LaneModel, LaneView};
use crate::live::frame::AnswerSink;
use crate::live::{now_ms, Ended, Observer, Run};
use crate::render::renderer::AnswerRenderer;
use crate::render::{transcript, DomError};
use crate::sandbox::console_pane::ConsolePane;
use crate::sandbox::session::{Output, Session};

/// What a race is asked.
#[derive(Clone, Debug)]
pub struct Entry {
    pub prompt: String,
    /// The user's checks, one a line; every lane's code runs with them.
    pub checks: String,
    /// Attempts each lane makes at most (1: no fixes).
    pub max_attempts: u32,
}

/// A race under way. Dropping it leaves the lanes as they are; `stop` and `cancel` end it.
pub struct RaceHandle {
    lanes: Vec<Rc<RefCell<LaneRun>>>,
}

impl RaceHandle {
    /// Stop: every lane still going ends now, keeping what arrived, and the race is summed up.
    pub fn stop(&self) {
        for lane in &self.lanes {
            stop_lane(lane);
        }
    }

    /// Ends every lane without a word (a new race or another view replaces this one).
    pub fn cancel(&self) {
        for lane in &self.lanes {
            let mut run = lane.borrow_mut();
            run.shared = None;
            if let Some(stream) = run.stream.take() {
                stream.cancel();
            }
            // Its frame stays until the lane's next session replaces it, or the view goes.
            run.session = None;
        }
    }
}

type OnOver = Box<dyn FnOnce(Comparison)>;

/// The race every lane reports its end to.
struct Shared {
    race: RefCell<Race>,
    entry: Entry,
    places: Vec<RwSignal<Option<usize>>>,
    /// Each lane's record, filled in as it ends.
    records: RefCell<Vec<Option<ComparedLane>>>,
    on_over: RefCell<Option<OnOver>>,
}

/// One lane's state: its stream, its runner, its loop.
struct LaneRun {
    index: usize,
    view: LaneView,
    who: LaneModel,
    drive: Drive,
    stream: Option<Run>,
    session: Option<Session>,
    /// The first answer's code blocks so far: its page runs as soon as it exists, while
    /// the answer still streams, as the chat's does.
    live: LiveResult,
    /// The first answer's final figures: the lane's raw speed.
    first: Option<MeterSnapshot>,
    /// The answer as it ended, if its loop never merged one (a failed request's partial text).
    partial: String,
    next_id: u64,
    lanes: usize,
    /// The race it reports to; `None` once cancelled.
    shared: Option<Rc<Shared>>,
}

/// Starts `entry` on every lane that has a model, at the same instant: each lane's session
/// (its runner frame) is made first, then every request leaves in one loop, so no lane's
/// start waits on another's setup. `on_over` gets the comparison once every lane has ended.
pub fn start(
    entry: Entry,
    lanes: &[LaneView],
    runners: &[String],
    on_over: impl FnOnce(Comparison) + 'static,
) -> Result<RaceHandle, DomError> {
    let lanes: Vec<(LaneView, LaneModel)> = lanes
        .iter()
        .filter_map(|lane| Some((lane.clone(), lane.who.get_untracked()?)))
        .collect();
    let names = lanes.iter().map(|(_, who)| who.name.clone()).collect();
    let shared = Rc::new(Shared {
        race: RefCell::new(Race::new(names)),
        entry: entry.clone(),
        places: lanes.iter().map(|(lane, _)| lane.place).collect(),
        records: RefCell::new(vec![None; lanes.len()]),
        on_over: RefCell::new(Some(Box::new(on_over))),
    });
    let checks = parse_checks(&entry.checks, Author::User);
    let messages = vec![ChatMessage::user(entry.prompt.clone())];
    let count = lanes.len();
    let mut ready = Vec::with_capacity(count);
    for (index, (view, who)) in lanes.into_iter().enumerate() {
        view.reset();
        let answer = view
            .answer
            .get_untracked()
            .ok_or_else(|| DomError::from(wasm_bindgen::JsValue::from_str("no lane")))?;
        answer.set_scroll_top(0);
        let renderer = AnswerRenderer::replace_contents(&answer)?;
        let runner = runners.get(index).cloned().unwrap_or_default();
        let session = start_session(&view, runner);
        ready.push((view, who, session, renderer));
    }
    // Every request leaves here, one after another in this task; each lane's loop clock and
    // meter start with its own request.
    let mut runs = Vec::with_capacity(count);
    for (index, (view, who, session, renderer)) in ready.into_iter().enumerate() {
        let spec = spec_of(&who, messages.clone());
        let lane = Rc::new(RefCell::new(LaneRun {
            index,
            view,
            who,
            drive: Drive::new(
                messages.clone(),
                Vec::new(),
                entry.max_attempts,
                checks.clone(),
                now_ms(),
            ),
            stream: None,
            session,
            live: LiveResult::new(),
            first: None,
            partial: String::new(),
            next_id: 0,
            lanes: count,
            shared: Some(shared.clone()),
        }));
        let weak = Rc::downgrade(&lane);
        lane.borrow()
            .view
            .on_report
            .set_value(Some(Rc::new(move |reported| {
                if let Some(lane) = weak.upgrade() {
                    reported_to(&lane, reported);
                }
            })));
        begin_stream(
            &lane,
            &spec,
            LaneSink {
                renderer,
                lanes: count,
            },
            1,
        );
        runs.push(lane);
    }
    Ok(RaceHandle { lanes: runs })
}

/// The lane's sandbox session on its own runner; without one (the page could not make a
/// frame) the lane still streams and says why its code cannot run.
fn start_session(view: &LaneView, runner: String) -> Option<Session> {
    let host = view.result.get_untracked()?;
    let console = ConsolePane::new(view.console.get_untracked()?.into())?;
    console.clear();
    let sinks = view.sinks;
    let out = Output {
        status: sinks.status,
        progress: sinks.progress,
        live: sinks.live,
        console_only: sinks.console_only,
        console,
        reports: Some(sinks.reports),
    };
    match Session::start_on(host.into(), runner, out) {
        Ok(session) => Some(session),
        Err(error) => {
            view.run_status.set(StatusLine::error(error.to_string()));
            None
        }
    }
}

fn spec_of(who: &LaneModel, messages: Vec<ChatMessage>) -> RunSpec {
    RunSpec {
        connection: who.connection.clone(),
        model: who.model.clone(),
        messages,
    }
}

/// Starts attempt `number` of the lane's loop streaming into `sink`.
fn begin_stream(lane: &Rc<RefCell<LaneRun>>, spec: &RunSpec, sink: impl AnswerSink, number: usize) {
    let observer = AttemptObserver {
        lane: Rc::downgrade(lane),
        number,
    };
    // Outside any borrow: the observer hears `started` at once.
    match Run::start(spec, sink, observer) {
        Ok(run) => lane.borrow_mut().stream = Some(run),
        Err(error) => lane_failed(lane, error.to_string()),
    }
}

/// A lane's answer renderer held to its share of the frame budget: every lane draws in the
/// same frames, so a race of four lanes costs a frame no more than one answer does.
struct LaneSink {
    renderer: AnswerRenderer,
    lanes: usize,
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
        let share = (deadline_ms - now).max(0.0) / self.lanes.max(1) as f64;
        self.renderer.work(now + share)
    }

    fn shown_bytes(&self) -> u64 {
        self.renderer.shown_bytes()
    }

    fn take_code_events(&mut self) -> Vec<CodeEvent> {
        self.renderer.take_code_events()
    }
}

/// Hears one attempt's stream: the first answer's figures are the lane's meter; each end
/// moves the loop on, in a microtask outside the run's last frame.
struct AttemptObserver {
    lane: Weak<RefCell<LaneRun>>,
    number: usize,
}

impl AttemptObserver {
    fn view(&self) -> Option<LaneView> {
        Some(self.lane.upgrade()?.borrow().view.clone())
    }
}

impl Observer for AttemptObserver {
    fn started(&self) {
        if let Some(view) = self.view() {
            view.attempts.set(self.number);
            view.progress.set(StatusLine::neutral(if self.number == 1 {
                "Streaming…".to_string()
            } else {
                format!("Attempt {}: asking for a fix…", self.number)
            }));
        }
    }

    fn frame(&self, snapshot: &MeterSnapshot) {
        if self.number == 1 {
            if let Some(view) = self.view() {
                view.snapshot.set(*snapshot);
            }
        }
    }

    /// The first answer's code runs in the lane's runner as its blocks close; the loop's
    /// run with the checks waits for that run to settle.
    fn code(&self, event: &CodeEvent) {
        let Some(lane) = self.lane.upgrade().filter(|_| self.number == 1) else {
            return;
        };
        let mut run = lane.borrow_mut();
        let Some(request) = run.live.on_event(event.clone()) else {
            return;
        };
        let sent = run
            .session
            .as_ref()
            .map(|session| session.ask(request, DEFAULT_LIMIT_MS));
        if let Some(Err(error)) = sent {
            run.view
                .run_status
                .set(StatusLine::error(error.to_string()));
        }
    }

    fn ended(&self, end: &Ended<'_>) {
        let Some(lane) = self.lane.upgrade() else {
            return;
        };
        let number = self.number;
        if number == 1 {
            lane.borrow().view.snapshot.set(*end.snapshot);
        }
        let answer = end.answer.to_owned();
        let snapshot = *end.snapshot;
        let outcome = end.outcome.clone();
        queue_microtask(move || answer_ended(&lane, number, answer, snapshot, &outcome));
    }
}

/// An attempt's answer ended: a failed or stopped request ends the lane; else the loop
/// merges it and says what comes next.
fn answer_ended(
    lane: &Rc<RefCell<LaneRun>>,
    number: usize,
    answer: String,
    snapshot: MeterSnapshot,
    outcome: &Outcome,
) {
    {
        let mut run = lane.borrow_mut();
        run.stream = None;
        if number == 1 {
            run.first = Some(snapshot);
            run.partial.clone_from(&answer);
        }
    }
    match outcome {
        Outcome::Finished { .. } => {}
        Outcome::Stopped if number > 1 => return loop_ended(lane, LoopEnd::Stopped),
        Outcome::Stopped => return lane_failed(lane, "stopped".into()),
        Outcome::Failed(_) if number > 1 => {
            let text = explain_outcome(outcome, &snapshot).text;
            lane.borrow()
                .view
                .run_status
                .set(StatusLine::neutral(format!(
                    "The fix request failed: {text}"
                )));
            return loop_ended(lane, LoopEnd::Stopped);
        }
        Outcome::Failed(_) => {
            return lane_failed(lane, explain_outcome(outcome, &snapshot).text);
        }
    }
    let step = {
        let mut run = lane.borrow_mut();
        run.next_id += 1;
        let id = run.next_id;
        run.drive.answered(&answer, snapshot.tokens, now_ms(), id)
    };
    follow(lane, step);
}

/// A watched run of the lane's session settled.
fn reported_to(lane: &Rc<RefCell<LaneRun>>, reported: Reported) {
    let step = {
        let mut run = lane.borrow_mut();
        run.next_id += 1;
        let id = run.next_id;
        run.drive.reported(reported, now_ms(), id)
    };
    if let Some(step) = step {
        follow(lane, step);
    }
}

/// Does what the lane's loop says comes next.
fn follow(lane: &Rc<RefCell<LaneRun>>, step: Step) {
    match step {
        Step::Verify(verify) => {
            let run = lane.borrow();
            run.view
                .progress
                .set(StatusLine::neutral("Running its code…"));
            let started = run
                .session
                .as_ref()
                .map(|session| session.verify(verify, DEFAULT_LIMIT_MS));
            drop(run);
            match started {
                Some(Ok(())) => {}
                Some(Err(error)) => {
                    let text = error.to_string();
                    lane.borrow().view.run_status.set(StatusLine::error(text));
                    loop_ended(lane, LoopEnd::NotRun);
                }
                None => loop_ended(lane, LoopEnd::NotRun),
            }
        }
        Step::Send(messages) => {
            let (spec, number, div, lanes) = {
                let run = lane.borrow();
                (
                    spec_of(&run.who, messages),
                    run.drive.fix().attempts().len(),
                    run.view.answer.get_untracked(),
                    run.lanes,
                )
            };
            let renderer = div
                .ok_or_else(|| DomError::from(wasm_bindgen::JsValue::from_str("no lane")))
                .and_then(|div| transcript::attempt_section(&div, number))
                .and_then(|body| AnswerRenderer::replace_contents(&body));
            match renderer {
                Ok(renderer) => begin_stream(lane, &spec, LaneSink { renderer, lanes }, number),
                Err(error) => lane_failed(lane, error.to_string()),
            }
        }
        Step::Done(end) => loop_ended(lane, end),
    }
}

/// The lane's loop is over: its verdict, its place, its record.
fn loop_ended(lane: &Rc<RefCell<LaneRun>>, end: LoopEnd) {
    let (index, record, first, code, shared) = {
        let mut run = lane.borrow_mut();
        let end = match end {
            LoopEnd::Stopped => run.drive.stop(),
            other => run.drive.end().unwrap_or(other),
        };
        let attempts = run.drive.fix().attempts().len();
        let code = Code::from_loop(Some(end), attempts);
        let view = &run.view;
        view.time_to_green_ms.set(code.time_to_green_ms());
        view.progress.set(code.explain(end, attempts));
        let first = run.first.unwrap_or_default();
        let mut receipt = Receipt::from_snapshot(&first);
        receipt.time_to_green_ms = code.time_to_green_ms();
        receipt.effective_tokens_per_second = run.drive.fix().effective_rate();
        let answer = run.drive.folded().unwrap_or_else(|| run.partial.clone());
        let record = record_of(&run.who, receipt, answer);
        (run.index, record, first, code, run.shared.clone())
    };
    let Some(shared) = shared else { return };
    shared.race.borrow_mut().finish(index, &first, code);
    lane_over(&shared, index, record);
}

/// The lane's request failed (or was stopped) before its loop could judge anything.
fn lane_failed(lane: &Rc<RefCell<LaneRun>>, reason: String) {
    let (index, record, shared) = {
        let mut run = lane.borrow_mut();
        run.drive.stop();
        run.view
            .progress
            .set(StatusLine::error(format!("Failed: {reason}")));
        let receipt = Receipt::from_snapshot(&run.first.unwrap_or_default());
        let record = record_of(&run.who, receipt, run.partial.clone());
        (run.index, record, run.shared.clone())
    };
    let Some(shared) = shared else { return };
    shared.race.borrow_mut().fail(index, reason);
    lane_over(&shared, index, record);
}

/// Stops one lane now: its stream (which then ends as stopped) or, if it waits on its run,
/// the run.
fn stop_lane(lane: &Rc<RefCell<LaneRun>>) {
    let run = lane.borrow();
    if let Some(stream) = &run.stream {
        stream.stop();
        return;
    }
    let waiting = run.drive.end().is_none() && run.first.is_some();
    if let (true, Some(session)) = (waiting, &run.session) {
        // The session reports the watched run as stopped, which ends the loop.
        session.stop();
    }
}

fn record_of(who: &LaneModel, receipt: Receipt, answer: String) -> ComparedLane {
    ComparedLane {
        name: who.name.clone(),
        model: who.model.clone(),
        endpoint_name: who.endpoint_name.clone(),
        receipt,
        answer,
        // Filled in from the race once it is over.
        outcome: sparkplug_core::pages::compare::race::Lane::Running,
    }
}

/// Places every lane again (a later end can be faster) and, once all have ended, hands over
/// the comparison.
fn lane_over(shared: &Shared, index: usize, record: ComparedLane) {
    if let Some(slot) = shared.records.borrow_mut().get_mut(index) {
        *slot = Some(record);
    }
    let race = shared.race.borrow().clone();
    for (place, now) in shared.places.iter().zip(race.standings()) {
        if place.get_untracked() != now {
            place.set(now);
        }
    }
    if !race.is_over() {
        return;
    }
    let Some(on_over) = shared.on_over.borrow_mut().take() else {
        return;
    };
    let lanes = shared
        .records
        .borrow_mut()
        .drain(..)
        .zip(race.lanes())
        .filter_map(|(record, outcome)| {
            let mut record = record?;
            record.outcome = outcome.clone();
            Some(record)
        })
        .collect();
    on_over(Comparison {
        prompt: shared.entry.prompt.clone(),
        checks: shared.entry.checks.clone(),
        lanes,
    });
}
