//! The prompt box with the model picker and the Send/Stop buttons; Ctrl/Cmd+Enter sends.

use leptos::prelude::*;
use sparkplug_core::models::ModelInfo;

#[component]
pub fn Prompt(
    prompt: RwSignal<String>,
    model: RwSignal<String>,
    models: ReadSignal<Vec<ModelInfo>>,
    streaming: ReadSignal<bool>,
    on_send: Callback<()>,
    on_stop: Callback<()>,
) -> impl IntoView {
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
            ev.prevent_default();
            on_send.run(());
        }
    };
    view! {
        <div class="prompt">
            <label class="visually-hidden" for="prompt-input">"Prompt"</label>
            <textarea
                id="prompt-input"
                data-test="prompt"
                placeholder="Ask for code, e.g. “Write a Minesweeper clone in one HTML file”"
                prop:value=move || prompt.get()
                on:input=move |ev| prompt.set(event_target_value(&ev))
                on:keydown=on_keydown
            ></textarea>
            <div class="controls">
                <label for="model-select">"Model"</label>
                <select
                    id="model-select"
                    data-test="model"
                    on:change=move |ev| model.set(event_target_value(&ev))
                >
                    <For
                        each=move || models.get()
                        key=|m| m.id.clone()
                        children=move |m| {
                            let label = m.label.clone().map_or_else(
                                || m.id.clone(),
                                |label| format!("{} — {label}", m.id),
                            );
                            let id = m.id.clone();
                            // Per option, because a select's value set before its options
                            // exist does not stick.
                            let selected = move || model.get() == id;
                            view! { <option value=m.id.clone() selected=selected>{label}</option> }
                        }
                    />
                </select>
                <button
                    class="primary"
                    data-test="send"
                    disabled=move || streaming.get()
                    on:click=move |_| on_send.run(())
                >
                    "Send"
                </button>
                <button
                    data-test="stop"
                    disabled=move || !streaming.get()
                    on:click=move |_| on_stop.run(())
                >
                    "Stop"
                </button>
                <span class="hint">"Ctrl/⌘ + Enter to send"</span>
            </div>
        </div>
    }
}
