//! The keyboard shortcuts: Esc stops the stream, `?` opens a dialog listing every shortcut
//! (Ctrl/Cmd+Enter sends from the prompt and runs from the editor, where the others live).

use leptos::ev;
use leptos::html::Dialog;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, KeyboardEvent};

/// What the dialog lists: keys, then what they do.
const SHORTCUTS: &[(&str, &str)] = &[
    ("Ctrl/⌘ + Enter", "Send the prompt (in the prompt box)"),
    ("Ctrl/⌘ + Enter", "Run the edited code (in the editor)"),
    ("Esc", "Stop the answer while it streams"),
    ("Ctrl/⌘ + F", "Search in the editor"),
    ("Ctrl/⌘ + Z", "Undo in the editor"),
    ("Esc, then Tab", "Leave the editor (Tab alone indents)"),
    ("?", "Show this list"),
];

/// Whether a key press was meant as text: `?` typed in a field is a question mark.
fn typing(event: &KeyboardEvent) -> bool {
    // The editor lives in a shadow root: composedPath's first element is the real target.
    let target = event.composed_path().get(0).dyn_into::<Element>().ok();
    target.is_some_and(|t| {
        matches!(t.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
            || t.closest("[contenteditable]").ok().flatten().is_some()
    })
}

#[component]
pub fn Shortcuts(streaming: Signal<bool>, on_stop: Callback<()>) -> impl IntoView {
    let dialog: NodeRef<Dialog> = NodeRef::new();
    let open = move || {
        if let Some(dialog) = dialog.get_untracked() {
            if !dialog.open() {
                dialog.show_modal().ok();
            }
        }
    };
    let handle = window_event_listener(ev::keydown, move |event: KeyboardEvent| {
        // A key something else already handled (the editor's own Esc, say) is not ours.
        if event.default_prevented() || event.ctrl_key() || event.meta_key() || event.alt_key() {
            return;
        }
        let dialog_open = dialog.get_untracked().is_some_and(|d| d.open());
        match event.key().as_str() {
            "Escape" if streaming.get_untracked() && !dialog_open => {
                event.prevent_default();
                on_stop.run(());
            }
            "?" if !typing(&event) && !dialog_open => {
                event.prevent_default();
                open();
            }
            _ => {}
        }
    });
    on_cleanup(move || handle.remove());

    let rows = SHORTCUTS
        .iter()
        .map(|(keys, what)| view! { <tr><th scope="row"><kbd>{*keys}</kbd></th><td>{*what}</td></tr> })
        .collect_view();
    view! {
        <button
            type="button"
            class="shortcuts-toggle"
            data-test="open-shortcuts"
            aria-haspopup="dialog"
            on:click=move |_| open()
        >
            "Shortcuts (?)"
        </button>
        <dialog class="shortcuts" data-test="shortcuts" aria-labelledby="shortcuts-title" node_ref=dialog>
            <h2 id="shortcuts-title">"Keyboard shortcuts"</h2>
            <table>
                <tbody>{rows}</tbody>
            </table>
            <button
                type="button"
                class="primary"
                data-test="close-shortcuts"
                on:click=move |_| {
                    if let Some(dialog) = dialog.get_untracked() {
                        dialog.close();
                    }
                }
            >
                "Close"
            </button>
        </dialog>
    }
}
