//! OpenAI Chat Completions and the compatible family (Groq, Cerebras, DeepSeek, xAI, Mistral,
//! Perplexity, vLLM, llama.cpp, legacy `/v1/completions`): requests, chunks, lists and errors.

use serde::Deserialize;
use serde_json::{json, Value};

use super::models::{data_list, ModelInfo};
use super::request::{Answerer, ChatMessage};
use super::shared::{
    bearer, event_type, has, is_done_sentinel, nested_error, parse_or_report, provider_error,
    push_text, reasoning_delta, refusal_delta, text_delta,
};
use super::{Decode, Format, Framing, Start};
use crate::stream::event::{ProviderError, ServerTiming, StreamEvent, Usage};

/// The OpenAI Chat Completions format.
pub(super) struct OpenAiChat;

impl Format for OpenAiChat {
    fn name(&self) -> &'static str {
        "openai-chat"
    }

    fn framing(&self) -> Framing {
        Framing::Sse
    }

    fn chat_path(&self) -> &'static str {
        "/chat/completions"
    }

    fn models_path(&self) -> &'static str {
        "/models"
    }

    fn headers(&self, api_key: Option<&str>) -> Vec<(String, String)> {
        bearer(api_key)
    }

    fn chat_body(&self, model: &str, messages: &[ChatMessage], answerer: Answerer) -> Value {
        let mut body = json!({
            "model": model,
            "messages": messages,
            "stream": true,
            "stream_options": { "include_usage": true },
        });
        if answerer == Answerer::OurServer {
            body["sparkplug_usage_every_chunk"] = json!(true);
        }
        body
    }

    fn decoder(&self) -> Box<dyn Decode> {
        Box::new(OpenAiChatDecoder)
    }

    fn models(&self, list: &Value) -> Option<Vec<ModelInfo>> {
        data_list(list)
    }

    /// OpenAI's `{"error": {...}}`; vLLM's flat `{"object": "error", "message": ...}`;
    /// FastAPI-based servers' `{"detail": "..."}`.
    fn error_body(&self, body: &Value) -> Option<ProviderError> {
        nested_error(body)
            .or_else(|| has(body, "message").then(|| provider_error(body)))
            .or_else(|| {
                let detail = body.get("detail")?.as_str()?;
                Some(ProviderError {
                    message: detail.to_owned(),
                    kind: None,
                })
            })
    }

    /// Chunks are `chat.completion.chunk` objects with `choices`; an error chunk is a bare
    /// `{"error": …}` without the `type` the other SSE formats always carry.
    fn recognises(&self, start: Start<'_>) -> bool {
        let Start::Message(message) = start else {
            return false;
        };
        let chat_object = message
            .get("object")
            .and_then(Value::as_str)
            .is_some_and(|o| o.starts_with("chat.completion") || o == "text_completion");
        let bare_error = event_type(message).is_none() && has(message, "error");
        chat_object || has(message, "choices") || bare_error
    }
}

/// Stateless: every chunk stands alone (usage is cumulative, tool calls carry their index).
#[derive(Debug, Default)]
struct OpenAiChatDecoder;

#[derive(Deserialize)]
struct Chunk {
    choices: Option<Vec<Choice>>,
    usage: Option<WireUsage>,
    error: Option<Value>,
    x_groq: Option<XGroq>,
    /// Cerebras.
    time_info: Option<TimeInfo>,
    /// llama.cpp server.
    timings: Option<LlamaTimings>,
    /// llama.cpp's native `/completion` stream puts the text at the top level.
    content: Option<String>,
}

