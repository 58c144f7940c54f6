//! Turns a request body into a validated chat-completion request: media type, size and
//! time limits, JSON syntax, field types and required fields, each an OpenAI-style 4xx.

use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
    http::{header, StatusCode},
};
use serde::Deserialize;
use serde_json::Value;

use crate::{demo::PromptMessage, error::ApiError, state::AppState};

/// The longest model id accepted. Ids are echoed in errors, headers and logs, and real
/// ones are far shorter.
pub const MAX_MODEL_CHARS: usize = 256;

/// Bodies up to this size are parsed where they arrive; larger ones on the CPU pool.
const INLINE_PARSE_BYTES: usize = 64 * 1024;

/// The fields of a chat request this server acts on; others (temperature, tools, …)
/// are accepted and ignored by the demo.
#[derive(Debug)]
pub struct ChatRequest {
    pub model: String,
    pub messages: Vec<Message>,
    pub stream: bool,
    pub include_usage: bool,
    /// `sparkplug_usage_every_chunk`: cumulative usage on every content chunk, as vLLM's
    /// continuous usage stats, so a meter can count exactly while text streams.
    pub usage_every_chunk: bool,
    /// `max_completion_tokens`, or the older `max_tokens`.
    pub max_tokens: Option<usize>,
    /// `sparkplug_chunk_bytes` and `sparkplug_chunk_delay_ms`: how a fixture replay
    /// slices its bytes (test models only).
    pub replay: ReplayOptions,
}

/// Our own request fields for fixture replays; absent fields keep the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplayOptions {
    pub chunk_bytes: usize,
    pub chunk_delay_ms: u64,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        // Odd-sized slices land mid-line and mid-character, and the 1 ms pause keeps
        // TCP from gluing them back together, so clients see the split points.
        Self {
            chunk_bytes: 7,
            chunk_delay_ms: 1,
        }
    }
}

/// Bounds that keep a replay finite: at most 1 MiB per chunk and 10 s between chunks.
const MAX_CHUNK_BYTES: u64 = 1 << 20;
const MAX_CHUNK_DELAY_MS: u64 = 10_000;

#[derive(Debug, Deserialize)]
pub struct Message {
    pub role: String,
    #[serde(default)]
    pub content: Option<Content>,
    #[serde(default)]
    pub name: Option<String>,
}

/// A message's content: a string, or OpenAI's list of typed parts.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Content {
    Text(String),
    Parts(Vec<Part>),
}

#[derive(Debug, Deserialize)]
pub struct Part {
    #[serde(default)]
    pub text: Option<String>,
}

#[derive(Deserialize)]
struct Wire {
    model: Option<String>,
    messages: Option<Vec<Message>>,
    stream: Option<bool>,
    stream_options: Option<StreamOptions>,
    max_tokens: Option<u64>,
    max_completion_tokens: Option<u64>,
    sparkplug_chunk_bytes: Option<u64>,
    sparkplug_chunk_delay_ms: Option<u64>,
    sparkplug_usage_every_chunk: Option<bool>,
}

#[derive(Deserialize)]
struct StreamOptions {
    include_usage: Option<bool>,
}

impl Message {
    /// The message's text: the string, or its text parts joined by newlines.
    pub fn text(&self) -> String {
        match &self.content {
            Some(Content::Text(text)) => text.clone(),
            Some(Content::Parts(parts)) => parts
                .iter()
                .filter_map(|p| p.text.as_deref())
                .collect::<Vec<_>>()
                .join("\n"),
            None => String::new(),
        }
    }
}

