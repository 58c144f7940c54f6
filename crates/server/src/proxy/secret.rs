//! API keys held by the proxy: read from the environment, never printed, and scrubbed
//! from any upstream text before it reaches a client, even across chunk boundaries.

use std::fmt;

use bytes::Bytes;

/// What a key is replaced with wherever it shows up.
pub const REDACTED: &str = "[REDACTED]";

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
            key: self.0.as_bytes().to_vec(),
            held: Vec::new(),
        }
    }

    /// `text` with every occurrence of the key replaced.
    pub fn scrub_text(&self, text: &str) -> String {
        text.replace(&self.0, REDACTED)
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

/// Replaces the key in a byte stream. A chunk may end with the first bytes of the key,
/// so such a tail (and only such a tail) waits for the next chunk; SSE chunks end in a
/// blank line, which no key starts with, so in practice nothing is delayed.
#[derive(Debug, Default)]
pub struct Scrubber {
    key: Vec<u8>,
    held: Vec<u8>,
}

impl Scrubber {
    /// A scrubber for upstreams without a key: passes bytes through.
    pub fn none() -> Self {
        Self::default()
    }

    /// The bytes of `chunk` (after any held tail) that are safe to send now.
    pub fn push(&mut self, chunk: &[u8]) -> Bytes {
        if self.key.is_empty() {
            return Bytes::copy_from_slice(chunk);
        }
        let mut data = std::mem::take(&mut self.held);
        data.extend_from_slice(chunk);
        let mut out = replace_all(&data, &self.key);
        let hold = (1..self.key.len())
            .rev()
            .find(|&n| out.ends_with(&self.key[..n]))
            .unwrap_or(0);
        self.held = out.split_off(out.len() - hold);
        Bytes::from(out)
    }

    /// Whatever was held back, at the end of the stream.
    pub fn finish(&mut self) -> Bytes {
        Bytes::from(std::mem::take(&mut self.held))
    }
}

fn replace_all(data: &[u8], key: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut rest = data;
    while let Some(at) = rest.windows(key.len()).position(|w| w == key) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(REDACTED.as_bytes());
        rest = &rest[at + key.len()..];
    }
    out.extend_from_slice(rest);
    out
}

#[cfg(test)]
mod tests {
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
