//! The fix loop in the chat: an answer's code runs with the prompt's checks, and a failure
//! goes back to the same model as a fix request (core's `FixLoop`) until green, the limit or Stop.

use leptos::prelude::*;
use sparkplug_core::edit::CodeFile;
use sparkplug_core::iterate::checks::{parse_checks, Author, CheckResult};
use sparkplug_core::iterate::drive::{Drive, Step};
use sparkplug_core::iterate::{Attempt, LoopEnd, DEFAULT_MAX_ATTEMPTS};
use sparkplug_core::provider::request::ChatMessage;
use sparkplug_core::run::explain::StatusLine;
use sparkplug_core::run::meter::MeterSnapshot;
use sparkplug_core::run::spec::{Connection, RunSpec};
use sparkplug_core::run::Outcome;
use sparkplug_core::sandbox::live::{Reported, ResultRequest};

use super::Chat;
use crate::live::{now_ms, Ended, Observer, Run};
use crate::render::renderer::AnswerRenderer;
use crate::render::transcript;

/// What the page shows of the loop: its attempts, how it ended, the last run's checks.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LoopView {
    pub attempts: Vec<Attempt>,
    pub end: Option<LoopEnd>,
    /// Tokens of the working code per second of time to green, once green.
    pub effective_rate: Option<f64>,
    pub checks: Vec<CheckResult>,
}

impl LoopView {
    /// The view of `drive` as it stands.
    pub fn of(drive: &Drive) -> Self {
        let fix = drive.fix();
        Self {
            attempts: fix.attempts().to_vec(),
            end: fix.end(),
            effective_rate: fix.effective_rate(),
            checks: drive.last_checks().to_vec(),
        }
    }
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

/// One loop under way, and where its attempts go.
struct LoopTurn {
    drive: Drive,
    connection: Connection,
    model: String,
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
        let drive = Drive::new(
            messages.to_vec(),
            self.files.get_value(),
            self.max_attempts.get_untracked(),
            parse_checks(&self.checks.get_untracked(), Author::User),
            now_ms(),
        );
        self.turn.set_value(Some(LoopTurn {
            drive,
            connection,
            model,
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
        let view = self
            .turn
            .with_value(|turn| turn.as_ref().map(|t| LoopView::of(&t.drive)));
        if view.is_some() {
            self.view.set(view);
        }
    }

    /// The id of the next watched run.
    fn next_id(&self) -> u64 {
        let id = self.next_id.get_value() + 1;
        self.next_id.set_value(id);
        id
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
        let id = looper.next_id();
        let step = looper.turn.try_update_value(|turn| {
            let turn = turn.as_mut()?;
            Some(turn.drive.answered(&answer, tokens, now_ms(), id))
        });
        if let Some(Some(step)) = step {
            self.follow(step);
        }
    }

    /// A watched run settled; only the loop's own run counts.
    pub(super) fn reported(&self, reported: Reported) {
        let looper = self.looper;
        let id = looper.next_id();
        let step = looper
            .turn
            .try_update_value(|turn| turn.as_mut()?.drive.reported(reported, now_ms(), id));
        if let Some(Some(step)) = step {
            self.follow(step);
        }
    }

    /// Does what the loop says comes next.
    fn follow(&self, step: Step) {
        self.looper.publish();
        match step {
            Step::Verify(verify) => {
                // A first answer keeps its run's status while its code runs (the timeline
                // says it runs); a fix's run replaces "Asking for a fix…".
                let fixed = self.looper.turn.with_value(|turn| {
                    turn.as_ref()
                        .is_some_and(|t| t.drive.fix().attempts().len() > 1)
                });
                if fixed {
                    self.run.status.set(StatusLine::neutral("Running the fix…"));
                }
                self.run_request.set(Some(ResultRequest::Verify(verify)));
            }
            Step::Send(messages) => self.send_attempt(messages),
            Step::Done(end) => self.end_loop(end),
        }
    }

    /// Sends the next attempt's request to the same model; its answer is drawn below the
    /// answers before it, in this turn.
    fn send_attempt(&self, messages: Vec<ChatMessage>) {
        let Some((spec, number)) = self.looper.turn.with_value(|turn| {
            turn.as_ref().map(|turn| {
                (
                    RunSpec {
                        connection: turn.connection.clone(),
                        model: turn.model.clone(),
                        messages,
                    },
                    turn.drive.fix().attempts().len(),
                )
            })
        }) else {
            return;
        };
        let Some(div) = self.answer.get_untracked() else {
            self.end_loop(LoopEnd::Stopped);
            return;
        };
        let renderer = transcript::attempt_section(&div, number)
            .and_then(|body| AnswerRenderer::replace_contents(&body));
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
                self.run.status.set(StatusLine::error(error.to_string()));
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
            LoopEnd::Stopped => turn.drive.stop(),
            other => turn.drive.end().unwrap_or(other),
        };
        looper.active.set(false);
        looper.view.set(Some(LoopView::of(&turn.drive)));
        let fix = turn.drive.fix();
        let attempts = fix.attempts().len();
        // A request that got no answer at all is not a chat to keep.
        if let Some(answer) = turn.drive.folded() {
            self.conversation
                .update(|chat| chat.loop_ended(answer, fix));
            if let Some(code) = turn.drive.fixed_code() {
                // Run answer, Share and Download take the code as it ended.
                self.run.answer_text.set(code);
            }
            self.history.save(
                &turn.model,
                self.conversation
                    .with_untracked(|chat| chat.turns().to_vec()),
            );
        }
        looper.files.set_value(fix.files().to_vec());
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
