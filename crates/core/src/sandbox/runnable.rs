//! What one Run means: a single block, or the whole answer (its HTML, CSS and JS combined
//! into one page as CodePen does, else its Python blocks together), found in the markdown.

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};

use super::page::Page;
use super::Lang;
use crate::edit::CodeFile;

/// A fenced code block of an answer: the first word of its info string and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeBlock {
    pub label: Option<String>,
    pub text: String,
}

/// Every fenced code block in `markdown`, in order, including those inside lists and quotes.
pub fn fenced_blocks(markdown: &str) -> Vec<CodeBlock> {
    let mut blocks = Vec::new();
    let mut open: Option<CodeBlock> = None;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                open = Some(CodeBlock {
                    label: info.split_whitespace().next().map(str::to_owned),
                    text: String::new(),
                });
            }
            Event::Text(text) => {
                if let Some(block) = open.as_mut() {
                    block.text.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => blocks.extend(open.take()),
            _ => {}
        }
    }
    blocks
}

/// Code ready to send to the runner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runnable {
    /// A web page built from HTML, CSS and JS.
    Page(Page),
    Python(String),
}

impl Runnable {
    /// One block on its own; `None` when its label names no runnable language.
    pub fn block(label: &str, text: &str) -> Option<Self> {
        let text = text.to_owned();
        Some(match Lang::from_label(label)? {
            Lang::Python => Self::Python(text),
            Lang::Html => Self::Page(Page::combine(&[text], &[], &[])),
            Lang::Css => Self::Page(Page::combine(&[], &[text], &[])),
            Lang::Js => Self::Page(Page::combine(&[], &[], &[text])),
        })
    }

    /// The whole answer: its HTML, CSS and JS blocks as one page if it has any, else its
    /// Python blocks run together in order; `None` when nothing in it can run.
    pub fn answer(markdown: &str) -> Option<Self> {
        Self::from_blocks(fenced_blocks(markdown))
    }

    /// [`Self::answer`] from the answer's code blocks, found by whoever parsed it (the app
    /// asks its markdown engine module).
    pub fn from_blocks(blocks: Vec<CodeBlock>) -> Option<Self> {
        let (mut html, mut css, mut js, mut python) = (vec![], vec![], vec![], vec![]);
        for block in blocks {
            let lang = block.label.as_deref().and_then(Lang::from_label);
            match lang {
                Some(Lang::Html) => html.push(block.text),
                Some(Lang::Css) => css.push(block.text),
                Some(Lang::Js) => js.push(block.text),
                Some(Lang::Python) => python.push(block.text),
                None => {}
            }
        }
        if !(html.is_empty() && css.is_empty() && js.is_empty()) {
            return Some(Self::Page(Page::combine(&html, &css, &js)));
        }
        // Blank lines between blocks, so one block's last statement never joins the next.
        (!python.is_empty()).then(|| Self::Python(python.join("\n\n")))
    }

    /// The current files of a fix loop, run as a whole answer of those blocks would be.
    pub fn from_files(files: &[CodeFile]) -> Option<Self> {
        Self::from_blocks(
            files
                .iter()
                .map(|f| CodeBlock {
                    label: Some(f.label.clone()),
                    text: f.text.clone(),
                })
                .collect(),
        )
    }

    /// Whether the run shows a page worth looking at (a page with HTML), rather than only
    /// console output (Python, or scripts alone).
    pub fn shows_page(&self) -> bool {
        matches!(self, Self::Page(page) if page.has_markup())
    }

