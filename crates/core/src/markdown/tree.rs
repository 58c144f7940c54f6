//! A markdown block rendered to a flat list of typed DOM operations (element kinds and text),
//! never to HTML: model output reaches the page only as text nodes, so nothing in it can run.

use pulldown_cmark::{Alignment, CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

use super::link::safe_href;
use crate::markdown::highlight::{Highlighter, Language, TokenClass};

/// The elements a rendered block may contain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Element {
    Paragraph,
    /// Level 1 to 6.
    Heading(u8),
    Quote,
    /// An ordered list's first number, or `None` for a bullet list.
    List(Option<u64>),
    Item,
    /// A code block with its language label (the first word of the fence's info string).
    CodeBlock(Option<String>),
    /// Raw HTML from the model, shown as its source text.
    RawHtml,
    Table,
    TableHead,
    TableRow,
    TableCell {
        header: bool,
        align: Align,
    },
    Emphasis,
    Strong,
    Strikethrough,
    InlineCode,
    /// A link with a target that passed [`safe_href`]; an unsafe link becomes `Span`.
    Link(String),
    /// A link whose target was refused, or an image (shown as its alt text, never loaded).
    Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    None,
    Left,
    Center,
    Right,
}

/// One step of building a block's DOM: `Open` pushes an element, `Close` pops it, the rest
/// append a leaf to the element on top.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Open(Element),
    Close,
    Text(String),
    /// Highlighted code text.
    Token(TokenClass, String),
    Rule,
    LineBreak,
    TaskBox {
        checked: bool,
    },
}

/// Whether code blocks inside the block are highlighted: finished blocks are, the open tail
/// (re-rendered every frame) is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Highlighted,
    Plain,
}

/// The label of a fence's info string: its first word, or `None` when empty.
pub fn code_label(info: &str) -> Option<String> {
    info.split_whitespace().next().map(str::to_owned)
}

/// Renders one block (or the open tail) of markdown to operations.
pub fn render(source: &str, code: Code) -> Vec<Op> {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut builder = Builder {
        ops: Vec::new(),
        opened: Vec::new(),
        aligns: Vec::new(),
        cell: 0,
        in_head: false,
        code_block: None,
        code,
    };
    for event in Parser::new_ext(source, options) {
        builder.event(event);
    }
    builder.ops
}

struct Builder {
    ops: Vec<Op>,
    /// For each open pulldown tag: how many `Close` its end emits.
    opened: Vec<u8>,
    aligns: Vec<Alignment>,
    cell: usize,
    in_head: bool,
    /// The code block being collected: its language and text so far.
    code_block: Option<(Option<Language>, String)>,
    code: Code,
}

impl Builder {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => {
                let elements = self.start(tag);
                self.opened.push(elements);
            }
            Event::End(end) => self.end(end),
            Event::Text(text) => match &mut self.code_block {
                Some((_, code)) => code.push_str(&text),
                None => self.ops.push(Op::Text(text.into_string())),
            },
            Event::Code(text) => {
                self.ops.push(Op::Open(Element::InlineCode));
                self.ops.push(Op::Text(text.into_string()));
                self.ops.push(Op::Close);
            }
            // Raw HTML, math and footnote references all stay visible as the text they are.
            Event::Html(text)
            | Event::InlineHtml(text)
            | Event::InlineMath(text)
            | Event::DisplayMath(text)
            | Event::FootnoteReference(text) => self.ops.push(Op::Text(text.into_string())),
            Event::SoftBreak => self.ops.push(Op::Text("\n".into())),
            Event::HardBreak => self.ops.push(Op::LineBreak),
            Event::Rule => self.ops.push(Op::Rule),
            Event::TaskListMarker(checked) => self.ops.push(Op::TaskBox { checked }),
        }
    }

    /// Opens the element(s) for `tag`; returns how many were opened.
    fn start(&mut self, tag: Tag<'_>) -> u8 {
        let element = match tag {
            Tag::Paragraph => Element::Paragraph,
            Tag::Heading { level, .. } => Element::Heading(level as u8),
            Tag::BlockQuote(_) => Element::Quote,
            Tag::CodeBlock(kind) => {
                let label = match kind {
                    CodeBlockKind::Fenced(info) => code_label(&info),
                    CodeBlockKind::Indented => None,
                };
                let language = label.as_deref().and_then(Language::from_label);
                self.code_block = Some((language, String::new()));
                Element::CodeBlock(label)
            }
            Tag::HtmlBlock => Element::RawHtml,
            Tag::List(start) => Element::List(start),
            Tag::Item => Element::Item,
            Tag::Table(aligns) => {
                self.aligns = aligns;
                Element::Table
            }
            Tag::TableHead => {
                // pulldown puts the head's cells straight in the head; the DOM wants a row.
                self.in_head = true;
                self.cell = 0;
                self.ops.push(Op::Open(Element::TableHead));
                self.ops.push(Op::Open(Element::TableRow));
                return 2;
            }
            Tag::TableRow => {
                self.cell = 0;
                Element::TableRow
            }
            Tag::TableCell => {
                let align = match self.aligns.get(self.cell) {
                    Some(Alignment::Left) => Align::Left,
                    Some(Alignment::Center) => Align::Center,
                    Some(Alignment::Right) => Align::Right,
                    Some(Alignment::None) | None => Align::None,
                };
                self.cell += 1;
                Element::TableCell {
                    header: self.in_head,
                    align,
                }
            }
            Tag::Emphasis => Element::Emphasis,
            Tag::Strong => Element::Strong,
            Tag::Strikethrough => Element::Strikethrough,
            Tag::Link { dest_url, .. } => safe_href(&dest_url).map_or(Element::Span, Element::Link),
            // Not enabled in the options, or shown without their meaning: keep the text.
            Tag::Image { .. }
            | Tag::Superscript
            | Tag::Subscript
            | Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::MetadataBlock(_) => Element::Span,
        };
        self.ops.push(Op::Open(element));
        1
    }

    fn end(&mut self, end: TagEnd) {
        match end {
            TagEnd::CodeBlock => {
                if let Some((language, text)) = self.code_block.take() {
                    self.code_text(language, text);
                }
            }
            TagEnd::TableHead => self.in_head = false,
            _ => {}
        }
        for _ in 0..self.opened.pop().unwrap_or(0) {
            self.ops.push(Op::Close);
        }
    }

    fn code_text(&mut self, language: Option<Language>, text: String) {
        match (self.code, language) {
            (Code::Highlighted, Some(language)) => {
                let mut highlighter = Highlighter::new(language);
                for line in text.split_inclusive('\n') {
                    push_highlighted(&mut self.ops, &mut highlighter, line);
                }
            }
            _ if text.is_empty() => {}
            _ => self.ops.push(Op::Text(text)),
        }
    }
}

