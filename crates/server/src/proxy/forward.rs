//! Forwards one chat request upstream and relays the answer as it arrives: only known
//! fields sent, the key added and scrubbed from everything sent back, only JSON or SSE
//! relayed, idle upstreams given up, recordings taken.

use std::time::Duration;

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
use crate::{
    error::ApiError,
    record::{Recorder, Recording},
    sse,
};

/// Upstream error bodies are read up to this size; providers' are far smaller.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// The chat-completion fields forwarded upstream. Others are dropped: our own
/// `sparkplug_*` fields, and ones that multiply or attribute the operator's spend
/// (`n`, `user`, `store`, `metadata`, `service_tier`, …).
const FORWARDED_FIELDS: &[&str] = &[
    "model",
    "messages",
    "stream",
    "stream_options",
    "max_tokens",
    "max_completion_tokens",
    "temperature",
    "top_p",
    "stop",
    "presence_penalty",
    "frequency_penalty",
    "seed",
    "response_format",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "logprobs",
    "top_logprobs",
    "reasoning_effort",
];

/// The body sent upstream: known fields only, the bare model, and the token limit
/// capped where the upstream has a cap.
fn upstream_body(mut body: Value, upstream: &Upstream, model: &str) -> Value {
    if let Some(fields) = body.as_object_mut() {
        fields.retain(|name, _| FORWARDED_FIELDS.contains(&name.as_str()));
        fields.insert("model".into(), Value::String(model.to_owned()));
        if let Some(cap) = upstream.max_tokens {
            let asked = ["max_completion_tokens", "max_tokens"]
                .iter()
                .filter_map(|name| fields.get(*name).and_then(Value::as_u64))
                .min();
            let limit = asked.map_or(cap, |asked| asked.min(cap));
            let name = if fields.contains_key("max_completion_tokens") {
                "max_completion_tokens"
            } else {
                "max_tokens"
            };
            fields.remove("max_tokens");
            fields.remove("max_completion_tokens");
            fields.insert(name.into(), Value::from(limit));
        }
    }
    body
}

/// The media type an answer may be relayed with: SSE or JSON, nothing a browser would
/// render as a page on the app's origin.
fn relayable(content_type: &str) -> Option<&'static str> {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if essence.eq_ignore_ascii_case(sse::CONTENT_TYPE) {
        Some(sse::CONTENT_TYPE)
    } else if essence.eq_ignore_ascii_case("application/json") {
        Some("application/json")
    } else {
        None
    }
}

/// Sends `body` (a chat request whose model is `NAME/MODEL`) to `upstream` as `model`.
/// Nothing is sent to the client until the upstream's first bytes arrive, so a silent
/// upstream becomes a clean 504. `guard` lives as long as the response body.
pub async fn forward<G: Send + 'static>(
    upstreams: &Upstreams,
    upstream: &Upstream,
    model: &str,
    body: Value,
    recorder: Option<&Recorder>,
    shutdown: CancellationToken,
    guard: G,
) -> Result<Response, ApiError> {
    if let (None, Some(env)) = (&upstream.key, &upstream.key_env) {
        return Err(ApiError::UpstreamKeyMissing {
            upstream: upstream.name.clone(),
            env: env.clone(),
        });
    }
    let body = upstream_body(body, upstream, model);
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
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    // The one upstream header passed on, and only as the number of seconds it should be.
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 10 && v.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|v| HeaderValue::from_str(v).ok());
    let mut chunks = response.bytes_stream().boxed();
    let mut scrubber = upstream
        .key
        .as_ref()
        .map_or_else(Scrubber::none, |k| k.scrubber());

    if !status.is_success() {
        let text = read_error_body(&mut chunks, idle).await;
        return Ok(error_response(status, retry_after, &scrub(&text)));
    }
    let Some(content_type) = content_type.as_deref().and_then(relayable) else {
        return Err(ApiError::UpstreamBadType {
            upstream: upstream.name.clone(),
            status: status.as_u16(),
            content_type: scrub(&content_type.unwrap_or_else(|| "none".into()))
                .chars()
                .take(100)
                .collect(),
        });
    };

    let first = tokio::select! {
        biased;
        () = shutdown.cancelled() => return Err(ApiError::ShuttingDown),
        next = timeout(idle, chunks.next()) => match next.map_err(|_| timed_out())? {
            Some(chunk) => Some(chunk.map_err(unreachable)?),
            None => None,
        },
    };
    let is_sse = content_type == sse::CONTENT_TYPE;
    let recording = recorder.and_then(|recorder| {
        recorder.start(
            &format!("{}/{model}", upstream.name),
            upstream.format.as_str(),
            content_type,
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
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
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

/// The upstream's error with its status, always as JSON: its JSON as sent (already
/// scrubbed), or any other text wrapped in OpenAI's error shape so clients can always
/// read a message and no upstream page is ever served on the app's origin.
fn error_response(status: StatusCode, retry_after: Option<HeaderValue>, text: &str) -> Response {
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
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::config::{Config, UpstreamConfig};

    fn upstream(max_tokens: Option<u64>) -> Upstreams {
        Upstreams::new(&Config {
            upstreams: vec![UpstreamConfig {
                name: "up".into(),
                base_url: "http://127.0.0.1:9/v1".into(),
                max_tokens,
                ..UpstreamConfig::default()
            }],
            ..Config::default()
        })
        .expect("valid")
    }

    #[test]
    fn forwards_known_fields_only_with_the_token_cap() {
        let upstreams = upstream(Some(100));
        let (up, model) = upstreams.resolve("up/m").expect("resolves");
        let body = json!({"model": "up/m", "messages": [], "n": 8, "user": "x",
            "sparkplug_chunk_bytes": 3, "temperature": 0.1, "max_tokens": 5000});
        let sent = upstream_body(body, up, model);
        assert_eq!(
            sent,
            json!({"model": "m", "messages": [], "temperature": 0.1, "max_tokens": 100})
        );
        let sent = upstream_body(json!({"max_completion_tokens": 7}), up, model);
        assert_eq!(sent, json!({"model": "m", "max_completion_tokens": 7}));
        let sent = upstream_body(json!({}), up, model);
        assert_eq!(sent, json!({"model": "m", "max_tokens": 100}));
    }

    #[test]
    fn relays_only_sse_and_json() {
        assert_eq!(
            relayable("text/event-stream; charset=utf-8"),
            Some("text/event-stream")
        );
        assert_eq!(relayable("Application/JSON"), Some("application/json"));
        for other in ["text/html", "", "application/x-ndjson", "text/plain"] {
            assert_eq!(relayable(other), None, "{other}");
        }
    }
}
