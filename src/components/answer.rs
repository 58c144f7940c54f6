//! The answer area: a `<pre>` that the per-frame flush grows, and the status line below it.

use leptos::html::Pre;
use leptos::prelude::*;
use sparkplug_core::explain::{StatusLine, Tone};

/// The CSS class for a status line's tone.
fn tone_class(tone: Tone) -> &'static str {
    match tone {
        Tone::Neutral => "status",
        Tone::Done => "status done",
        Tone::Error => "status error",
    }
}

#[component]
pub fn Answer(
    node: NodeRef<Pre>,
    streaming: ReadSignal<bool>,
    status: ReadSignal<StatusLine>,
    /// The answer's length in characters once the run ended, for scripts and tests.
    answer_chars: ReadSignal<Option<usize>>,
) -> impl IntoView {
    view! {
        <section class="panel" aria-label="Answer">
            <pre
                class="answer"
                data-test="answer"
                node_ref=node
                aria-busy=move || streaming.get().to_string()
            ></pre>
            <p
                class=move || tone_class(status.get().tone)
                data-test="status"
                data-chars=move || answer_chars.get().map(|n| n.to_string())
                role="status"
            >
                {move || status.get().text}
            </p>
        </section>
    }
}
