//! Plain GETs with gloo-net: the body as text, any status outside 2xx an error. Header
//! values may hold an API key: they are never part of an error or a log.

use sparkplug_core::provider::request::Request;
use web_sys::AbortSignal;

/// Why a GET brought no body. The browser's own reason is kept as the source, but not put
/// into the message: it is rarely more than "Failed to fetch", and formatting it costs code.
#[derive(Debug, thiserror::Error)]
pub enum GetError {
    #[error("{url} could not be reached")]
    Unreachable {
        url: String,
        source: gloo_net::Error,
    },
    #[error("{url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("the body of {url} could not be read")]
    Body {
        url: String,
        source: gloo_net::Error,
    },
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
        .map_err(|source| GetError::Unreachable {
            url: url.clone(),
            source,
        })?;
    if !response.ok() {
        return Err(GetError::Status {
            url: url.clone(),
            status: response.status(),
        });
    }
    response.text().await.map_err(|source| GetError::Body {
        url: url.clone(),
        source,
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
