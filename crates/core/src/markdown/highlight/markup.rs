//! The HTML lexer: tags, attributes, comments, entities and doctypes, handing the insides of
//! `<script>` and `<style>` to the JS and CSS lexers (single-file apps are mostly those).

use super::code::{self, CodeLexer};
use super::css::CssLexer;
use super::{run, Language, Spans, TokenClass};

/// Where in a document the lexer is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum State {
    #[default]
    Text,
    Comment,
    /// Inside a tag, after its name.
    Tag {
        /// What the element's content is, once the tag closes.
        content: Content,
        /// An attribute value's quote still open from an earlier line.
        quote: Option<u8>,
        /// The last thing was `=`: an unquoted value follows.
        after_equals: bool,
    },
    Script,
    Style,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Content {
    Markup,
    Script,
    Style,
}

#[derive(Debug, Clone)]
pub struct HtmlLexer {
    state: State,
    script: CodeLexer,
    style: CssLexer,
}

impl Default for HtmlLexer {
    fn default() -> Self {
        Self {
            state: State::Text,
            script: CodeLexer::new(code::syntax(Language::JavaScript)),
            style: CssLexer::default(),
        }
    }
}

impl HtmlLexer {
    /// Highlights `line[..end]`.
    pub fn lex(&mut self, line: &str, end: usize, out: &mut Spans) {
        let bytes = line.as_bytes();
        let mut i = 0;
        while i < end {
            i = match self.state {
                State::Text => self.text(bytes, i, end, out),
                State::Comment => self.comment(bytes, i, i, end, out),
                State::Tag { .. } => self.tag(bytes, i, end, out),
                State::Script => {
                    let stop = find_closing(bytes, i, end, b"</script").unwrap_or(end);
                    self.script.lex(line, i, stop, out);
                    if stop < end {
                        self.state = State::Text;
                    }
                    stop
                }
                State::Style => {
                    let stop = find_closing(bytes, i, end, b"</style").unwrap_or(end);
                    self.style.lex(line, i, stop, out);
                    if stop < end {
                        self.state = State::Text;
                    }
                    stop
                }
            };
        }
    }

    fn text(&mut self, bytes: &[u8], i: usize, end: usize, out: &mut Spans) -> usize {
        let rest = &bytes[i..end];
        let Some(&b) = rest.first() else {
            return end;
        };
        if b == b'&' {
            let stop = run(bytes, i + 1, end, |c| {
                c.is_ascii_alphanumeric() || c == b'#'
            });
            if stop < end && bytes[stop] == b';' && stop > i + 1 {
                out.push(TokenClass::Literal, i, stop + 1);
                return stop + 1;
            }
            return i + 1;
        }
        if b != b'<' {
            // Plain text up to the next tag or entity.
            return rest
                .iter()
                .position(|&c| c == b'<' || c == b'&')
                .map_or(end, |p| i + p.max(1));
        }
        if rest.starts_with(b"<!--") {
            return self.comment(bytes, i, i + 4, end, out);
        }
        if rest.starts_with(b"<!") || rest.starts_with(b"<?") {
            let stop = rest
                .iter()
                .position(|&c| c == b'>')
                .map_or(end, |p| i + p + 1);
            out.push(TokenClass::Meta, i, stop);
            return stop;
        }
        let closing = rest.get(1) == Some(&b'/');
        let name_start = i + if closing { 2 } else { 1 };
        let name_end = run(bytes, name_start, end, |c| {
            c.is_ascii_alphanumeric() || c == b'-' || c == b':'
        });
        if name_end == name_start || !bytes[name_start].is_ascii_alphabetic() {
            return i + 1;
        }
        out.push(TokenClass::Tag, i, name_end);
        let name = &bytes[name_start..name_end];
        let content = if closing {
            Content::Markup
        } else if name.eq_ignore_ascii_case(b"script") {
            Content::Script
        } else if name.eq_ignore_ascii_case(b"style") {
            Content::Style
        } else {
            Content::Markup
        };
        self.state = State::Tag {
            content,
            quote: None,
            after_equals: false,
        };
        name_end
    }

    fn comment(
        &mut self,
        bytes: &[u8],
        start: usize,
        from: usize,
        end: usize,
        out: &mut Spans,
    ) -> usize {
        let close = bytes[from.min(end)..end]
            .windows(3)
            .position(|w| w == b"-->")
            .map(|p| from + p + 3);
        let stop = close.unwrap_or(end);
        out.push(TokenClass::Comment, start, stop);
        self.state = if close.is_some() {
            State::Text
        } else {
            State::Comment
        };
        stop
    }

