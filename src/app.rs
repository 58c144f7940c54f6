//! The page: prompt, answer and meter wired to one streamed run at a time.
//! State lives in signals here; the run's logic lives in `live` and the core.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::html::Pre;
use leptos::prelude::*;
use leptos::task::spawn_local;
use sparkplug_core::decode::ApiFormat;
use sparkplug_core::explain::{explain_outcome, StatusLine};
use sparkplug_core::meter::MeterSnapshot;
use sparkplug_core::request::{chat_request, ChatMessage};
use sparkplug_core::run::{LiveRun, Outcome};
use web_sys::AbortController;

use crate::components::answer::Answer;
use crate::components::meter::Meter;
use crate::components::prompt::Prompt;
use crate::live::frame::{flush_every_frame, FrameTarget};
use crate::live::now_ms;
use crate::live::text_sink::TextSink;
use crate::net::stream::{stream_post, PostJson};

/// Our own server's OpenAI-compatible API, which serves the demo models.
const DEMO_BASE: &str = "/v1";
const DEFAULT_MODEL: &str = "demo-1000";

#[component]
pub fn App() -> impl IntoView {
    let prompt = RwSignal::new(String::from(
        "Write a Minesweeper clone in a single HTML file",
    ));
    let model = RwSignal::new(DEFAULT_MODEL.to_string());
    let (models, set_models) = signal(Vec::new());
    let (streaming, set_streaming) = signal(false);
    let (snapshot, set_snapshot) = signal(MeterSnapshot::default());
    let (status, set_status) = signal(StatusLine::default());
    let answer: NodeRef<Pre> = NodeRef::new();
    let abort: StoredValue<Option<AbortController>, LocalStorage> = StoredValue::new_local(None);

    spawn_local(async move {
        set_models.set(crate::net::models::list(DEMO_BASE).await);
    });

    let send = move |()| {
        let text = prompt.get_untracked();
        if streaming.get_untracked() || text.trim().is_empty() {
            return;
        }
        let Some(sink) = answer
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

        let body = chat_request(
            ApiFormat::OpenAiChat,
            &model.get_untracked(),
            &[ChatMessage::user(text)],
        );
        let run = Rc::new(RefCell::new(LiveRun::new(ApiFormat::OpenAiChat, now_ms())));
        flush_every_frame(
            run.clone(),
            sink,
            View {
                set_snapshot,
                set_status,
                set_streaming,
                first_token_shown: Cell::new(false),
            },
        );
        spawn_local(async move {
            let url = format!("{DEMO_BASE}/chat/completions");
            let request = PostJson {
                url: &url,
                headers: &[],
                body: &body,
            };
            let result = stream_post(request, &signal, |bytes| {
                run.borrow_mut().feed(now_ms(), bytes);
            })
            .await;
            run.borrow_mut().finish(now_ms(), result);
        });
    };

    let stop = move |()| {
        abort.with_value(|controller| {
            if let Some(controller) = controller {
                controller.abort();
            }
        });
    };

    view! {
        <div class="app">
            <header class="app-header">
                <h1>"⚡ Sparkplug"</h1>
                <span class="tagline">"Feel what 1,000 tokens per second is like."</span>
            </header>
            <Prompt
                prompt=prompt
                model=model
                models=models
                streaming=streaming
                on_send=Callback::new(send)
                on_stop=Callback::new(stop)
            />
            <div class="work">
                <Answer node=answer streaming=streaming status=status />
                <Meter snapshot=snapshot />
            </div>
        </div>
    }
}

/// The signals a run's frames write to.
struct View {
    set_snapshot: WriteSignal<MeterSnapshot>,
    set_status: WriteSignal<StatusLine>,
    set_streaming: WriteSignal<bool>,
    first_token_shown: Cell<bool>,
}

impl FrameTarget for View {
    fn meter(&self, snapshot: MeterSnapshot) {
        if snapshot.ttft_ms.is_some() && !self.first_token_shown.replace(true) {
            self.set_status.set(StatusLine::neutral("Streaming…"));
        }
        self.set_snapshot.set(snapshot);
    }

    fn ended(&self, outcome: Outcome) {
        self.set_streaming.set(false);
        self.set_status.set(explain_outcome(&outcome));
    }
}
