//! One configurable lexer for the program-like languages (JS/TS, Python, Rust, SQL, bash,
//! JSON): comments, strings, numbers, words and each language's few special forms.

use super::{char_len, is_ident, is_ident_start, run, words, Language, Spans, TokenClass};

/// The special forms one language adds to the common ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Regex literals, `$` in names, `@decorators`.
    Js,
    /// String prefixes (`f"…"`, `r'…'`), triple quotes, `@decorators`.
    Python,
    /// Lifetimes and char literals, raw strings, `macro!`, `#[attributes]`.
    Rust,
    Sql,
    /// `$variables`, `#` comments only at the start of a word.
    Bash,
    /// Strings before `:` are keys.
    Json,
}

/// How one language looks to the lexer.
#[derive(Debug)]
pub struct Syntax {
    flavor: Flavor,
    line_comments: &'static [&'static str],
    block_comment: Option<(&'static str, &'static str)>,
    quotes: &'static [u8],
    /// Quotes whose strings may continue on the next line.
    multiline_quotes: &'static [u8],
    keywords: &'static [&'static str],
    literals: &'static [&'static str],
    types: &'static [&'static str],
    /// Shell builtins, shown as functions.
    builtins: &'static [&'static str],
    /// A capitalised word is a type or class name.
    capitalized_types: bool,
}

const JS: Syntax = Syntax {
    flavor: Flavor::Js,
    line_comments: &["//"],
    block_comment: Some(("/*", "*/")),
    quotes: b"\"'`",
    multiline_quotes: b"`",
    keywords: words::JS_KEYWORDS,
    literals: words::JS_LITERALS,
    types: words::NONE,
    builtins: words::NONE,
    capitalized_types: true,
};

const TS: Syntax = Syntax {
    keywords: words::TS_KEYWORDS,
    types: words::TS_TYPES,
    ..JS
};

const PYTHON: Syntax = Syntax {
    flavor: Flavor::Python,
    line_comments: &["#"],
    block_comment: None,
    quotes: b"\"'",
    multiline_quotes: b"",
    keywords: words::PY_KEYWORDS,
    literals: words::PY_LITERALS,
    types: words::PY_TYPES,
    builtins: words::NONE,
    capitalized_types: true,
};

const RUST: Syntax = Syntax {
    flavor: Flavor::Rust,
    line_comments: &["//"],
    block_comment: Some(("/*", "*/")),
    quotes: b"\"",
    multiline_quotes: b"\"",
    keywords: words::RUST_KEYWORDS,
    literals: words::RUST_LITERALS,
    types: words::RUST_TYPES,
    builtins: words::NONE,
    capitalized_types: true,
};

const SQL: Syntax = Syntax {
    flavor: Flavor::Sql,
    line_comments: &["--"],
    block_comment: Some(("/*", "*/")),
    quotes: b"'\"`",
    multiline_quotes: b"'",
    keywords: words::SQL_KEYWORDS,
    literals: words::SQL_LITERALS,
    types: words::SQL_TYPES,
    builtins: words::NONE,
    capitalized_types: false,
};

const BASH: Syntax = Syntax {
    flavor: Flavor::Bash,
    line_comments: &["#"],
    block_comment: None,
    quotes: b"\"'",
    multiline_quotes: b"\"'",
    keywords: words::BASH_KEYWORDS,
    literals: words::NONE,
    types: words::NONE,
    builtins: words::BASH_BUILTINS,
    capitalized_types: false,
};

const JSON: Syntax = Syntax {
    flavor: Flavor::Json,
    line_comments: &["//"],
    block_comment: Some(("/*", "*/")),
    quotes: b"\"",
    multiline_quotes: b"",
    keywords: words::NONE,
    literals: words::JSON_LITERALS,
    types: words::NONE,
    builtins: words::NONE,
    capitalized_types: false,
};

/// The syntax of a program-like language (HTML and CSS have lexers of their own and get JS).
pub fn syntax(language: Language) -> &'static Syntax {
    match language {
        Language::TypeScript => &TS,
        Language::Python => &PYTHON,
        Language::Rust => &RUST,
        Language::Sql => &SQL,
        Language::Bash => &BASH,
        Language::Json => &JSON,
        Language::JavaScript | Language::Html | Language::Css => &JS,
    }
}

/// What is still open at the end of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    Nothing,
    /// A block comment, with its nesting depth (Rust nests them).
    Comment(u32),
    String(Quote),
}

