//! The one place the app calls `fetch`: a request sent with its headers, and a request that
//! got no response diagnosed for the core to explain (`run::reach`).
//!
//! `fetch` fails the same way for a wrong name, a refused connection, a blocked port, TLS
//! and CORS. So the page's own facts are gathered and, when they settle nothing, the same URL
//! is asked again with a plain `no-cors` GET, without headers (never the key): an answer to
//! that means the server is there and CORS withheld the real one.

use js_sys::Array;
use sparkplug_core::provider::request::Request;
use sparkplug_core::run::reach::Failed;
use sparkplug_core::run::TransportError;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortSignal, Headers, RequestCache, RequestCredentials, RequestInit, RequestMode, Response,
    Window,
};

/// How long the probe may take: a server that is there answers a GET at once.
const PROBE_MS: u32 = 5_000;

/// Sends `request`: a POST of its JSON body, or a GET when it has none. Header values may
/// hold an API key: never log them. `signal` aborts it (and the diagnosis).
pub async fn send(
    request: &Request,
    signal: Option<&AbortSignal>,
) -> Result<Response, TransportError> {
    let window = web_sys::window().ok_or_else(|| not_sent(request, "the page has no window"))?;
    let init = RequestInit::new();
    let headers = Headers::new().map_err(|_| not_sent(request, "no Headers in this browser"))?;
    if let Some(body) = &request.body {
        headers
            .set("content-type", "application/json")
            .map_err(|_| not_sent(request, "the content type was refused"))?;
        init.set_method("POST");
        init.set_body(&JsValue::from_str(body));
    }
    for (name, value) in &request.headers {
        headers
            .set(name, value)
            .map_err(|_| not_sent(request, format!("the header `{name}` is not valid")))?;
    }
    init.set_headers(&headers);
    if let Some(signal) = signal {
        init.set_signal(Some(signal));
    }
    let response = match JsFuture::from(window.fetch_with_str_and_init(&request.url, &init)).await {
        Ok(response) => response,
        Err(_) if aborted(signal) => return Err(TransportError::Aborted),
        Err(_) => return Err(diagnose(&window, request, signal).await),
    };
    response
        .dyn_into::<Response>()
        .map_err(|_| not_sent(request, "fetch returned something other than a Response"))
}

/// An error status's body and `Retry-After`, for the core to explain.
pub async fn status_error(response: &Response) -> TransportError {
    let body = match response.text() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .ok()
            .and_then(|t| t.as_string())
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    TransportError::Status {
        status: response.status(),
        body,
        retry_after: response.headers().get("retry-after").ok().flatten(),
    }
}

/// Reading a body that had begun failed.
pub fn interrupted(error: &JsValue, signal: Option<&AbortSignal>) -> TransportError {
    if aborted(signal) {
        TransportError::Aborted
    } else {
        TransportError::Interrupted {
            detail: js_message(error),
        }
    }
}

fn aborted(signal: Option<&AbortSignal>) -> bool {
    signal.is_some_and(AbortSignal::aborted)
}

/// Why `request` got no response, as far as the page can find out.
async fn diagnose(
    window: &Window,
    request: &Request,
    signal: Option<&AbortSignal>,
) -> TransportError {
    let online = window.navigator().on_line();
    if let Some(known) = with_failed(request, |failed| failed.settled(online)) {
        return TransportError::Unreachable(known);
    }
    let answered = probe(window, &request.url, signal).await;
    if aborted(signal) {
        return TransportError::Aborted;
    }
    TransportError::Unreachable(with_failed(request, |failed| failed.after_probe(answered)))
}

/// Gives `then` the core's view of `request` having failed on this page.
fn with_failed<T>(request: &Request, then: impl FnOnce(Failed<'_>) -> T) -> T {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    let secrets: Vec<&str> = request.headers.iter().map(|(_, v)| v.as_str()).collect();
    then(Failed {
        url: &request.url,
        page_origin: &origin,
        secrets: &secrets,
    })
}

/// Whether a plain GET of `url` (no headers, no credentials, an opaque answer) is answered
/// at all, within [`PROBE_MS`].
async fn probe(window: &Window, url: &str, signal: Option<&AbortSignal>) -> bool {
    let init = RequestInit::new();
    init.set_mode(RequestMode::NoCors);
    init.set_credentials(RequestCredentials::Omit);
    init.set_cache(RequestCache::NoStore);
    let signals = Array::of1(&AbortSignal::timeout_with_u32(PROBE_MS));
    if let Some(signal) = signal {
        signals.push(signal);
    }
    init.set_signal(Some(&AbortSignal::any(&signals)));
    JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .is_ok()
}

/// `request`'s URL as it may be shown (absolute, no credentials, query or key).
pub fn shown_url(request: &Request) -> String {
    with_failed(request, |failed| failed.shown_url())
}

fn not_sent(request: &Request, reason: impl Into<String>) -> TransportError {
    TransportError::Unreachable(with_failed(request, |failed| failed.not_sent(reason)))
}

/// The message of a thrown JS error, or its string form.
fn js_message(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "unknown error".into())
}
