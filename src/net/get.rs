//! Plain GETs with gloo-net: the body as text, any status outside 2xx an error. Header
//! values may hold an API key: they are never part of an error or a log.

use sparkplug_core::run::spec::Request;
use web_sys::AbortSignal;

/// Why a GET brought no body.
#[derive(Debug, thiserror::Error)]
pub enum GetError {
    #[error("{url} could not be reached ({detail})")]
    Unreachable { url: String, detail: String },
    #[error("{url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("the body of {url} could not be read ({detail})")]
    Body { url: String, detail: String },
}

/// GETs `request.url` with its headers; `signal` aborts it.
pub async fn text(request: &Request, signal: Option<&AbortSignal>) -> Result<String, GetError> {
    let url = &request.url;
    let mut builder = gloo_net::http::Request::get(url).abort_signal(signal);
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let response = builder
        .send()
        .await
        .map_err(|error| GetError::Unreachable {
            url: url.clone(),
            detail: error.to_string(),
        })?;
    if !response.ok() {
        return Err(GetError::Status {
            url: url.clone(),
            status: response.status(),
        });
    }
    response.text().await.map_err(|error| GetError::Body {
        url: url.clone(),
        detail: error.to_string(),
    })
}

/// A GET of one of this server's paths, without headers.
pub async fn ours(path: &str) -> Result<String, GetError> {
    let request = Request {
        url: path.to_owned(),
        headers: Vec::new(),
        body: None,
    };
    text(&request, None).await
}
