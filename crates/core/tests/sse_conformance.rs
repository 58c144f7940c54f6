//! Runs the 70 SSE conformance cases of the shared fixtures through `SseParser`,
//! whole, in the recorded chunks, and one byte at a time.

mod common;

use base64::Engine;
use serde_json::Value;
use sparkplug_core::stream::sse::{EndOfInput, SseEvent, SseParser};

struct Outcome {
    events: Vec<SseEvent>,
    end: EndOfInput,
    retry: Option<u64>,
}

fn run<'a>(chunks: impl IntoIterator<Item = &'a [u8]>) -> Outcome {
    let mut parser = SseParser::new();
    let mut events = Vec::new();
    for chunk in chunks {
        parser.feed(chunk, &mut events);
    }
    let end = parser.finish();
    Outcome {
        events,
        end,
        retry: parser.retry(),
    }
}

fn b64(value: &Value) -> Vec<u8> {
    let text = value.as_str().expect("base64 string");
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("valid base64")
}

fn expected_events(case: &Value) -> Vec<SseEvent> {
    case["events"]
        .as_array()
        .expect("events array")
        .iter()
        .map(|e| SseEvent {
            event: e["event"].as_str().expect("event").to_owned(),
            data: e["data"].as_str().expect("data").to_owned(),
            id: e["id"].as_str().expect("id").to_owned(),
        })
        .collect()
}

fn check(name: &str, how: &str, case: &Value, got: &Outcome) {
    assert_eq!(got.events, expected_events(case), "{name} ({how}): events");
    let expected_end = if case["trailing_unterminated_block"].as_bool().expect("flag") {
        EndOfInput::UnterminatedBlock
    } else {
        EndOfInput::Clean
    };
    assert_eq!(got.end, expected_end, "{name} ({how}): end of input");
    assert_eq!(got.retry, case["retry"].as_u64(), "{name} ({how}): retry");
}

#[test]
fn all_conformance_cases_pass_whole_chunked_and_bytewise() {
    let fixture = common::read_json("sse_conformance.json");
    let cases = fixture["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 70, "the fixture holds 70 cases");
    let mut chunked_runs = 0;
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let input: Vec<u8> = match case.get("input_bytes_b64") {
            Some(encoded) => b64(encoded),
            None => case["input"].as_str().expect("input").as_bytes().to_vec(),
        };
        check(name, "whole", case, &run([input.as_slice()]));
        check(name, "bytewise", case, &run(input.chunks(1)));

        if let Some(chunks) = case.get("chunks").and_then(Value::as_array) {
            let chunks: Vec<&[u8]> = chunks
                .iter()
                .map(|c| c.as_str().expect("chunk").as_bytes())
                .collect();
            check(name, "text chunks", case, &run(chunks));
            chunked_runs += 1;
        }
        if let Some(chunks) = case.get("chunks_bytes_b64").and_then(Value::as_array) {
            let chunks: Vec<Vec<u8>> = chunks.iter().map(b64).collect();
            assert_eq!(
                chunks.concat(),
                input,
                "{name}: byte chunks rebuild the input"
            );
            check(
                name,
                "byte chunks",
                case,
                &run(chunks.iter().map(Vec::as_slice)),
            );
            chunked_runs += 1;
        }
    }
    assert_eq!(
        chunked_runs, 29,
        "27 text-chunked and 2 byte-chunked cases ran"
    );
}
