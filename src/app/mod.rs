//! The app page (`/`): the chat and the endpoint choice, shared with its panels by context,
//! laid out here; what Send, Stop, Share and History do lives in `chat`.

mod chat;
mod compare;
mod endpoints;

pub use chat::Chat;
pub use compare::Compare;
pub use endpoints::EndpointChoice;

use leptos::prelude::*;

use crate::components::answer::{Answer, Transcript};
use crate::components::conversation::ChatBar;
use crate::components::download::DownloadPage;
use crate::components::history::History;
use crate::components::meter::Meter;
use crate::components::prompt::Prompt;
use crate::components::run_panel::RunPanel;
use crate::components::settings::Settings;
use crate::components::share::ShareBar;
use crate::components::shortcuts::Shortcuts;
use crate::components::side::SideChannels;
use crate::components::theme::ThemeToggle;
use crate::components::timeline::LoopTimeline;
use crate::components::welcome::Welcome;
use crate::components::workspace::{Layout, Workspace};
use compare::CompareView;

#[component]
pub fn App() -> impl IntoView {
    let chat = Chat::new();
    provide_context(chat);
    provide_context(chat.endpoints);
    provide_context(Layout::new());
    let compare = Compare::new();
    provide_context(compare);
    compare.listen();
    crate::editor::listen(chat.answer, chat.run_request.write_only());
    crate::components::download::listen(chat.answer);
    let settings_open = RwSignal::new(false);
    let run = chat.run;
    view! {
        <div class="app">
            <div class="screen">
                <header class="app-header">
                    <h1>"⚡ Sparkplug"</h1>
                    <span class="tagline">"Feel what 1,000 tokens per second is like."</span>
                    <div class="header-actions">
                        <button
                            class="settings-toggle"
                            data-test="open-settings"
                            aria-expanded=move || settings_open.get().to_string()
                            on:click=move |_| settings_open.update(|open| *open = !*open)
                        >
                            "Endpoints"
                        </button>
                        <button
                            class="compare-toggle"
                            data-test="open-compare"
                            aria-pressed=move || compare.open.get().to_string()
                            title="Race 2–4 models on one prompt, judged by time to working code"
                            on:click=move |_| {
                                if compare.open.get_untracked() {
                                    compare.close();
                                } else {
                                    compare.open_view(chat);
                                }
                            }
                        >
                            {move || if compare.open.get() { "Back to chat" } else { "Compare" }}
                        </button>
                        <ThemeToggle />
                        <Shortcuts
                            streaming=chat.busy()
                            on_stop=Callback::new(move |()| chat.stop())
                        />
                    </div>
                </header>
                <Settings open=settings_open />
                <Show when=move || compare.open.get()>
                    <CompareView />
                </Show>
                <div class="workspace-slot" hidden=move || compare.open.get()>
                <Workspace
                    conversation=Box::new(move || {
                        view! {
                            <Meter snapshot=run.snapshot.read_only() />
                            <ShareBar />
                            <div class="conversation">
                                <Welcome />
                                <SideChannels side=chat.side />
                                <Answer
                                    node=chat.answer
                                    streaming=run.streaming.read_only()
                                    status=run.status.read_only()
                                    answer_chars=run.answer_chars.read_only()
                                    transcript=Transcript {
                                        node: chat.transcript,
                                        answer_of: Callback::new(move |index| chat.turn_answer(index)),
                                    }
                                />
                                <LoopTimeline />
                                <DownloadPage answer_text=run.answer_text.read_only() />
                                <ChatBar />
                            </div>
                            <Prompt />
                        }
                            .into_any()
                    })
                    result=Box::new(move || {
                        view! {
                            <RunPanel
                                answer=chat.answer
                                answer_text=run.answer_text.read_only()
                                streaming=run.streaming.read_only()
                                requests=chat.run_request.read_only()
                                auto_run=chat.auto_run
                                reports=chat.looper.reports.write_only()
                                checks=chat.looper.checks_shown()
                            />
                        }
                            .into_any()
                    })
                />
                </div>
            </div>
            <History />
        </div>
    }
}
