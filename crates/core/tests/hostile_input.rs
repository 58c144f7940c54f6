//! Network bytes are hostile: arbitrary bytes, and recorded streams with bytes flipped,
//! dropped or injected, must decode without panicking, whatever the format.

mod common;

use proptest::prelude::*;
use proptest::sample::Index;
use sparkplug_core::run::meter::Meter;
use sparkplug_core::{ApiFormat, StreamDecoder, StreamEvent};

/// Decodes `body` in `chunk`-sized pieces and drives a meter with the result.
fn run(format: ApiFormat, body: &[u8], chunk: usize) -> Vec<StreamEvent> {
    let mut decoder = StreamDecoder::new(format);
    let mut events = Vec::new();
    for piece in body.chunks(chunk.max(1)) {
        decoder.feed(piece, &mut events);
    }
    decoder.finish(&mut events);
    let mut meter = Meter::new();
    meter.start(0.0);
    for (i, event) in events.iter().enumerate() {
        match event {
            StreamEvent::TextDelta { text } | StreamEvent::ReasoningDelta { text } => {
                meter.text(i as f64, text)
            }
            StreamEvent::Usage(usage) => meter.usage(i as f64, *usage),
            StreamEvent::ServerTiming(timing) => meter.server_timing(*timing),
            _ => {}
        }
    }
    meter.end(events.len() as f64);
    let _ = (meter.snapshot(events.len() as f64 + 1.0), meter.sparkline());
    events
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..2048), chunk in 1usize..64) {
        for format in ApiFormat::ALL {
            run(format, &body, chunk);
        }
    }

    #[test]
    fn mangled_recordings_never_panic(
        pick in any::<Index>(),
        edits in prop::collection::vec((any::<Index>(), any::<u8>(), 0u8..3), 1..20),
        chunk in 1usize..512,
    ) {
        let recordings = common::recordings();
        let rec = pick.get(&recordings);
        let mut body = rec.body.clone();
        for (at, byte, kind) in edits {
            let at = at.index(body.len() + 1);
            match kind {
                0 if at < body.len() => body[at] = byte,
                1 if at < body.len() => { body.remove(at); }
                _ => body.insert(at, byte),
            }
        }
        // Decode as its own format and as every other one.
        for format in ApiFormat::ALL {
            run(format, &body, chunk);
        }
    }
}

#[test]
fn extreme_numbers_from_the_provider_are_survived() {
    let body = b"data: {\"choices\":[{\"index\":4294967295,\"delta\":{\"content\":\"x\",\"tool_calls\":[{\"index\":4294967295}]}}],\
\"usage\":{\"prompt_tokens\":18446744073709551615,\"completion_tokens\":18446744073709551615},\
\"time_info\":{\"completion_time\":0.0}}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"more text\"}}]}\n\n";
    let events = run(ApiFormat::OpenAiChat, body, 7);
    assert!(events
        .iter()
        .any(|e| matches!(e, StreamEvent::Usage(u) if u.output_tokens == Some(u64::MAX))));
}
