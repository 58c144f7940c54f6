//! Server-Sent Events framing for the streams this server writes: one `data:` line per
//! event, a blank line after each, and the `[DONE]` sentinel OpenAI clients wait for.

use bytes::Bytes;
use serde::Serialize;

pub const CONTENT_TYPE: &str = "text/event-stream";

/// The last event of a completed OpenAI-style stream.
pub const DONE: &[u8] = b"data: [DONE]\n\n";

/// Appends `data: <json>\n\n` to `out`. JSON never contains a raw newline, so one
/// `data:` line always carries the whole value.
pub fn push_json(out: &mut Vec<u8>, value: &impl Serialize) {
    out.extend_from_slice(b"data: ");
    // Serialising these plain structs cannot fail: no maps with non-string keys, no
    // failing `Serialize` impls. Should it ever, the event carries `null`.
    if serde_json::to_writer(&mut *out, value).is_err() {
        out.extend_from_slice(b"null");
    }
    out.extend_from_slice(b"\n\n");
}

/// An in-band error event, the way OpenAI-compatible providers report a failure after
/// the stream has begun.
pub fn error_event(message: &str, kind: &str) -> Bytes {
    let mut out = Vec::new();
    push_json(
        &mut out,
        &serde_json::json!({ "error": { "message": message, "type": kind } }),
    );
    Bytes::from(out)
}

/// The event every in-flight stream ends with when the server shuts down.
pub fn shutdown_event() -> Bytes {
    error_event("server shutting down", "server_shutdown")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_json_as_one_data_line() {
        let mut out = Vec::new();
        push_json(&mut out, &serde_json::json!({"a": "line1\nline2"}));
        assert_eq!(out, b"data: {\"a\":\"line1\\nline2\"}\n\n");
        assert_eq!(
            &shutdown_event()[..],
            b"data: {\"error\":{\"message\":\"server shutting down\",\"type\":\"server_shutdown\"}}\n\n"
        );
    }
}
