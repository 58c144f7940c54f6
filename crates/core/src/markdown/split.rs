//! The incremental block splitter: markdown arrives in pieces of any size; each finished block
//! comes out once, an open code fence comes out line by line, and only the open tail waits.
//!
//! It works on complete lines only (the unfinished last line is kept aside), so its output
//! cannot depend on how the text was chunked, and each push costs O(new text): a line is
//! looked at once when it completes, never again.

use super::line::{self, Fence, Start};

/// What kind of block a finished markdown block is (by its first lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    Paragraph,
    Heading,
    List,
    Quote,
    Table,
    Rule,
    IndentedCode,
}

/// A finished block: its kind and its markdown source, ending in one newline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub kind: BlockKind,
    pub source: String,
}

/// One step of the split, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Split {
    Block(Block),
    /// A fenced code block opened; `info` is the text after the fence (`js title="x"`).
    CodeOpen {
        info: String,
    },
    /// A complete line of the open code block, fence indentation removed, ending in `\n`.
    CodeLine(String),
    CodeClose,
}

/// What is not finished yet, for the per-frame re-render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tail<'a> {
    Empty,
    /// The open block's complete lines and the unfinished line after them.
    Markdown {
        open: &'a str,
        partial: &'a str,
    },
    /// The unfinished line of an open code block.
    Code(&'a str),
}

#[derive(Debug, Default)]
pub struct BlockSplitter {
    /// The unfinished last line (no newline yet).
    partial: String,
    state: State,
}

#[derive(Debug, Default)]
enum State {
    #[default]
    Between,
    Open(OpenBlock),
    Code(Fence),
}

#[derive(Debug)]
struct OpenBlock {
    kind: BlockKind,
    source: String,
    lines: usize,
    /// The last line was blank (a list may still continue after it).
    blank_pending: bool,
    /// Where a list item's content starts: lines indented this far continue it.
    content_indent: usize,
    /// A fence opened inside a list item: every line belongs to the list until it closes.
    inner_fence: Option<Fence>,
}

impl OpenBlock {
    fn new(kind: BlockKind, content_indent: usize) -> Self {
        Self {
            kind,
            source: String::new(),
            lines: 0,
            blank_pending: false,
            content_indent,
            inner_fence: None,
        }
    }

    fn append(&mut self, line: &str) {
        self.source.push_str(line);
        self.source.push('\n');
        self.lines += 1;
    }
}

