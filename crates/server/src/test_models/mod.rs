//! Models for the browser's error-path tests, off unless `enable_test_models` is set:
//! fixture replays, provider error statuses, cut and stalled streams.

mod fixture;
mod provider_error;

use axum::response::Response;

use crate::{
    api::{error::ApiError, request::ChatRequest},
    demo::{Ending, Profile},
    state::AppState,
};

/// A parsed `test/...` model id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestModel {
    /// `test/fixture/<path>`: replay that file byte for byte.
    Fixture(String),
    /// `test/error/<status>`: answer with that status and a provider-like error body.
    Error(u16),
    /// `test/cut/<n>`: stream a demo answer and drop the connection after n tokens.
    Cut(usize),
    /// `test/stall/<n>`: stream n tokens, then send nothing more but stay connected.
    Stall(usize),
}

impl TestModel {
    pub fn parse(model: &str) -> Option<Self> {
        let rest = model.strip_prefix("test/")?;
        let (kind, argument) = rest.split_once('/')?;
        match kind {
            "fixture" if !argument.is_empty() => Some(Self::Fixture(argument.to_owned())),
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
        request: &ChatRequest,
        guard: G,
    ) -> Result<Response, ApiError> {
        let ending = match *self {
            Self::Fixture(ref path) => {
                return fixture::replay(
                    &state.config.fixtures_dir,
                    path,
                    request.replay,
                    state.shutdown.clone(),
                    guard,
                )
                .await
            }
            Self::Error(status) => return provider_error::respond(status),
            Self::Cut(n) => Ending::CutAfter(n),
            Self::Stall(n) => Ending::StallAfter(n),
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
        state
            .demo
            .reply(&profile, request, ending, state.shutdown.clone(), guard)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_kind_and_rejects_the_rest() {
        assert_eq!(
            TestModel::parse("test/fixture/openai-chat/a.sse"),
            Some(TestModel::Fixture("openai-chat/a.sse".into()))
        );
        assert_eq!(
            TestModel::parse("test/error/429"),
            Some(TestModel::Error(429))
        );
        assert_eq!(TestModel::parse("test/cut/10"), Some(TestModel::Cut(10)));
        assert_eq!(TestModel::parse("test/stall/0"), Some(TestModel::Stall(0)));
        for bad in [
            "test/fixture/",
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
