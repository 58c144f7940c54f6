//! The app's chat: the prompt, the run on the page and the earlier turns with their receipts,
//! and what Send (new chat or follow-up), Stop, Fix it, New chat, a shared link and a reopened
//! session do to them.

use leptos::html::Div;
use leptos::prelude::*;
use sparkplug_core::pages::conversation::{fix_it_prompt, Conversation, NextSend, Turn};
use sparkplug_core::pages::history::Session;
use sparkplug_core::pages::share::SharedRun;
use sparkplug_core::run::explain::StatusLine;
use sparkplug_core::run::paint::Timeline;
use sparkplug_core::run::receipt::{Receipt, TurnReceipt};
use sparkplug_core::run::spec::RunSpec;
use sparkplug_core::sandbox::live::{CodeEvent, LiveResult, ResultRequest};

use crate::components::conversation::last_run_error;
use crate::components::history::HistoryStore;
use crate::components::share::{draw_answer, ShareSource};
use crate::components::side::SideView;
use crate::live::{Ended, Observer, Run, RunState};
use crate::render::renderer::AnswerRenderer;
use crate::render::transcript;

use super::endpoints::EndpointChoice;

mod fix_loop;

use fix_loop::LoopObserver;
pub use fix_loop::Looper;

/// The chat state the page shares by context; every field is a handle, so it is `Copy`.
#[derive(Clone, Copy)]
pub struct Chat {
    pub prompt: RwSignal<String>,
    pub endpoints: EndpointChoice,
    /// The answer on the page: the run under way or the last one (or a shown one).
    pub run: RunState,
    pub side: SideView,
    /// Where the answer is drawn, and the chat's earlier turns above it.
    pub answer: NodeRef<Div>,
    pub transcript: NodeRef<Div>,
    /// What the result pane is asked to run: the editor's code, or the answer's as it grows.
    pub run_request: RwSignal<Option<ResultRequest>>,
    /// Whether an answer's code runs by itself, as its blocks complete ("Run automatically").
    pub auto_run: RwSignal<bool>,
    /// Turns in this chat so far; a follow-up prompt is sent with every earlier turn.
    pub turns: Signal<usize>,
    /// Each ended turn saves the chat to the browser's history.
    pub history: HistoryStore,
    /// What Share shares: the run on the page, whether started here, shared or reopened.
    pub shareable: StoredValue<Option<ShareSource>, LocalStorage>,
    /// Run until it works: the loop after each answer, its settings and its timeline.
    pub looper: Looper,
    conversation: RwSignal<Conversation>,
    current: StoredValue<Option<Run>, LocalStorage>,
}

impl Chat {
    pub fn new() -> Self {
        let run = RunState::new(StatusLine::default());
        let conversation = RwSignal::new(Conversation::new());
        let chat = Self {
            prompt: RwSignal::new(String::from(
                "Write a Minesweeper clone in a single HTML file",
            )),
            endpoints: EndpointChoice::new(run.status),
            run,
            side: SideView::new(),
            answer: NodeRef::new(),
            transcript: NodeRef::new(),
            run_request: RwSignal::new(None),
            auto_run: RwSignal::new(true),
            turns: Signal::derive(move || conversation.with(|c| c.turns().len())),
            history: HistoryStore::new(),
            shareable: StoredValue::new_local(None),
            looper: Looper::new(),
            conversation,
            current: StoredValue::new_local(None),
        };
        Effect::new(move |_| {
            if let Some(reported) = chat.looper.reports.get() {
                chat.reported(reported);
            }
        });
        chat
    }

    /// An answer streams or its loop goes on: Send waits, Stop has something to stop.
    pub fn busy(&self) -> Signal<bool> {
        let (streaming, looping) = (self.run.streaming, self.looper.active);
        Signal::derive(move || streaming.get() || looping.get())
    }

    /// What Send will do with the model now chosen: start a new chat or follow up.
    pub fn next_send(&self) -> Signal<NextSend> {
        let (conversation, endpoints) = (self.conversation, self.endpoints.endpoints);
        Signal::derive(move || {
            let model = endpoints.with(|e| e.selected().model.clone());
            conversation.with(|c| c.next_send(&model))
        })
    }