/// How an open string ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Quote {
    byte: u8,
    /// Python's `"""`.
    triple: bool,
    /// Rust's `r#"…"#`: no escapes, closed by the quote and this many `#`.
    raw_hashes: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct CodeLexer {
    syntax: &'static Syntax,
    open: Open,
    /// The next `/` in JS starts a regex rather than dividing.
    expect_operand: bool,
}

impl CodeLexer {
    pub fn new(syntax: &'static Syntax) -> Self {
        Self {
            syntax,
            open: Open::Nothing,
            expect_operand: true,
        }
    }

    /// Highlights `line[start..end]` (`start` and `end` on character boundaries).
    pub fn lex(&mut self, line: &str, start: usize, end: usize, out: &mut Spans) {
        let bytes = line.as_bytes();
        let mut i = start;
        match self.open {
            Open::Nothing => {}
            Open::Comment(depth) => i = self.comment(bytes, i, i, end, depth, out),
            Open::String(quote) => i = self.string(bytes, i, i, end, quote, out),
        }
        while i < end {
            i = self.token(bytes, i, end, out);
        }
    }

    /// Lexes the token at `i`; returns where the next one starts.
    fn token(&mut self, bytes: &[u8], i: usize, end: usize, out: &mut Spans) -> usize {
        let syntax = self.syntax;
        let b = bytes[i];
        let rest = &bytes[i..end];
        if b == b' ' || b == b'\t' {
            return i + 1;
        }
        if syntax
            .line_comments
            .iter()
            .any(|c| rest.starts_with(c.as_bytes()))
            && (syntax.flavor != Flavor::Bash || word_start(bytes, i))
        {
            out.push(TokenClass::Comment, i, end);
            return end;
        }
        if let Some((open, _)) = syntax.block_comment {
            if rest.starts_with(open.as_bytes()) {
                return self.comment(bytes, i, i + open.len(), end, 1, out);
            }
        }
        if syntax.quotes.contains(&b) {
            return self.quoted(bytes, i, i, end, out);
        }
        if b.is_ascii_digit() || (b == b'.' && rest.get(1).is_some_and(u8::is_ascii_digit)) {
            let stop = run(bytes, i, end, |c| is_ident(c) || c == b'.');
            out.push(TokenClass::Number, i, stop);
            self.expect_operand = false;
            return stop;
        }
        if is_ident_start(b) || (b == b'$' && syntax.flavor == Flavor::Js) {
            return self.word(bytes, i, end, out);
        }
        match (syntax.flavor, b) {
            (Flavor::Js, b'/') if self.expect_operand => {
                if let Some(stop) = regex_end(bytes, i, end) {
                    out.push(TokenClass::String, i, stop);
                    self.expect_operand = false;
                    return stop;
                }
            }
            (Flavor::Js | Flavor::Python, b'@') => {
                let stop = run(bytes, i + 1, end, |c| is_ident(c) || c == b'.');
                out.push(TokenClass::Meta, i, stop);
                return stop.max(i + 1);
            }
            (Flavor::Rust, b'#') if matches!(rest.get(1), Some(b'[' | b'!')) => {
                let stop = rest
                    .iter()
                    .position(|&c| c == b']')
                    .map_or(end, |p| i + p + 1);
                out.push(TokenClass::Meta, i, stop);
                return stop;
            }
            (Flavor::Rust, b'\'') => return self.rust_quote(bytes, i, end, out),
            (Flavor::Bash, b'$') => {
                let stop = shell_variable_end(bytes, i, end);
                out.push(TokenClass::Meta, i, stop);
                self.expect_operand = false;
                return stop;
            }
            _ => {}
        }
        self.expect_operand = !matches!(b, b')' | b']' | b'}');
        i + char_len(b)
    }

