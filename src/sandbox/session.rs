//! One sandbox session: the runner frame, the run sent to it, the messages believed from
//! it (from that frame's window, with the right nonce), the watchdog that kills it, and the
//! report of a watched run (the fix loop's) once it has settled.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::{Set, WriteSignal};
use sparkplug_core::iterate::checks::{Check, CheckResult, RunReport, SETTLE_MS};
use sparkplug_core::run::explain::{StatusLine, Tone};
use sparkplug_core::sandbox::console::{lines_for, Console, Line};
use sparkplug_core::sandbox::live::{Reported, ResultRequest, Settled, Verify};
use sparkplug_core::sandbox::protocol::{self, Message};
use sparkplug_core::sandbox::runnable::Runnable;
use sparkplug_core::sandbox::watchdog::{Kill, Phase, Watchdog};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, MessageEvent, Window};

use super::console_pane::ConsolePane;
use super::frame;
use super::nonce;
use crate::live::now_ms;

/// How often the watchdog looks at the frame, in milliseconds.
const TICK_MS: i32 = 100;

/// Python's loading progress, for the bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub loaded: u64,
    pub total: u64,
    pub label: String,
}

/// Where a session shows what happens.
pub struct Output {
    pub status: WriteSignal<StatusLine>,
    pub progress: WriteSignal<Option<Progress>>,
    /// A run is going or its page is alive, so Stop has something to stop.
    pub live: WriteSignal<bool>,
    /// The current run has no page to show (Python, or scripts alone): the console says it all.
    pub console_only: WriteSignal<bool>,
    pub console: ConsolePane,
    /// Where a watched run's report goes (none: nothing here watches runs).
    pub reports: Option<WriteSignal<Option<Reported>>>,
}

/// Why a session could not start or run.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("the page has no window or document")]
    NoDocument,
    #[error("this browser cannot make random nonces")]
    NoCrypto,
    #[error("could not create the runner frame: {0}")]
    Frame(String),
    #[error("could not listen for the runner's messages")]
    Listen,
}

/// A live session; dropping it stops listening and ticking.
pub struct Session {
    state: Rc<RefCell<State>>,
    window: Window,
    listener: Closure<dyn FnMut(MessageEvent)>,
    /// Held here rather than handed to the JS GC, so a dropped session frees its state (and
    /// the frame's window it holds) at once, not whenever the GC finalizes the closure.
    _tick: Closure<dyn FnMut()>,
    tick_id: i32,
}

impl Session {
    /// Starts a session whose runner frames live in `host`, on the page's runner.
    pub fn start(host: Element, out: Output) -> Result<Self, SessionError> {
        let document = host.owner_document().ok_or(SessionError::NoDocument)?;
        Self::start_on(host, frame::runner_url(&document), out)
    }

