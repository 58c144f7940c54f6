//! The key-holding proxy against real upstreams on loopback: a second instance of this
//! server, or a small axum app that checks what the proxy sent.

mod common;

use std::{
    path::PathBuf,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    body::Body,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing, Json, Router,
};
use common::*;
use serde_json::{json, Value};
use sparkplug_server::{Running, UpstreamConfig};

const PLAIN: &str = "openai-chat/openai-python_gpt-4o_plain-text_include-usage.sse";

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/streams")
}

fn upstream(name: &str, addr: std::net::SocketAddr, key_env: Option<&str>) -> UpstreamConfig {
    UpstreamConfig {
        name: name.into(),
        base_url: format!("http://{addr}/v1"),
        api_key_env: key_env.map(str::to_owned),
        ..UpstreamConfig::default()
    }
}

/// A second instance of our server, with the test models, as the upstream.
async fn our_upstream() -> Running {
    serve(|c| {
        c.enable_test_models = true;
        c.fixtures_dir = fixtures();
    })
    .await
}

/// A port nothing listens on.
fn closed_port() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr")
}

async fn body_bytes(response: reqwest::Response) -> Vec<u8> {
    response.bytes().await.expect("body").to_vec()
}

fn sse_response(chunks: Vec<&'static str>) -> Response {
    let chunks = chunks.into_iter().map(Ok::<_, std::io::Error>);
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from_stream(futures_util::stream::iter(chunks)))
        .expect("response")
}

