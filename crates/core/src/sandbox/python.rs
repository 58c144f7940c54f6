//! Python errors as users should read them: Pyodide's own frames and its `micropip` advice
//! (useless offline) removed, the failing line found, and a clear word on missing packages.

/// A Python exception ready for the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonError {
    /// The traceback without Pyodide's internal frames.
    pub text: String,
    /// The line of the user's code where it was raised, when the traceback shows it.
    pub line: Option<u32>,
    /// What to do about it, for errors with a known cause.
    pub hint: Option<String>,
}

/// The file name Pyodide gives the code it runs.
const USER_FILE: &str = "  File \"<exec>\", line ";

/// Explains a traceback; `None` for a clean `sys.exit()` / `sys.exit(0)`, which is no error.
pub fn explain(traceback: &str) -> Option<PythonError> {
    let last = traceback
        .trim_end()
        .lines()
        .last()
        .unwrap_or_default()
        .trim();
    if matches!(last, "SystemExit" | "SystemExit: 0" | "SystemExit: None") {
        return None;
    }
    let mut kept = Vec::new();
    let mut skipping_frame = false;
    let mut skipping_advice = false;
    let mut line = None;
    let mut missing = None;
    for text in traceback.trim_end().lines() {
        if let Some(rest) = text.strip_prefix("  File ") {
            skipping_frame = rest.contains("/_pyodide/");
            if let Some(number) = text.strip_prefix(USER_FILE) {
                line = number
                    .split(|c: char| !c.is_ascii_digit())
                    .next()
                    .and_then(|n| n.parse().ok());
            }
        } else if !text.starts_with("    ") {
            skipping_frame = false;
        }
        if let Some(name) = text
            .strip_prefix("ModuleNotFoundError: No module named '")
            .and_then(|rest| rest.split('\'').next())
        {
            missing = Some(name.to_owned());
            // Pyodide follows this line with install advice that cannot work offline.
            kept.push(text);
            skipping_advice = true;
            continue;
        }
        if skipping_advice || skipping_frame {
            continue;
        }
        kept.push(text);
    }
    let hint = missing.map(|name| {
        let top = name.split('.').next().unwrap_or(&name);
        format!(
            "'{top}' is not available here: the sandbox runs offline with Python's standard \
             library only, so packages cannot be installed."
        )
    });
    Some(PythonError {
        text: kept.join("\n"),
        line,
        hint,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What Pyodide 314 reports for `import numpy` on line 3 (captured in Chromium).
    const NUMPY: &str = "Traceback (most recent call last):\n  File \"/lib/python314.zip/_pyodide/_base.py\", line 539, in eval_code\n    .run(globals, locals)\n     ~~~^^^^^^^^^^^^^^^^^\n  File \"/lib/python314.zip/_pyodide/_base.py\", line 366, in run\n    coroutine = eval(self.code, globals, locals)\n  File \"<exec>\", line 3, in <module>\nModuleNotFoundError: No module named 'numpy'\nThe module 'numpy' is included in the Pyodide distribution, but it is not installed.\nYou can install it by calling:\n  await micropip.install(\"numpy\") in Python, or\n  await pyodide.loadPackage(\"numpy\") in JavaScript\nSee https://pyodide.org/en/stable/usage/loading-packages.html for more details.\n";

    #[test]
    fn a_missing_package_gets_a_clear_offline_hint() {
        let error = explain(NUMPY).expect("an error");
        assert_eq!(
            error.text,
            "Traceback (most recent call last):\n  File \"<exec>\", line 3, in <module>\nModuleNotFoundError: No module named 'numpy'"
        );
        assert_eq!(error.line, Some(3));
        let hint = error.hint.expect("a hint");
        assert!(hint.starts_with("'numpy' is not available here"), "{hint}");
        assert!(!hint.contains("micropip"));
    }

    #[test]
    fn user_frames_and_library_frames_stay() {
        let traceback = "Traceback (most recent call last):\n  File \"/lib/python314.zip/_pyodide/_base.py\", line 1, in run\n    x\n  File \"<exec>\", line 7, in <module>\n    f()\n  File \"<exec>\", line 2, in f\n    json.loads('{')\n  File \"/lib/python314.zip/json/__init__.py\", line 352, in loads\n    return _default_decoder.decode(s)\njson.decoder.JSONDecodeError: Expecting property name\n";
        let error = explain(traceback).expect("an error");
        assert_eq!(error.line, Some(2), "the innermost line of the user's code");
        assert!(error.text.contains("json/__init__.py"));
        assert!(!error.text.contains("_pyodide"));
        assert!(error
            .text
            .ends_with("JSONDecodeError: Expecting property name"));
        assert_eq!(error.hint, None);
    }

    #[test]
    fn submodules_name_their_package_and_exit_zero_is_no_error() {
        let traceback = "Traceback (most recent call last):\n  File \"<exec>\", line 1, in <module>\nModuleNotFoundError: No module named 'requests.adapters'\n";
        let hint = explain(traceback).and_then(|e| e.hint).expect("hint");
        assert!(hint.starts_with("'requests' is not available"));
        assert_eq!(
            explain("Traceback (most recent call last):\nSystemExit: 0\n"),
            None
        );
        assert_eq!(explain("SystemExit"), None);
        let exit_one = explain("Traceback (most recent call last):\nSystemExit: 1\n");
        assert!(exit_one.is_some(), "a non-zero exit is reported");
    }
}
