//! One loop driven end to end, with no page attached: the messages each attempt sends, the
//! checks its runs carry, the run it waits for, and the step its caller takes next.
//!
//! The chat and every compare lane hold a [`Drive`]; they stream what [`Step::Send`] asks,
//! run what [`Step::Verify`] asks in their own result frame, and feed back what came.

use crate::edit::CodeFile;
use crate::provider::request::ChatMessage;
use crate::sandbox::live::{Reported, Settled, Verify};
use crate::sandbox::runnable::Runnable;

use super::checks::{model_checks, Check, CheckResult};
use super::turn::{files_answer, folded_answer, Exchange};
use super::{FixLoop, LoopEnd, Next};

/// What the caller does next.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Run this code with its checks and report with [`Drive::reported`].
    Verify(Verify),
    /// Send these messages to the same model: the next attempt.
    Send(Vec<ChatMessage>),
    /// The loop is over.
    Done(LoopEnd),
}

/// One loop under way: its [`FixLoop`], the exchange with the model and the run awaited.
#[derive(Debug, Clone)]
pub struct Drive {
    fix: FixLoop,
    exchange: Exchange,
    checks: Vec<Check>,
    /// The first answer as it came (what a chat turn keeps, with the working code once fixed).
    first_answer: Option<String>,
    /// The id of the run whose report the loop waits for.
    waiting: Option<u64>,
    /// The last watched run's check results.
    last_checks: Vec<CheckResult>,
}

impl Drive {
    /// A loop whose first request sent `messages` at `now_ms`, continuing from `files` (a
    /// follow-up's code; empty for a new program), with the user's `checks`.
    pub fn new(
        messages: Vec<ChatMessage>,
        files: Vec<CodeFile>,
        max_attempts: u32,
        checks: Vec<Check>,
        now_ms: f64,
    ) -> Self {
        Self {
            fix: FixLoop::continuing(files, max_attempts, now_ms),
            exchange: Exchange::new(messages),
            checks,
            first_answer: None,
            waiting: None,
            last_checks: Vec::new(),
        }
    }

    pub fn fix(&self) -> &FixLoop {
        &self.fix
    }

    pub fn first_answer(&self) -> Option<&str> {
        self.first_answer.as_deref().filter(|a| !a.is_empty())
    }

    /// The last watched run's check results.
    pub fn last_checks(&self) -> &[CheckResult] {
        &self.last_checks
    }

    /// An attempt's answer ended normally: merge it, then run (as run `id`), ask again or end.
    pub fn answered(&mut self, answer: &str, tokens: u64, now_ms: f64, id: u64) -> Step {
        self.exchange.answered(answer);
        self.first_answer.get_or_insert_with(|| answer.to_owned());
        self.checks.extend(model_checks(answer));
        let next = self.fix.answered(answer, tokens, now_ms);
        self.follow(next, id)
    }

    /// A watched run settled. `None` when it is not the run this loop waits for; else the
    /// next step (run `id` if it is another run).
    pub fn reported(&mut self, reported: Reported, now_ms: f64, id: u64) -> Option<Step> {
        if self.waiting != Some(reported.id) {
            return None;
        }
        self.waiting = None;
        let report = match reported.settled {
            Settled::Stopped => return Some(Step::Done(self.fix.stop())),
            Settled::Ran(report) if report.unavailable.is_some() => {
                return Some(Step::Done(self.fix.not_run()))
            }
            Settled::Ran(report) => report,
        };
        self.last_checks = report.checks.clone();
        let next = self.fix.ran(report.verdict(), now_ms);
        Some(self.follow(next, id))
    }

    /// Stop pressed, or the request failed: the loop ends now.
    pub fn stop(&mut self) -> LoopEnd {
        self.waiting = None;
        self.fix.stop()
    }

    /// The loop's end as the page tells it: a stop overrides nothing that already ended.
    pub fn end(&self) -> Option<LoopEnd> {
        self.fix.end()
    }

    /// The turn's answer as a chat keeps it: the first answer, with the working files in
    /// full once a fix changed them. `None` if no answer came.
    pub fn folded(&self) -> Option<String> {
        let first = self.first_answer()?;
        Some(folded_answer(
            first,
            self.fix.attempts().len(),
            self.fix.files(),
        ))
    }

    /// The code as it ended, fenced (what Run answer, Share and Download take once a fix
    /// changed it); `None` while the first answer's code stands.
    pub fn fixed_code(&self) -> Option<String> {
        (self.fix.attempts().len() > 1).then(|| files_answer(self.fix.files()))
    }

