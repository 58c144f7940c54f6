//! The run panel (the workspace's result pane): Run for the whole answer, Stop, the time
//! limit, "Run automatically", views (fill, full window), Python's loading bar, the sandboxed
//! preview and the console; the Run buttons on the answer's code blocks land here.

use leptos::html::{Div, Ol};
use leptos::prelude::*;
use sparkplug_core::iterate::checks::{Author, CheckResult};
use sparkplug_core::run::explain::StatusLine;
use sparkplug_core::sandbox::live::{Reported, ResultRequest};
use sparkplug_core::sandbox::runnable::Runnable;
use sparkplug_core::sandbox::watchdog::{limit_ms_from_seconds, DEFAULT_LIMIT_MS};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlDivElement};

use super::status_class;
use super::workspace::Layout;
use crate::render::code_block::CODE_CLASS;
use crate::render::engine::runnable_answer;
use crate::sandbox::console_pane::ConsolePane;
use crate::sandbox::session::{Output, Progress, Session};

/// The code of the block whose Run button was clicked, if the click was on one.
fn clicked_block(event: &Event) -> Option<Runnable> {
    let target: Element = event.target()?.dyn_into().ok()?;
    let block = target
        .closest(".code-run")
        .ok()??
        .closest(".code-block")
        .ok()??;
    let lang = block.get_attribute("data-lang")?;
    let code = block
        .query_selector(&format!(".{CODE_CLASS}"))
        .ok()??
        .text_content()?;
    Runnable::block(&lang, &code)
}

