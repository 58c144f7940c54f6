//! One runner frame's life as the app sees it: which messages belong to it (by nonce), and
//! when a run is over its time limit or the frame has gone silent and must be killed.

use super::protocol::{Incoming, Message};

/// A fresh frame must say `ready` within this long.
pub const READY_LIMIT_MS: f64 = 15_000.0;
/// A frame made to replace a killed one must say `ready` within this long; it normally
/// takes well under a second, so longer means the browser kept the killed frame's process
/// (still busy) and put the new frame in it.
pub const RESTART_LIMIT_MS: f64 = 5_000.0;
/// A run must start within this long of being sent (Python's first load takes seconds).
pub const START_LIMIT_MS: f64 = 60_000.0;
/// A frame may be silent this long before it counts as hung (if the time limit is
/// shorter): the browser slows timers in frames scrolled out of view to one a second.
pub const MIN_SILENCE_MS: f64 = 3_000.0;
/// A frame heard from this recently, with no run going, can take the next run as it is
/// (heartbeats come every 250 ms, or about every second in a frame out of view).
pub const HEALTHY_MS: f64 = 2_000.0;

/// The time limit a run gets unless the user sets another.
pub const DEFAULT_LIMIT_MS: u32 = 5_000;
/// The range the time limit setting accepts, in seconds.
pub const LIMIT_RANGE_S: (f64, f64) = (0.5, 300.0);

/// The time limit typed in seconds (`5`, `2.5`), clamped to `LIMIT_RANGE_S`; `None` if
/// it is not a number.
pub fn limit_ms_from_seconds(text: &str) -> Option<u32> {
    let seconds: f64 = text.trim().parse().ok().filter(|s: &f64| s.is_finite())?;
    let (low, high) = LIMIT_RANGE_S;
    // Clamped to at most 300 000, so the cast cannot overflow.
    Some((seconds.clamp(low, high) * 1000.0).round() as u32)
}

/// Why a frame must be killed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kill {
    NotReady,
    NotRestarted,
    NotStarted,
    TimeLimit { limit_ms: u32 },
    Silent { silent_ms: f64 },
}

impl Kill {
    /// The console's explanation.
    pub fn explain(self) -> String {
        match self {
            Self::NotReady => format!(
                "The runner did not load within {} s.",
                READY_LIMIT_MS / 1000.0
            ),
            Self::NotRestarted => "The runner could not restart: the browser kept the killed \
                                   page's process busy. Reload the page to run code again."
                .into(),
            Self::NotStarted => format!(
                "Killed: the code did not start within {} s.",
                START_LIMIT_MS / 1000.0
            ),
            Self::TimeLimit { limit_ms } => format!(
                "Killed: the run passed its time limit of {}.",
                seconds(f64::from(limit_ms))
            ),
            Self::Silent { silent_ms } => format!(
                "Killed: the page stopped responding for {} (a busy loop, or out of memory).",
                seconds(silent_ms)
            ),
        }
    }
}

/// `1.5 s`, `5 s`.
pub fn seconds(ms: f64) -> String {
    let s = ms / 1000.0;
    if (s - s.round()).abs() < 0.05 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

/// Where the frame's current run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The frame has not said `ready` yet.
    Loading,
    /// Ready, no run sent or the last one done.
    Idle,
    /// A run was sent and has not started (waiting for the frame, or loading Python).
    Preparing,
    Running,
}

#[derive(Debug)]
struct RunClock {
    nonce: String,
    limit_ms: u32,
    sent_at: f64,
    started_at: Option<f64>,
    done: bool,
}

/// The app's view of one runner frame. Times are the app's clock in milliseconds.
#[derive(Debug)]
pub struct Watchdog {
    frame_nonce: String,
    created_at: f64,
    /// The frame replaces a killed one (it gets `RESTART_LIMIT_MS` to load).
    restart: bool,
    ready: bool,
    last_heard: f64,
    silence_ms: f64,
    run: Option<RunClock>,
}

