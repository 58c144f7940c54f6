//! Plain GETs: the body as text, any status outside 2xx an error, both in the core's
//! `TransportError` (so an unreachable server is diagnosed like a run's endpoint).

use sparkplug_core::provider::request::Request;
use sparkplug_core::run::TransportError;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

use super::fetch::{interrupted, send, status_error};

/// GETs `request.url` with its headers (a request without a body, such as a model list);
/// `signal` aborts it.
pub async fn text(
    request: &Request,
    signal: Option<&AbortSignal>,
) -> Result<String, TransportError> {
    let response = send(request, signal).await?;
    if !response.ok() {
        return Err(status_error(&response).await);
    }
    let body = response.text().map_err(|e| interrupted(&e, signal))?;
    JsFuture::from(body)
        .await
        .map_err(|e| interrupted(&e, signal))?
        .as_string()
        .ok_or_else(|| TransportError::Interrupted {
            detail: "the body is not text".into(),
        })
}

/// A GET of one of this server's paths, without headers.
pub async fn ours(path: &str) -> Result<String, TransportError> {
    let request = Request {
        url: path.to_owned(),
        headers: Vec::new(),
        body: None,
    };
    text(&request, None).await
}
