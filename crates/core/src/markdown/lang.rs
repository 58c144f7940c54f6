//! The one fence-language table: what a code fence's label (`js`, `Python`, `tsx`, …) means
//! to the highlighter, to downloads (file extension, MIME type) and to the sandbox (what runs).

use crate::markdown::highlight::Language;
use crate::sandbox::Lang;

/// What the labels of one language mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FenceLang {
    /// The labels that name it, in lower case; the first is its name.
    pub labels: &'static [&'static str],
    /// The highlighter's lexer for it, if there is one.
    pub highlight: Option<Language>,
    /// A downloaded block is saved as `….<extension>` with this MIME type.
    pub extension: &'static str,
    pub mime: &'static str,
    /// What the sandbox runs it as, if it can run it at all.
    pub runs: Option<Lang>,
}

/// A row of [`TABLE`] for a language that does not run in the sandbox.
const fn shown(
    labels: &'static [&'static str],
    highlight: Option<Language>,
    extension: &'static str,
    mime: &'static str,
) -> FenceLang {
    FenceLang {
        labels,
        highlight,
        extension,
        mime,
        runs: None,
    }
}

/// A row of [`TABLE`] for a language the sandbox runs.
const fn runnable(
    labels: &'static [&'static str],
    highlight: Language,
    extension: &'static str,
    mime: &'static str,
    runs: Lang,
) -> FenceLang {
    FenceLang {
        labels,
        highlight: Some(highlight),
        extension,
        mime,
        runs: Some(runs),
    }
}

const PLAIN: &str = "text/plain";
const JS_MIME: &str = "text/javascript";

/// Every label Sparkplug knows. Labels of one language that differ in what they run or how
/// they are saved get rows of their own (`jsx` highlights as JS but is no browser script).
pub const TABLE: &[FenceLang] = &[
    runnable(
        &["html", "htm", "xhtml"],
        Language::Html,
        "html",
        "text/html",
        Lang::Html,
    ),
    shown(&["xml"], Some(Language::Html), "xml", "application/xml"),
    shown(&["svg"], Some(Language::Html), "svg", "image/svg+xml"),
    shown(&["vue"], Some(Language::Html), "vue", PLAIN),
    shown(&["svelte"], Some(Language::Html), "svelte", PLAIN),
    runnable(&["css"], Language::Css, "css", "text/css", Lang::Css),
    shown(&["scss"], Some(Language::Css), "scss", PLAIN),
    shown(&["less"], Some(Language::Css), "less", PLAIN),
    runnable(
        &["js", "javascript", "mjs"],
        Language::JavaScript,
        "js",
        JS_MIME,
        Lang::Js,
    ),
    // Node scripts use `require` and `process`, which the browser sandbox does not have.
    shown(&["node"], Some(Language::JavaScript), "js", JS_MIME),
    shown(&["cjs"], Some(Language::JavaScript), "cjs", JS_MIME),
    shown(&["jsx"], Some(Language::JavaScript), "jsx", JS_MIME),
    shown(
        &["ts", "typescript"],
        Some(Language::TypeScript),
        "ts",
        PLAIN,
    ),
    shown(&["tsx"], Some(Language::TypeScript), "tsx", PLAIN),
    shown(&["mts"], Some(Language::TypeScript), "mts", PLAIN),
    runnable(
        &["python", "py", "python3", "py3"],
        Language::Python,
        "py",
        "text/x-python",
        Lang::Python,
    ),
    shown(&["rust", "rs"], Some(Language::Rust), "rs", PLAIN),
    shown(
        &[
            "sql",
            "sqlite",
            "postgres",
            "postgresql",
            "mysql",
            "psql",
            "plsql",
        ],
        Some(Language::Sql),
        "sql",
        PLAIN,
    ),
    shown(
        &["bash", "sh", "shell", "zsh", "shellscript"],
        Some(Language::Bash),
        "sh",
        "text/x-shellscript",
    ),
    // A terminal session (prompts and their output) reads like shell but is no script.
    shown(&["console"], Some(Language::Bash), "txt", PLAIN),
    shown(&["json"], Some(Language::Json), "json", "application/json"),
    shown(&["jsonc"], Some(Language::Json), "jsonc", PLAIN),
    shown(&["json5"], Some(Language::Json), "json5", PLAIN),
    shown(&["markdown", "md"], None, "md", "text/markdown"),
    shown(&["yaml", "yml"], None, "yaml", PLAIN),
    shown(&["toml"], None, "toml", PLAIN),
    shown(&["go", "golang"], None, "go", PLAIN),
    shown(&["c", "h"], None, "c", PLAIN),
    shown(&["cpp", "c++", "cc", "cxx", "hpp"], None, "cpp", PLAIN),
    shown(&["csharp", "cs", "c#"], None, "cs", PLAIN),
    shown(&["java"], None, "java", PLAIN),
    shown(&["kotlin", "kt"], None, "kt", PLAIN),
    shown(&["swift"], None, "swift", PLAIN),
    shown(&["ruby", "rb"], None, "rb", PLAIN),
    shown(&["php"], None, "php", PLAIN),
];

