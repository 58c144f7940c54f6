//! The answer renderer: text is queued as it arrives and drawn in slices until the frame's
//! budget is spent, finished blocks once, code line by line, the open tail when caught up.

use sparkplug_core::markdown::{BlockRenderer, MarkdownStream, TailView, Update};
use web_sys::{Document, Element, Node};

use super::code_block::StreamedCode;
use super::engine::Engine;
use super::{dom, scroll, DomError};
use crate::live::now_ms;

/// Text handed to the markdown stream in one go: small enough that a slice of dense code
/// (a few hundred DOM nodes) takes well under a millisecond or two, so the budget check
/// between slices keeps a frame short even when a whole answer arrives at once.
const SLICE_BYTES: usize = 2048;

/// Redrawing the open block costs O(its size): a long list without a blank line grows with
/// every frame. So the tail is redrawn only once this many times its last cost has passed,
/// which keeps it under a fifth of the time however big the block (small ones: every frame).
const TAIL_SPACING: f64 = 4.0;

/// Draws one streamed answer into a container element, its blocks rendered by `R` (the
/// markdown engine module in the app).
pub struct AnswerRenderer<R = Engine> {
    document: Document,
    container: Element,
    /// Always the container's last child: the open block, redrawn while it grows.
    tail: Element,
    stream: MarkdownStream<R>,
    /// Text received but not yet given to the stream, from `consumed` on.
    backlog: String,
    consumed: usize,
    updates: Vec<Update>,
    code: Option<StreamedCode>,
    /// New text reached the stream since the tail was last drawn.
    tail_stale: bool,
    /// How long the last tail redraw took, and when it ended (ms).
    tail_cost: f64,
    tail_drawn_at: f64,
    /// The text has ended (it may still be in the backlog).
    text_ended: bool,
    /// The stream was finished and everything is drawn.
    done: bool,
}

impl AnswerRenderer {
    /// Empties `container` and prepares it for a new answer.
    pub fn replace_contents(container: &Element) -> Result<Self, DomError> {
        Self::with_renderer(container, Engine)
    }
}

