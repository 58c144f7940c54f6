//! The OpenAI Responses API (also served by Azure, xAI, LM Studio, Copilot): requests, the
//! stream with or without `event:` lines and a trailing `[DONE]`, lists and errors.

use serde::Deserialize;
use serde_json::{json, Value};

use super::models::{data_list, ModelInfo};
use super::request::{Answerer, ChatMessage};
use super::shared::{
    bearer, event_type, has, is_done_sentinel, nested_error, parse_or_report, provider_error,
    push_text, reasoning_delta, refusal_delta, text_delta,
};
use super::{Decode, Format, Framing, Start};
use crate::stream::event::{ProviderError, StreamEvent, Usage};

/// The OpenAI Responses format.
pub(super) struct OpenAiResponses;

impl Format for OpenAiResponses {
    fn name(&self) -> &'static str {
        "openai-responses"
    }

    fn framing(&self) -> Framing {
        Framing::Sse
    }

    fn chat_path(&self) -> &'static str {
        "/responses"
    }

    fn models_path(&self) -> &'static str {
        "/models"
    }

    fn headers(&self, api_key: Option<&str>) -> Vec<(String, String)> {
        bearer(api_key)
    }

    /// The chat goes in as `input`; usage always comes with `response.completed`.
    fn chat_body(&self, model: &str, messages: &[ChatMessage], _: Answerer) -> Value {
        json!({
            "model": model,
            "input": messages,
            "stream": true,
        })
    }

    fn decoder(&self) -> Box<dyn Decode> {
        Box::new(ResponsesDecoder::default())
    }

    fn models(&self, list: &Value) -> Option<Vec<ModelInfo>> {
        data_list(list)
    }

    /// OpenAI's `{"error": {"message", "type", "code"}}`.
    fn error_body(&self, body: &Value) -> Option<ProviderError> {
        nested_error(body)
    }

    /// Every event is `response.*` or `error`, and only this format numbers its events.
    fn recognises(&self, start: Start<'_>) -> bool {
        match start {
            Start::EventName(name) => name.starts_with("response."),
            Start::Message(message) => match event_type(message) {
                Some("error") => has(message, "sequence_number"),
                Some(kind) => kind.starts_with("response."),
                None => false,
            },
        }
    }
}

/// Tool calls are numbered in the order they appear; arguments find their call by output index.
#[derive(Debug, Default)]
struct ResponsesDecoder {
    /// `(output_index, tool index)` of the calls of the current response.
    calls: Vec<(u64, u32)>,
    next_tool: u32,
}

/// Every Responses event is an object with a `type`; only the fields we read are declared.
#[derive(Deserialize)]
struct Event {
    #[serde(rename = "type")]
    kind: String,
    delta: Option<String>,
    output_index: Option<u64>,
    item: Option<Item>,
    response: Option<Response>,
    /// The `error` event carries the error nested or flat, depending on the server.
    error: Option<Value>,
    message: Option<String>,
    code: Option<Value>,
}

#[derive(Deserialize)]
struct Item {
    #[serde(rename = "type")]
    kind: String,
    call_id: Option<String>,
    name: Option<String>,
    arguments: Option<String>,
}

#[derive(Deserialize)]
struct Response {
    status: Option<String>,
    usage: Option<WireUsage>,
    error: Option<Value>,
    incomplete_details: Option<IncompleteDetails>,
}

