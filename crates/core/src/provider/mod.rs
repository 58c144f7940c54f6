//! Provider wire formats: which one a body speaks, and the per-format decoders that turn
//! one framed message (an SSE data payload or an NDJSON line) into typed stream events.

pub mod detect;
pub mod endpoints;
pub mod models;
pub mod request;

mod anthropic;
mod ollama;
mod openai_chat;
mod openai_responses;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

use crate::stream::event::{ProviderError, StreamEvent};

/// The streaming formats Sparkplug understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ApiFormat {
    /// OpenAI Chat Completions and the compatible family (Groq, Cerebras, DeepSeek, vLLM, …).
    #[serde(rename = "openai-chat")]
    OpenAiChat,
    /// OpenAI Responses API.
    #[serde(rename = "openai-responses")]
    OpenAiResponses,
    /// Anthropic Messages API.
    #[serde(rename = "anthropic")]
    Anthropic,
    /// Ollama native NDJSON (`/api/chat`, `/api/generate`).
    #[serde(rename = "ollama")]
    Ollama,
}

impl ApiFormat {
    pub const ALL: [ApiFormat; 4] = [
        ApiFormat::OpenAiChat,
        ApiFormat::OpenAiResponses,
        ApiFormat::Anthropic,
        ApiFormat::Ollama,
    ];

    /// The name used on the command line and in serialized settings.
    pub fn name(self) -> &'static str {
        match self {
            ApiFormat::OpenAiChat => "openai-chat",
            ApiFormat::OpenAiResponses => "openai-responses",
            ApiFormat::Anthropic => "anthropic",
            ApiFormat::Ollama => "ollama",
        }
    }
}

impl fmt::Display for ApiFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A format name that is not one of [`ApiFormat::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown API format {0:?} (expected openai-chat, openai-responses, anthropic or ollama)")]
pub struct UnknownFormat(pub String);

impl FromStr for ApiFormat {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ApiFormat::ALL
            .into_iter()
            .find(|format| format.name() == s)
            .ok_or_else(|| UnknownFormat(s.to_owned()))
    }
}

/// The decoder for one format, with whatever per-stream state that format needs.
#[derive(Debug)]
pub(crate) enum Decoder {
    OpenAiChat(openai_chat::OpenAiChatDecoder),
    OpenAiResponses(openai_responses::ResponsesDecoder),
    Anthropic(anthropic::AnthropicDecoder),
    Ollama(ollama::OllamaDecoder),
}

impl Decoder {
    pub(crate) fn new(format: ApiFormat) -> Self {
        match format {
            ApiFormat::OpenAiChat => Decoder::OpenAiChat(Default::default()),
            ApiFormat::OpenAiResponses => Decoder::OpenAiResponses(Default::default()),
            ApiFormat::Anthropic => Decoder::Anthropic(Default::default()),
            ApiFormat::Ollama => Decoder::Ollama(Default::default()),
        }
    }

    /// Decodes one message payload, pushing the events it carries onto `out`.
    pub(crate) fn decode(&mut self, data: &str, out: &mut Vec<StreamEvent>) {
        match self {
            Decoder::OpenAiChat(d) => d.decode(data, out),
            Decoder::OpenAiResponses(d) => d.decode(data, out),
            Decoder::Anthropic(d) => d.decode(data, out),
            Decoder::Ollama(d) => d.decode(data, out),
        }
    }
}

/// The `[DONE]` sentinel OpenAI-style streams end with.
fn is_done_sentinel(data: &str) -> bool {
    data.trim() == "[DONE]"
}

/// Parses a payload as `T`, or reports it as [`StreamEvent::Malformed`] and returns `None`.
fn parse_or_report<'a, T: Deserialize<'a>>(data: &'a str, out: &mut Vec<StreamEvent>) -> Option<T> {
    match serde_json::from_str(data) {
        Ok(value) => Some(value),
        Err(err) => {
            out.push(StreamEvent::Malformed {
                excerpt: excerpt(data),
                reason: err.to_string(),
            });
            None
        }
    }
}

/// At most this many bytes of a malformed payload are kept for display.
const EXCERPT_MAX: usize = 200;

fn excerpt(data: &str) -> String {
    if data.len() <= EXCERPT_MAX {
        return data.to_owned();
    }
    let mut end = EXCERPT_MAX;
    while !data.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &data[..end])
}

/// Reads an in-band error in any of the shapes providers use: a bare string, or an object
/// with `message` and a `type` or `code`.
fn provider_error(value: &Value) -> ProviderError {
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match value {
        Value::String(message) => ProviderError {
            message: message.clone(),
            kind: None,
        },
        Value::Object(map) => ProviderError {
            message: map
                .get("message")
                .and_then(text)
                .unwrap_or_else(|| value.to_string()),
            kind: map
                .get("type")
                .and_then(text)
                .or_else(|| map.get("code").and_then(text)),
        },
        other => ProviderError {
            message: other.to_string(),
            kind: None,
        },
    }
}

/// Pushes a text-like event unless the piece is empty (many chunks carry `""` or nothing).
fn push_text(piece: Option<String>, make: fn(String) -> StreamEvent, out: &mut Vec<StreamEvent>) {
    if let Some(text) = piece.filter(|t| !t.is_empty()) {
        out.push(make(text));
    }
}

fn text_delta(text: String) -> StreamEvent {
    StreamEvent::TextDelta { text }
}

fn reasoning_delta(text: String) -> StreamEvent {
    StreamEvent::ReasoningDelta { text }
}

fn refusal_delta(text: String) -> StreamEvent {
    StreamEvent::RefusalDelta { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip_through_from_str_and_serde() {
        for format in ApiFormat::ALL {
            assert_eq!(format.name().parse::<ApiFormat>(), Ok(format));
            let json = serde_json::to_string(&format).unwrap();
            assert_eq!(json, format!("\"{}\"", format.name()));
            assert_eq!(serde_json::from_str::<ApiFormat>(&json).unwrap(), format);
        }
        assert_eq!(
            "openai".parse::<ApiFormat>(),
            Err(UnknownFormat("openai".to_owned()))
        );
    }

    #[test]
    fn excerpt_cuts_on_a_char_boundary() {
        let long = "é".repeat(150); // 300 bytes
        let cut = excerpt(&long);
        assert!(cut.ends_with('…'));
        assert_eq!(cut.chars().count(), 101);
    }

    #[test]
    fn provider_error_reads_strings_objects_and_numeric_codes() {
        let e = provider_error(&serde_json::json!("boom"));
        assert_eq!((e.message.as_str(), e.kind), ("boom", None));
        let e = provider_error(&serde_json::json!({"message": "slow down", "code": 429}));
        assert_eq!(
            (e.message.as_str(), e.kind.as_deref()),
            ("slow down", Some("429"))
        );
        let e = provider_error(&serde_json::json!({"type": "overloaded_error"}));
        assert_eq!(e.message, r#"{"type":"overloaded_error"}"#);
    }
}