    /// Starts a session on `runner` (a compare lane's, on a site of its own).
    pub fn start_on(host: Element, runner: String, out: Output) -> Result<Self, SessionError> {
        let window = web_sys::window().ok_or(SessionError::NoDocument)?;
        let document = window.document().ok_or(SessionError::NoDocument)?;
        let state = Rc::new(RefCell::new(State {
            document,
            host,
            runner,
            frame: None,
            run: None,
            queued: None,
            next: None,
            python_warm: false,
            killed_at: None,
            out,
        }));
        state.borrow_mut().replace_frame(false)?;
        let listening = state.clone();
        let listener = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            listening.borrow_mut().receive(&event);
        });
        window
            .add_event_listener_with_callback("message", listener.as_ref().unchecked_ref())
            .map_err(|_| SessionError::Listen)?;
        let ticking = state.clone();
        let tick = Closure::<dyn FnMut()>::new(move || ticking.borrow_mut().tick());
        let tick_id = window
            .set_interval_with_callback_and_timeout_and_arguments_0(
                tick.as_ref().unchecked_ref(),
                TICK_MS,
            )
            .map_err(|_| SessionError::Listen)?;
        Ok(Self {
            state,
            window,
            listener,
            _tick: tick,
            tick_id,
        })
    }

    /// Does what `request` asks, each with the time limit `limit_ms`.
    pub fn ask(&self, request: ResultRequest, limit_ms: u32) -> Result<(), SessionError> {
        match request {
            ResultRequest::Run(runnable) => self.run(runnable, limit_ms),
            ResultRequest::Update(runnable) => self.update(runnable, limit_ms),
            ResultRequest::WarmPython => self.warm_python(limit_ms),
            ResultRequest::Verify(verify) => self.verify(verify, limit_ms),
        }
    }

    /// Runs `runnable` with a time limit, in the current frame if it is idle and healthy
    /// (keeping its warm Python), else in a fresh one.
    pub fn run(&self, runnable: Runnable, limit_ms: u32) -> Result<(), SessionError> {
        self.state.borrow_mut().run(runnable, limit_ms, None)
    }

    /// Runs `runnable` once the current run has settled (a page loaded, Python done), or now
    /// if nothing runs; a newer update replaces one still waiting. The result on show stays
    /// until the new one has loaded.
    pub fn update(&self, runnable: Runnable, limit_ms: u32) -> Result<(), SessionError> {
        self.state.borrow_mut().later(runnable, limit_ms, None)
    }

    /// Runs `verify` like [`Self::update`], with its checks, and reports how it went once it
    /// settled: Python done, a page loaded and quiet for `SETTLE_MS`, or killed.
    pub fn verify(&self, verify: Verify, limit_ms: u32) -> Result<(), SessionError> {
        let watch = Watch {
            id: verify.id,
            checks: verify.checks,
        };
        self.state
            .borrow_mut()
            .later(verify.runnable, limit_ms, Some(watch))
    }

    /// Starts loading Python (an empty program) unless something runs already, so the
    /// answer's Python starts sooner; its progress shows where the output will appear.
    pub fn warm_python(&self, limit_ms: u32) -> Result<(), SessionError> {
        let mut state = self.state.borrow_mut();
        if state.busy() || state.python_warm {
            return Ok(());
        }
        state.python_warm = true;
        state.run(Runnable::Python(String::new()), limit_ms, None)
    }

    /// Kills the run at once: every runner frame goes, a fresh one takes its place. A
    /// watched run reports that it was stopped, not that its code failed.
    pub fn stop(&self) {
        let mut state = self.state.borrow_mut();
        state.stopped();
        state.kill("Stopped.".into());
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.window
            .remove_event_listener_with_callback("message", self.listener.as_ref().unchecked_ref())
            .ok();
        self.window.clear_interval_with_handle(self.tick_id);
    }
}

struct State {
    document: Document,
    host: Element,
    runner: String,
    frame: Option<LiveFrame>,
    run: Option<Active>,
    /// The run request waiting for the frame's `ready`.
    queued: Option<String>,
    /// An update waiting for the current run to settle.
    next: Option<Pending>,
    /// Python was loaded (or is loading) in this frame's worker.
    python_warm: bool,
    /// When the last kill happened, to say how soon the fresh frame was ready.
    killed_at: Option<f64>,
    out: Output,
}

struct LiveFrame {
    window: Window,
    dog: Watchdog,
}

/// The run the console belongs to.
struct Active {
    runnable: Runnable,
    console: Console,
    watched: Option<Watched>,
}

/// A run to start once the current one has settled.
struct Pending {
    runnable: Runnable,
    limit_ms: u32,
    watch: Option<Watch>,
}

/// What a watched run is asked: its id and checks.
struct Watch {
    id: u64,
    checks: Vec<Check>,
}

/// A watched run's report so far.
struct Watched {
    watch: Watch,
    report: RunReport,
    /// When a loaded page has been quiet long enough to report.
    settles_at: Option<f64>,
}

impl State {
    /// Removes every runner frame and makes a fresh one (`after_kill`: replacing a killed
    /// frame, which must load quickly).
    fn replace_frame(&mut self, after_kill: bool) -> Result<(), SessionError> {
        frame::remove_all(&self.document, &self.runner);
        self.frame = None;
        self.queued = None;
        self.python_warm = false;
        let nonce = nonce::new().ok_or(SessionError::NoCrypto)?;
        let window = frame::create(&self.document, &self.host, &self.runner, &nonce)
            .map_err(|e| SessionError::Frame(format!("{e:?}")))?;
        let dog = if after_kill {
            Watchdog::after_kill(nonce, now_ms())
        } else {
            Watchdog::new(nonce, now_ms())
        };
        self.frame = Some(LiveFrame { window, dog });
        Ok(())
    }

