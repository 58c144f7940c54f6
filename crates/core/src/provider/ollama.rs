//! Ollama's native API: `/api/chat` requests, NDJSON lines (`/api/chat` and `/api/generate`)
//! with the final `done: true` line's counts and nanosecond durations, `/api/tags`, errors.

use serde::Deserialize;
use serde_json::{json, Value};

use super::models::ModelInfo;
use super::request::{Answerer, ChatMessage};
use super::shared::{
    bearer, has, nested_error, parse_or_report, provider_error, push_text, reasoning_delta,
    text_delta,
};
use super::{Decode, Format, Framing, Start};
use crate::stream::event::{ProviderError, ServerTiming, StreamEvent, Usage};

/// Ollama's native format.
pub(super) struct Ollama;

/// An entry of `/api/tags`.
#[derive(Deserialize)]
struct Tag {
    name: String,
}

impl Format for Ollama {
    fn name(&self) -> &'static str {
        "ollama"
    }

    fn framing(&self) -> Framing {
        Framing::Ndjson
    }

    fn chat_path(&self) -> &'static str {
        "/api/chat"
    }

    fn models_path(&self) -> &'static str {
        "/api/tags"
    }

    /// Ollama itself takes no key; one set for it goes to whatever guards it, as a bearer.
    fn headers(&self, api_key: Option<&str>) -> Vec<(String, String)> {
        bearer(api_key)
    }

    fn chat_body(&self, model: &str, messages: &[ChatMessage], _: Answerer) -> Value {
        json!({
            "model": model,
            "messages": messages,
            "stream": true,
        })
    }

    fn decoder(&self) -> Box<dyn Decode> {
        Box::new(OllamaDecoder::default())
    }

    /// `{"models": [{"name": ...}, ...]}`.
    fn models(&self, list: &Value) -> Option<Vec<ModelInfo>> {
        let tags = list.get("models")?.as_array()?;
        let models = tags
            .iter()
            .filter_map(|tag| Tag::deserialize(tag).ok())
            .map(|tag| ModelInfo::named(tag.name));
        Some(models.collect())
    }

    /// `{"error": "model 'x' not found"}`.
    fn error_body(&self, body: &Value) -> Option<ProviderError> {
        nested_error(body)
    }

    /// Every line names its model and whether it is the last; an error line has `error`.
    fn recognises(&self, start: Start<'_>) -> bool {
        let Start::Message(line) = start else {
            return false;
        };
        ["done", "model", "error"].iter().any(|key| has(line, key))
    }
}

/// Ollama sends each tool call whole and unnumbered, so calls are numbered here.
#[derive(Debug, Default)]
struct OllamaDecoder {
    next_tool: u32,
}

#[derive(Deserialize)]
struct Line {
    message: Option<Message>,
    /// `/api/generate`.
    response: Option<String>,
    /// `/api/generate` with thinking models.
    thinking: Option<String>,
    done: Option<bool>,
    done_reason: Option<String>,
    error: Option<Value>,
    prompt_eval_count: Option<u64>,
    eval_count: Option<u64>,
    // Durations are in nanoseconds.
    total_duration: Option<u64>,
    prompt_eval_duration: Option<u64>,
    eval_duration: Option<u64>,
}

#[derive(Deserialize)]
struct Message {
    content: Option<String>,
    thinking: Option<String>,
    tool_calls: Option<Vec<ToolCall>>,
}

#[derive(Deserialize)]
struct ToolCall {
    id: Option<String>,
    function: Option<Function>,
}

#[derive(Deserialize)]
struct Function {
    name: Option<String>,
    /// An object in Ollama's API; a string from some look-alike servers.
    arguments: Option<Value>,
}

impl Decode for OllamaDecoder {
    fn decode(&mut self, data: &str, out: &mut Vec<StreamEvent>) {
        let Some(line) = parse_or_report::<Line>(data, out) else {
            return;
        };
        if let Some(error) = line.error.filter(|e| !e.is_null()) {
            out.push(StreamEvent::Error(provider_error(&error)));
        }
        push_text(line.thinking, reasoning_delta, out);
        push_text(line.response, text_delta, out);
        if let Some(message) = line.message {
            push_text(message.thinking, reasoning_delta, out);
            push_text(message.content, text_delta, out);
            for call in message.tool_calls.into_iter().flatten() {
                let (name, arguments) = match call.function {
                    Some(f) => (f.name, arguments_text(f.arguments)),
                    None => (None, String::new()),
                };
                out.push(StreamEvent::ToolCallDelta {
                    index: self.next_tool,
                    id: call.id,
                    name,
                    arguments,
                });
                self.next_tool = self.next_tool.saturating_add(1);
            }
        }
        if line.done != Some(true) {
            return;
        }
        if let Some(reason) = line.done_reason {
            out.push(StreamEvent::Finish { reason });
        }
        if line.prompt_eval_count.is_some() || line.eval_count.is_some() {
            out.push(StreamEvent::Usage(Usage {
                input_tokens: line.prompt_eval_count,
                output_tokens: line.eval_count,
            }));
        }
        if line.eval_duration.is_some() || line.total_duration.is_some() {
            let seconds = |ns: Option<u64>| ns.map(|ns| ns as f64 / 1e9);
            out.push(StreamEvent::ServerTiming(ServerTiming {
                queue_s: None,
                prompt_s: seconds(line.prompt_eval_duration),
                completion_s: seconds(line.eval_duration),
                total_s: seconds(line.total_duration),
                output_tokens: line.eval_count,
            }));
        }
        out.push(StreamEvent::Done);
    }
}

