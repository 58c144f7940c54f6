//! The fix loop in the chat: an answer's code runs with the prompt's checks, and a failure
//! goes back to the same model as a fix request (core's `FixLoop`) until green, the limit or Stop.

use leptos::prelude::*;
use sparkplug_core::edit::CodeFile;
use sparkplug_core::iterate::checks::{model_checks, parse_checks, Author, Check, CheckResult};
use sparkplug_core::iterate::turn::{files_answer, folded_answer, Exchange};
use sparkplug_core::iterate::{Attempt, FixLoop, LoopEnd, Next, DEFAULT_MAX_ATTEMPTS};
use sparkplug_core::provider::request::ChatMessage;
use sparkplug_core::run::explain::{StatusLine, Tone};
use sparkplug_core::run::meter::MeterSnapshot;
use sparkplug_core::run::spec::{Connection, RunSpec};
use sparkplug_core::run::Outcome;
use sparkplug_core::sandbox::live::{Reported, ResultRequest, Settled, Verify};
use sparkplug_core::sandbox::runnable::Runnable;
use wasm_bindgen::JsValue;
use web_sys::Element;

use super::Chat;
use crate::live::{now_ms, Ended, Observer, Run};
use crate::render::renderer::AnswerRenderer;
use crate::render::DomError;

/// What the page shows of the loop: its attempts, how it ended, the last run's checks.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LoopView {
    pub attempts: Vec<Attempt>,
    pub end: Option<LoopEnd>,
    /// Tokens of the working code per second of time to green, once green.
    pub effective_rate: Option<f64>,
    pub checks: Vec<CheckResult>,
}

/// The loop's settings and state, shared by the prompt, the result pane and the chat.
#[derive(Clone, Copy)]
pub struct Looper {
    /// "Fix automatically": with Run automatically, a failing answer goes back to its model.
    pub enabled: RwSignal<bool>,
    /// Attempts a loop makes at most, the first answer included.
    pub max_attempts: RwSignal<u32>,
    /// The user's checks for the next prompt, one a line.
    pub checks: RwSignal<String>,
    /// Reports of watched runs, from the result pane.
    pub reports: RwSignal<Option<Reported>>,
    /// A loop is under way (its answers or its runs), so Stop has something to stop.
    pub active: RwSignal<bool>,
    pub view: RwSignal<Option<LoopView>>,
    turn: StoredValue<Option<LoopTurn>, LocalStorage>,
    /// The code the last loop ended with, which a follow-up's edits apply to.
    files: StoredValue<Vec<CodeFile>>,
    next_id: StoredValue<u64>,
}

/// One loop under way.
struct LoopTurn {
    fix: FixLoop,
    exchange: Exchange,
    connection: Connection,
    model: String,
    /// The first answer, which the chat's turn keeps (with the working code once fixed).
    first_answer: Option<String>,
    checks: Vec<Check>,
    /// The id of the run whose report the loop waits for.
    waiting: Option<u64>,
}

impl Looper {
    pub fn new() -> Self {
        Self {
            enabled: RwSignal::new(true),
            max_attempts: RwSignal::new(DEFAULT_MAX_ATTEMPTS),
            checks: RwSignal::new(String::new()),
            reports: RwSignal::new(None),
            active: RwSignal::new(false),
            view: RwSignal::new(None),
            turn: StoredValue::new_local(None),
            files: StoredValue::new(Vec::new()),
            next_id: StoredValue::new(0),
        }
    }

    /// A new chat (or a shown one): no loop goes on, no code for a follow-up to edit.
    pub fn forget(&self) {
        self.cancel();
        self.view.set(None);
        self.files.set_value(Vec::new());
    }

    /// Drops the loop under way without a word (its request could not start).
    pub fn cancel(&self) {
        self.turn.set_value(None);
        self.active.set(false);
    }

