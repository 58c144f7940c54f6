//! The answer area: the chat's earlier turns, the container the renderer draws into, its
//! "Jump to latest" button, the status line, and a polite announcement when it is complete.

use leptos::html::Div;
use leptos::prelude::*;
use sparkplug_core::run::explain::{StatusLine, Tone};

use super::status_class;
use crate::render::{code_block, scroll, transcript};

/// The chat's earlier turns (render/transcript.rs): where they go, and each turn's markdown by
/// its index, drawn while its section is open.
#[derive(Clone, Copy)]
pub struct Transcript {
    pub node: NodeRef<Div>,
    pub answer_of: Callback<usize, Option<String>>,
}

#[component]
pub fn Answer(
    node: NodeRef<Div>,
    streaming: ReadSignal<bool>,
    status: ReadSignal<StatusLine>,
    /// The answer's length in characters once the run ended, for scripts and tests.
    answer_chars: ReadSignal<Option<usize>>,
    /// The chat's earlier turns; pages without a chat omit it.
    #[prop(optional)]
    transcript: Option<Transcript>,
) -> impl IntoView {
    // Whether the reader is at the end; the renderer follows the stream only then.
    let at_end = RwSignal::new(true);
    let on_scroll = move |_| {
        if let Some(div) = node.get_untracked() {
            at_end.set(scroll::near_bottom(&div));
        }
    };
    let jump = move |_| {
        if let Some(div) = node.get_untracked() {
            scroll::to_bottom(&div);
        }
    };
    // Screen readers hear that the answer is done, never the text token by token.
    let announcement = move || {
        let done = !streaming.get() && status.with(|s| s.tone == Tone::Done);
        if done {
            "Answer complete"
        } else {
            ""
        }
    };
    view! {
        <section class="panel answer-panel" aria-label="Answer">
            {transcript
                .map(|Transcript { node, answer_of }| {
                    view! {
                        <div
                            class="transcript"
                            data-test="transcript"
                            node_ref=node
                            on:click=move |event| code_block::on_answer_click(&event)
                            on:toggle:capture=move |event| {
                                transcript::toggled(&event, |index| answer_of.run(index))
                            }
                        ></div>
                    }
                })}
            <div
                class="answer"
                data-test="answer"
                node_ref=node
                aria-busy=move || streaming.get().to_string()
                on:scroll=on_scroll
                on:click=move |event| code_block::on_answer_click(&event)
            ></div>
            <button
                type="button"
                class="jump-latest"
                data-test="jump-latest"
                hidden=move || at_end.get()
                on:click=jump
            >
                "Jump to latest ↓"
            </button>
            <p
                class=move || status_class("status", status.get().tone)
                data-test="status"
                data-chars=move || answer_chars.get().map(|n| n.to_string())
                role="status"
            >
                {move || status.get().text}
            </p>
            <p class="visually-hidden" aria-live="polite" data-test="announce">
                {announcement}
            </p>
        </section>
    }
}
