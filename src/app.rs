//! The page: settings, prompt, answer, side channels and meter wired to one streamed run at
//! a time. State lives in signals here; the run's logic lives in `live` and the core.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::html::{Div, Pre};
use leptos::prelude::*;
use leptos::task::spawn_local;
use sparkplug_core::pages::conversation::{fix_it_prompt, Conversation, Turn};
use sparkplug_core::pages::history::Session;
use sparkplug_core::provider::endpoints::{Endpoints, DEMO_ID};
use sparkplug_core::provider::request::{Answerer, ChatMessage};
use sparkplug_core::run::explain::{explain_outcome, StatusLine};
use sparkplug_core::run::meter::MeterSnapshot;
use sparkplug_core::run::{tool_calls_text, LiveRun, Outcome, SideChannels};
use sparkplug_core::sandbox::runnable::Runnable;
use sparkplug_core::stream::reduce::ToolCall;
use web_sys::AbortController;

use crate::browser::storage;
use crate::components::answer::Answer;
use crate::components::conversation::{last_run_error, ChatBar};
use crate::components::download::DownloadPage;
use crate::components::history::{History, HistoryStore};
use crate::components::meter::Meter;
use crate::components::prompt::Prompt;
use crate::components::run_panel::RunPanel;
use crate::components::settings::Settings;
use crate::components::share::{draw_answer, ShareBar, ShareSource};
use crate::components::shortcuts::Shortcuts;
use crate::components::side::SideChannels as SideChannelsView;
use crate::live::frame::{flush_every_frame, FrameTarget};
use crate::live::now_ms;
use crate::live::text_sink::TextSink;
use crate::net::stream::stream_into_run;
use crate::render::renderer::AnswerRenderer;
use crate::render::transcript;
use sparkplug_core::pages::share::SharedRun;

