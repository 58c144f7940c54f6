//! Real tokens: text split with OpenAI's o200k_base tokenizer, and prompt token counts.
//! Streams send whole tokens but cut text only at UTF-8 character boundaries.

use std::panic::{catch_unwind, AssertUnwindSafe};

use sparkplug_core::run::estimate::estimate_tokens;
use tiktoken_rs::CoreBPE;

/// Texts up to this size are counted exactly; larger ones are estimated. The tokenizer's
/// regex overflows its stack on long whitespace runs (100,000 spaces pass, 1,000,000 do
/// not), and exact counts of huge prompts cost CPU that no client needs.
const EXACT_COUNT_BYTES: usize = 32 * 1024;

/// The tokenizer every count in the server uses. It is built on first use (it decodes
/// its bundled vocabulary) and shared for the life of the process.
pub fn tokenizer() -> &'static CoreBPE {
    tiktoken_rs::o200k_base_singleton()
}

/// A text and the byte offset at which each of its tokens ends.
#[derive(Debug)]
pub struct TokenizedText {
    text: String,
    ends: Vec<usize>,
}

/// The tokenizer produced a token it cannot turn back into bytes; only a broken
/// vocabulary could cause this, but it is reported rather than assumed away.
#[derive(Debug, thiserror::Error)]
#[error("the tokenizer could not decode its own token {0}")]
pub struct TokenizeError(u32);

impl TokenizedText {
    pub fn new(text: String) -> Result<Self, TokenizeError> {
        let bpe = tokenizer();
        let mut ends = Vec::new();
        let mut end = 0;
        for token in bpe.encode_ordinary(&text) {
            end += bpe
                .decode_bytes(&[token])
                .map_err(|_| TokenizeError(token))?
                .len();
            ends.push(end);
        }
        if end != text.len() {
            return Err(TokenizeError(u32::MAX));
        }
        Ok(Self { text, ends })
    }

    pub fn token_count(&self) -> usize {
        self.ends.len()
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The text of the first `tokens` tokens, cut back to the last whole character:
    /// a token may end inside a multi-byte character, whose bytes then wait for the
    /// token that completes it.
    pub fn text_of_first(&self, tokens: usize) -> &str {
        let end = match tokens.checked_sub(1) {
            Some(last) => self.ends.get(last).copied().unwrap_or(self.text.len()),
            None => 0,
        };
        &self.text[..char_floor(&self.text, end)]
    }
}

/// The largest character boundary at or before `index`.
fn char_floor(text: &str, index: usize) -> usize {
    let mut index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// Counts a chat prompt the way OpenAI bills it for recent models: each message costs
/// its role and content tokens plus 3 for the message framing (plus 1 for a `name`),
/// and the reply is primed with 3 more.
/// Never fails: a text too large to count exactly, or one the tokenizer fails on, is
/// estimated. Its cost is linear in the prompt's size, so callers with large prompts
/// run it off the async workers.
pub fn count_prompt<'a>(messages: impl IntoIterator<Item = PromptMessage<'a>>) -> usize {
    let per_message: usize = messages
        .into_iter()
        .map(|m| {
            (3 + count_text(m.role) + count_text(m.content))
                .saturating_add(m.name.map_or(0, |name| 1 + count_text(name)))
        })
        .fold(0, usize::saturating_add);
    per_message.saturating_add(3)
}

/// Tokens in `text`: exact when small enough and the tokenizer copes, else estimated.
fn count_text(text: &str) -> usize {
    let estimate = || usize::try_from(estimate_tokens(text)).unwrap_or(usize::MAX);
    if text.len() > EXACT_COUNT_BYTES {
        return estimate();
    }
    // tiktoken-rs unwraps its regex's errors; a panic here must cost an estimate, not
    // the request (the server is built to unwind: see the `server` cargo profile).
    catch_unwind(AssertUnwindSafe(|| tokenizer().encode_ordinary(text).len()))
        .unwrap_or_else(|_| estimate())
}

/// The parts of one chat message that count towards the prompt.
#[derive(Debug, Clone, Copy)]
pub struct PromptMessage<'a> {
    pub role: &'a str,
    pub content: &'a str,
    pub name: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_ends_cover_the_text_exactly() {
        let text = TokenizedText::new("Hello, world! fn main() {}".into()).expect("tokenize");
        assert_eq!(
            text.token_count(),
            tokenizer().encode_ordinary(text.as_str()).len()
        );
        assert_eq!(text.text_of_first(text.token_count()), text.as_str());
        assert_eq!(text.text_of_first(0), "");
    }

    #[test]
    fn a_token_ending_inside_a_character_waits_for_the_rest() {
        // Rare CJK characters and emoji are split over several byte-level tokens.
        let text = TokenizedText::new("𠜎𠜱𠝹 🦀🦀".into()).expect("tokenize");
        let mut prefixes_cut_short = 0;
        for k in 0..=text.token_count() {
            let prefix = text.text_of_first(k);
            assert!(text.as_str().starts_with(prefix));
            let raw_end = if k == 0 { 0 } else { text.ends[k - 1] };
            if prefix.len() < raw_end {
                prefixes_cut_short += 1;
            }
        }
        assert!(
            prefixes_cut_short > 0,
            "the sample should split a character"
        );
        assert_eq!(text.text_of_first(text.token_count()), text.as_str());
    }

    #[test]
    fn prompt_count_adds_message_framing() {
        let one = PromptMessage {
            role: "user",
            content: "Say hi",
            name: None,
        };
        let content_tokens = tokenizer().encode_ordinary("Say hi").len();
        let role_tokens = tokenizer().encode_ordinary("user").len();
        assert_eq!(count_prompt([one]), 3 + role_tokens + content_tokens + 3);
    }

    #[test]
    fn huge_and_pathological_texts_are_estimated() {
        let spaces = " ".repeat(1_000_000);
        let message = PromptMessage {
            role: &spaces,
            content: &spaces,
            name: Some(&spaces),
        };
        let count = count_prompt([message]);
        let one = usize::try_from(estimate_tokens(&spaces)).expect("fits");
        assert_eq!(count, 3 + one + one + 1 + one + 3);
    }
}
