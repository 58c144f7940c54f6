//! Regressions for every way a hostile or broken client took the server down or past its
//! policy (issue 12), each against a real server on a loopback port.

mod common;

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use axum::{
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
    routing, Json, Router,
};
use base64::{engine::general_purpose::STANDARD, Engine};
use common::*;
use serde_json::{json, Value};
use sparkplug_server::{Config, Running, UpstreamConfig};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

async fn healthy(server: &Running) {
    let response = tokio::time::timeout(
        Duration::from_secs(5),
        reqwest::get(url(server, "/healthz")),
    )
    .await
    .expect("healthz answered in time")
    .expect("healthz reachable");
    assert_eq!(response.status(), 200);
}

fn upstream(name: &str, addr: SocketAddr, key_env: Option<&str>) -> UpstreamConfig {
    UpstreamConfig {
        name: name.into(),
        base_url: format!("http://{addr}/v1"),
        api_key_env: key_env.map(str::to_owned),
        ..UpstreamConfig::default()
    }
}

/// Reads from `stream` until the server closes it; returns what it sent and when it closed.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (Vec<u8>, Instant) {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    tokio::time::timeout(within, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await
    .expect("the server closed the connection in time");
    (received, Instant::now())
}

#[tokio::test]
async fn a_million_spaces_in_content_or_role_are_counted_not_fatal() {
    let server = serve(|_| {}).await;
    let spaces = " ".repeat(1_000_000);
    for message in [
        json!({"role": "user", "content": spaces}),
        json!({"role": spaces, "content": "hi"}),
    ] {
        let body = json!({"model": "demo-max", "messages": [message], "stream": true,
            "stream_options": {"include_usage": true}, "max_tokens": 5});
        let response = post(&server, &body).await;
        assert_eq!(response.status(), 200);
        let (events, clean) = read_events(response).await;
        assert!(clean);
        let usage = events
            .iter()
            .filter(|e| e.data != "[DONE]")
            .find_map(|e| e.json()["usage"]["prompt_tokens"].as_u64())
            .expect("usage");
        // Three for the message, three for the reply, and the role and content counted.
        assert!(usage >= 8, "{usage}");
        healthy(&server).await;
    }
}

#[tokio::test]
async fn a_handler_panic_is_a_500_and_the_server_keeps_serving() {
    let server = serve(|c| c.enable_test_models = true).await;
    for _ in 0..3 {
        let error = error_of(post(&server, &chat_body("test/panic", "hi")).await, 500).await;
        assert_eq!(error["type"], "server_error");
        healthy(&server).await;
    }
    let response = post(&server, &chat_body("demo-max", "hi")).await;
    assert_eq!(response.status(), 200);
}

/// The deployed build (`cargo xtask serve`, the benchmark) must unwind, or the caught
/// panic above would end the process instead.
#[test]
fn the_deployed_profile_unwinds() {
    let manifest =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml"))
            .expect("workspace manifest");
    let manifest: toml::Table = toml::from_str(&manifest).expect("toml");
    let server = &manifest["profile"]["server"];
    assert_eq!(server["inherits"].as_str(), Some("release"));
    assert_eq!(server["panic"].as_str(), Some("unwind"));
}

