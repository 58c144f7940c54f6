//! Checks attached to a prompt: JavaScript expressions evaluated in the running page, or
//! Python `assert`s run after the program; a run passes only if it ran clean and all held.
//!
//! The user writes one check per line; the model may add its own in a ```checks fence,
//! kept apart so a reader can tell whose they are. [`RunReport::verdict`] folds a run's
//! errors, kill and check results into the loop's [`Verdict`].

use serde::{Deserialize, Serialize};

use super::{Failure, FailureKind, Verdict};

/// How long a page's run stays watched after its load and checks: an error thrown by a timer
/// or a promise the page started while loading (a stand-in request, an animation's first
/// frame) still fails the run, as it would fail the person looking at it.
pub const SETTLE_MS: f64 = 500.0;

/// Who wrote a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Author {
    User,
    Model,
}

/// One check: a JavaScript expression that must be truthy in the page, or a Python statement
/// (usually an `assert`) that must not raise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub author: Author,
    pub code: String,
}

/// The checks in `text`, one per line; blank lines and `//` or `#` comments are skipped.
pub fn parse_checks(text: &str, author: Author) -> Vec<Check> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//") && !l.starts_with('#'))
        .map(|code| Check {
            author,
            code: code.to_string(),
        })
        .collect()
}

/// The checks a model wrote in its answer, in fences labelled `checks`.
pub fn model_checks(answer: &str) -> Vec<Check> {
    crate::edit::parse_reply(answer)
        .blocks
        .iter()
        .filter(|b| b.label.eq_ignore_ascii_case("checks"))
        .flat_map(|b| parse_checks(&b.text, Author::Model))
        .collect()
}

/// A check after a run: whether it held, and the error or value when it did not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub check: Check,
    pub passed: bool,
    pub detail: Option<String>,
}

/// What one run showed: its uncaught errors (or Python traceback), whether it was killed,
/// and every check's result.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RunReport {
    pub errors: Vec<String>,
    pub python: bool,
    pub killed: Option<String>,
    pub checks: Vec<CheckResult>,
    /// Why the code could not run here at all (no verdict on it), if so.
    #[serde(default)]
    pub unavailable: Option<String>,
}

impl RunReport {
    /// Pass only if nothing failed: a kill first, then the first error, then the first check
    /// that did not hold.
    pub fn verdict(&self) -> Verdict {
        let failure = if let Some(reason) = &self.killed {
            Some((FailureKind::Killed, reason.clone()))
        } else if let Some(error) = self.errors.first() {
            let kind = if self.python {
                FailureKind::Traceback
            } else {
                FailureKind::Error
            };
            Some((kind, error.clone()))
        } else {
            self.checks.iter().find(|c| !c.passed).map(|c| {
                let detail = c
                    .detail
                    .as_deref()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default();
                (FailureKind::Check, format!("{}{detail}", c.check.code))
            })
        };
        match failure {
            None => Verdict::Pass,
            Some((kind, message)) => Verdict::Fail {
                failure: Failure { kind, message },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_checks_are_one_a_line_without_comments() {
        let checks = parse_checks(
            "document.querySelectorAll('.cell').length === 81\n\n// the title\ndocument.title !== ''\n# py comment\n",
            Author::User,
        );
        let code: Vec<&str> = checks.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(
            code,
            [
                "document.querySelectorAll('.cell').length === 81",
                "document.title !== ''"
            ]
        );
    }

    #[test]
    fn the_models_checks_come_from_its_checks_fence_only() {
        let answer = "```python\nprint(add(2, 2))\n```\n\nChecks:\n\n```checks\nassert add(2, 2) == 4\nassert add(-1, 1) == 0\n```\n";
        let checks = model_checks(answer);
        assert_eq!(checks.len(), 2);
        assert!(checks.iter().all(|c| c.author == Author::Model));
        assert_eq!(checks[0].code, "assert add(2, 2) == 4");
    }

    fn check(code: &str, passed: bool, detail: Option<&str>) -> CheckResult {
        CheckResult {
            check: Check {
                author: Author::User,
                code: code.into(),
            },
            passed,
            detail: detail.map(str::to_string),
        }
    }

    #[test]
    fn a_clean_run_with_every_check_holding_passes() {
        let report = RunReport {
            checks: vec![check("a === 1", true, None)],
            ..RunReport::default()
        };
        assert_eq!(report.verdict(), Verdict::Pass);
        assert_eq!(RunReport::default().verdict(), Verdict::Pass);
    }

    #[test]
    fn a_kill_then_an_error_then_a_failed_check_decide_the_failure() {
        let mut report = RunReport {
            errors: vec!["ZeroDivisionError: division by zero".into()],
            python: true,
            killed: None,
            checks: vec![check("assert total == 10", false, Some("AssertionError"))],
            unavailable: None,
        };
        let failure = |r: &RunReport| match r.verdict() {
            Verdict::Fail { failure } => (failure.kind, failure.message),
            Verdict::Pass => panic!("it failed"),
        };
        assert_eq!(
            failure(&report),
            (
                FailureKind::Traceback,
                "ZeroDivisionError: division by zero".into()
            )
        );
        report.errors.clear();
        assert_eq!(
            failure(&report),
            (
                FailureKind::Check,
                "assert total == 10 (AssertionError)".into()
            )
        );
        report.killed = Some("it ran past its 5 s limit".into());
        assert_eq!(failure(&report).0, FailureKind::Killed);
    }
}
