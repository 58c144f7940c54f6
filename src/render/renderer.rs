//! The answer renderer: text is queued as it arrives and handed to the markdown stream once
//! per frame, a slice sized to the frame's budget; the DOM updates that come back are applied.
//!
//! Until the stream can take text (the markdown engine still loading), the queue shows as
//! plain text, which the stream's output replaces as it catches up.

use sparkplug_core::markdown::{
    Code, EarlyEdit, EarlyText, FrameBudget, MarkdownStream, Renderer, Slice, Source, TailView,
    Update,
};
use sparkplug_core::sandbox::live::CodeEvent;
use web_sys::{Document, Element, Node, Text};

use super::code_block::StreamedCode;
use super::engine::Stream;
use super::{dom, scroll, DomError};
use crate::live::now_ms;

/// The smallest slice of text handed to the markdown stream in a frame: small enough that
/// even dense code (a few hundred DOM nodes) takes well under a millisecond or two.
const SLICE_BYTES: usize = 2048;

/// Until a frame has been measured: the cost of drawing a byte (ms), a cautious guess. The
/// first frame runs cold code: a whole answer arriving at once took about 2 ms a KB there,
/// four times the later frames' cost (and four times that again on a 4x slower CPU).
const FIRST_MS_PER_BYTE: f64 = 2.0 / 1024.0;

/// Frames with less text than this say more about fixed costs than about cost per byte.
const MEASURED_BYTES: usize = 1024;

/// Redrawing the open block costs O(its size): a long list without a blank line grows with
/// every frame. So the tail is redrawn only once this many times its last cost has passed,
/// which keeps it under a fifth of the time however big the block (small ones: every frame).
const TAIL_SPACING: f64 = 4.0;

/// Where an answer's DOM updates come from: one call per frame, text in, updates out.
pub trait Frames {
    /// Whether frames can be made now (a stream loaded on demand may not be yet).
    fn ready(&mut self) -> bool;

    fn frame(&mut self, text: &str, slice: Slice, out: &mut Vec<Update>) -> Result<(), String>;
}

/// A stream in this module (natively rendered in tests, markdown source as the fallback).
impl<R: Renderer + Default> Frames for MarkdownStream<R> {
    fn ready(&mut self) -> bool {
        true
    }

    fn frame(&mut self, text: &str, slice: Slice, out: &mut Vec<Update>) -> Result<(), String> {
        MarkdownStream::frame(self, text, slice, out);
        Ok(())
    }
}

/// Draws one streamed answer into a container element, its updates made by `F` (the
/// markdown engine module in the app).
pub struct AnswerRenderer<F = Stream> {
    document: Document,
    container: Element,
    /// The open block, redrawn while it grows: the container's last child but for the
    /// early text.
    tail: Element,
    /// The queue as plain text while the stream cannot take it, then what it has not drawn.
    early: EarlyText,
    early_node: Option<Text>,
    frames: F,
    /// Text received but not yet given to the stream, from `consumed` on.
    backlog: String,
    consumed: usize,
    /// Bytes dropped from the backlog's front, drawn: with `consumed`, the answer's offset.
    drained: u64,
    /// The answer's first bytes that are visible on the page, for the paint figures.
    shown: u64,
    updates: Vec<Update>,
    code: Option<StreamedCode>,
    /// Code blocks opened and closed since the last [`Self::take_code_events`].
    code_events: Vec<CodeEvent>,
    /// New text reached the stream since the tail was last drawn.
    tail_stale: bool,
    /// How long the last frame that redrew the tail took, and when it ended (ms).
    tail_cost: f64,
    tail_drawn_at: f64,
    /// What a byte of text has cost to draw lately (ms), to size each frame's slice.
    ms_per_byte: f64,
    /// The text has ended (it may still be in the backlog).
    text_ended: bool,
    /// The stream was finished and everything is drawn.
    done: bool,
}

impl AnswerRenderer {
    /// Empties `container` and prepares it for a new answer.
    pub fn replace_contents(container: &Element) -> Result<Self, DomError> {
        Self::with_frames(container, Stream::default())
    }
}

