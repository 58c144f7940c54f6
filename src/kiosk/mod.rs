//! The `/kiosk` page: compare's race of 2–4 models full screen, judged by working code, an
//! attract loop of preset prompts while nobody is there, and a prompt box for a visitor.

use std::time::Duration;

use leptos::ev;
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use sparkplug_core::iterate::DEFAULT_MAX_ATTEMPTS;
use sparkplug_core::pages::compare::race::Summary;
use sparkplug_core::pages::kiosk::attract::{
    Attract, KeyPress, KioskSettings, Mode, Step, MAX_PROMPT_CHARS,
};
use sparkplug_core::pages::kiosk::lanes::LaneTitle;
use sparkplug_core::run::spec::{Connection, OUR_API};
use wasm_bindgen::JsCast;
use web_sys::KeyboardEvent;

use crate::compare::lane::{LaneColumn, LaneModel, LaneView};
use crate::compare::race::{self, Entry, RaceHandle};
use crate::compare::runners::lane_runners;
use crate::compare::summary::SummaryView;
use crate::live::now_ms;
use crate::net::{get, models};

/// How often the attract loop looks at the clock: well under a second, the smallest pause.
const TICK: Duration = Duration::from_millis(200);

#[component]
pub fn Kiosk() -> impl IntoView {
    let setup = RwSignal::new(None::<Result<(KioskSettings, Vec<LaneTitle>), String>>);
    spawn_local(async move {
        setup.set(Some(load_setup().await));
    });
    view! {
        <main class="kiosk" data-test="kiosk">
            {move || match setup.get() {
                None => view! { <p class="kiosk-note">"Starting…"</p> }.into_any(),
                Some(Err(reason)) => view! { <p class="kiosk-note" data-test="kiosk-error">{reason}</p> }.into_any(),
                Some(Ok((settings, titles))) => view! { <RaceFloor settings=settings titles=titles /> }.into_any(),
            }}
        </main>
    }
}

/// The settings and each lane's title, from the settings' labels and the server's model
/// list (without that list, the lanes are titled by configured label or model id).
async fn load_setup() -> Result<(KioskSettings, Vec<LaneTitle>), String> {
    let settings = load_settings().await?;
    let listed = models::list(&Connection::our_server(), None).await;
    let titles = LaneTitle::all(&settings, &listed);
    Ok((settings, titles))
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
fn RaceFloor(settings: KioskSettings, titles: Vec<LaneTitle>) -> impl IntoView {
    let lanes: Vec<LaneView> = titles
        .into_iter()
        .map(|title| {
            LaneView::new(Some(LaneModel {
                name: title.label,
                caption: title.caption,
                model: title.model,
                endpoint_name: "Sparkplug demo".into(),
                connection: Connection::our_server(),
            }))
        })
        .collect();
    let runners = StoredValue::new(lane_runners(&document(), lanes.len()));
    let attract = StoredValue::new_local(Attract::new(&settings, now_ms()));
    let current: StoredValue<Option<RaceHandle>, LocalStorage> = StoredValue::new_local(None);
    let mode = RwSignal::new(Mode::Attract);
    let prompt = RwSignal::new(String::new());
    let summary = RwSignal::new(None::<Summary>);
    let races = RwSignal::new(0u64);
    let wasm_bytes = RwSignal::new(0f64);
    let visitor_text = RwSignal::new(String::new());
    let prompt_box: NodeRef<Input> = NodeRef::new();
    let lane_views = StoredValue::new_local(lanes.clone());
    // Set through the CSSOM (a `style` attribute would break the page's CSP).
    let lanes_style = ("--lanes", lanes.len().to_string());
    let prompts = StoredValue::new(settings.prompts.clone());
    // Once the box exists: it appears with the visitor's mode, after this render.
    let focus_prompt = move || {
        request_animation_frame(move || {
            if let Some(input) = prompt_box.get_untracked() {
                input.focus().ok();
            }
        });
    };

    let stop_current = move || {
        current.update_value(|c| {
            if let Some(race) = c.take() {
                race.cancel();
            }
        });
    };
    let run = move |text: String| {
        stop_current();
        summary.set(None);
        prompt.set(text.clone());
        attract.update_value(|a| a.race_started());
        let entry = Entry {
            prompt: text,
            checks: String::new(),
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        };
        let handle = lane_views.with_value(|lanes| {
            race::start(entry, lanes, &runners.get_value(), move |comparison| {
                summary.set(comparison.summary());
                races.update(|n| *n += 1);
                wasm_bytes.set(wasm_memory_bytes());
                current.set_value(None);
                attract.update_value(|a| a.race_ended(now_ms()));
            })
        });
        if let Err(error) = &handle {
            web_sys::console::error_1(&error.to_string().into());
            attract.update_value(|a| a.race_ended(now_ms()));
        }
        current.set_value(handle.ok());
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
            summary.set(None);
            visitor_text.set(String::new());
            focus_prompt();
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
    // A key typed while nothing has focus (the key that woke the kiosk, or typing after a
    // touch elsewhere) goes into the prompt box rather than being lost.
    let on_key = move |event: KeyboardEvent| {
        on_input();
        if mode.get_untracked() != Mode::Visitor || !nothing_focused() {
            return;
        }
        let key = event.key();
        let press = KeyPress {
            key: &key,
            ctrl: event.ctrl_key(),
            alt: event.alt_key(),
            meta: event.meta_key(),
            alt_graph: event.get_modifier_state("AltGraph"),
        };
        let typed = visitor_text.with_untracked(|text| press.typed_into(text).is_some());
        if typed {
            event.prevent_default();
            visitor_text.update(|text| text.push_str(&key));
            focus_prompt();
        }
    };
    let keys = window_event_listener(ev::keydown, on_key);
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
                        maxlength=MAX_PROMPT_CHARS
                        prop:value=move || visitor_text.get()
                        on:input=move |e| visitor_text.set(event_target_value(&e))
                    />
                    <button class="kiosk-go" data-test="kiosk-go" type="submit">"Race"</button>
                </form>
            </Show>
            <div class="lanes" style=lanes_style>
                {lanes.into_iter().map(|lane| view! { <LaneColumn lane=lane /> }).collect_view()}
            </div>
            <div class="kiosk-summary" data-test="kiosk-summary" aria-live="polite">
                {move || summary.get().map(|s| view! { <SummaryView summary=s /> })}
            </div>
            <p class="kiosk-hint">{move || match mode.get() {
                Mode::Attract => "Touch the screen or press any key to race your own prompt",
                Mode::Visitor => "Same prompt, same instant: which model finishes first?",
            }}</p>
        </div>
    }
}

/// Whether no element has the keyboard's focus (the page's body has it).
fn nothing_focused() -> bool {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return false;
    };
    match (document.active_element(), document.body()) {
        (None, _) => true,
        (Some(active), Some(body)) => active.is_same_node(Some(&body)),
        (Some(_), None) => false,
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
