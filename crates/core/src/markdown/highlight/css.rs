//! The CSS lexer: selectors, at-rules, properties and values, with comments and the rule
//! nesting that crosses lines.

use super::{char_len, run, Spans, TokenClass};

/// Where in a style sheet the lexer is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Mode {
    /// At the start of a rule or declaration: the rest of the line decides which.
    #[default]
    Statement,
    Selector,
    /// After an `@rule` name, up to its `{` or `;`.
    AtRule,
    Property,
    Value,
}

#[derive(Debug, Clone, Default)]
pub struct CssLexer {
    mode: Mode,
    in_comment: bool,
    /// Open `{` blocks.
    depth: u32,
}

fn is_name(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b >= 0x80
}

impl CssLexer {
    /// Highlights `line[start..end]`.
    pub fn lex(&mut self, line: &str, start: usize, end: usize, out: &mut Spans) {
        let bytes = line.as_bytes();
        let mut i = start;
        if self.in_comment {
            i = self.comment(bytes, i, end, out);
        }
        while i < end {
            i = self.token(bytes, i, end, out);
        }
    }

    fn comment(&mut self, bytes: &[u8], start: usize, end: usize, out: &mut Spans) -> usize {
        let body = if self.in_comment { start } else { start + 2 };
        let close = bytes[body.min(end)..end]
            .windows(2)
            .position(|w| w == b"*/")
            .map(|p| body + p + 2);
        self.in_comment = close.is_none();
        let stop = close.unwrap_or(end);
        out.push(TokenClass::Comment, start, stop);
        stop
    }

    fn token(&mut self, bytes: &[u8], i: usize, end: usize, out: &mut Spans) -> usize {
        let b = bytes[i];
        if b == b' ' || b == b'\t' {
            return i + 1;
        }
        if bytes[i..end].starts_with(b"/*") {
            return self.comment(bytes, i, end, out);
        }
        if self.mode == Mode::Statement {
            self.mode = self.statement_kind(bytes, i, end);
        }
        match b {
            b'{' => {
                self.depth += 1;
                self.mode = Mode::Statement;
                return i + 1;
            }
            b'}' => {
                self.depth = self.depth.saturating_sub(1);
                self.mode = Mode::Statement;
                return i + 1;
            }
            b';' => {
                self.mode = Mode::Statement;
                return i + 1;
            }
            b'"' | b'\'' => {
                let stop = string_end(bytes, i, end);
                out.push(TokenClass::String, i, stop);
                return stop;
            }
            b'@' => {
                let stop = run(bytes, i + 1, end, is_name);
                out.push(TokenClass::Keyword, i, stop);
                self.mode = Mode::AtRule;
                return stop.max(i + 1);
            }
            _ => {}
        }
        match self.mode {
            Mode::Selector => self.selector(bytes, i, end, out),
            Mode::Property => {
                if b == b':' {
                    self.mode = Mode::Value;
                    return i + 1;
                }
                let stop = run(bytes, i, end, is_name);
                out.push(TokenClass::Attribute, i, stop);
                stop.max(i + char_len(b))
            }
            Mode::Value | Mode::AtRule | Mode::Statement => value(bytes, i, end, out),
        }
    }

    /// A rule's selector when a `{` comes before any `;` or `}` on the rest of the line, or
    /// at the top level; otherwise a declaration.
    fn statement_kind(&self, bytes: &[u8], i: usize, end: usize) -> Mode {
        let brace_first = bytes[i..end]
            .iter()
            .find(|&&c| matches!(c, b'{' | b';' | b'}'))
            == Some(&b'{');
        if brace_first || self.depth == 0 {
            Mode::Selector
        } else {
            Mode::Property
        }
    }

    fn selector(&mut self, bytes: &[u8], i: usize, end: usize, out: &mut Spans) -> usize {
        let b = bytes[i];
        let (class, stop) = match b {
            b'.' | b'#' => (TokenClass::Type, run(bytes, i + 1, end, is_name)),
            b':' => {
                let name = run(bytes, i + 1, end, |c| c == b':');
                (TokenClass::Meta, run(bytes, name, end, is_name))
            }
            b'[' => (
                TokenClass::Attribute,
                bytes[i..end]
                    .iter()
                    .position(|&c| c == b']')
                    .map_or(end, |p| i + p + 1),
            ),
            c if is_name(c) && c != b'-' => (TokenClass::Tag, run(bytes, i, end, is_name)),
            _ => return i + char_len(b),
        };
        out.push(class, i, stop);
        stop.max(i + 1)
    }
}

/// A value token: numbers with units, colours, functions, `!important`.
fn value(bytes: &[u8], i: usize, end: usize, out: &mut Spans) -> usize {
    let b = bytes[i];
    let starts_number = b.is_ascii_digit()
        || (matches!(b, b'.' | b'-' | b'+') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit));
    if starts_number || (b == b'#' && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)) {
        let stop = run(bytes, i + 1, end, |c| is_name(c) || c == b'.' || c == b'%');
        out.push(TokenClass::Number, i, stop);
        return stop;
    }
    if b == b'!' {
        let stop = run(bytes, i + 1, end, is_name);
        out.push(TokenClass::Keyword, i, stop);
        return stop.max(i + 1);
    }
    if is_name(b) {
        let stop = run(bytes, i, end, is_name);
        if stop < end && bytes[stop] == b'(' {
            out.push(TokenClass::Function, i, stop);
        }
        return stop;
    }
    i + char_len(b)
}

/// End of a quoted string at `i` (or the line's end).
fn string_end(bytes: &[u8], i: usize, end: usize) -> usize {
    let quote = bytes[i];
    let mut j = i + 1;
    while j < end {
        match bytes[j] {
            b'\\' => j += 2,
            c if c == quote => return j + 1,
            _ => j += 1,
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::super::tests::classes;
    use super::super::{Language, TokenClass::*};

    #[test]
    fn selectors_properties_values_and_at_rules() {
        let lines = classes(
            Language::Css,
            &[
                "@media (max-width: 600px) {",
                "  .board > li:hover, #top::before { /* c */",
                "    margin: 0 -2px; color: #1e2230 !important;",
                "    background: rgba(0, 0, 0, .5);",
                "  }",
                "}",
            ],
        );
        let text = |line: usize| -> Vec<(super::TokenClass, &str)> {
            lines[line].iter().map(|(c, s)| (*c, s.as_str())).collect()
        };
        assert_eq!(text(0), vec![(Keyword, "@media"), (Number, "600px")]);
        assert_eq!(
            text(1),
            vec![
                (Type, ".board"),
                (Tag, "li"),
                (Meta, ":hover"),
                (Type, "#top"),
                (Meta, "::before"),
                (Comment, "/* c */")
            ]
        );
        assert_eq!(
            text(2),
            vec![
                (Attribute, "margin"),
                (Number, "0"),
                (Number, "-2px"),
                (Attribute, "color"),
                (Number, "#1e2230"),
                (Keyword, "!important")
            ]
        );
        assert_eq!(
            text(3),
            vec![
                (Attribute, "background"),
                (Function, "rgba"),
                (Number, "0"),
                (Number, "0"),
                (Number, "0"),
                (Number, ".5")
            ]
        );
    }
}
