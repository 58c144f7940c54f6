//! Small hand-written syntax highlighters for the languages models write most (HTML with its
//! scripts and styles, CSS, JS/TS, Python, Rust, SQL, bash, JSON): a line in, spans out.
//!
//! Hand-written on purpose: grammar-driven highlighters (syntect, tree-sitter) add megabytes
//! of wasm and grammar data, while these lexers are a few kilobytes, cost O(line) and keep
//! only the little state that crosses lines (open comments, strings, embedded script/style).

mod code;
mod css;
mod markup;
mod words;

use code::CodeLexer;
use css::CssLexer;
use markup::HtmlLexer;

/// A language the highlighter knows; fence labels name it through [`crate::markdown::lang`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Html,
    Css,
    JavaScript,
    TypeScript,
    Python,
    Rust,
    Sql,
    Bash,
    Json,
}

/// What a highlighted piece of code is; the app styles each with [`TokenClass::css_class`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenClass {
    Keyword,
    Type,
    Function,
    String,
    Number,
    Comment,
    /// `true`, `null`, `None`, `self`, HTML entities.
    Literal,
    Tag,
    /// HTML attributes, CSS properties, JSON keys.
    Attribute,
    /// Decorators, macros, lifetimes, shell variables, doctypes, CSS pseudo-classes.
    Meta,
}

impl TokenClass {
    pub fn css_class(self) -> &'static str {
        match self {
            Self::Keyword => "tok-kw",
            Self::Type => "tok-ty",
            Self::Function => "tok-fn",
            Self::String => "tok-str",
            Self::Number => "tok-num",
            Self::Comment => "tok-com",
            Self::Literal => "tok-lit",
            Self::Tag => "tok-tag",
            Self::Attribute => "tok-attr",
            Self::Meta => "tok-meta",
        }
    }
}

/// A highlighted byte range of a line; ranges are in order, never overlap, and fall on
/// character boundaries. Bytes outside every span are plain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub class: TokenClass,
    pub start: usize,
    pub end: usize,
}

/// Highlights a code block line by line, carrying what stays open from one line to the next.
#[derive(Debug, Clone)]
pub struct Highlighter {
    lexer: Lexer,
}

#[derive(Debug, Clone)]
enum Lexer {
    Code(CodeLexer),
    Css(CssLexer),
    Html(Box<HtmlLexer>),
}

impl Highlighter {
    pub fn new(language: Language) -> Self {
        let lexer = match language {
            Language::Html => Lexer::Html(Box::default()),
            Language::Css => Lexer::Css(CssLexer::default()),
            other => Lexer::Code(CodeLexer::new(code::syntax(other))),
        };
        Self { lexer }
    }

    /// The spans of the next line (a trailing newline is allowed and never highlighted).
    pub fn line(&mut self, line: &str) -> Vec<Span> {
        let end = line.trim_end_matches(['\n', '\r']).len();
        let mut out = Spans(Vec::new());
        match &mut self.lexer {
            Lexer::Code(lexer) => lexer.lex(line, 0, end, &mut out),
            Lexer::Css(lexer) => lexer.lex(line, 0, end, &mut out),
            Lexer::Html(lexer) => lexer.lex(line, end, &mut out),
        }
        out.0
    }
}

/// The spans of one line as the lexers emit them.
struct Spans(Vec<Span>);

impl Spans {
    fn push(&mut self, class: TokenClass, start: usize, end: usize) {
        if start < end {
            self.0.push(Span { class, start, end });
        }
    }
}

/// Length of the UTF-8 character starting with `first`.
fn char_len(first: u8) -> usize {
    match first {
        0..0xC0 => 1,
        0xC0..0xE0 => 2,
        0xE0..0xF0 => 3,
        _ => 4,
    }
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// End of the run of bytes from `from` (below `end`) that satisfy `keep`.
fn run(bytes: &[u8], from: usize, end: usize, keep: impl Fn(u8) -> bool) -> usize {
    let mut i = from;
    while i < end && keep(bytes[i]) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The classes of a line's spans with their text, for compact assertions.
    pub(super) fn classes(language: Language, lines: &[&str]) -> Vec<Vec<(TokenClass, String)>> {
        let mut highlighter = Highlighter::new(language);
        lines
            .iter()
            .map(|line| {
                highlighter
                    .line(line)
                    .into_iter()
                    .map(|s| (s.class, line[s.start..s.end].to_owned()))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn labels_map_to_languages() {
        assert_eq!(Language::from_label("JS"), Some(Language::JavaScript));
        assert_eq!(Language::from_label("tsx"), Some(Language::TypeScript));
        assert_eq!(Language::from_label("sh"), Some(Language::Bash));
        assert_eq!(Language::from_label("html"), Some(Language::Html));
        assert_eq!(Language::from_label("brainfuck"), None);
    }

    const ALL: [Language; 9] = [
        Language::Html,
        Language::Css,
        Language::JavaScript,
        Language::TypeScript,
        Language::Python,
        Language::Rust,
        Language::Sql,
        Language::Bash,
        Language::Json,
    ];

    proptest! {
        /// Whatever the input, spans are ordered, disjoint, inside the line and on character
        /// boundaries, and the newline is never part of one.
        #[test]
        fn spans_are_well_formed_for_any_text(
            lines in proptest::collection::vec("[ -~é中😀\t]{0,40}", 1..8),
            which in 0..ALL.len(),
        ) {
            let mut highlighter = Highlighter::new(ALL[which]);
            for line in &lines {
                let with_newline = format!("{line}\n");
                let mut at = 0;
                for span in highlighter.line(&with_newline) {
                    prop_assert!(span.start >= at && span.start < span.end);
                    prop_assert!(span.end <= line.len());
                    prop_assert!(line.is_char_boundary(span.start) && line.is_char_boundary(span.end));
                    at = span.end;
                }
            }
        }
    }
}
