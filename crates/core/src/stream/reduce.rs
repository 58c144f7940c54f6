//! Folds a stream's events into the final answer (text, reasoning, tool calls, usage, …), and
//! replays a recorded body in chosen chunkings; this backs `cargo xtask inspect-stream`.

use std::num::NonZeroUsize;
use std::str::FromStr;

use serde::Serialize;
use thiserror::Error;

use crate::provider::ApiFormat;
use crate::stream::event::{StreamEvent, Usage};
use crate::stream::StreamDecoder;

/// What a whole stream amounted to.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Reduction {
    pub text: String,
    pub reasoning: String,
    pub refusal: String,
    /// In index order.
    pub tool_calls: Vec<ToolCall>,
    /// The latest finish or stop reason.
    pub finish_reason: Option<String>,
    /// The latest usage report.
    pub usage: Option<Usage>,
    /// The message of the first in-band error.
    pub error: Option<String>,
    /// Whether the format's explicit end marker was seen.
    pub done: bool,
}

/// One tool call with its argument pieces joined (not parsed: they may be cut short).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ToolCall {
    pub index: u32,
    pub id: Option<String>,
    pub name: Option<String>,
    pub arguments: String,
}

impl Reduction {
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a StreamEvent>) -> Self {
        let mut reduction = Self::default();
        for event in events {
            reduction.apply(event);
        }
        reduction
    }

    /// Folds one more event in.
    pub fn apply(&mut self, event: &StreamEvent) {
        match event {
            StreamEvent::TextDelta { text } => self.text.push_str(text),
            StreamEvent::ReasoningDelta { text } => self.reasoning.push_str(text),
            StreamEvent::RefusalDelta { text } => self.refusal.push_str(text),
            StreamEvent::ToolCallDelta {
                index,
                id,
                name,
                arguments,
            } => merge_tool_delta(&mut self.tool_calls, *index, id, name, arguments),
            StreamEvent::Usage(usage) => self.usage = Some(*usage),
            StreamEvent::Finish { reason } => self.finish_reason = Some(reason.clone()),
            StreamEvent::Error(error) => {
                if self.error.is_none() {
                    self.error = Some(error.message.clone());
                }
            }
            StreamEvent::Done => self.done = true,
            StreamEvent::ServerTiming(_) | StreamEvent::Malformed { .. } => {}
        }
    }
}

/// Folds one tool-call piece into `calls`, kept in index order.
pub fn merge_tool_delta(
    calls: &mut Vec<ToolCall>,
    index: u32,
    id: &Option<String>,
    name: &Option<String>,
    arguments: &str,
) {
    let slot = match calls.binary_search_by_key(&index, |c| c.index) {
        Ok(found) => found,
        Err(at) => {
            let call = ToolCall {
                index,
                ..ToolCall::default()
            };
            calls.insert(at, call);
            at
        }
    };
    let call = &mut calls[slot];
    // Usually only the first piece names the call; if a server renames it (Cerebras
    // re-sends whole calls), the latest name is the one it stands by.
    if id.is_some() {
        call.id.clone_from(id);
    }
    if name.is_some() {
        call.name.clone_from(name);
    }
    call.arguments.push_str(arguments);
}

/// How to cut a body into chunks when replaying it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chunking {
    /// One chunk.
    Whole,
    /// Chunks of exactly N bytes (the last may be shorter).
    Bytes(NonZeroUsize),
    /// Chunks of pseudo-random sizes from 1 to [`Chunking::RANDOM_MAX`] bytes, reproducible by seed.
    Random(u64),
}

/// A `--chunks` value that is not `whole`, `bytes:N` (N ≥ 1) or `random:SEED`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChunkingError {
    #[error("unknown chunking {0:?} (expected whole, bytes:N or random:SEED)")]
    Unknown(String),
    #[error("bytes:N needs a whole number N of at least 1, got {0:?}")]
    BadSize(String),
    #[error("random:SEED needs a whole number seed, got {0:?}")]
    BadSeed(String),
}

impl FromStr for Chunking {
    type Err = ChunkingError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "whole" {
            return Ok(Chunking::Whole);
        }
        if let Some(n) = s.strip_prefix("bytes:") {
            return n
                .parse::<NonZeroUsize>()
                .map(Chunking::Bytes)
                .map_err(|_| ChunkingError::BadSize(n.to_owned()));
        }
        if let Some(seed) = s.strip_prefix("random:") {
            return seed
                .parse::<u64>()
                .map(Chunking::Random)
                .map_err(|_| ChunkingError::BadSeed(seed.to_owned()));
        }
        Err(ChunkingError::Unknown(s.to_owned()))
    }
}

