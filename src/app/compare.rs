//! The app's Compare view: 2–4 models of any of the user's endpoints chosen as lanes, one
//! prompt and its checks raced on all at once, ranked by time to working code; the result
//! shared as a link or a `.json` file and kept in History, and shown again from either.

use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use sparkplug_core::iterate::DEFAULT_MAX_ATTEMPTS;
use sparkplug_core::pages::compare::choice::{
    choices, first_picks, lane_endpoint, Choice, MAX_LANES, MIN_LANES,
};
use sparkplug_core::pages::compare::race::{Lane, Summary};
use sparkplug_core::pages::compare::record::Comparison;
use sparkplug_core::pages::download::File;
use sparkplug_core::pages::share::SharedRun;
use sparkplug_core::run::explain::StatusLine;
use sparkplug_core::run::paint::Timeline;
use sparkplug_core::run::spec::Connection;

use super::Chat;
use crate::browser::download;
use crate::compare::lane::{LaneColumn, LaneModel, LaneView};
use crate::compare::race::{self, Entry, RaceHandle};
use crate::compare::runners::lane_runners;
use crate::compare::summary::SummaryView;
use crate::components::share::{copy_link, draw_answer};
use crate::net::models;

/// The Compare state the page shares by context.
#[derive(Clone, Copy)]
pub struct Compare {
    /// The Compare view is on show instead of the workspace.
    pub open: RwSignal<bool>,
    choices: RwSignal<Vec<Choice>>,
    /// Each lane's choice, by key.
    picks: RwSignal<Vec<String>>,
    prompt: RwSignal<String>,
    checks: RwSignal<String>,
    max_attempts: RwSignal<u32>,
    running: RwSignal<bool>,
    summary: RwSignal<Option<Summary>>,
    /// The comparison on show (finished here, shared or reopened), for Share and Download.
    done: RwSignal<Option<Comparison>>,
    /// A shared or reopened comparison is on show: measured then, not run here.
    shown: RwSignal<bool>,
    link: RwSignal<Option<String>>,
    note: RwSignal<Option<String>>,
    lanes: StoredValue<Vec<LaneView>, LocalStorage>,
    handle: StoredValue<Option<RaceHandle>, LocalStorage>,
}

impl Compare {
    pub fn new() -> Self {
        Self {
            open: RwSignal::new(false),
            choices: RwSignal::new(Vec::new()),
            picks: RwSignal::new(Vec::new()),
            prompt: RwSignal::new(String::from(
                "A counter page: a button that adds one to a number",
            )),
            checks: RwSignal::new(String::new()),
            max_attempts: RwSignal::new(DEFAULT_MAX_ATTEMPTS),
            running: RwSignal::new(false),
            summary: RwSignal::new(None),
            done: RwSignal::new(None),
            shown: RwSignal::new(false),
            link: RwSignal::new(None),
            note: RwSignal::new(None),
            lanes: StoredValue::new_local((0..MAX_LANES).map(|_| LaneView::new(None)).collect()),
            handle: StoredValue::new_local(None),
        }
    }

    /// Opens the view, loading every endpoint's models for the lane pickers.
    pub fn open_view(&self, chat: Chat) {
        self.open.set(true);
        let compare = *self;
        let endpoints = chat.endpoints.endpoints.get_untracked();
        let keys = chat.endpoints.keys.get_untracked();
        spawn_local(async move {
            let mut lists = Vec::new();
            for endpoint in endpoints.list() {
                let connection = Connection::endpoint(endpoint, keys.get(&endpoint.id));
                lists.push(models::list(&connection, None).await);
            }
            let all = choices(endpoints.list(), &lists);
            if compare.picks.with_untracked(Vec::is_empty) {
                let picks = first_picks(&all, &lists);
                compare.picks.set(picks.iter().map(Choice::key).collect());
            }
            compare.choices.set(all);
        });
    }

    /// Back to the chat's workspace; a race under way is cancelled.
    pub fn close(&self) {
        self.cancel();
        self.open.set(false);
    }

    fn cancel(&self) {
        self.handle.update_value(|h| {
            if let Some(race) = h.take() {
                race.cancel();
            }
        });
        self.running.set(false);
    }

