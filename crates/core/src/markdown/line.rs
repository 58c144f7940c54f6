//! What one complete markdown line can start or close, by CommonMark's block rules: fences,
//! headings, rules, quotes, list items, setext underlines and table delimiter rows.

/// A code fence's opening marker: the character, its run length and its indentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fence {
    pub ch: u8,
    pub len: usize,
    pub indent: usize,
}

/// A list item's marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListMarker {
    /// The number of an ordered item, `None` for a bullet.
    pub number: Option<u64>,
    /// Nothing follows the marker on its line.
    pub empty: bool,
    /// Column where the item's content starts (continuation lines indent this far).
    pub content_indent: usize,
}

/// The block a line starts when it is not continuing another block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start<'a> {
    Blank,
    Fence {
        fence: Fence,
        info: &'a str,
    },
    Heading,
    Rule,
    Quote,
    List(ListMarker),
    /// Four or more columns of indentation: indented code, or the content of a list item.
    Indented,
    Text,
}

/// Columns of leading whitespace (a tab advances to the next multiple of four) and the
/// byte offset where the content starts.
pub fn indentation(line: &str) -> (usize, usize) {
    let mut columns = 0;
    for (offset, byte) in line.bytes().enumerate() {
        match byte {
            b' ' => columns += 1,
            b'\t' => columns += 4 - columns % 4,
            _ => return (columns, offset),
        }
    }
    (columns, line.len())
}

pub fn is_blank(line: &str) -> bool {
    line.bytes().all(|b| b == b' ' || b == b'\t')
}

/// Classifies a line as the start of a block. Order matters where CommonMark says so:
/// `* * *` is a rule before it is a list item.
pub fn classify(line: &str) -> Start<'_> {
    if is_blank(line) {
        return Start::Blank;
    }
    let (indent, offset) = indentation(line);
    if indent >= 4 {
        return Start::Indented;
    }
    let rest = &line[offset..];
    if let Some((fence, info)) = fence_open(rest, indent) {
        return Start::Fence { fence, info };
    }
    if is_heading(rest) {
        return Start::Heading;
    }
    if is_rule(rest) {
        return Start::Rule;
    }
    if rest.starts_with('>') {
        return Start::Quote;
    }
    if let Some(marker) = list_marker(rest, indent) {
        return Start::List(marker);
    }
    Start::Text
}

/// An opening fence: three or more backticks or tildes; a backtick fence's info string may
/// not contain a backtick (that would be inline code).
fn fence_open(rest: &str, indent: usize) -> Option<(Fence, &str)> {
    let ch = *rest.as_bytes().first()?;
    if ch != b'`' && ch != b'~' {
        return None;
    }
    let len = rest.bytes().take_while(|&b| b == ch).count();
    if len < 3 {
        return None;
    }
    let info = rest[len..].trim();
    if ch == b'`' && info.contains('`') {
        return None;
    }
    Some((Fence { ch, len, indent }, info))
}

/// Whether `line` closes a fence opened with `fence`.
pub fn closes(line: &str, fence: Fence) -> bool {
    let (indent, offset) = indentation(line);
    if indent >= 4 {
        return false;
    }
    let rest = &line[offset..];
    let len = rest.bytes().take_while(|&b| b == fence.ch).count();
    len >= fence.len && is_blank(&rest[len..])
}

/// Whether `line`, at any indentation, would open a fence (for fences nested in list items).
pub fn opens_fence_anywhere(line: &str) -> Option<Fence> {
    let (indent, offset) = indentation(line);
    fence_open(&line[offset..], indent).map(|(fence, _)| fence)
}

/// Whether `line`, at any indentation, closes `fence` (nested fences close at their own depth).
pub fn closes_anywhere(line: &str, fence: Fence) -> bool {
    let (_, offset) = indentation(line);
    let rest = &line[offset..];
    let len = rest.bytes().take_while(|&b| b == fence.ch).count();
    len >= fence.len && is_blank(&rest[len..])
}

fn is_heading(rest: &str) -> bool {
    let hashes = rest.bytes().take_while(|&b| b == b'#').count();
    (1..=6).contains(&hashes) && matches!(rest.as_bytes().get(hashes), None | Some(b' ' | b'\t'))
}

/// Three or more of the same `*`, `-` or `_`, with only spaces or tabs between.
fn is_rule(rest: &str) -> bool {
    let Some(&ch) = rest.as_bytes().first() else {
        return false;
    };
    if !matches!(ch, b'*' | b'-' | b'_') {
        return false;
    }
    let mut count = 0;
    for byte in rest.bytes() {
        match byte {
            b' ' | b'\t' => {}
            b if b == ch => count += 1,
            _ => return false,
        }
    }
    count >= 3
}