fn arguments_text(arguments: Option<Value>) -> String {
    match arguments {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s,
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ApiFormat;

    #[test]
    fn the_request_posts_to_api_chat() {
        let request = ApiFormat::Ollama.chat_request(
            "http://127.0.0.1:11434/",
            None,
            "qwen2.5-coder",
            &[ChatMessage::user("x")],
            Answerer::Other,
        );
        assert_eq!(request.url, "http://127.0.0.1:11434/api/chat");
        assert!(request.headers.is_empty(), "no key, no header");
        let body: Value =
            serde_json::from_str(request.body.as_deref().unwrap_or_default()).expect("json");
        assert_eq!(body["messages"][0]["content"], "x");
        assert_eq!(
            (body["model"].as_str(), body["stream"].as_bool()),
            (Some("qwen2.5-coder"), Some(true))
        );
    }

    #[test]
    fn the_model_list_is_api_tags() {
        let body = r#"{"models":[{"name":"llama3.2:latest","size":1},{"size":2},{"name":"qwen2.5-coder"}]}"#;
        let ids: Vec<String> = ApiFormat::Ollama
            .parse_models(body)
            .expect("a list")
            .into_iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(ids, ["llama3.2:latest", "qwen2.5-coder"]);
    }

    #[test]
    fn the_error_body_is_a_string_under_error() {
        let error = Ollama
            .error_body(&serde_json::json!({"error": "model 'q' not found"}))
            .expect("an error");
        assert_eq!(
            error,
            ProviderError {
                message: "model 'q' not found".into(),
                kind: None
            }
        );
        assert_eq!(Ollama.error_body(&serde_json::json!({"detail": "x"})), None);
    }

    #[test]
    fn recognises_lines_with_its_keys() {
        let claims = |json: &str| {
            let line: Value = serde_json::from_str(json).expect("json");
            Ollama.recognises(Start::Message(&line))
        };
        assert!(claims(
            r#"{"model":"llama3.2","response":"a","done":false}"#
        ));
        assert!(claims(r#"{"error":"model not found"}"#));
        assert!(!claims(r#"{"choices":[]}"#));
        assert!(!Ollama.recognises(Start::EventName("message_start")));
    }

    fn decode_all(lines: &[&str]) -> Vec<StreamEvent> {
        let mut decoder = OllamaDecoder::default();
        let mut out = Vec::new();
        for l in lines {
            decoder.decode(l, &mut out);
        }
        out
    }

    #[test]
    fn chat_content_thinking_and_final_counts() {
        let events = decode_all(&[
            r#"{"message":{"role":"assistant","content":"","thinking":"hm"},"done":false}"#,
            r#"{"message":{"role":"assistant","content":"Hi"},"done":false}"#,
            r#"{"message":{"content":""},"done":true,"done_reason":"stop","prompt_eval_count":26,"eval_count":282,"eval_duration":4535599000}"#,
        ]);
        assert_eq!(
            events[..3],
            [
                StreamEvent::ReasoningDelta { text: "hm".into() },
                StreamEvent::TextDelta { text: "Hi".into() },
                StreamEvent::Finish {
                    reason: "stop".into()
                },
            ]
        );
        assert_eq!(
            events[3],
            StreamEvent::Usage(Usage {
                input_tokens: Some(26),
                output_tokens: Some(282)
            })
        );
        let StreamEvent::ServerTiming(timing) = &events[4] else {
            panic!("{events:?}")
        };
        let rate = timing.output_rate().unwrap_or_default();
        assert!((rate - 62.1748).abs() < 1e-3, "{rate}");
        assert_eq!(events[5], StreamEvent::Done);
    }

    #[test]
    fn tool_calls_are_numbered_and_object_arguments_serialized() {
        let events = decode_all(&[
            r#"{"message":{"content":"","tool_calls":[{"function":{"name":"a","arguments":{"city":"Tokyo"}}},{"function":{"name":"b","arguments":"{}"}}]},"done":false}"#,
        ]);
        assert_eq!(
            events,
            [
                StreamEvent::ToolCallDelta {
                    index: 0,
                    id: None,
                    name: Some("a".into()),
                    arguments: r#"{"city":"Tokyo"}"#.into()
                },
                StreamEvent::ToolCallDelta {
                    index: 1,
                    id: None,
                    name: Some("b".into()),
                    arguments: "{}".into()
                },
            ]
        );
    }

    #[test]
    fn generate_response_and_error_line() {
        let events = decode_all(&[
            r#"{"response":"Yes","done":false}"#,
            r#"{"error":"model died"}"#,
        ]);
        assert_eq!(
            events,
            [
                StreamEvent::TextDelta { text: "Yes".into() },
                StreamEvent::Error(ProviderError {
                    message: "model died".into(),
                    kind: None
                }),
            ]
        );
    }
}