    /// A word: keyword, literal, type, function or macro name, or a string prefix.
    fn word(&mut self, bytes: &[u8], i: usize, end: usize, out: &mut Spans) -> usize {
        let syntax = self.syntax;
        let stop = run(bytes, i + 1, end, |c| {
            is_ident(c) || (c == b'$' && syntax.flavor == Flavor::Js)
        });
        let next = bytes.get(stop).copied().filter(|_| stop < end);
        if let Some(quote) = next.filter(|q| syntax.quotes.contains(q) || *q == b'#') {
            let hashes_end = run(bytes, stop, end, |c| c == b'#');
            let quote_follows = hashes_end < end && syntax.quotes.contains(&bytes[hashes_end]);
            if quote_follows && is_string_prefix(syntax.flavor, &bytes[i..stop], quote) {
                return self.quoted(bytes, i, stop, end, out);
            }
        }
        // Only ASCII decides a word's class, so a non-UTF-8 cut cannot occur here.
        let word = std::str::from_utf8(&bytes[i..stop]).unwrap_or("");
        let any_case = syntax.flavor == Flavor::Sql;
        let listed = |list: &[&str]| {
            if any_case {
                words::contains_any_case(list, word)
            } else {
                words::contains(list, word)
            }
        };
        let after = run(bytes, stop, end, |c| c == b' ');
        let called = bytes.get(after) == Some(&b'(') && after < end;
        let (class, span_end) = if listed(syntax.keywords) {
            (Some(TokenClass::Keyword), stop)
        } else if listed(syntax.literals) {
            (Some(TokenClass::Literal), stop)
        } else if listed(syntax.types) {
            (Some(TokenClass::Type), stop)
        } else if syntax.flavor == Flavor::Rust && next == Some(b'!') {
            (Some(TokenClass::Meta), stop + 1)
        } else if called || listed(syntax.builtins) {
            (Some(TokenClass::Function), stop)
        } else if syntax.capitalized_types && starts_capitalized(word) {
            (Some(TokenClass::Type), stop)
        } else {
            (None, stop)
        };
        if let Some(class) = class {
            out.push(class, i, span_end);
        }
        self.expect_operand = class == Some(TokenClass::Keyword);
        span_end
    }

    /// A string starting at `start` whose quote (or raw-string `#`) is at `quote_at`.
    fn quoted(
        &mut self,
        bytes: &[u8],
        start: usize,
        quote_at: usize,
        end: usize,
        out: &mut Spans,
    ) -> usize {
        let hashes = run(bytes, quote_at, end, |c| c == b'#') - quote_at;
        let raw = self.syntax.flavor == Flavor::Rust
            && (hashes > 0 || bytes[start..quote_at].contains(&b'r'));
        let at = quote_at + hashes;
        let Some(&byte) = bytes.get(at).filter(|_| at < end) else {
            return end;
        };
        let triple = self.syntax.flavor == Flavor::Python
            && bytes.get(at..at + 3) == Some(&[byte, byte, byte][..]);
        let quote = Quote {
            byte,
            triple,
            raw_hashes: raw.then_some(hashes),
        };
        let body = at + if triple { 3 } else { 1 };
        self.expect_operand = false;
        self.string(bytes, start, body.min(end), end, quote, out)
    }

    /// Scans a string body from `from`; the span starts at `start`.
    fn string(
        &mut self,
        bytes: &[u8],
        start: usize,
        from: usize,
        end: usize,
        quote: Quote,
        out: &mut Spans,
    ) -> usize {
        let mut j = from;
        while j < end {
            let b = bytes[j];
            if b == b'\\' && quote.raw_hashes.is_none() {
                j += 2;
                continue;
            }
            if b == quote.byte {
                let close = if quote.triple {
                    bytes.get(j..j + 3) == Some(&[b, b, b][..]) && j + 3 <= end
                } else {
                    let hashes = quote.raw_hashes.unwrap_or(0);
                    run(bytes, j + 1, end, |c| c == b'#') - (j + 1) >= hashes
                };
                if close {
                    let stop = j + if quote.triple { 3 } else { 1 } + quote.raw_hashes.unwrap_or(0);
                    out.push(self.string_class(bytes, stop, end), start, stop);
                    self.open = Open::Nothing;
                    return stop;
                }
            }
            j += 1;
        }
        out.push(TokenClass::String, start, end);
        let continues = quote.triple
            || quote.raw_hashes.is_some()
            || self.syntax.multiline_quotes.contains(&quote.byte);
        self.open = if continues {
            Open::String(quote)
        } else {
            Open::Nothing
        };
        end
    }

    /// JSON keys are strings followed by `:`.
    fn string_class(&self, bytes: &[u8], stop: usize, end: usize) -> TokenClass {
        let next = run(bytes, stop, end, |c| c == b' ');
        if self.syntax.flavor == Flavor::Json && next < end && bytes[next] == b':' {
            TokenClass::Attribute
        } else {
            TokenClass::String
        }
    }

