//! The OpenAI-compatible API under `/v1`: routes, the cross-site guard, and JSON errors
//! for every request that does not fit them (unknown URL, wrong method).

mod chat;
mod cross_site;
mod demo_reply;
mod embed;
mod kiosk;
mod models;
pub mod request;
mod test_models;
mod wire;

use axum::{
    extract::{DefaultBodyLimit, OriginalUri},
    http::Method,
    middleware,
    routing::{get, post, MethodRouter},
    Router,
};

use crate::{error::ApiError, state::AppState};

/// Everything under `/v1`.
pub fn router(state: &AppState) -> Router<AppState> {
    let mut router = Router::new()
        .route("/chat/completions", only("POST", post(chat::completions)))
        .route("/models", only("GET", get(models::list)))
        .route("/kiosk", only("GET", get(kiosk::settings)))
        .route("/embed", only("GET", get(embed::settings)));
    if state.config.enable_test_models {
        // Anthropic's and OpenAI Responses' paths, for fixture replays in those formats.
        for path in ["/messages", "/responses"] {
            router = router.route(path, only("POST", post(test_models::other_format)));
        }
    }
    router
        .fallback(|method: Method, OriginalUri(uri): OriginalUri| async move {
            ApiError::UnknownUrl {
                method: method.to_string(),
                path: uri.path().chars().take(200).collect(),
            }
        })
        .layer(DefaultBodyLimit::max(state.config.body_limit))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            cross_site::guard,
        ))
}

/// Ollama's native paths, for fixture replays in its NDJSON format (test models only).
pub fn ollama_test_routes(state: &AppState) -> Router<AppState> {
    let mut router = Router::new();
    for path in ["/api/chat", "/api/generate"] {
        router = router.route(path, post(test_models::other_format));
    }
    router
        .layer(DefaultBodyLimit::max(state.config.body_limit))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            cross_site::guard,
        ))
}

/// Answers any other method on this route with a JSON 405 naming the allowed one.
fn only(allowed: &'static str, route: MethodRouter<AppState>) -> MethodRouter<AppState> {
    route.fallback(
        move |method: Method, OriginalUri(uri): OriginalUri| async move {
            ApiError::MethodNotAllowed {
                method: method.to_string(),
                path: uri.path().chars().take(200).collect(),
                allowed,
            }
        },
    )
}