#[component]
pub fn RunPanel(
    /// The answer, whose code blocks carry Run buttons.
    answer: NodeRef<Div>,
    /// The whole answer text once it has ended (empty while streaming).
    answer_text: ReadSignal<String>,
    streaming: ReadSignal<bool>,
    /// What else asks this panel to run code: the editor's Ctrl/Cmd+Enter, and the answer's
    /// code as it completes.
    #[prop(optional)]
    requests: Option<ReadSignal<Option<ResultRequest>>>,
    /// "Run automatically": shown as a switch when the page runs answers by itself.
    #[prop(optional)]
    auto_run: Option<RwSignal<bool>>,
    /// Where the report of a watched run (a `Verify` request) goes.
    #[prop(optional)]
    reports: Option<WriteSignal<Option<Reported>>>,
    /// The checks of the last watched run and how each went.
    #[prop(optional, into)]
    checks: Option<Signal<Vec<CheckResult>>>,
) -> impl IntoView {
    // In the app's workspace the pane is always there and a run brings it into view.
    let layout = use_context::<Layout>();
    let fill = RwSignal::new(false);
    let full_window = RwSignal::new(false);
    let preview: NodeRef<Div> = NodeRef::new();
    let console: NodeRef<Ol> = NodeRef::new();
    let (status, set_status) = signal(StatusLine::neutral("Nothing has run yet."));
    let (progress, set_progress) = signal(None::<Progress>);
    let (live, set_live) = signal(false);
    let (console_only, set_console_only) = signal(false);
    let (used, set_used) = signal(false);
    let limit_ms = RwSignal::new(DEFAULT_LIMIT_MS);
    let session: StoredValue<Option<Session>, LocalStorage> = StoredValue::new_local(None);
    let whole = Memo::new(move |_| answer_text.with(|text| runnable_answer(text)));

    // The session (and its first frame) starts on first use, or in the workspace as soon as
    // an answer starts streaming, so the runner has loaded by the time its code is complete.
    let ensure_session = move || {
        session.update_value(|session| {
            if session.is_some() {
                return;
            }
            let (Some(host), Some(list)) = (preview.get_untracked(), console.get_untracked())
            else {
                return;
            };
            let Some(console) = ConsolePane::new(list.into()) else {
                return;
            };
            let out = Output {
                status: set_status,
                progress: set_progress,
                live: set_live,
                console_only: set_console_only,
                console,
                reports,
            };
            match Session::start(host.into(), out) {
                Ok(started) => *session = Some(started),
                Err(error) => set_status.set(StatusLine::error(error.to_string())),
            }
        });
    };
    if layout.is_some() {
        Effect::new(move |_| {
            if streaming.get() {
                ensure_session();
            }
        });
    }
    let run = move |request: ResultRequest| {
        set_used.set(true);
        let limit = limit_ms.get_untracked();
        if let Some(layout) = layout {
            match request {
                ResultRequest::Run(_) => layout.show_result(),
                ResultRequest::Update(_) | ResultRequest::WarmPython | ResultRequest::Verify(_) => {
                    layout.result_changed()
                }
            }
        }
        ensure_session();
        session.with_value(|session| {
            let sent = session.as_ref().map(|s| s.ask(request, limit));
            if let Some(Err(error)) = sent {
                set_status.set(StatusLine::error(error.to_string()));
            }
        });
    };
    let stop = move |_| session.with_value(|s| s.iter().for_each(Session::stop));
    if let Some(requests) = requests {
        Effect::new(move |_| {
            if let Some(request) = requests.get() {
                run(request);
            }
        });
    }

    // Run buttons are drawn inside the answer as its code streams in; one listener on the
    // answer hears them all. The answer lives as long as the page, and so does this.
    answer.on_load(move |div: HtmlDivElement| {
        let on_click = Closure::<dyn Fn(Event)>::new(move |event: Event| {
            if let Some(runnable) = clicked_block(&event) {
                run(ResultRequest::Run(runnable));
            }
        });
        div.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref())
            .ok();
        on_click.forget();
    });

    let whole_label = move || match whole.get() {
        Some(Runnable::Python(_)) => "Run answer (Python)",
        Some(Runnable::Page(_)) => "Run answer (HTML + CSS + JS)",
        None => "Run answer",
    };
    let on_limit = move |event: Event| {
        if let Some(ms) = limit_ms_from_seconds(&event_target_value(&event)) {
            limit_ms.set(ms);
        }
    };
    let progress_bar = move || {
        progress.get().map(|p| {
            // Once every byte is in, Python compiles and starts: no measure of that, so
            // the bar has no value and the browser animates it as busy.
            let value = (p.loaded < p.total).then(|| p.loaded.to_string());
            view! {
                <div class="run-progress">
                    <progress data-test="run-progress" max=p.total.to_string() value=value></progress>
                    <span>
                        {format!(
                            "{} {:.1} / {:.1} MB",
                            p.label,
                            p.loaded as f64 / 1e6,
                            p.total as f64 / 1e6,
                        )}
                    </span>
                </div>
            }
        })
    };

    let check_list = checks.map(|checks| {
        let group = move |author: Author, title: &'static str, test: &'static str| {
            move || {
                let mine: Vec<CheckResult> = checks.with(|all| {
                    all.iter()
                        .filter(|c| c.check.author == author)
                        .cloned()
                        .collect()
                });
                (!mine.is_empty()).then(|| {
                    view! {
                        <div class="run-checks" data-test=test>
                            <h3>{title}</h3>
                            <ul>
                                {mine
                                    .into_iter()
                                    .map(|c| {
                                        let (class, mark) = if c.passed {
                                            ("check passed", "✓")
                                        } else {
                                            ("check failed", "✗")
                                        };
                                        view! {
                                            <li class=class data-test="check">
                                                <span class="check-mark">{mark}</span>
                                                <code>{c.check.code}</code>
                                                <span class="check-detail">{c.detail.unwrap_or_default()}</span>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        </div>
                    }
                })
            }
        };
        view! {
            {group(Author::User, "Your checks", "user-checks")}
            {group(Author::Model, "The model's checks", "model-checks")}
        }
    });

    let auto_switch = auto_run.map(|auto| {
        view! {
            <label class="run-auto" title="Run an answer's code as soon as its blocks are complete">
                <input
                    type="checkbox"
                    data-test="run-auto"
                    prop:checked=move || auto.get()
                    on:change=move |event| auto.set(event_target_checked(&event))
                />
                " Run automatically"
            </label>
        }
    });
    let close_full = move |event: leptos::ev::KeyboardEvent| {
        if event.key() == "Escape" && full_window.get_untracked() {
            event.stop_propagation();
            full_window.set(false);
        }
    };

    view! {
        <section
            class="panel run-panel"
            class:full-window=move || full_window.get()
            aria-label="Result"
            data-test="run-panel"
            hidden=move || layout.is_none() && !used.get() && whole.with(Option::is_none)
            on:keydown=close_full
        >
            <div class="run-head">
                <h2>"Result"</h2>
                <button
                    type="button"
                    class="primary"
                    data-test="run-answer"
                    disabled=move || streaming.get() || whole.with(Option::is_none)
                    on:click=move |_| {
                        if let Some(runnable) = whole.get_untracked() {
                            run(ResultRequest::Run(runnable));
                        }
                    }
                >
                    {whole_label}
                </button>
                <button
                    type="button"
                    data-test="run-stop"
                    disabled=move || !live.get()
                    on:click=stop
                >
                    "Stop"
                </button>
                {auto_switch}
                <label class="run-limit">
                    "Limit "
                    <input
                        type="number"
                        min="0.5"
                        max="300"
                        step="0.5"
                        data-test="run-limit"
                        prop:value=move || (f64::from(limit_ms.get()) / 1000.0).to_string()
                        on:change=on_limit
                    />
                    " s"
                </label>
                <span class="run-views">
                    <button
                        type="button"
                        data-test="run-fill"
                        aria-pressed=move || fill.get().to_string()
                        title="Give the preview the whole pane (the console hides)"
                        on:click=move |_| fill.update(|on| *on = !*on)
                    >
                        "Fill"
                    </button>
                    <button
                        type="button"
                        data-test="run-full-window"
                        aria-pressed=move || full_window.get().to_string()
                        title="Show the result over the whole window (Esc returns)"
                        on:click=move |_| full_window.update(|on| *on = !*on)
                    >
                        {move || if full_window.get() { "Exit full window" } else { "Full window" }}
                    </button>
                </span>
                <p class=move || status_class("run-status", status.get().tone) data-test="run-status">
                    {move || status.get().text}
                </p>
            </div>
            <div
                class="run-body"
                class:console-only=move || console_only.get()
                class:fill=move || fill.get() && !console_only.get()
                class:unused=move || !used.get()
            >
                <p class="run-empty" data-test="run-empty">
                    "Results show here. A page runs as soon as its code is complete, even while "
                    "the answer streams; Python prints to the console. Run on any code block runs "
                    "just that block."
                </p>
                <div
                    class="preview"
                    data-test="preview"
                    node_ref=preview
                ></div>
                {progress_bar}
                {check_list}
                <ol class="console" role="log" aria-label="Console" data-test="console" node_ref=console></ol>
            </div>
        </section>
    }
}
