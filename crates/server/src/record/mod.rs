//! Recordings of proxied streams, and playing them back as model `replay/NAME`. A
//! recording is JSON lines: a header, then `{t_ms, b64}` per chunk as it arrived.

mod recorder;
mod replay;

use serde::{Deserialize, Serialize};

pub use recorder::{Recorder, Recording};
pub use replay::{list_recordings, play};

/// Model ids `replay/NAME` play recording NAME.
pub const REPLAY_PREFIX: &str = "replay/";

/// The first line of a recording.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    /// The model as the client named it, `NAME/MODEL`.
    pub model: String,
    /// The upstream's wire format, for the app's decoder.
    pub format: String,
    /// Unix time the request was sent.
    pub created: u64,
    /// The content type the upstream answered with.
    pub content_type: String,
}

/// One chunk: milliseconds after the request was sent, and its bytes in base64.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChunkLine {
    pub t_ms: f64,
    pub b64: String,
}

/// Recording names are file stems made of letters, digits, `-`, `_` and `.` (not
/// leading), so `replay/NAME` can never name a path outside the directory.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::valid_name;

    #[test]
    fn names_cannot_be_paths() {
        assert!(valid_name("1767225600123-openai-gpt-4o-ab12"));
        for bad in ["", "../x", "a/b", ".hidden", "a b", "..", "a\\b"] {
            assert!(!valid_name(bad), "{bad:?}");
        }
    }
}
