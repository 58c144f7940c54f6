//! One compare lane on the page: its model's title, big live figures (rate, first token,
//! finish, time to working code), its place, what its code came to, the answer as it streams,
//! and the lane's own running result (a sandboxed frame on the lane's runner, and a console).

use std::rc::Rc;

use leptos::html::{Div, Ol};
use leptos::prelude::*;
use sparkplug_core::pages::compare::race::{ordinal, seconds};
use sparkplug_core::run::explain::StatusLine;
use sparkplug_core::run::meter::MeterSnapshot;
use sparkplug_core::run::spec::Connection;
use sparkplug_core::sandbox::live::Reported;

use crate::components::status_class;
use crate::sandbox::session::Progress;

/// What hears a lane's run reports.
pub type ReportHandler = Rc<dyn Fn(Reported)>;

/// Who a lane asks: the model and how to reach it.
#[derive(Clone, Debug, PartialEq)]
pub struct LaneModel {
    /// What the lane is titled (the model's label).
    pub name: String,
    /// Shown small under the title (the model id, or the endpoint's name), may be empty.
    pub caption: String,
    pub model: String,
    pub endpoint_name: String,
    pub connection: Connection,
}

/// A lane's handles into the view; cheap to clone, they live as long as the page.
#[derive(Clone)]
pub struct LaneView {
    pub who: RwSignal<Option<LaneModel>>,
    /// Where the answer (and each fix attempt) is drawn.
    pub answer: NodeRef<Div>,
    /// Where the lane's runner frame lives, and its console.
    pub result: NodeRef<Div>,
    pub console: NodeRef<Ol>,
    /// The first answer's figures (a fix's speed is not the lane's race).
    pub snapshot: RwSignal<MeterSnapshot>,
    /// 1st, 2nd…; `Some(0)` for a lane that takes no place; `None` while it runs.
    pub place: RwSignal<Option<usize>>,
    /// Where the lane is: streaming, running its code, asking for a fix, and how it ended.
    pub progress: RwSignal<StatusLine>,
    pub time_to_green_ms: RwSignal<Option<f64>>,
    pub attempts: RwSignal<usize>,
    /// The runner's own status (loading, loaded, killed).
    pub run_status: RwSignal<StatusLine>,
    /// Who hears the reports of the lane's watched runs: the race under way.
    pub on_report: StoredValue<Option<ReportHandler>, LocalStorage>,
    /// Where the lane's sessions write, made once with the lane: handles made for each race
    /// (`write_only` makes one too) were owned by nothing, a race starting from a timer, and
    /// so never freed.
    pub sinks: SessionSinks,
}

/// The write handles of a lane's session output (all but its console).
#[derive(Clone, Copy)]
pub struct SessionSinks {
    pub status: WriteSignal<StatusLine>,
    /// Python's loading progress, which the lane's status line says in words: not shown.
    pub progress: WriteSignal<Option<Progress>>,
    pub live: WriteSignal<bool>,
    pub console_only: WriteSignal<bool>,
    /// Reports of the lane's watched runs.
    pub reports: WriteSignal<Option<Reported>>,
}

impl LaneView {
    pub fn new(who: Option<LaneModel>) -> Self {
        let (run_status, reports) = (RwSignal::new(StatusLine::default()), RwSignal::new(None));
        let lane = Self {
            who: RwSignal::new(who),
            answer: NodeRef::new(),
            result: NodeRef::new(),
            console: NodeRef::new(),
            snapshot: RwSignal::new(MeterSnapshot::default()),
            place: RwSignal::new(None),
            progress: RwSignal::new(StatusLine::default()),
            time_to_green_ms: RwSignal::new(None),
            attempts: RwSignal::new(0),
            run_status,
            on_report: StoredValue::new_local(None),
            sinks: SessionSinks {
                status: run_status.write_only(),
                progress: signal(None).1,
                live: signal(false).1,
                console_only: signal(false).1,
                reports: reports.write_only(),
            },
        };
        let on_report = lane.on_report;
        Effect::new(move |_| {
            if let Some(reported) = reports.get() {
                if let Some(hear) = on_report.get_value() {
                    hear(reported);
                }
            }
        });
        lane
    }

    /// Removes the lane's result (its runner frame and console): a shown comparison runs
    /// nothing, and an earlier race's page must not pass for its result.
    pub fn clear_result(&self) {
        for node in [
            self.result.get_untracked().map(web_sys::Element::from),
            self.console.get_untracked().map(web_sys::Element::from),
        ]
        .into_iter()
        .flatten()
        {
            node.set_text_content(None);
        }
        self.run_status.set(StatusLine::default());
    }