    /// A run was sent and has not settled yet.
    fn busy(&self) -> bool {
        self.frame
            .as_ref()
            .is_some_and(|f| matches!(f.dog.phase(), Phase::Preparing | Phase::Running))
    }

    /// Runs now, or once the current run has settled (replacing any run still waiting).
    fn later(
        &mut self,
        runnable: Runnable,
        limit_ms: u32,
        watch: Option<Watch>,
    ) -> Result<(), SessionError> {
        if self.busy() {
            self.next = Some(Pending {
                runnable,
                limit_ms,
                watch,
            });
            Ok(())
        } else {
            self.run(runnable, limit_ms, watch)
        }
    }

    fn run(
        &mut self,
        runnable: Runnable,
        limit_ms: u32,
        watch: Option<Watch>,
    ) -> Result<(), SessionError> {
        self.next = None;
        let now = now_ms();
        if !self.frame.as_ref().is_some_and(|f| f.dog.can_take(now)) {
            self.replace_frame(false)?;
        }
        let nonce = nonce::new().ok_or(SessionError::NoCrypto)?;
        let checks = watch.as_ref().map_or(&[][..], |w| &w.checks[..]);
        let request = protocol::run_message(&nonce, &runnable, limit_ms, checks);
        let live = self
            .frame
            .as_mut()
            .ok_or_else(|| SessionError::Frame("no frame".into()))?;
        live.dog.begin(nonce, limit_ms, now);
        if live.dog.phase() == Phase::Loading {
            self.queued = Some(request);
        } else {
            live.window.post_message(&request.into(), "*").ok();
        }
        self.out.console.clear();
        self.out.console_only.set(!runnable.shows_page());
        self.out.live.set(true);
        self.out.progress.set(None);
        self.out.status.set(StatusLine::neutral("Starting…"));
        let watched = watch.map(|watch| Watched {
            report: RunReport {
                python: matches!(runnable, Runnable::Python(_)),
                ..RunReport::default()
            },
            watch,
            settles_at: None,
        });
        self.run = Some(Active {
            runnable,
            console: Console::new(),
            watched,
        });
        Ok(())
    }

    /// A message event on the app's window: used only if it comes from the current frame's
    /// window and the watchdog knows its nonce; even then it is only ever shown as text.
    fn receive(&mut self, event: &MessageEvent) {
        let Some(live) = self.frame.as_mut() else {
            return;
        };
        let from_frame = event
            .source()
            .is_some_and(|source| js_sys::Object::is(&source, live.window.as_ref()));
        let Some(text) = event.data().as_string().filter(|_| from_frame) else {
            return;
        };
        let Ok(incoming) = protocol::parse(&text) else {
            return;
        };
        let now = now_ms();
        let Some(message) = live.dog.receive(now, incoming) else {
            return;
        };
        match message {
            Message::Ready => {
                if let Some(request) = self.queued.take() {
                    live.window.post_message(&request.into(), "*").ok();
                }
                if let Some(at) = self.killed_at.take() {
                    self.system(format!("A fresh runner was ready in {:.0} ms.", now - at));
                }
            }
            Message::Started => self.out.status.set(StatusLine::neutral("Running…")),
            Message::Progress {
                loaded,
                total,
                label,
            } => {
                self.out.status.set(StatusLine::neutral(label.clone()));
                self.out.progress.set(Some(Progress {
                    loaded,
                    total,
                    label,
                }));
            }
            Message::Done { elapsed_ms } => self.done(elapsed_ms),
            Message::Heartbeat => {}
            message @ (Message::Console { .. }
            | Message::Error { .. }
            | Message::Unavailable { .. }
            | Message::Check { .. }) => {
                let Some(run) = self.run.as_mut() else {
                    return;
                };
                if let Some(watched) = run.watched.as_mut() {
                    watched.take(&message);
                }
                for line in lines_for(message, &run.runnable) {
                    if let Some(shown) = run.console.admit(line) {
                        self.out.console.append(&shown);
                    }
                }
            }
        }
    }