    /// Starts the loop of a prompt just sent with `messages`.
    pub fn begin(&self, messages: &[ChatMessage], connection: Connection, model: String) {
        let max = self.max_attempts.get_untracked();
        let files = self.files.get_value();
        let fix = FixLoop::continuing(files, max, now_ms());
        let checks = parse_checks(&self.checks.get_untracked(), Author::User);
        self.turn.set_value(Some(LoopTurn {
            fix,
            exchange: Exchange::new(messages.to_vec()),
            connection,
            model,
            first_answer: None,
            checks,
            waiting: None,
        }));
        self.active.set(true);
        self.view.set(Some(LoopView::default()));
    }

    /// The last loop's time to green, if it went green.
    pub fn time_to_green_ms(&self) -> Option<f64> {
        self.view.with_untracked(|v| match v.as_ref()?.end? {
            LoopEnd::Green { time_to_green_ms } => Some(time_to_green_ms),
            _ => None,
        })
    }

    /// A shared turn's time to green, shown as its headline (no attempts: none ran here).
    pub fn show_time_to_green(&self, time_to_green_ms: Option<f64>) {
        self.view
            .set(time_to_green_ms.map(|time_to_green_ms| LoopView {
                end: Some(LoopEnd::Green { time_to_green_ms }),
                ..LoopView::default()
            }));
    }

    /// The last run's check results, for the result pane.
    pub fn checks_shown(&self) -> Signal<Vec<CheckResult>> {
        let view = self.view;
        Signal::derive(move || {
            view.with(|v| v.as_ref().map(|v| v.checks.clone()))
                .unwrap_or_default()
        })
    }

    fn publish(&self) {
        let view = self.turn.with_value(|turn| {
            turn.as_ref().map(|t| LoopView {
                attempts: t.fix.attempts().to_vec(),
                end: t.fix.end(),
                effective_rate: t.fix.effective_rate(),
                checks: self
                    .view
                    .with_untracked(|v| v.as_ref().map(|v| v.checks.clone()))
                    .unwrap_or_default(),
            })
        });
        if view.is_some() {
            self.view.set(view);
        }
    }
}

impl Chat {
    /// An attempt's answer ended: merge it, then run, ask again or end.
    fn attempt_ended(&self, answer: String, tokens: u64, how: AnswerEnd) {
        let looper = self.looper;
        match how {
            AnswerEnd::Finished => {}
            AnswerEnd::Stopped => return self.end_loop(LoopEnd::Stopped),
            // The status says what went wrong with the request; the loop just ends.
            AnswerEnd::Failed => return self.finish_loop(LoopEnd::Stopped, true),
        }
        let next = looper.turn.try_update_value(|turn| {
            let turn = turn.as_mut()?;
            turn.exchange.answered(&answer);
            turn.first_answer.get_or_insert_with(|| answer.clone());
            turn.checks.extend(model_checks(&answer));
            Some(turn.fix.answered(&answer, tokens, now_ms()))
        });
        if let Some(Some(next)) = next {
            self.follow(next);
        }
    }

    /// A watched run settled; only the loop's own run counts.
    pub(super) fn reported(&self, reported: Reported) {
        let looper = self.looper;
        let ours = looper.turn.with_value(|turn| {
            turn.as_ref()
                .is_some_and(|t| t.waiting == Some(reported.id))
        });
        if !ours {
            return;
        }
        let report = match reported.settled {
            Settled::Stopped => {
                self.end_loop(LoopEnd::Stopped);
                return;
            }
            Settled::Ran(report) if report.unavailable.is_some() => {
                let next = looper
                    .turn
                    .try_update_value(|turn| turn.as_mut().map(|t| t.fix.not_run()));
                if let Some(Some(end)) = next {
                    self.end_loop(end);
                }
                return;
            }
            Settled::Ran(report) => report,
        };
        looper.view.update(|view| {
            if let Some(view) = view.as_mut() {
                view.checks = report.checks.clone();
            }
        });
        let next = looper.turn.try_update_value(|turn| {
            let turn = turn.as_mut()?;
            turn.waiting = None;
            Some(turn.fix.ran(report.verdict(), now_ms()))
        });
        if let Some(Some(next)) = next {
            self.follow(next);
        }
    }

