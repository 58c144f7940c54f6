//! The markdown stream, one frame slice at a time: text in, the DOM updates it causes out
//! (finished blocks as operations to build once, code lines as escaped HTML, the open tail).

use super::html::{code_line_html, escape_into};
use super::split::{BlockSplitter, Split, Tail};
use super::tree::{code_label, render, Code, Element, Op};
use crate::markdown::highlight::{Highlighter, Language};

/// One change to the rendered answer, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Update {
    /// A finished block: build it once and never touch it again.
    Block(Vec<Op>),
    /// A fenced code block opened, with its language label.
    CodeOpen(Option<String>),
    /// Complete lines of the open code block, each `<span class="ln">…</span>` with the text
    /// escaped (see [`code_line_html`]), highlighted when the language is known; all of them
    /// belong in the block's current chunk.
    CodeLines {
        html: String,
        lines: usize,
    },
    /// The open code block's current chunk is full ([`CHUNK_LINES`]): seal it, start the next.
    CodeChunk,
    CodeClose,
    /// The unfinished end, to redraw in place of the last one.
    Tail(TailView),
}

/// The unfinished end of the answer, redrawn while it changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TailView {
    Empty,
    /// The open block rendered plain (code in it is not highlighted until it is finished).
    Markdown(Vec<Op>),
    /// The unfinished line of the open code block, as plain text.
    Code(String),
}

/// Lines per chunk of a streamed code block: the page lays out and paints a sealed chunk only
/// while it is in view (`style/answer.css` sizes its placeholder from its line count).
pub const CHUNK_LINES: usize = 32;

/// What one frame's slice asks of the stream besides taking its text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Slice {
    /// The text ends with this slice: everything still open is finished (and the tail,
    /// now empty, is always sent).
    pub ends_text: bool,
    /// Send the tail as it is after this slice.
    pub tail: bool,
}

/// How blocks and code lines become updates: [`Pulldown`] in the markdown engine (and
/// natively), [`Source`] in the app when the engine cannot load.
pub trait Renderer {
    fn block(&self, source: &str, code: Code) -> Vec<Op>;
    /// A fenced code block with this label opens.
    fn code_open(&mut self, label: Option<&str>);
    /// Appends one complete line of the open code block as escaped HTML.
    fn code_line(&mut self, line: &str, html: &mut String);
}

/// pulldown-cmark for blocks, the highlighter for code lines.
#[derive(Debug, Default)]
pub struct Pulldown {
    /// The open code block's highlighter; `None` outside code or for unknown languages.
    code: Option<Highlighter>,
}

impl Renderer for Pulldown {
    fn block(&self, source: &str, code: Code) -> Vec<Op> {
        render(source, code)
    }

    fn code_open(&mut self, label: Option<&str>) {
        self.code = label.and_then(Language::from_label).map(Highlighter::new);
    }

    fn code_line(&mut self, line: &str, html: &mut String) {
        let spans = match &mut self.code {
            Some(highlighter) => highlighter.line(line),
            None => Vec::new(),
        };
        code_line_html(html, line, &spans);
    }
}

/// Blocks as their markdown source, shown verbatim (as text, like everything else), and
/// code lines plain: what the app shows without the engine, so nothing is lost.
#[derive(Debug, Default)]
pub struct Source;

impl Renderer for Source {
    fn block(&self, source: &str, _: Code) -> Vec<Op> {
        vec![
            Op::Open(Element::RawHtml),
            Op::Text(source.to_owned()),
            Op::Close,
        ]
    }

    fn code_open(&mut self, _: Option<&str>) {}

    fn code_line(&mut self, line: &str, html: &mut String) {
        html.push_str("<span class=\"ln\">");
        escape_into(html, line);
        html.push_str("</span>");
    }
}

/// The whole stateful stream: the block splitter and the renderer `R`.
#[derive(Debug, Default)]
pub struct MarkdownStream<R = Pulldown> {
    renderer: R,
    splitter: BlockSplitter,
    splits: Vec<Split>,
    /// Lines in the open code block's current chunk.
    chunk_lines: usize,
}

impl<R: Renderer + Default> MarkdownStream<R> {
    pub fn new() -> Self {
        Self {
            renderer: R::default(),
            splitter: BlockSplitter::default(),
            splits: Vec::new(),
            chunk_lines: 0,
        }
    }

    /// Takes one frame's text; the updates it causes are appended to `out`. Costs O(text),
    /// plus O(open block) when the tail is asked for: only one block is ever open, and an
    /// open code block shows just its last line.
    pub fn frame(&mut self, text: &str, slice: Slice, out: &mut Vec<Update>) {
        self.splitter.push(text, &mut self.splits);
        if slice.ends_text {
            self.splitter.finish(&mut self.splits);
        }
        self.convert(out);
        if slice.tail || slice.ends_text {
            out.push(Update::Tail(self.tail()));
        }
    }

    fn tail(&self) -> TailView {
        match self.splitter.tail() {
            Tail::Empty => TailView::Empty,
            Tail::Code(line) => TailView::Code(line.to_owned()),
            Tail::Markdown { open, partial } => TailView::Markdown(
                self.renderer
                    .block(&format!("{open}{partial}"), Code::Plain),
            ),
        }
    }

