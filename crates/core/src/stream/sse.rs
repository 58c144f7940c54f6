//! Incremental Server-Sent Events parser over raw network bytes.
//! Follows the WHATWG "event stream interpretation" rules so every provider's framing reads the same.

use std::mem;

use serde::Serialize;

/// UTF-8 encoding of U+FEFF; one of these is dropped from the very start of a stream.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One dispatched event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SseEvent {
    /// The event type; `message` when the block named none.
    pub event: String,
    /// The data lines of the block joined with `\n`.
    pub data: String,
    /// The last event id at dispatch time (it persists across events); empty if never set.
    pub id: String,
}

/// How the input ended, as told by [`SseParser::finish`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndOfInput {
    /// Input ended on a block boundary: nothing was lost.
    Clean,
    /// Input ended inside a block (a partial line, or data lines not followed by a blank
    /// line); per the spec that block was discarded, so the stream was probably cut.
    UnterminatedBlock,
}

/// Push parser: feed it byte chunks of any size, it emits events as blocks complete.
///
/// Each byte is looked at once: only the unfinished line is kept between chunks, and the
/// search for a line end starts at the new bytes, so cost is linear in the input.
#[derive(Debug)]
pub struct SseParser {
    /// The unfinished line carried over from earlier chunks.
    line: Vec<u8>,
    /// The previous line ended with CR at a chunk end: an LF opening the next chunk is its tail.
    skip_lf: bool,
    /// No line has completed yet, so the BOM check is still due.
    at_start: bool,
    data: String,
    event: String,
    last_id: String,
    retry: Option<u64>,
}

impl Default for SseParser {
    fn default() -> Self {
        Self::new()
    }
}

impl SseParser {
    pub fn new() -> Self {
        Self {
            line: Vec::new(),
            skip_lf: false,
            at_start: true,
            data: String::new(),
            event: String::new(),
            last_id: String::new(),
            retry: None,
        }
    }

    /// Parses the next chunk, pushing every event it completes onto `out`.
    pub fn feed(&mut self, mut bytes: &[u8], out: &mut Vec<SseEvent>) {
        if self.skip_lf {
            if let Some((&first, rest)) = bytes.split_first() {
                self.skip_lf = false;
                if first == b'\n' {
                    bytes = rest;
                }
            }
        }
        while let Some(end) = bytes.iter().position(|&b| b == b'\n' || b == b'\r') {
            let (content, after) = bytes.split_at(end);
            let mut rest = &after[1..];
            if after[0] == b'\r' {
                match rest.first() {
                    Some(b'\n') => rest = &rest[1..],
                    Some(_) => {}
                    None => self.skip_lf = true,
                }
            }
            if self.line.is_empty() {
                self.process_line(content, out);
            } else {
                // Reuse the carry buffer's allocation for the next partial line.
                let mut line = mem::take(&mut self.line);
                line.extend_from_slice(content);
                self.process_line(&line, out);
                line.clear();
                self.line = line;
            }
            bytes = rest;
        }
        self.line.extend_from_slice(bytes);
    }

    /// Ends the input. An unterminated final block is discarded, as the spec requires;
    /// the result says whether that happened. The last event id and retry persist.
    pub fn finish(&mut self) -> EndOfInput {
        let cut = !self.line.is_empty() || !self.data.is_empty();
        self.line.clear();
        self.data.clear();
        self.event.clear();
        self.skip_lf = false;
        if cut {
            EndOfInput::UnterminatedBlock
        } else {
            EndOfInput::Clean
        }
    }

    /// The reconnection time in milliseconds, if the stream set a valid one.
    pub fn retry(&self) -> Option<u64> {
        self.retry
    }

