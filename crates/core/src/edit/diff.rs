//! What an edit changed, line by line, for the answer's diff view: each line kept, added or
//! removed, with its numbers in the old and new file, grouped into hunks with context.

use serde::{Deserialize, Serialize};
use similar::{ChangeTag, TextDiff};

/// Whether a line is in both versions, only the new one, or only the old one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LineChange {
    Same,
    Added,
    Removed,
}

/// One line of a diff, without its newline; line numbers count from 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffLine {
    pub change: LineChange,
    pub text: String,
    pub old_line: Option<usize>,
    pub new_line: Option<usize>,
}

/// The changed stretches of a file with `context` unchanged lines around each.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FileDiff {
    pub hunks: Vec<Vec<DiffLine>>,
    pub added: usize,
    pub removed: usize,
}

impl FileDiff {
    pub fn is_empty(&self) -> bool {
        self.hunks.is_empty()
    }
}

/// The line diff from `old` to `new`.
pub fn diff_lines(old: &str, new: &str, context: usize) -> FileDiff {
    let diff = TextDiff::from_lines(old, new);
    let mut result = FileDiff::default();
    for group in diff.grouped_ops(context) {
        let mut hunk = Vec::new();
        for op in &group {
            for change in diff.iter_changes(op) {
                let kind = match change.tag() {
                    ChangeTag::Equal => LineChange::Same,
                    ChangeTag::Insert => {
                        result.added += 1;
                        LineChange::Added
                    }
                    ChangeTag::Delete => {
                        result.removed += 1;
                        LineChange::Removed
                    }
                };
                let text = change.value();
                hunk.push(DiffLine {
                    change: kind,
                    text: text.strip_suffix('\n').unwrap_or(text).to_string(),
                    old_line: change.old_index().map(|i| i + 1),
                    new_line: change.new_index().map(|i| i + 1),
                });
            }
        }
        result.hunks.push(hunk);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_line_shows_as_removed_then_added_with_context_and_numbers() {
        let old = "a\nb\nc\nd\ne\nf\ng\n";
        let new = "a\nb\nc\nD\ne\nf\ng\n";
        let diff = diff_lines(old, new, 1);
        assert_eq!((diff.added, diff.removed), (1, 1));
        let lines: Vec<(LineChange, &str, Option<usize>, Option<usize>)> = diff.hunks[0]
            .iter()
            .map(|l| (l.change, l.text.as_str(), l.old_line, l.new_line))
            .collect();
        assert_eq!(
            lines,
            [
                (LineChange::Same, "c", Some(3), Some(3)),
                (LineChange::Removed, "d", Some(4), None),
                (LineChange::Added, "D", None, Some(4)),
                (LineChange::Same, "e", Some(5), Some(5)),
            ]
        );
    }

    #[test]
    fn distant_changes_are_separate_hunks_and_no_change_is_empty() {
        let old: String = (1..=20).map(|i| format!("{i}\n")).collect();
        let new: String = (1..=20)
            .map(|i| match i {
                2 => "two\n".to_string(),
                19 => "nineteen\n".to_string(),
                _ => format!("{i}\n"),
            })
            .collect();
        assert_eq!(diff_lines(&old, &new, 2).hunks.len(), 2);
        assert!(diff_lines(&old, &old, 3).is_empty());
    }
}