    /// Goes on with this chat on the model now chosen ("Keep this chat"): the next Send
    /// follows up, earlier turns included.
    pub fn keep_chat(&self) {
        let (endpoint, _) = self.endpoints.selected();
        self.conversation.update(|c| c.keep_with(&endpoint.model));
    }

    /// Sends the prompt on the selected endpoint: a follow-up in this chat, or a new chat
    /// when there is none yet or the model changed (as the line by the prompt said).
    pub fn send(&self) {
        let text = self.prompt.get_untracked();
        if self.busy().get_untracked() || text.trim().is_empty() {
            return;
        }
        let (endpoint, connection) = self.endpoints.selected();
        let next = self
            .conversation
            .with_untracked(|c| c.next_send(&endpoint.model));
        if next.starts_new_chat() {
            self.new_chat();
        } else {
            self.archive_shown_turn();
        }
        let Some(renderer) = self
            .answer
            .get_untracked()
            .and_then(|div| AnswerRenderer::replace_contents(&div).ok())
        else {
            return;
        };
        let Some(side) = self.side.begin() else {
            return;
        };
        let messages = self
            .conversation
            .try_update(|chat| chat.ask(text.clone(), &endpoint.model))
            .unwrap_or_default();
        let looping = self.auto_run.get_untracked() && self.looper.enabled.get_untracked();
        if looping {
            self.looper
                .begin(&messages, connection.clone(), endpoint.model.clone());
        }
        let spec = RunSpec {
            connection,
            model: endpoint.model.clone(),
            messages,
        };
        let save = SaveTurn {
            conversation: self.conversation,
            history: self.history,
            model: endpoint.model.clone(),
            endpoint_id: endpoint.id.clone(),
            endpoint_name: endpoint.name.clone(),
        };
        let live = LiveCode {
            live: StoredValue::new(LiveResult::new()),
            requests: self.run_request,
            auto_run: self.auto_run,
            looping,
        };
        let observer = LoopObserver { chat: *self };
        match Run::start(
            &spec,
            renderer,
            (self.run, (side, (save, (live, observer)))),
        ) {
            Ok(run) => {
                self.current.set_value(Some(run));
                self.shareable.set_value(Some(ShareSource::new(
                    text,
                    &endpoint.model,
                    &endpoint.name,
                )));
            }
            Err(error) => {
                self.looper.cancel();
                self.run.status.set(StatusLine::error(error.to_string()));
            }
        }
    }

    /// Stops the run under way (it keeps what arrived) and the loop at once.
    pub fn stop(&self) {
        self.current
            .with_value(|run| run.iter().for_each(Run::stop));
        self.stop_loop();
    }

    /// Shows a shared result: no request is made and no code runs.
    pub fn restore(&self, shared: SharedRun) {
        self.show_finished(
            shared,
            StatusLine::neutral("Shared result: shown as measured, not run here"),
        );
    }

    /// Shows a finished run made elsewhere (a link, a file, a Compare lane) as the chat's
    /// one turn, with `status`; no request is made and no code runs.
    pub fn show_finished(&self, shared: SharedRun, status: StatusLine) {
        self.replace_run();
        self.prompt.set(shared.prompt.clone());
        if let Some(div) = self.answer.get_untracked() {
            draw_answer(&div, &shared.answer);
        }
        if let Some(earlier) = self.transcript.get_untracked() {
            transcript::clear(&earlier);
        }
        // What is shown is what a follow-up continues: a new chat of the shared turn (with no
        // turn receipt, as a link does not say when it ran).
        self.conversation.set(Conversation::from_turns(
            vec![Turn {
                prompt: shared.prompt.clone(),
                answer: shared.answer.clone(),
                receipt: None,
            }],
            &shared.model,
        ));
        self.history.start_new();
        // Shared on, as it came: the same prompt, model, answer and figures.
        self.shareable.set_value(Some(ShareSource::new(
            shared.prompt.clone(),
            &shared.model,
            &shared.endpoint_name,
        )));
        self.looper
            .show_time_to_green(shared.receipt.time_to_green_ms);
        // The run panel may offer its code, but only a click runs it.
        self.run.show(
            &shared.answer,
            Some(shared.receipt.snapshot()),
            shared.timeline.clone(),
            status,
        );
    }

