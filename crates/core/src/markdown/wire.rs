//! The text form in which the markdown engine module hands the app one frame's DOM updates
//! (and an answer's code blocks): two wasm modules share no memory, so each call's result
//! crosses as one string.
//!
//! Compact and hand-written on purpose: a serde derive for these enums would add more to the
//! app's first download than the whole codec, and the app decodes one of these every frame.
//!
//! Grammar: an update is `b` ops-str (a block) | `o` opt-str (code opens) | `l` number str
//! (code lines and their HTML) | `n` (next code chunk) | `c` (code closes) | `e` (empty tail) | `m` ops-str (the open block) | `p` str
//! (the open code line). An op is `O` element | `C` | `T` str | `K` class-digit str | `R` |
//! `B` | `X` 0/1; an element is one letter with its fields (see [`encode_element`]); a str is
//! its byte length, `:`, then the bytes (an ops-str holds encoded ops); a number ends with
//! `;`; `-` stands for a missing optional value.

use thiserror::Error;

use super::stream::{TailView, Update};
use super::tree::{Align, Element, Op};
use crate::markdown::highlight::TokenClass;
use crate::sandbox::runnable::CodeBlock;

/// Output from the engine that does not follow the grammar (a version mismatch or a bug):
/// the app reports it and shows the text plain instead.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("the markdown engine's output is malformed at byte {at}: expected {expected}")]
pub struct WireError {
    pub at: usize,
    pub expected: &'static str,
}

/// Token classes by their digit on the wire.
const CLASSES: [TokenClass; 10] = [
    TokenClass::Keyword,
    TokenClass::Type,
    TokenClass::Function,
    TokenClass::String,
    TokenClass::Number,
    TokenClass::Comment,
    TokenClass::Literal,
    TokenClass::Tag,
    TokenClass::Attribute,
    TokenClass::Meta,
];

/// One frame's updates in the wire form.
pub fn encode_updates(updates: &[Update]) -> String {
    let mut out = String::new();
    for update in updates {
        match update {
            Update::Block(ops) => {
                out.push('b');
                put_str(&mut out, &encode_ops(ops));
            }
            Update::CodeOpen(label) => {
                out.push('o');
                put_opt_str(&mut out, label.as_deref());
            }
            Update::CodeLines { html, lines } => {
                out.push('l');
                put_num(&mut out, *lines as u64);
                put_str(&mut out, html);
            }
            Update::CodeChunk => out.push('n'),
            Update::CodeClose => out.push('c'),
            Update::Tail(TailView::Empty) => out.push('e'),
            Update::Tail(TailView::Markdown(ops)) => {
                out.push('m');
                put_str(&mut out, &encode_ops(ops));
            }
            Update::Tail(TailView::Code(line)) => {
                out.push('p');
                put_str(&mut out, line);
            }
        }
    }
    out
}

pub fn decode_updates(wire: &str) -> Result<Vec<Update>, WireError> {
    let mut reader = Reader { wire, at: 0 };
    let mut updates = Vec::new();
    while !reader.is_empty() {
        updates.push(match reader.byte("an update")? {
            b'b' => Update::Block(reader.ops()?),
            b'o' => Update::CodeOpen(reader.opt_str()?.map(str::to_owned)),
            b'l' => Update::CodeLines {
                lines: usize::try_from(reader.digits(b';')?)
                    .map_err(|_| reader.error_before("fewer lines"))?,
                html: reader.str()?.to_owned(),
            },
            b'n' => Update::CodeChunk,
            b'c' => Update::CodeClose,
            b'e' => Update::Tail(TailView::Empty),
            b'm' => Update::Tail(TailView::Markdown(reader.ops()?)),
            b'p' => Update::Tail(TailView::Code(reader.str()?.to_owned())),
            _ => return Err(reader.error_before("an update letter")),
        });
    }
    Ok(updates)
}

fn encode_ops(ops: &[Op]) -> String {
    let mut out = String::new();
    for op in ops {
        match op {
            Op::Open(element) => {
                out.push('O');
                encode_element(&mut out, element);
            }
            Op::Close => out.push('C'),
            Op::Text(text) => {
                out.push('T');
                put_str(&mut out, text);
            }
            Op::Token(class, text) => {
                out.push('K');
                let digit = CLASSES.iter().position(|c| c == class).unwrap_or(0);
                out.push(char::from(b'0' + digit as u8));
                put_str(&mut out, text);
            }
            Op::Rule => out.push('R'),
            Op::LineBreak => out.push('B'),
            Op::TaskBox { checked } => out.push_str(if *checked { "X1" } else { "X0" }),
        }
    }
    out
}

