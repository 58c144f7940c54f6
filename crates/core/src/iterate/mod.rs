//! Run until it works: after each answer its code runs; a failure goes back to the same model
//! as a fix request (edits against the current code), until a run passes or the loop stops.
//!
//! [`FixLoop`] is the whole loop as one chat turn, clock injected: [`FixLoop::answered`]
//! turns an answer into the current files (the first answer's blocks, then edits, or whole
//! files once edits failed to apply), [`FixLoop::ran`] takes the run's [`Verdict`] and says
//! what to send next. It stops on a pass, at the attempt limit, when the same error comes
//! back twice, or on Stop. [`checks`] holds the user's and the model's assertions.

pub mod checks;
pub mod drive;
pub mod turn;

use serde::{Deserialize, Serialize};

use crate::edit::diff::{diff_lines, FileDiff};
use crate::edit::{apply_edits, parse_reply, prompt, ApplyError, CodeFile, MatchKind};
use crate::run::estimate::estimate_tokens;

/// Attempts a loop makes by default, the first answer included.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;

/// How one run of the code went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail { failure: Failure },
}

/// Why a run failed, in the words the model is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureKind {
    /// An uncaught error or an unhandled rejection in the page.
    Error,
    /// A Python traceback.
    Traceback,
    /// A check that did not hold.
    Check,
    /// Killed past its time limit or for not answering.
    Killed,
}

impl Failure {
    /// The failure with numbers (line and column, counts, addresses) left out, so the same
    /// error at another line is still the same error.
    fn identity(&self) -> String {
        let mut out = String::with_capacity(self.message.len());
        let mut in_number = false;
        for c in self.message.trim().chars() {
            if c.is_ascii_digit() {
                if !in_number {
                    out.push('#');
                }
                in_number = true;
            } else {
                in_number = false;
                out.push(c);
            }
        }
        format!("{:?}:{out}", self.kind)
    }
}

/// How an answer became the current code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "how", rename_all = "kebab-case")]
pub enum Merge {
    /// The answer's code blocks are the files (a first answer, or whole files after edits
    /// that did not apply).
    WholeFiles,
    /// Edits applied to the current files.
    Edits { matches: Vec<MatchKind> },
    /// The answer's edits did not apply; the current code is unchanged.
    EditsFailed { error: String },
    /// The answer held no code at all.
    NoCode,
}

/// One answer of the loop and the run of its code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// Milliseconds from the loop's start, on the caller's clock.
    pub sent_ms: f64,
    pub answered_ms: Option<f64>,
    pub tokens: u64,
    pub merge: Option<Merge>,
    /// What the answer changed, per file name (empty for a first answer).
    pub diffs: Vec<(String, FileDiff)>,
    pub verdict: Option<Verdict>,
    pub verdict_ms: Option<f64>,
}

impl Attempt {
    pub(crate) fn new(sent_ms: f64) -> Self {
        Self {
            sent_ms,
            answered_ms: None,
            tokens: 0,
            merge: None,
            diffs: Vec::new(),
            verdict: None,
            verdict_ms: None,
        }
    }
}

/// Why a loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "end", rename_all = "kebab-case")]
pub enum LoopEnd {
    /// A run passed: working code, this long after Send.
    Green {
        time_to_green_ms: f64,
    },
    /// Every attempt failed.
    AttemptLimit,
    /// A fix brought back the error it was asked to fix.
    SameErrorTwice,
    /// The answer had no code to run.
    NoCode,
    /// The code could not run here (Python could not load): nothing to fix.
    NotRun,
    Stopped,
}

/// What the caller does next.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    /// Run the current files.
    Run,
    /// Send this prompt to the same model as the next attempt.
    Send(String),
    /// The loop is over.
    Done(LoopEnd),
}

/// One prompt's loop, from Send to green (or giving up).
#[derive(Debug, Clone, PartialEq)]
pub struct FixLoop {
    max_attempts: u32,
    started_ms: f64,
    attempts: Vec<Attempt>,
    files: Vec<CodeFile>,
    asked_whole_files: bool,
    last_failure: Option<Failure>,
    end: Option<LoopEnd>,
}

