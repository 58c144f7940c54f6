//! The markdown stream the page draws from: finished blocks as operations to build once, code
//! lines highlighted as each completes, and the open tail rendered plain on demand.

use super::split::{BlockSplitter, Split, Tail};
use super::tree::{code_label, push_highlighted, BlockRenderer, Code, Op, Pulldown};
use crate::markdown::highlight::{Highlighter, Language};

/// One change to the rendered answer, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Update {
    /// A finished block: build it once and never touch it again.
    Block(Vec<Op>),
    /// A fenced code block opened, with its language label.
    CodeOpen(Option<String>),
    /// One complete line of the open code block (highlighted when the language is known),
    /// ending in `\n`.
    CodeLine(Vec<Op>),
    CodeClose,
}

/// The unfinished end of the answer, re-rendered each frame while it changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TailView<'a> {
    Empty,
    /// The open block rendered plain (code in it is not highlighted until it is finished).
    Markdown(Vec<Op>),
    /// The unfinished line of the open code block, as plain text.
    Code(&'a str),
}

/// Blocks are rendered by `R`: pulldown-cmark here, the lazily loaded engine in the app.
#[derive(Debug, Default)]
pub struct MarkdownStream<R = Pulldown> {
    renderer: R,
    splitter: BlockSplitter,
    /// The open code block's highlighter; `None` outside code or for unknown languages.
    code: Option<Highlighter>,
    splits: Vec<Split>,
}

impl MarkdownStream {
    pub fn new() -> Self {
        Self::default()
    }
}

impl<R: BlockRenderer> MarkdownStream<R> {
    pub fn with_renderer(renderer: R) -> Self {
        Self {
            renderer,
            splitter: BlockSplitter::default(),
            code: None,
            splits: Vec::new(),
        }
    }

    pub fn renderer(&self) -> &R {
        &self.renderer
    }

    /// Adds text; the updates it causes are appended to `out`. Costs O(new text).
    pub fn push(&mut self, text: &str, out: &mut Vec<Update>) {
        self.splitter.push(text, &mut self.splits);
        self.convert(out);
    }

    /// The text ended: everything still open is finished.
    pub fn finish(&mut self, out: &mut Vec<Update>) {
        self.splitter.finish(&mut self.splits);
        self.convert(out);
    }

    /// The unfinished end. Rendering it costs O(open block), not O(answer): only one block
    /// is ever open, and an open code block shows just its last line.
    pub fn tail(&self) -> TailView<'_> {
        match self.splitter.tail() {
            Tail::Empty => TailView::Empty,
            Tail::Code(line) => TailView::Code(line),
            Tail::Markdown { open, partial } => TailView::Markdown(
                self.renderer
                    .render(&format!("{open}{partial}"), Code::Plain),
            ),
        }
    }

    fn convert(&mut self, out: &mut Vec<Update>) {
        for split in self.splits.drain(..) {
            out.push(match split {
                Split::Block(block) => {
                    Update::Block(self.renderer.render(&block.source, Code::Highlighted))
                }
                Split::CodeOpen { info } => {
                    let label = code_label(&info);
                    self.code = label
                        .as_deref()
                        .and_then(Language::from_label)
                        .map(Highlighter::new);
                    Update::CodeOpen(label)
                }
                Split::CodeLine(line) => match &mut self.code {
                    Some(highlighter) => {
                        let mut ops = Vec::new();
                        push_highlighted(&mut ops, highlighter, &line);
                        Update::CodeLine(ops)
                    }
                    None => Update::CodeLine(vec![Op::Text(line)]),
                },
                Split::CodeClose => {
                    self.code = None;
                    Update::CodeClose
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::highlight::TokenClass;
    use crate::markdown::Element;

    #[test]
    fn code_lines_are_highlighted_as_they_complete_and_the_tail_stays_plain() {
        let mut stream = MarkdownStream::new();
        let mut out = Vec::new();
        stream.push("# Hi\n```js\nlet a = 1;\nlet b", &mut out);
        assert_eq!(
            out,
            vec![
                Update::Block(vec![
                    Op::Open(Element::Heading(1)),
                    Op::Text("Hi".into()),
                    Op::Close
                ]),
                Update::CodeOpen(Some("js".into())),
                Update::CodeLine(vec![
                    Op::Token(TokenClass::Keyword, "let".into()),
                    Op::Text(" a = ".into()),
                    Op::Token(TokenClass::Number, "1".into()),
                    Op::Text(";\n".into()),
                ]),
            ]
        );
        assert_eq!(stream.tail(), TailView::Code("let b"));
        out.clear();
        stream.finish(&mut out);
        assert_eq!(out.last(), Some(&Update::CodeClose));
        assert_eq!(stream.tail(), TailView::Empty);
    }

    #[test]
    fn unknown_languages_stream_plain_lines() {
        let mut stream = MarkdownStream::new();
        let mut out = Vec::new();
        stream.push("```brainfuck\n+++.\n```\npara", &mut out);
        assert_eq!(
            out,
            vec![
                Update::CodeOpen(Some("brainfuck".into())),
                Update::CodeLine(vec![Op::Text("+++.\n".into())]),
                Update::CodeClose,
            ]
        );
        assert_eq!(
            stream.tail(),
            TailView::Markdown(vec![
                Op::Open(Element::Paragraph),
                Op::Text("para".into()),
                Op::Close
            ])
        );
    }
}
