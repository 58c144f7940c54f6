//! Replaying a recorded answer: its pieces reach a run at their recorded times from the
//! replay's start, and the run ends with the recorded token count after the last one.

use std::collections::VecDeque;

use super::LiveRun;

/// A recorded answer being played into a run.
#[derive(Debug)]
pub struct Replay {
    start_ms: f64,
    /// The pieces not yet played: when each arrived (ms from the request's start), its text.
    pieces: VecDeque<(f64, String)>,
    /// The recorded token count, when it was the provider's.
    output_tokens: Option<u64>,
}

impl Replay {
    /// A replay starting at `start_ms` (the page's clock).
    pub fn new(start_ms: f64, pieces: Vec<(f64, String)>, output_tokens: Option<u64>) -> Self {
        Self {
            start_ms,
            pieces: pieces.into(),
            output_tokens,
        }
    }

    /// Gives `run` every piece due by `now_ms`, stamped with its recorded time; once none
    /// is left the run finishes at the last one's time. True once it has finished.
    pub fn play_until(&mut self, run: &mut LiveRun, now_ms: f64) -> bool {
        let mut last = None;
        while let Some((at, _)) = self.pieces.front() {
            let due = self.start_ms + at;
            if due > now_ms {
                return false;
            }
            if let Some((_, text)) = self.pieces.pop_front() {
                run.replay_text(due, &text);
            }
            last = Some(due);
        }
        run.replay_finished(last.unwrap_or(now_ms), self.output_tokens);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ApiFormat;
    use crate::run::Outcome;

    #[test]
    fn pieces_come_at_their_times_and_the_run_ends_with_the_last() {
        let mut run = LiveRun::new(ApiFormat::OpenAiChat, 1_000.0);
        let pieces = vec![(10.0, "héllo ".into()), (30.0, "world".into())];
        let mut replay = Replay::new(1_000.0, pieces, Some(2));
        assert!(!replay.play_until(&mut run, 1_005.0));
        assert_eq!(run.answer_text(), "");
        assert!(!replay.play_until(&mut run, 1_020.0));
        assert_eq!(run.answer_text(), "héllo ");
        assert!(run.outcome().is_none());
        assert!(replay.play_until(&mut run, 1_100.0));
        assert_eq!(run.answer_text(), "héllo world");
        assert!(matches!(run.outcome(), Some(Outcome::Finished { .. })));
        let arrivals: Vec<f64> = run.timeline().arrivals().iter().map(|a| a.at_ms).collect();
        assert_eq!(arrivals, [10.0, 30.0], "stamped with the recorded times");
        assert_eq!(run.snapshot(1_100.0).tokens, 2);
    }

    #[test]
    fn an_empty_replay_finishes_at_once() {
        let mut run = LiveRun::new(ApiFormat::OpenAiChat, 0.0);
        assert!(Replay::new(0.0, Vec::new(), None).play_until(&mut run, 5.0));
        assert!(run.outcome().is_some());
    }
}