fn decode_ops(wire: &str) -> Result<Vec<Op>, WireError> {
    let mut reader = Reader { wire, at: 0 };
    let mut ops = Vec::new();
    while !reader.is_empty() {
        ops.push(match reader.byte("an operation")? {
            b'O' => Op::Open(reader.element()?),
            b'C' => Op::Close,
            b'T' => Op::Text(reader.str()?.to_owned()),
            b'K' => {
                let digit = reader.byte("a token class")?;
                let class = digit
                    .checked_sub(b'0')
                    .and_then(|i| CLASSES.get(usize::from(i)))
                    .ok_or_else(|| reader.error("a token class digit"))?;
                Op::Token(*class, reader.str()?.to_owned())
            }
            b'R' => Op::Rule,
            b'B' => Op::LineBreak,
            b'X' => Op::TaskBox {
                checked: reader.flag()?,
            },
            _ => return Err(reader.error_before("an operation letter")),
        });
    }
    Ok(ops)
}

pub fn encode_code_blocks(blocks: &[CodeBlock]) -> String {
    let mut out = String::new();
    for block in blocks {
        put_opt_str(&mut out, block.label.as_deref());
        put_str(&mut out, &block.text);
    }
    out
}

pub fn decode_code_blocks(wire: &str) -> Result<Vec<CodeBlock>, WireError> {
    let mut reader = Reader { wire, at: 0 };
    let mut blocks = Vec::new();
    while !reader.is_empty() {
        let label = reader.opt_str()?.map(str::to_owned);
        let text = reader.str()?.to_owned();
        blocks.push(CodeBlock { label, text });
    }
    Ok(blocks)
}

/// Element letters: `p` paragraph, `h` + level digit, `q` quote, `l` + optional start
/// number, `i` item, `c` + optional label, `r` raw HTML, `t` table, `H` head, `w` row,
/// `d` + header flag + align (`n`/`l`/`c`/`r`), `e` emphasis, `s` strong, `x` strikethrough,
/// `k` inline code, `a` + href, `S` span.
fn encode_element(out: &mut String, element: &Element) {
    match element {
        Element::Paragraph => out.push('p'),
        Element::Heading(level) => {
            out.push('h');
            out.push(char::from(b'0' + level.min(&9)));
        }
        Element::Quote => out.push('q'),
        Element::List(start) => {
            out.push('l');
            match start {
                Some(n) => put_num(out, *n),
                None => out.push('-'),
            }
        }
        Element::Item => out.push('i'),
        Element::CodeBlock(label) => {
            out.push('c');
            put_opt_str(out, label.as_deref());
        }
        Element::RawHtml => out.push('r'),
        Element::Table => out.push('t'),
        Element::TableHead => out.push('H'),
        Element::TableRow => out.push('w'),
        Element::TableCell { header, align } => {
            out.push('d');
            out.push(if *header { '1' } else { '0' });
            out.push(match align {
                Align::None => 'n',
                Align::Left => 'l',
                Align::Center => 'c',
                Align::Right => 'r',
            });
        }
        Element::Emphasis => out.push('e'),
        Element::Strong => out.push('s'),
        Element::Strikethrough => out.push('x'),
        Element::InlineCode => out.push('k'),
        Element::Link(href) => {
            out.push('a');
            put_str(out, href);
        }
        Element::Span => out.push('S'),
    }
}

fn put_num(out: &mut String, n: u64) {
    out.push_str(&n.to_string());
    out.push(';');
}

fn put_str(out: &mut String, text: &str) {
    out.push_str(&text.len().to_string());
    out.push(':');
    out.push_str(text);
}

fn put_opt_str(out: &mut String, text: Option<&str>) {
    match text {
        Some(text) => put_str(out, text),
        None => out.push('-'),
    }
}

struct Reader<'a> {
    wire: &'a str,
    at: usize,
}

impl<'a> Reader<'a> {
    fn is_empty(&self) -> bool {
        self.at >= self.wire.len()
    }

    fn error(&self, expected: &'static str) -> WireError {
        WireError {
            at: self.at,
            expected,
        }
    }

    /// An error about the byte just read.
    fn error_before(&self, expected: &'static str) -> WireError {
        WireError {
            at: self.at.saturating_sub(1),
            expected,
        }
    }

    fn byte(&mut self, expected: &'static str) -> Result<u8, WireError> {
        let byte = *self
            .wire
            .as_bytes()
            .get(self.at)
            .ok_or_else(|| self.error(expected))?;
        self.at += 1;
        Ok(byte)
    }

    fn peek(&self) -> Option<u8> {
        self.wire.as_bytes().get(self.at).copied()
    }

