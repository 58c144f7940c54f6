//! The Anthropic Messages API: requests (system prompt apart, an output cap), the stream of
//! content blocks (text, thinking, tool use) with usage split over two events, lists and errors.

use serde::Deserialize;
use serde_json::{json, Value};

use super::models::ModelInfo;
use super::request::{Answerer, ChatMessage, Role};
use super::shared::{
    event_type, has, nested_error, parse_or_report, provider_error, push_text, reasoning_delta,
    text_delta,
};
use super::{Decode, Format, Framing, Start};
use crate::stream::event::{ProviderError, StreamEvent, Usage};

/// Anthropic requires an output cap; this one leaves room for long code answers.
const MAX_TOKENS: u32 = 8192;

/// The stream's event types; no other format uses these names.
const EVENTS: [&str; 7] = [
    "message_start",
    "message_delta",
    "message_stop",
    "content_block_start",
    "content_block_delta",
    "content_block_stop",
    "ping",
];

/// The Anthropic Messages format.
pub(super) struct Anthropic;

impl Format for Anthropic {
    fn name(&self) -> &'static str {
        "anthropic"
    }

    fn framing(&self) -> Framing {
        Framing::Sse
    }

    fn chat_path(&self) -> &'static str {
        "/messages"
    }

    fn models_path(&self) -> &'static str {
        "/models"
    }

    fn headers(&self, api_key: Option<&str>) -> Vec<(String, String)> {
        let mut headers = vec![
            ("anthropic-version".to_string(), "2023-06-01".to_string()),
            // Anthropic refuses browser calls unless the caller opts in.
            (
                "anthropic-dangerous-direct-browser-access".to_string(),
                "true".to_string(),
            ),
        ];
        if let Some(key) = api_key {
            headers.push(("x-api-key".to_string(), key.to_string()));
        }
        headers
    }

    /// System messages go in the top-level `system`, the other turns in `messages`.
    fn chat_body(&self, model: &str, messages: &[ChatMessage], _: Answerer) -> Value {
        let system: Vec<&str> = messages
            .iter()
            .filter(|m| m.role == Role::System)
            .map(|m| m.content.as_str())
            .collect();
        let turns: Vec<&ChatMessage> = messages.iter().filter(|m| m.role != Role::System).collect();
        let mut body = json!({
            "model": model,
            "max_tokens": MAX_TOKENS,
            "messages": turns,
            "stream": true,
        });
        if !system.is_empty() {
            body["system"] = json!(system.join("\n\n"));
        }
        body
    }

    fn decoder(&self) -> Box<dyn Decode> {
        Box::new(AnthropicDecoder::default())
    }

    /// A `data` list whose entries give a human name in `display_name`.
    fn models(&self, list: &Value) -> Option<Vec<ModelInfo>> {
        let items = list.get("data")?.as_array()?;
        let models = items.iter().filter_map(|item| {
            let mut model = ModelInfo::deserialize(item).ok()?;
            if model.label.is_none() {
                let display_name = item.get("display_name").and_then(Value::as_str);
                model.label = display_name.map(str::to_owned);
            }
            Some(model)
        });
        Some(models.collect())
    }

    /// `{"type": "error", "error": {"type", "message"}}`.
    fn error_body(&self, body: &Value) -> Option<ProviderError> {
        nested_error(body)
    }

    /// Its event names are its own; its `error` event, unlike the Responses one, is unnumbered.
    fn recognises(&self, start: Start<'_>) -> bool {
        match start {
            Start::EventName(name) => EVENTS.contains(&name),
            Start::Message(message) => match event_type(message) {
                Some("error") => !has(message, "sequence_number"),
                Some(kind) => EVENTS.contains(&kind),
                None => false,
            },
        }
    }
}

/// Keeps the usage seen so far: `message_delta` often repeats only the output count, and
/// every emitted `Usage` should be the whole current picture.
#[derive(Debug, Default)]
struct AnthropicDecoder {
    usage: Usage,
}

#[derive(Deserialize)]
struct Event {
    #[serde(rename = "type")]
    kind: String,
    index: Option<u32>,
    message: Option<Message>,
    content_block: Option<ContentBlock>,
    delta: Option<Delta>,
    usage: Option<WireUsage>,
    error: Option<Value>,
}

