//! Forwards one chat request upstream and relays the answer as it arrives: the key added,
//! scrubbed from everything sent back, idle upstreams given up, recordings taken.

use std::{path::Path, time::Duration};

use axum::{
    body::Body,
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use bytes::Bytes;
use futures_util::{stream::BoxStream, StreamExt};
use serde_json::Value;
use tokio::time::{timeout, Instant};
use tokio_util::sync::CancellationToken;

use super::{secret::Scrubber, Upstream, Upstreams};
use crate::{api::error::ApiError, record::Recording, sse};

/// Upstream error bodies are read up to this size; providers' are far smaller.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Our own request fields, which providers would reject as unknown.
const OWN_FIELD_PREFIX: &str = "sparkplug_";

/// Sends `body` (a chat request whose model is `NAME/MODEL`) to `upstream` as `model`.
/// Nothing is sent to the client until the upstream's first bytes arrive, so a silent
/// upstream becomes a clean 504. `guard` lives as long as the response body.
pub async fn forward<G: Send + 'static>(
    upstreams: &Upstreams,
    upstream: &Upstream,
    model: &str,
    mut body: Value,
    record_dir: Option<&Path>,
    shutdown: CancellationToken,
    guard: G,
) -> Result<Response, ApiError> {
    if let (None, Some(env)) = (&upstream.key, &upstream.key_env) {
        return Err(ApiError::UpstreamKeyMissing {
            upstream: upstream.name.clone(),
            env: env.clone(),
        });
    }
    if let Some(fields) = body.as_object_mut() {
        fields.retain(|name, _| !name.starts_with(OWN_FIELD_PREFIX));
        fields.insert("model".into(), Value::String(model.to_owned()));
    }
    let mut request = upstreams
        .client
        .post(upstream.endpoint("/chat/completions"))
        .json(&body);
    if let Some(key) = &upstream.key {
        request = key.authorize(request);
    }
    let scrub = |text: &str| match &upstream.key {
        Some(key) => key.scrub_text(text),
        None => text.to_owned(),
    };
    let idle = upstreams.idle_timeout;
    let timed_out = || ApiError::UpstreamTimeout {
        upstream: upstream.name.clone(),
        seconds: idle.as_secs_f64(),
    };
    let unreachable = |error: reqwest::Error| ApiError::UpstreamUnreachable {
        upstream: upstream.name.clone(),
        message: scrub(&error.without_url().to_string()),
    };

    let sent_at = Instant::now();
    let response = tokio::select! {
        biased;
        () = shutdown.cancelled() => return Err(ApiError::ShuttingDown),
        result = timeout(idle, request.send()) => result.map_err(|_| timed_out())?.map_err(unreachable)?,
    };
    let status = response.status();
    let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
    let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
    let mut chunks = response.bytes_stream().boxed();
    let mut scrubber = upstream
        .key
        .as_ref()
        .map_or_else(Scrubber::none, |k| k.scrubber());

    if !status.is_success() {
        let text = read_error_body(&mut chunks, idle).await;
        return Ok(error_response(
            status,
            content_type,
            retry_after,
            &scrub(&text),
        ));
    }

    let first = tokio::select! {
        biased;
        () = shutdown.cancelled() => return Err(ApiError::ShuttingDown),
        next = timeout(idle, chunks.next()) => match next.map_err(|_| timed_out())? {
            Some(chunk) => Some(chunk.map_err(unreachable)?),
            None => None,
        },
    };
    let content_type = content_type.unwrap_or(HeaderValue::from_static(sse::CONTENT_TYPE));
    let is_sse = content_type
        .to_str()
        .is_ok_and(|v| v.starts_with(sse::CONTENT_TYPE));
    let recording = record_dir.and_then(|dir| {
        Recording::start(
            dir,
            &format!("{}/{model}", upstream.name),
            upstream.format.as_str(),
            content_type.to_str().unwrap_or(sse::CONTENT_TYPE),
            sent_at,
        )
    });
    let recording_name = recording.as_ref().map(|r| r.name().to_owned());
    let first = first.map(|bytes| {
        let out = scrubber.push(&bytes);
        if let Some(recording) = &recording {
            recording.chunk(&out);
        }
        out
    });
    let relay = Relay {
        upstream_name: upstream.name.clone(),
        first,
        chunks,
        scrubber,
        idle,
        shutdown,
        is_sse,
        recording,
        done: false,
        _guard: guard,
    };
    let body = Body::from_stream(futures_util::stream::unfold(
        relay,
        |mut relay| async move {
            let item = relay.next().await?;
            Some((item, relay))
        },
    ));
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Some(value) = recording_name.and_then(|n| HeaderValue::from_str(&n).ok()) {
        headers.insert("x-sparkplug-recording", value);
    }
    Ok(response)
}