    /// Races the prompt on the picked lanes.
    fn race(&self, chat: Chat) {
        let prompt = self.prompt.get_untracked();
        if prompt.trim().is_empty() || self.running.get_untracked() {
            return;
        }
        self.cancel();
        let picked = self.picked(chat);
        let compare = *self;
        self.shown.set(false);
        self.summary.set(None);
        self.done.set(None);
        self.link.set(None);
        self.note.set(None);
        let lanes: Vec<LaneView> = self.lanes.get_value();
        for (i, lane) in lanes.iter().enumerate() {
            lane.who.set(picked.get(i).cloned());
        }
        let count = picked.len();
        let runners = lane_runners(&document(), count);
        let entry = Entry {
            prompt,
            checks: self.checks.get_untracked(),
            max_attempts: self.max_attempts.get_untracked(),
        };
        self.running.set(true);
        // After the lanes' columns for the picks are drawn.
        request_animation_frame(move || {
            let lanes = compare.lanes.get_value();
            let started = race::start(entry, &lanes[..count], &runners, move |comparison| {
                compare.running.set(false);
                compare.summary.set(comparison.summary());
                chat.history.save_comparison(comparison.clone());
                compare.done.set(Some(comparison));
            });
            match started {
                Ok(handle) => compare.handle.set_value(Some(handle)),
                Err(error) => {
                    compare.running.set(false);
                    compare.note.set(Some(error.to_string()));
                }
            }
        });
    }

    /// One more lane, on the first choice (up to four).
    fn add_lane(&self) {
        let first = self.choices.with_untracked(|c| c.first().map(Choice::key));
        if let Some(key) = first {
            self.picks.update(|p| {
                if p.len() < MAX_LANES {
                    p.push(key);
                }
            });
        }
    }

    /// The lanes' models from the picks, with each endpoint's connection (and key).
    fn picked(&self, chat: Chat) -> Vec<LaneModel> {
        let endpoints = chat.endpoints.endpoints.get_untracked();
        let keys = chat.endpoints.keys.get_untracked();
        let choices = self.choices.get_untracked();
        self.picks
            .get_untracked()
            .iter()
            .filter_map(|key| choices.iter().find(|c| c.key() == *key))
            .filter_map(|choice| {
                let endpoint = endpoints.get(&choice.endpoint_id)?;
                Some(LaneModel {
                    name: choice.label.clone(),
                    caption: format!("{} · {}", choice.model, choice.endpoint_name),
                    model: choice.model.clone(),
                    endpoint_name: choice.endpoint_name.clone(),
                    connection: Connection::endpoint(endpoint, keys.get(&endpoint.id)),
                })
            })
            .collect()
    }

    /// Shows a finished comparison (shared or from History): its lanes' answers, figures and
    /// verdicts as measured then; nothing is sent and no code runs.
    pub fn show(&self, comparison: Comparison) {
        self.cancel();
        self.open.set(true);
        self.shown.set(true);
        self.link.set(None);
        self.note.set(None);
        self.prompt.set(comparison.prompt.clone());
        self.checks.set(comparison.checks.clone());
        let lanes = self.lanes.get_value();
        for (lane, compared) in lanes.iter().zip(&comparison.lanes) {
            lane.who.set(Some(LaneModel {
                name: compared.name.clone(),
                caption: format!("{} · {}", compared.model, compared.endpoint_name),
                model: compared.model.clone(),
                endpoint_name: compared.endpoint_name.clone(),
                connection: Connection::our_server(),
            }));
        }
        for lane in lanes.iter().skip(comparison.lanes.len()) {
            lane.who.set(None);
        }
        let race = comparison.race();
        let standings = race.standings();
        let summary = race.summary();
        let compare = *self;
        // After the lanes' columns are drawn.
        request_animation_frame(move || {
            let lanes = compare.lanes.get_value();
            for lane in &lanes {
                lane.clear_result();
            }
            for (i, (lane, compared)) in lanes.iter().zip(&comparison.lanes).enumerate() {
                lane.reset();
                lane.snapshot.set(compared.receipt.snapshot());
                lane.place.set(standings.get(i).copied().flatten());
                lane.time_to_green_ms.set(compared.receipt.time_to_green_ms);
                lane.progress.set(match &compared.outcome {
                    Lane::Failed { reason } => StatusLine::error(format!("Failed: {reason}")),
                    _ => StatusLine::neutral("Shown as measured, not run here."),
                });
                if let Some(div) = lane.answer.get_untracked() {
                    draw_answer(&div, &compared.answer);
                }
            }
            compare.summary.set(summary);
            compare.done.set(Some(comparison));
        });
    }