    /// The protocol's `lang`: `html` for a page, `python` for Python.
    pub fn lang(&self) -> &'static str {
        match self {
            Self::Page(_) => Lang::Html.as_str(),
            Self::Python(_) => Lang::Python.as_str(),
        }
    }

    /// The text the runner receives: the whole document, or the Python source.
    pub fn code(&self) -> &str {
        match self {
            Self::Page(page) => page.document(),
            Self::Python(code) => code,
        }
    }

    /// Where a line the runner reported came from, as the console shows it.
    pub fn locate(&self, line: u32) -> String {
        match self {
            Self::Page(page) => page
                .locate(line)
                .map_or_else(|| format!("page:{line}"), |l| l.to_string()),
            Self::Python(_) => format!("line {line}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_page_with_html_is_worth_a_preview() {
        assert!(Runnable::block("html", "<p>hi</p>").is_some_and(|r| r.shows_page()));
        assert!(Runnable::block("js", "console.log(1)").is_some_and(|r| !r.shows_page()));
        assert!(Runnable::block("python", "print(1)").is_some_and(|r| !r.shows_page()));
    }

    #[test]
    fn labels_name_runnable_languages_in_any_case() {
        assert_eq!(Lang::from_label("JavaScript"), Some(Lang::Js));
        assert_eq!(Lang::from_label("py"), Some(Lang::Python));
        assert_eq!(Lang::from_label("HTML"), Some(Lang::Html));
        assert_eq!(Lang::from_label("css"), Some(Lang::Css));
        for other in ["rust", "bash", "ts", "", "sql", "jsx", "node"] {
            assert_eq!(Lang::from_label(other), None, "{other:?}");
        }
    }

    #[test]
    fn finds_fenced_blocks_with_labels_even_inside_lists() {
        let md = "Intro\n\n```js title=\"a.js\"\nconsole.log(1)\n```\n\n- item\n\n  ```python\n  print(2)\n  ```\n\n    indented code\n\n~~~\nplain\n~~~\n";
        let blocks = fenced_blocks(md);
        assert_eq!(
            blocks,
            vec![
                CodeBlock {
                    label: Some("js".into()),
                    text: "console.log(1)\n".into()
                },
                CodeBlock {
                    label: Some("python".into()),
                    text: "print(2)\n".into()
                },
                CodeBlock {
                    label: None,
                    text: "plain\n".into()
                },
            ]
        );
    }

    #[test]
    fn an_unclosed_fence_at_the_end_still_counts() {
        let blocks = fenced_blocks("```python\nprint('cut')");
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].text, "print('cut')");
    }

    #[test]
    fn an_answer_with_web_blocks_becomes_one_page() {
        let md = "```html\n<p id=x>hi</p>\n```\n```css\np { color: red }\n```\n```js\nx.textContent = 'js'\n```\n```python\nprint(1)\n```\n";
        let Some(Runnable::Page(page)) = Runnable::answer(md) else {
            panic!("expected a page");
        };
        let doc = page.document();
        assert!(doc.contains("<p id=x>hi</p>"));
        assert!(doc.contains("p { color: red }"));
        assert!(doc.contains("x.textContent = 'js'"));
        assert!(!doc.contains("print(1)"), "Python is not part of a page");
    }

    #[test]
    fn an_answer_with_only_python_runs_its_blocks_in_order() {
        let md = "```python\ndef f():\n    return 1\n```\ntext\n```py\nprint(f())\n```\n";
        assert_eq!(
            Runnable::answer(md),
            Some(Runnable::Python(
                "def f():\n    return 1\n\n\nprint(f())\n".into()
            ))
        );
        assert_eq!(Runnable::answer("```rust\nfn main() {}\n```\n"), None);
        assert_eq!(Runnable::answer("no code at all"), None);
    }

    #[test]
    fn a_loops_files_run_like_the_blocks_they_came_from() {
        let files = [
            CodeFile::new("index.html", "html", "<p id=x>hi</p>\n"),
            CodeFile::new("app.js", "js", "x.textContent = 'js';\n"),
        ];
        let Some(Runnable::Page(page)) = Runnable::from_files(&files) else {
            panic!("expected a page");
        };
        assert!(page.document().contains("x.textContent = 'js';"));
        let python = [CodeFile::new("main.py", "python", "print(1)\n")];
        assert_eq!(
            Runnable::from_files(&python),
            Some(Runnable::Python("print(1)\n".into()))
        );
        assert_eq!(Runnable::from_files(&[]), None);
    }

    #[test]
    fn a_single_block_runs_alone() {
        let js = Runnable::block("javascript", "console.log(1)").expect("js runs");
        assert_eq!(js.lang(), "html");
        assert!(js.code().contains("<script>\nconsole.log(1)\n</script>"));
        let py = Runnable::block("python", "print(1)").expect("python runs");
        assert_eq!((py.lang(), py.code()), ("python", "print(1)"));
        assert_eq!(py.locate(3), "line 3");
        assert_eq!(Runnable::block("bash", "ls"), None);
    }
}
