//! Fast-apply edits: a fix or a follow-up is answered with search/replace blocks (or a unified
//! diff) against the current code instead of a whole new file; parsed, applied and diffed here.
//!
//! The flow: [`prompt`] asks for edits in the documented format, [`parse`] reads them out of
//! an ordinary markdown answer (prose, fences, several files), [`apply`] merges them into the
//! current [`CodeFile`]s (exact, then whitespace-tolerant matching; a missing or ambiguous
//! match is a typed error, and the caller then asks once for the whole file), and [`diff`]
//! shows what changed.

pub mod apply;
pub mod diff;
pub mod parse;
pub mod prompt;

use serde::{Deserialize, Serialize};

use crate::markdown::lang::FenceLang;

pub use apply::{apply_edits, Applied, ApplyError, MatchKind};
pub use parse::{parse_reply, Edit, FencedCode, Reply};

/// One file of the code a turn works on: its name (`index.html`, or the fence label when the
/// answer named none), its fence label (`html`, `python`, …) and its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeFile {
    pub name: String,
    pub label: String,
    pub text: String,
}

impl CodeFile {
    pub fn new(name: impl Into<String>, label: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            label: label.into(),
            text: text.into(),
        }
    }

    /// Whether an edit's file hint (`index.html`, `./src/app.js`) is this file's name or
    /// its path ends in it.
    pub fn is_named(&self, hint: &str) -> bool {
        let hint = hint.trim().trim_start_matches("./");
        let base = hint.rsplit('/').next().unwrap_or(hint);
        base.eq_ignore_ascii_case(&self.name) || hint.eq_ignore_ascii_case(&self.name)
    }

    /// Whether an edit's file hint (`index.html`, `main.py`, `html`) could mean this file:
    /// its name, or a language (by extension or label) the same as this file's.
    pub fn answers_to(&self, hint: &str) -> bool {
        if self.is_named(hint) {
            return true;
        }
        let language = |name: &str| {
            let word = name
                .rsplit_once('.')
                .map_or(name, |(_, extension)| extension);
            FenceLang::from_label(word).map(FenceLang::name)
        };
        let base = hint.trim().rsplit('/').next().unwrap_or(hint);
        let wanted = language(base);
        wanted.is_some() && (wanted == language(&self.label) || wanted == language(&self.name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_answers_to_its_name_path_extension_or_label() {
        let page = CodeFile::new("index.html", "html", "");
        assert!(page.answers_to("index.html"));
        assert!(page.answers_to("./site/index.html"));
        assert!(page.answers_to("html"));
        assert!(page.answers_to("other.html"), "one file of its kind");
        assert!(!page.answers_to("app.js"));
        let unnamed = CodeFile::new("python", "python", "");
        assert!(unnamed.answers_to("python"));
        assert!(
            unnamed.answers_to("main.py"),
            "py and python are one language"
        );
        assert!(!unnamed.answers_to("notes.txt"));
    }
}
