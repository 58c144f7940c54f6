//! The OpenAI-compatible API under `/v1`: routes, and JSON errors for every request that
//! does not fit them (unknown URL, wrong method), instead of axum's plain-text defaults.

pub mod chat;
pub mod embed;
pub mod error;
pub mod kiosk;
pub mod models;
pub mod request;
pub mod wire;

use axum::{
    extract::{DefaultBodyLimit, OriginalUri},
    http::Method,
    routing::{get, post, MethodRouter},
    Router,
};

use crate::{state::AppState, test_models};
use error::ApiError;

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
                path: uri.path().to_owned(),
            }
        })
        .layer(DefaultBodyLimit::max(state.config.body_limit))
}

/// Answers any other method on this route with a JSON 405 naming the allowed one.
fn only(allowed: &'static str, route: MethodRouter<AppState>) -> MethodRouter<AppState> {
    route.fallback(
        move |method: Method, OriginalUri(uri): OriginalUri| async move {
            ApiError::MethodNotAllowed {
                method: method.to_string(),
                path: uri.path().to_owned(),
                allowed,
            }
        },
    )
}
