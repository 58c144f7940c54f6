//! The simulated models: prepared answers, really tokenized, paced like a published model.
//! `Demo::reply` turns a chat request into a streamed or whole response.

mod catalog;
mod profiles;
mod retrieve;
pub mod scenario_file;
mod scenarios;
mod schedule;
mod stream;
mod tokens;

use axum::{
    http::header,
    response::{IntoResponse, Response},
    Json,
};
use tokio::time::{sleep_until, Instant};
use tokio_util::sync::CancellationToken;

pub use catalog::CatalogError;
pub use profiles::Profile;
pub use stream::Ending;
pub use tokens::{count_prompt, PromptMessage};

use crate::api::{
    error::ApiError,
    request::ChatRequest,
    wire::{ChunkWriter, FinishReason},
};
use catalog::Catalog;
use scenarios::Scenarios;
use schedule::Schedule;
use stream::Completion;

/// The demo's answers, loaded once.
#[derive(Debug)]
pub struct Demo {
    catalog: Catalog,
    scenarios: Scenarios,
}

impl Demo {
    /// Parses and tokenizes the embedded answers and scenarios.
    pub fn load() -> Result<Self, CatalogError> {
        let catalog = Catalog::embedded()?;
        let scenarios = Scenarios::embedded(&catalog)?;
        Ok(Self { catalog, scenarios })
    }

    /// Answers `request` as the simulated model `profile`. `guard` is held until the
    /// response is fully sent.
    pub async fn reply<G: Send + 'static>(
        &self,
        profile: &Profile,
        request: &ChatRequest,
        ending: Ending,
        shutdown: CancellationToken,
        guard: G,
    ) -> Result<Response, ApiError> {
        let requested_at = Instant::now();
        let text = self
            .scenarios
            .reply(&request.messages)
            .unwrap_or_else(|| self.catalog.pick(&request.prompt()));
        let tokens = request
            .max_tokens
            .map_or(text.token_count(), |limit| limit.min(text.token_count()));
        let completion = Completion {
            finish: if tokens < text.token_count() {
                FinishReason::Length
            } else {
                FinishReason::Stop
            },
            tokens,
            text,
            prompt_tokens: request.prompt_tokens(),
            include_usage: request.include_usage,
            usage_every_chunk: request.usage_every_chunk,
            schedule: Schedule::new(requested_at, profile, &mut fastrand::Rng::new()),
            chunks: ChunkWriter::new(&request.model),
            requested_at,
        };
        if request.stream {
            let body = stream::sse_body(completion, ending, shutdown, guard);
            return Ok((
                [
                    (header::CONTENT_TYPE, crate::sse::CONTENT_TYPE),
                    (header::CACHE_CONTROL, "no-cache"),
                ],
                body,
            )
                .into_response());
        }
        // A whole completion arrives when the last token would have been generated.
        let done_at = completion.schedule.due(completion.tokens.saturating_sub(1));
        tokio::select! {
            biased;
            () = shutdown.cancelled() => return Err(ApiError::ShuttingDown),
            () = sleep_until(done_at) => {}
        }
        let now = Instant::now();
        let content = completion.text.text_of_first(completion.tokens);
        let time_info = completion.time_info(Some(completion.schedule.first()), now);
        let body =
            completion
                .chunks
                .completion(content, completion.finish, completion.usage(), time_info);
        drop(guard);
        Ok(Json(body).into_response())
    }
}
