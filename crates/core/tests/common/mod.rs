//! Shared helpers for the integration tests: where the fixtures live and how to read them.
//! Fixtures live in the repository under `tests/fixtures/` (sources in its SOURCES.md).

#![allow(dead_code)] // each test binary uses its own subset of these helpers

use std::fs;
use std::path::{Path, PathBuf};

use sparkplug_core::ApiFormat;

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

pub fn read_json(relative: &str) -> serde_json::Value {
    let path = fixtures_dir().join(relative);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

/// One recorded body with its expected reduction.
pub struct Recording {
    /// Path relative to `streams/`, for messages.
    pub name: String,
    pub format: ApiFormat,
    pub body: Vec<u8>,
    pub expected: serde_json::Value,
}

/// Every body under `streams/` that has an `.expected.json`, sorted by path.
pub fn recordings() -> Vec<Recording> {
    let streams = fixtures_dir().join("streams");
    let mut found = Vec::new();
    let providers = fs::read_dir(&streams).unwrap_or_else(|e| panic!("{}: {e}", streams.display()));
    for provider in providers {
        let dir = provider.expect("dir entry").path();
        if !dir.is_dir() {
            continue;
        }
        for file in fs::read_dir(&dir).expect("provider dir") {
            let path = file.expect("dir entry").path();
            let file_name = path
                .file_name()
                .and_then(|n| n.to_str())
                .expect("utf-8 name")
                .to_owned();
            let Some(stem) = file_name.strip_suffix(".expected.json") else {
                continue;
            };
            let expected: serde_json::Value =
                serde_json::from_str(&fs::read_to_string(&path).expect("expected file"))
                    .expect("expected json");
            let source = expected["source_file"].as_str().expect("source_file");
            assert!(source.starts_with(stem), "{file_name} names {source}");
            let body = fs::read(dir.join(source)).expect("body file");
            let format = match expected["format"].as_str().expect("format") {
                "openai-chat" | "openai-completions" => ApiFormat::OpenAiChat,
                "openai-responses" => ApiFormat::OpenAiResponses,
                "anthropic-messages" => ApiFormat::Anthropic,
                "ollama-ndjson" => ApiFormat::Ollama,
                other => panic!("{file_name}: unknown format {other}"),
            };
            let provider_name = dir.file_name().and_then(|n| n.to_str()).expect("utf-8 dir");
            found.push(Recording {
                name: format!("{provider_name}/{source}"),
                format,
                body,
                expected,
            });
        }
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found
}