#[tokio::test]
async fn a_recording_with_an_absurd_time_is_refused_not_fatal() {
    let replays = tempfile::tempdir().expect("temp dir");
    let header =
        r#"{"model":"up/m","format":"openai","created":1,"content_type":"text/event-stream"}"#;
    let chunk = |t_ms: &str| {
        format!(
            r#"{{"t_ms":{t_ms},"b64":"{}"}}"#,
            STANDARD.encode("data: {}\n\n")
        )
    };
    for (name, time) in [("far", "1e22"), ("later", "1e15"), ("negative", "-5")] {
        let text = format!("{header}\n{}\n{}\n", chunk("0"), chunk(time));
        std::fs::write(replays.path().join(format!("{name}.jsonl")), text).expect("write");
    }
    let server = serve(|c| c.replay_dir = Some(replays.path().to_owned())).await;
    for name in ["far", "later", "negative"] {
        let response = post(&server, &chat_body(&format!("replay/{name}"), "hi")).await;
        assert_eq!(response.status(), 200);
        let (events, clean) = read_events(response).await;
        assert!(clean, "{name}");
        let last = events.last().expect("an error event").json();
        assert!(
            last["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("out of range")),
            "{name}: {last}"
        );
        healthy(&server).await;
    }
}

#[tokio::test]
async fn silent_slow_and_idle_connections_are_closed() {
    assert!(Config::default().header_read_timeout <= Duration::from_secs(20));
    let server = serve(|c| c.header_read_timeout = Duration::from_millis(500)).await;
    // Sends nothing at all.
    let mut silent = TcpStream::connect(server.addr()).await.expect("connect");
    let opened = Instant::now();
    let (_, closed) = read_until_closed(&mut silent, Duration::from_secs(5)).await;
    assert!(closed - opened >= Duration::from_millis(400));

    // Slowloris: a header line every 200 ms, never finished.
    let mut slow = TcpStream::connect(server.addr()).await.expect("connect");
    let writer = async {
        slow.write_all(b"GET /healthz HTTP/1.1\r\n").await?;
        for n in 0..50 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            slow.write_all(format!("x-h{n}: 1\r\n").as_bytes()).await?;
        }
        Ok::<_, std::io::Error>(())
    };
    let outcome = tokio::time::timeout(Duration::from_secs(5), writer).await;
    assert!(
        matches!(outcome, Ok(Err(_))),
        "the server stopped taking the slow head: {outcome:?}"
    );

    // Keep-alive: one request, then silence.
    let mut idle = TcpStream::connect(server.addr()).await.expect("connect");
    idle.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .expect("write");
    let (received, _) = read_until_closed(&mut idle, Duration::from_secs(5)).await;
    assert!(received.starts_with(b"HTTP/1.1 200"), "{received:?}");
}

#[tokio::test]
async fn connections_over_the_cap_wait_until_one_closes() {
    let server = serve(|c| c.max_connections = 2).await;
    let first = TcpStream::connect(server.addr()).await.expect("connect");
    let second = TcpStream::connect(server.addr()).await.expect("connect");
    // Both are accepted (and so counted) once each is served, so prove it with a request.
    let mut held = Vec::new();
    for mut stream in [first, second] {
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .expect("write");
        let mut buffer = [0u8; 256];
        let n = stream.read(&mut buffer).await.expect("read");
        assert!(buffer[..n].starts_with(b"HTTP/1.1 200"));
        held.push(stream);
    }
    let third = tokio::spawn(reqwest::get(url(&server, "/healthz")));
    let waited = tokio::time::timeout(Duration::from_millis(500), async {
        while !third.is_finished() {
            tokio::task::yield_now().await;
        }
    })
    .await;
    assert!(
        waited.is_err(),
        "a third connection was served over the cap"
    );
    held.pop();
    let response = tokio::time::timeout(Duration::from_secs(5), third)
        .await
        .expect("served once a slot freed")
        .expect("task")
        .expect("response");
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_half_sent_body_is_a_408_and_a_declared_oversize_body_an_early_413() {
    let server = serve(|c| {
        c.body_read_timeout = Duration::from_millis(500);
        c.body_limit = 4096;
    })
    .await;
    let mut half = TcpStream::connect(server.addr()).await.expect("connect");
    half.write_all(
        b"POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
          content-length: 1000\r\n\r\n{\"model\":",
    )
    .await
    .expect("write");
    let (received, _) = read_until_closed(&mut half, Duration::from_secs(5)).await;
    let text = String::from_utf8_lossy(&received);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("request_timeout"), "{text}");

    // Only the head is sent: the answer must not wait for a body.
    let mut big = TcpStream::connect(server.addr()).await.expect("connect");
    big.write_all(
        b"POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
          content-length: 10000000\r\n\r\n",
    )
    .await
    .expect("write");
    let mut buffer = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(2), big.read(&mut buffer))
        .await
        .expect("answered before any body")
        .expect("read");
    let text = String::from_utf8_lossy(&buffer[..n]);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
}

#[tokio::test]
async fn a_huge_model_name_is_a_short_400() {
    let server = serve(|_| {}).await;
    let response = post(&server, &chat_body(&"m".repeat(1_000_000), "hi")).await;
    let header_bytes: usize = response
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    assert!(header_bytes < 1024, "{header_bytes}");
    let error = error_of(response, 400).await;
    assert_eq!(error["param"], "model");
    assert!(error["message"].as_str().is_some_and(|m| m.len() < 200));
}