    fn done(&mut self, elapsed_ms: f64) {
        self.out.progress.set(None);
        let page = matches!(
            self.run.as_ref().map(|r| &r.runnable),
            Some(Runnable::Page(_))
        );
        if page {
            if let Some(watched) = self.run.as_mut().and_then(|r| r.watched.as_mut()) {
                watched.settles_at = Some(now_ms() + SETTLE_MS);
            }
        } else {
            self.settled();
        }
        let text = if page {
            format!("Page loaded in {elapsed_ms:.0} ms.")
        } else {
            // Python's run is over; a page lives on until the next run or Stop.
            self.run = None;
            self.out.live.set(false);
            format!("Done in {elapsed_ms:.0} ms.")
        };
        self.out.status.set(StatusLine {
            tone: Tone::Done,
            text,
        });
        if let Some(next) = self.next.take() {
            if let Err(error) = self.run(next.runnable, next.limit_ms, next.watch) {
                self.system(error.to_string());
            }
        }
    }

    /// Publishes the watched run's report, if it has one not yet sent.
    fn settled(&mut self) {
        self.publish(|watched| Settled::Ran(watched.report));
    }

    /// The watched run was stopped by the person: no report on its code.
    fn stopped(&mut self) {
        self.publish(|_| Settled::Stopped);
    }

    fn publish(&mut self, settled: impl FnOnce(Watched) -> Settled) {
        let Some(watched) = self.run.as_mut().and_then(|r| r.watched.take()) else {
            return;
        };
        let id = watched.watch.id;
        if let Some(reports) = self.out.reports {
            reports.set(Some(Reported {
                id,
                settled: settled(watched),
            }));
        }
    }

    fn tick(&mut self) {
        let quiet = self
            .run
            .as_ref()
            .and_then(|r| r.watched.as_ref())
            .and_then(|w| w.settles_at)
            .is_some_and(|at| now_ms() >= at);
        if quiet {
            self.settled();
        }
        let visible = !self.document.hidden();
        let Some(kill) = self
            .frame
            .as_mut()
            .and_then(|live| live.dog.check(now_ms(), visible))
        else {
            return;
        };
        if matches!(kill, Kill::NotReady | Kill::NotRestarted) {
            // Making another frame now would likely fail the same way; the next Run tries.
            frame::remove_all(&self.document, &self.runner);
            self.frame = None;
            self.end(kill.explain());
        } else {
            self.kill(kill.explain());
        }
    }

    /// Removes every runner frame, says why, and puts a fresh frame in place.
    fn kill(&mut self, reason: String) {
        self.killed_at = Some(now_ms());
        self.end(reason);
        if let Err(error) = self.replace_frame(true) {
            self.system(error.to_string());
        }
    }

    fn end(&mut self, reason: String) {
        if let Some(watched) = self.run.as_mut().and_then(|r| r.watched.as_mut()) {
            watched.report.killed = Some(reason.clone());
        }
        self.settled();
        self.run = None;
        self.next = None;
        self.out.live.set(false);
        self.out.progress.set(None);
        self.system(reason.clone());
        self.out.status.set(StatusLine::error(reason));
    }

    fn system(&self, text: String) {
        self.out.console.append(&Line::system(text));
    }
}

impl Watched {
    /// Keeps what a message says about the run: an error, or a check's result.
    fn take(&mut self, message: &Message) {
        match message {
            Message::Error { message, .. } => self.report.errors.push(message.clone()),
            Message::Unavailable { message } => {
                self.report
                    .unavailable
                    .get_or_insert_with(|| message.clone());
            }
            Message::Check {
                index,
                passed,
                detail,
            } => {
                if let Some(check) = self.watch.checks.get(*index as usize) {
                    self.report.checks.push(CheckResult {
                        check: check.clone(),
                        passed: *passed,
                        detail: detail.clone(),
                    });
                }
            }
            _ => {}
        }
    }
}
