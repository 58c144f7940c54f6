//! Helpers shared by the integration tests: start a server on a free loopback port, post
//! chat requests, take an SSE body apart into its `data:` payloads, and run code for real.
// Each test file is its own crate and uses a different subset of these helpers.
#![allow(dead_code)]

pub mod run_code;

use std::time::Instant;

use serde_json::{json, Value};
use sparkplug_server::{start, Config, Running};

/// Serves `router` (a stand-in upstream) on a free loopback port for the rest of the test.
pub async fn tiny_upstream(router: axum::Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

/// A server on 127.0.0.1 with a free port, with `change` applied to the defaults.
pub async fn serve(change: impl FnOnce(&mut Config)) -> Running {
    let mut config = Config {
        addr: "127.0.0.1:0".parse().expect("loopback"),
        ..Config::default()
    };
    change(&mut config);
    start(config).await.expect("server starts")
}

pub fn url(server: &Running, path: &str) -> String {
    format!("http://{}{path}", server.addr())
}

pub fn chat_body(model: &str, prompt: &str) -> Value {
    json!({
        "model": model,
        "messages": [{"role": "user", "content": prompt}],
        "stream": true,
        "stream_options": {"include_usage": true},
    })
}

pub async fn post(server: &Running, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(url(server, "/v1/chat/completions"))
        .json(body)
        .send()
        .await
        .expect("request sent")
}

/// One SSE `data:` payload and when its bytes arrived.
#[derive(Debug)]
pub struct Event {
    pub data: String,
    pub at: Instant,
}

impl Event {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data).expect("event data is JSON")
    }
}

/// Reads a whole SSE body, timestamping each event on arrival. Returns the events and
/// whether the body ended cleanly (false when the connection was cut).
pub async fn read_events(mut response: reqwest::Response) -> (Vec<Event>, bool) {
    let mut buffer = Vec::new();
    let mut events = Vec::new();
    let clean = loop {
        match response.chunk().await {
            Ok(Some(bytes)) => {
                let at = Instant::now();
                buffer.extend_from_slice(&bytes);
                while let Some(end) = buffer.windows(2).position(|w| w == b"\n\n") {
                    let block: Vec<u8> = buffer.drain(..end + 2).collect();
                    let text = String::from_utf8(block).expect("events are UTF-8");
                    for line in text.lines() {
                        if let Some(data) = line.strip_prefix("data: ") {
                            events.push(Event {
                                data: data.to_owned(),
                                at,
                            });
                        }
                    }
                }
            }
            Ok(None) => break true,
            Err(_) => break false,
        }
    };
    assert!(
        buffer.is_empty() || !clean,
        "body ended mid-event: {buffer:?}"
    );
    (events, clean)
}

/// The assistant text carried by chunk events, in order.
pub fn content(events: &[Event]) -> String {
    events
        .iter()
        .filter(|e| e.data != "[DONE]")
        .filter_map(|e| {
            e.json()["choices"][0]["delta"]["content"]
                .as_str()
                .map(str::to_owned)
        })
        .collect()
}

pub fn count_tokens(text: &str) -> usize {
    tiktoken_rs::o200k_base_singleton()
        .encode_ordinary(text)
        .len()
}

/// Asserts an OpenAI-style error body and returns its `error` object.
pub async fn error_of(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status().as_u16(), status);
    let content_type = response.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let body: Value = response.json().await.expect("json error body");
    let error = body["error"].clone();
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(error["type"].is_string(), "{body}");
    assert!(
        error.get("param").is_some() && error.get("code").is_some(),
        "{body}"
    );
    error
}
