//! OpenAI's chat-completion wire shapes as this server writes them: stream chunks,
//! whole completions, usage, and Cerebras' `time_info` timing extra.

use serde::Serialize;

use crate::{clock::unix_seconds, demo::Finish};

/// Token counts, as in OpenAI's `usage` object.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Usage {
    pub prompt_tokens: usize,
    pub completion_tokens: usize,
    pub total_tokens: usize,
}

impl Usage {
    pub fn new(prompt_tokens: usize, completion_tokens: usize) -> Self {
        Self {
            prompt_tokens,
            completion_tokens,
            total_tokens: prompt_tokens + completion_tokens,
        }
    }
}

/// Cerebras' timing breakdown, in seconds; `created` is a Unix time with a fraction.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct TimeInfo {
    pub queue_time: f64,
    pub prompt_time: f64,
    pub completion_time: f64,
    pub total_time: f64,
    pub created: f64,
}

#[derive(Serialize)]
struct Chunk<'a> {
    id: &'a str,
    object: &'static str,
    created: u64,
    model: &'a str,
    choices: Vec<ChunkChoice<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<Usage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    time_info: Option<TimeInfo>,
}

#[derive(Serialize)]
struct ChunkChoice<'a> {
    index: u32,
    delta: Delta<'a>,
    logprobs: Option<()>,
    finish_reason: Option<&'static str>,
}

#[derive(Serialize)]
struct Delta<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<&'a str>,
}

/// OpenAI's `finish_reason` for how an answer stopped.
fn finish_reason(finish: Finish) -> &'static str {
    match finish {
        Finish::Stop => "stop",
        Finish::Length => "length",
    }
}

/// Writes the chunks of one streamed completion; every chunk shares id, time and model.
#[derive(Debug, Clone)]
pub struct ChunkWriter {
    id: String,
    created: u64,
    model: String,
}

impl ChunkWriter {
    pub fn new(model: &str) -> Self {
        Self {
            id: completion_id(),
            created: unix_seconds() as u64,
            model: model.to_owned(),
        }
    }

    fn chunk<'a>(&'a self, choices: Vec<ChunkChoice<'a>>) -> Chunk<'a> {
        Chunk {
            id: &self.id,
            object: "chat.completion.chunk",
            created: self.created,
            model: &self.model,
            choices,
            usage: None,
            time_info: None,
        }
    }

    fn choice(delta: Delta<'_>, finish: Option<Finish>) -> ChunkChoice<'_> {
        ChunkChoice {
            index: 0,
            delta,
            logprobs: None,
            finish_reason: finish.map(finish_reason),
        }
    }

    /// The opening chunk: the assistant role with empty content, as OpenAI sends it.
    pub fn push_role(&self, out: &mut Vec<u8>) {
        let delta = Delta {
            role: Some("assistant"),
            content: Some(""),
        };
        crate::sse::push_json(out, &self.chunk(vec![Self::choice(delta, None)]));
    }

    /// A content chunk, with the usage so far when the client asked for it on every chunk.
    pub fn push_content(&self, out: &mut Vec<u8>, text: &str, usage: Option<Usage>) {
        let delta = Delta {
            role: None,
            content: Some(text),
        };
        let mut chunk = self.chunk(vec![Self::choice(delta, None)]);
        chunk.usage = usage;
        crate::sse::push_json(out, &chunk);
    }

    /// The finish chunk, then the usage chunk if asked for, then `[DONE]`. The last
    /// chunk before `[DONE]` carries `time_info`, like Cerebras' final chunk.
    pub fn push_end(
        &self,
        out: &mut Vec<u8>,
        finish: Finish,
        usage: Option<Usage>,
        time_info: TimeInfo,
    ) {
        let delta = Delta {
            role: None,
            content: None,
        };
        let mut finish_chunk = self.chunk(vec![Self::choice(delta, Some(finish))]);
        match usage {
            Some(usage) => {
                crate::sse::push_json(out, &finish_chunk);
                let mut usage_chunk = self.chunk(Vec::new());
                usage_chunk.usage = Some(usage);
                usage_chunk.time_info = Some(time_info);
                crate::sse::push_json(out, &usage_chunk);
            }
            None => {
                finish_chunk.time_info = Some(time_info);
                crate::sse::push_json(out, &finish_chunk);
            }
        }
        out.extend_from_slice(crate::sse::DONE);
    }

    /// A whole `chat.completion` object, for requests that did not ask to stream.
    pub fn completion(
        &self,
        content: &str,
        finish: Finish,
        usage: Usage,
        time_info: TimeInfo,
    ) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": [{
                "index": 0,
                "message": { "role": "assistant", "content": content, "refusal": null },
                "logprobs": null,
                "finish_reason": finish_reason(finish),
            }],
            "usage": usage,
            "time_info": time_info,
        })
    }
}

/// `chatcmpl-` and 24 random letters and digits, the shape OpenAI's ids have.
fn completion_id() -> String {
    let suffix: String = std::iter::repeat_with(fastrand::alphanumeric)
        .take(24)
        .collect();
    format!("chatcmpl-{suffix}")
}