    /// Carries lane `index` of the comparison on show into the chat: its prompt and answer
    /// become the chat's turn on its endpoint and model, so a follow-up goes to that model.
    fn continue_in_chat(&self, chat: Chat, index: usize) {
        let Some(lane) = self
            .done
            .with_untracked(|done| done.as_ref()?.lanes.get(index).cloned())
        else {
            return;
        };
        let prompt = self.prompt.get_untracked();
        let key = (!self.shown.get_untracked())
            .then(|| self.picks.with_untracked(|p| p.get(index).cloned()))
            .flatten();
        let endpoint_id = chat.endpoints.endpoints.with_untracked(|e| {
            lane_endpoint(e.list(), key.as_deref(), &lane.endpoint_name).map(|e| e.id.clone())
        });
        if let Some(id) = endpoint_id {
            chat.endpoints.choose_endpoint(&id);
        }
        chat.endpoints.choose_model(&lane.model);
        let status = StatusLine::neutral(format!(
            "Continued from Compare: {}'s answer; a follow-up goes to {}.",
            lane.name, lane.model
        ));
        self.close();
        chat.show_finished(
            SharedRun {
                prompt,
                model: lane.model,
                endpoint_name: lane.endpoint_name,
                answer: lane.answer,
                receipt: lane.receipt,
                timeline: Timeline::default(),
            },
            status,
        );
    }

    /// A link to the comparison on show, or its file when too long for a link.
    fn share(&self) {
        let Some(comparison) = self.done.get_untracked() else {
            return;
        };
        match comparison.to_fragment() {
            Ok(fragment) => self.link.set(Some(copy_link(&fragment))),
            Err(reason) => {
                self.note.set(Some(format!(
                    "{reason}: download the .json and drop it on Sparkplug."
                )));
            }
        }
    }

    fn download(&self) {
        let Some(comparison) = self.done.get_untracked() else {
            return;
        };
        let file = File {
            name: "sparkplug-compare.json".into(),
            mime: "application/json",
            text: comparison.to_file(),
        };
        if let Err(error) = download::save(&file) {
            self.note.set(Some(error.to_string()));
        }
    }

    /// Opens comparison links: the page's address now, and whenever its fragment changes.
    pub fn listen(&self) {
        let compare = *self;
        request_animation_frame(move || compare.open_link());
        let listener = window_event_listener(ev::hashchange, move |_| compare.open_link());
        on_cleanup(move || listener.remove());
    }

    /// Opens a comparison link in the page's address, if it holds one.
    fn open_link(&self) {
        let hash = window().location().hash().unwrap_or_default();
        if !Comparison::is_fragment(&hash) {
            return;
        }
        match Comparison::from_fragment(&hash) {
            Ok(comparison) => self.show(comparison),
            Err(error) => {
                self.open.set(true);
                self.note.set(Some(error.to_string()));
            }
        }
    }

    /// Opens a dropped comparison file; `false` if the text is not one.
    pub fn open_file(&self, text: &str) -> bool {
        match Comparison::from_file(text) {
            Ok(comparison) => {
                self.show(comparison);
                true
            }
            Err(_) => false,
        }
    }
}