impl<F: Frames> AnswerRenderer<F> {
    /// [`AnswerRenderer::replace_contents`] with another source of updates.
    pub fn with_frames(container: &Element, frames: F) -> Result<Self, DomError> {
        let document = container
            .owner_document()
            .ok_or_else(|| DomError("the answer is not in a document".into()))?;
        container.set_text_content(None);
        let tail = document.create_element("div")?;
        tail.set_class_name("answer-tail");
        container.append_child(&tail)?;
        Ok(Self {
            document,
            container: container.clone(),
            tail,
            early: EarlyText::default(),
            early_node: None,
            frames,
            backlog: String::new(),
            consumed: 0,
            drained: 0,
            shown: 0,
            updates: Vec::new(),
            code: None,
            code_events: Vec::new(),
            tail_stale: false,
            tail_cost: 0.0,
            tail_drawn_at: f64::NEG_INFINITY,
            ms_per_byte: FIRST_MS_PER_BYTE,
            text_ended: false,
            done: false,
        })
    }

    /// Queues text that arrived; it is drawn by [`Self::work`].
    pub fn push(&mut self, text: &str) {
        self.backlog.push_str(text);
    }

    /// No more text will come: once the queue is drawn, the open block is finished.
    pub fn end_of_text(&mut self) {
        self.text_ended = true;
    }

    /// Draws one slice of the queued text, as much as the time until `deadline_ms` allows by
    /// the cost of recent frames (at least [`SLICE_BYTES`], so it always progresses), in one
    /// call to the markdown stream. Returns true once everything received is on the page
    /// (and, after the end of the text, finished).
    pub fn work(&mut self, deadline_ms: f64) -> Result<bool, DomError> {
        if self.done {
            return Ok(true);
        }
        // Text waits in the backlog until the stream can take it, shown as it came.
        if !self.frames.ready() {
            // The early text follows the stream too: an answer box it overflows would
            // otherwise stop following before the engine has drawn anything.
            let follow = scroll::near_bottom(&self.container);
            let edit = self.early.waiting(&self.backlog);
            edit_early(&self.document, &self.container, &mut self.early_node, edit)?;
            self.shown = self.drained + self.backlog.len() as u64;
            if follow {
                scroll::to_bottom(&self.container);
            }
            return Ok(false);
        }
        let started = now_ms();
        let tail_due = started - self.tail_drawn_at >= TAIL_SPACING * self.tail_cost;
        let pending = self.consumed < self.backlog.len();
        let work_to_do = pending || self.text_ended || (self.tail_stale && tail_due);
        if !work_to_do {
            return Ok(true);
        }
        // Read before changing anything: layout is still clean from the last frame.
        let follow = scroll::near_bottom(&self.container);
        let limit = if deadline_ms.is_finite() {
            let bytes = (deadline_ms - started).max(0.0) / self.ms_per_byte;
            SLICE_BYTES.max(bytes as usize)
        } else {
            usize::MAX
        };
        let end = slice_end(&self.backlog, self.consumed, limit);
        let caught_up = end == self.backlog.len();
        let text = &self.backlog[self.consumed..end];
        self.tail_stale |= !text.is_empty();
        // While the early text shows what is left, the open block is drawn in every frame:
        // the early text no longer holds it.
        let handing_over = self.early.showing();
        let slice = Slice {
            ends_text: caught_up && self.text_ended,
            tail: self.tail_stale && (handing_over || (caught_up && tail_due)),
        };
        if let Err(error) = self.frames.frame(text, slice, &mut self.updates) {
            // Show the slice as its source rather than lose it.
            web_sys::console::error_1(&format!("The markdown engine failed: {error}").into());
            self.updates.clear();
            self.updates
                .push(Update::Block(Source.block(text, Code::Plain)));
            if slice.ends_text {
                self.updates.push(Update::Tail(TailView::Empty));
            }
        }
        let bytes = end - self.consumed;
        self.apply()?;
        let edit = self.early.drawn(&self.backlog, self.consumed, end);
        edit_early(&self.document, &self.container, &mut self.early_node, edit)?;
        self.consumed = end;
        self.compact();
        self.done = slice.ends_text;
        let ended = now_ms();
        if bytes >= MEASURED_BYTES {
            // The last frame's cost predicts the next one's best: text comes in runs of
            // similar blocks, and a frame slowed by the machine is followed by a smaller one.
            // (Floored: a frame too quick for the clock's resolution is not free.)
            self.ms_per_byte = ((ended - started) / bytes as f64).max(FIRST_MS_PER_BYTE / 64.0);
        }
        if slice.tail || slice.ends_text {
            self.tail_stale = false;
            self.tail_drawn_at = ended;
            // The whole frame's cost, the stream's part included: an overestimate when the
            // frame drew much else too, which only spaces redraws more while text pours in.
            self.tail_cost = ended - started;
        }
        if follow {
            scroll::to_bottom(&self.container);
        }
        // Text in the open block shows once the tail is redrawn; the early text, while
        // handing over, still shows everything the stream has not drawn.
        if self.early.showing() {
            self.shown = self.drained + self.backlog.len() as u64;
        } else if !self.tail_stale {
            self.shown = self.drained + self.consumed as u64;
        }
        Ok(caught_up && (self.done || !self.text_ended))
    }

