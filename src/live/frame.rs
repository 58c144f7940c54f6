//! The once-per-animation-frame flush of one run: new text to its sink, which draws within a
//! frame budget, and the meter's figures, side channels and the end to its observer.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::{request_animation_frame, set_timeout};
use sparkplug_core::markdown::FrameBudget;
use sparkplug_core::run::meter::MeterSnapshot;
use sparkplug_core::run::paint::Timeline;
use sparkplug_core::run::{LiveRun, Outcome, SideChannels};
use sparkplug_core::sandbox::live::CodeEvent;
use sparkplug_core::stream::reduce::ToolCall;

use crate::render::renderer::AnswerRenderer;
use crate::render::DomError;

/// Where a run's answer text goes.
pub trait AnswerSink: 'static {
    /// Queues text that arrived since the last frame.
    fn push(&mut self, text: &str);
    /// No more text will come.
    fn end_of_text(&mut self);
    /// Draws until `deadline_ms`; true once everything pushed is on the page.
    fn work(&mut self, deadline_ms: f64) -> Result<bool, DomError>;
    /// How many bytes of the text pushed so far are visible on the page.
    fn shown_bytes(&self) -> u64;
    /// Code blocks that opened or closed on the page since the last call (a sink that draws
    /// no code blocks has none).
    fn take_code_events(&mut self) -> Vec<CodeEvent> {
        Vec::new()
    }
}

impl AnswerSink for AnswerRenderer {
    fn push(&mut self, text: &str) {
        AnswerRenderer::push(self, text);
    }

    fn end_of_text(&mut self) {
        AnswerRenderer::end_of_text(self);
    }

    fn work(&mut self, deadline_ms: f64) -> Result<bool, DomError> {
        AnswerRenderer::work(self, deadline_ms)
    }

    fn shown_bytes(&self) -> u64 {
        AnswerRenderer::shown_bytes(self)
    }

    fn take_code_events(&mut self) -> Vec<CodeEvent> {
        AnswerRenderer::take_code_events(self)
    }
}

/// How a run ended, once its last text is on the page.
pub struct Ended<'a> {
    pub outcome: &'a Outcome,
    /// The meter's final figures.
    pub snapshot: &'a MeterSnapshot,
    /// The whole answer text.
    pub answer: &'a str,
    /// Its length in characters.
    pub answer_chars: usize,
    /// When each piece of it arrived, for a receipt that can be replayed.
    pub timeline: &'a Timeline,
}

/// What a page learns of its run; every method is optional.
pub trait Observer: 'static {
    /// Once, when the request has been sent.
    fn started(&self) {}
    /// Once per frame, with the meter's figures.
    fn frame(&self, _snapshot: &MeterSnapshot) {}
    /// Reasoning and refusal text since the last frame, and the tool calls when they changed.
    fn side_channels(&self, _side: &SideChannels, _tool_calls: &[ToolCall]) {}
    /// A code block of the answer opened or closed on the page.
    fn code(&self, _event: &CodeEvent) {}
    /// Once, in a task after the frame that drew the run's last text (so after its paint).
    fn ended(&self, _end: &Ended<'_>) {}
}

impl Observer for () {}

/// Two observers, told in order.
impl<A: Observer, B: Observer> Observer for (A, B) {
    fn started(&self) {
        self.0.started();
        self.1.started();
    }

    fn frame(&self, snapshot: &MeterSnapshot) {
        self.0.frame(snapshot);
        self.1.frame(snapshot);
    }

    fn side_channels(&self, side: &SideChannels, tool_calls: &[ToolCall]) {
        self.0.side_channels(side, tool_calls);
        self.1.side_channels(side, tool_calls);
    }

    fn code(&self, event: &CodeEvent) {
        self.0.code(event);
        self.1.code(event);
    }

    fn ended(&self, end: &Ended<'_>) {
        self.0.ended(end);
        self.1.ended(end);
    }
}

/// Flushes `run` into `sink` every animation frame until the run has ended and its last
/// text is drawn, or until `cancelled` turns true (then nothing more is reported).
pub fn flush_every_frame(
    run: Rc<RefCell<LiveRun>>,
    sink: impl AnswerSink,
    observer: impl Observer,
    cancelled: Rc<Cell<bool>>,
) {
    schedule(Rc::new(Flusher {
        run,
        sink: RefCell::new(sink),
        budget: RefCell::default(),
        observer,
        cancelled,
    }));
}

struct Flusher<S, O> {
    run: Rc<RefCell<LiveRun>>,
    sink: RefCell<S>,
    budget: RefCell<FrameBudget>,
    observer: O,
    cancelled: Rc<Cell<bool>>,
}

/// What a frame's work leaves to do.
enum Next {
    Frame,
    /// The last text is drawn: the end is told after this frame is painted.
    End(Outcome, f64),
    Stop,
}

fn schedule<S: AnswerSink, O: Observer>(flusher: Rc<Flusher<S, O>>) {
    request_animation_frame(move || match flusher.tick() {
        Next::Frame => schedule(flusher),
        // A task posted from a frame runs after its paint, so what the end sets off (saving
        // the chat, running the code, the page's controls) never holds up the last text.
        Next::End(outcome, at_ms) => {
            set_timeout(move || flusher.end(&outcome, at_ms), Duration::ZERO)
        }
        Next::Stop => {}
    });
}

impl<S: AnswerSink, O: Observer> Flusher<S, O> {
    /// Tells the observer that the run ended, its figures taken when its last text was drawn.
    fn end(&self, outcome: &Outcome, at_ms: f64) {
        if self.cancelled.get() {
            return;
        }
        let run = self.run.borrow();
        self.observer.ended(&Ended {
            outcome,
            snapshot: &run.snapshot(at_ms),
            answer: run.answer_text(),
            answer_chars: run.answer_chars(),
            timeline: &run.timeline(),
        });
    }

    /// One frame's work.
    fn tick(&self) -> Next {
        if self.cancelled.get() {
            return Next::Stop;
        }
        let now = crate::live::now_ms();
        let (text, outcome) = {
            let mut run = self.run.borrow_mut();
            let side = run.take_side_channels();
            if !side.is_empty() {
                self.observer.side_channels(&side, run.tool_calls());
            }
            (run.take_pending(), run.outcome().cloned())
        };
        let (shown, code_events) = {
            let mut sink = self.sink.borrow_mut();
            sink.push(&text);
            if outcome.is_some() {
                sink.end_of_text();
            }
            // A DOM failure ends drawing, not the run: the meter and outcome still show.
            let budget = self.budget.borrow_mut().for_frame(now, outcome.is_some());
            let shown = sink.work(now + budget).unwrap_or_else(|error| {
                web_sys::console::error_1(&error.to_string().into());
                true
            });
            // What this frame put in the DOM is painted when the frame ends.
            let drawn = crate::live::now_ms();
            self.budget.borrow_mut().drawn(drawn);
            self.run.borrow_mut().painted(drawn, sink.shown_bytes());
            (shown, sink.take_code_events())
        };
        for event in &code_events {
            self.observer.code(event);
        }
        let snapshot = self.run.borrow().snapshot(now);
        self.observer.frame(&snapshot);
        match outcome {
            // The run is over once its last text is drawn, which may take a few frames.
            Some(outcome) if shown => Next::End(outcome, crate::live::now_ms()),
            _ => Next::Frame,
        }
    }
}