/// Appends one code line as tokens and the plain text between them.
pub fn push_highlighted(ops: &mut Vec<Op>, highlighter: &mut Highlighter, line: &str) {
    let mut at = 0;
    for span in highlighter.line(line) {
        if span.start > at {
            ops.push(Op::Text(line[at..span.start].to_owned()));
        }
        ops.push(Op::Token(span.class, line[span.start..span.end].to_owned()));
        at = span.end;
    }
    if at < line.len() {
        ops.push(Op::Text(line[at..].to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str) -> Op {
        Op::Text(t.into())
    }

    fn open(e: Element) -> Op {
        Op::Open(e)
    }

    #[test]
    fn raw_html_and_scripts_come_out_as_text_only() {
        let ops = render(
            "Hi <img src=x onerror=alert(1)> and <script>alert(2)</script>\n",
            Code::Highlighted,
        );
        let joined: String = ops
            .iter()
            .filter_map(|op| match op {
                Op::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            joined,
            "Hi <img src=x onerror=alert(1)> and <script>alert(2)</script>"
        );
        assert!(ops
            .iter()
            .all(|op| matches!(op, Op::Text(_) | Op::Open(Element::Paragraph) | Op::Close)));

        let block = render(
            "<div onclick=\"x()\">\n<script>evil()</script>\n</div>\n",
            Code::Plain,
        );
        assert_eq!(block[0], open(Element::RawHtml));
        assert!(block
            .iter()
            .all(|op| !matches!(op, Op::Open(Element::Link(_)))));
    }

    #[test]
    fn links_keep_safe_targets_only_and_images_are_never_loaded() {
        let ops = render(
            "[ok](https://a.example) [bad](javascript:alert(1)) ![pic](https://t.example/p.png)\n",
            Code::Plain,
        );
        assert_eq!(
            ops,
            vec![
                open(Element::Paragraph),
                open(Element::Link("https://a.example".into())),
                text("ok"),
                Op::Close,
                text(" "),
                open(Element::Span),
                text("bad"),
                Op::Close,
                text(" "),
                open(Element::Span),
                text("pic"),
                Op::Close,
                Op::Close,
            ]
        );
    }

    #[test]
    fn tables_get_a_head_row_and_alignment() {
        let ops = render("| a | b |\n|:--|--:|\n| 1 | 2 |\n", Code::Plain);
        let cell = |header, align| open(Element::TableCell { header, align });
        assert_eq!(
            ops,
            vec![
                open(Element::Table),
                open(Element::TableHead),
                open(Element::TableRow),
                cell(true, Align::Left),
                text("a"),
                Op::Close,
                cell(true, Align::Right),
                text("b"),
                Op::Close,
                Op::Close,
                Op::Close,
                open(Element::TableRow),
                cell(false, Align::Left),
                text("1"),
                Op::Close,
                cell(false, Align::Right),
                text("2"),
                Op::Close,
                Op::Close,
                Op::Close,
            ]
        );
    }

    #[test]
    fn code_inside_a_block_is_highlighted_only_when_asked() {
        let source = "- step\n\n  ```js\n  let x = 1;\n  ```\n";
        let plain = render(source, Code::Plain);
        assert!(plain.contains(&open(Element::CodeBlock(Some("js".into())))));
        assert!(plain.contains(&text("let x = 1;\n")));
        let highlighted = render(source, Code::Highlighted);
        assert!(highlighted.contains(&Op::Token(TokenClass::Keyword, "let".into())));
        assert!(highlighted.contains(&Op::Token(TokenClass::Number, "1".into())));
    }

    #[test]
    fn inline_formatting_breaks_rules_and_task_boxes() {
        let ops = render("- [x] **b** _i_ ~~s~~ `c`  \n  next\n", Code::Plain);
        assert!(ops.contains(&Op::TaskBox { checked: true }));
        for element in [
            Element::Strong,
            Element::Emphasis,
            Element::Strikethrough,
            Element::InlineCode,
        ] {
            assert!(ops.contains(&open(element.clone())), "{element:?}");
        }
        assert!(ops.contains(&Op::LineBreak));
        assert_eq!(render("***\n", Code::Plain), vec![Op::Rule]);
        let opens = ops.iter().filter(|op| matches!(op, Op::Open(_))).count();
        let closes = ops.iter().filter(|op| matches!(op, Op::Close)).count();
        assert_eq!(opens, closes, "balanced");
    }
}
