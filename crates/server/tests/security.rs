//! Security headers and limits: the app's CSP with inline-script hashes, the sandbox
//! runner's policy, Pyodide's CORS, `/v1` CORS, per-client stream limits.

mod common;

use std::time::Duration;

use base64::{engine::general_purpose::STANDARD, Engine};
use common::*;
use sha2::{Digest, Sha256};
use sparkplug_server::{start, Config};
use tempfile::TempDir;

const SCRIPT: &str = "import init from '/sparkplug-1a2b.js';\nawait init();";

fn dist() -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let html = format!(
        "<!doctype html><html><head><script type=\"module\">{SCRIPT}</script>\
         <script src=\"/other.js\"></script></head><body></body></html>"
    );
    std::fs::write(dir.path().join("index.html"), html).expect("write");
    std::fs::write(dir.path().join("app.js"), "console.log(1)").expect("write");
    std::fs::create_dir(dir.path().join("sandbox")).expect("mkdir");
    std::fs::write(dir.path().join("sandbox/index.html"), "<p>runner</p>").expect("write");
    dir
}

fn hash(script: &str) -> String {
    format!("'sha256-{}'", STANDARD.encode(Sha256::digest(script)))
}

fn csp_of(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("content-security-policy")
        .map(|v| v.to_str().expect("ascii").to_owned())
}

#[tokio::test]
async fn app_html_gets_a_strict_csp_with_its_inline_script_hash() {
    let dist = dist();
    let server = serve(|c| {
        c.dist_dir = dist.path().to_owned();
        c.connect_src = vec!["https://api.example.com".into()];
    })
    .await;
    for path in ["/", "/kiosk"] {
        let response = reqwest::get(url(&server, path)).await.expect("get");
        let csp = csp_of(&response).expect("html has a CSP");
        let expected = format!(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {}; style-src 'self'; \
             img-src 'self' data:; connect-src 'self' https://api.example.com; frame-src 'self' http://*.localhost:*; \
             frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
            hash(SCRIPT)
        );
        assert_eq!(csp, expected, "{path}");
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        assert_eq!(response.headers()["referrer-policy"], "no-referrer");
    }
    let script = reqwest::get(url(&server, "/app.js")).await.expect("get");
    assert_eq!(script.headers()["x-content-type-options"], "nosniff");
    assert_eq!(csp_of(&script), None);
    let api = reqwest::get(url(&server, "/v1/models")).await.expect("get");
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");
    assert_eq!(api.headers()["referrer-policy"], "no-referrer");
}

#[tokio::test]
async fn a_rebuilt_index_gets_the_new_scripts_hash() {
    let dist = dist();
    let server = serve(|c| c.dist_dir = dist.path().to_owned()).await;
    let before = csp_of(&reqwest::get(url(&server, "/")).await.expect("get")).expect("csp");
    let index = dist.path().join("index.html");
    std::fs::write(&index, "<html><script>rebuilt()</script></html>").expect("write");
    // Make sure the modification time differs even on coarse-grained file systems.
    let file = std::fs::File::options()
        .write(true)
        .open(&index)
        .expect("open");
    file.set_modified(std::time::SystemTime::now() + Duration::from_secs(5))
        .expect("set mtime");
    let after = csp_of(&reqwest::get(url(&server, "/")).await.expect("get")).expect("csp");
    assert!(before.contains(&hash(SCRIPT)));
    assert!(
        after.contains(&hash("rebuilt()")) && !after.contains(&hash(SCRIPT)),
        "{after}"
    );
}

#[tokio::test]
async fn frame_options_come_from_config() {
    let dist = dist();
    let server = serve(|c| {
        c.dist_dir = dist.path().to_owned();
        c.runner_origin = Some("http://127.0.0.2:9000".into());
        c.frame_ancestors = vec!["https://host.example".into()];
    })
    .await;
    let csp = csp_of(&reqwest::get(url(&server, "/")).await.expect("get")).expect("csp");
    assert!(
        csp.contains("frame-src http://127.0.0.2:9000 http://*.localhost:*;"),
        "{csp}"
    );
    assert!(
        csp.contains("frame-ancestors https://host.example;"),
        "{csp}"
    );
}

#[tokio::test]
async fn policy_breaking_config_values_stop_the_start() {
    let config = Config {
        addr: "127.0.0.1:0".parse().expect("addr"),
        connect_src: vec!["https://a.example; script-src *".into()],
        ..Config::default()
    };
    let error = start(config).await.expect_err("rejected");
    assert!(error.to_string().contains("connect_src"), "{error}");
}