#[derive(Deserialize)]
struct WireUsage {
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct IncompleteDetails {
    reason: Option<String>,
}

impl Decode for ResponsesDecoder {
    fn decode(&mut self, data: &str, out: &mut Vec<StreamEvent>) {
        if is_done_sentinel(data) {
            out.push(StreamEvent::Done);
            return;
        }
        let Some(event) = parse_or_report::<Event>(data, out) else {
            return;
        };
        match event.kind.as_str() {
            "response.output_text.delta" => push_text(event.delta, text_delta, out),
            "response.reasoning_text.delta" | "response.reasoning_summary_text.delta" => {
                push_text(event.delta, reasoning_delta, out)
            }
            "response.refusal.delta" => push_text(event.delta, refusal_delta, out),
            "response.created" => self.calls.clear(),
            "response.output_item.added" => {
                if let Some(item) = event.item.filter(|i| i.kind == "function_call") {
                    let index = self.new_call(event.output_index);
                    out.push(StreamEvent::ToolCallDelta {
                        index,
                        id: item.call_id,
                        name: item.name,
                        arguments: item.arguments.unwrap_or_default(),
                    });
                }
            }
            "response.function_call_arguments.delta" => {
                let index = self.call_at(event.output_index);
                out.push(StreamEvent::ToolCallDelta {
                    index,
                    id: None,
                    name: None,
                    arguments: event.delta.unwrap_or_default(),
                });
            }
            "response.completed" | "response.incomplete" | "response.failed" => {
                if let Some(response) = event.response {
                    finish_response(response, out);
                }
                out.push(StreamEvent::Done);
            }
            "error" => out.push(StreamEvent::Error(match event.error {
                Some(nested) if !nested.is_null() => provider_error(&nested),
                _ => ProviderError {
                    message: event.message.unwrap_or_else(|| data.to_owned()),
                    kind: event.code.as_ref().map(|c| match c {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    }),
                },
            })),
            _ => {}
        }
    }
}

impl ResponsesDecoder {
    fn new_call(&mut self, output_index: Option<u64>) -> u32 {
        let index = self.next_tool;
        self.next_tool = self.next_tool.saturating_add(1);
        if let Some(at) = output_index {
            self.calls.push((at, index));
        }
        index
    }