impl ChatRequest {
    /// Checks a parsed JSON body field by field, naming the offending field in `param`.
    pub fn from_json(value: &Value) -> Result<Self, ApiError> {
        if !value.is_object() {
            return Err(invalid(None, "The request body must be a JSON object."));
        }
        let wire: Wire = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            invalid(
                Some(path.clone()),
                format!("Invalid value for '{path}': {}", e.inner()),
            )
        })?;
        let model = checked_model(wire.model.as_deref())?.to_owned();
        let messages = match wire.messages {
            Some(messages) if !messages.is_empty() => messages,
            Some(_) => {
                return Err(invalid(
                    Some("messages".into()),
                    "'messages' must contain at least one message.",
                ))
            }
            None => {
                return Err(invalid(
                    Some("messages".into()),
                    "You must provide a messages parameter.",
                ))
            }
        };
        let (limit, param) = match (wire.max_completion_tokens, wire.max_tokens) {
            (Some(limit), _) => (Some(limit), "max_completion_tokens"),
            (None, limit) => (limit, "max_tokens"),
        };
        if limit == Some(0) {
            return Err(invalid(
                Some(param.into()),
                format!("'{param}' must be at least 1."),
            ));
        }
        let defaults = ReplayOptions::default();
        let chunk_bytes = match wire.sparkplug_chunk_bytes {
            // At most 2^20, so the cast cannot truncate.
            Some(n) => in_range("sparkplug_chunk_bytes", n, 1, MAX_CHUNK_BYTES)? as usize,
            None => defaults.chunk_bytes,
        };
        let chunk_delay_ms = match wire.sparkplug_chunk_delay_ms {
            Some(n) => in_range("sparkplug_chunk_delay_ms", n, 0, MAX_CHUNK_DELAY_MS)?,
            None => defaults.chunk_delay_ms,
        };
        Ok(Self {
            model,
            messages,
            stream: wire.stream.unwrap_or(false),
            include_usage: wire
                .stream_options
                .and_then(|o| o.include_usage)
                .unwrap_or(false),
            usage_every_chunk: wire.sparkplug_usage_every_chunk.unwrap_or(false),
            max_tokens: limit.map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
            replay: ReplayOptions {
                chunk_bytes,
                chunk_delay_ms,
            },
        })
    }

    /// The user messages' texts, oldest first: what the demo answers.
    pub fn asked(&self) -> Vec<String> {
        self.messages
            .iter()
            .filter(|m| m.role == "user")
            .map(Message::text)
            .collect()
    }

    /// The tokens of every message, counted the way OpenAI bills them. Linear in the
    /// prompt's size: run it off the async workers.
    pub fn prompt_tokens(&self) -> usize {
        let texts: Vec<String> = self.messages.iter().map(Message::text).collect();
        crate::demo::count_prompt(
            self.messages
                .iter()
                .zip(&texts)
                .map(|(m, text)| PromptMessage {
                    role: &m.role,
                    content: text,
                    name: m.name.as_deref(),
                }),
        )
    }
}

/// The `model` field, present, not empty and not too long.
pub fn checked_model(model: Option<&str>) -> Result<&str, ApiError> {
    match model {
        Some(model) if model.chars().count() > MAX_MODEL_CHARS => Err(invalid(
            Some("model".into()),
            format!("The model id is longer than {MAX_MODEL_CHARS} characters."),
        )),
        Some(model) if !model.is_empty() => Ok(model),
        _ => Err(invalid(
            Some("model".into()),
            "You must provide a model parameter.",
        )),
    }
}

fn in_range(param: &str, value: u64, min: u64, max: u64) -> Result<u64, ApiError> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(invalid(
            Some(param.into()),
            format!("'{param}' must be between {min} and {max}."),
        ))
    }
}

fn invalid(param: Option<String>, message: impl Into<String>) -> ApiError {
    ApiError::InvalidParam {
        param,
        message: message.into(),
    }
}

/// Reads a JSON body: `application/json` only (a type a cross-site form or a fetch
/// without preflight cannot send), a declared length over the limit refused before
/// reading, the whole body within the configured time and size.
pub struct JsonBody(pub Value);