#[tokio::test]
async fn sandbox_pages_carry_the_runner_policy() {
    let dist = dist();
    let server = serve(|c| c.dist_dir = dist.path().to_owned()).await;
    let origin = format!("http://{}", server.addr());
    for path in ["/sandbox/", "/sandbox/index.html"] {
        let response = reqwest::get(url(&server, path)).await.expect("get");
        assert_eq!(response.status(), 200, "{path}");
        let csp = csp_of(&response).expect("sandbox CSP");
        assert_eq!(
            csp,
            format!(
                "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval' blob: data: \
                 'wasm-unsafe-eval' {origin}/sandbox/ {origin}/pyodide/; \
                 style-src 'unsafe-inline'; img-src data: blob:; worker-src data: blob:; \
                 connect-src {origin}/pyodide/; sandbox allow-scripts"
            )
        );
        assert_eq!(response.text().await.expect("body"), "<p>runner</p>");
    }
}

#[tokio::test]
async fn pyodide_files_are_open_to_the_opaque_origin_sandbox() {
    let pyodide = tempfile::tempdir().expect("temp dir");
    std::fs::write(pyodide.path().join("pyodide.mjs"), "export const v = 1;").expect("write");
    std::fs::write(pyodide.path().join("pyodide.asm.wasm"), b"\0asm\x01\0\0\0").expect("write");
    let server = serve(|c| c.pyodide_dir = pyodide.path().to_owned()).await;
    let client = reqwest::Client::new();
    for (path, content_type) in [
        // mime_guess says application/javascript; browsers take either for modules.
        ("/pyodide/pyodide.mjs", "application/javascript"),
        ("/pyodide/pyodide.asm.wasm", "application/wasm"),
    ] {
        let response = client
            .get(url(&server, path))
            .header("origin", "null")
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["access-control-allow-origin"], "*");
        // Pyodide's demo HTML pages must not run with the app's origin.
        assert_eq!(
            response.headers()["content-security-policy"],
            "sandbox; default-src 'none'"
        );
        let actual = response.headers()["content-type"].to_str().expect("ascii");
        assert!(actual.starts_with(content_type), "{path}: {actual}");
    }
}

async fn preflight(server: &sparkplug_server::Running, origin: &str) -> reqwest::Response {
    reqwest::Client::new()
        .request(
            reqwest::Method::OPTIONS,
            url(server, "/v1/chat/completions"),
        )
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .expect("preflight")
}

#[tokio::test]
async fn api_cors_is_off_by_default() {
    let server = serve(|_| {}).await;
    let response = preflight(&server, "https://other.example").await;
    assert!(response
        .headers()
        .get("access-control-allow-origin")
        .is_none());
    let response = reqwest::Client::new()
        .get(url(&server, "/v1/models"))
        .header("origin", "https://other.example")
        .send()
        .await
        .expect("get");
    assert!(response
        .headers()
        .get("access-control-allow-origin")
        .is_none());
}

#[tokio::test]
async fn api_cors_allows_exactly_the_configured_origins() {
    let server = serve(|c| c.cors_origins = vec!["https://app.example".into()]).await;
    let allowed = preflight(&server, "https://app.example").await;
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    let other = preflight(&server, "https://evil.example").await;
    assert!(other.headers().get("access-control-allow-origin").is_none());

    let any = serve(|c| c.cors_origins = vec!["*".into()]).await;
    let response = preflight(&any, "https://whoever.example").await;
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn too_many_streams_from_one_client_get_429_until_one_ends() {
    let server = serve(|c| c.max_streams_per_client = 2).await;
    // One token per second keeps these streams open for the whole test.
    let slow = chat_body("demo-1", "/long");
    let first = post(&server, &slow).await;
    let second = post(&server, &slow).await;
    assert_eq!(
        (first.status().as_u16(), second.status().as_u16()),
        (200, 200)
    );
    let refused = post(&server, &slow).await;
    assert_eq!(refused.headers()["retry-after"], "1");
    let error = error_of(refused, 429).await;
    assert_eq!(error["type"], "rate_limit_error");

    // Closing a stream frees its slot once the server notices (at its next token).
    drop(first);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let response = post(&server, &chat_body("demo-max", "hi")).await;
        if response.status() == 200 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "slot never freed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(second);
}

#[tokio::test]
async fn shutdown_ends_open_streams_with_an_error_event() {
    let server = serve(|c| c.shutdown_grace = Duration::from_secs(3)).await;
    let mut response = post(&server, &chat_body("demo-20", "/long")).await;
    // Wait for the first content so the stream is really under way.
    let mut received = Vec::new();
    while !String::from_utf8_lossy(&received).contains("\"content\":\"") {
        let chunk = response.chunk().await.expect("read").expect("more");
        received.extend_from_slice(&chunk);
    }
    let started = std::time::Instant::now();
    let reader = tokio::spawn(async move {
        let (events, clean) = read_events(response).await;
        (events, clean)
    });
    server.shutdown().await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "shutdown waited for the grace"
    );
    let (events, clean) = reader.await.expect("reader");
    assert!(clean, "the stream ended properly, not cut");
    let last = events.last().expect("an event after shutdown").json();
    assert_eq!(
        last,
        serde_json::json!({"error": {"message": "server shutting down", "type": "server_shutdown"}})
    );
}