    /// How many bytes of the text pushed so far are visible on the page.
    pub fn shown_bytes(&self) -> u64 {
        self.shown
    }

    /// The code blocks that opened and closed on the page since the last call.
    pub fn take_code_events(&mut self) -> Vec<CodeEvent> {
        std::mem::take(&mut self.code_events)
    }

    /// Draws the whole queued text over the next frames, each within the frame budget, then
    /// calls `done`; stops early (without `done`) if the answer is taken away or replaced.
    pub fn draw_over_frames(self, done: impl FnOnce() + 'static)
    where
        F: 'static,
    {
        self.draw_frames(FrameBudget::default(), done);
    }

    fn draw_frames(mut self, mut budget: FrameBudget, done: impl FnOnce() + 'static)
    where
        F: 'static,
    {
        leptos::prelude::request_animation_frame(move || {
            if !self.container.contains(Some(&self.tail)) {
                return;
            }
            let now = now_ms();
            let drawn = self.work(now + budget.for_frame(now, true));
            budget.drawn(now_ms());
            match drawn {
                Ok(true) => done(),
                Ok(false) => self.draw_frames(budget, done),
                Err(error) => web_sys::console::error_1(&error.to_string().into()),
            }
        });
    }

    /// Drops the drawn part of the backlog once it is most of it (amortised O(1) per byte).
    fn compact(&mut self) {
        let drained = self.consumed;
        if self.consumed == self.backlog.len() {
            self.backlog.clear();
        } else if self.consumed > self.backlog.len() / 2 {
            self.backlog.drain(..self.consumed);
        } else {
            return;
        }
        self.consumed = 0;
        self.drained += drained as u64;
        self.early.compacted(drained);
    }

    /// Puts the stream's updates into the page.
    fn apply(&mut self) -> Result<(), DomError> {
        let updates = std::mem::take(&mut self.updates);
        for update in &updates {
            match update {
                Update::Block(ops) => {
                    let fragment = self.document.create_document_fragment();
                    dom::build(&self.document, &fragment, ops)?;
                    self.insert(&fragment)?;
                }
                Update::CodeOpen(label) => {
                    let (block, code) = StreamedCode::open(&self.document, label.as_deref())?;
                    self.insert(&block)?;
                    self.code = Some(code);
                    self.code_events.push(CodeEvent::Opened(label.clone()));
                }
                Update::CodeLines { html, lines } => {
                    if let Some(code) = &mut self.code {
                        code.push_lines(html, *lines)?;
                        // The unfinished line shown was the start of one just completed; it
                        // goes until the tail is next drawn, so the block's text only ever
                        // grows at its end (the editor following it relies on that).
                        code.set_partial("");
                    }
                }
                Update::CodeChunk => {
                    if let Some(code) = &mut self.code {
                        code.next_chunk()?;
                    }
                }
                Update::CodeClose => {
                    if let Some(code) = self.code.take() {
                        self.code_events.push(CodeEvent::Closed(code.close()?));
                    }
                }
                Update::Tail(view) => self.draw_tail(view)?,
            }
        }
        // Give the buffer back so its allocation is reused.
        self.updates = updates;
        self.updates.clear();
        Ok(())
    }

    /// Inserts a finished node before the tail.
    fn insert(&self, node: &Node) -> Result<(), DomError> {
        self.container.insert_before(node, Some(&self.tail))?;
        Ok(())
    }

    /// Redraws the unfinished end: the open block, or the open code block's last line.
    fn draw_tail(&self, view: &TailView) -> Result<(), DomError> {
        let partial_line = match view {
            TailView::Code(line) => line,
            TailView::Empty | TailView::Markdown(_) => "",
        };
        if let Some(code) = &self.code {
            code.set_partial(partial_line);
        }
        self.tail.set_text_content(None);
        if let TailView::Markdown(ops) = view {
            dom::build(&self.document, &self.tail, ops)?;
        }
        Ok(())
    }
}

/// Makes `edit` to the early text (a `div.answer-early` at the end of `container` holding one
/// text node, created by its first edit).
fn edit_early(
    document: &Document,
    container: &Element,
    node: &mut Option<Text>,
    edit: EarlyEdit<'_>,
) -> Result<(), DomError> {
    match edit {
        EarlyEdit::Keep => {}
        EarlyEdit::Edit { drop_utf16, append } => {
            let text = match node {
                Some(text) => text,
                None => {
                    let div = document.create_element("div")?;
                    div.set_class_name("answer-early");
                    div.set_attribute("data-test", "answer-early")?;
                    let text = document.create_text_node("");
                    div.append_child(&text)?;
                    container.append_child(&div)?;
                    node.insert(text)
                }
            };
            if drop_utf16 > 0 {
                text.delete_data(0, drop_utf16)?;
            }
            if !append.is_empty() {
                text.append_data(append)?;
            }
        }
        EarlyEdit::Remove => {
            if let Some(div) = node.take().and_then(|text| text.parent_element()) {
                div.remove();
            }
        }
    }
    Ok(())
}

/// Where the slice of `text` from `start` ends: after the last newline within `limit` bytes
/// if there is one (lines complete inside a slice), else on a character boundary.
fn slice_end(text: &str, start: usize, limit: usize) -> usize {
    let Some(limit) = (start.saturating_add(limit)..text.len()).find(|&i| text.is_char_boundary(i))
    else {
        return text.len();
    };
    match text[start..limit].rfind('\n') {
        Some(newline) => start + newline + 1,
        None => limit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sparkplug_core::markdown::Pulldown;

    type Native = MarkdownStream<Pulldown>;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn container() -> Element {
        let document = web_sys::window().unwrap().document().unwrap();
        let div = document.create_element("div").unwrap();
        div.set_inner_html("<p>old answer</p>");
        div
    }

    #[wasm_bindgen_test]
    fn finished_blocks_stay_put_code_streams_by_line_and_the_tail_is_redrawn() {
        let root = container();
        let mut renderer = AnswerRenderer::with_frames(&root, Native::new()).unwrap();
        renderer.push("# Title\n\nSome <b>text</b>\n\n```js\nlet a = 1;\nlet b");
        assert!(renderer.work(f64::INFINITY).unwrap());
        assert!(
            root.query_selector("b").unwrap().is_none(),
            "markup stays text"
        );
        let heading = root.query_selector("h1").unwrap().unwrap();
        let code = root
            .query_selector(".code-block[data-lang=js] code")
            .unwrap()
            .unwrap();
        assert_eq!(code.text_content().unwrap(), "let a = 1;\nlet b");
        assert_eq!(
            code.query_selector_all(".tok-kw").unwrap().length(),
            1,
            "only the complete line is highlighted"
        );

        renderer.push(" = 2;\n```\nAfter");
        renderer.end_of_text();
        assert!(renderer.work(f64::INFINITY).unwrap());
        assert!(
            root.contains(Some(&heading)),
            "a finished block is never rebuilt"
        );
        assert_eq!(code.text_content().unwrap(), "let a = 1;\nlet b = 2;\n");
        assert_eq!(code.query_selector_all(".tok-kw").unwrap().length(), 2);
        assert_eq!(
            root.text_content().unwrap(),
            "TitleSome <b>text</b>let a = 1;\nlet b = 2;\nAfter"
        );
        assert!(!root.text_content().unwrap().contains("old answer"));
    }

    #[wasm_bindgen_test]
    fn a_costly_tail_waits_its_turn_but_the_end_is_always_drawn() {
        let root = container();
        let mut renderer = AnswerRenderer::with_frames(&root, Native::new()).unwrap();
        renderer.push("- one\n- two");
        assert!(renderer.work(f64::INFINITY).unwrap());
        assert_eq!(root.text_content().unwrap(), "onetwo");
        // As if that redraw had taken a very long time: the next is not due yet.
        renderer.tail_cost = 1e9;
        renderer.push("\n- three");
        assert!(renderer.work(f64::INFINITY).unwrap());
        assert_eq!(root.text_content().unwrap(), "onetwo", "redraw postponed");
        renderer.end_of_text();
        assert!(renderer.work(f64::INFINITY).unwrap());
        assert_eq!(root.text_content().unwrap(), "onetwothree");
        assert_eq!(root.query_selector_all("li").unwrap().length(), 3);
    }

    #[wasm_bindgen_test]
    fn a_spent_budget_leaves_the_rest_for_the_next_frame() {
        let root = container();
        let mut renderer = AnswerRenderer::with_frames(&root, Native::new()).unwrap();
        let line = "console.log('a fairly long line of code to fill the slices');\n";
        let body: String = line.repeat(200);
        renderer.push(&format!("```js\n{body}```\n"));
        renderer.end_of_text();
        // A deadline already passed: one slice per call.
        assert!(!renderer.work(0.0).unwrap());
        let after_one = root.text_content().unwrap().len();
        assert!(after_one > 0 && after_one < body.len());
        let mut calls = 1;
        while !renderer.work(0.0).unwrap() {
            calls += 1;
        }
        assert!(calls > 3, "{calls} slices");
        assert_eq!(root.text_content().unwrap(), body);
    }

    /// A stream that cannot take text until `ready` is set, as the engine while it loads.
    struct Late {
        ready: bool,
        stream: Native,
    }

    impl Frames for Late {
        fn ready(&mut self) -> bool {
            self.ready
        }

        fn frame(&mut self, text: &str, slice: Slice, out: &mut Vec<Update>) -> Result<(), String> {
            Frames::frame(&mut self.stream, text, slice, out)
        }
    }

    fn late(root: &Element) -> AnswerRenderer<Late> {
        let frames = Late {
            ready: false,
            stream: Native::new(),
        };
        AnswerRenderer::with_frames(root, frames).unwrap()
    }

    fn early_text(root: &Element) -> Option<String> {
        let early = root.query_selector(".answer-early").unwrap()?;
        assert_eq!(early.child_nodes().length(), 1, "one text node");
        early.text_content()
    }

    #[wasm_bindgen_test]
    fn text_shows_plain_until_the_stream_is_ready_then_only_rendered() {
        let root = container();
        let mut renderer = late(&root);
        renderer.push("# Title\n\nSome *text*");
        assert!(!renderer.work(f64::INFINITY).unwrap());
        assert_eq!(early_text(&root).as_deref(), Some("# Title\n\nSome *text*"));
        assert!(root.query_selector("h1").unwrap().is_none());
        renderer.push(" and 🌍 more");
        assert!(!renderer.work(f64::INFINITY).unwrap());
        assert_eq!(
            early_text(&root).as_deref(),
            Some("# Title\n\nSome *text* and 🌍 more"),
            "appended to"
        );

        renderer.frames.ready = true;
        assert!(renderer.work(f64::INFINITY).unwrap());
        assert_eq!(early_text(&root), None, "the stream caught up at once");
        assert!(root.query_selector("h1").unwrap().is_some());
        assert_eq!(root.text_content().unwrap(), "TitleSome text and 🌍 more");
    }

    #[wasm_bindgen_test]
    fn a_slow_handover_shows_every_line_once() {
        let root = container();
        let mut renderer = late(&root);
        let line = "console.log('a fairly long line of code to fill the slices');\n";
        let body: String = line.repeat(200);
        let source = format!("```js\n{body}```\n");
        renderer.push(&source);
        renderer.end_of_text();
        assert!(!renderer.work(0.0).unwrap());
        assert_eq!(early_text(&root).as_deref(), Some(source.as_str()));

        renderer.frames.ready = true;
        let mut handover_frames = 0;
        while !renderer.work(0.0).unwrap() {
            handover_frames += 1;
            // What is drawn and what the early text still shows join without a gap or overlap.
            let early = early_text(&root).unwrap();
            let code = root.query_selector(".code-block code").unwrap().unwrap();
            assert_eq!(
                format!("{}{early}", code.text_content().unwrap()),
                source["```js\n".len()..]
            );
        }
        assert!(handover_frames > 3, "{handover_frames} frames");
        assert_eq!(early_text(&root), None);
        assert_eq!(root.text_content().unwrap(), body);
    }

    #[wasm_bindgen_test]
    fn slices_end_after_a_newline_or_on_a_character_boundary() {
        let text = format!("{}\n{}", "a".repeat(10), "é".repeat(SLICE_BYTES));
        assert_eq!(slice_end(&text, 0, SLICE_BYTES), 11);
        let end = slice_end(&text, 11, SLICE_BYTES);
        assert!(text.is_char_boundary(end) && end > 11 && end <= 11 + SLICE_BYTES + 1);
        assert_eq!(slice_end("short", 0, SLICE_BYTES), 5);
        assert_eq!(slice_end(&text, 0, usize::MAX), text.len());
    }
}
