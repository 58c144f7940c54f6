//! What a model sends beside the answer: reasoning in a collapsible section, a refusal set
//! apart, tool-call arguments as their raw JSON, and a note when messages were unreadable.

use leptos::html::Pre;
use leptos::prelude::*;

#[component]
pub fn SideChannels(
    reasoning: NodeRef<Pre>,
    has_reasoning: ReadSignal<bool>,
    refusal: ReadSignal<String>,
    tool_calls: ReadSignal<String>,
    skipped: ReadSignal<usize>,
) -> impl IntoView {
    view! {
        <details class="reasoning" data-test="reasoning" hidden=move || !has_reasoning.get()>
            <summary>"Reasoning"</summary>
            <pre node_ref=reasoning></pre>
        </details>
        <Show when=move || !refusal.get().is_empty()>
            <div class="refusal" data-test="refusal" role="note">
                <strong>"The model refused: "</strong>
                {move || refusal.get()}
            </div>
        </Show>
        <Show when=move || !tool_calls.get().is_empty()>
            <section class="tool-calls" aria-label="Tool calls">
                <h3>"Tool calls (raw arguments)"</h3>
                <pre data-test="tool-calls">{move || tool_calls.get()}</pre>
            </section>
        </Show>
        <Show when=move || { skipped.get() > 0 }>
            <p class="warning" data-test="skipped" role="note">
                {move || format!(
                    "{} message(s) from the endpoint could not be read and were skipped.",
                    skipped.get(),
                )}
            </p>
        </Show>
    }
}