/// `-`, `+` or `*`, or up to nine digits and `.` or `)`, then a space, tab or the line's end.
fn list_marker(rest: &str, indent: usize) -> Option<ListMarker> {
    let bytes = rest.as_bytes();
    let (number, width) = match bytes.first()? {
        b'-' | b'+' | b'*' => (None, 1),
        b'0'..=b'9' => {
            let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
            if digits > 9 || !matches!(bytes.get(digits), Some(b'.' | b')')) {
                return None;
            }
            (rest[..digits].parse().ok(), digits + 1)
        }
        _ => return None,
    };
    let after = &rest[width..];
    if !after.is_empty() && !after.starts_with([' ', '\t']) {
        return None;
    }
    let empty = is_blank(after);
    let (spaces, _) = indentation(after);
    // Five or more spaces after the marker make the content indented code: the content
    // column is then one space past the marker.
    let gap = if empty || spaces > 4 { 1 } else { spaces };
    Some(ListMarker {
        number,
        empty,
        content_indent: indent + width + gap,
    })
}

/// Whether a list item may interrupt a paragraph: it must have content, and an ordered
/// one must start at 1 (so "2024. was a year" inside a sentence stays text).
pub fn list_interrupts_paragraph(marker: ListMarker) -> bool {
    !marker.empty && marker.number.is_none_or(|n| n == 1)
}

/// A setext underline (`===` or `---`) that turns the paragraph above into a heading.
pub fn is_setext_underline(line: &str) -> bool {
    let (indent, offset) = indentation(line);
    if indent >= 4 {
        return false;
    }
    let rest = line[offset..].trim_end();
    let Some(&ch) = rest.as_bytes().first() else {
        return false;
    };
    (ch == b'=' || ch == b'-') && rest.bytes().all(|b| b == ch)
}

/// A table's delimiter row: cells of dashes with optional alignment colons, between pipes;
/// a single cell needs a pipe so that `---` stays a rule or underline.
pub fn is_table_delimiter(line: &str) -> bool {
    let trimmed = line.trim();
    if !trimmed.contains('|') {
        return false;
    }
    let inner = trimmed.strip_prefix('|').unwrap_or(trimmed);
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    !inner.is_empty()
        && inner.split('|').all(|cell| {
            let cell = cell.trim();
            let cell = cell.strip_prefix(':').unwrap_or(cell);
            let cell = cell.strip_suffix(':').unwrap_or(cell);
            !cell.is_empty() && cell.bytes().all(|b| b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_block_starts() {
        assert_eq!(classify("   "), Start::Blank);
        assert!(matches!(
            classify("```js title"),
            Start::Fence {
                fence: Fence {
                    ch: b'`',
                    len: 3,
                    indent: 0
                },
                info: "js title"
            }
        ));
        assert!(matches!(
            classify("  ~~~~"),
            Start::Fence {
                fence: Fence {
                    ch: b'~',
                    len: 4,
                    indent: 2
                },
                ..
            }
        ));
        assert_eq!(classify("``inline``"), Start::Text);
        assert_eq!(classify("```a`b"), Start::Text);
        assert_eq!(classify("## Title"), Start::Heading);
        assert_eq!(classify("#hashtag"), Start::Text);
        assert_eq!(classify("####### seven"), Start::Text);
        assert_eq!(classify("* * *"), Start::Rule);
        assert_eq!(classify("---"), Start::Rule);
        assert_eq!(classify("> quoted"), Start::Quote);
        assert_eq!(classify("    code"), Start::Indented);
        assert_eq!(classify("plain"), Start::Text);
        assert_eq!(classify("-not a list"), Start::Text);
        let Start::List(item) = classify("12. twelve") else {
            panic!("ordered item");
        };
        assert_eq!(
            (item.number, item.empty, item.content_indent),
            (Some(12), false, 4)
        );
        let Start::List(bullet) = classify("-") else {
            panic!("empty bullet");
        };
        assert!(bullet.empty);
        assert_eq!(classify("1234567890. too long"), Start::Text);
    }

    #[test]
    fn fences_close_with_a_long_enough_run_of_the_same_character() {
        let fence = Fence {
            ch: b'`',
            len: 4,
            indent: 0,
        };
        assert!(closes("````", fence));
        assert!(closes("  `````  ", fence));
        assert!(!closes("```", fence));
        assert!(!closes("~~~~", fence));
        assert!(!closes("```` js", fence));
        assert!(!closes("    ````", fence));
    }

    #[test]
    fn paragraph_interruptions_underlines_and_tables() {
        let Start::List(one) = classify("1. first") else {
            panic!()
        };
        let Start::List(two) = classify("2. second") else {
            panic!()
        };
        assert!(list_interrupts_paragraph(one));
        assert!(!list_interrupts_paragraph(two));
        assert!(is_setext_underline("====="));
        assert!(is_setext_underline("--- "));
        assert!(!is_setext_underline("-- -"));
        assert!(is_table_delimiter("| --- | :-: |"));
        assert!(is_table_delimiter("--|--"));
        assert!(!is_table_delimiter("---"));
        assert!(!is_table_delimiter("| a | b |"));
    }
}