impl FixLoop {
    /// A loop whose first request left at `now_ms`. `max_attempts` is at least 1.
    pub fn new(max_attempts: u32, now_ms: f64) -> Self {
        Self::continuing(Vec::new(), max_attempts, now_ms)
    }

    /// A loop that starts from code that already exists (a follow-up asking for a change):
    /// its first answer is read as edits to `files`; a first answer without edits is a new
    /// program, which replaces them.
    pub fn continuing(files: Vec<CodeFile>, max_attempts: u32, now_ms: f64) -> Self {
        Self {
            max_attempts: max_attempts.max(1),
            started_ms: now_ms,
            attempts: vec![Attempt::new(0.0)],
            files,
            asked_whole_files: false,
            last_failure: None,
            end: None,
        }
    }

    pub fn attempts(&self) -> &[Attempt] {
        &self.attempts
    }

    /// The current code: every answer so far merged.
    pub fn files(&self) -> &[CodeFile] {
        &self.files
    }

    pub fn end(&self) -> Option<LoopEnd> {
        self.end
    }

    /// Merges the latest answer into the current code. `Run` when there is code to run;
    /// `Send` with the whole-files request when its edits did not apply (asked once).
    pub fn answered(&mut self, answer: &str, tokens: u64, now_ms: f64) -> Next {
        if let Some(end) = self.end {
            return Next::Done(end);
        }
        let at = now_ms - self.started_ms;
        let reply = parse_reply(answer);
        if self.attempts.len() == 1 && reply.edits.is_empty() {
            self.files.clear();
        }
        let before = self.files.clone();
        let (merge, next) = if self.files.is_empty() || reply.edits.is_empty() {
            self.take_whole_files(&reply.blocks)
        } else {
            match apply_edits(&self.files, &reply.edits) {
                Ok(applied) if !reply.malformed => {
                    self.files = applied.files;
                    (
                        Merge::Edits {
                            matches: applied.matches,
                        },
                        Next::Run,
                    )
                }
                result => {
                    let error = match result {
                        Err(error) => error,
                        Ok(_) => ApplyError::NoEdits,
                    };
                    self.edits_failed(&error)
                }
            }
        };
        let diffs = changed(&before, &self.files);
        let attempt = self.current();
        attempt.answered_ms = Some(at);
        attempt.tokens = tokens;
        attempt.merge = Some(merge);
        attempt.diffs = diffs;
        if let Next::Send(_) = next {
            let attempt = Attempt::new(at);
            self.attempts.push(attempt);
        }
        if let Next::Done(end) = next {
            self.end = Some(end);
        }
        next
    }

    /// Takes the run's verdict on the current code; says whether to send a fix or stop.
    pub fn ran(&mut self, verdict: Verdict, now_ms: f64) -> Next {
        if let Some(end) = self.end {
            return Next::Done(end);
        }
        let at = now_ms - self.started_ms;
        let attempt = self.current();
        attempt.verdict = Some(verdict.clone());
        attempt.verdict_ms = Some(at);
        let end = match verdict {
            Verdict::Pass => LoopEnd::Green {
                time_to_green_ms: at,
            },
            Verdict::Fail { failure } => {
                let repeated = self
                    .last_failure
                    .as_ref()
                    .is_some_and(|last| last.identity() == failure.identity());
                if repeated {
                    LoopEnd::SameErrorTwice
                } else if self.attempts.len() as u32 >= self.max_attempts {
                    LoopEnd::AttemptLimit
                } else {
                    let prompt = prompt::fix_request(&self.files, &describe(&failure));
                    self.last_failure = Some(failure);
                    self.attempts.push(Attempt::new(at));
                    return Next::Send(prompt);
                }
            }
        };
        self.end = Some(end);
        Next::Done(end)
    }

