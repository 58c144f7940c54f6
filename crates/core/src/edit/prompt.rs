//! What Sparkplug asks a model when it wants edits instead of a new file: the edit format
//! (a system message), fix and change requests that quote the current files, and the
//! one-time request for whole files when an answer's edits did not apply.

use super::{ApplyError, CodeFile};

/// The system message for a turn that should answer with edits. Plain instructions, so any
/// model can follow them; the parser also takes unified diffs and whole files.
pub const EDIT_FORMAT: &str = "\
You edit existing code. Answer with search/replace blocks, not whole files:

path/to/file.ext
<<<<<<< SEARCH
lines copied exactly from the current file, enough to match one place
=======
the lines that replace them
>>>>>>> REPLACE

Put the file name on the line before each block. Use several blocks for several places. \
Keep SEARCH short but unique. To add code, search for the line before it and repeat it in \
REPLACE. Say in one sentence what you changed; do not repeat unchanged code.";

/// A fence around `code` longer than any backtick run in it, so code that itself holds
/// fences stays one block.
pub fn fence_for(code: &str) -> String {
    let longest = code.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// The current files, each fenced under its name (a blank line after each).
pub fn quoted(files: &[CodeFile]) -> String {
    let mut text = String::new();
    for file in files {
        let code = file.text.strip_suffix('\n').unwrap_or(&file.text);
        let fence = fence_for(code);
        text.push_str(&format!(
            "{}\n{fence}{}\n{code}\n{fence}\n\n",
            file.name, file.label
        ));
    }
    text
}

/// Asks for edits that make the code run: the files and what went wrong.
pub fn fix_request(files: &[CodeFile], failure: &str) -> String {
    format!(
        "The current code:\n\n{}It fails when it runs:\n\n{}\n\n\
         Fix it with search/replace blocks.",
        quoted(files),
        failure.trim()
    )
}

/// Asks for edits that make the change the user asked for.
pub fn change_request(files: &[CodeFile], request: &str) -> String {
    format!(
        "The current code:\n\n{}{}\n\nAnswer with search/replace blocks.",
        quoted(files),
        request.trim()
    )
}

/// What the request for whole files asks, after saying why; a demo model knows the request
/// by it.
pub const WHOLE_FILES: &str = "Reply with the whole corrected code instead: every file in full, \
     each in one fenced block under its file name.";

/// Asks once for whole files, after edits that could not be applied.
pub fn whole_file_request(error: &ApplyError) -> String {
    format!("Your edits could not be applied ({error}). {WHOLE_FILES}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fix_request_quotes_every_file_under_its_name_and_the_error() {
        let files = [
            CodeFile::new("index.html", "html", "<p>hi</p>\n"),
            CodeFile::new("app.js", "js", "go()"),
        ];
        let text = fix_request(&files, "  ReferenceError: go is not defined (line 1)\n");
        assert!(
            text.contains("index.html\n```html\n<p>hi</p>\n```\n"),
            "{text}"
        );
        assert!(text.contains("app.js\n```js\ngo()\n```\n"), "{text}");
        assert!(
            text.contains("\n\nReferenceError: go is not defined (line 1)\n\n"),
            "{text}"
        );
        assert!(text.ends_with("search/replace blocks."));
    }

    #[test]
    fn code_holding_fences_gets_a_longer_fence() {
        let files = [CodeFile::new("README.md", "md", "````\nx\n````\n")];
        let text = change_request(&files, "Add a title");
        assert!(
            text.contains("README.md\n`````md\n````\nx\n````\n`````\n"),
            "{text}"
        );
    }

    #[test]
    fn the_whole_file_request_says_why() {
        let text = whole_file_request(&ApplyError::Ambiguous {
            edit: 2,
            file: "index.html".into(),
            count: 3,
        });
        assert!(
            text.contains("edit 2: its search text matches 3 places in index.html"),
            "{text}"
        );
    }
}
