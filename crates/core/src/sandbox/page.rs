//! CodePen-style pages: HTML, CSS and JS blocks become one document, with a map from the
//! document's lines back to the block and line they came from, for console locations.

use std::borrow::Cow;
use std::fmt;

use super::Lang;

/// A document to run, and where each block's lines landed in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    document: String,
    sections: Vec<Section>,
    /// How many blocks of each language went in, so locations name the block only when
    /// there is more than one.
    counts: [usize; 3],
}

/// A run of document lines that came from one block, from `block_line` on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Section {
    lang: Lang,
    /// 1-based among the blocks of its language.
    block: usize,
    doc_line: u32,
    block_line: u32,
    lines: u32,
}

/// A line of a block, as the console shows it: `js:12`, or `js#2:12` with several JS blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub lang: Lang,
    /// Which block of its language, when the page has several.
    pub block: Option<usize>,
    pub line: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.block {
            Some(block) => write!(f, "{}#{block}:{}", self.lang.as_str(), self.line),
            None => write!(f, "{}:{}", self.lang.as_str(), self.line),
        }
    }
}

impl Page {
    /// Combines blocks into one document. A block that is a whole HTML document (it has a
    /// doctype, `<html>`, `<head>` or `<body>`) is the base, CSS going before its `</head>`
    /// and scripts before its `</body>`; otherwise a plain document wraps the blocks. Each
    /// JS block gets its own `<script>`, so a syntax error in one does not stop the others.
    pub fn combine(html: &[String], css: &[String], js: &[String]) -> Self {
        let mut out = Writer::default();
        let base = html.iter().position(|h| is_document(h));
        match base {
            Some(index) => out.around_document(index, html, css, js),
            None => out.wrapped(html, css, js),
        }
        Page {
            document: out.text,
            sections: out.sections,
            counts: [html.len(), css.len(), js.len()],
        }
    }

    pub fn document(&self) -> &str {
        &self.document
    }

    /// Whether any HTML went in: a page of only CSS and scripts usually draws nothing, so
    /// its console says more than its preview.
    pub fn has_markup(&self) -> bool {
        self.counts[0] > 0
    }

    /// The block line behind a (1-based) line of the document; `None` for the lines the
    /// combination itself added.
    pub fn locate(&self, doc_line: u32) -> Option<Location> {
        let section = self
            .sections
            .iter()
            .find(|s| (s.doc_line..s.doc_line + s.lines).contains(&doc_line))?;
        let count = match section.lang {
            Lang::Html => self.counts[0],
            Lang::Css => self.counts[1],
            Lang::Js | Lang::Python => self.counts[2],
        };
        Some(Location {
            lang: section.lang,
            block: (count > 1).then_some(section.block),
            line: section.block_line + (doc_line - section.doc_line),
        })
    }
}

/// Builds the document while counting lines, so every block's position is known.
#[derive(Default)]
struct Writer {
    text: String,
    /// Newlines written so far (the current line is this plus one).
    newlines: u32,
    sections: Vec<Section>,
}

impl Writer {
    fn raw(&mut self, text: &str) {
        self.newlines += newlines(text);
        self.text.push_str(text);
    }

    /// Writes `text`, lines `block_line..` of a block, and ends it with a newline.
    fn block(&mut self, lang: Lang, block: usize, block_line: u32, text: &str) {
        self.sections.push(Section {
            lang,
            block,
            doc_line: self.newlines + 1,
            block_line,
            lines: newlines(text) + 1,
        });
        self.raw(text);
        if !text.ends_with('\n') {
            self.raw("\n");
        }
    }

    fn styles(&mut self, css: &[String]) {
        if css.is_empty() {
            return;
        }
        self.raw("<style>\n");
        for (i, text) in css.iter().enumerate() {
            self.block(Lang::Css, i + 1, 1, &escape_end_tag(text, "style"));
        }
        self.raw("</style>\n");
    }

    fn scripts(&mut self, js: &[String]) {
        for (i, text) in js.iter().enumerate() {
            self.raw("<script>\n");
            self.block(Lang::Js, i + 1, 1, &escape_end_tag(text, "script"));
            self.raw("</script>\n");
        }
    }

    fn fragments(&mut self, html: &[String], skip: Option<usize>) {
        for (i, text) in html.iter().enumerate() {
            if Some(i) != skip {
                self.block(Lang::Html, i + 1, 1, text);
            }
        }
    }

