//! The test-only models: fixture replays in odd chunks, provider error statuses, cut and
//! stalled streams; and that they do not exist unless enabled.

mod common;

use std::{path::PathBuf, time::Duration};

use common::*;
use serde_json::json;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/streams")
}

const PLAIN: &str = "openai-chat/openai-python_gpt-4o_plain-text_include-usage.sse";

async fn test_server() -> sparkplug_server::Running {
    serve(|c| {
        c.enable_test_models = true;
        c.fixtures_dir = fixtures();
    })
    .await
}

#[tokio::test]
async fn test_models_are_unknown_unless_enabled() {
    let server = serve(|c| c.fixtures_dir = fixtures()).await;
    for model in [
        format!("test/fixture/{PLAIN}"),
        "test/error/500".into(),
        "test/cut/3".into(),
    ] {
        let error = error_of(post(&server, &chat_body(&model, "hi")).await, 404).await;
        assert_eq!(error["code"], "model_not_found");
    }
}

#[tokio::test]
async fn fixture_replays_byte_for_byte_in_the_requested_chunks() {
    let server = test_server().await;
    let expected = std::fs::read(fixtures().join(PLAIN)).expect("fixture");
    let mut body = chat_body(&format!("test/fixture/{PLAIN}"), "hi");
    body["sparkplug_chunk_bytes"] = json!(100);
    body["sparkplug_chunk_delay_ms"] = json!(15);
    let mut response = post(&server, &body).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut received = Vec::new();
    let mut chunks = 0;
    while let Some(chunk) = response.chunk().await.expect("read") {
        assert!(chunk.len() <= 100, "chunk of {} bytes", chunk.len());
        received.extend_from_slice(&chunk);
        chunks += 1;
    }
    assert_eq!(received, expected);
    assert!(chunks >= expected.len() / 100, "{chunks} chunks");
}

#[tokio::test]
async fn fixture_default_chunks_are_seven_bytes_and_ndjson_has_its_type() {
    let server = test_server().await;
    let path = "ollama/ollama-docs_api-chat_first-and-final-chunk.ndjson";
    let expected = std::fs::read(fixtures().join(path)).expect("fixture");
    let mut response = post(&server, &chat_body(&format!("test/fixture/{path}"), "hi")).await;
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let mut received = Vec::new();
    let mut largest = 0;
    while let Some(chunk) = response.chunk().await.expect("read") {
        largest = largest.max(chunk.len());
        received.extend_from_slice(&chunk);
    }
    assert_eq!(received, expected);
    // 1 ms apart, 7-byte chunks mostly arrive alone; a busy machine may glue a few.
    assert!(
        largest < expected.len() / 2,
        "largest chunk {largest} bytes"
    );
}

#[tokio::test]
async fn fixture_paths_cannot_leave_the_fixtures_dir() {
    let server = test_server().await;
    for path in [
        "../SOURCES.md",
        "/etc/passwd",
        "openai-chat/../../SOURCES.md",
    ] {
        let body = chat_body(&format!("test/fixture/{path}"), "hi");
        let error = error_of(post(&server, &body).await, 400).await;
        assert_eq!(error["param"], "model", "{path}");
    }
    let error = error_of(
        post(&server, &chat_body("test/fixture/none.sse", "hi")).await,
        404,
    )
    .await;
    assert_eq!(error["code"], "fixture_not_found");
}

#[tokio::test]
async fn error_models_answer_like_a_provider() {
    let server = test_server().await;
    let cases = [
        (401, Some("invalid_api_key")),
        (404, Some("model_not_found")),
        (429, Some("rate_limit_exceeded")),
        (500, None),
        (503, None),
    ];
    for (status, code) in cases {
        let response = post(&server, &chat_body(&format!("test/error/{status}"), "hi")).await;
        let retry_after = response.headers().get("retry-after").cloned();
        let error = error_of(response, status).await;
        assert_eq!(error["code"].as_str(), code, "{status}");
        if status == 429 {
            assert_eq!(retry_after.expect("retry-after"), "7");
        }
        if status == 401 {
            let message = error["message"].as_str().expect("message");
            assert!(
                message.starts_with("Incorrect API key provided: sk-fake-"),
                "{message}"
            );
        }
    }
    let error = error_of(post(&server, &chat_body("test/error/200", "hi")).await, 400).await;
    assert_eq!(error["param"], "model");
}

