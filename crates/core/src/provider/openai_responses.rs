//! Decoder for the OpenAI Responses API stream (also served by Azure, xAI, LM Studio, Copilot),
//! with or without `event:` lines and with or without a trailing `[DONE]`.

use serde::Deserialize;
use serde_json::Value;

use super::{
    is_done_sentinel, parse_or_report, provider_error, push_text, reasoning_delta, refusal_delta,
    text_delta,
};
use crate::stream::event::{ProviderError, StreamEvent, Usage};

/// Tool calls are numbered in the order they appear; arguments find their call by output index.
#[derive(Debug, Default)]
pub(crate) struct ResponsesDecoder {
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

impl ResponsesDecoder {
    pub(crate) fn decode(&mut self, data: &str, out: &mut Vec<StreamEvent>) {
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

    fn decode_all(messages: &[&str]) -> Vec<StreamEvent> {
        let mut decoder = ResponsesDecoder::default();
        let mut out = Vec::new();
        for m in messages {
            decoder.decode(m, &mut out);
        }
        out
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