    /// Item ids are not stable on every server (Copilot rotates them), output indexes are.
    fn call_at(&mut self, output_index: Option<u64>) -> u32 {
        let known = output_index
            .and_then(|at| self.calls.iter().rev().find(|(o, _)| *o == at))
            .map(|&(_, index)| index);
        known.unwrap_or_else(|| self.new_call(output_index))
    }
}

fn finish_response(response: Response, out: &mut Vec<StreamEvent>) {
    if let Some(error) = response.error.filter(|e| !e.is_null()) {
        out.push(StreamEvent::Error(provider_error(&error)));
    }
    let reason = response
        .incomplete_details
        .and_then(|d| d.reason)
        .or(response.status);
    if let Some(reason) = reason {
        out.push(StreamEvent::Finish { reason });
    }
    if let Some(usage) = response.usage {
        out.push(StreamEvent::Usage(Usage {
            input_tokens: usage.input_tokens,
            output_tokens: usage.output_tokens,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ApiFormat;

    fn decode_all(messages: &[&str]) -> Vec<StreamEvent> {
        let mut decoder = ResponsesDecoder::default();
        let mut out = Vec::new();
        for m in messages {
            decoder.decode(m, &mut out);
        }
        out
    }

    #[test]
    fn the_request_sends_the_chat_as_input() {
        let request = ApiFormat::OpenAiResponses.chat_request(
            "https://api.openai.com/v1/",
            Some("sk-test"),
            "gpt-4o-mini",
            &[ChatMessage::user("x")],
            Answerer::OurServer,
        );
        assert_eq!(request.url, "https://api.openai.com/v1/responses");
        assert_eq!(
            request.headers,
            [("authorization".to_string(), "Bearer sk-test".to_string())]
        );
        let body: Value =
            serde_json::from_str(request.body.as_deref().unwrap_or_default()).expect("json");
        assert_eq!(body["input"][0]["content"], "x");
        assert_eq!(body["stream"], true);
        assert!(body.get("messages").is_none() && body.get("stream_options").is_none());
    }

    #[test]
    fn the_model_list_and_error_body_are_openais() {
        let models = ApiFormat::OpenAiResponses
            .parse_models(r#"{"object":"list","data":[{"id":"gpt-4o-mini","object":"model"}]}"#)
            .expect("a list");
        assert_eq!(
            models,
            [crate::provider::models::ModelInfo::named("gpt-4o-mini")]
        );
        let quota = r#"{"error":{"message":"You exceeded your current quota.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}"#;
        let error = OpenAiResponses
            .error_body(&serde_json::from_str(quota).expect("json"))
            .expect("an error");
        assert_eq!(
            (error.message.as_str(), error.kind.as_deref()),
            (
                "You exceeded your current quota.",
                Some("insufficient_quota")
            )
        );
    }

    #[test]
    fn recognises_its_events_and_its_numbered_error() {
        let claims = |json: &str| {
            let message: Value = serde_json::from_str(json).expect("json");
            OpenAiResponses.recognises(Start::Message(&message))
        };
        assert!(OpenAiResponses.recognises(Start::EventName("response.created")));
        assert!(!OpenAiResponses.recognises(Start::EventName("error")));
        assert!(claims(
            r#"{"type":"response.output_text.delta","delta":"x"}"#
        ));
        assert!(claims(r#"{"type":"error","sequence_number":2}"#));
        assert!(!claims(r#"{"type":"error","error":{}}"#));
        assert!(!claims(r#"{"choices":[]}"#));
    }

    #[test]
    fn text_reasoning_and_completion() {
        let events = decode_all(&[
            r#"{"type":"response.reasoning_summary_text.delta","delta":"hmm"}"#,
            r#"{"type":"response.output_text.delta","delta":"Hi"}"#,
            r#"{"type":"response.completed","response":{"status":"completed","usage":{"input_tokens":4,"output_tokens":2}}}"#,
        ]);
        assert_eq!(
            events,
            [
                StreamEvent::ReasoningDelta { text: "hmm".into() },
                StreamEvent::TextDelta { text: "Hi".into() },
                StreamEvent::Finish {
                    reason: "completed".into()
                },
                StreamEvent::Usage(Usage {
                    input_tokens: Some(4),
                    output_tokens: Some(2)
                }),
                StreamEvent::Done,
            ]
        );
    }

    #[test]
    fn function_call_arguments_follow_their_call_by_output_index() {
        let events = decode_all(&[
            r#"{"type":"response.output_item.added","output_index":1,"item":{"type":"function_call","call_id":"c1","name":"f","arguments":""}}"#,
            r#"{"type":"response.output_item.added","output_index":2,"item":{"type":"function_call","call_id":"c2","name":"g","arguments":""}}"#,
            r#"{"type":"response.function_call_arguments.delta","output_index":1,"item_id":"x","delta":"{}"}"#,
            r#"{"type":"response.function_call_arguments.delta","output_index":2,"item_id":"y","delta":"[]"}"#,
        ]);
        let pieces: Vec<(u32, &str)> = events
            .iter()
            .filter_map(|e| match e {
                StreamEvent::ToolCallDelta {
                    index, arguments, ..
                } if !arguments.is_empty() => Some((*index, arguments.as_str())),
                _ => None,
            })
            .collect();
        assert_eq!(pieces, [(0, "{}"), (1, "[]")]);
    }

    #[test]
    fn flat_and_nested_error_events() {
        let events = decode_all(&[
            r#"{"type":"error","code":"rate_limit","message":"slow"}"#,
            r#"{"type":"error","error":{"type":"insufficient_quota","message":"pay"}}"#,
        ]);
        assert_eq!(
            events,
            [
                StreamEvent::Error(ProviderError {
                    message: "slow".into(),
                    kind: Some("rate_limit".into())
                }),
                StreamEvent::Error(ProviderError {
                    message: "pay".into(),
                    kind: Some("insufficient_quota".into())
                }),
            ]
        );
    }

    #[test]
    fn incomplete_response_reports_its_reason() {
        let events = decode_all(&[
            r#"{"type":"response.incomplete","response":{"status":"incomplete","incomplete_details":{"reason":"max_output_tokens"}}}"#,
        ]);
        assert_eq!(
            events,
            [
                StreamEvent::Finish {
                    reason: "max_output_tokens".into()
                },
                StreamEvent::Done
            ]
        );
    }
}
