//! API keys held by the proxy: read from the environment, never printed, and scrubbed
//! from any upstream text before it reaches a client or a recording, in the forms a
//! careless upstream may echo it (as is, any case, JSON-escaped, percent-encoded,
//! base64), even across chunk boundaries.

use std::fmt;

use base64::{
    engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD},
    Engine,
};
use bytes::Bytes;

/// What a key is replaced with wherever it shows up.
pub const REDACTED: &str = "[REDACTED]";

/// Keys shorter than this are not scrubbed in encoded forms: their base64 core would be
/// a few letters that ordinary text contains.
const MIN_ENCODED_KEY: usize = 8;

/// An upstream's API key. `Debug` does not show it, so it cannot leak through a log
/// line or an error that formats its holder.
#[derive(Clone)]
pub struct ApiKey(String);

impl ApiKey {
    /// The key in environment variable `name`; `None` if unset or empty.
    pub fn from_env(name: &str) -> Option<Self> {
        std::env::var(name)
            .ok()
            .filter(|key| !key.is_empty())
            .map(Self)
    }

    /// Adds `Authorization: Bearer <key>`, marked sensitive so no debug output shows it.
    pub fn authorize(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        request.bearer_auth(&self.0)
    }

    pub fn scrubber(&self) -> Scrubber {
        Scrubber {
            patterns: Patterns::of(&self.0),
            held: Vec::new(),
        }
    }

    /// `text` with every form of the key replaced.
    pub fn scrub_text(&self, text: &str) -> String {
        let mut scrubber = self.scrubber();
        let mut out = scrubber.push(text.as_bytes()).to_vec();
        out.extend_from_slice(&scrubber.finish());
        String::from_utf8_lossy(&out).into_owned()
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

/// What to look for: the key's bytes, matched one character at a time in any of the
/// encodings text can carry it in, and its base64 forms matched literally.
#[derive(Debug, Default, Clone)]
struct Patterns {
    key: Vec<u8>,
    base64: Vec<Vec<u8>>,
}

impl Patterns {
    fn of(key: &str) -> Self {
        let key = key.as_bytes().to_vec();
        let mut base64 = Vec::new();
        if key.len() >= MIN_ENCODED_KEY {
            // The key may start at any of three offsets inside a base64 text: prefix 0,
            // 1 or 2 bytes, encode, and keep only the characters the key alone decides.
            for shift in 0..3usize {
                let mut padded = vec![0u8; shift];
                padded.extend_from_slice(&key);
                for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
                    let text = engine.encode(&padded);
                    let first = (shift * 8).div_ceil(6);
                    let last = (padded.len() * 8) / 6;
                    if let Some(core) = text.as_bytes().get(first..last) {
                        if !base64.iter().any(|p: &Vec<u8>| p == core) {
                            base64.push(core.to_vec());
                        }
                    }
                }
            }
        }
        Self { key, base64 }
    }

    fn is_empty(&self) -> bool {
        self.key.is_empty()
    }

    /// The longest text any form of the key can take.
    fn max_len(&self) -> usize {
        // `\uXXXX` is the longest encoding of one byte.
        self.key.len() * 6
    }

    /// The length of a match starting at `data[at..]`: `Some(Ok(n))` for a whole match of
    /// `n` bytes, `Some(Err(()))` if the data ends inside what may still become one.
    fn match_at(&self, data: &[u8], at: usize) -> Option<Result<usize, ()>> {
        let mut partial = false;
        for literal in &self.base64 {
            let rest = &data[at..];
            if rest.starts_with(literal) {
                return Some(Ok(literal.len()));
            }
            partial |= literal.starts_with(rest) && !rest.is_empty();
        }
        match self.match_key(data, at) {
            Some(Ok(n)) => Some(Ok(n)),
            Some(Err(())) => Some(Err(())),
            None if partial => Some(Err(())),
            None => None,
        }
    }

    fn match_key(&self, data: &[u8], start: usize) -> Option<Result<usize, ()>> {
        let mut at = start;
        for &wanted in &self.key {
            match encoded_byte(&data[at..], wanted) {
                Step::Matched(n) => at += n,
                Step::NeedMore => return Some(Err(())),
                Step::No => return None,
            }
        }
        Some(Ok(at - start))
    }
}

enum Step {
    Matched(usize),
    NeedMore,
    No,
}

/// Whether `data` starts with `wanted` written as itself (any ASCII case), a JSON
/// escape (`\u002d`, `\/`) or a percent escape (`%2D`).
fn encoded_byte(data: &[u8], wanted: u8) -> Step {
    let Some(&first) = data.first() else {
        return Step::NeedMore;
    };
    if first.eq_ignore_ascii_case(&wanted) {
        return Step::Matched(1);
    }
    let hex = |digits: &[u8]| -> Option<u32> {
        std::str::from_utf8(digits)
            .ok()
            .and_then(|d| u32::from_str_radix(d, 16).ok())
    };
    let escaped = |prefix_len: usize, digits: usize| -> Step {
        let end = prefix_len + digits;
        if data.len() < end {
            let given = &data[prefix_len..];
            return if given.iter().all(u8::is_ascii_hexdigit) {
                Step::NeedMore
            } else {
                Step::No
            };
        }
        match hex(&data[prefix_len..end]) {
            Some(value)
                if char::from_u32(value)
                    .is_some_and(|c| c.is_ascii() && (c as u8).eq_ignore_ascii_case(&wanted)) =>
            {
                Step::Matched(end)
            }
            _ => Step::No,
        }
    };
    match first {
        b'%' => escaped(1, 2),
        b'\\' => match data.get(1) {
            None => Step::NeedMore,
            Some(b'u') => escaped(2, 4),
            Some(&other) if other == wanted && matches!(other, b'/' | b'"' | b'\\') => {
                Step::Matched(2)
            }
            Some(_) => Step::No,
        },
        _ => Step::No,
    }
}

/// Replaces the key in a byte stream. A chunk may end with what could be the start of
/// the key, so such a tail (and only such a tail) waits for the next chunk; SSE chunks
/// end in a blank line, which no key starts with, so in practice nothing is delayed.
#[derive(Debug, Default)]
pub struct Scrubber {
    patterns: Patterns,
    held: Vec<u8>,
}

impl Scrubber {
    /// A scrubber for upstreams without a key: passes bytes through.
    pub fn none() -> Self {
        Self::default()
    }

