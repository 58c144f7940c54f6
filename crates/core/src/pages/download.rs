//! Names and contents for downloads: a code block saved under the extension its fence label
//! has in the language table, and a whole HTML/CSS/JS answer as the one page the run panel runs.

use crate::markdown::lang::FenceLang;
use crate::sandbox::runnable::Runnable;

/// A file to offer for download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub name: String,
    pub mime: &'static str,
    pub text: String,
}

/// One code block (the `index`th of the answer, from 1) as a file.
pub fn block(label: Option<&str>, index: usize, code: &str) -> File {
    let (ext, mime) = label
        .and_then(FenceLang::from_label)
        .map_or(("txt", "text/plain"), |lang| (lang.extension, lang.mime));
    File {
        name: format!("sparkplug-block-{index}.{ext}"),
        mime,
        text: code.to_owned(),
    }
}

/// The page to download for what an answer runs as: its HTML, CSS and JS blocks combined;
/// `None` for Python.
pub fn page(runnable: &Runnable) -> Option<File> {
    match runnable {
        Runnable::Page(page) => Some(File {
            name: "sparkplug-page.html".into(),
            mime: "text/html",
            text: page.document().to_owned(),
        }),
        Runnable::Python(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_get_the_extension_of_their_label() {
        let cases = [
            (Some("HTML"), "html"),
            (Some("javascript"), "js"),
            (Some(" python "), "py"),
            (Some("css"), "css"),
            (Some("rust"), "rs"),
            (Some("node"), "js"),
            (Some("cjs"), "cjs"),
            (Some("brainfuck"), "txt"),
            (None, "txt"),
        ];
        for (label, ext) in cases {
            let file = block(label, 2, "x");
            assert_eq!(file.name, format!("sparkplug-block-2.{ext}"), "{label:?}");
            assert_eq!(file.text, "x");
        }
    }

    #[test]
    fn a_web_answer_is_one_page_with_its_css_and_js() {
        let answer = "Here:\n\n```html\n<p id=a>hi</p>\n```\n\n```css\np { color: red }\n```\n\n```js\nconsole.log(1)\n```\n";
        let runnable = Runnable::answer(answer).expect("runnable");
        let file = page(&runnable).expect("a page");
        assert_eq!(
            (file.name.as_str(), file.mime),
            ("sparkplug-page.html", "text/html")
        );
        for part in [
            "<p id=a>hi</p>",
            "p { color: red }",
            "console.log(1)",
            "<style",
            "<script",
        ] {
            assert!(file.text.contains(part), "{part} in {}", file.text);
        }
    }

    #[test]
    fn python_or_prose_is_no_page() {
        let python = Runnable::answer("```python\nprint(1)\n```\n").expect("runnable");
        assert_eq!(page(&python), None);
        assert_eq!(Runnable::answer("just words"), None);
    }
}
