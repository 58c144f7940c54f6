//! The workspace frame: the conversation and the result side by side with a draggable,
//! keyboard-movable split (remembered), or one at a time behind Answer | Result tabs on a phone.

use leptos::html::Main;
use leptos::prelude::*;
use sparkplug_core::pages::workspace::{Pane, Split};
use web_sys::PointerEvent;

use crate::browser::storage;

/// Where the split is remembered in this browser.
const SPLIT_KEY: &str = "sparkplug.split.v1";

/// The layout state the panes share by context: which pane a phone shows, whether a result
/// arrived there unseen, and the frame holding both.
#[derive(Clone, Copy)]
pub struct Layout {
    pub pane: RwSignal<Pane>,
    pub unseen_result: RwSignal<bool>,
    frame: NodeRef<Main>,
}

impl Layout {
    pub fn new() -> Self {
        Self {
            pane: RwSignal::new(Pane::default()),
            unseen_result: RwSignal::new(false),
            frame: NodeRef::new(),
        }
    }

    /// Brings the result into view: on a phone its tab opens, and the page scrolls back to
    /// it if it was scrolled past its top (say, down to History); side by side it already is.
    pub fn show_result(&self) {
        self.pane.set(Pane::Result);
        self.unseen_result.set(false);
        let frame = self.frame;
        // After the tab's switch is drawn, when the pane's place is known.
        request_animation_frame(move || {
            if let Some(main) = frame.get_untracked() {
                if main.get_bounding_client_rect().top() < 0.0 {
                    main.scroll_into_view();
                }
            }
        });
    }

    /// A new result is on the result pane: marked on its tab if the phone shows the answer.
    pub fn result_changed(&self) {
        if self.pane.get_untracked() == Pane::Answer {
            self.unseen_result.set(true);
        }
    }
}

/// The two panes with the separator between them and the phone's tabs above them.
#[component]
pub fn Workspace(conversation: Children, result: Children) -> impl IntoView {
    let layout = expect_context::<Layout>();
    let split = RwSignal::new(Split::parse(storage::load_preference(SPLIT_KEY).as_deref()));
    let frame = layout.frame;
    let dragging = RwSignal::new(false);
    let remember = move || {
        storage::save_preference(SPLIT_KEY, &split.get_untracked().fraction().to_string());
    };
    let on_down = move |event: PointerEvent| {
        event.prevent_default();
        if let Some(target) = event
            .current_target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
        {
            target.set_pointer_capture(event.pointer_id()).ok();
        }
        dragging.set(true);
    };
    let on_move = move |event: PointerEvent| {
        if !dragging.get_untracked() {
            return;
        }
        if let Some(main) = frame.get_untracked() {
            let rect = main.get_bounding_client_rect();
            split.set(Split::at_pointer(
                f64::from(event.client_x()),
                rect.left(),
                rect.width(),
            ));
        }
    };
    let on_up = move |_: PointerEvent| {
        if dragging.get_untracked() {
            dragging.set(false);
            remember();
        }
    };
    let on_key = move |event: leptos::ev::KeyboardEvent| {
        let steps = match event.key().as_str() {
            "ArrowLeft" => -1.0,
            "ArrowRight" => 1.0,
            "Home" => -100.0,
            "End" => 100.0,
            _ => return,
        };
        event.prevent_default();
        split.update(|s| *s = s.stepped(steps));
        remember();
    };
    let tab = move |pane: Pane, label: &'static str, test: &'static str| {
        let selected = move || layout.pane.get() == pane;
        view! {
            <button
                type="button"
                role="tab"
                data-test=test
                aria-selected=move || selected().to_string()
                class:unseen=move || pane == Pane::Result && layout.unseen_result.get()
                on:click=move |_| {
                    if pane == Pane::Result {
                        layout.show_result();
                    } else {
                        layout.pane.set(pane);
                    }
                }
            >
                {label}
            </button>
        }
    };
    view! {
        <div class="pane-tabs" role="tablist" aria-label="Workspace">
            {tab(Pane::Answer, "Answer", "tab-answer")}
            {tab(Pane::Result, "Result", "tab-result")}
        </div>
        <main
            class="workspace"
            class:dragging=move || dragging.get()
            data-test="workspace"
            data-pane=move || match layout.pane.get() {
                Pane::Answer => "answer",
                Pane::Result => "result",
            }
            node_ref=frame
            style=("--split", move || split.get().css())
        >
            <section class="pane conversation-pane" aria-label="Conversation">
                {conversation()}
            </section>
            <div
                class="splitter"
                role="separator"
                tabindex="0"
                data-test="splitter"
                aria-orientation="vertical"
                aria-label="Resize the conversation and the result"
                aria-valuemin=(Split::MIN * 100.0).to_string()
                aria-valuemax=(Split::MAX * 100.0).to_string()
                aria-valuenow=move || split.get().percent().to_string()
                on:pointerdown=on_down
                on:pointermove=on_move
                on:pointerup=on_up
                on:pointercancel=on_up
                on:keydown=on_key
            ></div>
            <section class="pane result-pane" aria-label="Result">
                {result()}
            </section>
        </main>
    }
}