impl FenceLang {
    /// The row for a fence label (any case, surrounding blanks ignored), if there is one.
    pub fn from_label(label: &str) -> Option<&'static FenceLang> {
        let label = label.trim().to_ascii_lowercase();
        TABLE
            .iter()
            .find(|row| row.labels.contains(&label.as_str()))
    }

    /// The language's name: its first label.
    pub fn name(&self) -> &'static str {
        self.labels[0]
    }
}

impl Language {
    /// The highlighter's language for a fence label, from [`TABLE`].
    pub fn from_label(label: &str) -> Option<Self> {
        FenceLang::from_label(label)?.highlight
    }
}

impl Lang {
    /// What a fence label runs as in the sandbox, from [`TABLE`].
    pub fn from_label(label: &str) -> Option<Self> {
        FenceLang::from_label(label)?.runs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_lower_case_and_name_one_row_each() {
        let mut seen: Vec<&str> = Vec::new();
        for row in TABLE {
            for &label in row.labels {
                assert_eq!(label, label.trim().to_ascii_lowercase(), "{label:?}");
                assert!(!seen.contains(&label), "{label:?} is in two rows");
                seen.push(label);
            }
            assert!(!row.extension.is_empty() && !row.mime.is_empty());
            if row.runs.is_some() {
                assert!(
                    row.highlight.is_some(),
                    "{}: runnable code is highlighted",
                    row.name()
                );
            }
        }
    }

    #[test]
    fn one_label_means_the_same_to_highlighter_downloads_and_sandbox() {
        // (label, highlighter, extension, runs): the rows the three old tables disagreed on.
        let cases = [
            ("node", Some(Language::JavaScript), "js", None),
            ("cjs", Some(Language::JavaScript), "cjs", None),
            ("jsx", Some(Language::JavaScript), "jsx", None),
            (
                "JavaScript",
                Some(Language::JavaScript),
                "js",
                Some(Lang::Js),
            ),
            ("tsx", Some(Language::TypeScript), "tsx", None),
            ("py3", Some(Language::Python), "py", Some(Lang::Python)),
            (" HTML ", Some(Language::Html), "html", Some(Lang::Html)),
            ("svg", Some(Language::Html), "svg", None),
            ("go", None, "go", None),
        ];
        for (label, highlight, extension, runs) in cases {
            let row = FenceLang::from_label(label).expect("a known label");
            assert_eq!(
                (row.highlight, row.extension, row.runs),
                (highlight, extension, runs),
                "{label:?}"
            );
            assert_eq!(Language::from_label(label), highlight, "{label:?}");
            assert_eq!(Lang::from_label(label), runs, "{label:?}");
        }
    }

    #[test]
    fn unknown_labels_mean_nothing() {
        for label in ["brainfuck", "", "  ", "java script"] {
            assert_eq!(FenceLang::from_label(label), None, "{label:?}");
            assert_eq!(Language::from_label(label), None);
            assert_eq!(Lang::from_label(label), None);
        }
    }
}
