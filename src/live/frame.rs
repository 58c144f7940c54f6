//! The once-per-animation-frame flush of one run: new text to its sink, which draws within a
//! frame budget, and the meter's figures, side channels and the end to its observer.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::request_animation_frame;
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
    /// Once, on the frame after the run ended and its last text was drawn.
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
        observer,
        cancelled,
    }));
}

struct Flusher<S, O> {
    run: Rc<RefCell<LiveRun>>,
    sink: RefCell<S>,
    observer: O,
    cancelled: Rc<Cell<bool>>,
}

fn schedule<S: AnswerSink, O: Observer>(flusher: Rc<Flusher<S, O>>) {
    request_animation_frame(move || {
        if flusher.tick() {
            schedule(flusher);
        }
    });
}

impl<S: AnswerSink, O: Observer> Flusher<S, O> {
    /// One frame's work; false once the run is over and fully shown, or cancelled.
    fn tick(&self) -> bool {
        if self.cancelled.get() {
            return false;
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
            let shown = sink
                .work(now + crate::render::FRAME_BUDGET_MS)
                .unwrap_or_else(|error| {
                    web_sys::console::error_1(&error.to_string().into());
                    true
                });
            // What this frame put in the DOM is painted when the frame ends.
            self.run
                .borrow_mut()
                .painted(crate::live::now_ms(), sink.shown_bytes());
            (shown, sink.take_code_events())
        };
        for event in &code_events {
            self.observer.code(event);
        }
        let snapshot = self.run.borrow().snapshot(now);
        self.observer.frame(&snapshot);
        match outcome {
            // The run is over once its last text is drawn, which may take a few frames.
            Some(outcome) if shown => {
                let run = self.run.borrow();
                self.observer.ended(&Ended {
                    outcome: &outcome,
                    snapshot: &run.snapshot(crate::live::now_ms()),
                    answer: run.answer_text(),
                    answer_chars: run.answer_chars(),
                    timeline: &run.timeline(),
                });
                false
            }
            _ => true,
        }
    }
}
