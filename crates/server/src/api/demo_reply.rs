//! Answers a chat request from the demo models: the demo's timed pieces encoded as
//! OpenAI chunks over SSE, or one whole completion when its last token is due.

use std::sync::Arc;

use axum::{
    body::Body,
    http::header,
    response::{IntoResponse, Response},
    Json,
};
use bytes::Bytes;
use futures_util::StreamExt;
use tokio::time::{sleep_until, Instant};

use super::{
    request::ChatRequest,
    wire::{ChunkWriter, TimeInfo, Usage},
};
use crate::{
    clock::unix_seconds,
    demo::{DemoEvent, Ending, Finish, Playback, Profile},
    error::ApiError,
    sse,
    state::AppState,
};

/// Answers `request` as the simulated model `profile`; `guard` is held until the
/// response is fully sent.
pub async fn reply<G: Send + 'static>(
    state: &AppState,
    profile: &Profile,
    request: Arc<ChatRequest>,
    ending: Ending,
    guard: G,
) -> Result<Response, ApiError> {
    let requested_at = Instant::now();
    let demo = Arc::clone(&state.demo);
    let job = Arc::clone(&request);
    // Ranking answers and counting tokens read the whole prompt, which may be megabytes.
    let (answer, prompt_tokens) = state
        .cpu
        .run(move || {
            let answer = demo.answer(&job.asked(), job.max_tokens);
            (answer, job.prompt_tokens())
        })
        .await?;
    let playback = Playback::new(answer, profile, requested_at);
    let encoder = Encoder {
        chunks: ChunkWriter::new(&request.model),
        prompt_tokens,
        include_usage: request.include_usage,
        usage_every_chunk: request.usage_every_chunk,
        finish: playback.answer().finish,
        tokens: playback.answer().tokens,
        requested_at,
        first_sent: None,
        _guard: guard,
    };
    let shutdown = state.shutdown.clone();
    if request.stream {
        let mut encoder = encoder;
        let body = playback
            .events(ending, shutdown)
            .map(move |event| encoder.encode(event));
        return Ok((
            [
                (header::CONTENT_TYPE, sse::CONTENT_TYPE),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            Body::from_stream(body),
        )
            .into_response());
    }
    // A whole completion arrives when the last token would have been generated.
    tokio::select! {
        biased;
        () = shutdown.cancelled() => return Err(ApiError::ShuttingDown),
        () = sleep_until(playback.last_due()) => {}
    }
    let time_info = encoder.time_info(Some(playback.first_due()), Instant::now());
    let body = encoder.chunks.completion(
        playback.text(),
        encoder.finish,
        Usage::new(prompt_tokens, encoder.tokens),
        time_info,
    );
    Ok(Json(body).into_response())
}

/// The error a stream yields to make hyper drop the connection mid-body.
#[derive(Debug, thiserror::Error)]
#[error("connection cut on purpose by a test model")]
pub struct DeliberateCut;

/// Turns demo events into SSE bytes, keeping what the chunks share.
struct Encoder<G> {
    chunks: ChunkWriter,
    prompt_tokens: usize,
    include_usage: bool,
    /// Cumulative usage on every content chunk (`sparkplug_usage_every_chunk`).
    usage_every_chunk: bool,
    finish: Finish,
    tokens: usize,
    requested_at: Instant,
    first_sent: Option<Instant>,
    _guard: G,
}

impl<G> Encoder<G> {
    fn encode(&mut self, event: DemoEvent) -> Result<Bytes, DeliberateCut> {
        let mut out = Vec::new();
        match event {
            DemoEvent::Text { piece, tokens } => {
                if self.first_sent.is_none() {
                    self.first_sent = Some(Instant::now());
                    self.chunks.push_role(&mut out);
                }
                let usage = self
                    .usage_every_chunk
                    .then(|| Usage::new(self.prompt_tokens, tokens));
                self.chunks.push_content(&mut out, &piece, usage);
            }
            DemoEvent::Finished => {
                let time_info = self.time_info(self.first_sent, Instant::now());
                let usage = self
                    .include_usage
                    .then(|| Usage::new(self.prompt_tokens, self.tokens));
                self.chunks
                    .push_end(&mut out, self.finish, usage, time_info);
            }
            DemoEvent::Cut => return Err(DeliberateCut),
            DemoEvent::Shutdown => return Ok(sse::shutdown_event()),
        }
        Ok(Bytes::from(out))
    }

    /// The timing extra for the end of the answer, from what really happened.
    fn time_info(&self, first_sent: Option<Instant>, now: Instant) -> TimeInfo {
        let first = first_sent.unwrap_or(now);
        TimeInfo {
            queue_time: 0.0,
            prompt_time: first
                .saturating_duration_since(self.requested_at)
                .as_secs_f64(),
            completion_time: now.saturating_duration_since(first).as_secs_f64(),
            total_time: now
                .saturating_duration_since(self.requested_at)
                .as_secs_f64(),
            created: unix_seconds(),
        }
    }
}
