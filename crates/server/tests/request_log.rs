//! Request logs name method, path, status and latency, and never a header value.

mod common;

use std::{
    io::Write,
    sync::{Arc, Mutex},
};

use common::*;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_requests_without_header_values() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::TRACE)
        .init();

    let server = serve(|_| {}).await;
    let response = reqwest::Client::new()
        .get(url(&server, "/v1/models?secret-query=1"))
        .header("authorization", "Bearer sk-header-secret-123")
        .header("cookie", "session=cookie-secret-456")
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 200);
    let missing = reqwest::get(url(&server, "/v1/nope")).await.expect("get");
    assert_eq!(missing.status(), 404);
    server.shutdown().await;

    let logs = String::from_utf8(captured.0.lock().expect("log buffer").clone()).expect("utf8");
    assert!(logs.contains("method=GET"), "{logs}");
    assert!(logs.contains("path=/v1/models"), "{logs}");
    assert!(logs.contains("status=200"), "{logs}");
    assert!(logs.contains("status=404"), "{logs}");
    assert!(logs.contains("latency_ms="), "{logs}");
    for secret in ["sk-header-secret-123", "cookie-secret-456", "secret-query"] {
        assert!(!logs.contains(secret), "{secret} leaked into logs:\n{logs}");
    }
}