impl BlockSplitter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds text; what it finishes is appended to `out`.
    pub fn push(&mut self, text: &str, out: &mut Vec<Split>) {
        let mut rest = text;
        while let Some(newline) = rest.find('\n') {
            let head = &rest[..newline];
            rest = &rest[newline + 1..];
            if self.partial.is_empty() {
                self.line(head, out);
            } else {
                self.partial.push_str(head);
                let whole = std::mem::take(&mut self.partial);
                self.line(&whole, out);
                // Keep the allocation for the next unfinished line.
                self.partial = whole;
                self.partial.clear();
            }
        }
        self.partial.push_str(rest);
    }

    /// The text ended: the unfinished line counts as complete and every open block closes.
    pub fn finish(&mut self, out: &mut Vec<Split>) {
        if !self.partial.is_empty() {
            let last = std::mem::take(&mut self.partial);
            self.line(&last, out);
        }
        match std::mem::take(&mut self.state) {
            State::Between => {}
            State::Open(block) => out.push(close(block)),
            State::Code(_) => out.push(Split::CodeClose),
        }
    }

    /// The unfinished part. Inside a code block, a line that may be becoming the closing
    /// fence is not shown, so the fence never flashes up as code.
    pub fn tail(&self) -> Tail<'_> {
        match &self.state {
            State::Code(fence) => {
                let (_, offset) = line::indentation(&self.partial);
                let rest = &self.partial[offset..];
                if rest.bytes().all(|b| b == fence.ch) {
                    Tail::Empty
                } else {
                    Tail::Code(strip_indent(&self.partial, fence.indent))
                }
            }
            State::Open(block) => Tail::Markdown {
                open: &block.source,
                partial: &self.partial,
            },
            State::Between if line::is_blank(&self.partial) => Tail::Empty,
            State::Between => Tail::Markdown {
                open: "",
                partial: &self.partial,
            },
        }
    }

    fn line(&mut self, raw: &str, out: &mut Vec<Split>) {
        let text = raw.strip_suffix('\r').unwrap_or(raw);
        match std::mem::take(&mut self.state) {
            State::Code(fence) => {
                if line::closes(text, fence) {
                    out.push(Split::CodeClose);
                } else {
                    let mut code = strip_indent(text, fence.indent).to_owned();
                    code.push('\n');
                    out.push(Split::CodeLine(code));
                    self.state = State::Code(fence);
                }
            }
            State::Between => self.start(text, out),
            State::Open(block) => self.continue_block(block, text, out),
        }
    }

    /// A line outside any block: it starts one (or is a blank between blocks).
    fn start(&mut self, text: &str, out: &mut Vec<Split>) {
        let single = |kind| {
            Split::Block(Block {
                kind,
                source: format!("{text}\n"),
            })
        };
        let block = match line::classify(text) {
            Start::Blank => return,
            Start::Fence { fence, info } => {
                out.push(Split::CodeOpen {
                    info: info.to_owned(),
                });
                self.state = State::Code(fence);
                return;
            }
            Start::Heading => return out.push(single(BlockKind::Heading)),
            Start::Rule => return out.push(single(BlockKind::Rule)),
            Start::Quote => OpenBlock::new(BlockKind::Quote, 0),
            Start::List(marker) => OpenBlock::new(BlockKind::List, marker.content_indent),
            Start::Indented => OpenBlock::new(BlockKind::IndentedCode, 0),
            Start::Text => OpenBlock::new(BlockKind::Paragraph, 0),
        };
        let mut block = block;
        block.append(text);
        self.state = State::Open(block);
    }

    fn continue_block(&mut self, mut block: OpenBlock, text: &str, out: &mut Vec<Split>) {
        let keep = match block.kind {
            BlockKind::Paragraph | BlockKind::Table => continue_paragraph(&mut block, text),
            BlockKind::Quote => continue_quote(text),
            BlockKind::List => continue_list(&mut block, text),
            BlockKind::IndentedCode => continue_indented(&mut block, text),
            // Single-line blocks are never left open.
            BlockKind::Heading | BlockKind::Rule => Continue::Restart,
        };
        match keep {
            Continue::Append => {
                block.append(text);
                self.state = State::Open(block);
            }
            Continue::AppendAndClose => {
                block.append(text);
                out.push(close(block));
            }
            Continue::Close => out.push(close(block)),
            Continue::Restart => {
                out.push(close(block));
                self.start(text, out);
            }
        }
    }
}

/// What a line does to the open block.
enum Continue {
    Append,
    /// The line is the block's last (a setext underline).
    AppendAndClose,
    /// A blank line ended the block.
    Close,
    /// The line ended the block and starts the next one.
    Restart,
}

fn continue_paragraph(block: &mut OpenBlock, text: &str) -> Continue {
    if block.kind == BlockKind::Paragraph {
        if block.lines == 1 && line::is_table_delimiter(text) && block.source.contains('|') {
            block.kind = BlockKind::Table;
            return Continue::Append;
        }
        if line::is_setext_underline(text) {
            block.kind = BlockKind::Heading;
            return Continue::AppendAndClose;
        }
    }
    match line::classify(text) {
        Start::Blank => Continue::Close,
        Start::Fence { .. } | Start::Heading | Start::Rule | Start::Quote => Continue::Restart,
        Start::List(marker) if line::list_interrupts_paragraph(marker) => Continue::Restart,
        _ => Continue::Append,
    }
}

