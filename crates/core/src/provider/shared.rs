//! What the format files share: the bearer header, reading a provider's error object (in a
//! stream or an HTTP error body), reporting an unreadable message, pushing text events.

use serde::Deserialize;
use serde_json::Value;

use crate::stream::event::{ProviderError, StreamEvent};

/// At most this many characters of a provider's text are quoted back to the user.
const CLIP_CHARS: usize = 200;

/// `text` cut to [`CLIP_CHARS`] characters, with `…` when something was cut.
pub(crate) fn clip(text: &str) -> String {
    match text.char_indices().nth(CLIP_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// `Authorization: Bearer <key>`, the header the OpenAI family (and what guards an Ollama) takes.
pub(super) fn bearer(api_key: Option<&str>) -> Vec<(String, String)> {
    api_key
        .map(|key| vec![("authorization".to_string(), format!("Bearer {key}"))])
        .unwrap_or_default()
}

/// The `[DONE]` sentinel OpenAI-style streams end with.
pub(super) fn is_done_sentinel(data: &str) -> bool {
    data.trim() == "[DONE]"
}

/// Parses a payload as `T`, or reports it as [`StreamEvent::Malformed`] and returns `None`.
pub(super) fn parse_or_report<'a, T: Deserialize<'a>>(
    data: &'a str,
    out: &mut Vec<StreamEvent>,
) -> Option<T> {
    match serde_json::from_str(data) {
        Ok(value) => Some(value),
        Err(err) => {
            out.push(StreamEvent::Malformed {
                excerpt: clip(data),
                reason: err.to_string(),
            });
            None
        }
    }
}

/// Reads an error in any of the shapes providers use, in a stream or an HTTP error body: a
/// bare string, or an object with `message` and a `type` or `code`.
pub(super) fn provider_error(value: &Value) -> ProviderError {
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

/// The error under a body's `error` key, the shape every format's HTTP errors share.
pub(super) fn nested_error(body: &Value) -> Option<ProviderError> {
    body.get("error")
        .filter(|e| !e.is_null())
        .map(provider_error)
}

/// Pushes a text-like event unless the piece is empty (many chunks carry `""` or nothing).
pub(super) fn push_text(
    piece: Option<String>,
    make: fn(String) -> StreamEvent,
    out: &mut Vec<StreamEvent>,
) {
    if let Some(text) = piece.filter(|t| !t.is_empty()) {
        out.push(make(text));
    }
}

pub(super) fn text_delta(text: String) -> StreamEvent {
    StreamEvent::TextDelta { text }
}

pub(super) fn reasoning_delta(text: String) -> StreamEvent {
    StreamEvent::ReasoningDelta { text }
}

pub(super) fn refusal_delta(text: String) -> StreamEvent {
    StreamEvent::RefusalDelta { text }
}

/// Whether a JSON message has `key` set to something other than `null`.
pub(super) fn has(message: &Value, key: &str) -> bool {
    message.get(key).is_some_and(|v| !v.is_null())
}

/// The `type` of a JSON message, for the formats that name their events.
pub(super) fn event_type(message: &Value) -> Option<&str> {
    message.get("type").and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn clip_cuts_on_a_char_boundary() {
        let long = "é".repeat(300);
        let cut = clip(&long);
        assert!(cut.ends_with('…'));
        assert_eq!(cut.chars().count(), CLIP_CHARS + 1);
        assert_eq!(clip("short"), "short");
    }

    #[test]
    fn provider_error_reads_strings_objects_and_numeric_codes() {
        let e = provider_error(&json!("boom"));
        assert_eq!((e.message.as_str(), e.kind), ("boom", None));
        let e = provider_error(&json!({"message": "slow down", "code": 429}));
        assert_eq!(
            (e.message.as_str(), e.kind.as_deref()),
            ("slow down", Some("429"))
        );
        let e = provider_error(&json!({"type": "overloaded_error"}));
        assert_eq!(e.message, r#"{"type":"overloaded_error"}"#);
        assert_eq!(nested_error(&json!({"error": null})), None);
    }
}
