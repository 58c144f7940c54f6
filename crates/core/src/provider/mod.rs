//! Provider API formats: one file per format implementing [`Format`] (requests, decoder, model
//! list, error body, how its streams start); adding one is that file plus its [`ApiFormat`].

pub mod check;
pub mod detect;
pub mod endpoints;
pub mod models;
pub mod request;

mod anthropic;
mod ollama;
mod openai_chat;
mod openai_responses;
mod shared;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

use crate::provider::models::{ModelInfo, ModelListError};
use crate::provider::request::{join_url, Answerer, ChatMessage, Request};
use crate::stream::event::{ProviderError, StreamEvent};

/// Everything Sparkplug knows about one provider API format.
pub trait Format: Sync {
    /// The format's identifier in saved settings and on the command line (`openai-chat`, …).
    fn name(&self) -> &'static str;
    /// How the response body frames its messages.
    fn framing(&self) -> Framing;
    /// The path under the endpoint's base URL that streams a chat.
    fn chat_path(&self) -> &'static str;
    /// The path under the base URL that lists the endpoint's models.
    fn models_path(&self) -> &'static str;
    /// Headers besides `content-type`, carrying `api_key` (trimmed, never empty) if there is one.
    fn headers(&self, api_key: Option<&str>) -> Vec<(String, String)>;
    /// The streaming request body, asking for usage in the stream where the format allows.
    fn chat_body(&self, model: &str, messages: &[ChatMessage], answerer: Answerer) -> Value;
    /// A decoder for one response body, holding whatever per-stream state the format needs.
    fn decoder(&self) -> Box<dyn Decode>;
    /// The models a model-list body names, or `None` when it is not this format's list.
    fn models(&self, list: &Value) -> Option<Vec<ModelInfo>>;
    /// The provider's error in a JSON HTTP error body, or `None` when it has none.
    fn error_body(&self, body: &Value) -> Option<ProviderError>;
    /// Whether the start of a body gives this format away, for [`detect::detect_format`].
    fn recognises(&self, start: Start<'_>) -> bool;
}

/// Turns one framed message (an SSE data payload or an NDJSON line) into stream events.
pub trait Decode: fmt::Debug + Send {
    fn decode(&mut self, data: &str, out: &mut Vec<StreamEvent>);
}

/// How a format's response body is cut into messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Server-sent events: each event's `data` is one message.
    Sse,
    /// One JSON object per line.
    Ndjson,
}

/// What a body starts with, as format detection shows it to each format.
#[derive(Debug, Clone, Copy)]
pub enum Start<'a> {
    /// An SSE `event:` line's name.
    EventName(&'a str),
    /// The first message that is JSON: an SSE data payload or the first NDJSON line.
    Message(&'a Value),
}

/// The streaming formats Sparkplug understands: the identifier saved with an endpoint.
/// Serialised as its [`Format::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum ApiFormat {
    /// OpenAI Chat Completions and the compatible family (Groq, Cerebras, DeepSeek, vLLM, …).
    OpenAiChat,
    /// OpenAI Responses API.
    OpenAiResponses,
    /// Anthropic Messages API.
    Anthropic,
    /// Ollama native NDJSON (`/api/chat`, `/api/generate`).
    Ollama,
}

impl ApiFormat {
    pub const ALL: [ApiFormat; 4] = [
        ApiFormat::OpenAiChat,
        ApiFormat::OpenAiResponses,
        ApiFormat::Anthropic,
        ApiFormat::Ollama,
    ];

    /// The format's implementation.
    pub fn spec(self) -> &'static dyn Format {
        match self {
            ApiFormat::OpenAiChat => &openai_chat::OpenAiChat,
            ApiFormat::OpenAiResponses => &openai_responses::OpenAiResponses,
            ApiFormat::Anthropic => &anthropic::Anthropic,
            ApiFormat::Ollama => &ollama::Ollama,
        }
    }

    /// The name used on the command line and in serialized settings.
    pub fn name(self) -> &'static str {
        self.spec().name()
    }

    /// The request that streams `messages` from `model` at the endpoint `base_url`.
    pub fn chat_request(
        self,
        base_url: &str,
        api_key: Option<&str>,
        model: &str,
        messages: &[ChatMessage],
        answerer: Answerer,
    ) -> Request {
        let spec = self.spec();
        Request {
            url: join_url(base_url, spec.chat_path()),
            headers: spec.headers(usable_key(api_key)),
            body: Some(spec.chat_body(model, messages, answerer).to_string()),
        }
    }

    /// The request for the model list of the endpoint at `base_url`.
    pub fn models_request(self, base_url: &str, api_key: Option<&str>) -> Request {
        let spec = self.spec();
        Request {
            url: join_url(base_url, spec.models_path()),
            headers: spec.headers(usable_key(api_key)),
            body: None,
        }
    }

    /// Reads the body of a model-list response.
    pub fn parse_models(self, body: &str) -> Result<Vec<ModelInfo>, ModelListError> {
        let list: Value = serde_json::from_str(body)?;
        self.spec()
            .models(&list)
            .ok_or(ModelListError::UnknownShape(self))
    }

    /// The provider's message in an HTTP error body, or the start of the body when it is not
    /// this format's JSON error; `None` for an empty body.
    pub fn error_message(self, body: &str) -> Option<String> {
        let body = body.trim();
        if body.is_empty() {
            return None;
        }
        let error = serde_json::from_str::<Value>(body)
            .ok()
            .and_then(|json| self.spec().error_body(&json));
        Some(error.map_or_else(|| shared::clip(body), |e| e.message))
    }
}