    /// The run could not happen at all: the loop ends without a verdict.
    pub fn not_run(&mut self) -> LoopEnd {
        *self.end.get_or_insert(LoopEnd::NotRun)
    }

    /// Stop pressed: the loop ends now, whatever it was waiting for.
    pub fn stop(&mut self) -> LoopEnd {
        *self.end.get_or_insert(LoopEnd::Stopped)
    }

    /// Once green: tokens of the working code (estimated from its text) per second of time
    /// to green. How fast working code came, against the raw rate of what the model sent
    /// (an edit sends few tokens for a whole file's worth of result).
    pub fn effective_rate(&self) -> Option<f64> {
        let LoopEnd::Green { time_to_green_ms } = self.end? else {
            return None;
        };
        let tokens: u64 = self.files.iter().map(|f| estimate_tokens(&f.text)).sum();
        (time_to_green_ms > 0.0).then(|| tokens as f64 / (time_to_green_ms / 1000.0))
    }

    fn current(&mut self) -> &mut Attempt {
        if self.attempts.is_empty() {
            self.attempts.push(Attempt::new(0.0));
        }
        let last = self.attempts.len() - 1;
        &mut self.attempts[last]
    }

    fn take_whole_files(&mut self, blocks: &[crate::edit::FencedCode]) -> (Merge, Next) {
        // A ```checks fence holds assertions, not a file of the program.
        let code: Vec<_> = blocks
            .iter()
            .filter(|b| !b.text.trim().is_empty() && !b.label.eq_ignore_ascii_case("checks"))
            .collect();
        if code.is_empty() {
            return (Merge::NoCode, Next::Done(LoopEnd::NoCode));
        }
        for block in code {
            let name = block.name.clone().unwrap_or_else(|| block.label.clone());
            // The file of that name, else the one file of that language (a first answer's
            // unnamed `html` block is the `index.html` a later answer names).
            let same_language: Vec<usize> = (0..self.files.len())
                .filter(|&i| self.files[i].answers_to(&block.label))
                .collect();
            let existing =
                self.files
                    .iter()
                    .position(|f| f.is_named(&name))
                    .or(match same_language[..] {
                        [one] => Some(one),
                        _ => None,
                    });
            match existing {
                Some(i) => {
                    let file = &mut self.files[i];
                    file.text = block.text.clone();
                    if block.name.is_some() {
                        file.name = name;
                    }
                }
                None => {
                    self.files
                        .push(CodeFile::new(name, block.label.clone(), block.text.clone()))
                }
            }
        }
        (Merge::WholeFiles, Next::Run)
    }

    fn edits_failed(&mut self, error: &ApplyError) -> (Merge, Next) {
        let merge = Merge::EditsFailed {
            error: error.to_string(),
        };
        if self.asked_whole_files || self.attempts.len() as u32 >= self.max_attempts {
            return (merge, Next::Done(LoopEnd::AttemptLimit));
        }
        self.asked_whole_files = true;
        (merge, Next::Send(prompt::whole_file_request(error)))
    }
}

/// The failure as the fix request quotes it.
fn describe(failure: &Failure) -> String {
    match failure.kind {
        FailureKind::Check => format!("A check failed: {}", failure.message),
        FailureKind::Killed => format!("The run was stopped: {}", failure.message),
        FailureKind::Error | FailureKind::Traceback => failure.message.clone(),
    }
}