#[component]
pub fn App() -> impl IntoView {
    let prompt = RwSignal::new(String::from(
        "Write a Minesweeper clone in a single HTML file",
    ));
    let endpoints = RwSignal::new(storage::load_endpoints());
    let keys = RwSignal::new(storage::load_keys());
    let settings_open = RwSignal::new(false);
    let (models, set_models) = signal(Vec::new());
    let (streaming, set_streaming) = signal(false);
    let (snapshot, set_snapshot) = signal(MeterSnapshot::default());
    let (status, set_status) = signal(StatusLine::default());
    let (has_reasoning, set_has_reasoning) = signal(false);
    let (refusal, set_refusal) = signal(String::new());
    let (tool_calls, set_tool_calls) = signal(String::new());
    let (skipped, set_skipped) = signal(0usize);
    let (answer_chars, set_answer_chars) = signal(None::<usize>);
    // The whole answer once it has ended, where the run panel finds the code to run.
    let (answer_text, set_answer_text) = signal(String::new());
    let answer: NodeRef<Div> = NodeRef::new();
    let transcript: NodeRef<Div> = NodeRef::new();
    // Code the editor asks the run panel to run.
    let (run_request, set_run_request) = signal(None::<Runnable>);
    crate::editor::listen(answer, set_run_request);
    crate::components::download::listen(answer);
    let reasoning: NodeRef<Pre> = NodeRef::new();
    let abort: StoredValue<Option<AbortController>, LocalStorage> = StoredValue::new_local(None);
    let shareable: StoredValue<Option<ShareSource>, LocalStorage> = StoredValue::new_local(None);
    // The chat so far: a follow-up prompt is sent with every earlier turn.
    let conversation = StoredValue::new(Conversation::new());
    let (turns, set_turns) = signal(0usize);
    // Each ended turn saves the chat to the browser's history.
    let history = HistoryStore::new();

    // Refetch the model list whenever the endpoint, its URL, format or key changes.
    Effect::new(move |_| {
        let endpoint = endpoints.with(|e| e.selected().clone());
        let key = keys.with(|k| k.get(&endpoint.id).map(str::to_string));
        spawn_local(async move {
            let list =
                crate::net::models::list(&endpoint.base_url, endpoint.format, key.as_deref()).await;
            set_models.set(list);
        });
    });

    let save = move |endpoints: &Endpoints| {
        if let Err(reason) = storage::save_endpoints(endpoints) {
            set_status.set(StatusLine::neutral(reason));
        }
    };
    let choose_endpoint = move |id: String| {
        endpoints.update(|e| {
            e.select(&id).ok();
        });
        endpoints.with_untracked(save);
    };
    let choose_model = move |model: String| {
        endpoints.update(|e| {
            let id = e.selected().id.clone();
            e.set_model(&id, &model).ok();
        });
        endpoints.with_untracked(save);
    };

    let send = move |()| {
        let text = prompt.get_untracked();
        if streaming.get_untracked() || text.trim().is_empty() {
            return;
        }
        // A follow-up: the answer on the page becomes the chat's previous turn.
        let previous = conversation.with_value(|chat| {
            let turns = chat.turns();
            turns.last().map(|turn| (turns.len(), turn.prompt.clone()))
        });
        if let (Some((number, asked)), Some(div), Some(earlier)) =
            (previous, answer.get_untracked(), transcript.get_untracked())
        {
            if let Err(error) = transcript::archive(&earlier, &div, number, &asked) {
                web_sys::console::error_1(&error.to_string().into());
            }
        }
        let Some(renderer) = answer
            .get_untracked()
            .and_then(|div| AnswerRenderer::replace_contents(&div).ok())
        else {
            return;
        };
        let Some(reasoning_sink) = reasoning
            .get_untracked()
            .and_then(|pre| TextSink::replace_contents(&pre))
        else {
            return;
        };
        let Ok(controller) = AbortController::new() else {
            return;
        };
        let signal = controller.signal();
        abort.set_value(Some(controller));
        set_streaming.set(true);
        set_status.set(StatusLine::neutral("Waiting for the first token…"));
        set_has_reasoning.set(false);
        set_refusal.set(String::new());
        set_tool_calls.set(String::new());
        set_skipped.set(0);
        set_answer_chars.set(None);
        set_answer_text.set(String::new());

        let endpoint = endpoints.with_untracked(|e| e.selected().clone());
        let key = keys.with_untracked(|k| k.get(&endpoint.id).map(str::to_string));
        let answerer = if endpoint.id == DEMO_ID {
            Answerer::OurServer
        } else {
            Answerer::Other
        };
        let messages = conversation
            .try_update_value(|chat| chat.ask(text.clone()))
            .unwrap_or_else(|| vec![ChatMessage::user(text)]);
        set_turns.set(conversation.with_value(|chat| chat.turns().len()));
        let request = endpoint.format.chat_request(
            &endpoint.base_url,
            key.as_deref(),
            &endpoint.model,
            &messages,
            answerer,
        );
        let run = Rc::new(RefCell::new(LiveRun::new(endpoint.format, now_ms())));
        let source = ShareSource::new(
            run.clone(),
            prompt.get_untracked(),
            &endpoint.model,
            &endpoint.name,
        );
        shareable.set_value(Some(source));
        flush_every_frame(
            run.clone(),
            renderer,
            View {
                set_snapshot,
                set_status,
                set_streaming,
                reasoning: reasoning_sink,
                set_has_reasoning,
                set_refusal,
                set_tool_calls,
                set_skipped,
                first_token_shown: Cell::new(false),
                run: run.clone(),
                set_answer_chars,
                set_answer_text,
                conversation,
                history,
                model: endpoint.model.clone(),
            },
        );
        stream_into_run(run, request.url, request.headers, request.body, signal);
    };

    let stop = move |()| {
        abort.with_value(|controller| {
            if let Some(controller) = controller {
                controller.abort();
            }
        });
    };

    // A shared result is only shown: no request is made and no code runs.
    let restore = move |shared: SharedRun| {
        stop(());
        shareable.set_value(None);
        prompt.set(shared.prompt.clone());
        if let Some(div) = answer.get_untracked() {
            draw_answer(&div, &shared.answer);
        }
        if let Some(earlier) = transcript.get_untracked() {
            transcript::clear(&earlier);
        }
        // What is shown is what a follow-up continues: a new chat of the shared turn.
        conversation.set_value(Conversation::from_turns(vec![Turn {
            prompt: shared.prompt.clone(),
            answer: shared.answer.clone(),
        }]));
        set_turns.set(1);
        history.start_new();
        set_snapshot.set(shared.receipt.snapshot());
        set_answer_chars.set(Some(shared.answer.chars().count()));
        // The run panel may offer its code, but only a click runs it.
        set_answer_text.set(shared.answer.clone());
        set_status.set(StatusLine::neutral(
            "Shared result: shown as measured, not run here",
        ));
    };
    let new_chat = move |()| {
        if let Some(earlier) = transcript.get_untracked() {
            transcript::clear(&earlier);
        }
        conversation.set_value(Conversation::new());
        set_turns.set(0);
        history.start_new();
    };
    // A saved session is shown as it ended and continues as the current chat.
    let reopen = move |session: Session| {
        stop(());
        shareable.set_value(None);
        let last = session.turns.last().cloned().unwrap_or_default();
        prompt.set(last.prompt);
        if let Some(div) = answer.get_untracked() {
            draw_answer(&div, &last.answer);
        }
        if let Some(earlier) = transcript.get_untracked() {
            let before_last = &session.turns[..session.turns.len().saturating_sub(1)];
            if let Err(error) = transcript::restore(&earlier, before_last) {
                web_sys::console::error_1(&error.to_string().into());
            }
        }
        set_answer_chars.set(Some(last.answer.chars().count()));
        set_answer_text.set(last.answer);
        set_turns.set(session.turns.len());
        history.adopt(&session);
        conversation.set_value(Conversation::from_turns(session.turns));
        set_status.set(StatusLine::neutral(format!(
            "Reopened “{}” from history",
            session.title
        )));
    };
    // The open editor's code, else the answer's runnable code, with the last run's error.
    let fix_it = move |()| {
        let code = crate::editor::current().or_else(|| {
            answer_text
                .with_untracked(|text| crate::render::engine::runnable_answer(text))
                .map(|r| (r.lang().to_string(), r.code().to_string()))
        });
        match (code, last_run_error()) {
            (Some((lang, code)), Some(error)) => {
                prompt.set(fix_it_prompt(&lang, &code, &error));
                send(());
            }
            _ => set_status.set(StatusLine::neutral(
                "Fix it needs code that failed: run it first, then Fix it sends the error.",
            )),
        }
    };
    let share_ready = Signal::derive(move || !streaming.get() && answer_chars.get().is_some());

    view! {
        <div class="app">
            <header class="app-header">
                <h1>"⚡ Sparkplug"</h1>
                <span class="tagline">"Feel what 1,000 tokens per second is like."</span>
                <button
                    class="settings-toggle"
                    data-test="open-settings"
                    aria-expanded=move || settings_open.get().to_string()
                    on:click=move |_| settings_open.update(|open| *open = !*open)
                >
                    "Endpoints"
                </button>
                <Shortcuts streaming=streaming on_stop=Callback::new(stop) />
            </header>
            <Settings endpoints=endpoints keys=keys open=settings_open />
            <Prompt
                prompt=prompt
                endpoints=endpoints
                models=models
                streaming=streaming
                on_send=Callback::new(send)
                on_stop=Callback::new(stop)
                on_choose_endpoint=Callback::new(choose_endpoint)
                on_choose_model=Callback::new(choose_model)
            />
            <ShareBar source=shareable ready=share_ready snapshot=snapshot on_restore=Callback::new(restore) />
            <div class="work">
                <div class="output">
                    <SideChannelsView
                        reasoning=reasoning
                        has_reasoning=has_reasoning
                        refusal=refusal
                        tool_calls=tool_calls
                        skipped=skipped
                    />
                    <Answer
                        node=answer
                        streaming=streaming
                        status=status
                        answer_chars=answer_chars
                        transcript=transcript
                    />
                    <RunPanel answer=answer answer_text=answer_text streaming=streaming requests=run_request />
                    <DownloadPage answer_text=answer_text />
                    <ChatBar
                        turns=turns.into()
                        streaming=streaming
                        on_new=Callback::new(new_chat)
                        on_fix=Callback::new(fix_it)
                    />
                </div>
                <Meter snapshot=snapshot />
            </div>
            <History store=history on_open=Callback::new(reopen) />
        </div>
    }
}