impl FromRequest<AppState> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let limit = state.config.body_limit;
        let headers = req.headers();
        let media_type = headers
            .get(header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_default();
        if !is_json(&media_type) {
            let shown: String = media_type.chars().take(100).collect();
            return Err(ApiError::UnsupportedMediaType(shown));
        }
        let declared = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|length| length > limit as u64) {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        let timeout = state.config.body_read_timeout;
        let bytes = tokio::time::timeout(timeout, Bytes::from_request(req, state))
            .await
            .map_err(|_| ApiError::BodyTimeout {
                seconds: timeout.as_secs_f64(),
            })?
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge { limit }
                } else {
                    ApiError::UnreadableBody(rejection.body_text())
                }
            })?;
        let large = bytes.len() > INLINE_PARSE_BYTES;
        let parse = move || serde_json::from_slice(&bytes);
        // Parsing a large body takes milliseconds: off the async workers with it.
        let parsed = if large {
            state.cpu.run(parse).await?
        } else {
            parse()
        };
        parsed
            .map(JsonBody)
            .map_err(|e: serde_json::Error| ApiError::InvalidJson(e.to_string()))
    }
}

/// `application/json`, with or without parameters such as `charset`.
fn is_json(media_type: &str) -> bool {
    media_type
        .split(';')
        .next()
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn param_of(value: Value) -> Option<String> {
        match ChatRequest::from_json(&value) {
            Err(ApiError::InvalidParam { param, .. }) => param,
            other => panic!("expected InvalidParam, got {other:?}"),
        }
    }

    #[test]
    fn names_the_field_that_is_wrong() {
        let msgs = json!([{"role": "user", "content": "hi"}]);
        assert_eq!(param_of(json!({"messages": msgs})), Some("model".into()));
        assert_eq!(
            param_of(json!({"model": "demo-52"})),
            Some("messages".into())
        );
        assert_eq!(
            param_of(json!({"model": "demo-52", "messages": []})),
            Some("messages".into())
        );
        assert_eq!(
            param_of(json!({"model": 5, "messages": msgs})),
            Some("model".into())
        );
        assert_eq!(
            param_of(json!({"model": "m", "messages": msgs, "stream": "yes"})),
            Some("stream".into())
        );
        assert_eq!(
            param_of(json!({"model": "m", "messages": [{"role": "user", "content": 7}]})),
            Some("messages[0].content".into())
        );
        assert_eq!(
            param_of(json!({"model": "m", "messages": msgs, "max_tokens": 0})),
            Some("max_tokens".into())
        );
        assert_eq!(
            param_of(json!({"model": "m", "messages": msgs, "sparkplug_chunk_bytes": 0})),
            Some("sparkplug_chunk_bytes".into())
        );
        assert_eq!(
            param_of(json!({"model": "m", "messages": msgs, "sparkplug_chunk_delay_ms": 60_000})),
            Some("sparkplug_chunk_delay_ms".into())
        );
        assert_eq!(param_of(json!([1, 2])), None);
        let long = "m".repeat(MAX_MODEL_CHARS + 1);
        assert_eq!(
            param_of(json!({"model": long, "messages": msgs})),
            Some("model".into())
        );
    }

    #[test]
    fn only_json_media_types_pass() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        for other in [
            "",
            "text/plain",
            "application/x-www-form-urlencoded",
            "application/jsonp",
        ] {
            assert!(!is_json(other), "{other}");
        }
    }

    #[test]
    fn reads_prompt_limits_and_stream_options() {
        let request = ChatRequest::from_json(&json!({
            "model": "demo-1000",
            "messages": [
                {"role": "system", "content": "be brief"},
                {"role": "user", "content": [{"type": "text", "text": "snake"}, {"type": "text", "text": "game"}]},
            ],
            "stream": true,
            "stream_options": {"include_usage": true},
            "max_tokens": 50,
            "max_completion_tokens": 20,
            "temperature": 0.2,
        }))
        .expect("valid request");
        assert_eq!(request.asked(), ["snake\ngame"]);
        assert!(request.stream && request.include_usage);
        assert_eq!(request.max_tokens, Some(20));
        assert_eq!(request.replay, ReplayOptions::default());
    }
}