/// The Compare view: lane pickers, the prompt with its checks and attempts, Race or Stop,
/// the summary with Share and Download, and the lanes side by side.
#[component]
pub fn CompareView() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let compare = expect_context::<Compare>();
    let lane_count = move || compare.picks.with(Vec::len);
    let picker = move |index: usize| {
        let value = move || {
            compare
                .picks
                .with(|p| p.get(index).cloned().unwrap_or_default())
        };
        view! {
            <label class="compare-pick">
                <span class="visually-hidden">{format!("Lane {}", index + 1)}</span>
                <select
                    data-test="compare-pick"
                    prop:value=value
                    on:change=move |e| {
                        let key = event_target_value(&e);
                        compare.picks.update(|p| if let Some(slot) = p.get_mut(index) { *slot = key; });
                    }
                >
                    {move || compare.choices.get().into_iter().map(|c| {
                        let key = c.key();
                        let selected = value() == key;
                        view! { <option value=key selected=selected>{c.option_text()}</option> }
                    }).collect_view()}
                </select>
                <button
                    type="button"
                    class="compare-remove"
                    data-test="compare-remove"
                    aria-label=format!("Remove lane {}", index + 1)
                    disabled={move || lane_count() <= MIN_LANES}
                    on:click=move |_| compare.picks.update(|p| { if p.len() > MIN_LANES { p.remove(index); } })
                >
                    "×"
                </button>
            </label>
        }
    };
    let lanes = compare.lanes.get_value();
    let lanes_style = move || {
        (
            "--lanes",
            compare.lanes.with_value(|l| {
                l.iter()
                    .filter(|lane| lane.who.with(Option::is_some))
                    .count()
                    .max(1)
                    .to_string()
            }),
        )
    };
    view! {
        <section class="compare" data-test="compare" aria-label="Compare models">
            <form class="compare-ask" on:submit=move |e| { e.prevent_default(); compare.race(chat); }>
                <div class="compare-picks">
                    {move || (0..lane_count()).map(picker).collect_view()}
                    <button
                        type="button"
                        data-test="compare-add"
                        disabled={move || lane_count() >= MAX_LANES}
                        on:click=move |_| compare.add_lane()
                    >
                        "Add a lane"
                    </button>
                </div>
                <label class="visually-hidden" for="compare-prompt">"Prompt"</label>
                <textarea
                    id="compare-prompt"
                    class="compare-prompt"
                    data-test="compare-prompt"
                    rows="2"
                    prop:value=move || compare.prompt.get()
                    on:input=move |e| compare.prompt.set(event_target_value(&e))
                ></textarea>
                <label class="visually-hidden" for="compare-checks">"Checks"</label>
                <textarea
                    id="compare-checks"
                    class="compare-checks"
                    data-test="compare-checks"
                    rows="1"
                    placeholder="Checks, one a line: a JavaScript expression true in the page, or a Python assert"
                    prop:value=move || compare.checks.get()
                    on:input=move |e| compare.checks.set(event_target_value(&e))
                ></textarea>
                <div class="compare-actions">
                    <label>
                        "Attempts "
                        <input
                            type="number"
                            min="1"
                            max="5"
                            data-test="compare-attempts"
                            prop:value=move || compare.max_attempts.get().to_string()
                            on:change=move |e| {
                                if let Ok(n) = event_target_value(&e).parse::<u32>() {
                                    compare.max_attempts.set(n.clamp(1, 5));
                                }
                            }
                        />
                    </label>
                    <Show
                        when=move || compare.running.get()
                        fallback=move || view! {
                            <button type="submit" class="send" data-test="compare-race">"Race"</button>
                        }
                    >
                        <button
                            type="button"
                            class="stop"
                            data-test="compare-stop"
                            on:click=move |_| compare.handle.with_value(|h| if let Some(race) = h { race.stop(); })
                        >
                            "Stop"
                        </button>
                    </Show>
                </div>
            </form>
            <div class="compare-summary kiosk-summary" data-test="compare-summary" aria-live="polite">
                {move || compare.shown.get().then(|| view! {
                    <p class="shared-banner" data-test="compare-shown">"A shared comparison: measured when it was made, not run here."</p>
                })}
                {move || compare.summary.get().map(|s| view! { <SummaryView summary=s /> })}
                <div class="compare-share" hidden=move || compare.done.with(Option::is_none)>
                    <button type="button" data-test="compare-share" on:click=move |_| compare.share()>"Share"</button>
                    <button type="button" data-test="compare-download" on:click=move |_| compare.download()>"Download .json"</button>
                    {move || compare.link.get().map(|link| view! {
                        <input class="share-link" data-test="compare-link" readonly aria-label="Comparison link" prop:value=link />
                    })}
                </div>
                {move || compare.note.get().map(|n| view! { <p class="share-error" role="alert" data-test="compare-note">{n}</p> })}
            </div>
            <div class="lanes compare-lanes" style=lanes_style>
                {lanes.into_iter().enumerate().map(|(index, lane)| {
                    let who = lane.who;
                    view! {
                        <div class="lane-slot" hidden=move || who.with(Option::is_none)>
                            <LaneColumn lane=lane />
                            <button
                                type="button"
                                class="lane-continue"
                                data-test="lane-continue"
                                hidden=move || compare.done.with(Option::is_none)
                                title="Continue this lane's answer in the chat, with its model"
                                on:click=move |_| compare.continue_in_chat(chat, index)
                            >
                                "Continue in chat"
                            </button>
                        </div>
                    }
                }).collect_view()}
            </div>
        </section>
    }
}
