//! One loop as a chat turn: the messages every attempt sends to the same model (what was
//! first sent, then each answer and request, under the edit format), and the words for its end.

use crate::edit::prompt::{quoted, EDIT_FORMAT};
use crate::edit::CodeFile;
use crate::provider::request::{ChatMessage, Role};
use crate::run::explain::{grouped, StatusLine, Tone};

use super::{Attempt, LoopEnd, Merge, Verdict};

/// The exchange of one loop's turn so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    messages: Vec<ChatMessage>,
}

impl Exchange {
    /// A turn whose first request sent `sent` (earlier turns and the prompt).
    pub fn new(sent: Vec<ChatMessage>) -> Self {
        Self { messages: sent }
    }

    /// An attempt's answer, whatever arrived.
    pub fn answered(&mut self, answer: &str) {
        self.messages.push(ChatMessage {
            role: Role::Assistant,
            content: answer.to_owned(),
        });
    }

    /// The messages for the next attempt: the edit format as the system message (so the
    /// answer comes as edits), then the whole exchange and `request`.
    pub fn ask(&mut self, request: String) -> Vec<ChatMessage> {
        self.messages.push(ChatMessage::user(request));
        let mut messages = Vec::with_capacity(self.messages.len() + 1);
        messages.push(ChatMessage {
            role: Role::System,
            content: EDIT_FORMAT.to_owned(),
        });
        messages.extend(self.messages.iter().cloned());
        messages
    }
}

/// What the turn's answer becomes in the chat once its loop changed the code: the first
/// answer, then the working files in full, so a follow-up (and History) sees the code as it
/// ended rather than a list of edits.
pub fn folded_answer(first: &str, attempts: usize, files: &[CodeFile]) -> String {
    if attempts <= 1 || files.is_empty() {
        return first.to_owned();
    }
    format!(
        "{}\n\nThe code after {} attempts:\n\n{}",
        first.trim_end(),
        attempts,
        files_answer(files)
    )
}

/// The files alone, each fenced under its name: what Run answer, Share and Download take
/// once a loop changed the code (the first answer's blocks would run the bug again).
pub fn files_answer(files: &[CodeFile]) -> String {
    let quoted = quoted(files);
    format!("{}\n", quoted.trim_end())
}

/// One attempt as the timeline says it: how the answer came (tokens and time), how it
/// merged, and how its run went (or what it waits for, unless the loop is `over`).
pub fn attempt_line(attempt: &Attempt, over: bool) -> String {
    let mut parts = Vec::new();
    match attempt.answered_ms {
        Some(at) => parts.push(format!(
            "{} tokens in {:.1} s",
            attempt.tokens,
            (at - attempt.sent_ms).max(0.0) / 1000.0
        )),
        None => parts.push("answering…".to_owned()),
    }
    match &attempt.merge {
        Some(Merge::Edits { matches }) => parts.push(match matches.len() {
            1 => "1 edit applied".to_owned(),
            n => format!("{n} edits applied"),
        }),
        Some(Merge::EditsFailed { error }) => parts.push(format!("edits did not apply: {error}")),
        Some(Merge::WholeFiles) if !attempt.diffs.is_empty() => parts.push("whole file".into()),
        Some(Merge::WholeFiles) | Some(Merge::NoCode) | None => {}
    }
    match (&attempt.verdict, attempt.answered_ms) {
        (Some(Verdict::Pass), _) => parts.push("passed".into()),
        (Some(Verdict::Fail { failure }), _) => parts.push(format!("failed: {}", failure.message)),
        (None, Some(_)) if !over && !matches!(attempt.merge, Some(Merge::EditsFailed { .. })) => {
            parts.push("running…".into())
        }
        (None, _) => {}
    }
    parts.join(" · ")
}

/// The turn's headline figure once it went green: how long from Send to working code, and
/// the working code's tokens per second of that time (the effective rate), when known.
pub fn time_to_green(end: Option<LoopEnd>, effective_rate: Option<f64>) -> Option<String> {
    let LoopEnd::Green { time_to_green_ms } = end? else {
        return None;
    };
    let seconds = time_to_green_ms / 1000.0;
    Some(match effective_rate {
        Some(rate) => format!(
            "Time to green: {seconds:.1} s · effective {} tok/s",
            grouped(rate.round() as u64)
        ),
        None => format!("Time to green: {seconds:.1} s"),
    })
}