#[derive(Deserialize)]
struct Choice {
    index: Option<u32>,
    delta: Option<Delta>,
    /// Legacy `/v1/completions`.
    text: Option<String>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Delta {
    content: Option<String>,
    /// DeepSeek, xAI, vLLM.
    reasoning_content: Option<String>,
    /// Groq, Ollama's OpenAI endpoint, newer vLLM.
    reasoning: Option<String>,
    refusal: Option<String>,
    tool_calls: Option<Vec<ToolCall>>,
}

#[derive(Deserialize)]
struct ToolCall {
    index: Option<u32>,
    id: Option<String>,
    function: Option<Function>,
}

#[derive(Deserialize)]
struct Function {
    name: Option<String>,
    arguments: Option<String>,
}

/// OpenAI usage; Groq adds its timings (seconds) to the same object.
#[derive(Deserialize)]
struct WireUsage {
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
    queue_time: Option<f64>,
    prompt_time: Option<f64>,
    completion_time: Option<f64>,
    total_time: Option<f64>,
}

#[derive(Deserialize)]
struct XGroq {
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct TimeInfo {
    queue_time: Option<f64>,
    prompt_time: Option<f64>,
    completion_time: Option<f64>,
    total_time: Option<f64>,
}

#[derive(Deserialize)]
struct LlamaTimings {
    prompt_ms: Option<f64>,
    predicted_n: Option<u64>,
    predicted_ms: Option<f64>,
}

impl Decode for OpenAiChatDecoder {
    fn decode(&mut self, data: &str, out: &mut Vec<StreamEvent>) {
        if is_done_sentinel(data) {
            out.push(StreamEvent::Done);
            return;
        }
        let Some(chunk) = parse_or_report::<Chunk>(data, out) else {
            return;
        };
        if let Some(error) = chunk.error.filter(|e| !e.is_null()) {
            out.push(StreamEvent::Error(provider_error(&error)));
        }
        push_text(chunk.content, text_delta, out);
        // With n > 1 only choice 0 is shown; a missing index means the only choice.
        let first = chunk
            .choices
            .into_iter()
            .flatten()
            .find(|c| c.index.unwrap_or(0) == 0);
        if let Some(choice) = first {
            decode_choice(choice, out);
        }

        // Groq repeats its usage under `x_groq`; either copy will do, the top level is standard.
        let usage = chunk.usage.or(chunk.x_groq.and_then(|x| x.usage));
        if let Some(usage) = &usage {
            if usage.prompt_tokens.is_some() || usage.completion_tokens.is_some() {
                out.push(StreamEvent::Usage(Usage {
                    input_tokens: usage.prompt_tokens,
                    output_tokens: usage.completion_tokens,
                }));
            }
        }
        let output_tokens = usage.as_ref().and_then(|u| u.completion_tokens);
        if let Some(timing) = server_timing(
            usage.as_ref(),
            chunk.time_info,
            chunk.timings,
            output_tokens,
        ) {
            out.push(StreamEvent::ServerTiming(timing));
        }
    }
}

fn decode_choice(choice: Choice, out: &mut Vec<StreamEvent>) {
    push_text(choice.text, text_delta, out);
    if let Some(delta) = choice.delta {
        // Some servers send both reasoning spellings with the same text; show it once.
        let reasoning = delta
            .reasoning_content
            .filter(|r| !r.is_empty())
            .or(delta.reasoning);
        push_text(reasoning, reasoning_delta, out);
        push_text(delta.content, text_delta, out);
        push_text(delta.refusal, refusal_delta, out);
        for call in delta.tool_calls.into_iter().flatten() {
            let (name, arguments) = match call.function {
                Some(f) => (f.name, f.arguments.unwrap_or_default()),
                None => (None, String::new()),
            };
            out.push(StreamEvent::ToolCallDelta {
                index: call.index.unwrap_or(0),
                id: call.id,
                name,
                arguments,
            });
        }
    }
    if let Some(reason) = choice.finish_reason {
        out.push(StreamEvent::Finish { reason });
    }
}

/// The server's own timing, from whichever extension this provider uses.
fn server_timing(
    usage: Option<&WireUsage>,
    cerebras: Option<TimeInfo>,
    llama: Option<LlamaTimings>,
    output_tokens: Option<u64>,
) -> Option<ServerTiming> {
    if let Some(u) = usage.filter(|u| u.completion_time.is_some() || u.total_time.is_some()) {
        return Some(ServerTiming {
            queue_s: u.queue_time,
            prompt_s: u.prompt_time,
            completion_s: u.completion_time,
            total_s: u.total_time,
            output_tokens,
        });
    }
    if let Some(t) = cerebras {
        return Some(ServerTiming {
            queue_s: t.queue_time,
            prompt_s: t.prompt_time,
            completion_s: t.completion_time,
            total_s: t.total_time,
            output_tokens,
        });
    }
    llama.map(|t| ServerTiming {
        queue_s: None,
        prompt_s: t.prompt_ms.map(|ms| ms / 1000.0),
        completion_s: t.predicted_ms.map(|ms| ms / 1000.0),
        total_s: None,
        output_tokens: t.predicted_n.or(output_tokens),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ApiFormat;

    fn decode(data: &str) -> Vec<StreamEvent> {
        let mut out = Vec::new();
        OpenAiChatDecoder.decode(data, &mut out);
        out
    }

    fn text(t: &str) -> StreamEvent {
        StreamEvent::TextDelta { text: t.to_owned() }
    }

    fn chat(answerer: Answerer) -> (crate::provider::request::Request, Value) {
        let request = ApiFormat::OpenAiChat.chat_request(
            "https://api.cerebras.ai/v1",
            Some("sk-test"),
            "gpt-oss-120b",
            &[ChatMessage::user("hi \"there\"")],
            answerer,
        );
        let body = serde_json::from_str(request.body.as_deref().unwrap_or_default())
            .expect("the body is JSON");
        (request, body)
    }

    #[test]
    fn the_request_streams_with_usage_and_a_bearer_key() {
        let (request, body) = chat(Answerer::Other);
        assert_eq!(request.url, "https://api.cerebras.ai/v1/chat/completions");
        assert_eq!(
            request.headers,
            [("authorization".to_string(), "Bearer sk-test".to_string())]
        );
        assert_eq!(body["model"], "gpt-oss-120b");
        assert_eq!(body["stream"], true);
        assert_eq!(body["stream_options"]["include_usage"], true);
        assert_eq!(body["messages"][0]["role"], "user");
        assert_eq!(body["messages"][0]["content"], "hi \"there\"");
        assert!(body.get("sparkplug_usage_every_chunk").is_none());
        let (_, ours) = chat(Answerer::OurServer);
        assert_eq!(ours["sparkplug_usage_every_chunk"], true);
    }

    #[test]
    fn the_model_list_is_openais_data_list() {
        let models = ApiFormat::OpenAiChat
            .parse_models(
                r#"{"object":"list","data":[{"id":"demo-1000","simulated":true,"tokens_per_second":1000},{"id":"llama-3.3-70b-versatile","object":"model"}]}"#,
            )
            .expect("a list");
        let ids: Vec<&str> = models.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["demo-1000", "llama-3.3-70b-versatile"]);
        assert!(models[0].simulated && !models[1].simulated);
        assert!(ApiFormat::OpenAiChat
            .parse_models(r#"{"models":[{"name":"x"}]}"#)
            .is_err());
    }

    #[test]
    fn error_bodies_of_openai_vllm_and_fastapi_servers() {
        let message = |body: &str| ApiFormat::OpenAiChat.error_message(body);
        let openai = r#"{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#;
        assert_eq!(
            message(openai).as_deref(),
            Some("Incorrect API key provided.")
        );
        let vllm = r#"{"object":"error","message":"The model `x` does not exist.","type":"NotFoundError","param":null,"code":404}"#;
        assert_eq!(
            message(vllm).as_deref(),
            Some("The model `x` does not exist.")
        );
        assert_eq!(
            message(r#"{"detail":"Not authenticated"}"#).as_deref(),
            Some("Not authenticated")
        );
        let error = OpenAiChat
            .error_body(&serde_json::from_str(openai).expect("json"))
            .expect("an error");
        assert_eq!(error.kind.as_deref(), Some("invalid_request_error"));
        // JSON of no known shape is quoted as it is.
        assert_eq!(
            message(r#"{"ok":false}"#).as_deref(),
            Some(r#"{"ok":false}"#)
        );
    }

    #[test]
    fn recognises_chunks_and_bare_errors_only() {
        let claims = |json: &str| {
            let message: Value = serde_json::from_str(json).expect("json");
            OpenAiChat.recognises(Start::Message(&message))
        };
        assert!(claims(r#"{"object":"chat.completion.chunk","choices":[]}"#));
        assert!(claims(r#"{"choices":[{"text":"x"}]}"#));
        assert!(claims(r#"{"error":{"message":"x"}}"#));
        assert!(!claims(r#"{"type":"error","error":{}}"#));
        assert!(!claims(r#"{"type":"message_start"}"#));
        assert!(!OpenAiChat.recognises(Start::EventName("message_start")));
    }

    #[test]
    fn content_finish_usage_and_done() {
        assert_eq!(
            decode(r#"{"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}"#),
            [text("Hi")]
        );
        assert_eq!(
            decode(
                r#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":5}}"#
            ),
            [
                StreamEvent::Finish {
                    reason: "stop".into()
                },
                StreamEvent::Usage(Usage {
                    input_tokens: Some(3),
                    output_tokens: Some(5)
                })
            ]
        );
        assert_eq!(decode("[DONE]"), [StreamEvent::Done]);
    }

    #[test]
    fn only_choice_zero_is_shown() {
        let events = decode(
            r#"{"choices":[{"index":1,"delta":{"content":"B"}},{"index":0,"delta":{"content":"A"}}]}"#,
        );
        assert_eq!(events, [text("A")]);
    }

    #[test]
    fn legacy_completions_text() {
        assert_eq!(
            decode(r#"{"choices":[{"index":0,"text":"old"}]}"#),
            [text("old")]
        );
    }

    #[test]
    fn reasoning_refusal_and_tool_calls() {
        let events = decode(
            r#"{"choices":[{"index":0,"delta":{"reasoning_content":"think","reasoning":"think","refusal":"no",
                "tool_calls":[{"index":1,"id":"c1","type":"function","function":{"name":"f","arguments":"{\""}}]}}]}"#,
        );
        assert_eq!(
            events,
            [
                StreamEvent::ReasoningDelta {
                    text: "think".into()
                },
                StreamEvent::RefusalDelta { text: "no".into() },
                StreamEvent::ToolCallDelta {
                    index: 1,
                    id: Some("c1".into()),
                    name: Some("f".into()),
                    arguments: "{\"".into()
                },
            ]
        );
        assert_eq!(
            decode(r#"{"choices":[{"index":0,"delta":{"reasoning":"groq"}}]}"#),
            [StreamEvent::ReasoningDelta {
                text: "groq".into()
            }]
        );
    }

    #[test]
    fn error_object_becomes_an_error_event() {
        let events = decode(r#"{"error":{"message":"bad","type":"server_error","code":null}}"#);
        assert_eq!(
            events,
            [StreamEvent::Error(crate::stream::event::ProviderError {
                message: "bad".into(),
                kind: Some("server_error".into())
            })]
        );
    }

    #[test]
    fn provider_timings() {
        let groq = decode(
            r#"{"choices":[],"x_groq":{"usage":{"prompt_tokens":1,"completion_tokens":100,"queue_time":0.1,"prompt_time":0.2,"completion_time":0.5,"total_time":0.8}}}"#,
        );
        let StreamEvent::ServerTiming(t) = &groq[1] else {
            panic!("{groq:?}")
        };
        assert_eq!(t.output_rate(), Some(200.0));
        assert_eq!(t.queue_s, Some(0.1));

        let cerebras = decode(
            r#"{"choices":[],"usage":{"completion_tokens":50},"time_info":{"completion_time":0.25,"total_time":0.3}}"#,
        );
        let StreamEvent::ServerTiming(t) = &cerebras[1] else {
            panic!("{cerebras:?}")
        };
        assert_eq!(t.output_rate(), Some(200.0));

        let llama = decode(
            r#"{"choices":[],"timings":{"prompt_n":5,"prompt_ms":10.0,"predicted_n":40,"predicted_ms":200.0}}"#,
        );
        let StreamEvent::ServerTiming(t) = &llama[0] else {
            panic!("{llama:?}")
        };
        assert_eq!((t.output_rate(), t.prompt_s), (Some(200.0), Some(0.01)));
    }

    #[test]
    fn malformed_json_is_reported_not_fatal() {
        let events = decode("{\"choices\": [");
        assert!(
            matches!(&events[..], [StreamEvent::Malformed { excerpt, .. }] if excerpt == "{\"choices\": [")
        );
        // A wrongly typed field is malformed too, rather than silently empty.
        assert!(matches!(
            decode(r#"{"choices":"nope"}"#)[..],
            [StreamEvent::Malformed { .. }]
        ));
    }
}