    /// Does what the loop says comes next.
    fn follow(&self, next: Next) {
        self.looper.publish();
        match next {
            Next::Run => self.verify(),
            Next::Send(request) => self.send_attempt(request),
            Next::Done(end) => self.end_loop(end),
        }
    }

    /// Runs the loop's current code with its checks, in the result pane.
    fn verify(&self) {
        let looper = self.looper;
        let id = looper.next_id.get_value() + 1;
        looper.next_id.set_value(id);
        let mut fixed = false;
        let request = looper.turn.try_update_value(|turn| {
            let turn = turn.as_mut()?;
            fixed = turn.fix.attempts().len() > 1;
            let runnable = Runnable::from_files(turn.fix.files())?;
            turn.waiting = Some(id);
            Some(Verify {
                id,
                runnable,
                checks: turn.checks.clone(),
            })
        });
        match request.flatten() {
            Some(verify) => {
                // A first answer keeps its run's status while its code runs (the timeline
                // says it runs); a fix's run replaces "Asking for a fix…".
                if fixed {
                    self.run.status.set(StatusLine::neutral("Running the fix…"));
                }
                self.run_request.set(Some(ResultRequest::Verify(verify)));
            }
            None => self.end_loop(LoopEnd::NoCode),
        }
    }

    /// Sends the next attempt's request to the same model; its answer is drawn below the
    /// answers before it, in this turn.
    fn send_attempt(&self, request: String) {
        let looper = self.looper;
        let Some((spec, number)) = looper
            .turn
            .try_update_value(|turn| {
                let turn = turn.as_mut()?;
                let messages = turn.exchange.ask(request);
                Some((
                    RunSpec {
                        connection: turn.connection.clone(),
                        model: turn.model.clone(),
                        messages,
                    },
                    turn.fix.attempts().len(),
                ))
            })
            .flatten()
        else {
            return;
        };
        let Some(div) = self.answer.get_untracked() else {
            self.end_loop(LoopEnd::Stopped);
            return;
        };
        let renderer =
            attempt_section(&div, number).and_then(|body| AnswerRenderer::replace_contents(&body));
        let renderer = match renderer {
            Ok(renderer) => renderer,
            Err(error) => {
                web_sys::console::error_1(&error.to_string().into());
                self.end_loop(LoopEnd::Stopped);
                return;
            }
        };
        let observer = AttemptObserver { chat: *self };
        match Run::start(&spec, renderer, observer) {
            Ok(run) => self.current.set_value(Some(run)),
            Err(error) => {
                self.run.status.set(StatusLine {
                    tone: Tone::Error,
                    text: error.to_string(),
                });
                self.end_loop(LoopEnd::Stopped);
            }
        }
    }

    /// Stop: the loop ends now, whatever it was waiting for.
    pub(super) fn stop_loop(&self) {
        if self.looper.active.get_untracked() {
            self.end_loop(LoopEnd::Stopped);
        }
    }

    /// The loop is over: its words in the status, the turn keeps the working code.
    fn end_loop(&self, end: LoopEnd) {
        self.finish_loop(end, false);
    }

