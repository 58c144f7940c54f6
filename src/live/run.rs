//! Starting, stopping and cancelling one run: the request from its `RunSpec` streams into a
//! `LiveRun`, which the frame flush draws and reports until it ends.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use sparkplug_core::run::spec::RunSpec;
use sparkplug_core::run::LiveRun;
use web_sys::AbortController;

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
