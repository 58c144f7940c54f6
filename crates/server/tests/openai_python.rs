//! The official `openai` Python package streams from the demo models, directly and
//! through the proxy. Needs SPARKPLUG_PYTHON (a Python with `openai`, made by
//! `cargo xtask setup` as .tools/venv/bin/python); without it the test fails under CI
//! and is skipped with a note elsewhere.

mod common;

use std::{path::PathBuf, process::Command};

use common::*;
use serde_json::{json, Value};
use sparkplug_server::UpstreamConfig;

const PROMPT: &str = "Write a Snake game in HTML and JavaScript";

/// The Python to use, or `None` when the test should be skipped.
fn python() -> Option<PathBuf> {
    match std::env::var_os("SPARKPLUG_PYTHON") {
        Some(path) => Some(PathBuf::from(path)),
        None if std::env::var_os("CI").is_some() => panic!(
            "SPARKPLUG_PYTHON is not set: point it at a Python with the `openai` package \
             (`cargo xtask setup` makes .tools/venv/bin/python)"
        ),
        None => {
            eprintln!("note: skipping the openai-python check; set SPARKPLUG_PYTHON to run it");
            None
        }
    }
}

#[tokio::test]
async fn the_official_python_client_reads_our_streams() {
    let Some(python) = python() else {
        return;
    };
    let upstream = serve(|_| {}).await;
    let proxy = serve(|c| {
        c.upstreams = vec![UpstreamConfig {
            name: "up".into(),
            base_url: format!("http://{}/v1", upstream.addr()),
            api_key_env: None,
            ..UpstreamConfig::default()
        }];
    })
    .await;
    let runs = [
        json!({"base_url": url(&upstream, "/v1"), "model": "demo-max", "prompt": PROMPT}),
        json!({"base_url": url(&proxy, "/v1"), "model": "up/demo-max", "prompt": PROMPT}),
        json!({"base_url": url(&upstream, "/v1"), "model": "demo-5000", "prompt": "hello"}),
    ];
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/openai_client.py");
    let output = tokio::process::Command::from({
        let mut command = Command::new(&python);
        command.arg(&script).args(runs.iter().map(Value::to_string));
        command
    })
    .output()
    .await
    .expect("run python");
    assert!(
        output.status.success(),
        "python failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results: Vec<Value> = String::from_utf8(output.stdout)
        .expect("utf8")
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(results.len(), runs.len());
    for result in &results {
        let text = result["text"].as_str().expect("text");
        assert!(!text.is_empty());
        assert_eq!(result["finish_reason"], "stop");
        assert_eq!(result["usage"]["completion_tokens"], count_tokens(text));
        let usage = &result["usage"];
        assert_eq!(
            usage["total_tokens"].as_u64(),
            Some(usage["prompt_tokens"].as_u64().expect("prompt") + count_tokens(text) as u64)
        );
    }
    assert_eq!(
        results[0]["text"], results[1]["text"],
        "proxied equals direct"
    );
    assert_eq!(results[0]["usage"], results[1]["usage"]);
    upstream.shutdown().await;
    proxy.shutdown().await;
}
