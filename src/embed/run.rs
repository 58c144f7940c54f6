//! One embed run: the prompt posted to this server's model, flushed into the answer once per
//! frame, with `stream-start`, throttled `rate` and `done` (or `error`) events to the host.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;
use sparkplug_core::pages::embed::{Event, Throttle, RATE_INTERVAL_MS};
use sparkplug_core::provider::request::{Answerer, ChatMessage};
use sparkplug_core::run::explain::{explain_outcome, StatusLine};
use sparkplug_core::run::meter::MeterSnapshot;
use sparkplug_core::run::{LiveRun, Outcome, SideChannels};
use sparkplug_core::stream::reduce::ToolCall;
use sparkplug_core::ApiFormat;
use web_sys::{AbortController, Element};

use super::host;
use crate::live::frame::{flush_every_frame, FrameTarget};
use crate::live::now_ms;
use crate::net::stream::stream_into_run;
use crate::render::renderer::AnswerRenderer;

/// Embeds use this server's OpenAI-compatible API only: never a user's endpoint or key.
const API_BASE: &str = "/v1";

/// The signals a run writes; the embed page owns them.
#[derive(Clone, Copy)]
pub struct Outputs {
    pub snapshot: WriteSignal<MeterSnapshot>,
    pub status: WriteSignal<StatusLine>,
    pub streaming: WriteSignal<bool>,
    pub answer_chars: WriteSignal<Option<usize>>,
    pub answer_text: WriteSignal<String>,
}

/// Starts `prompt` on `model`, drawing into `answer`; abort the returned controller to stop.
pub fn start(prompt: &str, model: &str, answer: &Element, out: Outputs) -> Option<AbortController> {
    let renderer = AnswerRenderer::replace_contents(answer).ok()?;
    let controller = AbortController::new().ok()?;
    let signal = controller.signal();
    out.streaming.set(true);
    out.status
        .set(StatusLine::neutral("Waiting for the first token…"));
    out.snapshot.set(MeterSnapshot::default());
    out.answer_chars.set(None);
    out.answer_text.set(String::new());
    host::send(&Event::StreamStart {
        model: model.to_owned(),
        prompt: prompt.to_owned(),
    });

    let format = ApiFormat::OpenAiChat;
    let request = format.chat_request(
        API_BASE,
        None,
        model,
        &[ChatMessage::user(prompt)],
        Answerer::OurServer,
    );
    let run = Rc::new(RefCell::new(LiveRun::new(format, now_ms())));
    flush_every_frame(
        run.clone(),
        renderer,
        Target {
            out,
            run: run.clone(),
            rate: RefCell::new(Throttle::new(RATE_INTERVAL_MS)),
            first_token_shown: Cell::new(false),
        },
    );
    stream_into_run(run, request.url, request.headers, request.body, signal);
    Some(controller)
}

struct Target {
    out: Outputs,
    run: Rc<RefCell<LiveRun>>,
    rate: RefCell<Throttle>,
    first_token_shown: Cell<bool>,
}

impl FrameTarget for Target {
    fn meter(&self, snapshot: MeterSnapshot) {
        if snapshot.ttft_ms.is_some() {
            if !self.first_token_shown.replace(true) {
                self.out.status.set(StatusLine::neutral("Streaming…"));
            }
            if self.rate.borrow_mut().ready(now_ms()) {
                host::send(&Event::rate(&snapshot));
            }
        }
        self.out.snapshot.set(snapshot);
    }

    // The embed shows the answer alone: reasoning and tool calls stay in the full app.
    fn side_channels(&self, _side: SideChannels, _tool_calls: &[ToolCall]) {}

    fn ended(&self, outcome: Outcome) {
        let (snapshot, chars, text) = {
            let run = self.run.borrow();
            (
                run.snapshot(now_ms()),
                run.answer_chars(),
                run.answer_text().to_owned(),
            )
        };
        let status = explain_outcome(&outcome);
        host::send(&Event::done(&outcome, &snapshot));
        if matches!(outcome, Outcome::Failed(_)) {
            host::send(&Event::Error {
                message: status.text.clone(),
            });
        }
        self.out.snapshot.set(snapshot);
        self.out.answer_chars.set(Some(chars));
        self.out.answer_text.set(text);
        self.out.status.set(status);
        self.out.streaming.set(false);
    }
}
