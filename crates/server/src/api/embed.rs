//! `GET /v1/embed`: the host origins an `/embed` frame takes postMessage commands from,
//! from the server's config, so no host page can widen them through the embed's URL.

use axum::{extract::State, Json};
use serde_json::{json, Value};

use crate::state::AppState;

pub async fn settings(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "hosts": state.config.effective_embed_hosts() }))
}
