//! Estimates how many tokens a text is without a vocabulary (a 4 MB BPE table is too big to
//! ship): it splits text the way the o200k pre-tokenizer does and prices each piece.

/// A word of up to this many letters is one token.
const WORD_ONE_TOKEN: u32 = 9;
/// Each further this-many letters cost one more token.
const WORD_EXTRA_STEP: u32 = 4;
/// Tenths of a token per CJK character: those scripts do not put spaces between words,
/// so a whole sentence is one piece, and o200k spends a little over half a token per character.
const CJK_TENTHS: u32 = 6;
/// A punctuation run costs one token per this many characters.
const PUNCT_STEP: u32 = 3;

/// Incremental estimator: feed text in pieces of any size; the count equals that of the
/// whole text fed at once. Keeps only the state of the unfinished piece: O(1) memory and
/// O(new text) time per call.
///
/// The pieces follow o200k's split pattern: a letter run with an optional leading space or
/// punctuation mark (a lower-to-upper case change starts a new run), digit runs in groups of
/// up to three, punctuation runs (with an optional leading space and trailing newlines), and
/// whitespace runs whose last space joins the next piece. The BPE would cut long pieces
/// further, so long words and punctuation runs cost more than one token. The constants were
/// fitted against `tiktoken` o200k_base counts; `tests/estimate_calibration.rs` holds the proof.
#[derive(Debug, Clone, Default)]
pub struct TokenEstimator {
    /// Tokens of the pieces already closed.
    closed: u64,
    piece: Piece,
}

#[derive(Debug, Clone, Copy, Default)]
enum Piece {
    #[default]
    None,
    /// Whitespace: whether it holds a newline, and the plain whitespace after the last newline.
    Space {
        newline: bool,
        tail: u32,
        tail_ends_with_space: bool,
    },
    /// Letters (a one-character prefix is free: " the" and "(self" are one piece).
    Word {
        letters: u32,
        cjk: u32,
        seen_lower: bool,
    },
    /// Digits; each group of three is counted when it starts, so nothing is pending.
    Digits { len: u32 },
    /// Punctuation, possibly after one space, possibly followed by newlines or slashes.
    Punct {
        len: u32,
        after_space: bool,
        trailer: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Letter,
    Digit,
    Newline,
    Space,
    Punct,
}

fn classify(c: char) -> Class {
    if c.is_ascii() {
        match c {
            'a'..='z' | 'A'..='Z' => Class::Letter,
            '0'..='9' => Class::Digit,
            '\n' | '\r' => Class::Newline,
            ' ' | '\t' | '\x0B' | '\x0C' => Class::Space,
            _ => Class::Punct,
        }
    } else if c.is_alphabetic() {
        Class::Letter
    } else if c.is_numeric() {
        Class::Digit
    } else if c.is_whitespace() {
        Class::Space
    } else {
        Class::Punct
    }
}

impl TokenEstimator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the next piece of text.
    pub fn push(&mut self, text: &str) {
        for c in text.chars() {
            self.step(c);
        }
    }

    /// Estimated tokens in all text pushed so far.
    pub fn count(&self) -> u64 {
        self.closed + pending_tokens(self.piece)
    }

    fn step(&mut self, c: char) {
        let class = classify(c);
        match (&mut self.piece, class) {
            (Piece::Space { newline, tail, .. }, Class::Newline) => {
                *newline = true;
                *tail = 0;
            }
            (
                Piece::Space {
                    tail,
                    tail_ends_with_space,
                    ..
                },
                Class::Space,
            ) => {
                *tail = tail.saturating_add(1);
                *tail_ends_with_space = c == ' ';
            }
            (
                Piece::Word {
                    letters,
                    cjk,
                    seen_lower,
                },
                Class::Letter,
            ) if !(*seen_lower && c.is_uppercase()) => {
                if is_cjk(c) {
                    *cjk = cjk.saturating_add(1);
                } else {
                    *letters = letters.saturating_add(1);
                }
                *seen_lower |= c.is_lowercase();
            }
            (Piece::Digits { len }, Class::Digit) => {
                if *len % 3 == 0 {
                    self.closed += 1;
                }
                *len = len.wrapping_add(1);
            }
            (
                Piece::Punct {
                    trailer: false,
                    len,
                    ..
                },
                Class::Punct,
            ) => *len = len.saturating_add(1),
            (Piece::Punct { trailer, .. }, Class::Newline) => *trailer = true,
            (Piece::Punct { trailer: true, .. }, Class::Punct) if c == '/' => {}
            _ => self.start(c, class),
        }
    }