/// The diff of every file that changed between `before` and `after` (none for new files of
/// a first answer). Files keep their places (replaced in place, new ones appended), so a
/// file is compared with the one at its index, even when an answer renamed it.
fn changed(before: &[CodeFile], after: &[CodeFile]) -> Vec<(String, FileDiff)> {
    after
        .iter()
        .zip(before)
        .filter_map(|(file, old)| {
            let diff = diff_lines(&old.text, &file.text, 3);
            (!diff.is_empty()).then(|| (file.name.clone(), diff))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BROKEN: &str = "Here is the page.\n\n```html\n<button id=\"go\">Go</button>\n<script>\ndocument.getElementById('start').onclick = () => {};\n</script>\n```\n";
    const FIX: &str = "The id was wrong.\n\nindex.html\n<<<<<<< SEARCH\ndocument.getElementById('start')\n=======\ndocument.getElementById('go')\n>>>>>>> REPLACE\n";

    fn fail(message: &str) -> Verdict {
        Verdict::Fail {
            failure: Failure {
                kind: FailureKind::Error,
                message: message.into(),
            },
        }
    }

    #[test]
    fn red_then_a_fix_by_edit_then_green_with_its_time() {
        let mut run = FixLoop::new(3, 1000.0);
        assert_eq!(run.answered(BROKEN, 40, 1500.0), Next::Run);
        assert_eq!(run.files()[0].name, "html");
        let next = run.ran(
            fail("TypeError: Cannot set properties of null (setting 'onclick') (line 3)"),
            1600.0,
        );
        let Next::Send(prompt) = next else {
            panic!("a fix is asked for: {next:?}")
        };
        assert!(
            prompt.contains("document.getElementById('start')"),
            "{prompt}"
        );
        assert!(prompt.contains("Cannot set properties of null"), "{prompt}");
        assert_eq!(run.answered(FIX, 12, 1800.0), Next::Run);
        assert!(run.files()[0].text.contains("getElementById('go')"));
        let attempt = &run.attempts()[1];
        assert_eq!(
            attempt.merge,
            Some(Merge::Edits {
                matches: vec![MatchKind::Exact]
            })
        );
        assert_eq!(attempt.diffs[0].1.added, 1);
        assert_eq!(
            run.ran(Verdict::Pass, 1900.0),
            Next::Done(LoopEnd::Green {
                time_to_green_ms: 900.0
            })
        );
        assert_eq!(run.attempts().len(), 2);
        assert_eq!(
            run.ran(Verdict::Pass, 2000.0),
            Next::Done(run.end().unwrap())
        );
    }

    #[test]
    fn the_same_error_twice_stops_early_even_at_another_line() {
        let mut run = FixLoop::new(5, 0.0);
        run.answered(BROKEN, 40, 100.0);
        assert!(matches!(
            run.ran(fail("ReferenceError: x is not defined (line 3)"), 200.0),
            Next::Send(_)
        ));
        run.answered(FIX, 10, 300.0);
        assert_eq!(
            run.ran(fail("ReferenceError: x is not defined (line 4)"), 400.0),
            Next::Done(LoopEnd::SameErrorTwice)
        );
    }

    #[test]
    fn a_loop_that_keeps_failing_stops_at_the_attempt_limit() {
        let mut run = FixLoop::new(2, 0.0);
        run.answered(BROKEN, 40, 100.0);
        assert!(matches!(run.ran(fail("Error one"), 200.0), Next::Send(_)));
        run.answered(FIX, 10, 300.0);
        assert_eq!(
            run.ran(fail("Error two"), 400.0),
            Next::Done(LoopEnd::AttemptLimit)
        );
        assert_eq!(run.attempts().len(), 2);
    }

    #[test]
    fn edits_that_do_not_apply_ask_once_for_whole_files() {
        let mut run = FixLoop::new(3, 0.0);
        run.answered(BROKEN, 40, 100.0);
        run.ran(fail("TypeError"), 200.0);
        let bad = "<<<<<<< SEARCH\nnot in the file\n=======\nx\n>>>>>>> REPLACE\n";
        let Next::Send(prompt) = run.answered(bad, 5, 300.0) else {
            panic!("whole files asked for")
        };
        assert!(prompt.contains("could not be applied"), "{prompt}");
        assert!(matches!(
            run.attempts()[1].merge,
            Some(Merge::EditsFailed { .. })
        ));
        let whole = "index.html\n```html\n<button id=\"go\">Go</button>\n```\n\n```checks\ndocument.getElementById('go')\n```\n";
        assert_eq!(run.answered(whole, 20, 400.0), Next::Run);
        assert_eq!(
            run.files().len(),
            1,
            "the whole file replaced the one of its language; checks are no file"
        );
        assert_eq!(
            run.files()[0].name,
            "index.html",
            "it took the answer's name"
        );
        assert_eq!(run.files()[0].text, "<button id=\"go\">Go</button>\n");
        assert_eq!(run.attempts()[2].merge, Some(Merge::WholeFiles));
        assert_eq!(run.attempts()[2].diffs[0].1.removed, 3);
    }

    #[test]
    fn an_answer_without_code_ends_the_loop() {
        let mut run = FixLoop::new(3, 0.0);
        assert_eq!(
            run.answered("I cannot help with that.", 6, 50.0),
            Next::Done(LoopEnd::NoCode)
        );
    }

    #[test]
    fn a_run_that_could_not_happen_ends_the_loop_without_a_fix() {
        let mut run = FixLoop::new(3, 0.0);
        run.answered(BROKEN, 40, 100.0);
        assert_eq!(run.not_run(), LoopEnd::NotRun);
        assert_eq!(run.ran(fail("x"), 200.0), Next::Done(LoopEnd::NotRun));
        assert_eq!(run.attempts().len(), 1);
    }

    #[test]
    fn stop_ends_the_loop_at_once_and_later_results_are_ignored() {
        let mut run = FixLoop::new(3, 0.0);
        run.answered(BROKEN, 40, 100.0);
        assert_eq!(run.stop(), LoopEnd::Stopped);
        assert_eq!(run.ran(Verdict::Pass, 200.0), Next::Done(LoopEnd::Stopped));
        assert_eq!(run.stop(), LoopEnd::Stopped);
    }

    #[test]
    fn a_follow_up_edits_existing_code_and_the_effective_rate_counts_the_result() {
        let files = vec![CodeFile::new("index.html", "html", "<p id=s>0</p>\n")];
        let mut run = FixLoop::continuing(files, 3, 0.0);
        let edit = "index.html\n<<<<<<< SEARCH\n<p id=s>0</p>\n=======\n<p id=s>0</p>\n<button>Restart</button>\n>>>>>>> REPLACE\n";
        assert_eq!(run.answered(edit, 15, 250.0), Next::Run);
        assert_eq!(
            run.files()[0].text,
            "<p id=s>0</p>\n<button>Restart</button>\n"
        );
        assert_eq!(run.effective_rate(), None, "not green yet");
        assert!(matches!(
            run.ran(Verdict::Pass, 500.0),
            Next::Done(LoopEnd::Green { .. })
        ));
        // The merged file's tokens over the 0.5 s to green, whatever the edit itself cost.
        let file = estimate_tokens("<p id=s>0</p>\n<button>Restart</button>\n");
        assert_eq!(run.effective_rate(), Some(file as f64 / 0.5));
    }

    #[test]
    fn a_follow_up_answered_with_a_new_program_starts_over() {
        let files = vec![CodeFile::new("index.html", "html", "<p>old</p>\n")];
        let mut run = FixLoop::continuing(files, 3, 0.0);
        assert_eq!(
            run.answered("```js\nconsole.log(1)\n```\n", 8, 100.0),
            Next::Run
        );
        assert_eq!(run.files().len(), 1, "the old page is not part of it");
        assert_eq!(run.files()[0].text, "console.log(1)\n");
        assert!(
            run.attempts()[0].diffs.is_empty(),
            "nothing to compare it with"
        );
    }

    #[test]
    fn verdicts_and_ends_serialise_for_receipts() {
        let json = serde_json::to_string(&LoopEnd::Green {
            time_to_green_ms: 1234.0,
        })
        .unwrap();
        assert_eq!(json, r#"{"end":"green","time_to_green_ms":1234.0}"#);
        let json = serde_json::to_string(&fail("x")).unwrap();
        assert_eq!(
            json,
            r#"{"verdict":"fail","failure":{"kind":"error","message":"x"}}"#
        );
    }
}
