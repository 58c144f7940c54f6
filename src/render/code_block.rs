//! A code block's frame (language label, Copy button, the `<code>`) and its streamed lines.
//! Label and button text come from CSS, so the answer's textContent stays the model's text.

use std::time::Duration;

use leptos::prelude::set_timeout;
use sparkplug_core::sandbox::runnable::CodeBlock;
use sparkplug_core::sandbox::Lang;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Document, Element, Event, HtmlElement, Text};

use super::DomError;

/// The class of the element holding a code block's text; a Run button finds the code
/// through it, next to Copy in `.code-actions`.
pub const CODE_CLASS: &str = "code-body";

/// How long the Copy button says "Copied".
const COPIED: Duration = Duration::from_millis(1500);

/// Creates a code block (not yet in the page); returns it and its `<code>` element.
pub fn create(document: &Document, label: Option<&str>) -> Result<(Element, Element), DomError> {
    let block = document.create_element("div")?;
    block.set_class_name("code-block");
    let head = document.create_element("div")?;
    head.set_class_name("code-head");
    let lang = document.create_element("span")?;
    lang.set_class_name("code-lang");
    let actions = document.create_element("span")?;
    actions.set_class_name("code-actions");
    // The editor (src/editor) opens on this button's click, one block at a time.
    let edit = document.create_element("button")?;
    edit.set_class_name("code-edit");
    edit.set_attribute("type", "button")?;
    edit.set_attribute("aria-label", "Edit code")?;
    edit.set_attribute("data-test", "edit-code")?;
    actions.append_child(&edit)?;
    let copy = document.create_element("button")?;
    copy.set_class_name("code-copy");
    copy.set_attribute("type", "button")?;
    copy.set_attribute("aria-label", "Copy code")?;
    copy.set_attribute("data-test", "copy-code")?;
    actions.append_child(&copy)?;
    // Saved as a file by components/download.rs.
    let save = document.create_element("button")?;
    save.set_class_name("code-download");
    save.set_attribute("type", "button")?;
    save.set_attribute("aria-label", "Download code")?;
    save.set_attribute("data-test", "download-code")?;
    actions.append_child(&save)?;
    // Code the sandbox can run gets a Run button; the run panel hears its clicks.
    if label.and_then(Lang::from_label).is_some() {
        let run = document.create_element("button")?;
        run.set_class_name("code-run");
        run.set_attribute("type", "button")?;
        run.set_attribute("aria-label", "Run code")?;
        run.set_attribute("data-test", "run-code")?;
        actions.append_child(&run)?;
    }
    head.append_child(&lang)?;
    head.append_child(&actions)?;
    let pre = document.create_element("pre")?;
    pre.set_class_name("code-pre");
    let code = document.create_element("code")?;
    code.set_class_name(CODE_CLASS);
    if let Some(label) = label {
        // Attributes are never parsed as markup, so the model's label is safe here.
        block.set_attribute("data-lang", &label.to_ascii_lowercase())?;
        lang.set_attribute("data-label", label)?;
    }
    pre.append_child(&code)?;
    block.append_child(&head)?;
    block.append_child(&pre)?;
    Ok((block, code))
}

/// A code block whose lines are streaming in.
///
/// Each line is a block element, so the browser lays out only new lines (one long run of
/// inline text would be laid out whole again each frame: 15–20 ms per frame late in a long
/// block, measured). Lines are grouped in chunks; a complete chunk gets `content-visibility:
/// auto` with its exact height as placeholder, so chunks out of view (or arriving out of
/// view, when a whole answer comes at once) cost no layout or paint. Lines come from the
/// markdown stream as escaped HTML, at most one piece per chunk and frame, each inserted
/// with one parser call instead of four DOM calls per token (which measured ~100 ms for a
/// 20,000-token answer).
pub struct StreamedCode {
    document: Document,
    label: Option<String>,
    code: Element,
    chunk: HtmlElement,
    lines_in_chunk: usize,
    /// Holds the unfinished last line; always the `<code>`'s last child.
    partial_line: Element,
    partial: Text,
}

impl StreamedCode {
    /// Creates the block (not yet in the page) ready for lines; returns it too.
    pub fn open(document: &Document, label: Option<&str>) -> Result<(Element, Self), DomError> {
        let (block, code) = create(document, label)?;
        let chunk = chunk(document)?;
        let partial_line = element(document, "ln")?;
        let partial = document.create_text_node("");
        partial_line.append_child(&partial)?;
        code.append_child(&chunk)?;
        code.append_child(&partial_line)?;
        let streamed = Self {
            document: document.clone(),
            label: label.map(str::to_owned),
            code,
            chunk,
            lines_in_chunk: 0,
            partial_line,
            partial,
        };
        Ok((block, streamed))
    }

