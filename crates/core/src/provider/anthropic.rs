//! Decoder for the Anthropic Messages stream: content blocks of text, thinking and tool use,
//! usage split between `message_start` and `message_delta`, and in-band `error` events.

use serde::Deserialize;
use serde_json::Value;

use super::{parse_or_report, provider_error, push_text, reasoning_delta, text_delta};
use crate::stream::event::{StreamEvent, Usage};

/// Keeps the usage seen so far: `message_delta` often repeats only the output count, and
/// every emitted `Usage` should be the whole current picture.
#[derive(Debug, Default)]
pub(crate) struct AnthropicDecoder {
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

impl AnthropicDecoder {
    pub(crate) fn decode(&mut self, data: &str, out: &mut Vec<StreamEvent>) {
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

    fn report_usage(&mut self, usage: WireUsage, out: &mut Vec<StreamEvent>) {
        self.usage.input_tokens = usage.input_tokens.or(self.usage.input_tokens);
        self.usage.output_tokens = usage.output_tokens.or(self.usage.output_tokens);
        out.push(StreamEvent::Usage(self.usage));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::event::ProviderError;

    fn decode_all(messages: &[&str]) -> Vec<StreamEvent> {
        let mut decoder = AnthropicDecoder::default();
        let mut out = Vec::new();
        for m in messages {
            decoder.decode(m, &mut out);
        }
        out
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