fn continue_quote(text: &str) -> Continue {
    match line::classify(text) {
        Start::Blank => Continue::Close,
        Start::Quote | Start::Indented | Start::Text => Continue::Append,
        Start::List(marker) if !line::list_interrupts_paragraph(marker) => Continue::Append,
        _ => Continue::Restart,
    }
}

fn continue_list(block: &mut OpenBlock, text: &str) -> Continue {
    if let Some(fence) = block.inner_fence {
        if line::closes_anywhere(text, fence) {
            block.inner_fence = None;
        }
        return Continue::Append;
    }
    let start = line::classify(text);
    if start == Start::Blank {
        block.blank_pending = true;
        return Continue::Append;
    }
    let (indent, _) = line::indentation(text);
    let after_blank = std::mem::replace(&mut block.blank_pending, false);
    if indent >= block.content_indent {
        block.inner_fence = line::opens_fence_anywhere(text);
        return Continue::Append;
    }
    match start {
        Start::List(marker) => {
            block.content_indent = marker.content_indent;
            Continue::Append
        }
        Start::Fence { .. } | Start::Heading | Start::Rule | Start::Quote => Continue::Restart,
        Start::Indented => Continue::Append,
        // After a blank line, unindented text is a new paragraph; right after a line of
        // the list it is a lazy continuation of that line's paragraph.
        Start::Text | Start::Blank if after_blank => Continue::Restart,
        Start::Text | Start::Blank => Continue::Append,
    }
}

fn continue_indented(block: &mut OpenBlock, text: &str) -> Continue {
    match line::classify(text) {
        Start::Indented => {
            block.blank_pending = false;
            Continue::Append
        }
        Start::Blank => {
            block.blank_pending = true;
            Continue::Append
        }
        _ => Continue::Restart,
    }
}

/// The finished block, without the blank lines a list or indented code kept in case it
/// continued (its first line is never blank, so this stops there).
fn close(mut block: OpenBlock) -> Split {
    while let Some(body) = block.source.strip_suffix('\n') {
        let last_start = body.rfind('\n').map_or(0, |i| i + 1);
        if last_start == 0 || !line::is_blank(&body[last_start..]) {
            break;
        }
        block.source.truncate(last_start);
    }
    Split::Block(Block {
        kind: block.kind,
        source: block.source,
    })
}