    fn convert(&mut self, out: &mut Vec<Update>) {
        for split in self.splits.drain(..) {
            match split {
                Split::Block(block) => out.push(Update::Block(
                    self.renderer.block(&block.source, Code::Highlighted),
                )),
                Split::CodeOpen { info } => {
                    let label = code_label(&info);
                    self.renderer.code_open(label.as_deref());
                    self.chunk_lines = 0;
                    out.push(Update::CodeOpen(label));
                }
                Split::CodeLine(line) => {
                    // Lines of one chunk travel together: one string, not one per line.
                    if !matches!(out.last(), Some(Update::CodeLines { .. })) {
                        out.push(Update::CodeLines {
                            html: String::new(),
                            lines: 0,
                        });
                    }
                    if let Some(Update::CodeLines { html, lines }) = out.last_mut() {
                        self.renderer.code_line(&line, html);
                        *lines += 1;
                    }
                    self.chunk_lines += 1;
                    if self.chunk_lines == CHUNK_LINES {
                        self.chunk_lines = 0;
                        out.push(Update::CodeChunk);
                    }
                }
                Split::CodeClose => {
                    self.renderer.code_open(None);
                    out.push(Update::CodeClose);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MORE: Slice = Slice {
        ends_text: false,
        tail: true,
    };
    const END: Slice = Slice {
        ends_text: true,
        tail: false,
    };

    #[test]
    fn code_lines_are_highlighted_as_they_complete_and_the_tail_stays_plain() {
        let mut stream = MarkdownStream::<Pulldown>::new();
        let mut out = Vec::new();
        stream.frame("# Hi\n```js\nlet a = 1;\nlet b", MORE, &mut out);
        assert_eq!(
            out,
            vec![
                Update::Block(vec![
                    Op::Open(Element::Heading(1)),
                    Op::Text("Hi".into()),
                    Op::Close
                ]),
                Update::CodeOpen(Some("js".into())),
                Update::CodeLines {
                    html: "<span class=\"ln\"><span class=\"tok-kw\">let</span> a = \
                           <span class=\"tok-num\">1</span>;\n</span>"
                        .into(),
                    lines: 1
                },
                Update::Tail(TailView::Code("let b".into())),
            ]
        );
        out.clear();
        stream.frame("", END, &mut out);
        assert_eq!(
            out[out.len() - 2..],
            [Update::CodeClose, Update::Tail(TailView::Empty)]
        );
    }

    #[test]
    fn unknown_languages_stream_plain_lines_and_the_tail_comes_when_asked() {
        let mut stream = MarkdownStream::<Pulldown>::new();
        let mut out = Vec::new();
        stream.frame("```brainfuck\n+<+.\n```\npara", Slice::default(), &mut out);
        assert_eq!(
            out,
            vec![
                Update::CodeOpen(Some("brainfuck".into())),
                Update::CodeLines {
                    html: "<span class=\"ln\">+&lt;+.\n</span>".into(),
                    lines: 1
                },
                Update::CodeClose,
            ]
        );
        out.clear();
        stream.frame("", MORE, &mut out);
        assert_eq!(
            out,
            vec![Update::Tail(TailView::Markdown(vec![
                Op::Open(Element::Paragraph),
                Op::Text("para".into()),
                Op::Close
            ]))]
        );
    }

    #[test]
    fn code_lines_travel_together_in_chunks_of_a_fixed_size() {
        let mut stream = MarkdownStream::<Pulldown>::new();
        let mut out = Vec::new();
        let body = "x\n".repeat(CHUNK_LINES + 3);
        stream.frame(&format!("```\n{body}"), Slice::default(), &mut out);
        stream.frame("y\n```\n", Slice::default(), &mut out);
        let line = "<span class=\"ln\">x\n</span>";
        assert_eq!(
            out,
            vec![
                Update::CodeOpen(None),
                Update::CodeLines {
                    html: line.repeat(CHUNK_LINES),
                    lines: CHUNK_LINES
                },
                Update::CodeChunk,
                Update::CodeLines {
                    html: format!("{}<span class=\"ln\">y\n</span>", line.repeat(3)),
                    lines: 4
                },
                Update::CodeClose,
            ]
        );
    }

    #[test]
    fn the_source_renderer_shows_prose_verbatim_and_streams_code_plain() {
        let mut stream = MarkdownStream::<Source>::new();
        let mut out = Vec::new();
        stream.frame("**b** <i>\n\n```js\nlet a;\n```\n- open", MORE, &mut out);
        let raw = |text: &str| vec![Op::Open(Element::RawHtml), Op::Text(text.into()), Op::Close];
        assert_eq!(
            out,
            vec![
                Update::Block(raw("**b** <i>\n")),
                Update::CodeOpen(Some("js".into())),
                Update::CodeLines {
                    html: "<span class=\"ln\">let a;\n</span>".into(),
                    lines: 1
                },
                Update::CodeClose,
                Update::Tail(TailView::Markdown(raw("- open"))),
            ]
        );
    }
}