    fn wrapped(&mut self, html: &[String], css: &[String], js: &[String]) {
        self.raw("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n");
        self.styles(css);
        self.raw("</head>\n<body>\n");
        self.fragments(html, None);
        self.scripts(js);
        self.raw("</body>\n</html>\n");
    }

    fn around_document(&mut self, base: usize, html: &[String], css: &[String], js: &[String]) {
        let doc = &html[base];
        let lower = doc.to_ascii_lowercase();
        let body_end = lower
            .rfind("</body")
            .or_else(|| lower.rfind("</html"))
            .unwrap_or(doc.len());
        let head_end = lower
            .find("</head")
            .or_else(|| lower.find("<body"))
            .or_else(|| tag_end(&lower, "<html"))
            .or_else(|| tag_end(&lower, "<!doctype"))
            .unwrap_or(0)
            .min(body_end);
        let others = html.len() > 1;
        // The document's own text goes in as up to three pieces; each knows its first line.
        let pieces = [
            (0, head_end, !css.is_empty()),
            (head_end, body_end, others || !js.is_empty()),
            (body_end, doc.len(), false),
        ];
        for (index, (start, end, then_insert)) in pieces.into_iter().enumerate() {
            let piece = &doc[start..end];
            if !piece.is_empty() {
                let block_line = newlines(&doc[..start]) + 1;
                self.sections.push(Section {
                    lang: Lang::Html,
                    block: base + 1,
                    doc_line: self.newlines + 1,
                    block_line,
                    lines: newlines(piece) + 1,
                });
                self.raw(piece);
            }
            if then_insert {
                // Insertions start on a line of their own, so the map stays line-based.
                if !self.text.ends_with('\n') && !self.text.is_empty() {
                    self.raw("\n");
                }
                if index == 0 {
                    self.styles(css);
                } else {
                    self.fragments(html, Some(base));
                    self.scripts(js);
                }
            }
        }
    }
}

fn newlines(text: &str) -> u32 {
    u32::try_from(text.bytes().filter(|&b| b == b'\n').count()).unwrap_or(u32::MAX)
}

/// Whether an HTML block is a whole document rather than a fragment for `<body>`.
fn is_document(html: &str) -> bool {
    let lower = html.to_ascii_lowercase();
    ["<!doctype", "<html", "<head", "<body"]
        .iter()
        .any(|tag| lower.contains(tag))
}

/// The index just after the `>` of the first `tag` (e.g. `<html lang=en>`).
fn tag_end(lower: &str, tag: &str) -> Option<usize> {
    let start = lower.find(tag)?;
    lower[start..].find('>').map(|end| start + end + 1)
}

