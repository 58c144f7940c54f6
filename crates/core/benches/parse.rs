//! Throughput of the SSE parser and the OpenAI chat decoder on the recorded OpenAI-style
//! streams and on a synthetic 20,000-token code-heavy stream, fed in network-sized chunks.

use std::fs;
use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::Value;
use sparkplug_core::stream::sse::SseParser;
use sparkplug_core::{ApiFormat, StreamDecoder, StreamEvent};

/// About one TCP segment: what a browser's fetch reader tends to hand over at a time.
const NETWORK_CHUNK: usize = 1460;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// Every recorded body whose expected file says `openai-chat`, each closed by a blank line
/// so that unterminated tails do not run into the next body.
fn recorded_openai_chat() -> Vec<u8> {
    let mut paths = Vec::new();
    for dir in fs::read_dir(fixtures_dir().join("streams")).expect("streams dir") {
        let dir = dir.expect("entry").path();
        if !dir.is_dir() {
            continue;
        }
        for file in fs::read_dir(&dir).expect("provider dir") {
            let path = file.expect("entry").path();
            if path.to_string_lossy().ends_with(".expected.json") {
                paths.push(path);
            }
        }
    }
    paths.sort();
    let mut body = Vec::new();
    for path in paths {
        let expected: Value =
            serde_json::from_str(&fs::read_to_string(&path).expect("read")).expect("json");
        if expected["format"] != "openai-chat" {
            continue;
        }
        let source = expected["source_file"].as_str().expect("source_file");
        body.extend(fs::read(path.with_file_name(source)).expect("body"));
        body.extend_from_slice(b"\n\n");
    }
    body
}

/// A 20,000-chunk OpenAI stream of the code answers in codegen_payloads.json, about one token
/// (four bytes) of text per chunk, the way a fast model streams code.
fn synthetic_code_stream(chunks: usize) -> Vec<u8> {
    let payloads: Value = serde_json::from_str(
        &fs::read_to_string(fixtures_dir().join("codegen_payloads.json")).expect("read"),
    )
    .expect("json");
    let answers: String = payloads["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|item| item["answer"].as_str())
        .collect::<Vec<_>>()
        .join("\n\n");
    let chars: Vec<char> = answers.chars().collect();
    let mut body = Vec::new();
    let mut at = 0;
    for _ in 0..chunks {
        let piece: String = (0..4).map(|i| chars[(at + i) % chars.len()]).collect();
        at += 4;
        let chunk = serde_json::json!({
            "id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1_700_000_000,
            "model": "bench-model", "system_fingerprint": "fp_bench",
            "choices": [{"index": 0, "delta": {"content": piece}, "logprobs": null, "finish_reason": null}]
        });
        body.extend_from_slice(format!("data: {chunk}\n\n").as_bytes());
    }
    body.extend_from_slice(b"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":50,\"completion_tokens\":20000}}\n\ndata: [DONE]\n\n");
    body
}

fn decode(body: &[u8]) -> usize {
    let mut decoder = StreamDecoder::new(ApiFormat::OpenAiChat);
    let mut events: Vec<StreamEvent> = Vec::new();
    let mut count = 0;
    for chunk in body.chunks(NETWORK_CHUNK) {
        decoder.feed(chunk, &mut events);
        count += events.len();
        events.clear();
    }
    decoder.finish(&mut events);
    count + events.len()
}

fn parse_sse(body: &[u8]) -> usize {
    let mut parser = SseParser::new();
    let mut events = Vec::new();
    let mut count = 0;
    for chunk in body.chunks(NETWORK_CHUNK) {
        parser.feed(chunk, &mut events);
        count += events.len();
        events.clear();
    }
    parser.finish();
    count
}

fn bench(c: &mut Criterion) {
    let inputs = [
        ("recorded-openai-chat", recorded_openai_chat()),
        ("synthetic-20k-code", synthetic_code_stream(20_000)),
    ];
    for (name, body) in &inputs {
        let events = decode(body) as u64;
        let messages = parse_sse(body) as u64;
        eprintln!(
            "{name}: {} bytes, {messages} SSE messages, {events} stream events",
            body.len()
        );

        let mut bytes = c.benchmark_group(format!("{name}/bytes"));
        bytes.throughput(Throughput::Bytes(body.len() as u64));
        bytes.bench_function("sse-parser", |b| b.iter(|| parse_sse(black_box(body))));
        bytes.bench_function("sse+openai-decoder", |b| b.iter(|| decode(black_box(body))));
        bytes.finish();

        // Elements: stream events (about one token each in the synthetic stream).
        let mut elements = c.benchmark_group(format!("{name}/events"));
        elements.throughput(Throughput::Elements(events));
        elements.bench_function("sse+openai-decoder", |b| b.iter(|| decode(black_box(body))));
        elements.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
