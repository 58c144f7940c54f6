//! The one entry point the app feeds response bytes into: frames them (SSE or NDJSON, by
//! format), decodes each message, and at the end says whether the stream finished or was cut.

pub mod event;
pub mod ndjson;
pub mod reduce;
pub mod sse;

use crate::provider::{ApiFormat, Decode, Framing};
use crate::stream::event::StreamEvent;
use crate::stream::ndjson::NdjsonSplitter;
use crate::stream::sse::{EndOfInput, SseEvent, SseParser};

/// Bytes in, [`StreamEvent`]s out, for one response body.
#[derive(Debug)]
pub struct StreamDecoder {
    framer: Framer,
    decoder: Box<dyn Decode>,
    saw_done: bool,
    saw_finish: bool,
}

#[derive(Debug)]
enum Framer {
    /// The scratch vectors are reused between chunks to avoid an allocation per feed.
    Sse(SseParser, Vec<SseEvent>),
    Ndjson(NdjsonSplitter, Vec<String>),
}

/// How a stream ended, from [`StreamDecoder::finish`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamEnd {
    /// The format's explicit end marker was seen (`[DONE]`, `message_stop`, …).
    pub saw_done: bool,
    /// The provider said why generation stopped (`finish_reason`, `stop_reason`, …).
    pub saw_finish: bool,
    /// The body ended mid-message: for SSE a block without its closing blank line was
    /// discarded (as the spec requires); for NDJSON the last line had no newline.
    pub unterminated_tail: bool,
}

impl StreamEnd {
    /// Whether the stream ended the way a finished generation ends. When false the
    /// connection was most likely cut and the UI says "the stream ended without a finish".
    pub fn is_complete(&self) -> bool {
        self.saw_done || self.saw_finish
    }
}

impl StreamDecoder {
    pub fn new(format: ApiFormat) -> Self {
        let spec = format.spec();
        let framer = match spec.framing() {
            Framing::Sse => Framer::Sse(SseParser::new(), Vec::new()),
            Framing::Ndjson => Framer::Ndjson(NdjsonSplitter::new(), Vec::new()),
        };
        Self {
            framer,
            decoder: spec.decoder(),
            saw_done: false,
            saw_finish: false,
        }
    }

    /// Decodes the next chunk of the body, pushing the events it completes onto `out`.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<StreamEvent>) {
        let start = out.len();
        match &mut self.framer {
            Framer::Sse(parser, scratch) => {
                parser.feed(bytes, scratch);
                for message in scratch.drain(..) {
                    self.decoder.decode(&message.data, out);
                }
            }
            Framer::Ndjson(splitter, scratch) => {
                splitter.feed(bytes, scratch);
                for line in scratch.drain(..) {
                    self.decoder.decode(&line, out);
                }
            }
        }
        self.note(&out[start..]);
    }

    /// Ends the body: decodes what a final unterminated NDJSON line holds and reports how
    /// the stream ended. An unterminated SSE block is never decoded, per the spec.
    pub fn finish(&mut self, out: &mut Vec<StreamEvent>) -> StreamEnd {
        let start = out.len();
        let unterminated_tail = match &mut self.framer {
            Framer::Sse(parser, _) => parser.finish() == EndOfInput::UnterminatedBlock,
            Framer::Ndjson(splitter, _) => match splitter.finish() {
                Some(line) => {
                    self.decoder.decode(&line, out);
                    true
                }
                None => false,
            },
        };
        self.note(&out[start..]);
        StreamEnd {
            saw_done: self.saw_done,
            saw_finish: self.saw_finish,
            unterminated_tail,
        }
    }

    fn note(&mut self, events: &[StreamEvent]) {
        for event in events {
            match event {
                StreamEvent::Done => self.saw_done = true,
                StreamEvent::Finish { .. } => self.saw_finish = true,
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openai_chunks_split_anywhere_decode_to_text_and_a_clean_end() {
        let body = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"h\u{e9}\"}}]}\n\n\
                    data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n\
                    data: [DONE]\n\n";
        let mut decoder = StreamDecoder::new(ApiFormat::OpenAiChat);
        let mut events = Vec::new();
        for byte in body.as_bytes() {
            decoder.feed(std::slice::from_ref(byte), &mut events);
        }
        let end = decoder.finish(&mut events);
        assert_eq!(
            events,
            [
                StreamEvent::TextDelta {
                    text: "h\u{e9}".into()
                },
                StreamEvent::Finish {
                    reason: "stop".into()
                },
                StreamEvent::Done,
            ]
        );
        assert!(end.is_complete() && !end.unterminated_tail);
    }

    #[test]
    fn cut_stream_is_reported_incomplete() {
        let mut decoder = StreamDecoder::new(ApiFormat::OpenAiChat);
        let mut events = Vec::new();
        decoder.feed(
            b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\ndata: {\"cho",
            &mut events,
        );
        let end = decoder.finish(&mut events);
        assert_eq!(events, [StreamEvent::TextDelta { text: "a".into() }]);
        assert_eq!(
            end,
            StreamEnd {
                saw_done: false,
                saw_finish: false,
                unterminated_tail: true
            }
        );
        assert!(!end.is_complete());
    }

    #[test]
    fn malformed_data_is_surfaced_and_the_stream_continues() {
        let mut decoder = StreamDecoder::new(ApiFormat::OpenAiChat);
        let mut events = Vec::new();
        decoder.feed(
            b"data: not json\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"ok\"}}]}\n\n",
            &mut events,
        );
        assert!(
            matches!(&events[0], StreamEvent::Malformed { excerpt, .. } if excerpt == "not json")
        );
        assert_eq!(events[1], StreamEvent::TextDelta { text: "ok".into() });
    }

    #[test]
    fn ndjson_last_line_without_newline_is_decoded_at_finish() {
        let mut decoder = StreamDecoder::new(ApiFormat::Ollama);
        let mut events = Vec::new();
        decoder.feed(
            b"{\"response\":\"a\",\"done\":false}\n{\"response\":\"\",\"done\":true}",
            &mut events,
        );
        assert_eq!(events, [StreamEvent::TextDelta { text: "a".into() }]);
        let end = decoder.finish(&mut events);
        assert_eq!(events.last(), Some(&StreamEvent::Done));
        assert!(end.is_complete() && end.unterminated_tail);
    }
}