/// The signals and sinks a run's frames write to.
struct View {
    set_snapshot: WriteSignal<MeterSnapshot>,
    set_status: WriteSignal<StatusLine>,
    set_streaming: WriteSignal<bool>,
    reasoning: TextSink,
    set_has_reasoning: WriteSignal<bool>,
    set_refusal: WriteSignal<String>,
    set_tool_calls: WriteSignal<String>,
    set_skipped: WriteSignal<usize>,
    first_token_shown: Cell<bool>,
    run: Rc<RefCell<LiveRun>>,
    set_answer_chars: WriteSignal<Option<usize>>,
    set_answer_text: WriteSignal<String>,
    conversation: StoredValue<Conversation>,
    history: HistoryStore,
    model: String,
}

impl FrameTarget for View {
    fn meter(&self, snapshot: MeterSnapshot) {
        if snapshot.ttft_ms.is_some() && !self.first_token_shown.replace(true) {
            self.set_status.set(StatusLine::neutral("Streaming…"));
        }
        self.set_snapshot.set(snapshot);
    }

    fn side_channels(&self, side: SideChannels, tool_calls: &[ToolCall]) {
        if !side.reasoning.is_empty() {
            self.reasoning.append(&side.reasoning);
            self.set_has_reasoning.set(true);
        }
        if !side.refusal.is_empty() {
            self.set_refusal.update(|r| r.push_str(&side.refusal));
        }
        if side.tool_calls_changed {
            self.set_tool_calls.set(tool_calls_text(tool_calls));
        }
        if side.malformed > 0 {
            self.set_skipped.update(|n| *n += side.malformed);
        }
    }

    fn ended(&self, outcome: Outcome) {
        self.set_streaming.set(false);
        self.set_status.set(explain_outcome(&outcome));
        self.set_answer_chars
            .set(Some(self.run.borrow().answer_chars()));
        let answer = self.run.borrow().answer_text().to_owned();
        self.conversation
            .update_value(|chat| chat.answered(answer.clone()));
        self.history.save(
            &self.model,
            self.conversation.with_value(|chat| chat.turns().to_vec()),
        );
        self.set_answer_text.set(answer);
    }
}