    /// Plays a shared result's answer again at the timing it was received, measured as it
    /// is drawn here; no request is made and no code runs.
    pub fn replay(&self, shared: &SharedRun) {
        let pieces = match shared.timeline.pieces(&shared.answer) {
            Ok(pieces) => pieces,
            Err(error) => {
                self.run.status.set(StatusLine::error(format!(
                    "This result cannot be replayed: {error}."
                )));
                return;
            }
        };
        let Some(div) = self.answer.get_untracked() else {
            return;
        };
        // The shared result stays what Share offers.
        self.cancel_run();
        let pieces = pieces
            .into_iter()
            .map(|(at, piece)| (at, piece.to_owned()))
            .collect();
        let receipt = &shared.receipt;
        let tokens = (!receipt.tokens_are_estimate).then_some(receipt.tokens);
        let started = AnswerRenderer::replace_contents(&div)
            .map_err(|error| error.to_string())
            .and_then(|renderer| {
                Run::replay(pieces, tokens, renderer, self.run).map_err(|e| e.to_string())
            });
        match started {
            Ok(run) => self.current.set_value(Some(run)),
            Err(text) => self.run.status.set(StatusLine::error(text)),
        }
    }

    /// Shows a saved session as it ended, with its last turn's figures, model and endpoint;
    /// it continues as the current chat, and Share shares its last turn.
    pub fn reopen(&self, session: Session) {
        self.replace_run();
        let last = session.turns.last().cloned().unwrap_or_default();
        let receipt = session.last_receipt().cloned();
        if let Some(receipt) = &receipt {
            let known = self
                .endpoints
                .endpoints
                .with_untracked(|e| e.get(&receipt.endpoint_id).is_some());
            if known {
                self.endpoints.choose_endpoint(&receipt.endpoint_id);
            }
        }
        let model = receipt.as_ref().map_or(&session.model, |r| &r.model);
        self.endpoints.choose_model(model);
        let endpoint_name = receipt.as_ref().map_or_else(
            || self.endpoints.selected().0.name,
            |r| r.endpoint_name.clone(),
        );
        self.prompt.set(last.prompt.clone());
        if let Some(div) = self.answer.get_untracked() {
            draw_answer(&div, &last.answer);
        }
        if let Some(earlier) = self.transcript.get_untracked() {
            let before_last = &session.turns[..session.turns.len().saturating_sub(1)];
            if let Err(error) = transcript::restore(&earlier, before_last) {
                web_sys::console::error_1(&error.to_string().into());
            }
        }
        self.history.adopt(&session);
        // Figures only of the turn shown: an older save without them shows an empty meter.
        let figures = last.receipt.as_ref().map(|r| r.figures.snapshot());
        self.run.show(
            &last.answer,
            Some(figures.unwrap_or_default()),
            Timeline::default(),
            StatusLine::neutral(format!("Reopened “{}” from history", session.title)),
        );
        self.shareable
            .set_value(Some(ShareSource::new(last.prompt, model, &endpoint_name)));
        self.conversation
            .set(Conversation::from_turns(session.turns, &session.model));
    }

    /// Starts a new chat: the answer shown stays, but the next prompt is not a follow-up.
    pub fn new_chat(&self) {
        if let Some(earlier) = self.transcript.get_untracked() {
            transcript::clear(&earlier);
        }
        self.conversation.set(Conversation::new());
        self.looper.forget();
        self.history.start_new();
    }

    /// Sends the open editor's code, else the answer's runnable code, with the last run's
    /// error, asking for a fix.
    pub fn fix_it(&self) {
        let code = crate::editor::current().or_else(|| {
            self.run
                .answer_text
                .with_untracked(|text| crate::render::engine::runnable_answer(text))
                .map(|r| (r.lang().to_string(), r.code().to_string()))
        });
        match (code, last_run_error()) {
            (Some((lang, code)), Some(error)) => {
                self.prompt.set(fix_it_prompt(&lang, &code, &error));
                self.send();
            }
            _ => self.run.status.set(StatusLine::neutral(
                "Fix it needs code that failed: run it first, then Fix it sends the error.",
            )),
        }
    }

