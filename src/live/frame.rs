//! The once-per-animation-frame flush: new text goes into the DOM and the meter's figures
//! into their signal, so a fast stream costs one DOM write per frame, not one per token.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::request_animation_frame;
use sparkplug_core::meter::MeterSnapshot;

use super::text_sink::TextSink;
use sparkplug_core::reduce::ToolCall;
use sparkplug_core::run::{LiveRun, Outcome, SideChannels};

/// What the view learns each frame.
pub trait FrameTarget: 'static {
    fn meter(&self, snapshot: MeterSnapshot);
    /// Reasoning and refusal text since the last frame, and the tool calls when they changed.
    fn side_channels(&self, side: SideChannels, tool_calls: &[ToolCall]);
    /// Called once, on the frame after the run ended.
    fn ended(&self, outcome: Outcome);
}

/// Starts flushing `run` into `sink` every animation frame until the run has ended and its
/// last text is in the DOM.
pub fn flush_every_frame(run: Rc<RefCell<LiveRun>>, sink: TextSink, target: impl FrameTarget) {
    schedule(Rc::new(Flusher { run, sink, target }));
}

struct Flusher<T> {
    run: Rc<RefCell<LiveRun>>,
    sink: TextSink,
    target: T,
}

fn schedule<T: FrameTarget>(flusher: Rc<Flusher<T>>) {
    request_animation_frame(move || {
        if flusher.tick() {
            schedule(flusher);
        }
    });
}

impl<T: FrameTarget> Flusher<T> {
    /// One frame's work; false once the run is over and fully shown.
    fn tick(&self) -> bool {
        let now = crate::live::now_ms();
        let (text, snapshot, outcome) = {
            let mut run = self.run.borrow_mut();
            let side = run.take_side_channels();
            if !side.is_empty() {
                self.target.side_channels(side, run.tool_calls());
            }
            (
                run.take_pending(),
                run.snapshot(now),
                run.outcome().cloned(),
            )
        };
        self.sink.append(&text);
        self.target.meter(snapshot);
        match outcome {
            Some(outcome) => {
                self.target.ended(outcome);
                false
            }
            None => true,
        }
    }
}
