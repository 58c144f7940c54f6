//! The `/embed` page: one prompt on one of this server's models inside a host page's iframe,
//! started by a click or once visible, with a versioned postMessage API for the host.

mod host;
mod observe;
mod run;

use leptos::html::Div;
use leptos::prelude::*;
use leptos::task::spawn_local;
use sparkplug_core::pages::embed::{
    Command, EmbedConfig, Event, HeightReport, HostPolicy, RunMode, View,
};
use sparkplug_core::run::explain::StatusLine;
use sparkplug_core::run::spec::{Connection, OUR_API};

use crate::components::answer::Answer;
use crate::components::meter::Meter;
use crate::components::run_panel::RunPanel;
use crate::live::{Run, RunState};
use crate::net::{get, models};
use observe::Watch;

/// What the embed needs before it can show anything: its URL's settings, checked against
/// the server's models, and the hosts allowed to command it.
#[derive(Clone)]
struct Setup {
    config: EmbedConfig,
    policy: HostPolicy,
}

#[component]
pub fn Embed() -> impl IntoView {
    let setup = RwSignal::new(None::<Result<Setup, String>>);
    spawn_local(async move {
        let loaded = load().await;
        if let Err(message) = &loaded {
            host::send(&Event::Error {
                message: message.clone(),
            });
        }
        setup.set(Some(loaded));
    });
    view! {
        <main class="embed" data-test="embed">
            {move || match setup.get() {
                None => view! { <p class="embed-note">"Loading…"</p> }.into_any(),
                Some(Err(reason)) => view! { <p class="embed-note error" data-test="embed-error">{reason}</p> }.into_any(),
                Some(Ok(setup)) => view! { <EmbedRun setup=setup /> }.into_any(),
            }}
        </main>
    }
}

async fn load() -> Result<Setup, String> {
    let window = web_sys::window().ok_or("no window")?;
    let query = window.location().search().unwrap_or_default();
    let config = EmbedConfig::from_query(&query).map_err(|e| e.to_string())?;
    // The theme is the document's, so the page background follows it too.
    if let Some(root) = window.document().and_then(|d| d.document_element()) {
        root.set_attribute("data-theme", config.theme.as_str()).ok();
    }
    let hosts = get::ours(&format!("{OUR_API}/embed"))
        .await
        .map_err(|e| format!("the embed settings could not be loaded from the server: {e}"))?;
    let policy = HostPolicy::from_json(&hosts).map_err(|e| e.to_string())?;
    let models = models::list(&Connection::our_server(), None).await;
    config.check_model(&models).map_err(|e| e.to_string())?;
    Ok(Setup { config, policy })
}

#[component]
fn EmbedRun(setup: Setup) -> impl IntoView {
    let Setup { config, policy } = setup;
    let prompt = RwSignal::new(config.prompt.clone());
    let state = RunState::new(StatusLine::neutral(match config.run {
        RunMode::Click => "Press Run to stream the answer.",
        RunMode::Auto => "Runs when it scrolls into view.",
    }));
    let streaming = state.streaming.read_only();
    let answer: NodeRef<Div> = NodeRef::new();
    let root: NodeRef<Div> = NodeRef::new();
    let visible = RwSignal::new(false);
    // A run asked for (by autorun, the Run button or the host) that waits until the embed
    // is visible and any previous run has ended.
    let wanted = RwSignal::new(config.run == RunMode::Auto);
    let current: StoredValue<Option<Run>, LocalStorage> = StoredValue::new_local(None);
    let model = StoredValue::new(config.model.clone());

    let abort = move || current.with_value(|run| run.iter().for_each(Run::stop));
    Effect::new(move |_| {
        if !(wanted.get() && visible.get() && !streaming.get()) {
            return;
        }
        wanted.set(false);
        let text = prompt.get_untracked();
        let started = answer
            .get_untracked()
            .and_then(|div| model.with_value(|model| run::start(&text, model, &div, state)));
        if started.is_none() {
            host::send(&Event::Error {
                message: "the browser could not start the run".into(),
            });
        }
        current.set_value(started);
    });
    let ask_run = move || {
        // A run under way is stopped first; the new one starts once it has ended.
        abort();
        wanted.set(true);
    };
    let stop = move || {
        wanted.set(false);
        abort();
    };
    host::listen(policy, move |command| match command {
        Command::Run { prompt: text } => {
            if let Some(text) = text {
                prompt.set(text);
            }
            ask_run();
        }
        Command::Stop => stop(),
        Command::SetPrompt { prompt: text } => prompt.set(text),
    });

    // The observers start once the body exists and live as long as this view.
    let watches: StoredValue<Vec<Watch>, LocalStorage> = StoredValue::new_local(Vec::new());
    Effect::new(move |_| {
        let Some(body) = root.get() else {
            return;
        };
        let mut heights = HeightReport::default();
        let found = [
            observe::when_visible(&body, move || visible.set(true)),
            observe::on_resize(&body, move |height| {
                if let Some(height) = heights.observe(height) {
                    host::send(&Event::Resize { height });
                }
            }),
        ];
        watches.set_value(found.into_iter().flatten().collect());
    });
    on_cleanup(move || {
        abort();
        watches.set_value(Vec::new());
    });
    host::send(&Event::Ready {
        model: config.model.clone(),
    });

    let view_mode = config.view;
    // Set through the CSSOM (a `style` attribute would break the page's CSP).
    let style = ("height", config.height.map(|h| format!("{h}px")));
    let prompt_view = if config.readonly {
        view! { <p class="embed-prompt-text" data-test="embed-prompt">{move || prompt.get()}</p> }
            .into_any()
    } else {
        view! {
            <textarea
                class="embed-prompt-input"
                data-test="embed-prompt"
                aria-label="Prompt"
                rows="2"
                maxlength=sparkplug_core::pages::embed::MAX_PROMPT_CHARS.to_string()
                prop:value=move || prompt.get()
                on:input=move |e| prompt.set(event_target_value(&e))
            ></textarea>
        }
        .into_any()
    };
    view! {
        <div
            class="embed-body"
            node_ref=root
            style=style
            data-view=view_mode.as_str()
            data-fixed-height=config.height.is_some().to_string()
            data-streaming=move || streaming.get().to_string()
        >
            <form class="embed-prompt" on:submit=move |e| { e.prevent_default(); ask_run(); }>
                {prompt_view}
                <div class="embed-actions">
                    <span class="embed-model" data-test="embed-model">{config.model.clone()}</span>
                    <button type="submit" class="embed-run" data-test="embed-run" disabled=move || streaming.get()>
                        "Run"
                    </button>
                    <button type="button" data-test="embed-stop" disabled=move || !streaming.get() on:click=move |_| stop()>
                        "Stop"
                    </button>
                </div>
            </form>
            <div class="embed-answer" hidden=view_mode == View::Preview>
                <Answer
                    node=answer
                    streaming=streaming
                    status=state.status.read_only()
                    answer_chars=state.answer_chars.read_only()
                />
            </div>
            {(view_mode != View::Answer).then(|| view! {
                <RunPanel answer=answer answer_text=state.answer_text.read_only() streaming=streaming />
            })}
            <Meter snapshot=state.snapshot.read_only() />
            <a class="embed-credit" href="/" target="_blank" rel="noopener">"⚡ Sparkplug"</a>
        </div>
    }
}
