//! `POST /v1/chat/completions`: validates the request and hands it to the backend its
//! model names.

use std::{net::SocketAddr, path::Path, sync::Arc};

use axum::{
    extract::{ConnectInfo, State},
    response::Response,
};

use super::{
    demo_reply,
    request::{ChatRequest, JsonBody},
    test_models::TestModel,
};
use crate::{
    demo::{Ending, Profile},
    error::ApiError,
    proxy::{self, Upstream},
    record::{self, REPLAY_PREFIX},
    state::AppState,
};

pub async fn completions(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let request = Arc::new(ChatRequest::from_json(&body)?);
    let backend = Backend::resolve(&request.model, &state)
        .ok_or_else(|| ApiError::ModelNotFound(request.model.clone()))?;
    let permit = state.limiter.acquire(peer.ip())?;
    match backend {
        Backend::Demo(profile) => {
            demo_reply::reply(
                &state,
                &profile,
                Arc::clone(&request),
                Ending::Complete,
                permit,
            )
            .await
        }
        Backend::Test(model) => model.reply(&state, Arc::clone(&request), permit).await,
        Backend::Replay(dir, name) => record::play(dir, name, state.shutdown.clone(), permit).await,
        Backend::Upstream(upstream, model) => {
            proxy::forward(
                &state.upstreams,
                upstream,
                model,
                body,
                state.recorder.as_ref(),
                state.shutdown.clone(),
                permit,
            )
            .await
        }
    }
}

/// What answers a model id, in the order tried: demo profiles, test models (when
/// enabled), recordings (when a replay directory is set), then upstreams by name.
enum Backend<'a> {
    Demo(Profile),
    Test(TestModel),
    Replay(&'a Path, &'a str),
    Upstream(&'a Upstream, &'a str),
}

impl<'a> Backend<'a> {
    fn resolve(model: &'a str, state: &'a AppState) -> Option<Self> {
        if let Some(profile) = Profile::lookup(model) {
            return Some(Self::Demo(profile));
        }
        if state.config.enable_test_models {
            if let Some(test) = TestModel::parse(model) {
                return Some(Self::Test(test));
            }
        }
        if let (Some(name), Some(dir)) = (
            model.strip_prefix(REPLAY_PREFIX),
            state.config.replay_dir.as_deref(),
        ) {
            return Some(Self::Replay(dir, name));
        }
        let (upstream, upstream_model) = state.upstreams.resolve(model)?;
        Some(Self::Upstream(upstream, upstream_model))
    }
}
