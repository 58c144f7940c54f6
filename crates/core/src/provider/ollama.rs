//! Decoder for Ollama's native NDJSON lines (`/api/chat` and `/api/generate`), including the
//! final `done: true` line with its counts and nanosecond durations, and `{"error": …}` lines.

use serde::Deserialize;
use serde_json::Value;

use super::{parse_or_report, provider_error, push_text, reasoning_delta, text_delta};
use crate::stream::event::{ServerTiming, StreamEvent, Usage};

/// Ollama sends each tool call whole and unnumbered, so calls are numbered here.
#[derive(Debug, Default)]
pub(crate) struct OllamaDecoder {
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

impl OllamaDecoder {
    pub(crate) fn decode(&mut self, data: &str, out: &mut Vec<StreamEvent>) {
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
    use crate::stream::event::ProviderError;

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