    /// Ends the loop; `quiet` leaves the status line as it is.
    fn finish_loop(&self, end: LoopEnd, quiet: bool) {
        let looper = self.looper;
        let Some(mut turn) = looper.turn.try_update_value(Option::take).flatten() else {
            return;
        };
        let end = match end {
            LoopEnd::Stopped => turn.fix.stop(),
            other => turn.fix.end().unwrap_or(other),
        };
        looper.active.set(false);
        let attempts = turn.fix.attempts().len();
        let files = turn.fix.files().to_vec();
        let model = turn.model.clone();
        looper.turn.set_value(Some(turn));
        looper.publish();
        // A request that got no answer at all is not a chat to keep.
        let mut answered = false;
        looper.turn.update_value(|turn| {
            if let Some(turn) = turn.take() {
                if let Some(first) = turn.first_answer.as_ref().filter(|a| !a.is_empty()) {
                    answered = true;
                    let answer = folded_answer(first, attempts, &files);
                    self.conversation
                        .update(|chat| chat.loop_ended(answer.clone(), &turn.fix));
                    if attempts > 1 {
                        // Run answer, Share and Download take the code as it ended.
                        self.run.answer_text.set(files_answer(&files));
                    }
                }
            }
        });
        looper.files.set_value(files);
        if answered {
            self.history.save(
                &model,
                self.conversation
                    .with_untracked(|chat| chat.turns().to_vec()),
            );
        }
        // A first answer that simply works (or has no code, or could not run: the console
        // says why) keeps its run's own status; the timeline shows its time to green. A
        // failed request keeps its error.
        let first_try = attempts <= 1
            && matches!(
                end,
                LoopEnd::Green { .. } | LoopEnd::NoCode | LoopEnd::NotRun
            );
        if !(first_try || quiet) {
            self.run.status.set(end.explain(attempts));
        }
    }
}

/// How an answer of the loop ended.
#[derive(Clone, Copy)]
enum AnswerEnd {
    Finished,
    /// Stop was pressed while it streamed.
    Stopped,
    /// The request failed.
    Failed,
}

/// Hears the end of an answer of the loop (the first one or a fix), after the chat's own
/// observers; the loop goes on in a microtask, outside the run's last frame.
pub(super) struct LoopObserver {
    pub chat: Chat,
}

impl Observer for LoopObserver {
    fn ended(&self, end: &Ended<'_>) {
        let chat = self.chat;
        let answer = end.answer.to_owned();
        let tokens = end.snapshot.tokens;
        let how = match end.outcome {
            Outcome::Finished { .. } => AnswerEnd::Finished,
            Outcome::Stopped => AnswerEnd::Stopped,
            Outcome::Failed(_) => AnswerEnd::Failed,
        };
        queue_microtask(move || chat.attempt_ended(answer, tokens, how));
    }
}

/// A fix attempt's run: the meter and status follow it, but the answer on the page (for Run
/// answer, Share and Download) stays the turn's.
struct AttemptObserver {
    chat: Chat,
}

impl Observer for AttemptObserver {
    fn started(&self) {
        let run = self.chat.run;
        run.streaming.set(true);
        run.snapshot.set(MeterSnapshot::default());
        run.status.set(StatusLine::neutral("Asking for a fix…"));
    }

    fn frame(&self, snapshot: &MeterSnapshot) {
        self.chat.run.snapshot.set(*snapshot);
    }

    fn ended(&self, end: &Ended<'_>) {
        let run = self.chat.run;
        run.snapshot.set(*end.snapshot);
        run.streaming.set(false);
        LoopObserver { chat: self.chat }.ended(end);
    }
}

/// A section for fix attempt `number` (from 2) at the end of the answer; its body, where the
/// attempt's answer is drawn.
fn attempt_section(answer: &Element, number: usize) -> Result<Element, DomError> {
    let document = answer
        .owner_document()
        .ok_or_else(|| DomError::from(JsValue::from_str("the answer has no document")))?;
    let section = document.create_element("section")?;
    section.set_class_name("attempt");
    section.set_attribute("data-test", "attempt-answer")?;
    let heading = document.create_element("h3")?;
    heading.set_text_content(Some(&format!("Attempt {number}")));
    section.append_child(&heading)?;
    let body = document.create_element("div")?;
    section.append_child(&body)?;
    answer.append_child(&section)?;
    Ok(body)
}
