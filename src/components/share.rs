//! The Share button and shared results: makes a permalink (or a `.json` file when too big)
//! from the last finished run, and opens links and dropped files without running anything.

use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use sparkplug_core::pages::download::File;
use sparkplug_core::pages::share::{ShareError, SharedRun};
use sparkplug_core::run::meter::MeterSnapshot;
use sparkplug_core::run::paint::Timeline;
use sparkplug_core::run::receipt::Receipt;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::app::{Chat, Compare};
use crate::browser::download;
use crate::render::renderer::AnswerRenderer;

/// What the page knows of its latest run, to share once it has finished.
pub struct ShareSource {
    prompt: String,
    model: String,
    endpoint_name: String,
}

impl ShareSource {
    pub fn new(prompt: String, model: &str, endpoint_name: &str) -> Self {
        Self {
            prompt,
            model: model.to_string(),
            endpoint_name: endpoint_name.to_string(),
        }
    }

    fn shared(
        &self,
        answer: String,
        snapshot: &MeterSnapshot,
        time_to_green_ms: Option<f64>,
        timeline: Timeline,
    ) -> SharedRun {
        SharedRun {
            prompt: self.prompt.clone(),
            model: self.model.clone(),
            endpoint_name: self.endpoint_name.clone(),
            answer,
            receipt: Receipt {
                time_to_green_ms,
                ..Receipt::from_snapshot(snapshot)
            },
            timeline,
        }
    }
}

/// What the last Share click produced: a link when the run fits in one (else why not), and
/// always the `.json` file, which keeps the timeline a link may leave out.
#[derive(Clone, PartialEq)]
struct Made {
    link: Result<String, String>,
    file: String,
}

/// Draws a finished answer (shared or reopened) into the answer container through the same
/// renderer a live answer uses, over as many frames as it takes (code is shown, never run).
pub fn draw_answer(container: &web_sys::HtmlDivElement, text: &str) {
    if let Ok(mut renderer) = AnswerRenderer::replace_contents(container) {
        renderer.push(text);
        renderer.end_of_text();
        renderer.draw_over_frames(|| {});
    }
}

/// This page's address with `fragment`, copied to the clipboard (best effort: it needs focus
/// and permission; the page shows the link in a field too).
pub fn copy_link(fragment: &str) -> String {
    let location = window().location();
    let link = format!(
        "{}{}#{fragment}",
        location.origin().unwrap_or_default(),
        location.pathname().unwrap_or_default()
    );
    let _ = window().navigator().clipboard().write_text(&link);
    link
}

/// The Share button for the chat's last run; a shared link or file is shown in the chat.
#[component]
pub fn ShareBar() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let compare = expect_context::<Compare>();
    let ready = chat.share_ready();
    let made = RwSignal::new(None::<Made>);
    let shown = RwSignal::new(None::<SharedRun>);
    let error = RwSignal::new(None::<String>);

    let restore = move |result: Result<SharedRun, ShareError>| match result {
        Ok(shared) => {
            error.set(None);
            made.set(None);
            chat.restore(shared.clone());
            shown.set(Some(shared));
        }
        Err(e) => error.set(Some(e.to_string())),
    };
    let from_hash = move || {
        let hash = window().location().hash().unwrap_or_default();
        if SharedRun::is_share_fragment(&hash) {
            restore(SharedRun::from_fragment(&hash));
        }
    };
    // After mount, so the answer container exists.
    request_animation_frame(from_hash);
    let hash_listener = window_event_listener(ev::hashchange, move |_| from_hash());
    // Dropping a file anywhere on the page opens it; the browser would otherwise navigate.
    let over_listener = window_event_listener(ev::dragover, |e| e.prevent_default());
    let drop_listener = window_event_listener(ev::drop, move |e| {
        e.prevent_default();
        let file = e
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|f| f.get(0));
        if let Some(file) = file {
            spawn_local(async move {
                let text = JsFuture::from(file.text())
                    .await
                    .ok()
                    .and_then(|t| t.as_string());
                // A comparison's file opens in the Compare view; anything else is read as a run.
                if text.as_deref().is_some_and(|t| compare.open_file(t)) {
                    return;
                }
                restore(
                    text.ok_or_else(|| ShareError::NotAFile("the file could not be read".into()))
                        .and_then(|t| SharedRun::from_file(&t)),
                );
            });
        }
    });
    on_cleanup(move || {
        hash_listener.remove();
        over_listener.remove();
        drop_listener.remove();
    });

    let share = move |_| {
        let answer = chat.run.answer_text.get_untracked();
        let snapshot = chat.run.snapshot.get_untracked();
        let green = chat.looper.time_to_green_ms();
        let timeline = chat.run.timeline.get_value();
        let Some(shared) = chat.shareable.with_value(|s| {
            s.as_ref()
                .map(|s| s.shared(answer, &snapshot, green, timeline))
        }) else {
            return;
        };
        error.set(None);
        made.set(Some(Made {
            link: shared
                .to_fragment()
                .map(|fragment| copy_link(&fragment))
                .map_err(|reason| reason.to_string()),
            file: shared.to_file(),
        }));
    };
    let download = move |_| {
        let Some(text) = made.with_untracked(|m| m.as_ref().map(|m| m.file.clone())) else {
            return;
        };
        let file = File {
            name: "sparkplug-share.json".into(),
            mime: "application/json",
            text,
        };
        if let Err(e) = download::save(&file) {
            error.set(Some(e.to_string()));
        }
    };
    let replayable = move || shown.with(|s| s.as_ref().is_some_and(|s| !s.timeline.is_empty()));
    let replay = move |_| {
        if let Some(shared) = shown.get_untracked() {
            chat.replay(&shared);
        }
    };

    view! {
        <div class="share">
            <button
                class="share-button"
                data-test="share"
                disabled=move || !ready.get()
                title="A link that shows this prompt, answer and speed; nothing is stored on a server"
                on:click=share
            >
                "Share"
            </button>
            {move || made.get().map(|made| view! {
                {match made.link {
                    Ok(link) => view! {
                        <input
                            class="share-link"
                            data-test="share-link"
                            readonly
                            aria-label="Share link"
                            prop:value=link
                            on:focus=|e| {
                                if let Some(input) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                                    input.select();
                                }
                            }
                        />
                        <span class="share-note">"Copied. The link holds everything; no key is in it."</span>
                    }.into_any(),
                    Err(reason) => view! {
                        <span class="share-note" data-test="share-too-big">
                            {format!("{reason}: download it, and drop the file on Sparkplug to open it.")}
                        </span>
                    }.into_any(),
                }}
                <button
                    data-test="share-download"
                    title="The run as a file, with when each piece arrived, to open or replay later"
                    on:click=download
                >
                    "Download .json"
                </button>
            })}
            {move || shown.get().map(|s| view! {
                <span class="shared-banner" data-test="shared-banner" data-model=s.model.clone()>
                    {format!("Shared result: {} on {} — measured when it was made, not run here", s.model, s.endpoint_name)}
                </span>
            })}
            <button
                data-test="share-replay"
                hidden=move || !replayable()
                disabled=move || chat.run.streaming.get()
                title="Streams the answer again at the timing it arrived, drawn and measured here"
                on:click=replay
            >
                "Replay this run"
            </button>
            {move || error.get().map(|e| view! { <span class="share-error" data-test="share-error" role="alert">{e}</span> })}
        </div>
    }
}