    /// Back to an empty lane before a race.
    pub fn reset(&self) {
        self.snapshot.set(MeterSnapshot::default());
        self.place.set(None);
        self.progress.set(StatusLine::neutral("Sending…"));
        self.time_to_green_ms.set(None);
        self.attempts.set(1);
        self.run_status.set(StatusLine::default());
    }
}

#[component]
pub fn LaneColumn(lane: LaneView) -> impl IntoView {
    let LaneView {
        who,
        answer,
        result,
        console,
        snapshot,
        place,
        progress,
        time_to_green_ms,
        attempts,
        run_status,
        ..
    } = lane;
    let done = move || place.get().is_some();
    let rate = move || {
        snapshot.with(|s| {
            let rate = if s.elapsed_ms.is_some() && s.final_rate.is_some() {
                s.final_rate
            } else {
                s.live_rate
            };
            rate.or(s.avg_rate)
        })
    };
    let finish_ms = move || {
        snapshot.with(|s| match (s.ttft_ms, s.elapsed_ms, s.final_rate) {
            (Some(ttft), Some(elapsed), Some(_)) => Some(ttft + elapsed),
            _ => None,
        })
    };
    let place_text = move || match place.get() {
        Some(0) => "no place".to_string(),
        Some(n) => ordinal(n),
        None => String::new(),
    };
    let number = |v: Option<f64>| v.map(|v| format!("{v:.1}")).unwrap_or_default();
    let name = move || who.with(|w| w.as_ref().map(|w| w.name.clone()).unwrap_or_default());
    let caption = move || who.with(|w| w.as_ref().map(|w| w.caption.clone()).unwrap_or_default());
    let dash = || "—".to_string();
    view! {
        <section
            class="lane"
            class:lane-won=move || place.get() == Some(1)
            data-test="lane"
            data-model=move || who.with(|w| w.as_ref().map(|w| w.model.clone()).unwrap_or_default())
            data-place=move || place.get().map(|p| p.to_string()).unwrap_or_default()
            data-finish-ms=move || number(finish_ms())
            data-ttft-ms=move || number(snapshot.with(|s| s.ttft_ms))
            data-rate=move || number(rate())
            data-tokens=move || snapshot.with(|s| s.tokens).to_string()
            data-green-ms=move || number(time_to_green_ms.get())
            data-attempts=move || attempts.get().to_string()
            data-done=move || done().to_string()
        >
            <header class="lane-head">
                <div class="lane-title">
                    <h2 class="lane-model" data-test="lane-title">{name}</h2>
                    <p class="lane-id" data-test="lane-id">{caption}</p>
                </div>
                <span class="lane-place" data-test="lane-place">{place_text}</span>
            </header>
            <dl class="lane-figures">
                <div>
                    <dt>"tokens/s"</dt>
                    <dd class="lane-rate">{move || rate().map(|r| format!("{r:.0}")).unwrap_or_else(dash)}</dd>
                </div>
                <div>
                    <dt>"first token"</dt>
                    <dd>{move || snapshot.with(|s| s.ttft_ms).map(seconds).unwrap_or_else(dash)}</dd>
                </div>
                <div>
                    <dt>"finished"</dt>
                    <dd>{move || finish_ms().map(seconds).unwrap_or_else(dash)}</dd>
                </div>
                <div class="lane-green-figure">
                    <dt>"working code"</dt>
                    <dd data-test="lane-green">{move || time_to_green_ms.get().map(seconds).unwrap_or_else(dash)}</dd>
                </div>
            </dl>
            <p
                class=move || status_class("lane-progress", progress.with(|p| p.tone))
                data-test="lane-progress"
                aria-live="polite"
            >
                {move || progress.with(|p| p.text.clone())}
            </p>
            <div class="lane-answer" data-test="lane-answer" node_ref=answer></div>
            <div class="lane-result" data-test="lane-result">
                <div class="lane-preview" data-test="lane-preview" node_ref=result></div>
                <p
                    class=move || status_class("lane-run-status", run_status.with(|s| s.tone))
                    data-test="lane-run-status"
                    hidden=move || run_status.with(|s| s.text.is_empty())
                >
                    {move || run_status.with(|s| s.text.clone())}
                </p>
                <ol class="console lane-console" data-test="lane-console" node_ref=console></ol>
            </div>
        </section>
    }
}
