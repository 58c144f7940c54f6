//! The first visit's empty state: one line on what to do and what the numbers mean, and
//! example prompts that send at a click.

use leptos::prelude::*;

use crate::app::Chat;

/// Prompts the demo models answer with a runnable program (crates/server/demo/answers/).
const EXAMPLES: &[&str] = &[
    "Write a Minesweeper clone in a single HTML file",
    "Write a Snake game in HTML and JavaScript",
    "Make an analog clock with HTML canvas",
    "Write FizzBuzz in Python",
];

#[component]
pub fn Welcome() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let run = chat.run;
    // Only before anything has been asked or shown.
    let hidden =
        move || chat.turns.get() > 0 || run.streaming.get() || run.answer_chars.get().is_some();
    let example = move |prompt: &'static str| {
        view! {
            <li>
                <button
                    type="button"
                    class="example"
                    data-test="example-prompt"
                    on:click=move |_| {
                        chat.prompt.set(prompt.to_string());
                        chat.send();
                    }
                >
                    {prompt}
                </button>
            </li>
        }
    };
    view! {
        <div class="welcome" data-test="welcome" hidden=hidden>
            <p class="welcome-lead">
                "Ask for code and watch it arrive. The demo models need no key: "
                <strong>"demo-1000"</strong>
                " streams at 1,000 tokens per second, as GPT-5.3-Codex-Spark does on Cerebras; "
                "the models most people use stream at 50–170 (try "
                <strong>"demo-52"</strong>
                " for GPT-4o mini's pace). A page runs on the right as soon as its code is complete."
            </p>
            <ul class="examples" aria-label="Example prompts">
                {EXAMPLES.iter().map(|prompt| example(prompt)).collect_view()}
            </ul>
        </div>
    }
}
