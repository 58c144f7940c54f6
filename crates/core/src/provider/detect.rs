//! Guesses a body's wire format from its first bytes, for `--format auto` and recordings
//! whose origin is unknown: each format says whether an SSE event name or first message is its.

use serde_json::Value;

use crate::provider::{ApiFormat, Framing, Start};

/// How far into the body the guess looks; the first message always fits in practice.
const LOOK_AHEAD: usize = 16 * 1024;

/// The format `head` (the start of a body) looks like, or `None` if nothing gives it away.
pub fn detect_format(head: &[u8]) -> Option<ApiFormat> {
    let head = &head[..head.len().min(LOOK_AHEAD)];
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{FEFF}').trim_start();
    if text.starts_with('{') {
        // NDJSON: the first line is a whole JSON object.
        let first = text.lines().next().unwrap_or_default();
        let message = serde_json::from_str::<Value>(first).ok()?;
        return claimant(Framing::Ndjson, Start::Message(&message));
    }
    for line in text.lines() {
        let format = if let Some(name) = field_value(line, "event") {
            claimant(Framing::Sse, Start::EventName(name))
        } else if let Some(data) = field_value(line, "data") {
            // Payloads that are not JSON (`[DONE]`, keep-alives) give nothing away.
            serde_json::from_str::<Value>(data)
                .ok()
                .and_then(|message| claimant(Framing::Sse, Start::Message(&message)))
        } else {
            None
        };
        if format.is_some() {
            return format;
        }
    }
    None
}

/// The format of this framing that claims `start`.
fn claimant(framing: Framing, start: Start<'_>) -> Option<ApiFormat> {
    ApiFormat::ALL.into_iter().find(|format| {
        let spec = format.spec();
        spec.framing() == framing && spec.recognises(start)
    })
}

fn field_value<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let value = line.strip_prefix(name)?.strip_prefix(':')?;
    Some(value.strip_prefix(' ').unwrap_or(value))
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
    fn no_start_is_claimed_by_two_formats_of_one_framing() {
        let messages = [
            r#"{"object":"chat.completion.chunk","choices":[]}"#,
            r#"{"error":{"message":"x"}}"#,
            r#"{"type":"error","error":{}}"#,
            r#"{"type":"error","sequence_number":2}"#,
            r#"{"type":"message_start","message":{}}"#,
            r#"{"type":"response.created","response":{}}"#,
            r#"{"model":"llama3.2","done":false}"#,
        ];
        let claims = |framing: Framing, start: Start<'_>| {
            ApiFormat::ALL
                .into_iter()
                .filter(|f| f.spec().framing() == framing && f.spec().recognises(start))
                .count()
        };
        for text in messages {
            let message: Value = serde_json::from_str(text).expect("json");
            let sse = claims(Framing::Sse, Start::Message(&message));
            let ndjson = claims(Framing::Ndjson, Start::Message(&message));
            assert!(sse <= 1 && ndjson <= 1 && sse + ndjson >= 1, "{text}");
        }
        for name in ["message_start", "response.created", "ping"] {
            assert_eq!(claims(Framing::Sse, Start::EventName(name)), 1, "{name}");
        }
    }

    #[test]
    fn truncated_first_message_gives_no_guess_rather_than_a_wrong_one() {
        assert_eq!(detect_format(b"data: {\"choi"), None);
    }
}