/// A key that is only blanks is no key.
fn usable_key(api_key: Option<&str>) -> Option<&str> {
    api_key.map(str::trim).filter(|k| !k.is_empty())
}

impl fmt::Display for ApiFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl From<ApiFormat> for &'static str {
    fn from(format: ApiFormat) -> Self {
        format.name()
    }
}

/// A format name that is not one of [`ApiFormat::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown API format {0:?} (expected one of: {names})", names = known_names())]
pub struct UnknownFormat(pub String);

fn known_names() -> String {
    let names: Vec<&str> = ApiFormat::ALL.iter().map(|f| f.name()).collect();
    names.join(", ")
}

impl FromStr for ApiFormat {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ApiFormat::ALL
            .into_iter()
            .find(|format| format.name() == s)
            .ok_or_else(|| UnknownFormat(s.to_owned()))
    }
}

impl TryFrom<String> for ApiFormat {
    type Error = UnknownFormat;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        name.parse()
    }
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
            let value = serde_json::Value::String(format.name().into());
            assert_eq!(serde_json::from_value::<ApiFormat>(value).unwrap(), format);
        }
        assert_eq!(
            "openai".parse::<ApiFormat>(),
            Err(UnknownFormat("openai".to_owned()))
        );
        let err = serde_json::from_str::<ApiFormat>("\"openai\"").unwrap_err();
        assert!(
            err.to_string()
                .contains("expected one of: openai-chat, openai-responses, anthropic, ollama"),
            "{err}"
        );
    }

    #[test]
    fn every_format_claims_its_own_name_paths_and_framing() {
        let names: Vec<&str> = ApiFormat::ALL.iter().map(|f| f.name()).collect();
        assert_eq!(
            names,
            ["openai-chat", "openai-responses", "anthropic", "ollama"]
        );
        for format in ApiFormat::ALL {
            let spec = format.spec();
            assert!(spec.chat_path().starts_with('/'), "{format}");
            assert!(spec.models_path().starts_with('/'), "{format}");
            let expected = if format == ApiFormat::Ollama {
                Framing::Ndjson
            } else {
                Framing::Sse
            };
            assert_eq!(spec.framing(), expected, "{format}");
        }
    }

    #[test]
    fn requests_join_the_base_url_once_and_carry_the_key_only_in_a_header() {
        let messages = [ChatMessage::user("hi")];
        let request = ApiFormat::OpenAiChat.chat_request(
            "https://api.example.com/v1/",
            Some(" sk-test "),
            "m",
            &messages,
            Answerer::Other,
        );
        assert_eq!(request.url, "https://api.example.com/v1/chat/completions");
        assert_eq!(
            request.headers,
            [("authorization".to_string(), "Bearer sk-test".to_string())]
        );
        assert!(!request
            .body
            .as_deref()
            .unwrap_or_default()
            .contains("sk-test"));
        let blank = ApiFormat::OpenAiChat.models_request("/v1", Some("  "));
        assert_eq!(blank.url, "/v1/models");
        assert!(blank.headers.is_empty(), "a blank key is no key");
        let ollama = ApiFormat::Ollama.models_request("http://127.0.0.1:11434", None);
        assert_eq!(ollama.url, "http://127.0.0.1:11434/api/tags");
    }

    #[test]
    fn a_list_of_another_shape_or_not_json_is_an_error() {
        assert!(matches!(
            ApiFormat::Ollama.parse_models(r#"{"data":[]}"#),
            Err(ModelListError::UnknownShape(ApiFormat::Ollama))
        ));
        assert!(matches!(
            ApiFormat::OpenAiChat.parse_models("<html>"),
            Err(ModelListError::NotJson(_))
        ));
    }

    #[test]
    fn error_bodies_that_are_not_the_formats_json_are_quoted_short() {
        for format in ApiFormat::ALL {
            assert_eq!(format.error_message("  "), None);
            assert_eq!(
                format.error_message("upstream connect error").as_deref(),
                Some("upstream connect error")
            );
            let long = format.error_message(&"é".repeat(1000)).unwrap();
            assert!(long.ends_with('…') && long.chars().count() < 300, "{long}");
        }
    }
}
