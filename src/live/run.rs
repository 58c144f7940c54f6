//! Starting, stopping and cancelling one run: the request from its `RunSpec` streams into a
//! `LiveRun`, which the frame flush draws and reports until it ends.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::request_animation_frame;
use sparkplug_core::provider::ApiFormat;
use sparkplug_core::run::replay::Replay;
use sparkplug_core::run::spec::RunSpec;
use sparkplug_core::run::{LiveRun, TransportError};
use web_sys::{AbortController, AbortSignal};

use super::frame::{flush_every_frame, AnswerSink, Observer};
use super::now_ms;
use crate::net::stream::stream_into_run;

/// The browser refused to set up a request (no AbortController: a very old browser).
#[derive(Debug, thiserror::Error)]
#[error("the browser could not start the run")]
pub struct StartError;

/// A run under way. Dropping the handle neither stops nor hides the run.
pub struct Run {
    controller: AbortController,
    cancelled: Rc<Cell<bool>>,
}

impl Run {
    /// Sends `spec`'s request now and draws its answer into `sink` every frame, telling
    /// `observer` (usually a [`super::RunState`], or a pair of observers) as it goes.
    pub fn start(
        spec: &RunSpec,
        sink: impl AnswerSink,
        observer: impl Observer,
    ) -> Result<Self, StartError> {
        let controller = AbortController::new().map_err(|_| StartError)?;
        let live = Rc::new(RefCell::new(LiveRun::new(
            spec.connection.format(),
            now_ms(),
        )));
        observer.started();
        let cancelled = Rc::new(Cell::new(false));
        flush_every_frame(live.clone(), sink, observer, cancelled.clone());
        stream_into_run(live, spec.request(), controller.signal());
        Ok(Self {
            controller,
            cancelled,
        })
    }

    /// Plays a recorded answer again: its `pieces` (at their times from the request's start)
    /// reach a run at those times from now, drawn and measured like a live stream's, ending
    /// with the recorded token count when it was the provider's. Stop ends it as stopped.
    pub fn replay(
        pieces: Vec<(f64, String)>,
        output_tokens: Option<u64>,
        sink: impl AnswerSink,
        observer: impl Observer,
    ) -> Result<Self, StartError> {
        let controller = AbortController::new().map_err(|_| StartError)?;
        let start = now_ms();
        // No bytes are decoded in a replay, so the format is never used.
        let live = Rc::new(RefCell::new(LiveRun::new(ApiFormat::OpenAiChat, start)));
        observer.started();
        let cancelled = Rc::new(Cell::new(false));
        // Fed before the frame's flush (animation frame callbacks run in the order asked),
        // so a piece due by this frame is drawn in it.
        feed_replay(
            live.clone(),
            Replay::new(start, pieces, output_tokens),
            controller.signal(),
        );
        flush_every_frame(live, sink, observer, cancelled.clone());
        Ok(Self {
            controller,
            cancelled,
        })
    }

    /// Aborts the request; the run ends as stopped, keeping its partial answer, and is
    /// reported like any other end.
    pub fn stop(&self) {
        self.controller.abort();
    }

    /// Aborts the request and stops drawing and reporting at once: for a run the page
    /// replaces with something else (a new race, a shared or reopened answer).
    pub fn cancel(&self) {
        self.cancelled.set(true);
        self.controller.abort();
    }
}

/// Plays `replay` into `run` every frame until it has finished or is stopped.
fn feed_replay(run: Rc<RefCell<LiveRun>>, mut replay: Replay, signal: AbortSignal) {
    request_animation_frame(move || {
        let now = now_ms();
        {
            let mut live = run.borrow_mut();
            if signal.aborted() {
                live.finish(now, Err(TransportError::Aborted));
                return;
            }
            if replay.play_until(&mut live, now) {
                return;
            }
        }
        feed_replay(run, replay, signal);
    });
}
