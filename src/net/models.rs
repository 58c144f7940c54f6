//! Fetching an endpoint's model list (`GET /v1/models`); the body is parsed by the core.

use sparkplug_core::models::{parse_model_list, ModelInfo};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::Response;

/// The models the endpoint at `base_url` offers; an empty list when it offers none or fails.
pub async fn list(base_url: &str) -> Vec<ModelInfo> {
    let Some(window) = web_sys::window() else {
        return Vec::new();
    };
    let url = format!("{}/models", base_url.trim_end_matches('/'));
    let Ok(response) = JsFuture::from(window.fetch_with_str(&url)).await else {
        return Vec::new();
    };
    let Ok(response) = response.dyn_into::<Response>() else {
        return Vec::new();
    };
    if !response.ok() {
        return Vec::new();
    }
    let Ok(text) = response.text() else {
        return Vec::new();
    };
    let text = JsFuture::from(text)
        .await
        .ok()
        .and_then(|t| t.as_string())
        .unwrap_or_default();
    parse_model_list(&text).unwrap_or_default()
}