impl Chunking {
    /// Largest chunk `random:SEED` produces; small, so splits land inside lines and characters.
    pub const RANDOM_MAX: usize = 64;

    /// Cuts `body` into chunks that concatenate back to it.
    pub fn split<'a>(&self, body: &'a [u8]) -> Vec<&'a [u8]> {
        match *self {
            Chunking::Whole => vec![body],
            Chunking::Bytes(n) => body.chunks(n.get()).collect(),
            Chunking::Random(seed) => {
                let mut rng = SplitMix64(seed);
                let mut rest = body;
                let mut chunks = Vec::new();
                while !rest.is_empty() {
                    let size = 1 + (rng.next() % Chunking::RANDOM_MAX as u64) as usize;
                    let (chunk, tail) = rest.split_at(size.min(rest.len()));
                    chunks.push(chunk);
                    rest = tail;
                }
                chunks
            }
        }
    }
}

/// SplitMix64: tiny, fast and well distributed, enough for reproducible chunk sizes.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Decodes a whole recorded body fed in the given chunks and reduces its events.
pub fn reduce_body(format: ApiFormat, body: &[u8], chunking: Chunking) -> Reduction {
    let mut decoder = StreamDecoder::new(format);
    let mut events = Vec::new();
    let mut reduction = Reduction::default();
    for chunk in chunking.split(body) {
        decoder.feed(chunk, &mut events);
        events.drain(..).for_each(|e| reduction.apply(&e));
    }
    decoder.finish(&mut events);
    events.iter().for_each(|e| reduction.apply(e));
    reduction
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::event::ProviderError;

    #[test]
    fn chunking_parses_and_rejects() {
        assert_eq!("whole".parse(), Ok(Chunking::Whole));
        assert_eq!(
            "bytes:3".parse(),
            Ok(Chunking::Bytes(NonZeroUsize::new(3).unwrap()))
        );
        assert_eq!("random:42".parse(), Ok(Chunking::Random(42)));
        assert_eq!(
            "bytes:0".parse::<Chunking>(),
            Err(ChunkingError::BadSize("0".into()))
        );
        assert_eq!(
            "random:x".parse::<Chunking>(),
            Err(ChunkingError::BadSeed("x".into()))
        );
        assert_eq!(
            "lines".parse::<Chunking>(),
            Err(ChunkingError::Unknown("lines".into()))
        );
    }

    #[test]
    fn random_chunking_is_reproducible_bounded_and_lossless() {
        let body: Vec<u8> = (0..=255).cycle().take(5000).collect();
        let a = Chunking::Random(7).split(&body);
        assert_eq!(a, Chunking::Random(7).split(&body));
        assert_ne!(a, Chunking::Random(8).split(&body));
        assert!(a
            .iter()
            .all(|c| (1..=Chunking::RANDOM_MAX).contains(&c.len())));
        assert_eq!(a.concat(), body);
        // Sizes actually vary rather than sticking to one value.
        assert!(a.iter().any(|c| c.len() < 8) && a.iter().any(|c| c.len() > 56));
    }

    #[test]
    fn tool_calls_are_kept_in_index_order_with_the_latest_id_and_name() {
        let delta = |index, id: Option<&str>, arguments: &str| StreamEvent::ToolCallDelta {
            index,
            id: id.map(String::from),
            name: id.map(|_| "f".to_owned()),
            arguments: arguments.to_owned(),
        };
        let r = Reduction::from_events(&[
            delta(2, Some("b"), "{"),
            delta(0, Some("a"), "["),
            delta(2, None, "}"),
            delta(0, Some("later"), "]"),
        ]);
        let calls: Vec<_> = r
            .tool_calls
            .iter()
            .map(|c| (c.index, c.id.as_deref(), c.arguments.as_str()))
            .collect();
        assert_eq!(calls, [(0, Some("later"), "[]"), (2, Some("b"), "{}")]);
    }

    #[test]
    fn first_error_and_latest_usage_win_and_keys_are_exact() {
        let err = |m: &str| {
            StreamEvent::Error(ProviderError {
                message: m.into(),
                kind: None,
            })
        };
        let usage = |o| {
            StreamEvent::Usage(Usage {
                input_tokens: Some(1),
                output_tokens: Some(o),
            })
        };
        let r = Reduction::from_events(&[
            err("first"),
            usage(1),
            err("second"),
            usage(9),
            StreamEvent::Done,
        ]);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "text": "", "reasoning": "", "refusal": "", "tool_calls": [],
                "finish_reason": null, "usage": {"input_tokens": 1, "output_tokens": 9},
                "error": "first", "done": true
            })
        );
    }
}
