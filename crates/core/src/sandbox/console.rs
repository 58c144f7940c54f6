//! The run's console as the user reads it: the runner's messages turned into lines with
//! their source location, capped at 1,000 lines of output per run with one note after.

use super::protocol::{Level, Message};
use super::python;
use super::runnable::Runnable;

/// Lines of the code's own output shown per run; the app's own lines always show.
pub const MAX_LINES: usize = 1000;

/// How a line is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Log,
    Info,
    Warn,
    Error,
    Debug,
    /// A line from the app about the run (started, done, killed, capped).
    System,
}

impl Kind {
    /// The CSS class of a line of this kind.
    pub fn class(self) -> &'static str {
        match self {
            Self::Log => "log",
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
            Self::Debug => "debug",
            Self::System => "system",
        }
    }
}

impl From<Level> for Kind {
    fn from(level: Level) -> Self {
        match level {
            Level::Log => Self::Log,
            Level::Info => Self::Info,
            Level::Warn => Self::Warn,
            Level::Error => Self::Error,
            Level::Debug => Self::Debug,
        }
    }
}

/// One console line; shown as plain text, never as markup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub kind: Kind,
    pub text: String,
    /// Where it came from, e.g. `js:12` or `line 3`.
    pub location: Option<String>,
}

impl Line {
    pub fn system(text: impl Into<String>) -> Self {
        Self {
            kind: Kind::System,
            text: text.into(),
            location: None,
        }
    }
}

/// The lines a runner message adds to the console of `runnable`'s run.
pub fn lines_for(message: Message, runnable: &Runnable) -> Vec<Line> {
    match message {
        Message::Console { level, text, line } => vec![Line {
            kind: level.into(),
            text,
            location: line.map(|l| runnable.locate(l)),
        }],
        Message::Error { message, line } => match runnable {
            Runnable::Python(_) => python_error(&message),
            Runnable::Page(_) => vec![Line {
                kind: Kind::Error,
                text: message,
                location: line.map(|l| runnable.locate(l)),
            }],
        },
        Message::Unavailable { message } => vec![Line {
            kind: Kind::Error,
            text: message,
            location: None,
        }],
        Message::Check {
            index,
            passed,
            detail,
        } => {
            let verdict = if passed { "passed" } else { "failed" };
            let detail = detail.map(|d| format!(": {d}")).unwrap_or_default();
            vec![Line {
                kind: if passed { Kind::Info } else { Kind::Error },
                text: format!("Check {} {verdict}{detail}", index + 1),
                location: None,
            }]
        }
        Message::Ready
        | Message::Started
        | Message::Heartbeat
        | Message::Progress { .. }
        | Message::Done { .. } => Vec::new(),
    }
}

fn python_error(traceback: &str) -> Vec<Line> {
    let Some(error) = python::explain(traceback) else {
        return Vec::new();
    };
    let mut lines = vec![Line {
        kind: Kind::Error,
        text: error.text,
        location: error.line.map(|l| format!("line {l}")),
    }];
    lines.extend(error.hint.map(Line::system));
    lines
}

/// Counts one run's output against the cap.
#[derive(Debug, Default)]
pub struct Console {
    shown: usize,
    capped: bool,
}

impl Console {
    pub fn new() -> Self {
        Self::default()
    }

    /// What to show for `line`: the line itself, the cap note in place of the first line
    /// over the cap, or nothing after that. The app's own lines always show.
    pub fn admit(&mut self, line: Line) -> Option<Line> {
        if line.kind == Kind::System {
            return Some(line);
        }
        if self.shown < MAX_LINES {
            self.shown += 1;
            return Some(line);
        }
        if self.capped {
            return None;
        }
        self.capped = true;
        Some(Line::system(format!(
            "Output capped at {MAX_LINES} lines: the rest of this run's output is not shown."
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(text: &str) -> Line {
        Line {
            kind: Kind::Log,
            text: text.into(),
            location: None,
        }
    }

    #[test]
    fn output_is_capped_with_one_note_but_system_lines_always_show() {
        let mut console = Console::new();
        for i in 0..MAX_LINES {
            assert_eq!(
                console.admit(log(&i.to_string())),
                Some(log(&i.to_string()))
            );
        }
        let note = console.admit(log("over")).expect("a note");
        assert_eq!(note.kind, Kind::System);
        assert!(note.text.contains("capped at 1000 lines"), "{}", note.text);
        assert_eq!(console.admit(log("more")), None);
        assert_eq!(
            console.admit(Line::system("killed")),
            Some(Line::system("killed"))
        );
    }

    #[test]
    fn page_lines_point_at_their_block() {
        let page = Runnable::block("js", "let a = 1;\nconsole.log(a);\nboom();").expect("js");
        let doc = page.code().to_owned();
        let line_of = |needle: &str| {
            let at = doc.find(needle).expect("in document");
            u32::try_from(doc[..at].matches('\n').count() + 1).expect("small")
        };
        let lines = lines_for(
            Message::Console {
                level: Level::Warn,
                text: "1".into(),
                line: Some(line_of("console.log")),
            },
            &page,
        );
        assert_eq!(
            lines,
            vec![Line {
                kind: Kind::Warn,
                text: "1".into(),
                location: Some("js:2".into())
            }]
        );
        let error = lines_for(
            Message::Error {
                message: "ReferenceError: boom is not defined".into(),
                line: Some(line_of("boom")),
            },
            &page,
        );
        assert_eq!(error[0].location.as_deref(), Some("js:3"));
        assert!(lines_for(Message::Heartbeat, &page).is_empty());
        let check = |passed, detail: Option<&str>| Message::Check {
            index: 1,
            passed,
            detail: detail.map(str::to_string),
        };
        let failed = lines_for(check(false, Some("got 80")), &page);
        assert_eq!(
            (failed[0].kind, failed[0].text.as_str()),
            (Kind::Error, "Check 2 failed: got 80")
        );
        let passed = lines_for(check(true, None), &page);
        assert_eq!(
            (passed[0].kind, passed[0].text.as_str()),
            (Kind::Info, "Check 2 passed")
        );
    }

    #[test]
    fn python_errors_are_explained_and_clean_exits_are_silent() {
        let python = Runnable::block("python", "import numpy").expect("python");
        let traceback = "Traceback (most recent call last):\n  File \"<exec>\", line 1, in <module>\nModuleNotFoundError: No module named 'numpy'\n";
        let lines = lines_for(
            Message::Error {
                message: traceback.into(),
                line: None,
            },
            &python,
        );
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].location.as_deref(), Some("line 1"));
        assert_eq!(lines[1].kind, Kind::System);
        let exit = lines_for(
            Message::Error {
                message: "SystemExit: 0".into(),
                line: None,
            },
            &python,
        );
        assert!(exit.is_empty());
    }
}
