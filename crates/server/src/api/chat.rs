//! `POST /v1/chat/completions`: validates the request and hands it to the backend its
//! model names.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, State},
    response::Response,
};

use super::{
    error::ApiError,
    request::{ChatRequest, JsonBody},
};
use crate::{
    demo::{Ending, Profile},
    state::AppState,
    test_models::TestModel,
};

pub async fn completions(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let request = ChatRequest::from_json(&body)?;
    let backend = Backend::resolve(&request.model, &state)
        .ok_or_else(|| ApiError::ModelNotFound(request.model.clone()))?;
    let permit = state.limiter.acquire(peer.ip())?;
    match backend {
        Backend::Demo(profile) => {
            state
                .demo
                .reply(
                    &profile,
                    &request,
                    Ending::Complete,
                    state.shutdown.clone(),
                    permit,
                )
                .await
        }
        Backend::Test(model) => model.reply(&state, &request, permit).await,
    }
}

/// What answers a model id.
enum Backend {
    Demo(Profile),
    Test(TestModel),
}

impl Backend {
    fn resolve(model: &str, state: &AppState) -> Option<Self> {
        if let Some(profile) = Profile::lookup(model) {
            return Some(Self::Demo(profile));
        }
        if state.config.enable_test_models {
            return TestModel::parse(model).map(Self::Test);
        }
        None
    }
}