#[tokio::test]
async fn api_posts_need_json_and_a_same_site_or_allowed_origin() {
    let server = serve(|c| c.cors_origins = vec!["https://app.example".into()]).await;
    let client = reqwest::Client::new();
    let body = chat_body("demo-max", "hi").to_string();
    let send = |content_type: &'static str, extra: Vec<(&'static str, String)>| {
        let mut request = client
            .post(url(&server, "/v1/chat/completions"))
            .header("content-type", content_type)
            .body(body.clone());
        for (name, value) in extra {
            request = request.header(name, value);
        }
        request.send()
    };
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ] {
        let error = error_of(send(content_type, vec![]).await.expect("sent"), 415).await;
        assert_eq!(error["code"], "unsupported_media_type");
    }
    for headers in [
        vec![("origin", "https://evil.example".to_owned())],
        vec![("origin", "null".to_owned())],
        vec![("sec-fetch-site", "cross-site".to_owned())],
    ] {
        let response = send("application/json", headers.clone())
            .await
            .expect("sent");
        let error = error_of(response, 403).await;
        assert_eq!(error["code"], "cross_site_request", "{headers:?}");
    }
    let own = format!("http://{}", server.addr());
    for headers in [
        vec![],
        vec![
            ("origin", own),
            ("sec-fetch-site", "same-origin".to_owned()),
        ],
        vec![
            ("origin", "https://app.example".to_owned()),
            ("sec-fetch-site", "cross-site".to_owned()),
        ],
    ] {
        let response = send("application/json", headers.clone())
            .await
            .expect("sent");
        assert_eq!(response.status(), 200, "{headers:?}");
    }
}

type Seen = Arc<Mutex<Vec<Value>>>;

/// An upstream that records each body it gets and answers with one SSE event.
async fn recording_upstream(seen: Seen) -> SocketAddr {
    let router = Router::new().route(
        "/v1/chat/completions",
        routing::post(move |Json(body): Json<Value>| {
            let seen = seen.clone();
            async move {
                seen.lock().expect("seen").push(body);
                (
                    [("content-type", "text/event-stream")],
                    "data: {}\n\ndata: [DONE]\n\n",
                )
            }
        }),
    );
    tiny_upstream(router).await
}

#[tokio::test]
async fn upstream_limits_allow_models_cap_tokens_and_drop_unknown_fields() {
    let seen = Seen::default();
    let addr = recording_upstream(seen.clone()).await;
    let mut config = upstream("up", addr, None);
    config.allowed_models = vec!["small".into()];
    config.max_tokens = Some(64);
    let proxy = serve(|c| c.upstreams = vec![config]).await;
    let error = error_of(post(&proxy, &chat_body("up/huge", "hi")).await, 404).await;
    assert_eq!(error["code"], "model_not_found");
    let mut body = chat_body("up/small", "hi");
    body["n"] = json!(16);
    body["user"] = json!("someone");
    body["max_tokens"] = json!(100_000);
    assert_eq!(post(&proxy, &body).await.status(), 200);
    let sent = seen.lock().expect("seen")[0].clone();
    assert_eq!(sent["model"], "small");
    assert_eq!(sent["max_tokens"], 64);
    assert!(
        sent.get("n").is_none() && sent.get("user").is_none(),
        "{sent}"
    );
}

#[tokio::test]
async fn an_upstream_page_is_a_502_never_served_on_our_origin() {
    let router = Router::new().route(
        "/v1/chat/completions",
        routing::post(|| async {
            (
                [("content-type", "text/html")],
                "<script>steal(localStorage)</script>",
            )
        }),
    );
    let addr = tiny_upstream(router).await;
    let replays = tempfile::tempdir().expect("temp dir");
    let header = r#"{"model":"up/m","format":"openai","created":1,"content_type":"text/html"}"#;
    let line = format!(
        r#"{{"t_ms":0,"b64":"{}"}}"#,
        STANDARD.encode("<script>x</script>")
    );
    std::fs::write(
        replays.path().join("page.jsonl"),
        format!("{header}\n{line}\n"),
    )
    .expect("write");
    let proxy = serve(|c| {
        c.upstreams = vec![upstream("html", addr, None)];
        c.replay_dir = Some(replays.path().to_owned());
    })
    .await;
    let error = error_of(post(&proxy, &chat_body("html/x", "hi")).await, 502).await;
    let message = error["message"].as_str().expect("message");
    assert!(
        message.contains("200") && message.contains("text/html"),
        "{message}"
    );
    let error = error_of(post(&proxy, &chat_body("replay/page", "hi")).await, 502).await;
    assert_eq!(error["code"], "upstream_bad_content_type");
}

