//! The `/kiosk` page: a full-screen race of 2–4 models, an attract loop of preset prompts
//! while nobody is there, and a prompt box for a visitor. Its settings come from the server.

mod lane;
mod race;

use std::time::Duration;

use leptos::ev;
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use sparkplug_core::pages::kiosk::attract::{Attract, KioskSettings, Mode, Step};
use sparkplug_core::run::spec::OUR_API;
use wasm_bindgen::JsCast;

use crate::live::now_ms;
use crate::net::get;
use lane::LaneColumn;
use race::{LaneView, RaceHandle};

/// How often the attract loop looks at the clock: well under a second, the smallest pause.
const TICK: Duration = Duration::from_millis(200);

#[component]
pub fn Kiosk() -> impl IntoView {
    let settings = RwSignal::new(None::<Result<KioskSettings, String>>);
    spawn_local(async move {
        settings.set(Some(load_settings().await));
    });
    view! {
        <main class="kiosk" data-test="kiosk">
            {move || match settings.get() {
                None => view! { <p class="kiosk-note">"Starting…"</p> }.into_any(),
                Some(Err(reason)) => view! { <p class="kiosk-note" data-test="kiosk-error">{reason}</p> }.into_any(),
                Some(Ok(settings)) => view! { <RaceFloor settings=settings /> }.into_any(),
            }}
        </main>
    }
}

/// The server's `[kiosk]` settings with the page URL's query laid over them.
async fn load_settings() -> Result<KioskSettings, String> {
    let window = web_sys::window().ok_or("no window")?;
    let text = get::ours(&format!("{OUR_API}/kiosk"))
        .await
        .map_err(|e| format!("the kiosk settings could not be loaded from the server: {e}"))?;
    let query = window.location().search().unwrap_or_default();
    KioskSettings::from_json(&text)
        .and_then(|s| s.with_query(&query))
        .map_err(|e| e.to_string())
}

#[component]
fn RaceFloor(settings: KioskSettings) -> impl IntoView {
    let lanes: Vec<LaneView> = settings.models.iter().map(|m| LaneView::new(m)).collect();
    let attract = StoredValue::new_local(Attract::new(&settings, now_ms()));
    let current: StoredValue<Option<RaceHandle>, LocalStorage> = StoredValue::new_local(None);
    let mode = RwSignal::new(Mode::Attract);
    let prompt = RwSignal::new(String::new());
    let summary = RwSignal::new(String::new());
    let races = RwSignal::new(0u64);
    let wasm_bytes = RwSignal::new(0f64);
    let visitor_text = RwSignal::new(String::new());
    let prompt_box: NodeRef<Input> = NodeRef::new();
    let lane_views = StoredValue::new_local(lanes.clone());
    // Set through the CSSOM (a `style` attribute would break the page's CSP).
    let lanes_style = ("--lanes", lanes.len().to_string());
    let prompts = StoredValue::new(settings.prompts.clone());

    let stop_current = move || {
        current.update_value(|c| {
            if let Some(race) = c.take() {
                race.stop();
            }
        });
    };
    let run = move |text: String| {
        stop_current();
        summary.set(String::new());
        prompt.set(text.clone());
        attract.update_value(|a| a.race_started());
        let handle = lane_views.with_value(|lanes| {
            race::start(&text, lanes, move |race| {
                summary.set(
                    race.summary()
                        .unwrap_or_else(|| "No model finished.".into()),
                );
                races.update(|n| *n += 1);
                wasm_bytes.set(wasm_memory_bytes());
                current.set_value(None);
                attract.update_value(|a| a.race_ended(now_ms()));
            })
        });
        if handle.is_none() {
            attract.update_value(|a| a.race_ended(now_ms()));
        }
        current.set_value(handle);
    };
    let apply = move |step: Step| match step {
        Step::RacePreset(n) => {
            if let Some(text) = prompts.with_value(|p| p.get(n).cloned()) {
                run(text);
            }
        }
        Step::TakeOver => {
            stop_current();
            attract.update_value(|a| a.race_ended(now_ms()));
            mode.set(Mode::Visitor);
            summary.set(String::new());
            visitor_text.set(String::new());
            // Focus once the box exists, after this render.
            request_animation_frame(move || {
                if let Some(input) = prompt_box.get_untracked() {
                    input.focus().ok();
                }
            });
        }
        Step::Reset => {
            stop_current();
            mode.set(Mode::Attract);
        }
    };

    let interval = set_interval_with_handle(
        move || {
            if let Some(step) = attract.try_update_value(|a| a.tick(now_ms())).flatten() {
                apply(step);
            }
        },
        TICK,
    );
    let on_input = move || {
        if let Some(step) = attract.try_update_value(|a| a.input(now_ms())).flatten() {
            apply(step);
        }
    };
    let keys = window_event_listener(ev::keydown, move |_| on_input());
    let touches = window_event_listener(ev::pointerdown, move |_| on_input());
    on_cleanup(move || {
        if let Ok(interval) = interval {
            interval.clear();
        }
        keys.remove();
        touches.remove();
        stop_current();
    });

    let go = move || {
        let text = visitor_text.get_untracked();
        if !text.trim().is_empty() {
            run(text);
        }
    };
    view! {
        <div class="race-floor" data-test="kiosk-floor" data-mode=move || match mode.get() {
            Mode::Attract => "attract",
            Mode::Visitor => "visitor",
        } data-races=move || races.get().to_string()
            data-wasm-bytes=move || wasm_bytes.get().to_string()>
            <header class="kiosk-head">
                <span class="kiosk-brand">"⚡ Sparkplug"</span>
                <span class="kiosk-prompt-now" data-test="kiosk-now">{move || prompt.get()}</span>
            </header>
            <Show when=move || mode.get() == Mode::Visitor>
                <form class="kiosk-ask" on:submit=move |e| { e.prevent_default(); go(); }>
                    <input
                        class="kiosk-input"
                        data-test="kiosk-prompt"
                        node_ref=prompt_box
                        placeholder="Ask for some code, then press Enter"
                        maxlength="300"
                        prop:value=move || visitor_text.get()
                        on:input=move |e| visitor_text.set(event_target_value(&e))
                    />
                    <button class="kiosk-go" data-test="kiosk-go" type="submit">"Race"</button>
                </form>
            </Show>
            <div class="lanes" style=lanes_style>
                {lanes.into_iter().map(|lane| view! { <LaneColumn lane=lane /> }).collect_view()}
            </div>
            <p class="kiosk-summary" data-test="kiosk-summary" aria-live="polite">{move || summary.get()}</p>
            <p class="kiosk-hint">{move || match mode.get() {
                Mode::Attract => "Touch the screen or press any key to race your own prompt",
                Mode::Visitor => "Same prompt, same instant: which model finishes first?",
            }}</p>
        </div>
    }
}

/// The wasm module's linear memory in bytes: it only grows, so a kiosk that leaks in Rust
/// shows it here (the benchmark reads it after every ten races).
fn wasm_memory_bytes() -> f64 {
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map(|m| {
            f64::from(
                m.buffer()
                    .unchecked_into::<js_sys::ArrayBuffer>()
                    .byte_length(),
            )
        })
        .unwrap_or(0.0)
}