    /// Scans a block comment from `from` at nesting `depth`; its span starts at `start`.
    fn comment(
        &mut self,
        bytes: &[u8],
        start: usize,
        from: usize,
        end: usize,
        depth: u32,
        out: &mut Spans,
    ) -> usize {
        let Some((open, close)) = self.syntax.block_comment else {
            return end;
        };
        let nests = self.syntax.flavor == Flavor::Rust;
        let mut depth = depth;
        let mut j = from;
        while j < end {
            let rest = &bytes[j..end];
            if rest.starts_with(close.as_bytes()) {
                j += close.len();
                depth -= 1;
                if depth == 0 {
                    out.push(TokenClass::Comment, start, j);
                    self.open = Open::Nothing;
                    return j;
                }
            } else if nests && rest.starts_with(open.as_bytes()) {
                j += open.len();
                depth += 1;
            } else {
                j += 1;
            }
        }
        out.push(TokenClass::Comment, start, end);
        self.open = Open::Comment(depth);
        end
    }

    /// Rust's `'`: a char literal (`'a'`, `'\n'`, `'é'`) or a lifetime (`'a`).
    fn rust_quote(&mut self, bytes: &[u8], i: usize, end: usize, out: &mut Spans) -> usize {
        let next = i + 1;
        if next >= end {
            return end;
        }
        let stop = if bytes[next] == b'\\' {
            let close = bytes[next + 1..end].iter().position(|&c| c == b'\'');
            close.map(|p| next + 1 + p + 1)
        } else {
            let after = next + char_len(bytes[next]);
            (after < end && bytes[after] == b'\'').then_some(after + 1)
        };
        self.expect_operand = false;
        match stop {
            Some(stop) => {
                out.push(TokenClass::String, i, stop);
                stop
            }
            None => {
                let stop = run(bytes, next, end, is_ident);
                out.push(TokenClass::Meta, i, stop);
                stop.max(next)
            }
        }
    }
}

/// Whether the letters before a quote make it one string (`f"…"`, `br"…"`, `r#"…"#`).
fn is_string_prefix(flavor: Flavor, prefix: &[u8], quote: u8) -> bool {
    let lower: Vec<u8> = prefix.iter().map(u8::to_ascii_lowercase).collect();
    match flavor {
        Flavor::Python => {
            quote != b'#'
                && matches!(
                    lower.as_slice(),
                    b"r" | b"b" | b"f" | b"u" | b"rb" | b"br" | b"fr" | b"rf"
                )
        }
        Flavor::Rust => match prefix {
            b"r" | b"br" => true,
            b"b" => quote == b'"',
            _ => false,
        },
        _ => false,
    }
}

/// A word's first letter is upper case and it is not an ALL_CAPS constant.
fn starts_capitalized(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(char::is_uppercase) && chars.any(char::is_lowercase)
}

/// Shell `#` starts a comment only at the start of a word (`a#b` and `$#` are not comments).
fn word_start(bytes: &[u8], i: usize) -> bool {
    i == 0 || matches!(bytes[i - 1], b' ' | b'\t' | b';' | b'(' | b'|' | b'&')
}

/// End of a shell variable at `i` (a `$`): `$name`, `${…}`, `$1`, `$?`, `$@`…
fn shell_variable_end(bytes: &[u8], i: usize, end: usize) -> usize {
    let next = i + 1;
    match bytes.get(next).filter(|_| next < end) {
        Some(b'{') => bytes[next..end]
            .iter()
            .position(|&c| c == b'}')
            .map_or(end, |p| next + p + 1),
        Some(c) if is_ident_start(*c) => run(bytes, next, end, is_ident),
        Some(c) if c.is_ascii_digit() || b"?@#*!$-".contains(c) => next + 1,
        _ => next,
    }
}

