//! Fetching an endpoint's model list; the body is parsed by the core. The API key goes in
//! a header only, never in the URL.

use sparkplug_core::provider::models::ModelInfo;
use sparkplug_core::provider::ApiFormat;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestInit, Response};

/// The models the endpoint offers; empty when it offers no list or cannot be reached (the
/// user can still type a model name).
pub async fn list(base_url: &str, format: ApiFormat, api_key: Option<&str>) -> Vec<ModelInfo> {
    fetch_list(base_url, format, api_key)
        .await
        .unwrap_or_default()
}

async fn fetch_list(
    base_url: &str,
    format: ApiFormat,
    api_key: Option<&str>,
) -> Option<Vec<ModelInfo>> {
    let window = web_sys::window()?;
    let request = format.models_request(base_url, api_key);
    let headers = Headers::new().ok()?;
    for (name, value) in &request.headers {
        headers.set(name, value).ok()?;
    }
    let init = RequestInit::new();
    init.set_headers(&headers);
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(&request.url, &init))
        .await
        .ok()?
        .dyn_into()
        .ok()?;
    if !response.ok() {
        return None;
    }
    let text = JsFuture::from(response.text().ok()?)
        .await
        .ok()?
        .as_string()?;
    format.parse_models(&text).ok()
}
