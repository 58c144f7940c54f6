//! Assembles the whole HTTP surface: API, health check and static files, and the
//! layers that wrap them.

use axum::{routing::get, Router};

use crate::{api, state::AppState, static_files};

pub fn build(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .nest("/v1", api::router(&state))
        .merge(static_files::app(&state.config.dist_dir))
        .with_state(state)
}