#[tokio::test]
async fn proxied_stream_equals_direct_stream() {
    let up = our_upstream().await;
    let proxy = serve(|c| c.upstreams = vec![upstream("up", up.addr(), None)]).await;

    let fixture_model = format!("test/fixture/{PLAIN}");
    let direct = body_bytes(post(&up, &chat_body(&fixture_model, "hi")).await).await;
    let response = post(&proxy, &chat_body(&format!("up/{fixture_model}"), "hi")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let proxied = body_bytes(response).await;
    assert_eq!(proxied, direct);
    assert_eq!(
        proxied,
        std::fs::read(fixtures().join(PLAIN)).expect("fixture")
    );

    // Demo answers differ only in ids and timings: same text, same usage.
    let prompt = "Write a Snake game in HTML and JavaScript";
    let (direct, _) = read_events(post(&up, &chat_body("demo-max", prompt)).await).await;
    let (proxied, clean) = read_events(post(&proxy, &chat_body("up/demo-max", prompt)).await).await;
    assert!(clean);
    assert_eq!(content(&proxied), content(&direct));
    let usage = |events: &[Event]| events[events.len() - 2].json()["usage"].clone();
    assert_eq!(usage(&proxied), usage(&direct));
    assert_eq!(
        proxied[0].json()["model"],
        "demo-max",
        "the upstream saw the bare model"
    );
}

type Seen = Arc<Mutex<Vec<(Option<String>, Value)>>>;

#[tokio::test]
async fn adds_the_key_rewrites_the_model_and_never_echoes_the_key() {
    const KEY: &str = "sk-test-proxy-key-2f9a";
    std::env::set_var("SPARKPLUG_TEST_KEY_ECHO", KEY);
    let seen = Seen::default();
    let record = seen.clone();
    let router = Router::new().route(
        "/v1/chat/completions",
        routing::post(move |headers: HeaderMap, Json(body): Json<Value>| {
            let record = record.clone();
            async move {
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                record.lock().expect("seen").push((auth, body));
                // A careless upstream that echoes the key, split over two chunks.
                sse_response(vec![
                    "data: {\"choices\":[{\"delta\":{\"content\":\"key sk-test-pro",
                    "xy-key-2f9a here\"}}]}\n\ndata: [DONE]\n\n",
                ])
            }
        }),
    );
    let addr = tiny_upstream(router).await;
    let proxy = serve(|c| {
        c.upstreams = vec![upstream("echo", addr, Some("SPARKPLUG_TEST_KEY_ECHO"))];
    })
    .await;

    let mut body = chat_body("echo/gpt-4o", "hi");
    body["sparkplug_chunk_bytes"] = json!(9);
    body["temperature"] = json!(0.5);
    let response = post(&proxy, &body).await;
    assert_eq!(response.status(), 200);
    let text = String::from_utf8(body_bytes(response).await).expect("utf8");
    assert!(!text.contains(KEY), "{text}");
    assert!(text.contains("key [REDACTED] here"), "{text}");

    let seen = seen.lock().expect("seen").clone();
    let (auth, sent) = &seen[0];
    assert_eq!(auth.as_deref(), Some(format!("Bearer {KEY}").as_str()));
    assert_eq!(sent["model"], "gpt-4o");
    assert_eq!(sent["temperature"], 0.5, "other fields pass through");
    assert!(
        sent.get("sparkplug_chunk_bytes").is_none(),
        "our own fields are stripped"
    );
}

#[tokio::test]
async fn scrubs_the_key_from_upstream_errors_and_keeps_their_status() {
    const KEY: &str = "sk-test-error-key-77c1";
    std::env::set_var("SPARKPLUG_TEST_KEY_ERROR", KEY);
    let router = Router::new().route(
        "/v1/chat/completions",
        routing::post(|headers: HeaderMap| async move {
            let auth = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let given = auth.trim_start_matches("Bearer ");
            let body = json!({"error": {
                "message": format!("Incorrect API key provided: {given}."),
                "type": "invalid_request_error", "param": null, "code": "invalid_api_key"
            }});
            (StatusCode::UNAUTHORIZED, [("retry-after", "3")], Json(body)).into_response()
        }),
    );
    let addr = tiny_upstream(router).await;
    let proxy = serve(|c| {
        c.upstreams = vec![upstream("bad", addr, Some("SPARKPLUG_TEST_KEY_ERROR"))];
    })
    .await;
    let response = post(&proxy, &chat_body("bad/gpt-4o", "hi")).await;
    assert_eq!(response.headers()["retry-after"], "3");
    let error = error_of(response, 401).await;
    assert_eq!(error["code"], "invalid_api_key");
    assert_eq!(error["message"], "Incorrect API key provided: [REDACTED].");
}

#[tokio::test]
async fn plain_text_upstream_errors_are_wrapped_as_json() {
    let router = Router::new().route(
        "/v1/chat/completions",
        routing::post(|| async { (StatusCode::BAD_GATEWAY, "upstream proxy exploded") }),
    );
    let addr = tiny_upstream(router).await;
    let proxy = serve(|c| c.upstreams = vec![upstream("plain", addr, None)]).await;
    let error = error_of(post(&proxy, &chat_body("plain/x", "hi")).await, 502).await;
    assert_eq!(error["message"], "upstream proxy exploded");
}

#[tokio::test]
async fn a_missing_key_says_which_variable_to_set() {
    let up = our_upstream().await;
    let proxy = serve(|c| {
        c.upstreams = vec![upstream(
            "nokey",
            up.addr(),
            Some("SPARKPLUG_TEST_KEY_NEVER_SET"),
        )];
    })
    .await;
    let error = error_of(post(&proxy, &chat_body("nokey/demo-max", "hi")).await, 500).await;
    assert_eq!(error["code"], "upstream_key_missing");
    let message = error["message"].as_str().expect("message");
    assert!(
        message.contains("SPARKPLUG_TEST_KEY_NEVER_SET"),
        "{message}"
    );
}

/// Sends the time it was dropped: the upstream's stream was abandoned.
struct DropSignal(Option<tokio::sync::oneshot::Sender<Instant>>);

impl Drop for DropSignal {
    fn drop(&mut self) {
        if let Some(sender) = self.0.take() {
            let _ = sender.send(Instant::now());
        }
    }
}

#[tokio::test]
async fn a_client_going_away_cancels_the_upstream_request() {
    let (dropped_tx, dropped_rx) = tokio::sync::oneshot::channel();
    let dropped_tx = Arc::new(Mutex::new(Some(dropped_tx)));
    let router = Router::new().route(
        "/v1/chat/completions",
        routing::post(move || {
            let signal = DropSignal(dropped_tx.lock().expect("signal").take());
            async move {
                let ticks =
                    futures_util::stream::unfold((0u64, signal), |(n, signal)| async move {
                        if n > 0 {
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                        let event = format!("data: {{\"n\":{n}}}\n\n");
                        Some((Ok::<_, std::io::Error>(event), (n + 1, signal)))
                    });
                Response::builder()
                    .header("content-type", "text/event-stream")
                    .body(Body::from_stream(ticks))
                    .expect("response")
            }
        }),
    );
    let addr = tiny_upstream(router).await;
    let proxy = serve(|c| c.upstreams = vec![upstream("slow", addr, None)]).await;
    let mut response = post(&proxy, &chat_body("slow/x", "hi")).await;
    let first = response.chunk().await.expect("read").expect("a chunk");
    assert!(first.starts_with(b"data: {\"n\":0}"));
    let gone = Instant::now();
    drop(response);
    let dropped_at = tokio::time::timeout(Duration::from_secs(3), dropped_rx)
        .await
        .expect("the upstream stream was dropped")
        .expect("signal");
    // The proxy notices at its next write (one upstream tick), then drops the request.
    assert!(dropped_at.duration_since(gone) < Duration::from_secs(1));
}

#[tokio::test]
async fn a_silent_upstream_is_a_504_before_the_answer_starts() {
    let up = our_upstream().await;
    let proxy = serve(|c| {
        c.upstreams = vec![upstream("up", up.addr(), None)];
        c.upstream_idle_timeout = Duration::from_millis(300);
    })
    .await;
    let started = Instant::now();
    let response = post(&proxy, &chat_body("up/test/stall/0", "/long")).await;
    let error = error_of(response, 504).await;
    assert_eq!(error["type"], "upstream_timeout");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(300), "{waited:?}");
    assert!(waited < Duration::from_secs(2), "{waited:?}");
}

#[tokio::test]
async fn an_upstream_silent_mid_stream_ends_with_an_error_event() {
    let up = our_upstream().await;
    let proxy = serve(|c| {
        c.upstreams = vec![upstream("up", up.addr(), None)];
        c.upstream_idle_timeout = Duration::from_millis(300);
    })
    .await;
    let response = post(&proxy, &chat_body("up/test/stall/5", "/long")).await;
    let (events, clean) = read_events(response).await;
    assert!(clean);
    assert!(!content(&events[..events.len() - 1]).is_empty());
    let last = events.last().expect("events").json();
    assert_eq!(last["error"]["type"], "upstream_timeout");
}

#[tokio::test]
async fn an_unreachable_upstream_is_a_502() {
    let proxy = serve(|c| c.upstreams = vec![upstream("gone", closed_port(), None)]).await;
    let error = error_of(post(&proxy, &chat_body("gone/x", "hi")).await, 502).await;
    assert_eq!(error["type"], "upstream_error");
}

#[tokio::test]
async fn models_merge_upstreams_and_tolerate_unreachable_ones() {
    let up = our_upstream().await;
    let proxy = serve(|c| {
        c.upstreams = vec![
            upstream("up", up.addr(), None),
            upstream("gone", closed_port(), None),
        ];
    })
    .await;
    let list: Value = reqwest::get(url(&proxy, "/v1/models"))
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let data = list["data"].as_array().expect("data");
    let ids: Vec<&str> = data.iter().filter_map(|m| m["id"].as_str()).collect();
    assert!(ids.contains(&"demo-1000"), "{ids:?}");
    assert!(ids.contains(&"up/demo-1000"), "{ids:?}");
    assert!(!ids.iter().any(|id| id.starts_with("gone/")));
    let entry = data
        .iter()
        .find(|m| m["id"] == "up/demo-68")
        .expect("upstream entry");
    assert_eq!(entry["upstream"], "up");
    assert_eq!(entry["tokens_per_second"], 68.2, "upstream fields are kept");
}

async fn listed(proxy: &Running, id: &str) -> Option<Value> {
    let list: Value = reqwest::get(url(proxy, "/v1/models"))
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    list["data"]
        .as_array()
        .and_then(|d| d.iter().find(|m| m["id"] == id).cloned())
}

#[tokio::test]
async fn a_recorded_stream_replays_with_the_same_bytes_and_timing() {
    let up = our_upstream().await;
    let records = tempfile::tempdir().expect("temp dir");
    let proxy = serve(|c| {
        c.upstreams = vec![upstream("up", up.addr(), None)];
        c.record_dir = Some(records.path().to_owned());
        c.replay_dir = Some(records.path().to_owned());
    })
    .await;
    // demo-170 spreads 150 tokens over about 1.3 s: timing worth keeping.
    let mut body = chat_body("up/demo-170", "Write a Snake game in HTML and JavaScript");
    body["max_tokens"] = json!(150);
    let started = Instant::now();
    let response = post(&proxy, &body).await;
    let name = response.headers()["x-sparkplug-recording"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let original = body_bytes(response).await;
    let original_time = started.elapsed();

    // The file is complete once its writer task has flushed it.
    let model = format!("replay/{name}");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(entry) = listed(&proxy, &model).await {
            assert_eq!(entry["recorded_model"], "up/demo-170");
            assert_eq!(entry["format"], "openai");
            let started = Instant::now();
            let replayed = body_bytes(post(&proxy, &chat_body(&model, "anything")).await).await;
            let replay_time = started.elapsed();
            if replayed == original {
                let ratio = replay_time.as_secs_f64() / original_time.as_secs_f64();
                assert!(
                    (0.8..1.25).contains(&ratio),
                    "original {original_time:?}, replay {replay_time:?}"
                );
                break;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{name} never replayed the same bytes"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let missing = post(&proxy, &chat_body("replay/no-such-recording", "hi")).await;
    assert_eq!(error_of(missing, 404).await["code"], "recording_not_found");
    let escape = post(&proxy, &chat_body("replay/../etc", "hi")).await;
    assert_eq!(error_of(escape, 404).await["code"], "recording_not_found");
}