impl Watchdog {
    /// A frame was just created with `frame_nonce` in its address.
    pub fn new(frame_nonce: String, now: f64) -> Self {
        Self::create(frame_nonce, now, false)
    }

    /// A frame was just created to replace a killed one.
    pub fn after_kill(frame_nonce: String, now: f64) -> Self {
        Self::create(frame_nonce, now, true)
    }

    fn create(frame_nonce: String, now: f64, restart: bool) -> Self {
        Self {
            frame_nonce,
            created_at: now,
            restart,
            ready: false,
            last_heard: now,
            silence_ms: MIN_SILENCE_MS,
            run: None,
        }
    }

    /// A run with `nonce` was sent (or queued until the frame is ready).
    pub fn begin(&mut self, nonce: String, limit_ms: u32, now: f64) {
        self.silence_ms = f64::from(limit_ms).max(MIN_SILENCE_MS);
        self.run = Some(RunClock {
            nonce,
            limit_ms,
            sent_at: now,
            started_at: None,
            done: false,
        });
    }

    /// Checks a message's nonce against this frame and its run: `ready` carries the frame's
    /// nonce, heartbeats either, everything else the run's. Returns the message if it
    /// belongs here and is new (a second `ready`, `started` or `done` is dropped).
    pub fn receive(&mut self, now: f64, incoming: Incoming) -> Option<Message> {
        let for_frame = incoming.nonce == self.frame_nonce;
        let run = self.run.as_mut().filter(|r| r.nonce == incoming.nonce);
        let accepted = match (&incoming.message, run) {
            (Message::Ready, _) => for_frame && !std::mem::replace(&mut self.ready, true),
            (Message::Heartbeat, run) => for_frame || run.is_some(),
            (_, None) => false,
            (Message::Started, Some(run)) => {
                let first = run.started_at.is_none();
                run.started_at.get_or_insert(now);
                first
            }
            (Message::Done { .. }, Some(run)) => !std::mem::replace(&mut run.done, true),
            (_, Some(_)) => true,
        };
        if !accepted {
            return None;
        }
        self.last_heard = now;
        Some(incoming.message)
    }

    /// Whether the frame must be killed now. While the app's page is hidden the browser
    /// slows every timer, so silence is not held against the frame then.
    pub fn check(&mut self, now: f64, visible: bool) -> Option<Kill> {
        if !visible {
            self.last_heard = now;
        }
        if !self.ready {
            let (limit, kill) = if self.restart {
                (RESTART_LIMIT_MS, Kill::NotRestarted)
            } else {
                (READY_LIMIT_MS, Kill::NotReady)
            };
            return (now - self.created_at > limit).then_some(kill);
        }
        if let Some(run) = self.run.as_ref().filter(|r| !r.done) {
            match run.started_at {
                None if now - run.sent_at > START_LIMIT_MS => return Some(Kill::NotStarted),
                Some(started) if now - started > f64::from(run.limit_ms) => {
                    return Some(Kill::TimeLimit {
                        limit_ms: run.limit_ms,
                    })
                }
                _ => {}
            }
        }
        let silent_ms = now - self.last_heard;
        (silent_ms > self.silence_ms).then_some(Kill::Silent { silent_ms })
    }

    pub fn phase(&self) -> Phase {
        match &self.run {
            _ if !self.ready => Phase::Loading,
            Some(run) if !run.done && run.started_at.is_some() => Phase::Running,
            Some(run) if !run.done => Phase::Preparing,
            _ => Phase::Idle,
        }
    }

    /// Whether the next run can go to this frame as it is: ready, idle and heard from
    /// lately. Keeping it keeps its warm Python; anything else gets a fresh frame.
    pub fn can_reuse(&self, now: f64) -> bool {
        self.phase() == Phase::Idle && now - self.last_heard < HEALTHY_MS
    }

    /// Whether the next run can go to this frame: one to reuse, or one still loading that
    /// was never given a run (made ahead of time), whose `ready` the run then waits for.
    pub fn can_take(&self, now: f64) -> bool {
        self.can_reuse(now) || (!self.ready && self.run.is_none())
    }