    fn follow(&mut self, next: Next, id: u64) -> Step {
        match next {
            Next::Run => match Runnable::from_files(self.fix.files()) {
                Some(runnable) => {
                    self.waiting = Some(id);
                    Step::Verify(Verify {
                        id,
                        runnable,
                        checks: self.checks.clone(),
                    })
                }
                None => Step::Done(self.fix.end().unwrap_or(LoopEnd::NoCode)),
            },
            Next::Send(request) => Step::Send(self.exchange.ask(request)),
            Next::Done(end) => Step::Done(end),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iterate::checks::{parse_checks, Author, RunReport};
    use crate::iterate::{Verdict, DEFAULT_MAX_ATTEMPTS};
    use crate::provider::request::Role;

    const PAGE: &str = "Here it is:\n\n```html\n<p id=x>1</p>\n```\n";

    fn drive() -> Drive {
        Drive::new(
            vec![ChatMessage::user("a page")],
            Vec::new(),
            DEFAULT_MAX_ATTEMPTS,
            parse_checks(
                "document.getElementById('x').textContent === '2'",
                Author::User,
            ),
            0.0,
        )
    }

    fn ran(id: u64, report: RunReport) -> Reported {
        Reported {
            id,
            settled: Settled::Ran(report),
        }
    }

    #[test]
    fn a_failing_run_asks_the_same_model_for_an_edit_and_its_fix_goes_green() {
        let mut drive = drive();
        let Step::Verify(verify) = drive.answered(PAGE, 20, 1_000.0, 1) else {
            panic!("the first answer's page runs");
        };
        assert_eq!((verify.id, verify.checks.len()), (1, 1));
        assert_eq!(
            drive.reported(ran(7, RunReport::default()), 1_100.0, 2),
            None
        );
        let failed = RunReport {
            errors: vec!["ReferenceError: y is not defined".into()],
            ..RunReport::default()
        };
        let Some(Step::Send(messages)) = drive.reported(ran(1, failed), 1_200.0, 2) else {
            panic!("a failure asks for a fix");
        };
        assert_eq!(messages.first().map(|m| m.role), Some(Role::System));
        assert_eq!(
            messages
                .iter()
                .filter(|m| m.role == Role::Assistant)
                .count(),
            1
        );
        assert!(messages
            .last()
            .is_some_and(|m| m.content.contains("y is not defined")));
        let edit =
            "```html\n<<<<<<< SEARCH\n<p id=x>1</p>\n=======\n<p id=x>2</p>\n>>>>>>> REPLACE\n```";
        let Step::Verify(verify) = drive.answered(edit, 9, 2_000.0, 3) else {
            panic!("the merged code runs");
        };
        assert!(
            matches!(&verify.runnable, Runnable::Page(page) if page.document().contains(">2<"))
        );
        let pass = Step::Done(LoopEnd::Green {
            time_to_green_ms: 2_500.0,
        });
        assert_eq!(
            drive.reported(ran(3, RunReport::default()), 2_500.0, 4),
            Some(pass)
        );
        assert!(matches!(
            drive.fix().attempts()[0].verdict,
            Some(Verdict::Fail { .. })
        ));
        assert!(drive
            .folded()
            .is_some_and(|a| a.contains(">2<") && a.starts_with("Here")));
        assert!(drive.fixed_code().is_some_and(|c| c.contains(">2<")));
    }

    #[test]
    fn stop_unavailable_and_no_code_end_the_loop_without_a_fix_request() {
        let mut drive = drive();
        drive.answered(PAGE, 20, 10.0, 1);
        let stopped = Reported {
            id: 1,
            settled: Settled::Stopped,
        };
        assert_eq!(
            drive.reported(stopped, 20.0, 2),
            Some(Step::Done(LoopEnd::Stopped))
        );

        let mut drive = self::drive();
        drive.answered(PAGE, 20, 10.0, 1);
        let unavailable = RunReport {
            unavailable: Some("Python could not load".into()),
            ..RunReport::default()
        };
        assert_eq!(
            drive.reported(ran(1, unavailable), 20.0, 2),
            Some(Step::Done(LoopEnd::NotRun))
        );

        let mut drive = self::drive();
        assert_eq!(
            drive.answered("No code, sorry.", 4, 10.0, 1),
            Step::Done(LoopEnd::NoCode)
        );
        assert_eq!(drive.fixed_code(), None);
        assert_eq!(drive.stop(), LoopEnd::NoCode, "an ended loop keeps its end");
    }

    #[test]
    fn the_models_own_checks_join_the_users() {
        let mut drive = drive();
        let answer = format!("{PAGE}\n```checks\n1 + 1 === 2\n```\n");
        let Step::Verify(verify) = drive.answered(&answer, 30, 10.0, 1) else {
            panic!("runs");
        };
        assert_eq!(verify.checks.len(), 2);
    }
}