/// Removes up to `columns` columns of leading spaces (a code line inside an indented fence).
fn strip_indent(text: &str, columns: usize) -> &str {
    let spaces = text
        .bytes()
        .take(columns)
        .take_while(|&b| b == b' ')
        .count();
    &text[spaces..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_whole(text: &str) -> Vec<Split> {
        let mut splitter = BlockSplitter::new();
        let mut out = Vec::new();
        splitter.push(text, &mut out);
        splitter.finish(&mut out);
        out
    }

    fn block(kind: BlockKind, source: &str) -> Split {
        Split::Block(Block {
            kind,
            source: source.into(),
        })
    }

    #[test]
    fn splits_a_typical_answer_into_its_blocks() {
        let text = "# Title\n\nSome *intro*\nover two lines.\n\n```js\nconst a = 1;\n\n  if (a) {}\n```\n- one\n- two\n\n  more of two\n\nAfter.\n> quote\nlazy\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n***\nHeading\n===\n";
        let expected = vec![
            block(BlockKind::Heading, "# Title\n"),
            block(BlockKind::Paragraph, "Some *intro*\nover two lines.\n"),
            Split::CodeOpen { info: "js".into() },
            Split::CodeLine("const a = 1;\n".into()),
            Split::CodeLine("\n".into()),
            Split::CodeLine("  if (a) {}\n".into()),
            Split::CodeClose,
            block(BlockKind::List, "- one\n- two\n\n  more of two\n"),
            block(BlockKind::Paragraph, "After.\n"),
            block(BlockKind::Quote, "> quote\nlazy\n"),
            block(BlockKind::Table, "| a | b |\n|---|---|\n| 1 | 2 |\n"),
            block(BlockKind::Rule, "***\n"),
            block(BlockKind::Heading, "Heading\n===\n"),
        ];
        assert_eq!(split_whole(text), expected);
    }

    #[test]
    fn fences_inside_list_items_stay_in_the_list_and_indented_fences_are_dedented() {
        let text =
            "1. Install:\n\n   ```sh\n   npm i\n\n   ```\n2. Run\n\nDone\n\n  ```\n  x\n ```\n";
        let out = split_whole(text);
        assert_eq!(
            out,
            vec![
                block(
                    BlockKind::List,
                    "1. Install:\n\n   ```sh\n   npm i\n\n   ```\n2. Run\n"
                ),
                block(BlockKind::Paragraph, "Done\n"),
                Split::CodeOpen {
                    info: String::new()
                },
                Split::CodeLine("x\n".into()),
                Split::CodeClose,
            ]
        );
    }

    #[test]
    fn an_open_code_block_reports_each_line_as_it_completes() {
        let mut splitter = BlockSplitter::new();
        let mut out = Vec::new();
        splitter.push("Intro\n\n```py\nprint(1)\npri", &mut out);
        assert_eq!(
            out,
            vec![
                block(BlockKind::Paragraph, "Intro\n"),
                Split::CodeOpen { info: "py".into() },
                Split::CodeLine("print(1)\n".into()),
            ]
        );
        assert_eq!(splitter.tail(), Tail::Code("pri"));
        out.clear();
        splitter.push("nt(2)\n``", &mut out);
        assert_eq!(out, vec![Split::CodeLine("print(2)\n".into())]);
        assert_eq!(
            splitter.tail(),
            Tail::Empty,
            "a growing fence is not shown as code"
        );
        out.clear();
        splitter.push("`\nAfter", &mut out);
        assert_eq!(out, vec![Split::CodeClose]);
        assert_eq!(
            splitter.tail(),
            Tail::Markdown {
                open: "",
                partial: "After"
            }
        );
    }

    #[test]
    fn the_tail_is_the_open_block_and_the_unfinished_line() {
        let mut splitter = BlockSplitter::new();
        let mut out = Vec::new();
        splitter.push("- a\n- b", &mut out);
        assert!(out.is_empty());
        assert_eq!(
            splitter.tail(),
            Tail::Markdown {
                open: "- a\n",
                partial: "- b"
            }
        );
        splitter.finish(&mut out);
        assert_eq!(out, vec![block(BlockKind::List, "- a\n- b\n")]);
        assert_eq!(splitter.tail(), Tail::Empty);
    }

    #[test]
    fn paragraph_interruptions_follow_commonmark() {
        let out = split_whole("The year\n2024. was long\n- but this\n## and this\n");
        assert_eq!(
            out,
            vec![
                block(BlockKind::Paragraph, "The year\n2024. was long\n"),
                block(BlockKind::List, "- but this\n"),
                block(BlockKind::Heading, "## and this\n"),
            ]
        );
    }

    #[test]
    fn unterminated_code_closes_at_the_end_and_crlf_is_accepted() {
        let out = split_whole("```rust\r\nfn main() {}\r\n");
        assert_eq!(
            out,
            vec![
                Split::CodeOpen {
                    info: "rust".into()
                },
                Split::CodeLine("fn main() {}\n".into()),
                Split::CodeClose,
            ]
        );
    }

    #[test]
    fn indented_code_keeps_inner_blank_lines_but_not_trailing_ones() {
        let out = split_whole("    a\n\n    b\n\n\nText\n");
        assert_eq!(
            out,
            vec![
                block(BlockKind::IndentedCode, "    a\n\n    b\n"),
                block(BlockKind::Paragraph, "Text\n"),
            ]
        );
    }
}