impl LoopEnd {
    /// The status line a loop of `attempts` answers ends on.
    pub fn explain(&self, attempts: usize) -> StatusLine {
        let tries = |n: usize| {
            if n == 1 {
                "1 attempt".to_owned()
            } else {
                format!("{n} attempts")
            }
        };
        let (tone, text) = match *self {
            LoopEnd::Green { time_to_green_ms } if attempts <= 1 => (
                Tone::Done,
                format!(
                    "Works on the first try: green {:.1} s after Send.",
                    time_to_green_ms / 1000.0
                ),
            ),
            LoopEnd::Green { time_to_green_ms } => (
                Tone::Done,
                format!(
                    "Green after {}: working code {:.1} s after Send.",
                    tries(attempts),
                    time_to_green_ms / 1000.0
                ),
            ),
            LoopEnd::AttemptLimit => (
                Tone::Error,
                format!(
                    "Still failing after {} (the limit); the last error is in the result pane.",
                    tries(attempts)
                ),
            ),
            LoopEnd::SameErrorTwice => (
                Tone::Error,
                format!(
                    "Stopped after {}: the fix brought back the same error.",
                    tries(attempts)
                ),
            ),
            LoopEnd::NoCode => (
                Tone::Neutral,
                "The answer has no code to run, so nothing was checked.".to_owned(),
            ),
            LoopEnd::NotRun => (
                Tone::Error,
                "The code could not run here (see the result pane), so it was not checked."
                    .to_owned(),
            ),
            LoopEnd::Stopped => (
                Tone::Neutral,
                format!("Loop stopped after {}.", tries(attempts)),
            ),
        };
        StatusLine { tone, text }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_send_the_whole_exchange_under_the_edit_format() {
        let mut exchange = Exchange::new(vec![ChatMessage::user("a timer page")]);
        exchange.answered("```html\n<p>x</p>\n```\n");
        let messages = exchange.ask("fix it".into());
        let roles: Vec<Role> = messages.iter().map(|m| m.role).collect();
        assert_eq!(
            roles,
            [Role::System, Role::User, Role::Assistant, Role::User]
        );
        assert_eq!(messages[0].content, EDIT_FORMAT);
        assert_eq!(
            messages[1].content, "a timer page",
            "the first prompt stays first"
        );
        exchange.answered("an edit");
        assert_eq!(exchange.ask("again".into()).len(), 6);
    }

    #[test]
    fn a_loop_that_changed_the_code_keeps_the_working_files_in_its_answer() {
        assert_eq!(folded_answer("first", 1, &[]), "first");
        let files = [CodeFile::new("index.html", "html", "<p>fixed</p>\n")];
        assert_eq!(folded_answer("first\n", 1, &files), "first\n");
        assert_eq!(
            folded_answer("first\n", 2, &files),
            "first\n\nThe code after 2 attempts:\n\nindex.html\n```html\n<p>fixed</p>\n```\n"
        );
        assert_eq!(
            files_answer(&files),
            "index.html\n```html\n<p>fixed</p>\n```\n",
            "what Run answer takes: the working code alone"
        );
    }

    #[test]
    fn the_timeline_says_each_attempts_answer_merge_and_run() {
        use crate::edit::MatchKind;
        use crate::iterate::{Failure, FailureKind};
        let mut attempt = Attempt::new(1000.0);
        assert_eq!(attempt_line(&attempt, false), "answering…");
        attempt.answered_ms = Some(1600.0);
        attempt.tokens = 42;
        attempt.merge = Some(Merge::Edits {
            matches: vec![MatchKind::Exact],
        });
        assert_eq!(
            attempt_line(&attempt, false),
            "42 tokens in 0.6 s · 1 edit applied · running…"
        );
        assert_eq!(
            attempt_line(&attempt, true),
            "42 tokens in 0.6 s · 1 edit applied",
            "a loop that ended without a run waits for nothing"
        );
        attempt.verdict = Some(Verdict::Fail {
            failure: Failure {
                kind: FailureKind::Error,
                message: "TypeError: x is null".into(),
            },
        });
        assert_eq!(
            attempt_line(&attempt, true),
            "42 tokens in 0.6 s · 1 edit applied · failed: TypeError: x is null"
        );
        attempt.verdict = Some(Verdict::Pass);
        assert!(attempt_line(&attempt, true).ends_with("· passed"));
        let green = Some(LoopEnd::Green {
            time_to_green_ms: 2345.0,
        });
        assert_eq!(
            time_to_green(green, None),
            Some("Time to green: 2.3 s".into())
        );
        assert_eq!(
            time_to_green(green, Some(2309.6)),
            Some("Time to green: 2.3 s · effective 2,310 tok/s".into())
        );
        assert_eq!(time_to_green(Some(LoopEnd::Stopped), Some(10.0)), None);
        assert_eq!(time_to_green(None, None), None);
    }

    #[test]
    fn every_end_has_its_words() {
        let green = LoopEnd::Green {
            time_to_green_ms: 1234.0,
        };
        assert_eq!(
            green.explain(1).text,
            "Works on the first try: green 1.2 s after Send."
        );
        let fixed = green.explain(2);
        assert_eq!(
            (fixed.tone, fixed.text.as_str()),
            (
                Tone::Done,
                "Green after 2 attempts: working code 1.2 s after Send."
            )
        );
        assert_eq!(LoopEnd::AttemptLimit.explain(3).tone, Tone::Error);
        assert!(LoopEnd::AttemptLimit.explain(3).text.contains("3 attempts"));
        assert!(LoopEnd::SameErrorTwice
            .explain(2)
            .text
            .contains("same error"));
        assert_eq!(
            LoopEnd::Stopped.explain(1).text,
            "Loop stopped after 1 attempt."
        );
        assert_eq!(LoopEnd::NoCode.explain(1).tone, Tone::Neutral);
        assert!(LoopEnd::NotRun.explain(1).text.contains("not checked"));
    }
}
