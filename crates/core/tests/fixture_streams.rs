//! Every recorded stream under the shared fixtures, decoded and reduced, must match what its
//! `.expected.json` says: text, reasoning, refusal, tool calls, finish, usage, error, end marker, tail.

mod common;

use serde_json::Value;
use sparkplug_core::provider::detect::detect_format;
use sparkplug_core::stream::reduce::{reduce_body, Chunking, Reduction};
use sparkplug_core::{ApiFormat, StreamDecoder, StreamEnd, StreamEvent};

fn decode_whole(format: ApiFormat, body: &[u8]) -> (Vec<StreamEvent>, StreamEnd) {
    let mut decoder = StreamDecoder::new(format);
    let mut events = Vec::new();
    decoder.feed(body, &mut events);
    let end = decoder.finish(&mut events);
    (events, end)
}

fn str_field<'a>(expected: &'a Value, keys: &[&str]) -> Option<&'a str> {
    keys.iter()
        .find_map(|k| expected.get(*k))
        .and_then(Value::as_str)
}

fn check_tool_calls(name: &str, expected: &Value, got: &Reduction) {
    if let Some(concat) = expected.get("function_call_arguments_concat") {
        let joined: String = got
            .tool_calls
            .iter()
            .map(|c| c.arguments.as_str())
            .collect();
        assert_eq!(
            Some(joined.as_str()),
            concat.as_str(),
            "{name}: function call arguments"
        );
        return;
    }
    let calls = expected
        .get("tool_calls")
        .or_else(|| expected.get("tool_use"));
    let calls = calls
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    assert_eq!(got.tool_calls.len(), calls.len(), "{name}: tool call count");
    for (want, have) in calls.iter().zip(&got.tool_calls) {
        if let Some(function) = want.get("function") {
            // Ollama: whole calls with arguments as a JSON object.
            assert_eq!(
                have.name.as_deref(),
                function["name"].as_str(),
                "{name}: tool name"
            );
            let args: Value =
                serde_json::from_str(&have.arguments).expect("ollama arguments are JSON");
            assert_eq!(args, function["arguments"], "{name}: tool arguments");
            continue;
        }
        assert_eq!(
            u64::from(have.index),
            want["index"].as_u64().expect("index"),
            "{name}: tool index"
        );
        assert_eq!(have.id.as_deref(), want["id"].as_str(), "{name}: tool id");
        assert_eq!(
            have.name.as_deref(),
            want["name"].as_str(),
            "{name}: tool name"
        );
        let args = want
            .get("arguments")
            .or_else(|| want.get("input_json"))
            .and_then(Value::as_str);
        assert_eq!(
            Some(have.arguments.as_str()),
            args,
            "{name}: tool arguments"
        );
    }
}

fn check(name: &str, expected: &Value, got: &Reduction) {
    assert_eq!(
        Some(got.text.as_str()),
        expected["text"].as_str(),
        "{name}: text"
    );
    let reasoning = str_field(expected, &["reasoning", "thinking"]).unwrap_or_default();
    assert_eq!(got.reasoning, reasoning, "{name}: reasoning");
    assert_eq!(
        got.refusal,
        str_field(expected, &["refusal"]).unwrap_or_default(),
        "{name}: refusal"
    );
    check_tool_calls(name, expected, got);

    let finish = str_field(
        expected,
        &["finish_reason", "stop_reason", "done_reason", "status"],
    );
    assert_eq!(
        got.finish_reason.as_deref(),
        finish,
        "{name}: finish reason"
    );

    let usage = &expected["usage_normalized"];
    let got_usage = got.usage.map(|u| (u.input_tokens, u.output_tokens));
    let want_usage = (!usage.is_null()).then(|| {
        (
            usage["input_tokens"].as_u64(),
            usage["output_tokens"].as_u64(),
        )
    });
    assert_eq!(got_usage, want_usage, "{name}: usage");

    let want_error = match &expected["error"] {
        Value::Null => None,
        Value::String(message) => Some(message.as_str()),
        object => Some(object["message"].as_str().expect("error message")),
    };
    assert_eq!(got.error.as_deref(), want_error, "{name}: error");

    let flag = |k: &str| expected.get(k).and_then(Value::as_bool).unwrap_or(false);
    let end_marker = flag("done_sentinel")
        || flag("message_stop")
        || flag("done")
        || expected.get("terminal_event").is_some();
    assert_eq!(got.done, end_marker, "{name}: end marker");
}

#[test]
fn every_recording_reduces_to_its_expected_result() {
    let recordings = common::recordings();
    assert_eq!(recordings.len(), 52, "the fixture set holds 52 bodies");
    for rec in &recordings {
        let (events, end) = decode_whole(rec.format, &rec.body);
        assert!(
            !events
                .iter()
                .any(|e| matches!(e, StreamEvent::Malformed { .. })),
            "{}: no recorded message is malformed",
            rec.name
        );
        let reduction = Reduction::from_events(&events);
        check(&rec.name, &rec.expected, &reduction);
        assert_eq!(
            reduction,
            reduce_body(rec.format, &rec.body, Chunking::Whole),
            "{}",
            rec.name
        );

        let tail = rec
            .expected
            .get("incomplete_trailing_block")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        assert_eq!(
            end.unterminated_tail, tail,
            "{}: unterminated tail",
            rec.name
        );
        // A stream that carries a finish or end marker must be reported complete.
        assert_eq!(
            end.is_complete(),
            reduction.done || reduction.finish_reason.is_some(),
            "{}",
            rec.name
        );
    }
}

#[test]
fn cut_recordings_are_reported_incomplete() {
    let rec = common::recordings()
        .into_iter()
        .find(|r| r.name.starts_with("derived/truncated-mid-event"))
        .expect("truncated fixture");
    let (_, end) = decode_whole(rec.format, &rec.body);
    assert!(!end.is_complete() && end.unterminated_tail);
}

#[test]
fn every_recording_is_detected_as_its_format() {
    for rec in common::recordings() {
        assert_eq!(detect_format(&rec.body), Some(rec.format), "{}", rec.name);
    }
}

#[test]
fn fixed_chunkings_give_the_whole_body_reduction() {
    let chunkings = [
        "bytes:1", "bytes:2", "bytes:3", "bytes:7", "bytes:64", "random:1", "random:2", "random:3",
    ];
    for rec in common::recordings() {
        let whole = reduce_body(rec.format, &rec.body, Chunking::Whole);
        for chunking in chunkings {
            let chunked = reduce_body(rec.format, &rec.body, chunking.parse().expect("chunking"));
            assert_eq!(chunked, whole, "{} with {chunking}", rec.name);
        }
    }
}
