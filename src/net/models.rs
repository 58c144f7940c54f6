//! An endpoint's model list: fetched with the key in a header (never in the URL), timed, and
//! read by the core, for the model picker and for Test connection.

use sparkplug_core::provider::check::ConnectionCheck;
use sparkplug_core::provider::models::ModelInfo;
use sparkplug_core::run::spec::Connection;
use web_sys::AbortSignal;

use super::{fetch, get};
use crate::live::now_ms;

/// Asks the endpoint for its model list: the models and the round trip, or why not.
pub async fn check(connection: &Connection, signal: Option<&AbortSignal>) -> ConnectionCheck {
    let request = connection.models_request();
    let started = now_ms();
    let reply = get::text(&request, signal).await;
    let latency_ms = now_ms() - started;
    ConnectionCheck::new(
        connection.format(),
        &fetch::shown_url(&request),
        reply,
        latency_ms,
    )
}

/// The models the endpoint offers; empty when it offers no list or cannot be reached (the
/// user can still type a model name).
pub async fn list(connection: &Connection, signal: Option<&AbortSignal>) -> Vec<ModelInfo> {
    check(connection, signal).await.into_models()
}
