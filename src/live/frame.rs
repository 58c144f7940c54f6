//! The once-per-animation-frame flush: new text goes to the answer renderer, which draws
//! within a frame budget, and the meter's figures into their signal, once per frame.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::request_animation_frame;
use sparkplug_core::run::meter::MeterSnapshot;

use crate::render::renderer::AnswerRenderer;
use sparkplug_core::run::{LiveRun, Outcome, SideChannels};
use sparkplug_core::stream::reduce::ToolCall;

/// What the view learns each frame.
pub trait FrameTarget: 'static {
    fn meter(&self, snapshot: MeterSnapshot);
    /// Reasoning and refusal text since the last frame, and the tool calls when they changed.
    fn side_channels(&self, side: SideChannels, tool_calls: &[ToolCall]);
    /// Called once, on the frame after the run ended.
    fn ended(&self, outcome: Outcome);
}

/// Starts flushing `run` into `answer` every animation frame until the run has ended and
/// its last text is on the page.
pub fn flush_every_frame(
    run: Rc<RefCell<LiveRun>>,
    answer: AnswerRenderer,
    target: impl FrameTarget,
) {
    schedule(Rc::new(Flusher {
        run,
        answer: RefCell::new(answer),
        target,
    }));
}

struct Flusher<T> {
    run: Rc<RefCell<LiveRun>>,
    answer: RefCell<AnswerRenderer>,
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
        let shown = {
            let mut answer = self.answer.borrow_mut();
            answer.push(&text);
            if outcome.is_some() {
                answer.end_of_text();
            }
            // A DOM failure ends drawing, not the run: the meter and outcome still show.
            answer
                .work(now + crate::render::FRAME_BUDGET_MS)
                .unwrap_or_else(|error| {
                    web_sys::console::error_1(&error.to_string().into());
                    true
                })
        };
        self.target.meter(snapshot);
        match outcome {
            // The run is over once its last text is drawn, which may take a few frames.
            Some(outcome) if shown => {
                self.target.ended(outcome);
                false
            }
            _ => true,
        }
    }
}