    /// Closes the current piece and opens one for `c`, handing over a prefix where o200k does.
    fn start(&mut self, c: char, class: Class) {
        let prefix = match self.piece {
            Piece::Space {
                newline,
                tail,
                tail_ends_with_space,
            } => {
                // Whitespace up to the last newline is one piece; of the rest, all but the
                // last character is another, and the last joins a following word (any
                // whitespace) or punctuation (a plain space only), or stands alone.
                let joins = tail > 0
                    && match class {
                        Class::Letter => true,
                        Class::Punct => tail_ends_with_space,
                        _ => false,
                    };
                self.closed += u64::from(newline) + u64::from(tail > 1);
                self.closed += u64::from(tail > 0 && !joins);
                joins
            }
            Piece::Punct {
                len: 1,
                after_space: false,
                trailer: false,
            } if class == Class::Letter => true, // "(self": the mark is the word's prefix
            piece => {
                self.closed += pending_tokens(piece);
                false
            }
        };
        self.piece = match class {
            Class::Letter => Piece::Word {
                letters: u32::from(!is_cjk(c)),
                cjk: u32::from(is_cjk(c)),
                seen_lower: c.is_lowercase(),
            },
            Class::Digit => {
                self.closed += 1;
                Piece::Digits { len: 1 }
            }
            Class::Newline => Piece::Space {
                newline: true,
                tail: 0,
                tail_ends_with_space: false,
            },
            Class::Space => Piece::Space {
                newline: false,
                tail: 1,
                tail_ends_with_space: c == ' ',
            },
            Class::Punct => Piece::Punct {
                len: 1,
                after_space: prefix,
                trailer: false,
            },
        };
    }
}

/// Han, kana and Hangul: scripts written without spaces between words.
fn is_cjk(c: char) -> bool {
    matches!(c, '\u{2E80}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7AF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{3FFFF}')
}

/// Tokens the piece costs if it ended now.
fn pending_tokens(piece: Piece) -> u64 {
    match piece {
        Piece::None | Piece::Digits { .. } => 0,
        Piece::Space { newline, tail, .. } => u64::from(newline) + u64::from(tail > 0),
        Piece::Word { letters, cjk, .. } => {
            let letter_tokens = match letters {
                0 => 0,
                n if n <= WORD_ONE_TOKEN => 1,
                n => 1 + (n - WORD_ONE_TOKEN).div_ceil(WORD_EXTRA_STEP),
            };
            let cjk_tokens = (u64::from(cjk) * u64::from(CJK_TENTHS)).div_ceil(10);
            (u64::from(letter_tokens) + cjk_tokens).max(1)
        }
        Piece::Punct { len, .. } => u64::from(len.div_ceil(PUNCT_STEP)),
    }
}

/// Estimated tokens in `text`.
pub fn estimate_tokens(text: &str) -> u64 {
    let mut estimator = TokenEstimator::new();
    estimator.push(text);
    estimator.count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_follow_the_o200k_split() {
        // Each case: text and the pieces o200k's pattern cuts it into (all short, so one token each).
        let cases: &[(&str, u64)] = &[
            ("", 0),
            ("Hello", 1),
            ("Hello world", 2),  // "Hello", " world"
            ("getJSONValue", 2), // "get", "JSONValue"
            ("12345", 2),        // "123", "45"
            ("a  b", 3),         // "a", " ", " b"
            ("x\n    y", 4),     // "x", "\n", "   ", " y"
            ("(self", 1),        // one piece
            ("((a", 2),          // "((", "a"
            ("f();\n", 2),       // "f", "();\n"
            ("  ", 1),
        ];
        for &(text, expected) in cases {
            assert_eq!(estimate_tokens(text), expected, "{text:?}");
        }
    }

    #[test]
    fn long_words_cost_more_than_one_token() {
        assert_eq!(estimate_tokens("abcdefghi"), 1);
        assert_eq!(estimate_tokens("abcdefghij"), 2);
        assert_eq!(estimate_tokens("abcdefghijklmnopq"), 3);
        assert_eq!(estimate_tokens("}}}}}}"), 2);
        assert_eq!(estimate_tokens("今天天气很好"), 4);
    }

    #[test]
    fn feeding_in_pieces_gives_the_same_count_as_whole() {
        let text = "fn main() {\n    let x = 12345;  // café 東京\r\n\tprintln!(\"{x}\");\n}\n\n";
        let whole = estimate_tokens(text);
        let chars: Vec<char> = text.chars().collect();
        for split in 0..=chars.len() {
            let (a, b): (String, String) = (
                chars[..split].iter().collect(),
                chars[split..].iter().collect(),
            );
            let mut e = TokenEstimator::new();
            e.push(&a);
            e.push(&b);
            assert_eq!(e.count(), whole, "split at {split}");
        }
        let mut e = TokenEstimator::new();
        for c in &chars {
            e.push(&c.to_string());
        }
        assert_eq!(e.count(), whole);
    }

    #[test]
    fn count_never_decreases_as_text_arrives() {
        let mut e = TokenEstimator::new();
        let mut last = 0;
        for c in "The quick brown fox, 2024-01-01: jumps!\n\n  over".chars() {
            e.push(&c.to_string());
            assert!(e.count() >= last);
            last = e.count();
        }
    }
}
