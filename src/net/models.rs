//! An endpoint's model list: fetched with the key in a header (never in the URL), parsed by
//! the core.

use sparkplug_core::provider::models::ModelInfo;
use sparkplug_core::run::spec::Connection;
use web_sys::AbortSignal;

use super::get;

/// The models the endpoint offers; empty when it offers no list or cannot be reached (the
/// user can still type a model name).
pub async fn list(connection: &Connection, signal: Option<&AbortSignal>) -> Vec<ModelInfo> {
    match get::text(&connection.models_request(), signal).await {
        Ok(body) => connection.format().parse_models(&body).unwrap_or_default(),
        Err(_) => Vec::new(),
    }
}
