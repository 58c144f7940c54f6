//! The app's files: content types, the single-page-app fallback, compression, caching,
//! health.

mod common;

use common::*;
use tempfile::TempDir;

const INDEX: &str =
    "<!doctype html><html><head><title>Sparkplug</title></head><body>app</body></html>";

fn dist() -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let write =
        |name: &str, bytes: &[u8]| std::fs::write(dir.path().join(name), bytes).expect("write");
    write("index.html", INDEX.as_bytes());
    write("app_bg.wasm", b"\0asm\x01\0\0\0");
    write(
        "app.js",
        "export function start() { return 42; }\n"
            .repeat(20)
            .as_bytes(),
    );
    write("style.css", b"body { color: black; }");
    write("base-a1b1eea2e51ba4ca.css", b"body { margin: 0; }");
    write(
        "sparkplug-kiosk.js",
        b"export default async function init() {}",
    );
    write("sparkplug-kiosk_bg.wasm", b"\0asm\x01\0\0\0");
    dir
}

async fn get(server: &sparkplug_server::Running, path: &str, accept: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(url(server, path))
        .header("accept-encoding", accept)
        .send()
        .await
        .expect("sent")
}

#[tokio::test]
async fn files_have_their_content_types() {
    let dist = dist();
    let server = serve(|c| c.dist_dir = dist.path().to_owned()).await;
    for (path, expected) in [
        ("/app_bg.wasm", "application/wasm"),
        ("/app.js", "text/javascript"),
        ("/style.css", "text/css"),
        ("/index.html", "text/html"),
    ] {
        let response = get(&server, path, "identity").await;
        assert_eq!(response.status(), 200, "{path}");
        let content_type = response.headers()["content-type"].to_str().expect("ascii");
        assert!(content_type.starts_with(expected), "{path}: {content_type}");
    }
}

#[tokio::test]
async fn app_routes_fall_back_to_index_but_missing_files_do_not() {
    let dist = dist();
    let server = serve(|c| c.dist_dir = dist.path().to_owned()).await;
    for path in ["/", "/kiosk", "/embed", "/embed/abc", "/some/app/route"] {
        let response = get(&server, path, "identity").await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.text().await.expect("text"), INDEX, "{path}");
    }
    assert_eq!(get(&server, "/missing.js", "identity").await.status(), 404);
}

#[tokio::test]
async fn static_files_are_compressed_when_accepted() {
    let dist = dist();
    let server = serve(|c| c.dist_dir = dist.path().to_owned()).await;
    let response = get(&server, "/app.js", "br").await;
    assert_eq!(response.headers()["content-encoding"], "br");
    let response = get(&server, "/app.js", "gzip").await;
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let response = get(&server, "/app.js", "identity").await;
    assert!(response.headers().get("content-encoding").is_none());
}

#[tokio::test]
async fn files_with_fixed_names_are_revalidated_and_hashed_ones_are_not() {
    let dist = dist();
    let server = serve(|c| c.dist_dir = dist.path().to_owned()).await;
    for path in [
        "/",
        "/kiosk",
        "/index.html",
        "/sparkplug-kiosk.js",
        "/sparkplug-kiosk_bg.wasm",
    ] {
        let response = get(&server, path, "gzip").await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-cache", "{path}");
    }
    let hashed = get(&server, "/base-a1b1eea2e51ba4ca.css", "gzip").await;
    assert_eq!(hashed.status(), 200);
    assert!(hashed.headers().get("cache-control").is_none());
}

#[tokio::test]
async fn revalidating_an_unchanged_module_is_a_304() {
    let dist = dist();
    let server = serve(|c| c.dist_dir = dist.path().to_owned()).await;
    let first = get(&server, "/sparkplug-kiosk_bg.wasm", "gzip").await;
    let modified = first.headers()["last-modified"].clone();
    let again = reqwest::Client::new()
        .get(url(&server, "/sparkplug-kiosk_bg.wasm"))
        .header("if-modified-since", modified)
        .send()
        .await
        .expect("sent");
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["cache-control"], "no-cache");
}

#[tokio::test]
async fn healthz_says_ok() {
    let server = serve(|_| {}).await;
    let response = get(&server, "/healthz", "identity").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.expect("text"), "ok");
}