    /// The bytes of `chunk` (after any held tail) that are safe to send now.
    pub fn push(&mut self, chunk: &[u8]) -> Bytes {
        if self.patterns.is_empty() {
            return Bytes::copy_from_slice(chunk);
        }
        let mut data = std::mem::take(&mut self.held);
        data.extend_from_slice(chunk);
        let mut out = Vec::with_capacity(data.len());
        let mut at = 0;
        while at < data.len() {
            match self.patterns.match_at(&data, at) {
                Some(Ok(len)) => {
                    out.extend_from_slice(REDACTED.as_bytes());
                    at += len;
                }
                // Only a tail shorter than the longest form can still grow into one.
                Some(Err(())) if data.len() - at < self.patterns.max_len() => {
                    self.held = data[at..].to_vec();
                    break;
                }
                _ => {
                    out.push(data[at]);
                    at += 1;
                }
            }
        }
        Bytes::from(out)
    }

    /// Whatever was held back, at the end of the stream (scrubbed: it cannot hold a
    /// whole key, but is checked the same way).
    pub fn finish(&mut self) -> Bytes {
        Bytes::from(std::mem::take(&mut self.held))
    }
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};

    use super::*;

    fn scrub_in_pieces(key: &str, text: &str, piece: usize) -> String {
        let mut scrubber = ApiKey(key.into()).scrubber();
        let mut out = Vec::new();
        for chunk in text.as_bytes().chunks(piece) {
            out.extend_from_slice(&scrubber.push(chunk));
        }
        out.extend_from_slice(&scrubber.finish());
        String::from_utf8(out).expect("utf8")
    }

    #[test]
    fn removes_the_key_however_the_stream_is_split() {
        let text = "data: {\"error\":\"bad key sk-abc123 given\"}\n\nsk-abc123sk-abc1";
        let expected = "data: {\"error\":\"bad key [REDACTED] given\"}\n\n[REDACTED]sk-abc1";
        for piece in 1..=text.len() {
            assert_eq!(
                scrub_in_pieces("sk-abc123", text, piece),
                expected,
                "pieces of {piece}"
            );
        }
    }

    #[test]
    fn removes_encoded_and_recased_forms() {
        let key = "sk-live/Key+9f2a";
        let forms = [
            "sk\\u002dlive\\/Key+9f2a".to_owned(),
            "sk%2Dlive%2fKey%2B9f2a".to_owned(),
            "SK-LIVE/KEY+9F2A".to_owned(),
            "\\u0073k-live/Key+9f2a".to_owned(),
            STANDARD.encode(key),
            URL_SAFE.encode(format!("Bearer {key}")),
            STANDARD.encode(format!("x{key}yz")),
            STANDARD.encode(format!("ab{key}")),
        ];
        for form in forms {
            let text = format!("data: {{\"echo\":\"{form}\"}}\n\n");
            for piece in [1, 3, 7, text.len()] {
                let out = scrub_in_pieces(key, &text, piece);
                assert!(out.contains(REDACTED), "{form} in pieces of {piece}: {out}");
                assert!(!out.contains(&form), "{form} in pieces of {piece}: {out}");
            }
        }
    }

    #[test]
    fn holds_back_only_a_possible_key_start() {
        let mut scrubber = ApiKey("sk-abc".into()).scrubber();
        assert_eq!(&scrubber.push(b"data: x\n\n")[..], b"data: x\n\n");
        assert_eq!(&scrubber.push(b"token sk")[..], b"token ");
        assert_eq!(&scrubber.push(b"-xyz")[..], b"sk-xyz");
    }

    #[test]
    fn debug_never_shows_the_key() {
        let key = ApiKey("sk-very-secret".into());
        assert!(!format!("{key:?}").contains("secret"));
        assert_eq!(key.scrub_text("was sk-very-secret!"), "was [REDACTED]!");
    }
}
