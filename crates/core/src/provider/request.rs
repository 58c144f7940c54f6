//! Building a streaming chat request for each API format: the path to POST to, the JSON body
//! (asking for usage in the stream where the format allows) and the format's own headers.

use serde::Serialize;
use serde_json::json;

use crate::provider::ApiFormat;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
}

impl ChatMessage {
    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            content: content.into(),
        }
    }
}

/// Anthropic requires an output cap; this one leaves room for long code answers.
const ANTHROPIC_MAX_TOKENS: u32 = 8192;

/// The path under the endpoint's base URL that streams chat for `format`.
pub fn chat_path(format: ApiFormat) -> &'static str {
    match format {
        ApiFormat::OpenAiChat => "/chat/completions",
        ApiFormat::OpenAiResponses => "/responses",
        ApiFormat::Anthropic => "/messages",
        ApiFormat::Ollama => "/api/chat",
    }
}

/// The path under the base URL that lists models, for the formats whose servers offer one.
pub fn models_path(format: ApiFormat) -> &'static str {
    match format {
        ApiFormat::Ollama => "/api/tags",
        ApiFormat::OpenAiChat | ApiFormat::OpenAiResponses | ApiFormat::Anthropic => "/models",
    }
}

/// Who will answer a request: our own server understands one extension, usage on every
/// chunk, which makes the live count exact; other endpoints may refuse unknown fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answerer {
    /// Sparkplug's server (demo models, replays, its proxy, which strips the extension).
    OurServer,
    Other,
}

/// The streaming request body for `format`.
pub fn chat_request(
    format: ApiFormat,
    model: &str,
    messages: &[ChatMessage],
    answerer: Answerer,
) -> String {
    let mut body = match format {
        ApiFormat::OpenAiChat => json!({
            "model": model,
            "messages": messages,
            "stream": true,
            "stream_options": { "include_usage": true },
        }),
        ApiFormat::OpenAiResponses => json!({
            "model": model,
            "input": messages,
            "stream": true,
        }),
        ApiFormat::Anthropic => {
            let system: Vec<&str> = messages
                .iter()
                .filter(|m| m.role == Role::System)
                .map(|m| m.content.as_str())
                .collect();
            let turns: Vec<&ChatMessage> =
                messages.iter().filter(|m| m.role != Role::System).collect();
            let mut body = json!({
                "model": model,
                "max_tokens": ANTHROPIC_MAX_TOKENS,
                "messages": turns,
                "stream": true,
            });
            if !system.is_empty() {
                body["system"] = json!(system.join("\n\n"));
            }
            body
        }
        ApiFormat::Ollama => json!({
            "model": model,
            "messages": messages,
            "stream": true,
        }),
    };
    if format == ApiFormat::OpenAiChat && answerer == Answerer::OurServer {
        body["sparkplug_usage_every_chunk"] = json!(true);
    }
    body.to_string()
}

/// Headers the format needs besides `content-type`, with the API key where one is set.
/// The result holds the key: callers must never log it or put it in a URL.
pub fn auth_headers(format: ApiFormat, api_key: Option<&str>) -> Vec<(String, String)> {
    let key = api_key.map(str::trim).filter(|k| !k.is_empty());
    match format {
        ApiFormat::Anthropic => {
            let mut headers = vec![
                ("anthropic-version".to_string(), "2023-06-01".to_string()),
                // Anthropic refuses browser calls unless the caller opts in.
                (
                    "anthropic-dangerous-direct-browser-access".to_string(),
                    "true".to_string(),
                ),
            ];
            if let Some(key) = key {
                headers.push(("x-api-key".to_string(), key.to_string()));
            }
            headers
        }
        _ => key
            .map(|k| vec![("authorization".to_string(), format!("Bearer {k}"))])
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn body(format: ApiFormat, messages: &[ChatMessage]) -> Value {
        serde_json::from_str(&chat_request(format, "m", messages, Answerer::Other)).unwrap()
    }

    #[test]
    fn openai_chat_asks_for_usage_in_the_stream() {
        let b = body(ApiFormat::OpenAiChat, &[ChatMessage::user("hi \"there\"")]);
        assert_eq!(b["stream"], true);
        assert_eq!(b["stream_options"]["include_usage"], true);
        assert_eq!(b["messages"][0]["role"], "user");
        assert_eq!(b["messages"][0]["content"], "hi \"there\"");
    }

    #[test]
    fn only_our_server_is_asked_for_usage_on_every_chunk() {
        let ours: Value = serde_json::from_str(&chat_request(
            ApiFormat::OpenAiChat,
            "demo-1000",
            &[ChatMessage::user("x")],
            Answerer::OurServer,
        ))
        .unwrap();
        assert_eq!(ours["sparkplug_usage_every_chunk"], true);
        let theirs = body(ApiFormat::OpenAiChat, &[ChatMessage::user("x")]);
        assert!(theirs.get("sparkplug_usage_every_chunk").is_none());
    }

    #[test]
    fn anthropic_moves_system_out_and_sets_max_tokens() {
        let messages = [
            ChatMessage {
                role: Role::System,
                content: "be brief".into(),
            },
            ChatMessage::user("hi"),
        ];
        let b = body(ApiFormat::Anthropic, &messages);
        assert_eq!(b["system"], "be brief");
        assert_eq!(b["messages"].as_array().unwrap().len(), 1);
        assert_eq!(b["max_tokens"], ANTHROPIC_MAX_TOKENS);
    }

    #[test]
    fn responses_and_ollama_shapes() {
        let r = body(ApiFormat::OpenAiResponses, &[ChatMessage::user("x")]);
        assert_eq!(r["input"][0]["content"], "x");
        let o = body(ApiFormat::Ollama, &[ChatMessage::user("x")]);
        assert_eq!(o["messages"][0]["content"], "x");
        assert_eq!(chat_path(ApiFormat::Ollama), "/api/chat");
        assert_eq!(models_path(ApiFormat::Ollama), "/api/tags");
        assert_eq!(models_path(ApiFormat::Anthropic), "/models");
    }

    #[test]
    fn keys_go_in_the_formats_header_and_blank_keys_are_dropped() {
        assert_eq!(
            auth_headers(ApiFormat::OpenAiChat, Some(" sk-test ")),
            [("authorization".to_string(), "Bearer sk-test".to_string())]
        );
        assert!(auth_headers(ApiFormat::OpenAiChat, Some("  ")).is_empty());
        let anthropic = auth_headers(ApiFormat::Anthropic, Some("k"));
        assert!(anthropic.contains(&("x-api-key".to_string(), "k".to_string())));
    }
}