#[derive(Deserialize)]
struct Message {
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct ContentBlock {
    #[serde(rename = "type")]
    kind: String,
    id: Option<String>,
    name: Option<String>,
    text: Option<String>,
    thinking: Option<String>,
}

/// Both `content_block_delta.delta` and `message_delta.delta`; their fields do not clash.
#[derive(Deserialize)]
struct Delta {
    #[serde(rename = "type")]
    kind: Option<String>,
    text: Option<String>,
    thinking: Option<String>,
    partial_json: Option<String>,
    stop_reason: Option<String>,
}

#[derive(Deserialize)]
struct WireUsage {
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
}

impl Decode for AnthropicDecoder {
    fn decode(&mut self, data: &str, out: &mut Vec<StreamEvent>) {
        let Some(event) = parse_or_report::<Event>(data, out) else {
            return;
        };
        match event.kind.as_str() {
            "message_start" => {
                if let Some(usage) = event.message.and_then(|m| m.usage) {
                    self.report_usage(usage, out);
                }
            }
            "content_block_start" => {
                let Some(block) = event.content_block else {
                    return;
                };
                match block.kind.as_str() {
                    "tool_use" | "server_tool_use" => out.push(StreamEvent::ToolCallDelta {
                        index: event.index.unwrap_or(0),
                        id: block.id,
                        name: block.name,
                        arguments: String::new(),
                    }),
                    "text" => push_text(block.text, text_delta, out),
                    "thinking" => push_text(block.thinking, reasoning_delta, out),
                    _ => {}
                }
            }
            "content_block_delta" => {
                let Some(delta) = event.delta else {
                    return;
                };
                match delta.kind.as_deref() {
                    Some("text_delta") => push_text(delta.text, text_delta, out),
                    Some("thinking_delta") => push_text(delta.thinking, reasoning_delta, out),
                    Some("input_json_delta") => out.push(StreamEvent::ToolCallDelta {
                        index: event.index.unwrap_or(0),
                        id: None,
                        name: None,
                        arguments: delta.partial_json.unwrap_or_default(),
                    }),
                    _ => {}
                }
            }
            "message_delta" => {
                if let Some(reason) = event.delta.and_then(|d| d.stop_reason) {
                    out.push(StreamEvent::Finish { reason });
                }
                if let Some(usage) = event.usage {
                    self.report_usage(usage, out);
                }
            }
            "message_stop" => out.push(StreamEvent::Done),
            "error" => {
                let error = event.error.unwrap_or(Value::Null);
                out.push(StreamEvent::Error(provider_error(&error)));
            }
            _ => {} // ping, content_block_stop, future event types
        }
    }
}

impl AnthropicDecoder {
    fn report_usage(&mut self, usage: WireUsage, out: &mut Vec<StreamEvent>) {
        self.usage.input_tokens = usage.input_tokens.or(self.usage.input_tokens);
        self.usage.output_tokens = usage.output_tokens.or(self.usage.output_tokens);
        out.push(StreamEvent::Usage(self.usage));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ApiFormat;

    fn decode_all(messages: &[&str]) -> Vec<StreamEvent> {
        let mut decoder = AnthropicDecoder::default();
        let mut out = Vec::new();
        for m in messages {
            decoder.decode(m, &mut out);
        }
        out
    }

    #[test]
    fn the_request_moves_system_out_sets_max_tokens_and_its_own_headers() {
        let messages = [
            ChatMessage {
                role: Role::System,
                content: "be brief".into(),
            },
            ChatMessage::user("hi"),
        ];
        let request = ApiFormat::Anthropic.chat_request(
            "https://api.anthropic.com/v1",
            Some(" k "),
            "claude-opus-4-6",
            &messages,
            Answerer::Other,
        );
        assert_eq!(request.url, "https://api.anthropic.com/v1/messages");
        let body: Value =
            serde_json::from_str(request.body.as_deref().unwrap_or_default()).expect("json");
        assert_eq!(body["system"], "be brief");
        assert_eq!(body["messages"].as_array().map(Vec::len), Some(1));
        assert_eq!(body["messages"][0]["role"], "user");
        assert_eq!(body["max_tokens"], MAX_TOKENS);
        let header = |name: &str| {
            request
                .headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(header("x-api-key"), Some("k"));
        assert_eq!(header("anthropic-version"), Some("2023-06-01"));
        assert_eq!(header("authorization"), None, "never a bearer");
        let keyless = ApiFormat::Anthropic.models_request("https://api.anthropic.com/v1", None);
        assert_eq!(keyless.url, "https://api.anthropic.com/v1/models");
        assert_eq!(keyless.headers.len(), 2, "version and browser opt-in only");
    }

    #[test]
    fn the_model_list_takes_display_names_as_labels() {
        let list = r#"{"data":[{"type":"model","id":"claude-opus-4-6","display_name":"Claude Opus 4.6","created_at":"2026-02-05T00:00:00Z"},{"type":"model"}],"has_more":false,"first_id":"claude-opus-4-6","last_id":"claude-opus-4-6"}"#;
        let models = ApiFormat::Anthropic.parse_models(list).expect("a list");
        assert_eq!(models.len(), 1);
        assert_eq!(models[0].id, "claude-opus-4-6");
        assert_eq!(models[0].label.as_deref(), Some("Claude Opus 4.6"));
    }

    #[test]
    fn the_error_body_is_read_from_its_nested_error() {
        let body =
            r#"{"type":"error","error":{"type":"not_found_error","message":"model: claude-x"}}"#;
        let error = Anthropic
            .error_body(&serde_json::from_str(body).expect("json"))
            .expect("an error");
        assert_eq!(
            error,
            ProviderError {
                message: "model: claude-x".into(),
                kind: Some("not_found_error".into())
            }
        );
        assert_eq!(
            ApiFormat::Anthropic.error_message(body).as_deref(),
            Some("model: claude-x")
        );
    }

    #[test]
    fn recognises_its_event_names_and_its_unnumbered_error() {
        let claims = |json: &str| {
            let message: Value = serde_json::from_str(json).expect("json");
            Anthropic.recognises(Start::Message(&message))
        };
        assert!(Anthropic.recognises(Start::EventName("message_start")));
        assert!(!Anthropic.recognises(Start::EventName("response.created")));
        assert!(claims(r#"{"type":"content_block_delta","index":0}"#));
        assert!(claims(
            r#"{"type":"error","error":{"type":"overloaded_error"}}"#
        ));
        assert!(!claims(r#"{"type":"error","sequence_number":1}"#));
        assert!(!claims(r#"{"error":{"message":"x"}}"#));
    }

    #[test]
    fn usage_from_message_delta_keeps_the_input_count_from_message_start() {
        let events = decode_all(&[
            r#"{"type":"message_start","message":{"usage":{"input_tokens":11,"output_tokens":1}}}"#,
            r#"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":6}}"#,
            r#"{"type":"message_stop"}"#,
        ]);
        assert_eq!(
            events,
            [
                StreamEvent::Usage(Usage {
                    input_tokens: Some(11),
                    output_tokens: Some(1)
                }),
                StreamEvent::Finish {
                    reason: "end_turn".into()
                },
                StreamEvent::Usage(Usage {
                    input_tokens: Some(11),
                    output_tokens: Some(6)
                }),
                StreamEvent::Done,
            ]
        );
    }

    #[test]
    fn text_thinking_and_tool_use_blocks() {
        let events = decode_all(&[
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}"#,
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hm"}}"#,
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"x"}}"#,
            r#"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hi"}}"#,
            r#"{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"t1","name":"f","input":{}}}"#,
            r#"{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{}"}}"#,
            r#"{"type": "ping"}"#,
        ]);
        assert_eq!(
            events,
            [
                StreamEvent::ReasoningDelta { text: "hm".into() },
                StreamEvent::TextDelta { text: "Hi".into() },
                StreamEvent::ToolCallDelta {
                    index: 2,
                    id: Some("t1".into()),
                    name: Some("f".into()),
                    arguments: String::new()
                },
                StreamEvent::ToolCallDelta {
                    index: 2,
                    id: None,
                    name: None,
                    arguments: "{}".into()
                },
            ]
        );
    }

    #[test]
    fn error_event() {
        let events = decode_all(&[
            r#"{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}"#,
        ]);
        assert_eq!(
            events,
            [StreamEvent::Error(ProviderError {
                message: "Overloaded".into(),
                kind: Some("overloaded_error".into())
            })]
        );
    }
}
