//! Incremental splitter for newline-delimited JSON bodies (Ollama's native streams).
//! It only frames lines; parsing the JSON in each line is the decoder's job.

/// Push splitter: feed byte chunks of any size, it emits each complete non-blank line.
///
/// Only the unfinished line is kept between chunks and only new bytes are searched,
/// so cost is linear in the input.
#[derive(Debug, Default)]
pub struct NdjsonSplitter {
    /// The unfinished line carried over from earlier chunks.
    line: Vec<u8>,
}

impl NdjsonSplitter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Splits the next chunk, pushing every line it completes onto `out`.
    pub fn feed(&mut self, mut bytes: &[u8], out: &mut Vec<String>) {
        while let Some(end) = bytes.iter().position(|&b| b == b'\n') {
            let (content, rest) = (&bytes[..end], &bytes[end + 1..]);
            if self.line.is_empty() {
                out.extend(clean_line(content));
            } else {
                self.line.extend_from_slice(content);
                out.extend(clean_line(&self.line));
                self.line.clear();
            }
            bytes = rest;
        }
        self.line.extend_from_slice(bytes);
    }

    /// Ends the input: a last line without a trailing newline is still a line.
    pub fn finish(&mut self) -> Option<String> {
        let last = clean_line(&self.line);
        self.line.clear();
        last
    }
}

/// The line without its CR, or nothing for a blank line.
fn clean_line(line: &[u8]) -> Option<String> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    // Lines split at LF bytes, which never occur inside a multi-byte character.
    Some(String::from_utf8_lossy(line).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(chunks: &[&[u8]]) -> (Vec<String>, Option<String>) {
        let mut splitter = NdjsonSplitter::new();
        let mut out = Vec::new();
        for chunk in chunks {
            splitter.feed(chunk, &mut out);
        }
        let last = splitter.finish();
        (out, last)
    }

    #[test]
    fn splits_lines_across_chunks_and_tolerates_crlf() {
        let (lines, last) = split(&[b"{\"a\":", b"1}\r", b"\n{\"b\":2}\n"]);
        assert_eq!(lines, ["{\"a\":1}", "{\"b\":2}"]);
        assert_eq!(last, None);
    }

    #[test]
    fn skips_blank_lines() {
        let (lines, _) = split(&[b"\n\r\n  \n{}\n\n"]);
        assert_eq!(lines, ["{}"]);
    }

    #[test]
    fn last_line_without_newline_is_delivered_at_finish() {
        let (lines, last) = split(&[b"{}\n{\"done\":", b"true}"]);
        assert_eq!(lines, ["{}"]);
        assert_eq!(last.as_deref(), Some("{\"done\":true}"));
    }

    #[test]
    fn multibyte_character_split_across_chunks_is_kept() {
        let (lines, _) = split(&[b"\"\xE2\x99", b"\xA5\"\n"]);
        assert_eq!(lines, ["\"\u{2665}\""]);
    }
}
