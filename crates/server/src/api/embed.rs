//! `GET /v1/embed`: the host origins an `/embed` frame takes postMessage commands from,
//! from the server's config, so no host page can widen them through the embed's URL.

use axum::{extract::State, Json};
use sparkplug_core::pages::embed::HostPolicy;

use crate::state::AppState;

pub async fn settings(State(state): State<AppState>) -> Json<HostPolicy> {
    Json(HostPolicy::new(state.config.effective_embed_hosts()))
}