#[tokio::test]
async fn cut_drops_the_connection_after_n_tokens() {
    let server = test_server().await;
    let response = post(&server, &chat_body("test/cut/25", "/long")).await;
    assert_eq!(response.status(), 200);
    let (events, clean) = read_events(response).await;
    assert!(!clean, "the body should end in a transport error");
    assert!(events.iter().all(|e| e.data != "[DONE]"));
    assert!(events
        .iter()
        .all(|e| e.json()["choices"][0]["finish_reason"].is_null()));
    let tokens = count_tokens(&content(&events));
    assert!(
        (20..=30).contains(&tokens),
        "{tokens} tokens before the cut"
    );
}

#[tokio::test]
async fn stall_keeps_the_connection_open_and_silent() {
    let server = test_server().await;
    let mut response = post(&server, &chat_body("test/stall/10", "/long")).await;
    let mut received = Vec::new();
    let silent = loop {
        match tokio::time::timeout(Duration::from_millis(800), response.chunk()).await {
            Ok(Ok(Some(chunk))) => received.extend_from_slice(&chunk),
            Ok(other) => panic!("stream ended instead of stalling: {other:?}"),
            Err(_) => break true,
        }
    };
    assert!(silent);
    let text = String::from_utf8(received).expect("utf8");
    assert!(text.contains("\"content\":"), "{text}");
    assert!(!text.contains("[DONE]") && !text.contains("finish_reason\":\"stop"));
    // Shutdown still reaches a stalled stream.
    let reader = tokio::spawn(read_events(response));
    server.shutdown().await;
    let (events, _) = reader.await.expect("reader");
    assert_eq!(
        events.last().expect("event").json()["error"]["type"],
        "server_shutdown"
    );
}

#[tokio::test]
async fn cut_and_stall_only_stream() {
    let server = test_server().await;
    let mut body = chat_body("test/cut/3", "hi");
    body["stream"] = json!(false);
    let error = error_of(post(&server, &body).await, 400).await;
    assert_eq!(error["param"], "stream");
}

#[tokio::test]
async fn a_fixture_replay_ends_with_the_shutdown_event_when_the_server_stops() {
    let server = test_server().await;
    let mut body = chat_body(&format!("test/fixture/{PLAIN}"), "hi");
    body["sparkplug_chunk_delay_ms"] = json!(200);
    let mut response = post(&server, &body).await;
    let first = response.chunk().await.expect("read").expect("first chunk");
    assert_eq!(first.len(), 7);
    let reader = tokio::spawn(async move { response.bytes().await });
    server.shutdown().await;
    let rest = reader.await.expect("reader").expect("clean end");
    assert!(
        rest.ends_with(b"data: {\"error\":{\"message\":\"server shutting down\",\"type\":\"server_shutdown\"}}\n\n"),
        "{rest:?}"
    );
}

#[tokio::test]
async fn other_formats_routes_replay_fixtures_and_errors_only_when_enabled() {
    let server = test_server().await;
    let client = reqwest::Client::new();
    for (path, fixture) in [
        (
            "/v1/messages",
            "anthropic/anthropic-sdk-python_basic_ping.sse",
        ),
        (
            "/v1/responses",
            "openai-responses/vercel-ai_azure_gpt-5.1_hello.sse",
        ),
        (
            "/api/chat",
            "ollama/ollama-docs_api-chat_first-and-final-chunk.ndjson",
        ),
    ] {
        let expected = std::fs::read(fixtures().join(fixture)).expect("fixture");
        let response = client
            .post(format!("http://{}{path}", server.addr()))
            .json(&json!({"model": format!("test/fixture@13/{fixture}"), "stream": true}))
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.bytes().await.expect("body"), expected, "{path}");
        let error = client
            .post(format!("http://{}{path}", server.addr()))
            .json(&json!({"model": "test/error/401"}))
            .send()
            .await
            .expect("send");
        assert_eq!(error.status(), 401, "{path}");
    }

    let plain = serve(|c| c.fixtures_dir = fixtures()).await;
    for path in ["/v1/messages", "/api/chat"] {
        let response = client
            .post(format!("http://{}{path}", plain.addr()))
            .json(&json!({"model": "test/error/401"}))
            .send()
            .await
            .expect("send");
        assert!(
            response.status() == 404 || response.status() == 405,
            "{path} is not served without --enable-test-models: {}",
            response.status()
        );
    }
}