/// Keeps a block's text inside its element: `</script` (any case) would end the element
/// early, so it becomes `<\/script`, which means the same inside JS strings and regexes.
fn escape_end_tag<'a>(text: &'a str, tag: &str) -> Cow<'a, str> {
    let needle = format!("</{tag}");
    // ASCII lower-casing keeps byte offsets, so matches in `lower` index `text`.
    let lower = text.to_ascii_lowercase();
    if !lower.contains(&needle) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut last = 0;
    for (at, _) in lower.match_indices(&needle) {
        out.push_str(&text[last..at]);
        out.push_str("<\\/");
        last = at + 2;
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(texts: &[&str]) -> Vec<String> {
        texts.iter().map(|t| t.to_string()).collect()
    }

    /// The document line holding `needle` (1-based).
    fn line_of(page: &Page, needle: &str) -> u32 {
        let at = page.document().find(needle).expect("needle in document");
        newlines(&page.document()[..at]) + 1
    }

    #[test]
    fn fragments_are_wrapped_css_in_head_scripts_last() {
        let page = Page::combine(
            &s(&["<div id=box></div>"]),
            &s(&["#box { color: red }"]),
            &s(&["box.title = 'a'", "console.log(2)\n"]),
        );
        let doc = page.document();
        assert!(doc.starts_with("<!DOCTYPE html>\n"));
        let style = doc.find("#box { color").expect("css");
        let body = doc.find("<body>").expect("body");
        let div = doc.find("<div id=box>").expect("html");
        let script = doc.find("box.title").expect("js");
        assert!(style < body && body < div && div < script);
        assert_eq!(doc.matches("<script>").count(), 2, "one script per block");
        assert!(doc.ends_with("</body>\n</html>\n"));
    }

    #[test]
    fn lines_map_back_to_their_block() {
        let page = Page::combine(
            &s(&["<p>a</p>\n<p>b</p>\n"]),
            &s(&["p {}\n"]),
            &s(&["let a = 1;\nthrow new Error('x');\n", "one()\ntwo()"]),
        );
        let l = line_of(&page, "throw");
        assert_eq!(
            page.locate(l),
            Some(Location {
                lang: Lang::Js,
                block: Some(1),
                line: 2
            })
        );
        assert_eq!(
            page.locate(l).map(|l| l.to_string()).as_deref(),
            Some("js#1:2")
        );
        let two = line_of(&page, "two()");
        assert_eq!(
            page.locate(two).map(|l| l.to_string()).as_deref(),
            Some("js#2:2")
        );
        assert_eq!(
            page.locate(line_of(&page, "<p>b"))
                .map(|l| l.to_string())
                .as_deref(),
            Some("html:2")
        );
        assert_eq!(page.locate(1), None, "the doctype line is ours");
    }

    #[test]
    fn a_whole_document_gets_css_before_head_end_and_js_before_body_end() {
        let html = "<!doctype html>\n<html>\n<head><title>t</title></head>\n<body>\n<p>x</p>\n</body>\n</html>\n";
        let page = Page::combine(&s(&[html]), &s(&["p { color: blue }"]), &s(&["go()"]));
        let doc = page.document();
        assert_eq!(doc.matches("<html>").count(), 1, "no second wrapper");
        let style = doc.find("p { color: blue }").expect("css");
        assert!(style < doc.find("</head>").expect("head end"));
        assert!(style > doc.find("<title>").expect("title"));
        let script = doc.find("go()").expect("js");
        assert!(
            script > doc.find("<p>x</p>").expect("p") && script < doc.find("</body>").expect("end")
        );
        // The line split by the style insertion still maps: `</head>` is on line 3.
        assert_eq!(
            page.locate(line_of(&page, "</head>"))
                .map(|l| l.to_string())
                .as_deref(),
            Some("html:3")
        );
        assert_eq!(
            page.locate(line_of(&page, "<p>x</p>"))
                .map(|l| l.to_string())
                .as_deref(),
            Some("html:5")
        );
        assert_eq!(
            page.locate(line_of(&page, "go()"))
                .map(|l| l.to_string())
                .as_deref(),
            Some("js:1")
        );
    }

    #[test]
    fn a_document_alone_runs_unchanged() {
        let html = "<!DOCTYPE html>\n<html><body><script>boom()</script></body></html>";
        let page = Page::combine(&s(&[html]), &[], &[]);
        assert_eq!(page.document(), html);
        assert_eq!(
            page.locate(2).map(|l| l.to_string()).as_deref(),
            Some("html:2")
        );
    }

    #[test]
    fn odd_documents_still_get_everything() {
        // No head and no body end: CSS after <html>, JS at the end.
        let page = Page::combine(&s(&["<html lang=en><p>x"]), &s(&["p{}"]), &s(&["x()"]));
        let doc = page.document();
        let open = doc.find("<html lang=en>").expect("html");
        assert!(open < doc.find("p{}").expect("css"));
        assert!(doc.find("p{}").expect("css") < doc.find("<p>x").expect("p"));
        assert!(doc.trim_end().ends_with("</script>"));
        // Extra HTML blocks join the document's body.
        let page = Page::combine(
            &s(&["<p>extra</p>", "<body><main></main></body>"]),
            &[],
            &[],
        );
        let doc = page.document();
        assert!(doc.find("<p>extra</p>").expect("extra") < doc.find("</body>").expect("end"));
        assert!(doc.find("<main>").expect("main") < doc.find("<p>extra</p>").expect("extra"));
    }

    #[test]
    fn closing_tags_inside_code_cannot_end_their_element() {
        let page = Page::combine(
            &[],
            &s(&["a::after { content: '</STYLE><b>' }"]),
            &s(&["document.write('</Script><b>')"]),
        );
        let doc = page.document();
        assert!(doc.contains("'<\\/STYLE><b>'"));
        assert!(doc.contains("document.write('<\\/Script><b>')"));
        assert_eq!(doc.to_ascii_lowercase().matches("</style").count(), 1);
        assert_eq!(doc.to_ascii_lowercase().matches("</script").count(), 1);
    }
}