#[tokio::test]
async fn recordings_are_private_by_default_and_capped() {
    let seen = Seen::default();
    let addr = recording_upstream(seen).await;
    let records = tempfile::tempdir().expect("temp dir");
    let proxy = serve(|c| {
        c.upstreams = vec![upstream("up", addr, None)];
        c.record_dir = Some(records.path().to_owned());
        c.record_max_files = 1;
    })
    .await;
    let first = post(&proxy, &chat_body("up/m", "hi")).await;
    let name = first.headers()["x-sparkplug-recording"]
        .to_str()
        .expect("ascii")
        .to_owned();
    first.bytes().await.expect("body");
    let second = post(&proxy, &chat_body("up/m", "hi")).await;
    assert!(second.headers().get("x-sparkplug-recording").is_none());
    second.bytes().await.expect("body");

    let list: Value = reqwest::get(url(&proxy, "/v1/models"))
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let ids: Vec<&str> = list["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|m| m["id"].as_str())
        .collect();
    assert!(!ids.iter().any(|id| id.starts_with("replay/")), "{ids:?}");
    let error = error_of(
        post(&proxy, &chat_body(&format!("replay/{name}"), "hi")).await,
        404,
    )
    .await;
    assert_eq!(error["code"], "model_not_found");
}

#[tokio::test]
async fn encoded_forms_of_the_key_never_reach_the_client_or_the_recording() {
    const KEY: &str = "sk-Hard3n-Proxy-Key-7e1d";
    std::env::set_var("SPARKPLUG_TEST_KEY_FORMS", KEY);
    let forms = [
        KEY.replace('-', "\\u002d"),
        KEY.replace('-', "%2D"),
        STANDARD.encode(KEY),
        STANDARD.encode(format!("Bearer {KEY}")),
        KEY.to_uppercase(),
    ];
    let echoed = forms.clone();
    let router = Router::new().route(
        "/v1/chat/completions",
        routing::post(move |_: HeaderMap| {
            let text = echoed.join(" | ");
            async move {
                // Written by hand: the forms must reach the proxy exactly as listed.
                let event = format!("data: {{\"echo\":\"{text}\"}}\n\ndata: [DONE]\n\n");
                (
                    [("content-type", "text/event-stream"), ("retry-after", KEY)],
                    event,
                )
            }
        }),
    );
    let addr = tiny_upstream(router).await;
    let records = tempfile::tempdir().expect("temp dir");
    let proxy = serve(|c| {
        c.upstreams = vec![upstream("echo", addr, Some("SPARKPLUG_TEST_KEY_FORMS"))];
        c.record_dir = Some(records.path().to_owned());
    })
    .await;
    let response = post(&proxy, &chat_body("echo/m", "hi")).await;
    assert!(response.headers().get("retry-after").is_none());
    let text = String::from_utf8(response.bytes().await.expect("body").to_vec()).expect("utf8");
    for form in &forms {
        assert!(
            !text.contains(form.as_str()),
            "{form} reached the client: {text}"
        );
    }
    assert_eq!(text.matches("[REDACTED]").count(), forms.len(), "{text}");
    // The recording holds the scrubbed bytes; wait for its writer to flush them.
    let deadline = Instant::now() + Duration::from_secs(5);
    let recorded = loop {
        let file = std::fs::read_dir(records.path())
            .expect("dir")
            .flatten()
            .next()
            .map(|entry| std::fs::read_to_string(entry.path()).expect("read"));
        if let Some(file) = file.filter(|f| f.lines().count() >= 2) {
            break file;
        }
        assert!(Instant::now() < deadline, "no recording written");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let decoded: String = recorded
        .lines()
        .skip(1)
        .map(|line| {
            let line: Value = serde_json::from_str(line).expect("json");
            let bytes = STANDARD
                .decode(line["b64"].as_str().expect("b64"))
                .expect("base64");
            String::from_utf8(bytes).expect("utf8")
        })
        .collect();
    assert_eq!(decoded, text);
}

#[tokio::test]
async fn runner_pages_only_at_their_path_and_never_with_a_foreign_host() {
    let dist = tempfile::tempdir().expect("temp dir");
    std::fs::write(dist.path().join("index.html"), "<p>app</p>").expect("write");
    std::fs::create_dir(dist.path().join("sandbox")).expect("mkdir");
    std::fs::write(dist.path().join("sandbox/runner.html"), "<p>runner</p>").expect("write");
    let server = serve(|c| c.dist_dir = dist.path().to_owned()).await;
    let mut canonical = TcpStream::connect(server.addr()).await.expect("connect");
    for alias in [
        "//sandbox/runner.html",
        "/%73andbox/runner.html",
        "/sandbox%2frunner.html",
    ] {
        let response = reqwest::get(url(&server, alias)).await.expect("get");
        assert_eq!(response.status(), 404, "{alias}");
    }
    let response = reqwest::get(url(&server, "/sandbox/runner.html"))
        .await
        .expect("get");
    assert_eq!(response.status(), 200);
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .expect("ascii");
    assert!(csp.ends_with("sandbox allow-scripts"), "{csp}");

    canonical
        .write_all(
            b"GET /sandbox/runner.html HTTP/1.1\r\nhost: evil.example\r\nconnection: close\r\n\r\n",
        )
        .await
        .expect("write");
    let (received, _) = read_until_closed(&mut canonical, Duration::from_secs(5)).await;
    let text = String::from_utf8_lossy(&received).to_lowercase();
    assert!(text.starts_with("http/1.1 200"), "{text}");
    assert!(!text.contains("evil.example"), "{text}");
    assert!(text.contains("sandbox allow-scripts"), "{text}");
}

#[tokio::test]
async fn test_only_routes_count_against_the_stream_limit() {
    let server = serve(|c| {
        c.enable_test_models = true;
        c.max_streams_per_client = 1;
        c.fixtures_dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/streams");
    })
    .await;
    let stalled = post(&server, &chat_body("test/stall/1", "hi")).await;
    assert_eq!(stalled.status(), 200);
    let response = reqwest::Client::new()
        .post(url(&server, "/v1/messages"))
        .json(&json!({"model": "test/error/500"}))
        .send()
        .await
        .expect("sent");
    error_of(response, 429).await;
    drop(stalled);
}

#[tokio::test]
async fn upstream_model_lists_are_cached_and_size_capped() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let router = Router::new().route(
        "/v1/models",
        routing::get(move || {
            counted.fetch_add(1, Ordering::Relaxed);
            async { Json(json!({"object": "list", "data": [{"id": "m1"}]})) }
        }),
    );
    let small = tiny_upstream(router).await;
    // Five megabytes of model list, over the 4 MiB cap.
    let entries = vec![r#"{"id":"m"}"#; 500_000].join(",");
    let huge_list = bytes::Bytes::from(format!(r#"{{"data":[{entries}]}}"#));
    let huge =
        tiny_upstream(Router::new().route(
            "/v1/models",
            routing::get(move || {
                let body = huge_list.clone();
                async move {
                    (StatusCode::OK, [("content-type", "application/json")], body).into_response()
                }
            }),
        ))
        .await;
    let proxy = serve(|c| {
        c.upstreams = vec![upstream("small", small, None), upstream("huge", huge, None)];
    })
    .await;
    for _ in 0..5 {
        let list: Value = reqwest::get(url(&proxy, "/v1/models"))
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        let ids: Vec<&str> = list["data"]
            .as_array()
            .expect("data")
            .iter()
            .filter_map(|m| m["id"].as_str())
            .collect();
        assert!(ids.contains(&"small/m1"), "{ids:?}");
        assert!(!ids.iter().any(|id| id.starts_with("huge/")));
    }
    assert_eq!(calls.load(Ordering::Relaxed), 1);
}