    fn process_line(&mut self, mut line: &[u8], out: &mut Vec<SseEvent>) {
        if self.at_start {
            self.at_start = false;
            // A BOM holds no CR or LF, so a leading one always sits in the first line.
            line = line.strip_prefix(BOM).unwrap_or(line);
        }
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(0) => return, // comment
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &[][..]),
        };
        match name {
            b"data" => {
                // Lines split at CR/LF bytes, which never occur inside a multi-byte
                // character, so decoding per line equals decoding the whole stream.
                self.data.push_str(&String::from_utf8_lossy(value));
                self.data.push('\n');
            }
            b"event" => self.event = String::from_utf8_lossy(value).into_owned(),
            // Only the UTF-8 encoding of U+0000 contains a zero byte.
            b"id" if !value.contains(&0) => {
                self.last_id = String::from_utf8_lossy(value).into_owned();
            }
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                // An absurdly long digit run overflows; saturating keeps "wait a long time".
                self.retry = Some(value.iter().fold(0u64, |acc, &d| {
                    acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))
                }));
            }
            _ => {}
        }
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        if self.data.is_empty() {
            self.event.clear();
            return;
        }
        // Every data line appended a '\n'; the last one is not part of the data.
        self.data.pop();
        let event = if self.event.is_empty() {
            String::from("message")
        } else {
            mem::take(&mut self.event)
        };
        out.push(SseEvent {
            event,
            data: mem::take(&mut self.data),
            id: self.last_id.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_chunks(chunks: &[&[u8]]) -> (Vec<SseEvent>, EndOfInput) {
        let mut parser = SseParser::new();
        let mut out = Vec::new();
        for chunk in chunks {
            parser.feed(chunk, &mut out);
        }
        let end = parser.finish();
        (out, end)
    }

    fn data_of(events: &[SseEvent]) -> Vec<&str> {
        events.iter().map(|e| e.data.as_str()).collect()
    }

    #[test]
    fn cr_at_chunk_end_and_lf_at_next_start_are_one_line_end() {
        let (events, end) = parse_chunks(&[b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]);
        assert_eq!(data_of(&events), ["a\nb"]);
        assert_eq!(end, EndOfInput::Clean);
    }

    #[test]
    fn lone_cr_at_chunk_end_still_ends_the_line() {
        let (events, _) = parse_chunks(&[b"data: a\r", b"\r"]);
        assert_eq!(data_of(&events), ["a"]);
    }

    #[test]
    fn bom_split_across_chunks_is_stripped_once() {
        let (events, _) =
            parse_chunks(&[b"\xEF", b"\xBB", b"\xBFdata: x\n\n\xEF\xBB\xBFdata: y\n\n"]);
        assert_eq!(data_of(&events), ["x"]);
    }

    #[test]
    fn multibyte_character_split_across_chunks_is_kept() {
        let (events, _) = parse_chunks(&[b"data: \xE2\x99", b"\xA5\n\n"]);
        assert_eq!(data_of(&events), ["\u{2665}"]);
    }

    #[test]
    fn invalid_utf8_becomes_replacement_character() {
        let (events, _) = parse_chunks(&[b"data: a\xFFb\n\n"]);
        assert_eq!(data_of(&events), ["a\u{FFFD}b"]);
    }

    #[test]
    fn unterminated_final_block_is_reported_not_dispatched() {
        let (events, end) = parse_chunks(&[b"data: a\n\ndata: b\n"]);
        assert_eq!(data_of(&events), ["a"]);
        assert_eq!(end, EndOfInput::UnterminatedBlock);

        let (events, end) = parse_chunks(&[b"data: a\n\ndata: [DO"]);
        assert_eq!(data_of(&events), ["a"]);
        assert_eq!(end, EndOfInput::UnterminatedBlock);
    }

    #[test]
    fn finish_resets_the_block_but_keeps_id_and_retry() {
        let mut parser = SseParser::new();
        let mut out = Vec::new();
        parser.feed(b"id: 7\nretry: 10\ndata: lost\n", &mut out);
        assert_eq!(parser.finish(), EndOfInput::UnterminatedBlock);
        parser.feed(b"data: next\n\n", &mut out);
        assert_eq!(parser.finish(), EndOfInput::Clean);
        assert_eq!(data_of(&out), ["next"]);
        assert_eq!(out[0].id, "7");
        assert_eq!(parser.retry(), Some(10));
    }

    #[test]
    fn huge_retry_saturates_instead_of_overflowing() {
        let mut parser = SseParser::new();
        parser.feed(b"retry: 99999999999999999999999999\n\n", &mut Vec::new());
        assert_eq!(parser.retry(), Some(u64::MAX));
    }

    #[test]
    fn long_line_fed_one_byte_at_a_time() {
        let payload = "x".repeat(16 * 1024);
        let body = format!("data: {payload}\n\n");
        let mut parser = SseParser::new();
        let mut out = Vec::new();
        for byte in body.as_bytes() {
            parser.feed(std::slice::from_ref(byte), &mut out);
        }
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].data, payload);
    }
}