    /// Whether the last run finished with an answer on the page, so Share can offer it (a
    /// request that got no answer has nothing to share).
    pub fn share_ready(&self) -> Signal<bool> {
        let run = self.run;
        Signal::derive(move || !run.streaming.get() && run.answer_chars.get().unwrap_or(0) > 0)
    }

    /// The markdown of the chat's turn `index` (from 0), for its section when opened.
    pub fn turn_answer(&self, index: usize) -> Option<String> {
        self.conversation
            .with_untracked(|chat| chat.turns().get(index).map(|turn| turn.answer.clone()))
    }

    /// A follow-up: the answer on the page becomes the chat's previous turn, above it.
    fn archive_shown_turn(&self) {
        let (Some(div), Some(earlier)) =
            (self.answer.get_untracked(), self.transcript.get_untracked())
        else {
            return;
        };
        let archived = self.conversation.with_untracked(|chat| {
            let turns = chat.turns();
            turns
                .last()
                .map(|turn| transcript::archive(&earlier, &div, turns.len(), turn))
        });
        if let Some(Err(error)) = archived {
            web_sys::console::error_1(&error.to_string().into());
        }
    }

    /// Ends the run under way, if any, without reporting it.
    fn cancel_run(&self) {
        self.current.update_value(|run| {
            if let Some(run) = run.take() {
                run.cancel();
            }
        });
    }

    /// Ends the run under way without reporting it, for an answer that replaces it.
    fn replace_run(&self) {
        self.cancel_run();
        self.looper.forget();
        self.shareable.set_value(None);
    }
}

/// Runs the answer's code as it completes, when "Run automatically" is on: a page once its
/// HTML block has closed (while the prose after it still streams), Python as its block
/// closes, and at the end whatever the whole answer adds (unless the fix loop runs it, with
/// its checks).
struct LiveCode {
    live: StoredValue<LiveResult>,
    requests: RwSignal<Option<ResultRequest>>,
    auto_run: RwSignal<bool>,
    looping: bool,
}

impl LiveCode {
    fn ask(&self, request: Option<ResultRequest>) {
        if let Some(request) = request.filter(|_| self.auto_run.get_untracked()) {
            self.requests.set(Some(request));
        }
    }
}

impl Observer for LiveCode {
    fn code(&self, event: &CodeEvent) {
        let request = self
            .live
            .try_update_value(|live| live.on_event(event.clone()))
            .flatten();
        self.ask(request);
    }

    fn ended(&self, end: &Ended<'_>) {
        if self.looping {
            return;
        }
        let whole = crate::render::engine::runnable_answer(end.answer);
        let request = self
            .live
            .try_update_value(|live| live.finish(whole))
            .flatten();
        self.ask(request);
    }
}

/// Records each ended turn, with its receipt, in the chat, and saves the chat to the
/// browser's history unless no answer has come at all (a failed request is not a chat).
struct SaveTurn {
    conversation: RwSignal<Conversation>,
    history: HistoryStore,
    model: String,
    endpoint_id: String,
    endpoint_name: String,
}

impl Observer for SaveTurn {
    fn ended(&self, end: &Ended<'_>) {
        let receipt = TurnReceipt {
            model: self.model.clone(),
            endpoint_id: self.endpoint_id.clone(),
            endpoint_name: self.endpoint_name.clone(),
            ended_ms: crate::browser::clock::now_ms(),
            figures: Receipt::from_snapshot(end.snapshot),
        };
        self.conversation
            .update(|chat| chat.answered(end.answer.to_owned(), receipt));
        if end.answer.is_empty() {
            return;
        }
        self.history.save(
            &self.model,
            self.conversation
                .with_untracked(|chat| chat.turns().to_vec()),
        );
    }
}