    fn flag(&mut self) -> Result<bool, WireError> {
        match self.byte("0 or 1")? {
            b'0' => Ok(false),
            b'1' => Ok(true),
            _ => Err(self.error_before("0 or 1")),
        }
    }

    /// Digits up to `end`.
    fn digits(&mut self, end: u8) -> Result<u64, WireError> {
        let start = self.at;
        let mut n: u64 = 0;
        loop {
            match self.byte("a number")? {
                digit @ b'0'..=b'9' => {
                    n = n
                        .checked_mul(10)
                        .and_then(|n| n.checked_add(u64::from(digit - b'0')))
                        .ok_or_else(|| self.error_before("a smaller number"))?;
                }
                byte if byte == end && self.at - 1 > start => return Ok(n),
                _ => return Err(self.error_before("a digit or the number's end")),
            }
        }
    }

    fn str(&mut self) -> Result<&'a str, WireError> {
        let len = usize::try_from(self.digits(b':')?)
            .map_err(|_| self.error_before("a shorter length"))?;
        let end = self
            .at
            .checked_add(len)
            .ok_or_else(|| self.error("a shorter length"))?;
        // `get` refuses a range past the end or inside a character.
        let text = self
            .wire
            .get(self.at..end)
            .ok_or_else(|| self.error("text of the given length"))?;
        self.at = end;
        Ok(text)
    }

    fn opt_str(&mut self) -> Result<Option<&'a str>, WireError> {
        if self.peek() == Some(b'-') {
            self.at += 1;
            return Ok(None);
        }
        self.str().map(Some)
    }

    /// Encoded ops in a str; errors point into the whole wire.
    fn ops(&mut self) -> Result<Vec<Op>, WireError> {
        let start = self.at;
        let inner = self.str()?;
        let offset = start + (self.at - start - inner.len());
        decode_ops(inner).map_err(|error| WireError {
            at: offset + error.at,
            ..error
        })
    }

    fn element(&mut self) -> Result<Element, WireError> {
        Ok(match self.byte("an element")? {
            b'p' => Element::Paragraph,
            b'h' => match self.byte("a heading level")? {
                digit @ b'1'..=b'6' => Element::Heading(digit - b'0'),
                _ => return Err(self.error_before("a heading level 1 to 6")),
            },
            b'q' => Element::Quote,
            b'l' => {
                if self.peek() == Some(b'-') {
                    self.at += 1;
                    Element::List(None)
                } else {
                    Element::List(Some(self.digits(b';')?))
                }
            }
            b'i' => Element::Item,
            b'c' => Element::CodeBlock(self.opt_str()?.map(str::to_owned)),
            b'r' => Element::RawHtml,
            b't' => Element::Table,
            b'H' => Element::TableHead,
            b'w' => Element::TableRow,
            b'd' => {
                let header = self.flag()?;
                let align = match self.byte("an alignment")? {
                    b'n' => Align::None,
                    b'l' => Align::Left,
                    b'c' => Align::Center,
                    b'r' => Align::Right,
                    _ => return Err(self.error_before("an alignment letter")),
                };
                Element::TableCell { header, align }
            }
            b'e' => Element::Emphasis,
            b's' => Element::Strong,
            b'x' => Element::Strikethrough,
            b'k' => Element::InlineCode,
            b'a' => Element::Link(self.str()?.to_owned()),
            b'S' => Element::Span,
            _ => return Err(self.error_before("an element letter")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::{render, Code, MarkdownStream, Pulldown, Slice, Source};
    use crate::sandbox::runnable::fenced_blocks;
    use proptest::prelude::*;

    /// The frames of `text` streamed in `piece`-byte slices (snapped to characters) by the
    /// renderer `R`, the tail asked for every time, as the app asks for them.
    fn frames<R: crate::markdown::Renderer + Default>(
        text: &str,
        piece: usize,
    ) -> Vec<Vec<Update>> {
        let mut stream = MarkdownStream::<R>::new();
        let mut frames = Vec::new();
        let mut at = 0;
        loop {
            let mut end = (at + piece).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            let mut out = Vec::new();
            let slice = Slice {
                ends_text: end == text.len(),
                tail: true,
            };
            stream.frame(&text[at..end], slice, &mut out);
            frames.push(out);
            at = end;
            if slice.ends_text {
                return frames;
            }
        }
    }

    fn demo_answers() -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/demo/answers");
        let mut answers: Vec<String> = std::fs::read_dir(&dir)
            .expect("the demo answers")
            .map(|entry| std::fs::read_to_string(entry.expect("entry").path()).expect("answer"))
            .collect();
        answers.sort();
        answers
    }

    #[test]
    fn every_demo_answer_survives_the_trip_in_both_forms() {
        let answers = demo_answers();
        assert!(answers.len() > 40, "found {} answers", answers.len());
        for answer in &answers {
            for frame in frames::<Pulldown>(answer, 997)
                .into_iter()
                .chain(frames::<Source>(answer, 4096))
            {
                assert_eq!(decode_updates(&encode_updates(&frame)), Ok(frame));
            }
            for code in [Code::Highlighted, Code::Plain] {
                let ops = render(answer, code);
                assert_eq!(decode_ops(&encode_ops(&ops)), Ok(ops));
            }
            let blocks = fenced_blocks(answer);
            assert!(!blocks.is_empty());
            assert_eq!(decode_code_blocks(&encode_code_blocks(&blocks)), Ok(blocks));
        }
    }

    #[test]
    fn every_element_and_op_kind_round_trips() {
        let elements = [
            Element::Paragraph,
            Element::Heading(6),
            Element::Quote,
            Element::List(None),
            Element::List(Some(u64::MAX)),
            Element::Item,
            Element::CodeBlock(None),
            Element::CodeBlock(Some("py 3".into())),
            Element::RawHtml,
            Element::Table,
            Element::TableHead,
            Element::TableRow,
            Element::TableCell {
                header: true,
                align: Align::Center,
            },
            Element::TableCell {
                header: false,
                align: Align::None,
            },
            Element::Emphasis,
            Element::Strong,
            Element::Strikethrough,
            Element::InlineCode,
            Element::Link("https://a.example/é?q=1:2;3".into()),
            Element::Span,
        ];
        let mut ops: Vec<Op> = elements.into_iter().map(Op::Open).collect();
        ops.extend(CLASSES.map(|class| Op::Token(class, "tok 9:".into())));
        ops.extend([
            Op::Close,
            Op::Text(String::new()),
            Op::Text("12:😀 T5:".into()),
            Op::Rule,
            Op::LineBreak,
            Op::TaskBox { checked: true },
            Op::TaskBox { checked: false },
        ]);
        assert_eq!(decode_ops(&encode_ops(&ops)), Ok(ops.clone()));
        let updates = vec![
            Update::Block(ops.clone()),
            Update::CodeOpen(None),
            Update::CodeOpen(Some("js".into())),
            Update::CodeLines {
                html: "<span class=\"ln\">a &lt; 1;\n</span>".into(),
                lines: 1,
            },
            Update::CodeChunk,
            Update::CodeClose,
            Update::Tail(TailView::Empty),
            Update::Tail(TailView::Markdown(ops)),
            Update::Tail(TailView::Code("let é".into())),
            Update::Block(Vec::new()),
        ];
        assert_eq!(decode_updates(&encode_updates(&updates)), Ok(updates));
    }

    #[test]
    fn malformed_wire_says_where() {
        assert_eq!(
            decode_updates("cb6:T5:abc"),
            Err(WireError {
                at: 7,
                expected: "text of the given length"
            }),
            "an error inside a block's ops is placed in the whole wire"
        );
        assert_eq!(
            decode_updates("eZ"),
            Err(WireError {
                at: 1,
                expected: "an update letter"
            })
        );
        assert!(decode_updates("l1;3:ab").is_err());
        assert!(
            decode_updates("l3:abc").is_err(),
            "a line count is required"
        );
        assert_eq!(
            decode_ops("Op Z"),
            Err(WireError {
                at: 2,
                expected: "an operation letter"
            })
        );
        assert_eq!(
            decode_ops("T5:abc"),
            Err(WireError {
                at: 3,
                expected: "text of the given length"
            })
        );
        // A length that would end inside a character is refused, not split.
        assert!(decode_ops("T1:é").is_err());
        assert!(decode_ops("T:").is_err());
        assert!(decode_ops("T99999999999999999999999:").is_err());
        assert!(decode_ops("Oh7").is_err());
        assert!(decode_code_blocks("-").is_err());
    }

    proptest! {
        #[test]
        fn any_markdown_round_trips(source in "(\\PC|[\\n`*_#>|\\[\\]()~-]){0,200}") {
            let ops = render(&source, Code::Highlighted);
            prop_assert_eq!(decode_ops(&encode_ops(&ops)), Ok(ops));
            for frame in frames::<Pulldown>(&source, 13) {
                prop_assert_eq!(decode_updates(&encode_updates(&frame)), Ok(frame));
            }
            let blocks = fenced_blocks(&source);
            prop_assert_eq!(decode_code_blocks(&encode_code_blocks(&blocks)), Ok(blocks));
        }

        #[test]
        fn any_string_decodes_or_fails_cleanly(wire in "\\PC{0,80}") {
            let _ = decode_updates(&wire);
            let _ = decode_ops(&wire);
            let _ = decode_code_blocks(&wire);
        }
    }
}
