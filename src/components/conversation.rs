//! The chat bar under the answer: how many turns this chat has, "New chat", and "Fix it",
//! which asks the model to fix the current code given the last run's error.

use leptos::prelude::*;

use crate::app::Chat;

/// The last error line in the run panel's console, if the last run logged one.
pub fn last_run_error() -> Option<String> {
    let lines = document()
        .query_selector_all("[data-test=console] li.error")
        .ok()?;
    lines
        .item(lines.length().checked_sub(1)?)?
        .text_content()
        .filter(|text| !text.trim().is_empty())
}

#[component]
pub fn ChatBar() -> impl IntoView {
    let chat = expect_context::<Chat>();
    // Whether Send follows up is said by the prompt, where it is pressed; while an answer
    // streams or its fix loop goes on, neither button applies yet.
    let (turns, busy) = (chat.turns, chat.busy());
    let label = move || match turns.get() {
        0 => String::new(),
        1 => "1 turn in this chat".to_string(),
        n => format!("{n} turns in this chat"),
    };
    view! {
        <div class="chat-bar" data-test="chat-bar" hidden=move || turns.get() == 0>
            <span class="chat-turns" data-test="chat-turns">{label}</span>
            <button
                type="button"
                data-test="fix-it"
                disabled=move || busy.get()
                on:click=move |_| chat.fix_it()
            >
                "Fix it"
            </button>
            <button
                type="button"
                data-test="new-chat"
                disabled=move || busy.get()
                on:click=move |_| chat.new_chat()
            >
                "New chat"
            </button>
        </div>
    }
}
