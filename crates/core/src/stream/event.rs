//! The typed stream events every provider decoder produces and the UI consumes.
//! One vocabulary for all formats, so the app never looks at a provider's JSON.

use serde::{Deserialize, Serialize};

/// One thing a provider told us, in the order it told us.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamEvent {
    /// Visible answer text (choice 0 only).
    TextDelta { text: String },
    /// Reasoning / thinking text, shown apart from the answer.
    ReasoningDelta { text: String },
    /// Refusal text (OpenAI `delta.refusal`).
    RefusalDelta { text: String },
    /// A piece of a tool call's arguments; `id` and `name` come with the first piece.
    ToolCallDelta {
        index: u32,
        id: Option<String>,
        name: Option<String>,
        arguments: String,
    },
    /// Token counts as the provider reported them (the latest report wins).
    Usage(Usage),
    /// The provider's own timing figures (Cerebras `time_info`, Groq `x_groq`, llama.cpp `timings`, Ollama).
    ServerTiming(ServerTiming),
    /// Why generation stopped, in the provider's own words (`stop`, `length`, `end_turn`, …).
    Finish { reason: String },
    /// An error the provider sent inside the stream.
    Error(ProviderError),
    /// The stream's explicit end marker (`[DONE]`, `message_stop`, `response.completed`, `done: true`).
    Done,
    /// A message the decoder could not read (not JSON, or JSON of an unexpected shape).
    /// Decoding carries on with the next message; `excerpt` is the start of the raw data.
    Malformed { excerpt: String, reason: String },
}

/// Token counts; any may be missing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
}

/// Server-side timing, in seconds, as far as the provider tells it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerTiming {
    pub queue_s: Option<f64>,
    pub prompt_s: Option<f64>,
    /// Time spent generating output tokens.
    pub completion_s: Option<f64>,
    pub total_s: Option<f64>,
    /// Output tokens the timing refers to, when the timing object carries them.
    pub output_tokens: Option<u64>,
}

impl ServerTiming {
    /// Output tokens per second as measured by the server, when it gave both figures.
    pub fn output_rate(&self) -> Option<f64> {
        let tokens = self.output_tokens? as f64;
        let secs = self.completion_s?;
        (secs > 0.0).then(|| tokens / secs)
    }
}

/// An error reported by the provider, in the stream or as an HTTP error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderError {
    pub message: String,
    /// The provider's error type or code (`insufficient_quota`, `overloaded_error`, …).
    pub kind: Option<String>,
}
