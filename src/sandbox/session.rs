//! One sandbox session: the runner frame, the run sent to it, the messages believed from
//! it (from that frame's window, with the right nonce) and the watchdog that kills it.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::{set_interval_with_handle, IntervalHandle, Set, WriteSignal};
use sparkplug_core::run::explain::{StatusLine, Tone};
use sparkplug_core::sandbox::console::{lines_for, Console, Line};
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

/// How often the watchdog looks at the frame.
const TICK: Duration = Duration::from_millis(100);

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
    tick: IntervalHandle,
}

impl Session {
    /// Starts a session whose runner frames live in `host`.
    pub fn start(host: Element, out: Output) -> Result<Self, SessionError> {
        let window = web_sys::window().ok_or(SessionError::NoDocument)?;
        let document = window.document().ok_or(SessionError::NoDocument)?;
        let runner = frame::runner_url(&document);
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
        let tick = set_interval_with_handle(move || ticking.borrow_mut().tick(), TICK)
            .map_err(|_| SessionError::Listen)?;
        Ok(Self {
            state,
            window,
            listener,
            tick,
        })
    }

    /// Runs `runnable` with a time limit, in the current frame if it is idle and healthy
    /// (keeping its warm Python), else in a fresh one.
    pub fn run(&self, runnable: Runnable, limit_ms: u32) -> Result<(), SessionError> {
        self.state.borrow_mut().run(runnable, limit_ms)
    }

    /// Runs `runnable` once the current run has settled (a page loaded, Python done), or now
    /// if nothing runs; a newer update replaces one still waiting. The result on show stays
    /// until the new one has loaded.
    pub fn update(&self, runnable: Runnable, limit_ms: u32) -> Result<(), SessionError> {
        let mut state = self.state.borrow_mut();
        if state.busy() {
            state.next = Some((runnable, limit_ms));
            Ok(())
        } else {
            state.run(runnable, limit_ms)
        }
    }

    /// Starts loading Python (an empty program) unless something runs already, so the
    /// answer's Python starts sooner; its progress shows where the output will appear.
    pub fn warm_python(&self, limit_ms: u32) -> Result<(), SessionError> {
        let mut state = self.state.borrow_mut();
        if state.busy() || state.python_warm {
            return Ok(());
        }
        state.python_warm = true;
        state.run(Runnable::Python(String::new()), limit_ms)
    }

    /// Kills the run at once: every runner frame goes, a fresh one takes its place.
    pub fn stop(&self) {
        self.state.borrow_mut().kill("Stopped.".into());
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.window
            .remove_event_listener_with_callback("message", self.listener.as_ref().unchecked_ref())
            .ok();
        self.tick.clear();
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
    /// An update waiting for the current run to settle, with its time limit.
    next: Option<(Runnable, u32)>,
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
}

impl State {
    /// Removes every runner frame and makes a fresh one (`after_kill`: replacing a killed
    /// frame, which must load quickly).
    fn replace_frame(&mut self, after_kill: bool) -> Result<(), SessionError> {
        frame::remove_all(&self.document);
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

    fn run(&mut self, runnable: Runnable, limit_ms: u32) -> Result<(), SessionError> {
        self.next = None;
        let now = now_ms();
        if !self.frame.as_ref().is_some_and(|f| f.dog.can_take(now)) {
            self.replace_frame(false)?;
        }
        let nonce = nonce::new().ok_or(SessionError::NoCrypto)?;
        let request = protocol::run_message(&nonce, &runnable, limit_ms, &[]);
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
        self.run = Some(Active {
            runnable,
            console: Console::new(),
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
            message @ (Message::Console { .. } | Message::Error { .. } | Message::Check { .. }) => {
                let Some(run) = self.run.as_mut() else {
                    return;
                };
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
        if let Some((runnable, limit_ms)) = self.next.take() {
            if let Err(error) = self.run(runnable, limit_ms) {
                self.system(error.to_string());
            }
        }
    }

    fn tick(&mut self) {
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
            frame::remove_all(&self.document);
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
        self.run = None;
        self.next = None;
        self.out.live.set(false);
        self.out.progress.set(None);
        self.system(reason.clone());
        self.out.status.set(StatusLine {
            tone: Tone::Error,
            text: reason,
        });
    }

    fn system(&self, text: String) {
        self.out.console.append(&Line::system(text));
    }
}