/// End of a JS regex literal starting at `i`, or `None` if the line has no closing `/`
/// (then it was division after all).
fn regex_end(bytes: &[u8], i: usize, end: usize) -> Option<usize> {
    let mut j = i + 1;
    let mut in_class = false;
    while j < end {
        match bytes[j] {
            b'\\' => j += 1,
            b'[' => in_class = true,
            b']' => in_class = false,
            b'/' if !in_class => {
                return (j > i + 1).then(|| run(bytes, j + 1, end, |c| c.is_ascii_alphabetic()));
            }
            _ => {}
        }
        j += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::tests::classes;
    use super::super::{Language, TokenClass::*};

    fn owned(pairs: &[(super::TokenClass, &str)]) -> Vec<(super::TokenClass, std::string::String)> {
        pairs.iter().map(|(c, s)| (*c, (*s).to_owned())).collect()
    }

    #[test]
    fn javascript_keywords_strings_regexes_and_templates() {
        let lines = classes(
            Language::JavaScript,
            &[
                "const re = /a\\/b[/]/g; let n = 10 / 2; // done",
                "el.addEventListener(`click ${x}",
                "still template`, () => null);",
                "/* open",
                "close */ class Foo extends Bar {}",
            ],
        );
        assert_eq!(
            lines[0],
            owned(&[
                (Keyword, "const"),
                (String, "/a\\/b[/]/g"),
                (Keyword, "let"),
                (Number, "10"),
                (Number, "2"),
                (Comment, "// done"),
            ])
        );
        assert_eq!(
            lines[1],
            owned(&[(Function, "addEventListener"), (String, "`click ${x}")])
        );
        assert_eq!(
            lines[2],
            owned(&[(String, "still template`"), (Literal, "null")])
        );
        assert_eq!(lines[3], owned(&[(Comment, "/* open")]));
        assert_eq!(
            lines[4],
            owned(&[
                (Comment, "close */"),
                (Keyword, "class"),
                (Type, "Foo"),
                (Keyword, "extends"),
                (Type, "Bar")
            ])
        );
    }

    #[test]
    fn python_prefixes_triple_quotes_and_decorators() {
        let lines = classes(
            Language::Python,
            &[
                "@dataclass",
                "def f(x: int) -> str:  # note",
                "    s = f'{x}' + \"\"\"doc",
                "more\"\"\" if x is None else r'\\d'",
            ],
        );
        assert_eq!(lines[0], owned(&[(Meta, "@dataclass")]));
        assert_eq!(
            lines[1],
            owned(&[
                (Keyword, "def"),
                (Function, "f"),
                (Type, "int"),
                (Type, "str"),
                (Comment, "# note")
            ])
        );
        assert_eq!(
            lines[2],
            owned(&[(String, "f'{x}'"), (String, "\"\"\"doc")])
        );
        assert_eq!(
            lines[3],
            owned(&[
                (String, "more\"\"\""),
                (Keyword, "if"),
                (Keyword, "is"),
                (Literal, "None"),
                (Keyword, "else"),
                (String, "r'\\d'")
            ])
        );
    }

    #[test]
    fn rust_lifetimes_chars_raw_strings_macros_and_nested_comments() {
        let lines = classes(
            Language::Rust,
            &[
                "#[derive(Debug)]",
                "fn f<'a>(c: char) -> &'a str { println!(\"{}\", 'x'); r#\"raw \"q\"\"# }",
                "/* a /* b */ still */ let é = '\\n';",
            ],
        );
        assert_eq!(lines[0], owned(&[(Meta, "#[derive(Debug)]")]));
        assert_eq!(
            lines[1],
            owned(&[
                (Keyword, "fn"),
                (Meta, "'a"),
                (Type, "char"),
                (Meta, "'a"),
                (Type, "str"),
                (Meta, "println!"),
                (String, "\"{}\""),
                (String, "'x'"),
                (String, "r#\"raw \"q\"\"#"),
            ])
        );
        assert_eq!(
            lines[2],
            owned(&[
                (Comment, "/* a /* b */ still */"),
                (Keyword, "let"),
                (String, "'\\n'")
            ])
        );
    }

    #[test]
    fn sql_bash_and_json() {
        let sql = classes(
            Language::Sql,
            &[
                "SELECT name, COUNT(*) FROM users -- all",
                "WHERE id = 'it''s'",
            ],
        );
        assert_eq!(
            sql[0],
            owned(&[
                (Keyword, "SELECT"),
                (Function, "COUNT"),
                (Keyword, "FROM"),
                (Comment, "-- all")
            ])
        );
        assert_eq!(
            sql[1],
            owned(&[(Keyword, "WHERE"), (String, "'it'"), (String, "'s'")])
        );

        let bash = classes(
            Language::Bash,
            &[
                "for f in *.log; do echo \"$f\" ${#arr} $1; done # end",
                "x=a#b",
            ],
        );
        assert_eq!(
            bash[0],
            owned(&[
                (Keyword, "for"),
                (Keyword, "in"),
                (Keyword, "do"),
                (Function, "echo"),
                (String, "\"$f\""),
                (Meta, "${#arr}"),
                (Meta, "$1"),
                (Keyword, "done"),
                (Comment, "# end"),
            ])
        );
        assert!(bash[1].is_empty());

        let json = classes(
            Language::Json,
            &["{\"a\": [1.5, true, \"s\"], \"b\" : null}"],
        );
        assert_eq!(
            json[0],
            owned(&[
                (Attribute, "\"a\""),
                (Number, "1.5"),
                (Literal, "true"),
                (String, "\"s\""),
                (Attribute, "\"b\""),
                (Literal, "null")
            ])
        );
    }
}