    /// The frame's nonce, which its `ready` and idle heartbeats carry.
    pub fn frame_nonce(&self) -> &str {
        &self.frame_nonce
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(nonce: &str, message: Message) -> Incoming {
        Incoming {
            nonce: nonce.into(),
            message,
        }
    }

    fn ready_dog() -> Watchdog {
        let mut dog = Watchdog::new("frame".into(), 0.0);
        assert_eq!(dog.phase(), Phase::Loading);
        assert_eq!(
            dog.receive(10.0, msg("frame", Message::Ready)),
            Some(Message::Ready)
        );
        dog
    }

    #[test]
    fn messages_need_the_right_nonce() {
        let mut dog = Watchdog::new("frame".into(), 0.0);
        assert_eq!(dog.receive(1.0, msg("other", Message::Ready)), None);
        assert_eq!(dog.phase(), Phase::Loading);
        assert_eq!(
            dog.receive(2.0, msg("frame", Message::Ready)),
            Some(Message::Ready)
        );
        assert_eq!(
            dog.receive(3.0, msg("frame", Message::Ready)),
            None,
            "only once"
        );
        dog.begin("run1".into(), 5000, 4.0);
        assert_eq!(dog.phase(), Phase::Preparing);
        // The frame's nonce is not the run's: a forged run message needs the run nonce.
        assert_eq!(dog.receive(5.0, msg("frame", Message::Started)), None);
        assert_eq!(dog.receive(5.0, msg("run0", Message::Started)), None);
        assert_eq!(
            dog.receive(6.0, msg("run1", Message::Started)),
            Some(Message::Started)
        );
        assert_eq!(dog.phase(), Phase::Running);
        assert_eq!(dog.receive(6.5, msg("run1", Message::Started)), None);
        let line = Message::Console {
            level: crate::sandbox::protocol::Level::Log,
            text: "x".into(),
            line: None,
        };
        assert_eq!(
            dog.receive(7.0, msg("run1", line.clone())),
            Some(line.clone())
        );
        assert_eq!(dog.receive(7.0, msg("runX", line)), None);
        let done = Message::Done { elapsed_ms: 1.0 };
        assert_eq!(
            dog.receive(8.0, msg("run1", done.clone())),
            Some(done.clone())
        );
        assert_eq!(dog.receive(9.0, msg("run1", done)), None, "done only once");
        assert_eq!(dog.phase(), Phase::Idle);
        assert!(dog.receive(9.0, msg("frame", Message::Heartbeat)).is_some());
        assert!(dog.receive(9.0, msg("run1", Message::Heartbeat)).is_some());
        assert!(dog.receive(9.0, msg("nope", Message::Heartbeat)).is_none());
    }

    #[test]
    fn a_frame_that_never_loads_is_given_up() {
        let mut dog = Watchdog::new("frame".into(), 0.0);
        assert_eq!(dog.check(READY_LIMIT_MS, true), None);
        assert_eq!(dog.check(READY_LIMIT_MS + 1.0, true), Some(Kill::NotReady));
        // A replacement normally loads at once; a slow one is stuck in the old process.
        let mut fresh = Watchdog::after_kill("frame".into(), 0.0);
        assert_eq!(fresh.check(RESTART_LIMIT_MS, true), None);
        assert_eq!(
            fresh.check(RESTART_LIMIT_MS + 1.0, true),
            Some(Kill::NotRestarted)
        );
        assert!(Kill::NotRestarted.explain().contains("Reload the page"));
    }

    #[test]
    fn the_time_limit_counts_from_started() {
        let mut dog = ready_dog();
        dog.begin("r".into(), 5000, 100.0);
        // Loading Python with heartbeats: no limit applies yet.
        for t in (200..5000).step_by(250) {
            let now = f64::from(t);
            dog.receive(now, msg("r", Message::Heartbeat));
            assert_eq!(dog.check(now, true), None);
        }
        dog.receive(5000.0, msg("r", Message::Started));
        dog.receive(9900.0, msg("r", Message::Heartbeat));
        assert_eq!(dog.check(9999.0, true), None);
        assert_eq!(
            dog.check(10_001.0, true),
            Some(Kill::TimeLimit { limit_ms: 5000 })
        );
    }

    #[test]
    fn a_run_that_never_starts_is_killed() {
        let mut dog = ready_dog();
        dog.begin("r".into(), 5000, 0.0);
        dog.receive(START_LIMIT_MS, msg("r", Message::Heartbeat));
        assert_eq!(
            dog.check(START_LIMIT_MS + 1.0, true),
            Some(Kill::NotStarted)
        );
    }

    #[test]
    fn silence_kills_even_after_done_but_not_while_hidden() {
        let mut dog = ready_dog();
        dog.begin("r".into(), 1000, 0.0);
        dog.receive(10.0, msg("r", Message::Started));
        dog.receive(20.0, msg("r", Message::Done { elapsed_ms: 10.0 }));
        // The page lives on after done; the silence limit is at least MIN_SILENCE_MS.
        assert_eq!(dog.check(2000.0, true), None);
        assert_eq!(
            dog.check(2500.0, false),
            None,
            "hidden: silence not counted"
        );
        assert_eq!(dog.check(5000.0, true), None);
        assert!(matches!(
            dog.check(5600.0, true),
            Some(Kill::Silent { silent_ms }) if silent_ms > 3000.0
        ));
    }

    #[test]
    fn a_long_limit_is_not_cut_short_by_silence() {
        let mut dog = ready_dog();
        dog.begin("r".into(), 20_000, 0.0);
        dog.receive(10.0, msg("r", Message::Started));
        assert_eq!(dog.check(15_000.0, true), None, "busy but within its limit");
        assert_eq!(
            dog.check(20_011.0, true),
            Some(Kill::TimeLimit { limit_ms: 20_000 })
        );
    }

    #[test]
    fn only_an_idle_healthy_frame_is_reused() {
        let mut dog = ready_dog();
        assert!(dog.can_reuse(500.0));
        assert!(!dog.can_reuse(2500.0), "not heard from lately");
        dog.begin("r".into(), 1000, 600.0);
        assert!(!dog.can_reuse(700.0), "busy");
        dog.receive(800.0, msg("r", Message::Done { elapsed_ms: 1.0 }));
        assert!(dog.can_reuse(900.0));
    }

    #[test]
    fn a_frame_made_ahead_takes_its_first_run_while_it_loads_but_no_second() {
        let mut dog = Watchdog::new("f".into(), 0.0);
        assert!(
            dog.can_take(10.0) && !dog.can_reuse(10.0),
            "loading, never used"
        );
        dog.begin("r".into(), 1000, 20.0);
        assert!(
            !dog.can_take(30.0),
            "its run waits for ready: a new one gets a fresh frame"
        );
    }

    #[test]
    fn the_limit_setting_is_read_in_seconds_and_clamped() {
        assert_eq!(limit_ms_from_seconds("5"), Some(5000));
        assert_eq!(limit_ms_from_seconds(" 2.5 "), Some(2500));
        assert_eq!(limit_ms_from_seconds("0"), Some(500));
        assert_eq!(limit_ms_from_seconds("1e9"), Some(300_000));
        assert_eq!(limit_ms_from_seconds("-4"), Some(500));
        for bad in ["", "five", "NaN", "inf"] {
            assert_eq!(limit_ms_from_seconds(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn kills_explain_themselves() {
        assert_eq!(
            Kill::TimeLimit { limit_ms: 5000 }.explain(),
            "Killed: the run passed its time limit of 5 s."
        );
        assert!(Kill::Silent { silent_ms: 3500.0 }
            .explain()
            .contains("stopped responding for 3.5 s"));
        assert_eq!(seconds(1500.0), "1.5 s");
    }
}
