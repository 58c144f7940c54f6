//! Plays one simulated completion as an SSE body: tokens sent when due (all tokens due
//! by now share one event), then finish, usage and `[DONE]`; or a cut/stall for tests.

use std::sync::Arc;

use axum::body::Body;
use bytes::Bytes;
use tokio::time::{sleep_until, Instant};
use tokio_util::sync::CancellationToken;

use super::{schedule::Schedule, tokens::TokenizedText};
use crate::api::wire::{unix_seconds, ChunkWriter, FinishReason, TimeInfo, Usage};

/// How a stream ends after its tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Finish chunk, usage if asked, `[DONE]`.
    Complete,
    /// Drop the connection after this many tokens, with no finish and no `[DONE]`.
    CutAfter(usize),
    /// Stop sending after this many tokens but keep the connection open.
    StallAfter(usize),
}

/// Everything one simulated completion needs to play.
#[derive(Debug)]
pub struct Completion {
    pub text: Arc<TokenizedText>,
    /// Tokens to send: the answer's, or fewer when `max_tokens` cuts it short.
    pub tokens: usize,
    pub finish: FinishReason,
    pub prompt_tokens: usize,
    pub include_usage: bool,
    /// Cumulative usage on every content chunk (`sparkplug_usage_every_chunk`).
    pub usage_every_chunk: bool,
    pub schedule: Schedule,
    pub chunks: ChunkWriter,
    pub requested_at: Instant,
}

impl Completion {
    /// The timing extra for the end of the answer, from what really happened.
    pub fn time_info(&self, first_sent: Option<Instant>, now: Instant) -> TimeInfo {
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

    pub fn usage(&self) -> Usage {
        Usage::new(self.prompt_tokens, self.tokens)
    }
}

/// The error a stream yields to make hyper drop the connection mid-body.
#[derive(Debug, thiserror::Error)]
#[error("connection cut on purpose by a test model")]
pub struct DeliberateCut;

/// Streams `completion` as SSE. `guard` lives as long as the body (a stream-limit
/// permit); `shutdown` ends the stream early with an error event.
pub fn sse_body<G: Send + 'static>(
    completion: Completion,
    ending: Ending,
    shutdown: CancellationToken,
    guard: G,
) -> Body {
    let player = Player {
        completion,
        ending,
        shutdown,
        sent_tokens: 0,
        sent_bytes: 0,
        first_sent: None,
        ended: false,
        _guard: guard,
    };
    Body::from_stream(futures_util::stream::unfold(
        player,
        |mut player| async move {
            let event = player.next_event().await?;
            Some((event, player))
        },
    ))
}

struct Player<G> {
    completion: Completion,
    ending: Ending,
    shutdown: CancellationToken,
    sent_tokens: usize,
    sent_bytes: usize,
    first_sent: Option<Instant>,
    ended: bool,
    _guard: G,
}

impl<G> Player<G> {
    async fn next_event(&mut self) -> Option<Result<Bytes, DeliberateCut>> {
        if self.ended {
            return None;
        }
        let stop_early = match self.ending {
            Ending::Complete => None,
            Ending::CutAfter(n) | Ending::StallAfter(n) => Some(n.min(self.completion.tokens)),
        };
        loop {
            if stop_early.is_some_and(|n| self.sent_tokens >= n) {
                self.ended = true;
                if let Ending::CutAfter(_) = self.ending {
                    return Some(Err(DeliberateCut));
                }
                // A stall holds the connection until the server shuts down.
                self.shutdown.cancelled().await;
                return Some(Ok(crate::sse::shutdown_event()));
            }
            if self.sent_tokens >= self.completion.tokens {
                self.ended = true;
                return Some(Ok(self.end_events()));
            }
            let due = self.completion.schedule.due(self.sent_tokens);
            tokio::select! {
                biased;
                () = self.shutdown.cancelled() => {
                    self.ended = true;
                    return Some(Ok(crate::sse::shutdown_event()));
                }
                () = sleep_until(due) => {}
            }
            if let Some(event) = self.send_due_tokens(stop_early) {
                return Some(Ok(event));
            }
        }
    }

    /// Sends every token due by now in one event. Returns `None` when those tokens end
    /// inside a character: their bytes go out with the next event, counted already.
    fn send_due_tokens(&mut self, stop_early: Option<usize>) -> Option<Bytes> {
        let now = Instant::now();
        let last = stop_early.unwrap_or(self.completion.tokens);
        let schedule = &self.completion.schedule;
        let mut tokens = self.sent_tokens + 1;
        while tokens < last && schedule.due(tokens) <= now {
            tokens += 1;
        }
        self.sent_tokens = tokens;
        let text = self.completion.text.text_of_first(tokens);
        let piece = text.get(self.sent_bytes..).filter(|p| !p.is_empty())?;
        self.sent_bytes = text.len();
        let mut out = Vec::with_capacity(piece.len() + 256);
        if self.first_sent.is_none() {
            self.first_sent = Some(now);
            self.completion.chunks.push_role(&mut out);
        }
        let usage = self
            .completion
            .usage_every_chunk
            .then(|| Usage::new(self.completion.prompt_tokens, tokens));
        self.completion.chunks.push_content(&mut out, piece, usage);
        Some(Bytes::from(out))
    }

    fn end_events(&self) -> Bytes {
        let completion = &self.completion;
        let time_info = completion.time_info(self.first_sent, Instant::now());
        let usage = completion.include_usage.then(|| completion.usage());
        let mut out = Vec::new();
        completion
            .chunks
            .push_end(&mut out, completion.finish, usage, time_info);
        Bytes::from(out)
    }
}