    /// Adds `lines` complete lines to the current chunk, as the markdown stream's escaped
    /// HTML (one parser call for all of them).
    pub fn push_lines(&mut self, html: &str, lines: usize) -> Result<(), DomError> {
        self.chunk.insert_adjacent_html("beforeend", html)?;
        self.lines_in_chunk += lines;
        Ok(())
    }

    /// The current chunk is full: it is sealed and the next one started.
    pub fn next_chunk(&mut self) -> Result<(), DomError> {
        self.seal()?;
        self.chunk = chunk(&self.document)?;
        self.code
            .insert_before(&self.chunk, Some(&self.partial_line))?;
        self.lines_in_chunk = 0;
        Ok(())
    }

    /// Shows the unfinished last line as plain text.
    pub fn set_partial(&self, text: &str) {
        if self.partial.data() != text {
            self.partial.set_data(text);
        }
    }

    /// The block is complete: its last chunk is sealed and the unfinished-line holder goes.
    /// Returns the block as it stands, for whatever runs its code.
    pub fn close(self) -> Result<CodeBlock, DomError> {
        if self.lines_in_chunk > 0 {
            self.seal()?;
        }
        self.partial_line.remove();
        Ok(CodeBlock {
            label: self.label,
            text: self.code.text_content().unwrap_or_default(),
        })
    }

    /// Marks the current chunk complete, with its line count for the placeholder height.
    fn seal(&self) -> Result<(), DomError> {
        self.chunk
            .style()
            .set_property("--lines", &self.lines_in_chunk.to_string())?;
        self.chunk.set_class_name("code-chunk sealed");
        Ok(())
    }
}

fn chunk(document: &Document) -> Result<HtmlElement, DomError> {
    element(document, "code-chunk")?
        .dyn_into::<HtmlElement>()
        .map_err(|_| DomError("a span is not an HTML element".into()))
}

fn element(document: &Document, class: &str) -> Result<Element, DomError> {
    let element = document.create_element("span")?;
    element.set_class_name(class);
    Ok(element)
}

/// Handles a click anywhere in the answer: a Copy button copies its block's code.
pub fn on_answer_click(event: &Event) {
    let Some(button) = event
        .target()
        .and_then(|t| t.dyn_into::<Element>().ok())
        .and_then(|t| t.closest(".code-copy").ok().flatten())
    else {
        return;
    };
    let code = button
        .closest(".code-block")
        .ok()
        .flatten()
        .and_then(|block| {
            block
                .query_selector(&format!(".{CODE_CLASS}"))
                .ok()
                .flatten()
        })
        .and_then(|code| code.text_content())
        .unwrap_or_default();
    let Some(window) = web_sys::window() else {
        return;
    };
    let promise = window.navigator().clipboard().write_text(&code);
    leptos::task::spawn_local(async move {
        let state = match JsFuture::from(promise).await {
            Ok(_) => "copied",
            Err(_) => "failed",
        };
        button.set_attribute("data-copy", state).ok();
        set_timeout(
            move || {
                button.remove_attribute("data-copy").ok();
            },
            COPIED,
        );
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use sparkplug_core::markdown::html::code_line_html;
    use sparkplug_core::markdown::CHUNK_LINES;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn lines_fill_sealed_chunks_and_markup_in_them_stays_text() {
        let document = web_sys::window().unwrap().document().unwrap();
        let (block, mut code) = StreamedCode::open(&document, Some("HTML")).unwrap();
        assert_eq!(block.get_attribute("data-lang").as_deref(), Some("html"));
        let mut expected = String::new();
        // As the markdown stream sends them: lines of one chunk together, then the next chunk.
        let mut lines = String::new();
        let mut count = 0;
        for i in 0..70 {
            let line = format!("<script>alert({i})</script> & more\n");
            code_line_html(&mut lines, &line, &[]);
            count += 1;
            expected.push_str(&line);
            if count == CHUNK_LINES || i == 69 {
                code.push_lines(&lines, count).unwrap();
                if count == CHUNK_LINES {
                    code.next_chunk().unwrap();
                }
                lines.clear();
                count = 0;
            }
        }
        code.set_partial("unfinished");
        let body = block.query_selector(".code-body").unwrap().unwrap();
        assert_eq!(
            body.text_content().unwrap(),
            format!("{expected}unfinished")
        );
        code.close().unwrap();
        assert_eq!(body.text_content().unwrap(), expected);
        assert!(
            body.query_selector("script").unwrap().is_none(),
            "escaped, never parsed as markup"
        );
        let chunks = body.query_selector_all(".code-chunk.sealed").unwrap();
        assert_eq!(chunks.length(), 3);
        let lines = |i: u32| {
            let chunk: HtmlElement = chunks.item(i).unwrap().dyn_into().unwrap();
            chunk.style().get_property_value("--lines").unwrap()
        };
        assert_eq!(
            (lines(0), lines(1), lines(2)),
            ("32".into(), "32".into(), "6".into())
        );
        assert_eq!(body.query_selector_all(".ln").unwrap().length(), 70);
    }
}