/// Reads at most `MAX_ERROR_BODY` bytes of an upstream error, within the idle timeout.
async fn read_error_body(
    chunks: &mut BoxStream<'static, reqwest::Result<Bytes>>,
    idle: Duration,
) -> String {
    let mut body = Vec::new();
    while body.len() < MAX_ERROR_BODY {
        match timeout(idle, chunks.next()).await {
            Ok(Some(Ok(bytes))) => body.extend_from_slice(&bytes),
            _ => break,
        }
    }
    body.truncate(MAX_ERROR_BODY);
    String::from_utf8_lossy(&body).into_owned()
}

/// The upstream's error with its status: its JSON as sent (already scrubbed), or plain
/// text wrapped in OpenAI's error shape so clients can always read a message.
fn error_response(
    status: StatusCode,
    content_type: Option<HeaderValue>,
    retry_after: Option<HeaderValue>,
    text: &str,
) -> Response {
    let json: Option<Value> = serde_json::from_str(text).ok();
    let mut response = match json {
        Some(_) => (status, text.to_owned()).into_response(),
        None => {
            let message = if text.trim().is_empty() {
                format!("Upstream answered {status} with no body.")
            } else {
                text.trim().to_owned()
            };
            let body = serde_json::json!({
                "error": { "message": message, "type": "upstream_error", "param": null, "code": null }
            });
            (status, body.to_string()).into_response()
        }
    };
    let is_json = content_type
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        match (is_json, content_type) {
            (true, Some(value)) => value,
            _ => HeaderValue::from_static("application/json"),
        },
    );
    if let Some(value) = retry_after {
        headers.insert(header::RETRY_AFTER, value);
    }
    response
}

/// The body error that makes hyper abort a non-SSE response that cannot be finished.
#[derive(Debug, thiserror::Error)]
#[error("upstream response ended abnormally")]
struct Aborted;

/// Relays upstream chunks one by one, so the client's pace is the upstream's pace
/// (backpressure), and dropping the body drops the upstream request.
struct Relay<G> {
    upstream_name: String,
    first: Option<Bytes>,
    chunks: BoxStream<'static, reqwest::Result<Bytes>>,
    scrubber: Scrubber,
    idle: Duration,
    shutdown: CancellationToken,
    is_sse: bool,
    recording: Option<Recording>,
    done: bool,
    _guard: G,
}

impl<G> Relay<G> {
    async fn next(&mut self) -> Option<Result<Bytes, Aborted>> {
        if let Some(first) = self.first.take().filter(|b| !b.is_empty()) {
            return Some(Ok(first));
        }
        while !self.done {
            let next = tokio::select! {
                biased;
                () = self.shutdown.cancelled() => {
                    return self.end_with(sse::shutdown_event());
                }
                next = timeout(self.idle, self.chunks.next()) => next,
            };
            match next {
                Ok(Some(Ok(bytes))) => {
                    let out = self.scrubber.push(&bytes);
                    if let Some(recording) = &self.recording {
                        recording.chunk(&out);
                    }
                    if !out.is_empty() {
                        return Some(Ok(out));
                    }
                }
                Ok(None) => {
                    self.done = true;
                    let tail = self.scrubber.finish();
                    return (!tail.is_empty()).then_some(Ok(tail));
                }
                Ok(Some(Err(_))) => {
                    let message = format!("upstream `{}` failed mid-stream", self.upstream_name);
                    return self.end_with(sse::error_event(&message, "upstream_error"));
                }
                Err(_) => {
                    let message = format!(
                        "upstream `{}` sent nothing for {} s",
                        self.upstream_name,
                        self.idle.as_secs_f64()
                    );
                    return self.end_with(sse::error_event(&message, "upstream_timeout"));
                }
            }
        }
        None
    }

    /// Ends the body: with a final error event for SSE, by aborting otherwise (a JSON
    /// body cannot carry an event, and a clean end would look complete).
    fn end_with(&mut self, event: Bytes) -> Option<Result<Bytes, Aborted>> {
        self.done = true;
        if !self.is_sse {
            return Some(Err(Aborted));
        }
        let mut out = self.scrubber.finish().to_vec();
        out.extend_from_slice(&event);
        Some(Ok(Bytes::from(out)))
    }
}
