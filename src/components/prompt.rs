//! The prompt box with the endpoint and model pickers, the fix loop's attempts and checks,
//! the Send/Stop buttons and a line saying whether Send starts a new chat or follows up (with
//! "Keep this chat" after a model change); Ctrl/Cmd+Enter sends.

use leptos::prelude::*;

use sparkplug_core::pages::conversation::NextSend;

use crate::app::Chat;

/// The most attempts the field offers: past a few, a model rarely fixes what it has not.
const MAX_ATTEMPTS: u32 = 10;

#[component]
pub fn Prompt() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let (prompt, choice, busy) = (chat.prompt, chat.endpoints, chat.busy());
    let looper = chat.looper;
    let on_attempts = move |ev: leptos::ev::Event| {
        if let Ok(n) = event_target_value(&ev).trim().parse::<u32>() {
            looper.max_attempts.set(n.clamp(1, MAX_ATTEMPTS));
        }
    };
    let (endpoints, models) = (choice.endpoints, choice.models);
    let next = chat.next_send();
    let model_changed =
        move || next.with(|n| matches!(n, NextSend::ModelChanged { .. })) && !busy.get();
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
            ev.prevent_default();
            chat.send();
        }
    };
    let selected_id = move || endpoints.with(|e| e.selected().id.clone());
    let selected_model = move || endpoints.with(|e| e.selected().model.clone());
    // The chosen model's label and published speed, when its endpoint lists them.
    let model_note = move || {
        let id = selected_model();
        models.with(|list| {
            list.iter()
                .find(|m| m.id == id)
                .map(|m| m.describe())
                .unwrap_or_default()
        })
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
            <p
                class="send-mode"
                id="send-mode"
                data-test="send-mode"
                data-new-chat=move || next.with(NextSend::starts_new_chat).to_string()
                data-model-changed=move || model_changed().to_string()
            >
                <span>{move || next.with(NextSend::explain)}</span>
                <button
                    type="button"
                    data-test="keep-chat"
                    hidden=move || !model_changed()
                    on:click=move |_| chat.keep_chat()
                >
                    "Keep this chat"
                </button>
            </p>
            <label class="visually-hidden" for="checks-input">"Checks"</label>
            <textarea
                id="checks-input"
                class="checks-input"
                data-test="loop-checks"
                rows="1"
                spellcheck="false"
                placeholder="Checks, one a line: a JavaScript expression true in the page, or a Python assert"
                prop:value=move || looper.checks.get()
                on:input=move |ev| looper.checks.set(event_target_value(&ev))
            ></textarea>
            <div class="controls">
                <label for="endpoint-select">"Endpoint"</label>
                <select
                    id="endpoint-select"
                    data-test="endpoint"
                    on:change=move |ev| choice.choose_endpoint(&event_target_value(&ev))
                >
                    <For
                        each=move || endpoints.get().list().to_vec()
                        key=|e| (e.id.clone(), e.name.clone())
                        children=move |e| {
                            let id = e.id.clone();
                            // Per option, because a select's value set before its options
                            // exist does not stick.
                            let selected = move || selected_id() == id;
                            view! { <option value=e.id.clone() selected=selected>{e.name.clone()}</option> }
                        }
                    />
                </select>
                <label for="model-select">"Model"</label>
                // Free text with suggestions: an endpoint may serve models its list omits.
                <input
                    id="model-select"
                    data-test="model"
                    list="model-options"
                    spellcheck="false"
                    autocomplete="off"
                    prop:value=selected_model
                    on:change=move |ev| choice.choose_model(&event_target_value(&ev))
                />
                <datalist id="model-options" data-test="model-options">
                    <For
                        each=move || models.get()
                        key=|m| m.id.clone()
                        children=move |m| {
                            view! { <option value=m.id.clone()>{m.describe()}</option> }
                        }
                    />
                </datalist>
                <span class="model-note" data-test="model-note">{model_note}</span>
                <button
                    class="primary"
                    data-test="send"
                    disabled=move || busy.get()
                    aria-describedby="send-mode"
                    on:click=move |_| chat.send()
                >
                    {move || next.with(NextSend::button)}
                </button>
                <button
                    data-test="stop"
                    disabled=move || !busy.get()
                    on:click=move |_| chat.stop()
                >
                    "Stop"
                </button>
                <label
                    class="loop-auto"
                    title="With Run automatically on, send a failing answer's error back to the model and run its fix"
                >
                    <input
                        type="checkbox"
                        data-test="loop-auto"
                        prop:checked=move || looper.enabled.get()
                        on:change=move |ev| looper.enabled.set(event_target_checked(&ev))
                    />
                    " Fix automatically"
                </label>
                <label
                    class="loop-attempts"
                    title="With Run automatically on, a failing answer goes back to the model with its error, up to this many answers in all"
                >
                    "Attempts "
                    <input
                        type="number"
                        min="1"
                        max=MAX_ATTEMPTS.to_string()
                        step="1"
                        data-test="loop-attempts"
                        prop:value=move || looper.max_attempts.get().to_string()
                        on:change=on_attempts
                    />
                </label>
                <span class="hint">"Ctrl/⌘ + Enter to send"</span>
            </div>
        </div>
    }
}
