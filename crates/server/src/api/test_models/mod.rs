//! Models for the browser's error-path tests, off unless `enable_test_models` is set:
//! fixture replays (in every API format's route), provider error statuses, cut and
//! stalled streams, and a handler that panics.

mod fixture;
mod provider_error;

use std::{net::SocketAddr, sync::Arc};

use axum::{
    extract::{ConnectInfo, State},
    response::Response,
};

use super::{
    demo_reply,
    request::{checked_model, ChatRequest, JsonBody, ReplayOptions},
};
use crate::{
    demo::{Ending, Profile},
    error::ApiError,
    state::AppState,
};

/// A parsed `test/...` model id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestModel {
    /// `test/fixture/<path>`: replay that file byte for byte; `test/fixture@<n>/<path>`
    /// slices it in n-byte chunks instead of the default, so long recordings replay fast.
    Fixture {
        path: String,
        chunk_bytes: Option<usize>,
    },
    /// `test/error/<status>`: answer with that status and a provider-like error body.
    Error(u16),
    /// `test/cut/<n>`: stream a demo answer and drop the connection after n tokens.
    Cut(usize),
    /// `test/stall/<n>`: stream n tokens, then send nothing more but stay connected.
    Stall(usize),
    /// `test/panic`: the handler panics, to prove a panic costs one request only.
    Panic,
}

impl TestModel {
    pub fn parse(model: &str) -> Option<Self> {
        let rest = model.strip_prefix("test/")?;
        if rest == "panic" {
            return Some(Self::Panic);
        }
        let (kind, argument) = rest.split_once('/')?;
        if let Some(size) = kind.strip_prefix("fixture@") {
            let chunk_bytes = size.parse().ok().filter(|&n| n > 0)?;
            return (!argument.is_empty()).then(|| Self::Fixture {
                path: argument.to_owned(),
                chunk_bytes: Some(chunk_bytes),
            });
        }
        match kind {
            "fixture" if !argument.is_empty() => Some(Self::Fixture {
                path: argument.to_owned(),
                chunk_bytes: None,
            }),
            "error" => argument.parse().ok().map(Self::Error),
            "cut" => argument.parse().ok().map(Self::Cut),
            "stall" => argument.parse().ok().map(Self::Stall),
            _ => None,
        }
    }

    /// Answers `request`; `guard` is held until the response is fully sent.
    pub async fn reply<G: Send + 'static>(
        &self,
        state: &AppState,
        request: Arc<ChatRequest>,
        guard: G,
    ) -> Result<Response, ApiError> {
        let ending = match *self {
            Self::Fixture {
                ref path,
                chunk_bytes,
            } => {
                let options = ReplayOptions {
                    chunk_bytes: chunk_bytes.unwrap_or(request.replay.chunk_bytes),
                    ..request.replay
                };
                return fixture::replay(
                    &state.config.fixtures_dir,
                    path,
                    options,
                    state.shutdown.clone(),
                    guard,
                )
                .await;
            }
            Self::Error(status) => return provider_error::respond(status),
            Self::Cut(n) => Ending::CutAfter(n),
            Self::Stall(n) => Ending::StallAfter(n),
            Self::Panic => panic!("test/panic asked for a panic"),
        };
        if !request.stream {
            return Err(ApiError::InvalidParam {
                param: Some("stream".into()),
                message: format!(
                    "The model `{}` only streams; set stream: true.",
                    request.model
                ),
            });
        }
        // Cut and stalled streams are paced like the Cerebras-speed demo model.
        let profile = Profile::lookup("demo-1000")
            .ok_or_else(|| ApiError::ModelNotFound(request.model.clone()))?;
        demo_reply::reply(state, &profile, request, ending, guard).await
    }
}

/// The Anthropic, OpenAI Responses and Ollama routes, which exist only for tests: they
/// replay fixtures and return provider errors, so the browser can be tested on every
/// format our demo models do not speak. They count against the client's stream limit.
pub async fn other_format(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let model = checked_model(body.get("model").and_then(|m| m.as_str()))?;
    let permit = state.limiter.acquire(peer.ip())?;
    match TestModel::parse(model) {
        Some(TestModel::Fixture { path, chunk_bytes }) => {
            let options = ReplayOptions {
                chunk_bytes: chunk_bytes.unwrap_or(ReplayOptions::default().chunk_bytes),
                ..ReplayOptions::default()
            };
            fixture::replay(
                &state.config.fixtures_dir,
                &path,
                options,
                state.shutdown.clone(),
                permit,
            )
            .await
        }
        Some(TestModel::Error(status)) => provider_error::respond(status),
        _ => Err(ApiError::ModelNotFound(model.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_kind_and_rejects_the_rest() {
        assert_eq!(
            TestModel::parse("test/fixture/openai-chat/a.sse"),
            Some(TestModel::Fixture {
                path: "openai-chat/a.sse".into(),
                chunk_bytes: None
            })
        );
        assert_eq!(
            TestModel::parse("test/fixture@61/groq/b.sse"),
            Some(TestModel::Fixture {
                path: "groq/b.sse".into(),
                chunk_bytes: Some(61)
            })
        );
        assert_eq!(
            TestModel::parse("test/error/429"),
            Some(TestModel::Error(429))
        );
        assert_eq!(TestModel::parse("test/cut/10"), Some(TestModel::Cut(10)));
        assert_eq!(TestModel::parse("test/stall/0"), Some(TestModel::Stall(0)));
        assert_eq!(TestModel::parse("test/panic"), Some(TestModel::Panic));
        for bad in [
            "test/fixture/",
            "test/fixture@0/a.sse",
            "test/fixture@x/a.sse",
            "test/fixture@9/",
            "test/error/abc",
            "test/cut/-1",
            "test/other/1",
            "demo-5",
            "test/cut",
        ] {
            assert_eq!(TestModel::parse(bad), None, "{bad}");
        }
    }
}
