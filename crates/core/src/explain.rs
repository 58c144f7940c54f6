//! Turning a failed request or an in-stream error into one sentence a user can act on:
//! the status, the provider's own message, and what to do next.

use serde_json::Value;

use crate::event::ProviderError;

/// The longest stretch of a non-JSON error body we quote.
const QUOTE_LIMIT: usize = 300;

/// Reads the provider's message from an error body: OpenAI `{"error":{"message"}}`,
/// Anthropic `{"type":"error","error":{"message"}}`, Ollama `{"error":"…"}`, or plain text.
pub fn error_body_message(body: &str) -> Option<String> {
    let trimmed = body.trim();
    if trimmed.is_empty() {
        return None;
    }
    if let Ok(value) = serde_json::from_str::<Value>(trimmed) {
        let error = value.get("error").unwrap_or(&value);
        let message = error
            .get("message")
            .and_then(Value::as_str)
            .or_else(|| error.as_str())
            .or_else(|| value.get("detail").and_then(Value::as_str));
        if let Some(message) = message {
            return Some(message.to_string());
        }
    }
    Some(quote(trimmed))
}

fn quote(text: &str) -> String {
    match text.char_indices().nth(QUOTE_LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// What to do about an HTTP status.
fn advice(status: u16, retry_after: Option<&str>) -> String {
    match status {
        400 => "The endpoint rejected the request; check the model and the API format.".into(),
        401 | 403 => "Check the API key for this endpoint in Settings.".into(),
        404 => "Check the model name and the endpoint's base URL.".into(),
        408 | 504 => "The endpoint timed out; try again.".into(),
        413 => "The prompt is too large for this endpoint.".into(),
        429 => match retry_after.and_then(|s| s.trim().parse::<u64>().ok()) {
            Some(secs) => format!("Rate limited: try again in {secs} s."),
            None => "Rate limited: wait a little and try again.".into(),
        },
        500..=599 => "The provider had a problem on its side; try again shortly.".into(),
        _ => "The request failed.".into(),
    }
}

/// One line for an HTTP error response.
pub fn explain_http_error(status: u16, body: &str, retry_after: Option<&str>) -> String {
    let advice = advice(status, retry_after);
    match error_body_message(body) {
        Some(message) => format!("HTTP {status}: {message} — {advice}"),
        None => format!("HTTP {status} — {advice}"),
    }
}

/// One line for an error the provider sent inside the stream.
pub fn explain_provider_error(error: &ProviderError) -> String {
    let kind = error
        .kind
        .as_deref()
        .map(|k| format!(" ({k})"))
        .unwrap_or_default();
    format!(
        "The provider reported an error mid-stream{kind}: {}. The partial answer is kept; send again to retry.",
        error.message
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_providers_error_body() {
        let openai = r#"{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","code":"invalid_api_key"}}"#;
        assert_eq!(error_body_message(openai).unwrap(), "Incorrect API key provided.");
        let anthropic = r#"{"type":"error","error":{"type":"not_found_error","message":"model: x"}}"#;
        assert_eq!(error_body_message(anthropic).unwrap(), "model: x");
        assert_eq!(
            error_body_message(r#"{"error":"model 'q' not found"}"#).unwrap(),
            "model 'q' not found"
        );
        assert_eq!(error_body_message("  "), None);
    }

    #[test]
    fn long_text_bodies_are_quoted_short_on_a_char_boundary() {
        let body = "é".repeat(1000);
        let message = error_body_message(&body).unwrap();
        assert_eq!(message.chars().count(), QUOTE_LIMIT + 1);
        assert!(message.ends_with('…'));
    }

    #[test]
    fn says_what_to_do() {
        let line = explain_http_error(429, r#"{"error":{"message":"slow down"}}"#, Some("7"));
        assert_eq!(line, "HTTP 429: slow down — Rate limited: try again in 7 s.");
        assert!(explain_http_error(401, "", None).contains("API key"));
        assert!(explain_http_error(503, "busy", None).starts_with("HTTP 503: busy"));
        let in_stream = explain_provider_error(&ProviderError {
            message: "Overloaded".into(),
            kind: Some("overloaded_error".into()),
        });
        assert!(in_stream.contains("(overloaded_error): Overloaded"));
    }
}
