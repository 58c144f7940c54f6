//! Guesses a body's wire format from its first bytes, for `--format auto` and recordings
//! whose origin is unknown. Looks at SSE event names and the first JSON payload's keys.

use serde::Deserialize;

use crate::provider::ApiFormat;

/// How far into the body the guess looks; the first message always fits in practice.
const LOOK_AHEAD: usize = 16 * 1024;

/// The keys that tell the formats apart; everything else is ignored.
#[derive(Deserialize)]
struct Probe {
    #[serde(rename = "type")]
    kind: Option<String>,
    object: Option<String>,
    choices: Option<serde::de::IgnoredAny>,
    model: Option<serde::de::IgnoredAny>,
    done: Option<bool>,
    error: Option<serde::de::IgnoredAny>,
    /// Every Responses event is numbered; Anthropic's are not.
    sequence_number: Option<serde::de::IgnoredAny>,
}

/// The format `head` (the start of a body) looks like, or `None` if nothing gives it away.
pub fn detect_format(head: &[u8]) -> Option<ApiFormat> {
    let head = &head[..head.len().min(LOOK_AHEAD)];
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{FEFF}').trim_start();
    if text.starts_with('{') {
        // NDJSON: the first line is a whole JSON object.
        let first = text.lines().next().unwrap_or_default();
        return serde_json::from_str::<Probe>(first)
            .ok()
            .and_then(from_ndjson);
    }
    for line in text.lines() {
        if let Some(name) = field_value(line, "event") {
            if let Some(format) = from_type(name) {
                return Some(format);
            }
        } else if let Some(data) = field_value(line, "data") {
            if data.trim() == "[DONE]" {
                continue;
            }
            if let Some(format) = serde_json::from_str::<Probe>(data)
                .ok()
                .and_then(from_sse_data)
            {
                return Some(format);
            }
        }
    }
    None
}

fn field_value<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let value = line.strip_prefix(name)?.strip_prefix(':')?;
    Some(value.strip_prefix(' ').unwrap_or(value))
}

/// Anthropic and Responses name their events; the names do not overlap.
fn from_type(kind: &str) -> Option<ApiFormat> {
    const ANTHROPIC: [&str; 7] = [
        "message_start",
        "message_delta",
        "message_stop",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "ping",
    ];
    if kind.starts_with("response.") {
        Some(ApiFormat::OpenAiResponses)
    } else if ANTHROPIC.contains(&kind) {
        Some(ApiFormat::Anthropic)
    } else {
        None
    }
}

fn from_sse_data(probe: Probe) -> Option<ApiFormat> {
    match probe.kind.as_deref() {
        // Both formats have an `error` event; only Responses numbers its events.
        Some("error") if probe.sequence_number.is_some() => {
            return Some(ApiFormat::OpenAiResponses)
        }
        Some("error") => return Some(ApiFormat::Anthropic),
        Some(kind) => {
            if let Some(format) = from_type(kind) {
                return Some(format);
            }
        }
        None => {}
    }
    let chat_object = probe
        .object
        .as_deref()
        .is_some_and(|o| o.starts_with("chat.completion") || o == "text_completion");
    // Anthropic and Responses payloads always carry a `type`; a bare `{"error": …}` is OpenAI's.
    let chat_error = probe.kind.is_none() && probe.error.is_some();
    (chat_object || probe.choices.is_some() || chat_error).then_some(ApiFormat::OpenAiChat)
}

fn from_ndjson(probe: Probe) -> Option<ApiFormat> {
    (probe.done.is_some() || probe.model.is_some() || probe.error.is_some())
        .then_some(ApiFormat::Ollama)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_each_format_from_its_first_message() {
        let cases: [(&str, Option<ApiFormat>); 10] = [
            (
                "data: {\"object\":\"chat.completion.chunk\",\"choices\":[]}\n\n",
                Some(ApiFormat::OpenAiChat),
            ),
            (
                ": keep-alive\n\ndata: {\"choices\":[{\"text\":\"x\"}]}\n\n",
                Some(ApiFormat::OpenAiChat),
            ),
            (
                "event: message_start\ndata: {}\n\n",
                Some(ApiFormat::Anthropic),
            ),
            (
                "data: {\"type\":\"response.created\",\"response\":{}}\n\n",
                Some(ApiFormat::OpenAiResponses),
            ),
            (
                "{\"model\":\"llama3.2\",\"response\":\"a\",\"done\":false}\n",
                Some(ApiFormat::Ollama),
            ),
            (
                "\u{FEFF}{\"error\":\"model not found\"}",
                Some(ApiFormat::Ollama),
            ),
            (
                "event: error\ndata: {\"type\":\"error\",\"error\":{}}\n\n",
                Some(ApiFormat::Anthropic),
            ),
            (
                "data: {\"type\":\"error\",\"sequence_number\":2}\n\n",
                Some(ApiFormat::OpenAiResponses),
            ),
            (
                "data: {\"error\":{\"message\":\"x\"}}\n\n",
                Some(ApiFormat::OpenAiChat),
            ),
            ("hello world\n", None),
        ];
        for (body, expected) in cases {
            assert_eq!(detect_format(body.as_bytes()), expected, "{body:?}");
        }
    }

    #[test]
    fn truncated_first_message_gives_no_guess_rather_than_a_wrong_one() {
        assert_eq!(detect_format(b"data: {\"choi"), None);
    }
}