impl<R: BlockRenderer> AnswerRenderer<R> {
    /// [`AnswerRenderer::replace_contents`] with another block renderer.
    pub fn with_renderer(container: &Element, renderer: R) -> Result<Self, DomError> {
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
            stream: MarkdownStream::with_renderer(renderer),
            backlog: String::new(),
            consumed: 0,
            updates: Vec::new(),
            code: None,
            tail_stale: false,
            tail_cost: 0.0,
            tail_drawn_at: f64::NEG_INFINITY,
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

    /// Draws queued text until `deadline_ms` (at least one slice, so it always progresses).
    /// Returns true once everything received is on the page (and, after the end of the
    /// text, finished).
    pub fn work(&mut self, deadline_ms: f64) -> Result<bool, DomError> {
        if self.done {
            return Ok(true);
        }
        // Text waits in the backlog until the renderer can draw it.
        if !self.stream.renderer().ready() {
            return Ok(false);
        }
        // Read before changing anything: layout is still clean from the last frame.
        let follow = scroll::near_bottom(&self.container);
        let mut changed = false;
        while self.consumed < self.backlog.len() {
            let end = slice_end(&self.backlog, self.consumed);
            self.stream
                .push(&self.backlog[self.consumed..end], &mut self.updates);
            self.consumed = end;
            self.apply()?;
            changed = true;
            if now_ms() >= deadline_ms {
                break;
            }
        }
        self.compact();
        let caught_up = self.consumed == self.backlog.len();
        if caught_up && self.text_ended {
            self.stream.finish(&mut self.updates);
            self.apply()?;
            self.done = true;
            changed = true;
        }
        let tail_due = self.done || now_ms() - self.tail_drawn_at >= TAIL_SPACING * self.tail_cost;
        if caught_up && self.tail_stale && tail_due {
            self.draw_tail()?;
            changed = true;
        }
        if changed && follow {
            scroll::to_bottom(&self.container);
        }
        Ok(caught_up && (self.done || !self.text_ended))
    }

    /// Draws the whole queued text over the next frames, each within the frame budget, then
    /// calls `done`; stops early (without `done`) if the answer is taken away or replaced.
    pub fn draw_over_frames(mut self, done: impl FnOnce() + 'static)
    where
        R: 'static,
    {
        leptos::prelude::request_animation_frame(move || {
            if !self.container.contains(Some(&self.tail)) {
                return;
            }
            match self.work(now_ms() + super::FRAME_BUDGET_MS) {
                Ok(true) => done(),
                Ok(false) => self.draw_over_frames(done),
                Err(error) => web_sys::console::error_1(&error.to_string().into()),
            }
        });
    }

    /// Drops the drawn part of the backlog once it is most of it (amortised O(1) per byte).
    fn compact(&mut self) {
        if self.consumed == self.backlog.len() {
            self.backlog.clear();
            self.consumed = 0;
        } else if self.consumed > self.backlog.len() / 2 {
            self.backlog.drain(..self.consumed);
            self.consumed = 0;
        }
    }

    /// Puts the stream's updates into the page.
    fn apply(&mut self) -> Result<(), DomError> {
        self.tail_stale = true;
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
                }
                Update::CodeLine(ops) => {
                    if let Some(code) = &mut self.code {
                        code.push_line(ops)?;
                    }
                }
                Update::CodeClose => {
                    if let Some(code) = self.code.take() {
                        code.close()?;
                    }
                }
            }
        }
        // Give the buffer back so its allocation is reused.
        self.updates = updates;
        self.updates.clear();
        if let Some(code) = &mut self.code {
            code.flush()?;
        }
        Ok(())
    }

    /// Inserts a finished node before the tail.
    fn insert(&self, node: &Node) -> Result<(), DomError> {
        self.container.insert_before(node, Some(&self.tail))?;
        Ok(())
    }

    /// Redraws the unfinished end: the open block, or the open code block's last line.
    fn draw_tail(&mut self) -> Result<(), DomError> {
        let started = now_ms();
        self.tail_stale = false;
        let view = self.stream.tail();
        let partial_line = match &view {
            TailView::Code(line) => line,
            TailView::Empty | TailView::Markdown(_) => "",
        };
        if let Some(code) = &self.code {
            code.set_partial(partial_line);
        }
        self.tail.set_text_content(None);
        if let TailView::Markdown(ops) = &view {
            dom::build(&self.document, &self.tail, ops)?;
        }
        self.tail_drawn_at = now_ms();
        self.tail_cost = self.tail_drawn_at - started;
        Ok(())
    }
}

/// Where the next slice of `text` from `start` ends: after the last newline within
/// [`SLICE_BYTES`] if there is one (lines complete inside a slice), on a character boundary.
fn slice_end(text: &str, start: usize) -> usize {
    let Some(limit) = (start + SLICE_BYTES..text.len()).find(|&i| text.is_char_boundary(i)) else {
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
        let mut renderer = AnswerRenderer::with_renderer(&root, Pulldown).unwrap();
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
        let mut renderer = AnswerRenderer::with_renderer(&root, Pulldown).unwrap();
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
        let mut renderer = AnswerRenderer::with_renderer(&root, Pulldown).unwrap();
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

    #[wasm_bindgen_test]
    fn slices_end_after_a_newline_or_on_a_character_boundary() {
        let text = format!("{}\n{}", "a".repeat(10), "é".repeat(SLICE_BYTES));
        assert_eq!(slice_end(&text, 0), 11);
        let end = slice_end(&text, 11);
        assert!(text.is_char_boundary(end) && end > 11 && end <= 11 + SLICE_BYTES + 1);
        assert_eq!(slice_end("short", 0), 5);
    }
}