    fn tag(&mut self, bytes: &[u8], i: usize, end: usize, out: &mut Spans) -> usize {
        let State::Tag {
            content,
            quote,
            after_equals,
        } = self.state
        else {
            return i;
        };
        if let Some(quote) = quote {
            return self.attribute_value(bytes, i, i, end, quote, out);
        }
        let b = bytes[i];
        let set = |after_equals| State::Tag {
            content,
            quote: None,
            after_equals,
        };
        match b {
            b' ' | b'\t' => i + 1,
            b'>' | b'/' if b == b'>' || bytes.get(i + 1) == Some(&b'>') => {
                let self_closing = b == b'/';
                let stop = i + if self_closing { 2 } else { 1 };
                out.push(TokenClass::Tag, i, stop);
                // Each script or style element starts its lexer afresh.
                self.state = match (content, self_closing) {
                    (Content::Script, false) => {
                        self.script = CodeLexer::new(code::syntax(Language::JavaScript));
                        State::Script
                    }
                    (Content::Style, false) => {
                        self.style = CssLexer::default();
                        State::Style
                    }
                    _ => State::Text,
                };
                stop
            }
            b'=' => {
                self.state = set(true);
                i + 1
            }
            b'"' | b'\'' => self.attribute_value(bytes, i, i + 1, end, b, out),
            _ => {
                let stop = run(bytes, i, end, |c| {
                    !matches!(c, b' ' | b'\t' | b'=' | b'>' | b'"' | b'\'') && c != b'/'
                });
                let stop = stop.max(i + 1);
                let class = if after_equals {
                    TokenClass::String
                } else {
                    TokenClass::Attribute
                };
                out.push(class, i, stop);
                self.state = set(false);
                stop
            }
        }
    }

    /// A quoted attribute value from `from`; its span starts at `start`.
    fn attribute_value(
        &mut self,
        bytes: &[u8],
        start: usize,
        from: usize,
        end: usize,
        quote: u8,
        out: &mut Spans,
    ) -> usize {
        let content = match self.state {
            State::Tag { content, .. } => content,
            _ => Content::Markup,
        };
        let close = bytes[from.min(end)..end]
            .iter()
            .position(|&c| c == quote)
            .map(|p| from + p + 1);
        let stop = close.unwrap_or(end);
        out.push(TokenClass::String, start, stop);
        self.state = State::Tag {
            content,
            quote: if close.is_some() { None } else { Some(quote) },
            after_equals: false,
        };
        stop
    }
}

/// Where `needle` (lower case, like `</script`) starts in `bytes[from..end]`, in any case.
/// HTML ends a script there even inside a JS string, so no JS state is consulted.
fn find_closing(bytes: &[u8], from: usize, end: usize, needle: &[u8]) -> Option<usize> {
    bytes[from..end]
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::super::tests::classes;
    use super::super::{Language, TokenClass::*};

    #[test]
    fn tags_attributes_entities_and_embedded_script_and_style() {
        let lines = classes(
            Language::Html,
            &[
                "<!DOCTYPE html><!-- a",
                "b --><p class=\"x\" hidden data-n=3>&amp; hi</p>",
                "<style>body { margin: 0; }</style>",
                "<script type=\"module\">",
                "  const s = \"</p>\"; // x",
                "</script><input",
                "  value='multi",
                "line'/>",
            ],
        );
        let text = |line: usize| -> Vec<(super::TokenClass, &str)> {
            lines[line].iter().map(|(c, s)| (*c, s.as_str())).collect()
        };
        assert_eq!(
            text(0),
            vec![(Meta, "<!DOCTYPE html>"), (Comment, "<!-- a")]
        );
        assert_eq!(
            text(1),
            vec![
                (Comment, "b -->"),
                (Tag, "<p"),
                (Attribute, "class"),
                (String, "\"x\""),
                (Attribute, "hidden"),
                (Attribute, "data-n"),
                (String, "3"),
                (Tag, ">"),
                (Literal, "&amp;"),
                (Tag, "</p"),
                (Tag, ">"),
            ]
        );
        assert_eq!(
            text(2),
            vec![
                (Tag, "<style"),
                (Tag, ">"),
                (Tag, "body"),
                (Attribute, "margin"),
                (Number, "0"),
                (Tag, "</style"),
                (Tag, ">")
            ]
        );
        assert_eq!(
            text(3),
            vec![
                (Tag, "<script"),
                (Attribute, "type"),
                (String, "\"module\""),
                (Tag, ">")
            ]
        );
        assert_eq!(
            text(4),
            vec![(Keyword, "const"), (String, "\"</p>\""), (Comment, "// x")]
        );
        assert_eq!(
            text(5),
            vec![(Tag, "</script"), (Tag, ">"), (Tag, "<input")]
        );
        assert_eq!(text(6), vec![(Attribute, "value"), (String, "'multi")]);
        assert_eq!(text(7), vec![(String, "line'"), (Tag, "/>")]);
    }
}
