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
};

pub async fn completions(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let request = ChatRequest::from_json(&body)?;
    let profile = Profile::lookup(&request.model)
        .ok_or_else(|| ApiError::ModelNotFound(request.model.clone()))?;
    let permit = state.limiter.acquire(peer.ip())?;
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
